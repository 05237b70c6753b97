"""The Python code blocks of README.md and docs/*.md run as printed, against examples/k8s/
copied to k8s/ with its namespace renamed shop (the name the examples use)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tests.paths import REPO

DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
BLOCK = re.compile(r"^```python\n(.*?)^```$", re.S | re.M)


def _blocks() -> list[tuple[str, str]]:
    return [(f"{path.name}#{n}", code) for path in DOCS
            for n, code in enumerate(BLOCK.findall(path.read_text(encoding="utf-8")), 1)]


def test_the_documents_have_python_blocks() -> None:
    assert {name.split("#")[0] for name, _ in _blocks()} >= {"README.md", "api.md"}


@pytest.mark.parametrize(("name", "code"), _blocks(), ids=[n for n, _ in _blocks()])
def test_a_documented_python_block_runs(name: str, code: str, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(REPO / "examples" / "k8s", tmp_path / "k8s")
    for manifest in (tmp_path / "k8s").glob("*.yaml"):
        text = manifest.read_text(encoding="utf-8")
        manifest.write_text(text.replace("angel-backend", "shop"), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    exec(compile(code, name, "exec"), {"__name__": "__docs__"})
    assert Path("cfn/cluster.yaml").is_file()  # every block ends by writing cfn/
