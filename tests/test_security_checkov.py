"""checkov on the generated templates (the golden output and every corpus folder): no failed
check, and every check eks2ecs accepts is skipped in the template with its reason beside it.

checkov's own pins clash with cfn-lint's, so .ci/run installs it in a venv of its own and
names the binary in EKS2ECS_CHECKOV; with EKS2ECS_REQUIRE_CHECKOV=1 (as in CI) a missing
checkov fails this test instead of skipping it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.paths import EXAMPLE, GOLDEN, corpus_apps, corpus_id
from tests.test_corpus import DUPLICATED
from translator.api import translate
from translator.context import Options

# What eks2ecs accepts, and why, is written by mappings/accepted_findings.py.
ACCEPTED = {"CKV_AWS_158", "CKV_AWS_149", "CKV_AWS_2", "CKV_AWS_103", "CKV_AWS_260", "CKV_AWS_91"}


def checkov() -> str:
    found = os.environ.get("EKS2ECS_CHECKOV") or shutil.which("checkov")
    if found and Path(found).exists():
        return found
    if os.environ.get("EKS2ECS_REQUIRE_CHECKOV") == "1":
        pytest.fail("checkov is required here (EKS2ECS_REQUIRE_CHECKOV=1) but was not found; "
                    "set EKS2ECS_CHECKOV to its binary")
    pytest.skip("checkov is not installed (set EKS2ECS_CHECKOV); CI runs this test")


@pytest.fixture(scope="module")
def scan(tmp_path_factory: pytest.TempPathFactory, shared: Path) -> dict[str, object]:
    binary = checkov()
    root = tmp_path_factory.mktemp("checkov")
    shutil.copytree(GOLDEN, root / "golden", ignore=shutil.ignore_patterns("*.json*", "*.md", "*.sh"))
    endpoints = root / "vpc-endpoints"  # the network stack and the cluster stack's rule
    endpoints.mkdir()
    for name, text in translate([str(EXAMPLE)], Options(validate=False, vpc_endpoints=True)) \
            .templates.items():
        (endpoints / name).write_text(text, encoding="utf-8")
    for folder in corpus_apps():
        if folder.name in DUPLICATED:
            continue
        # validation is the corpus test's job; here only the bytes matter, which it does not change
        result = translate([str(folder)], Options(validate=False))
        out = root / corpus_id(folder).replace("/", "__")
        out.mkdir()
        for name, text in result.templates.items():
            (out / name).write_text(text, encoding="utf-8")
    done = subprocess.run([binary, "-d", str(root), "--framework", "cloudformation", "-o", "json",
                           "--skip-download"], capture_output=True, text=True, timeout=600)
    assert done.returncode in (0, 1) and done.stdout.startswith("{"), done.stderr[-2000:]
    report: dict[str, object] = json.loads(done.stdout)
    report["templates"] = len(list(root.rglob("*.yaml")))
    return report


def test_checkov_finds_no_failed_check(scan: dict[str, object]) -> None:
    summary = scan["summary"]
    assert isinstance(summary, dict)
    failed = [(c["check_id"], c["file_path"], c["resource"])
              for c in scan["results"]["failed_checks"]]  # type: ignore[index]
    skipped = sorted(c["check_id"] for c in scan["results"]["skipped_checks"])  # type: ignore[index]
    print(f"checkov: {scan['templates']} templates, {summary['resource_count']} resources, "
          f"{summary['passed']} passed, {summary['failed']} failed, {summary['skipped']} skipped "
          f"({', '.join(f'{c} x{skipped.count(c)}' for c in sorted(set(skipped)))})")
    assert failed == []
    assert summary["parsing_errors"] == 0
    assert summary["passed"] > 0 and summary["resource_count"] > 100
    assert isinstance(scan["templates"], int) and scan["templates"] > 40


def test_every_skipped_check_is_an_accepted_one_with_its_reason(scan: dict[str, object]) -> None:
    skipped = scan["results"]["skipped_checks"]  # type: ignore[index]
    assert skipped, "the golden output has a public HTTP load balancer: something is skipped"
    for check in skipped:
        assert check["check_id"] in ACCEPTED, check["check_id"]
        reason = check["check_result"].get("suppress_comment") or ""
        assert len(reason) > 40, (check["check_id"], check["file_path"])
