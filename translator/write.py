"""Write stage: put the files in place only once everything is rendered and valid.

The new output is written in full into a folder beside the old one and swapped in by renames,
so the output folder is at every moment either the complete old output or the complete new
one, whatever stops the run; SIGINT and SIGTERM are held back while the swap runs, and a run
stopped before it removes its staging folder. A lock on the parent folder keeps two runs from
interleaving. eks2ecs records what it wrote in `.eks2ecs-files` (the first file of the staging
folder, so a reader can tell it is eks2ecs's too); a non-empty folder without that record is
refused unless forced, and files eks2ecs did not write are carried into the new folder (as
hard links where the file system allows), never deleted.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from translator import signals
from translator.errors import InputError

RECORD = ".eks2ecs-files"
EXECUTABLE = {"deploy.sh", "cleanup.sh"}
_RENAME_EXCHANGE = 2  # renameat2(2): swap two paths atomically (Linux 3.15+)


def write(files: dict[str, str], out: Path, force: bool = False) -> None:
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        with _locked(out):
            _write(files, out, force)
    except OSError as exc:  # a full disk or a read-only folder is not a crash
        raise InputError(f"cannot write: {exc.strerror or exc}", str(out)) from None


def write_file(text: str, out: Path) -> None:
    """One file (`report -o`), put in place the same way: written in full beside `out`, then
    renamed over it, so `out` is the complete old or the complete new file whatever stops
    the run. `out` keeps its permissions; a new one gets the umask's."""
    try:
        with signals.deferred():
            handle, name = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent or ".")
            staged = Path(name)
            try:
                with signals.allowed(), os.fdopen(handle, "wb") as stream:
                    stream.write(text.encode("utf-8"))
                _keep_mode(out, staged)
                staged.replace(out)
            finally:
                staged.unlink(missing_ok=True)
    except OSError as exc:
        raise InputError(f"cannot write: {exc.strerror or exc}", str(out)) from None


def file_holds(text: str, out: Path) -> bool:
    """Whether `out` is the complete new file (what a run stopped by a signal can say)."""
    try:
        return out.read_bytes() == text.encode("utf-8")
    except OSError:
        return False


def _keep_mode(out: Path, staged: Path) -> None:
    try:
        mode = out.stat().st_mode & 0o7777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    staged.chmod(mode)


@contextmanager
def _locked(out: Path) -> Iterator[None]:
    """Hold the lock of the folder `out` is in: one eks2ecs writes there at a time."""
    fd = os.open(out.parent, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(f"eks2ecs: waiting for another eks2ecs writing into {out.parent}",
                  file=sys.stderr)
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # and with it the lock


def _previous(out: Path, force: bool) -> set[str]:
    """The names eks2ecs wrote into `out` last time; refuses a folder that is not its own."""
    if not out.exists():
        return set()
    if not out.is_dir():
        raise InputError("exists and is not a folder", str(out))
    record = out / RECORD
    if record.exists():
        # only plain names: a tampered record must not reach outside the folder
        return {n for n in record.read_text(encoding="utf-8").split()
                if n == Path(n).name and n not in (".", "..", RECORD)}
    if any(out.iterdir()) and not force:
        raise InputError("folder is not empty and was not written by eks2ecs; "
                         "use --force to write into it anyway", str(out))
    return set()


def _write(files: dict[str, str], out: Path, force: bool) -> None:
    previous = _previous(out, force)
    # Signals are held back throughout, so the staging folder is always removed and the swap
    # never stops halfway; only writing the new files, the long part, may be stopped.
    with signals.deferred():
        staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
        try:
            with signals.allowed():
                _stage(files, out, staging, previous)
            if out.is_mount():  # a mount point cannot be renamed: its files are replaced
                _replace_inside(staging, out, [RECORD, *files], previous - set(files))
            else:
                _swap(staging, out)
        finally:
            shutil.rmtree(staging, ignore_errors=True)  # after a swap, the old output


def _stage(files: dict[str, str], out: Path, staging: Path, previous: set[str]) -> None:
    staging.chmod(0o755)  # mkdtemp makes it private; the output is meant to be shared
    (staging / RECORD).write_text("".join(f"{n}\n" for n in sorted(files)), encoding="utf-8")
    for name, text in files.items():
        path = staging / name
        path.write_text(text, encoding="utf-8", newline="\n")
        path.chmod(0o755 if name in EXECUTABLE else 0o644)
    if out.exists():
        _carry_over(out, staging, set(files) | {RECORD}, previous)


def holds(files: dict[str, str], out: Path) -> bool:
    """Whether `out` is exactly what eks2ecs writes for `files` (after a run was stopped)."""
    try:
        listed = (out / RECORD).read_text(encoding="utf-8").split()
        return listed == sorted(files) and all(
            (out / name).read_text(encoding="utf-8") == text for name, text in files.items())
    except (OSError, UnicodeDecodeError):
        return False


def _carry_over(out: Path, staging: Path, ours: set[str], previous: set[str]) -> None:
    """What the old folder holds that eks2ecs did not write goes into the new one."""
    for old in out.iterdir():
        if old.name in ours or (old.name in previous and not old.is_dir()):
            continue  # replaced, or a file of the last run that this one does not write
        new = staging / old.name
        if old.is_symlink():
            os.symlink(os.readlink(old), new)
        elif old.is_dir():
            shutil.copytree(old, new, symlinks=True, copy_function=_link)
        else:
            _link(str(old), str(new))


def _link(source: str, target: str) -> None:
    try:
        os.link(source, target)
    except OSError:  # another file system, or one without hard links
        shutil.copy2(source, target)


def _swap(staging: Path, out: Path) -> None:
    """Put `staging` at `out`; the old output, if any, ends up at `staging`."""
    if not out.exists():
        os.rename(staging, out)
        return
    try:
        _exchange(staging, out)
    except OSError as exc:
        if exc.errno not in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
            raise
        # no atomic exchange here: two renames, with the signals held back between them
        aside = Path(tempfile.mkdtemp(prefix=f".{out.name}.old.", dir=out.parent))
        os.rmdir(aside)
        os.rename(out, aside)
        os.rename(staging, out)
        os.rename(aside, staging)


def _replace_inside(staging: Path, out: Path, names: list[str], stale: set[str]) -> None:
    for name in names:
        os.replace(staging / name, out / name)
    for name in stale:
        if not (out / name).is_dir():
            (out / name).unlink(missing_ok=True)


def _exchange(first: Path, second: Path) -> None:
    if sys.platform != "linux":
        raise OSError(errno.ENOSYS, "renameat2 is Linux's")
    libc = ctypes.CDLL(None, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        raise OSError(errno.ENOSYS, "no renameat2 in this C library")
    at_cwd = -100  # AT_FDCWD
    if renameat2(at_cwd, os.fsencode(first), at_cwd, os.fsencode(second), _RENAME_EXCHANGE):
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code))
