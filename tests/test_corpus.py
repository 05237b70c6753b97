"""Real public manifests (../shared/corpus) translate end to end to lint-clean output, and
every object they hold appears in the report."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from tests.paths import CORPUS, REPORT_SCHEMA
from translator.api import translate
from translator.errors import InputError
from translator.load import MANIFEST_SUFFIXES


def _manifest_folders() -> list[Path]:
    """Every folder that directly holds manifests, and every repository folder as a whole."""
    folders = {p.parent for p in CORPUS.rglob("*") if p.suffix in MANIFEST_SUFFIXES}
    return sorted(folders | {p for p in CORPUS.iterdir() if p.is_dir()})


def _objects(folder: Path) -> list[tuple[str, str]]:
    found = []
    for path in sorted(folder.rglob("*")):
        if path.suffix not in MANIFEST_SUFFIXES:
            continue
        for doc in yaml.safe_load_all(path.read_text()):
            if doc:
                found.append((doc["kind"], doc["metadata"]["name"]))
    return found


# The external-secrets folder holds the same snippet at two commits (v1beta1 and v1): as one
# input they define ExternalSecret/example twice, which must be refused with both places named.
DUPLICATED = {"external-secrets__external-secrets"}


def test_the_corpus_is_there() -> None:
    assert len(_manifest_folders()) >= 10


@pytest.mark.parametrize("folder", _manifest_folders(), ids=lambda p: str(p.relative_to(CORPUS)))
def test_corpus_folder_translates_to_lint_clean_output(folder: Path) -> None:
    if folder.name in DUPLICATED:
        with pytest.raises(InputError, match="ExternalSecret/example: defined twice"):
            translate([str(folder)])
        return
    result = translate([str(folder)])  # validates with cfn-lint; raises on any finding
    assert result.findings == []
    report = result.report
    jsonschema.validate(report, json.loads(REPORT_SCHEMA.read_text()))
    reported = sorted((s["kind"], s["name"]) for s in report["sources"])
    assert reported == sorted(_objects(folder))
    for source in report["sources"]:
        if source["status"] == "unsupported":
            assert source.get("reason") or any(f["status"] == "unsupported" for f in source["fields"])
