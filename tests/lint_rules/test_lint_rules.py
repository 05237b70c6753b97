"""eks2ecs's own cfn-lint rules (mappings/lint_rules), run by the real cfn-lint: in-process
through the runner the validate stage uses, and once through the `cfn-lint` command with
`--append-rules`. Each rule has fixtures/<id>/good.yaml (no finding of any rule) and bad.yaml,
whose every offending line ends with `# <- <id>`."""

from __future__ import annotations

import importlib
import inspect
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from cfnlint.decode.decode import decode_str
from cfnlint.rules import CloudFormationLintRule

from mappings.lint_rules import RULES_DIR
from tests.paths import EXAMPLE, REPO
from translator import validate
from translator.api import finish, translate
from translator.context import Options
from translator.errors import ValidationFailed
from translator.validate import _runner

FIXTURES = Path(__file__).parent / "fixtures"
RULE_IDS = sorted(p.name for p in FIXTURES.iterdir() if p.is_dir())
MARK = re.compile(r"#\s*<-\s*(E9\d{3}|W9\d{3})\s*$")


def rule_files() -> dict[str, Path]:
    return {p.name.split("_", 1)[0]: p for p in sorted(RULES_DIR.glob("[EW]9*.py"))}


def lint(path: Path) -> list[tuple[str, int, str]]:
    template, errors = decode_str(path.read_text(encoding="utf-8"))
    matches = list(errors or [])
    if template is not None:
        matches.extend(_runner("us-east-1").validate_template(template))
    return sorted((m.rule.id, int(m.linenumber), str(m.message)) for m in matches)


def marked(path: Path) -> list[tuple[str, int]]:
    return [(found.group(1), n) for n, line in enumerate(path.read_text().splitlines(), 1)
            if (found := MARK.search(line))]


def test_every_rule_has_fixtures_and_every_fixture_a_rule() -> None:
    assert sorted(rule_files()) == RULE_IDS
    assert [f"E{n}" for n in range(9101, 9121)] == RULE_IDS
    for rule_id in RULE_IDS:
        assert {p.name for p in (FIXTURES / rule_id).iterdir()} == {"good.yaml", "bad.yaml"}


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_one_rule_per_file_with_the_id_it_is_named_after(rule_id: str) -> None:
    module = importlib.import_module(f"mappings.lint_rules.{rule_files()[rule_id].stem}")
    rules = [c for _, c in inspect.getmembers(module, inspect.isclass)
             if issubclass(c, CloudFormationLintRule) and c is not CloudFormationLintRule]
    assert [r.id for r in rules] == [rule_id]
    assert rules[0].shortdesc and rules[0].description and "eks2ecs" in rules[0].tags


def test_the_validate_runner_loads_every_rule() -> None:
    assert sorted(k for k in _runner("us-east-1").rules if re.match(r"[EW]9\d{3}$", k)) == RULE_IDS


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_the_good_fixture_is_clean(rule_id: str) -> None:
    assert lint(FIXTURES / rule_id / "good.yaml") == []


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_the_bad_fixture_fails_on_each_marked_line_and_nowhere_else(rule_id: str) -> None:
    path = FIXTURES / rule_id / "bad.yaml"
    expected = marked(path)
    assert expected and {r for r, _ in expected} == {rule_id}
    findings = lint(path)
    assert [(r, line) for r, line, _ in findings] == sorted(expected), findings
    for _, _, message in findings:
        assert message and "\n" not in message


def cfn_lint_command() -> str:
    found = shutil.which("cfn-lint") or str(Path(sys.executable).with_name("cfn-lint"))
    assert Path(found).exists(), "the cfn-lint command is not installed"
    return found


def test_the_cfn_lint_command_loads_the_rules_with_append_rules() -> None:
    """`cfn-lint templates... --append-rules <mappings/lint_rules>`, as the README says
    (templates first: --append-rules takes every word after it)."""
    paths = sorted(FIXTURES.glob("*/*.yaml"))
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [cfn_lint_command(), *map(str, paths), "--format", "parseable", "--append-rules",
         str(RULES_DIR)],
        capture_output=True, text=True, timeout=300, env=env, cwd=REPO)
    assert done.returncode != 0 and "Traceback" not in done.stderr, done.stderr
    found = sorted((Path(f).parent.name, Path(f).name, rule, int(line))
                   for f, line, _, _, _, rule, _ in (
                       row.split(":", 6) for row in done.stdout.splitlines() if row))
    expected = sorted((p.parent.name, p.name, rule, line)
                      for p in paths for rule, line in marked(p))
    assert found == expected


def test_a_template_that_does_not_read_back_as_its_plan_fails_with_e9001() -> None:
    """The parse-back check beside the rules: the rendered text must mean the plan."""
    result = translate([str(EXAMPLE / "weaviate.yaml")])
    stack = result.plan.stacks[-1]
    text = result.files[stack.file]
    assert validate.lint(stack, text, "us-east-1") == []
    tampered = text.replace("RetentionInDays: 30", "RetentionInDays: 7", 1)
    assert tampered != text
    assert [f.rule for f in validate.lint(stack, tampered, "us-east-1")] == ["E9001"]


WEB = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: web
          image: nginx:1.27
          ports: [{containerPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  type: LoadBalancer
  selector: {app: web}
  ports:
    - {name: http, port: 80, targetPort: 8080}
"""


def test_a_finding_names_the_manifest_field_behind_it_not_a_line_of_an_unwritten_template(
) -> None:
    """A real E9104 (a script dropped the port mapping the Service's load balancer targets):
    the finding is the Service port of the input, at its line, with the template place."""
    result = translate(["-"], Options(validate=False), stdin=WEB)
    web = next(s for s in result.plan.stacks if s.info.title == "web")
    del web.resources["TaskDefinition"].properties["ContainerDefinitions"][0]["PortMappings"]
    with pytest.raises(ValidationFailed) as failed:
        finish(result.plan)
    # the Service Connect service named that port mapping too (E9120, at the same field)
    finding, connect = failed.value.findings
    assert connect.rule == "E9120" and connect.source == ("-", 21, "Service/web", "/spec/ports/0")
    assert "PortName 'port-8080' names no port mapping" in str(connect)
    assert finding.rule == "E9104" and finding.template == "workload-web.yaml"
    assert finding.pointer == "/Resources/Service/Properties/LoadBalancers/0"
    assert finding.source == ("-", 21, "Service/web", "/spec/ports/0")
    assert str(finding) == (
        "-:21: Service/web: /spec/ports/0: E9104 (error) Service: load balancer targets "
        "web:8080, which task definition TaskDefinition does not expose "
        "(at workload-web.yaml#/Resources/Service/Properties/LoadBalancers/0)")
