"""Write stage: put the files in place only once everything is rendered and valid.

Files are written into a temporary folder beside the target and moved in, so a failure
leaves no half output. eks2ecs records what it wrote in `.eks2ecs-files`; a non-empty folder
without that record is refused unless forced, and files it did not write are never deleted.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from translator.errors import InputError

RECORD = ".eks2ecs-files"
EXECUTABLE = {"deploy.sh", "cleanup.sh"}


def write(files: dict[str, str], out: Path, force: bool = False) -> None:
    try:
        _write(files, out, force)
    except OSError as exc:  # a full disk or a read-only folder is not a crash
        raise InputError(f"cannot write: {exc.strerror or exc}", str(out)) from None


def _write(files: dict[str, str], out: Path, force: bool) -> None:
    previous: set[str] = set()
    if out.exists():
        if not out.is_dir():
            raise InputError("exists and is not a folder", str(out))
        record = out / RECORD
        if record.exists():
            # only plain names: a tampered record must not reach outside the folder
            previous = {n for n in record.read_text(encoding="utf-8").split()
                        if n == Path(n).name and n not in (".", "..", RECORD)}
        elif any(out.iterdir()) and not force:
            raise InputError("folder is not empty and was not written by eks2ecs; "
                             "use --force to write into it anyway", str(out))
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    staging.chmod(0o755)  # mkdtemp makes it private; the output is meant to be shared
    try:
        for name, text in files.items():
            path = staging / name
            path.write_text(text, encoding="utf-8", newline="\n")
            path.chmod(0o755 if name in EXECUTABLE else 0o644)
        (staging / RECORD).write_text("".join(f"{n}\n" for n in sorted(files)), encoding="utf-8")
        if not out.exists():
            os.replace(staging, out)
            return
        for name in [*files, RECORD]:
            os.replace(staging / name, out / name)
        for stale in previous - set(files):
            if not (out / stale).is_dir():
                (out / stale).unlink(missing_ok=True)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
