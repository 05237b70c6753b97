"""The sdist and the wheel build, the wheel installs into a fresh virtual environment, and the
installed command works there exactly as from the source tree.

`python -m build` makes the wheel from the sdist, so a file missing from the sdist (a template,
a data file, py.typed) fails the translation below. In CI (CI=true) the venv is isolated and
pip installs the dependencies from the index (about a minute); elsewhere it borrows this
environment's site-packages for them and installs only the wheel (seconds).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
import venv
from pathlib import Path

from tests.paths import GOLDEN, REPO
from translator.config import RECORDED

ISOLATED = os.environ.get("CI") == "true"
BUILD_INPUTS = ["pyproject.toml", "README.md", "LICENSE", "translator", "mappings"]


def run(*argv: str | Path, cwd: Path = REPO) -> str:
    # PYTHONPATH would put a checkout ahead of the installed copy under test
    clean = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run([str(a) for a in argv], cwd=cwd, capture_output=True, text=True,
                          env=clean)
    assert done.returncode == 0, f"{argv}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def test_wheel_from_sdist_installs_into_a_fresh_venv_and_runs(tmp_path: Path) -> None:
    source, dist, env = tmp_path / "src", tmp_path / "dist", tmp_path / "venv"
    source.mkdir()
    for name in BUILD_INPUTS:
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(REPO / name, source / name)
    run(sys.executable, "-m", "build", "--no-isolation", "--outdir", dist, source)
    version = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]
    assert sorted(p.name for p in dist.iterdir()) == [
        f"eks2ecs-{version}-py3-none-any.whl", f"eks2ecs-{version}.tar.gz"]

    venv.create(env, system_site_packages=not ISOLATED, with_pip=ISOLATED)
    python = env / "bin" / "python"
    run(python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
        *([] if ISOLATED else ["--no-deps", "--force-reinstall"]),
        dist / f"eks2ecs-{version}-py3-none-any.whl", cwd=tmp_path)

    where = run(python, "-c", "import translator, mappings; print(translator.__file__); "
                "print(mappings.__file__)", cwd=tmp_path).split()
    assert all(Path(p).is_relative_to(env) for p in where), f"not the installed copy: {where}"
    for package in where:
        assert (Path(package).parent / "py.typed").is_file()
    assert run(env / "bin" / "eks2ecs", "--version", cwd=tmp_path) == f"eks2ecs {version}\n"
    assert run(python, "-m", "translator", "--version", cwd=tmp_path) == f"eks2ecs {version}\n"
    assert run(env / "bin" / "eks2ecs", "completion", "bash", cwd=tmp_path).startswith("_eks2ecs()")

    out = tmp_path / "cfn"  # run from the repository so the report names the same paths
    run(env / "bin" / "eks2ecs", "translate", "examples/k8s", "-o", out, "-q")
    # the recorded options and the page's links name the sources relative to the folder,
    # which is elsewhere here
    apart = (RECORDED, "report.html")
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.name not in apart} == {
        p.name: p.read_bytes() for p in GOLDEN.iterdir() if p.name not in apart}
    link = re.search(r'href="([^"#]*backend\.yaml)#L\d+"', (out / "report.html").read_text())
    assert link is not None and (out / link.group(1)).resolve() == (
        REPO / "examples" / "k8s" / "backend.yaml").resolve()
