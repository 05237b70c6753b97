"""Progress of a long run, shown on a terminal and nowhere else.

The pipeline reports `(stage, done, total)` to an optional hook (`translator.api.translate`
takes one); `Bar` is the hook the command line passes.
"""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import TextIO

Hook = Callable[[str, int, int], None]  # (stage, done, total), e.g. ("templates validated", 3, 40)

WIDTH = 24


class Bar:
    """One line on stderr redrawn in place, `[####....] 3/40 templates validated`, drawn only
    when `shown` (a person is watching: a terminal, no --quiet), and cleared on leaving the
    `with` block so what is printed next starts on a clean line."""

    def __init__(self, stream: TextIO, shown: bool) -> None:
        self.stream = stream
        self.shown = shown
        self.line = ""

    def __call__(self, stage: str, done: int, total: int) -> None:
        if not self.shown:
            return
        filled = WIDTH * done // total if total else WIDTH
        self.line = f"eks2ecs: [{'#' * filled}{'.' * (WIDTH - filled)}] {done}/{total} {stage}"
        self.stream.write(f"\r{self.line}\x1b[K")
        self.stream.flush()

    def __enter__(self) -> Bar:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        if self.line:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self.line = ""
