"""A small progress bar for long CLI tasks (imports, rebuilds), written to stderr."""

import sys
import time

from neuguong.numbers import vi_number


class Progress:
    """`label [#####.....] 1.234/5.678 (n/s)`: redrawn in place on a terminal, a line per 10% in a log."""

    def __init__(self, label: str, total: int, stream=sys.stderr) -> None:
        self.label, self.total, self.stream = label, max(total, 1), stream
        self.done, self.started, self._shown = 0, time.monotonic(), 0.0
        self.live = stream.isatty()
        self._next_tenth = 1

    def advance(self, count: int = 1) -> None:
        """Record `count` more items done."""
        self.done += count
        now = time.monotonic()
        if self.live and now - self._shown >= 0.1:
            self._shown = now
            self._draw(now, "\r")
        elif not self.live and self.done * 10 >= self._next_tenth * self.total:
            self._next_tenth = self.done * 10 // self.total + 1
            self._draw(now, "\n")

    def close(self) -> None:
        """Finish the line."""
        if self.live:
            self._draw(time.monotonic(), "\r")
            self.stream.write("\n")
        elif self._next_tenth <= 10:
            self._draw(time.monotonic(), "\n")
        self.stream.flush()

    def _draw(self, now: float, mode: str) -> None:
        filled = int(30 * min(self.done, self.total) / self.total)
        rate = self.done / max(now - self.started, 1e-6)
        line = (
            f"{self.label} [{'#' * filled}{'.' * (30 - filled)}] "
            f"{vi_number(self.done)}/{vi_number(self.total)} ({vi_number(int(rate))}/s)"
        )
        self.stream.write(f"\r{line}" if mode == "\r" else f"{line}\n")
        self.stream.flush()
