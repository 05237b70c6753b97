"""Real public manifests (../shared/corpus) translate end to end to lint-clean output, and
every object they hold appears in the report."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from tests.fixture_cases import parse
from tests.paths import CORPUS, corpus_apps, corpus_id
from translator.api import translate
from translator.context import Options
from translator.errors import InputError
from translator.load import MANIFEST_SUFFIXES, resolve_pointer

pytestmark = pytest.mark.usefixtures("shared")


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


CANNOT_RUN_ON_FARGATE = {"DaemonSet"}
# Apps translated as published: the namespace their objects name (`-n`).
NAMESPACES = {"open-telemetry__opentelemetry-demo": "otel-demo"}


def _options(folder: Path, **given: Any) -> Options:
    app = folder.relative_to(CORPUS).parts[0] if folder != CORPUS else ""
    return Options(namespace=NAMESPACES.get(app, "default"), **given)


def _stays_unsupported(source: dict[str, Any], folder: Path) -> bool:
    """Only kinds that cannot run on Fargate at all stay unsupported; in a folder that holds
    part of an app, also what refers to the rest of it (an HPA of a Deployment elsewhere)."""
    part = folder.parent != CORPUS
    return source["kind"] in CANNOT_RUN_ON_FARGATE or (
        part and "in the input" in (source.get("reason") or ""))


def test_the_corpus_is_there() -> None:
    assert len(corpus_apps()) >= 10


@pytest.mark.parametrize("folder", corpus_apps(), ids=corpus_id)
def test_corpus_folder_translates_to_lint_clean_output(folder: Path, report_schema: Any) -> None:
    if folder.name in DUPLICATED:
        with pytest.raises(InputError, match="ExternalSecret/example: defined twice"):
            translate([str(folder)])
        return
    result = translate([str(folder)], _options(folder))  # validates; raises on any finding
    assert result.findings == []
    report = result.report
    jsonschema.validate(report, report_schema)
    reported = sorted((s["kind"], s["name"]) for s in report["sources"])
    assert reported == sorted(_objects(folder))
    templates = {name: parse(name, text) for name, text in result.templates.items()}
    for source in report["sources"]:
        for field in source["fields"]:
            if "to" in field:  # every pointer names something that exists
                file, pointer = field["to"].split("#", 1)
                resolve_pointer(templates[file], pointer)
        if source["status"] == "unsupported":
            assert source.get("reason") or any(f["status"] == "unsupported" for f in source["fields"])
        assert source["status"] != "unsupported" or _stays_unsupported(source, folder), (
            source["kind"], source["name"], source.get("reason"))


def test_an_independent_cfn_lint_run_finds_every_corpus_translation_clean(tmp_path: Path) -> None:
    """The `cfn-lint` command, with its defaults and none of our rules, once over the
    templates of every corpus folder: zero errors, zero warnings."""
    templates = []
    for i, folder in enumerate(f for f in corpus_apps() if f.name not in DUPLICATED):
        out = tmp_path / f"{i:02d}"
        translate([str(folder)], _options(folder, validate=False)).write(out)
        templates += sorted(str(p) for p in out.glob("*.yaml"))
    assert len(templates) > 50
    run = subprocess.run(["cfn-lint", *templates], capture_output=True, text=True, check=False)
    assert (run.returncode, run.stdout, run.stderr) == (0, "", "")
