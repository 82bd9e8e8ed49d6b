"""A small progress bar for long CLI tasks (imports, rebuilds), written to stderr."""

import sys
import time

from neuguong.numbers import vi_number

LOG_EVERY_SECONDS = 10.0
"""How often a log (not a terminal) gets a line when the total is not known."""


class Progress:
    """`label [#####.....] 1.234/5.678 (n/s)`: redrawn in place on a terminal, a line per 10% in a log. Without
    a total (a workbook that does not state its size), `label 1.234 (n/s)`, in a log every 10 s."""

    def __init__(self, label: str, total: int | None, stream=sys.stderr) -> None:
        self.label, self.stream = label, stream
        self.total = None if total is None else max(total, 1)
        self.done, self.started, self._shown = 0, time.monotonic(), 0.0
        self.live = stream.isatty()
        self._next_tenth = 1
        self._logged = self.started

    def advance(self, count: int = 1) -> None:
        """Record `count` more items done; past a total that was too small (a workbook that understates its size),
        the count goes on without one."""
        self.done += count
        if self.total is not None and self.done > self.total:
            self.total = None
        now = time.monotonic()
        if self.live and now - self._shown >= 0.1:
            self._shown = now
            self._draw(now, "\r")
        elif not self.live and self.total is None and now - self._logged >= LOG_EVERY_SECONDS:
            self._logged = now
            self._draw(now, "\n")
        elif not self.live and self.total is not None and self.done * 10 >= self._next_tenth * self.total:
            self._next_tenth = self.done * 10 // self.total + 1
            self._draw(now, "\n")

    def complete(self) -> None:
        """Every item is done: the count reaches the total, items it counted that were never met included."""
        if self.total is not None and self.done < self.total:
            self.advance(self.total - self.done)

    def close(self) -> None:
        """Finish the line."""
        if self.live:
            self._draw(time.monotonic(), "\r")
            self.stream.write("\n")
        elif self.total is None or self._next_tenth <= 10:
            self._draw(time.monotonic(), "\n")
        self.stream.flush()

    def _draw(self, now: float, mode: str) -> None:
        rate = f"({vi_number(int(self.done / max(now - self.started, 1e-6)))}/s)"
        if self.total is None:
            line = f"{self.label} {vi_number(self.done)} {rate}"
        else:
            filled = int(30 * min(self.done, self.total) / self.total)
            bar = "#" * filled + "." * (30 - filled)
            line = f"{self.label} [{bar}] {vi_number(self.done)}/{vi_number(self.total)} {rate}"
        self.stream.write(f"\r{line}" if mode == "\r" else f"{line}\n")
        self.stream.flush()
