"""Output is safe to write and to trust: a write that fails half way leaves no half output
(and a previous output as it was), a tampered `.eks2ecs-files` record cannot make eks2ecs
delete anything outside its folder, and the order files happen to have on disk changes
nothing. (Other folder, hash seed and source order: tests/test_determinism.py; foreign
folders and --force: tests/test_cli.py.)"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.paths import EXAMPLE
from translator import cli
from translator.write import RECORD


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


def fail_on_the_third_file(monkeypatch: pytest.MonkeyPatch) -> None:
    real = Path.write_text
    calls = []

    def write_text(self: Path, *args: object, **kwargs: object) -> int:
        calls.append(self)
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        return real(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "write_text", write_text)


def test_a_write_that_fails_half_way_leaves_nothing(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        tmp_path: Path) -> None:
    out = tmp_path / "cfn"
    fail_on_the_third_file(monkeypatch)
    code = cli.main(["translate", str(EXAMPLE), "-o", str(out)])
    _, err = capsys.readouterr()
    assert code == 2
    assert err == f"eks2ecs: {out}: cannot write: No space left on device\n"
    assert list(tmp_path.iterdir()) == []  # neither the folder nor its staging copy


def test_a_write_that_fails_half_way_leaves_the_previous_output_as_it_was(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        tmp_path: Path) -> None:
    out = tmp_path / "cfn"
    assert cli.main(["translate", str(EXAMPLE / "weaviate.yaml"), "-o", str(out), "-q"]) == 0
    before = snapshot(out)
    fail_on_the_third_file(monkeypatch)
    assert cli.main(["translate", str(EXAMPLE), "-o", str(out)]) == 2
    assert "cannot write" in capsys.readouterr().err
    assert snapshot(out) == before
    assert [p.name for p in tmp_path.iterdir()] == ["cfn"]


def test_a_tampered_record_cannot_delete_outside_the_folder(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out = tmp_path / "work" / "cfn"
    assert cli.main(["translate", str(EXAMPLE), "-o", str(out), "-q"]) == 0
    victim = tmp_path / "work" / "victim.txt"
    victim.write_text("keep me\n")
    (out / "subfolder").mkdir()
    (out / "subfolder" / "inside.txt").write_text("keep me too\n")
    record = out / RECORD
    record.write_text(record.read_text() + f"../victim.txt\n{victim}\n..\n.\nsubfolder\n"
                      "subfolder/inside.txt\n")
    assert cli.main(["translate", str(EXAMPLE), "-o", str(out), "-q"]) == 0
    assert victim.read_text() == "keep me\n"
    assert (out / "subfolder" / "inside.txt").read_text() == "keep me too\n"
    assert "victim" not in record.read_text() and "subfolder" not in record.read_text()


def test_the_order_of_files_on_disk_changes_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = sorted(EXAMPLE.iterdir())
    forward, backward = tmp_path / "forward" / "k8s", tmp_path / "backward" / "k8s"
    for folder, order in ((forward, files), (backward, files[::-1])):
        folder.mkdir(parents=True)
        for path in order:  # creation order is what most file systems list in
            shutil.copyfile(path, folder / path.name)
    outputs = []
    for folder in (forward, backward):
        monkeypatch.chdir(folder.parent)  # the same relative paths: only disk order differs
        assert cli.main(["translate", "k8s", "-o", "cfn", "-q"]) == 0
        outputs.append(snapshot(folder.parent / "cfn"))
    assert outputs[0] == outputs[1]
    assert len(outputs[0]) == 15  # report.html, the volume stack, deploy-plan.json, recorded options
