"""`--strict` and `--ignore RULE`: what fails a run, what a rule matches, and how the report
records every suppression."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import deployment, docs, translate_yaml
from tests.test_cli import REPO, run
from translator import suppress
from translator.api import translate
from translator.context import Options
from translator.errors import InputError
from translator.plan import Entry

EXAMPLES = str(REPO / "examples" / "k8s")

# Every lossy or unsupported item of examples/k8s, as the report's object and field columns.
EXAMPLE_ITEMS = {
    ("ServiceAccount/backend", "/metadata/annotations/eks.amazonaws.com~1role-arn"),
    ("Deployment/backend", "/spec/template/spec/containers/0/resources/limits/cpu"),
    ("HorizontalPodAutoscaler/backend-hpa", "/spec/behavior/scaleDown/stabilizationWindowSeconds"),
    ("HorizontalPodAutoscaler/backend-hpa", "/spec/behavior/scaleUp/stabilizationWindowSeconds"),
    ("HorizontalPodAutoscaler/backend-hpa", "/spec/metrics/0"),  # 70% of requests: 35% of the task
    ("PersistentVolumeClaim/weaviate-data", "/spec/resources/requests/storage"),
    ("Deployment/weaviate", "/spec/template/spec/containers/0/livenessProbe"),
    ("Deployment/backend", "/spec/template/spec/containers/0/livenessProbe"),
    ("Deployment/weaviate", "/spec/template/spec/containers/0/resources/limits/cpu"),
}
ACCEPT_ALL = [
    "ServiceAccount/backend:/metadata/annotations/eks.amazonaws.com~1role-arn",
    "Deployment:/spec/template/spec/containers/*/resources/limits/cpu",
    "HorizontalPodAutoscaler/backend-hpa:/spec/behavior",
    "HorizontalPodAutoscaler/backend-hpa:/spec/metrics/0",
    "PersistentVolumeClaim/weaviate-data",
    "Deployment/angel-backend/weaviate:/spec/template/spec",
    "Deployment/backend:/spec/template/spec/containers/0/livenessProbe",
]


def test_every_open_item_is_listed_and_strict_fails(capsys: pytest.CaptureFixture[str],
                                                    tmp_path: Path) -> None:
    out = tmp_path / "cfn"
    code, stdout, err = run(capsys, "translate", EXAMPLES, "-o", str(out), "--strict",
                            "--no-validate")
    assert code == 1
    assert (out / "report.md").is_file()  # written, so the reviewer can read why
    lines = err.splitlines()
    assert lines[-1] == ("eks2ecs: --strict: 9 lossy or unsupported item(s) need a human; "
                         "accept them with --ignore RULE")
    assert (f"eks2ecs: {EXAMPLES}/weaviate.yaml:2: PersistentVolumeClaim/weaviate-data:"
            "/spec/resources/requests/storage: lossy: EFS has no size") in err
    assert len(lines) == 1 + len(EXAMPLE_ITEMS)
    assert "written to" in stdout


def test_the_rules_strict_prints_accept_exactly_those_items(
        capsys: pytest.CaptureFixture[str]) -> None:
    code, stdout, _ = run(capsys, "report", EXAMPLES, "--format", "json", "--strict")
    assert code == 1
    printed = [item["rule"] for item in json.loads(stdout)["suppressions"]["openItems"]]
    assert {tuple(rule.split(":", 1)) for rule in printed} == EXAMPLE_ITEMS
    code, stdout, err = run(capsys, "report", EXAMPLES, "--format", "json", "--strict",
                            *[arg for rule in printed for arg in ("--ignore", rule)])
    assert (code, err) == (0, "")
    assert [r["suppressed"] for r in json.loads(stdout)["suppressions"]["rules"]] == [1] * 9


def test_rules_for_several_namespaces_name_the_namespace() -> None:
    manifests = docs(deployment("api", namespace="shop", pod="hostNetwork: true"),
                     deployment("api", namespace="admin"))
    result = translate_yaml(manifests, validate=False)
    assert result.suppressions is not None
    rules = [result.suppressions.rule_for(e, f) for e, f in result.suppressions.open]
    assert "Deployment/shop/api:/spec/template/spec/hostNetwork" in rules
    assert not any(r.startswith("Deployment/admin/") for r in rules)


def test_rules_copied_from_the_report_accept_everything(capsys: pytest.CaptureFixture[str]) -> None:
    ignores = [arg for rule in ACCEPT_ALL for arg in ("--ignore", rule)]
    code, stdout, err = run(capsys, "report", EXAMPLES, "--format", "json", "--strict", *ignores)
    assert (code, err) == (0, "")
    record = json.loads(stdout)["suppressions"]
    assert (record["open"], record["suppressed"]) == (0, len(EXAMPLE_ITEMS))
    assert [(r["rule"], r["suppressed"]) for r in record["rules"]] == [
        (ACCEPT_ALL[0], 1), (ACCEPT_ALL[1], 2), (ACCEPT_ALL[2], 2), (ACCEPT_ALL[3], 1),
        (ACCEPT_ALL[4], 1), (ACCEPT_ALL[5], 1), (ACCEPT_ALL[6], 1)]
    items = {(i["object"], i["path"]) for r in record["rules"] for i in r["items"]}
    assert items == EXAMPLE_ITEMS
    # suppressed items keep their fate in the report: suppression is a decision, not a fix
    sources = json.loads(stdout)["sources"]
    assert sum(f["status"] in ("lossy", "unsupported") for s in sources
               for f in s["fields"]) == len(EXAMPLE_ITEMS)


def test_markdown_records_suppressions() -> None:
    result = translate([EXAMPLES], Options(validate=False, ignore=(ACCEPT_ALL[1], "Job/nothing")))
    markdown = result.files["report.md"]
    assert "## Suppressed" in markdown
    assert "2 lossy or unsupported item(s) accepted with --ignore; 7 still need a human." in markdown
    assert (f"| `{ACCEPT_ALL[1]}` | 2 | `Deployment/backend:"
            "/spec/template/spec/containers/0/resources/limits/cpu`<br>`Deployment/weaviate:") \
        in markdown
    assert "| `Job/nothing` | 0 | nothing (check the rule) |" in markdown
    assert "## Suppressed" not in translate([EXAMPLES], Options(validate=False)).files["report.md"]


def test_without_strict_the_exit_is_0_and_unused_rules_warn(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "report", EXAMPLES, "--ignore", "Deployment/nope")
    assert code == 0
    assert err == "eks2ecs: warning: --ignore 'Deployment/nope' matched nothing\n"


def entry(kind: str = "Deployment", name: str = "web", namespace: str | None = "shop") -> Entry:
    return Entry(kind, "apps/v1", name, namespace, "k8s/web.yaml", 1)


@pytest.mark.parametrize(("rule", "path", "matches"), [
    ("Deployment", "/spec/x", True),
    ("Deployment/web", "/", True),
    ("Deployment/api", "/spec/x", False),
    ("Service/web", "/spec/x", False),
    ("*/web:/spec", "/spec/x/y", True),
    ("Deployment/web:/spec/x", "/spec/xy", False),  # a pointer covers its subtree, not prefixes
    ("Deployment/web:/spec/x/y", "/spec/x", False),
    ("Deployment/shop/web:/spec", "/spec/x", True),
    ("Deployment/other/web:/spec", "/spec/x", False),
    ("Deployment/w*:/spec/containers/*/image", "/spec/containers/3/image", True),
    ("Deployment:/metadata/annotations/alb.ingress.kubernetes.io~1*",
     "/metadata/annotations/alb.ingress.kubernetes.io~1scheme", True),
])
def test_rule_matching(rule: str, path: str, matches: bool) -> None:
    assert suppress.parse(rule).matches(entry(), path) is matches


@pytest.mark.parametrize("rule", ["", "Deployment/", "/web", "a/b/c/d", "Deployment:spec",
                                  "Deployment/web:"])
def test_rules_that_cannot_mean_anything_are_refused(rule: str) -> None:
    with pytest.raises(InputError, match="expected KIND"):
        suppress.parse(rule)


def test_bad_rule_on_the_command_line_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "report", EXAMPLES, "--ignore", "Deployment:spec")
    assert (code, out) == (2, "")
    assert err.startswith("eks2ecs: --ignore 'Deployment:spec': the field after ':' is a JSON Pointer")
