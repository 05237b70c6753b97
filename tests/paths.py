"""Where the test inputs live: the repository and the shared folder beside its clone.

`../shared` (the real-world corpus and the report's JSON schema) sits beside the checkout on
the project's machines and in CI. A clone on its own has no such folder: the tests that need
it are skipped through the `shared` fixture (tests/conftest.py), and the folder lists below
then hold the missing corpus folder alone, so those tests still collect, once, and skip.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from translator.load import MANIFEST_SUFFIXES

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
CORPUS = SHARED / "corpus"
REPORT_SCHEMA = SHARED / "report.schema.json"
EXAMPLE = REPO / "examples" / "k8s"
GOLDEN = REPO / "output"


def corpus_folders() -> list[Path]:
    """Every corpus folder that directly holds manifests (each file once)."""
    if not CORPUS.is_dir():
        return [CORPUS]
    return sorted({p.parent for p in CORPUS.rglob("*") if p.suffix in MANIFEST_SUFFIXES})


def corpus_apps() -> list[Path]:
    """Every corpus folder that holds manifests, and every repository folder as a whole."""
    if not CORPUS.is_dir():
        return [CORPUS]
    return sorted({*corpus_folders(), *(p for p in CORPUS.iterdir() if p.is_dir())})


def corpus_id(folder: Path) -> str:
    return str(folder.relative_to(CORPUS)) if folder != CORPUS else "corpus"


def needs_shared_for(request: Any, *paths: Path) -> None:
    """Ask for the `shared` fixture (which skips without ../shared) when a path is in it."""
    if any(path.is_relative_to(SHARED) for path in paths):
        request.getfixturevalue("shared")
