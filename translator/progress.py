"""Progress of a long run, shown on a terminal and nowhere else.

The pipeline reports `(stage, done, total)` to an optional hook (`translator.api.translate`
takes one); `Bar` is the hook the command line passes when stderr is a terminal.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TextIO

Hook = Callable[[str, int, int], None]  # (stage, done, total), e.g. ("templates validated", 3, 40)

WIDTH = 24


class Bar:
    """One line on a terminal, redrawn in place: a bar per stage that has a total."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.shown = ""

    def __call__(self, stage: str, done: int, total: int) -> None:
        filled = WIDTH * done // total if total else WIDTH
        line = f"eks2ecs: [{'#' * filled}{'.' * (WIDTH - filled)}] {done}/{total} {stage}"
        if line != self.shown:  # a redraw per change of what is shown, not per item
            self.stream.write(f"\r{line}\x1b[K")
            self.stream.flush()
            self.shown = line

    def close(self) -> None:
        """Clear the line, so what the command prints next starts on a clean one."""
        if self.shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self.shown = ""
