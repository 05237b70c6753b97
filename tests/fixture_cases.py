"""Fixture cases: one folder per mapping under tests/fixtures/<case>/ with

    input/          the manifests (read as a folder, so report paths are `input/...`)
    options.json    optional Options keyword arguments (e.g. {"app_name": "shop"})
    expected/       the templates and report.json the translation must produce

tests/test_fixtures.py compares them semantically (parsed, so formatting is free).
Regenerate every case after an intended change, or only the named ones, with:

    python -m tests.fixture_cases [CASE ...]
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.helpers import decoded
from translator.api import Result, translate
from translator.context import Options

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def cases() -> list[str]:
    return sorted(p.name for p in FIXTURES.iterdir() if (p / "input").is_dir())


@contextmanager
def _inside(folder: Path) -> Iterator[None]:
    before = Path.cwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(before)


def run(case: str) -> Result:
    folder = FIXTURES / case
    options_file = folder / "options.json"
    options = json.loads(options_file.read_text()) if options_file.exists() else {}
    with _inside(folder):
        return translate(["input"], Options(**options))


def compared(result: Result) -> dict[str, str]:
    """The files a fixture pins: the templates and the machine-readable report."""
    return {**result.templates, "report.json": result.files["report.json"]}


def parse(name: str, text: str) -> Any:
    if name.endswith(".json"):
        return json.loads(text)
    return decoded(text)


def regenerate(case: str) -> None:
    expected = FIXTURES / case / "expected"
    shutil.rmtree(expected, ignore_errors=True)
    expected.mkdir()
    for name, text in compared(run(case)).items():
        (expected / name).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    for name in sys.argv[1:] or cases():
        regenerate(name)
        print(f"regenerated tests/fixtures/{name}/expected")
