"""The output folder is always the complete old output or the complete new one: a signal at
any line of the write stage leaves one or the other (and no staging folder), with exit 130 or
143 and one line; two runs writing the same folder at once never mix their files; an output
folder inside the input is eks2ecs's own and is not read back."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import traceback
from pathlib import Path

import pytest

from tests.paths import EXAMPLE, REPO
from translator import cli, write
from translator.api import Result, translate
from translator.context import Options
from translator.write import RECORD

WRITE_STAGE = write.__file__


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


def interrupted(argv: list[str], signum: int, at: int, err: Path,
                translated: Result | None = None) -> tuple[int, int]:
    """Run the command in a forked child that signals itself at the `at`-th line the write
    stage executes (never, for 0); its exit status and how many lines it counted. With
    `translated`, the child takes that translation instead of making it again (the same
    for the same argv: only the write stage is under test)."""
    counted = err.with_suffix(".lines")
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        status = 99
        if translated is not None:
            cli._translate = lambda args, validate: translated  # type: ignore[assignment]
        with open(err, "w", encoding="utf-8") as stderr, open(os.devnull, "w") as devnull:
            sys.stderr, sys.stdout = stderr, devnull
            lines = 0

            def line(frame: object, event: str, arg: object) -> object:
                nonlocal lines
                if event == "line":
                    lines += 1
                    if lines == at:
                        os.kill(os.getpid(), signum)
                return line

            sys.settrace(lambda f, e, a: line if f.f_code.co_filename == WRITE_STAGE else None)
            try:
                status = cli.main(argv)
            except BaseException:  # a traceback is what the test looks for
                traceback.print_exc(file=stderr)
            sys.settrace(None)
            counted.write_text(str(lines))
            stderr.flush()
        os._exit(status)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), int(counted.read_text() if counted.exists() else -1)


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, bytes], Path,
                                                                 dict[str, bytes]]:
    """An old output (weaviate alone) and what the new input (the whole example) gives."""
    work = tmp_path_factory.mktemp("outputs")
    old, new = work / "old", work / "new"
    assert cli.main(["translate", str(EXAMPLE / "weaviate.yaml"), "-o", str(old), "-q",
                     "--no-validate"]) == 0
    assert cli.main(["translate", str(EXAMPLE), "-o", str(new), "-q", "--no-validate"]) == 0
    (old / "parameters.json").write_text("{}\n")  # the operator's own file: carried over
    return old, snapshot(old), new, {**snapshot(new), "parameters.json": b"{}\n"}


def test_a_signal_at_any_line_of_the_write_leaves_the_old_or_the_new_output_whole(
        outputs: tuple[Path, dict[str, bytes], Path, dict[str, bytes]], tmp_path: Path) -> None:
    # the folder was replaced file by file: a signal in that loop left it half old, half new,
    # a SIGTERM left the staging folder behind, and a SIGINT printed a traceback
    old, before, _, after = outputs
    work = tmp_path / "work"
    out = work / "cfn"
    argv = ["translate", str(EXAMPLE), "-o", str(out), "-q", "--no-validate"]
    shutil.copytree(old, out)
    status, lines = interrupted(argv, signal.SIGTERM, 0, tmp_path / "err")
    assert (status, snapshot(out)) == (0, after)
    assert lines > 20
    translated = translate([str(EXAMPLE)], Options(validate=False))
    seen = {"old": 0, "new": 0}
    for at in range(1, lines + 1):
        for signum in (signal.SIGTERM, signal.SIGINT):
            shutil.rmtree(out)
            shutil.copytree(old, out)
            err = tmp_path / f"err-{at}-{signum}"
            status, _ = interrupted(argv, signum, at, err, translated)
            message = err.read_text()
            where = f"signal {signum} at line {at} of the write stage: {message}"
            assert status == 128 + signum, where
            assert [p.name for p in work.iterdir()] == ["cfn"], where  # no staging folder
            now = snapshot(out)
            assert now in (before, after), where
            state = "new" if now == after else "old"
            seen[state] += 1
            done = f"the new output is complete in {out}" if state == "new" \
                else "nothing was written"
            name = signal.Signals(signum).name
            assert message == f"eks2ecs: interrupted by {name}; {done}\n", where
    assert seen["old"] > 0 and seen["new"] > 0, seen


# each file operation of the write stage slowed, by a different pace per run (seconds)
SLOW_WRITER = """\
import os, sys, time
from pathlib import Path
from translator import cli
pace = float(sys.argv.pop(1))
slow = Path.write_text
Path.write_text = lambda self, *a, **k: (time.sleep(pace), slow(self, *a, **k))[1]
for name in ("replace", "rename", "link"):
    real = getattr(os, name)
    setattr(os, name, lambda a, b, real=real: (time.sleep(pace), real(a, b))[1])
