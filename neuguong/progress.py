"""A small progress bar for long CLI tasks (imports, rebuilds), written to stderr."""

import sys
import time


class Progress:
    """Prints `label [#####.....] 1.234/5.678 (n/s)` in place, at most ten times a second."""

    def __init__(self, label: str, total: int, stream=sys.stderr) -> None:  # noqa: ANN001
        self.label, self.total, self.stream = label, max(total, 1), stream
        self.done, self.started, self._shown = 0, time.monotonic(), 0.0

    def advance(self, count: int = 1) -> None:
        """Record `count` more items done."""
        self.done += count
        now = time.monotonic()
        if now - self._shown >= 0.1 or self.done >= self.total:
            self._shown = now
            self._draw(now)

    def close(self) -> None:
        """Finish the line."""
        self._draw(time.monotonic())
        self.stream.write("\n")
        self.stream.flush()

    def _draw(self, now: float) -> None:
        filled = int(30 * min(self.done, self.total) / self.total)
        rate = self.done / max(now - self.started, 1e-6)
        self.stream.write(
            f"\r{self.label} [{'#' * filled}{'.' * (30 - filled)}] "
            f"{vi_number(self.done)}/{vi_number(self.total)} ({vi_number(int(rate))}/s)"
        )
        self.stream.flush()


def vi_number(value: int) -> str:
    """A whole number written the Vietnamese way: 142.597."""
    return f"{value:,}".replace(",", ".")
