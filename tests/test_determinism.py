"""The same manifests give the same bytes: run after run, from another folder, under another
hash seed."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from itertools import permutations
from pathlib import Path

import pytest

from tests.helpers import decoded
from translator.api import translate
from translator.config import RECORDED
from translator.context import Options

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples" / "k8s"
SCRIPTS = ["parameters.json.example", "deploy-plan.json", "deploy.sh", "cleanup.sh", "README.md"]


def read_tree(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def templates_and_scripts(files: dict[str, str]) -> dict[str, str]:
    return {name: text for name, text in files.items() if not name.startswith("report.")}



def test_two_runs_write_byte_identical_folders(tmp_path: Path) -> None:
    first, second = translate([str(EXAMPLES)]), translate([str(EXAMPLES)])
    assert first.files == second.files
    first.write(tmp_path / "one")
    second.write(tmp_path / "two")
    one, two = read_tree(tmp_path / "one"), read_tree(tmp_path / "two")
    assert one == two
    assert sorted(one) == sorted([*first.files, ".eks2ecs-files"])
    assert all(one[name] == text.encode("utf-8") for name, text in first.files.items())


def test_a_copy_of_the_folder_elsewhere_gives_the_same_templates(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    near = tmp_path / "k8s"
    far = tmp_path / "a" / "much" / "deeper" / "place" / "manifests"
    shutil.copytree(EXAMPLES, near)
    shutil.copytree(EXAMPLES, far)
    original = translate([str(EXAMPLES)])
    monkeypatch.chdir(tmp_path)
    relative = translate(["k8s"])
    absolute = translate([str(far)])
    expected = templates_and_scripts(original.files)
    assert sorted(expected) == sorted([*original.templates, *SCRIPTS])
    assert templates_and_scripts(relative.files) == expected
    assert templates_and_scripts(absolute.files) == expected
    # the reports differ only in the file paths they name
    reports = [r.report for r in (original, relative, absolute)]
    for report in reports:
        for source in report["sources"]:
            source["file"] = Path(source["file"]).name
    assert reports[0] == reports[1] == reports[2]
    assert {s["file"] for s in relative.report["sources"]} == {
        f"k8s/{p.name}" for p in EXAMPLES.iterdir()}


def test_any_order_of_the_sources_gives_the_same_plan_report_and_scripts() -> None:
    files = sorted(str(p) for p in EXAMPLES.glob("*.yaml"))
    assert len(files) == 5
    baseline = translate(files).files
    # every position for every file (5 rotations) plus a few full shuffles
    orders = [files[i:] + files[:i] for i in range(1, len(files))]
    orders += [list(p) for p in list(permutations(files))[7::29]]
    for order in orders:
        other = translate(order).files
        assert sorted(other) == sorted(baseline), order
        for name, text in other.items():
            if name.endswith(".yaml"):
                assert decoded(text) == decoded(baseline[name]), (order, name)
            else:
                assert text == baseline[name], (order, name)


_RUN = """\
import sys
from translator.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_another_hash_seed_gives_identical_output(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runs = []
    for seed in ("0", "4242"):
        out = tmp_path / f"seed-{seed}"
        env = {**os.environ, "PYTHONHASHSEED": seed}
        runs.append((out, subprocess.Popen(
            [sys.executable, "-c", _RUN, "translate", "examples/k8s", "-o", str(out),
             "--format", "json"],
            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)))
    trees = []
    for out, process in runs:
        stdout, stderr = process.communicate(timeout=120)
        assert process.returncode == 0, stderr
        assert json.loads(stdout)["output"] == str(out)
        trees.append(read_tree(out))
    assert trees[0] == trees[1]
    # and the same as in this process, whatever its own seed, given the same source path
    monkeypatch.chdir(REPO)
    here = translate(["examples/k8s"], Options(report_dir=str(runs[0][0]))).files
    assert sorted(trees[0]) == sorted([*here, ".eks2ecs-files", RECORDED])  # the CLI's record
    assert all(trees[0][name] == text.encode("utf-8") for name, text in here.items())


def test_the_order_sources_are_given_in_does_not_change_template_bytes() -> None:
    """Rules attach registries and load balancers to a workload's ECS service in input order;
    the plan must not carry that order into the template."""
    files = [str(p) for p in sorted(EXAMPLES.glob("*.yaml"))]
    forward = translate(files).templates
    backward = translate(list(reversed(files))).templates
    assert forward == backward
