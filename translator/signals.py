"""SIGINT and SIGTERM end a run with one line and exit status 128 + the signal (130, 143),
never with a traceback and never halfway through putting an output folder in place.

The command line handles them (`handled`); the library leaves Python's own handlers in place.
`deferred` holds both signals back while a block that must not stop halfway runs.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Interrupted(BaseException):
    """A signal asked the run to stop (a BaseException, like KeyboardInterrupt, so that no
    `except Exception` takes it for a failure to report)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum
        self.written = ""  # the output folder, when the new output was complete in it

    @property
    def name(self) -> str:
        return signal.Signals(self.signum).name

    @property
    def exit_status(self) -> int:
        return 128 + self.signum


def _stop(signum: int, frame: FrameType | None) -> None:
    raise Interrupted(signum)


@contextmanager
def handled() -> Iterator[None]:
    """SIGINT and SIGTERM raise Interrupted while the block runs (the command line's run)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {signum: signal.signal(signum, _stop) for signum in SIGNALS}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def ignore() -> None:
    """For a worker process: the parent handles the signal and ends its workers."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


@contextmanager
def deferred() -> Iterator[None]:
    """Hold SIGINT and SIGTERM back until the block is done; they are handled as it ends."""
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread handles signals
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


@contextmanager
def allowed() -> Iterator[None]:
    """Inside `deferred`: let SIGINT and SIGTERM through while the block runs."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    try:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, SIGNALS)  # one held back is handled here
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_BLOCK, SIGNALS)