sys.exit(cli.main(sys.argv[1:]))
"""


def test_two_runs_writing_one_folder_at_once_never_mix(
        outputs: tuple[Path, dict[str, bytes], Path, dict[str, bytes]], tmp_path: Path) -> None:
    old, before, new, _ = outputs
    out = tmp_path / "cfn"
    shutil.copytree(old, out)
    inputs = [("0.08", str(EXAMPLE / "weaviate.yaml")), ("0.01", str(EXAMPLE))]
    runs = [subprocess.Popen([sys.executable, "-c", SLOW_WRITER, pace, "translate", source,
                              "-o", str(out), "-q", "--no-validate"], cwd=REPO,
                             stderr=subprocess.PIPE, text=True) for pace, source in inputs]
    for run in runs:
        _, err = run.communicate(timeout=120)
        assert run.returncode == 0, err
        assert "Traceback" not in err
    assert snapshot(out) in (before, {**snapshot(new), "parameters.json": b"{}\n"})
    assert [p.name for p in tmp_path.iterdir()] == ["cfn"]


def test_an_output_folder_inside_the_input_is_not_read_back(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "k8s"
    shutil.copytree(EXAMPLE, source)
    first = cli.main(["translate", str(source), "-o", str(source / "cfn"), "-q", "--no-validate"])
    again = cli.main(["translate", str(source), "-o", str(source / "cfn"), "-q", "--no-validate"])
    assert (first, again) == (0, 0), capsys.readouterr().err  # it read its templates: exit 2
    assert cli.main(["translate", str(source / "cfn"), "-o", str(tmp_path / "x")]) == 2
    assert capsys.readouterr().err == (
        f"eks2ecs: {source / 'cfn'}: is an output folder of eks2ecs (it holds {RECORD}), not "
        "manifests: give the folder it was translated from\n")


def test_files_the_operator_put_in_the_output_folder_are_kept(tmp_path: Path) -> None:
    out = tmp_path / "cfn"
    assert cli.main(["translate", str(EXAMPLE / "weaviate.yaml"), "-o", str(out), "-q",
                     "--no-validate"]) == 0
    (out / "parameters.json").write_text('{"filled": "in"}\n')
    (out / "notes").mkdir()
    (out / "notes" / "todo.md").write_text("check the ALB\n")
    (out / "latest").symlink_to("parameters.json")
    assert cli.main(["translate", str(EXAMPLE), "-o", str(out), "-q", "--no-validate"]) == 0
    assert (out / "parameters.json").read_text() == '{"filled": "in"}\n'
    assert (out / "notes" / "todo.md").read_text() == "check the ALB\n"
    assert os.readlink(out / "latest") == "parameters.json"
    assert "workload-backend.yaml" in (out / RECORD).read_text()


def test_a_signal_at_any_line_of_writing_a_report_file_leaves_the_old_or_the_new_one(
        tmp_path: Path) -> None:
    # `report -o` wrote the file in place: a signal or a full disk left half a report
    work = tmp_path / "work"
    work.mkdir()
    out = work / "report.md"
    before = b"the old report\n"
    argv = ["report", str(EXAMPLE), "--format", "md", "-o", str(out)]
    translated = translate([str(EXAMPLE)], Options(validate=False))
    after = translated.files["report.md"].encode()
    out.write_bytes(before)
    out.chmod(0o600)
    status, lines = interrupted(argv, signal.SIGTERM, 0, tmp_path / "err", translated)
    assert (status, out.read_bytes(), out.stat().st_mode & 0o777) == (0, after, 0o600)
    assert lines > 5
    seen = {"old": 0, "new": 0}
    for at in range(1, lines + 1):
        for signum in (signal.SIGTERM, signal.SIGINT):
            out.write_bytes(before)
            err = tmp_path / f"err-{at}-{signum}"
            status, _ = interrupted(argv, signum, at, err, translated)
            message = err.read_text()
            where = f"signal {signum} at line {at} of the write stage: {message}"
            assert status == 128 + signum, where
            assert [p.name for p in work.iterdir()] == ["report.md"], where  # nothing staged
            state = {before: "old", after: "new"}[out.read_bytes()]
            seen[state] += 1
            done = f"the new output is complete in {out}" if state == "new" \
                else "nothing was written"
            assert message == f"eks2ecs: interrupted by {signal.Signals(signum).name}; {done}\n", \
                where
    assert seen["old"] > 0 and seen["new"] > 0, seen
