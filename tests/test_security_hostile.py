"""Hostile input (tests/hostile): every file in refused/ exits 2 with the one-line message in
expected.yaml, without a traceback and without touching the output folder; the alias bomb
is refused with bounded memory; what is in translated/ translates, unknown kinds reported
unsupported and every injection string kept as the same literal value."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.helpers import decoded
from tests.paths import EXAMPLE, REPO
from tests.test_emitter_properties import evaluate_joins
from translator import cli
from translator.api import finish, translate
from translator.context import Options

HOSTILE = Path(__file__).parent / "hostile"
REFUSED = sorted((HOSTILE / "refused").iterdir())
EXPECTED: dict[str, str] = yaml.safe_load((HOSTILE / "expected.yaml").read_text())


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))}


def test_every_refused_case_has_its_expected_message() -> None:
    assert sorted(p.name for p in REFUSED) == sorted(EXPECTED)
    assert len(REFUSED) >= 20


@pytest.fixture(scope="module")
def previous_output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("previous") / "cfn"
    assert cli.main(["translate", str(EXAMPLE / "weaviate.yaml"), "-o", str(out), "-q"]) == 0
    return out


@pytest.mark.parametrize("case", REFUSED, ids=lambda p: p.name)
def test_a_refused_case_exits_2_with_its_message_and_writes_nothing(
        case: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path,
        previous_output: Path) -> None:
    expected = "eks2ecs: " + EXPECTED[case.name].replace("{file}", str(case)) + "\n"
    fresh = tmp_path / "fresh" / "cfn"
    before = snapshot(previous_output)
    for out in (fresh, previous_output):
        code = cli.main(["translate", str(case), "-o", str(out)])
        stdout, stderr = capsys.readouterr()
        assert (code, stdout, stderr) == (2, "", expected)
    assert not fresh.parent.exists()
    assert snapshot(previous_output) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == []


# Peak RSS from VmHWM: ru_maxrss of a child keeps the peak of the (large) pytest process it
# was forked from, across exec.
_MEASURE = """\
import json, re, sys, time
from translator import cli
start = time.monotonic()
code = cli.main(sys.argv[1:])
seconds = time.monotonic() - start
status = open("/proc/self/status").read()
peak = int(re.search(r"VmHWM:\\s+(\\d+) kB", status).group(1))
print(json.dumps({"code": code, "seconds": seconds, "maxrss_kib": peak}))
"""


def measure(source: Path, out: Path) -> dict[str, Any]:
    done = subprocess.run([sys.executable, "-c", _MEASURE, "translate", str(source), "-o",
                           str(out), "-q"], capture_output=True, text=True, timeout=120,
                          cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)})
    result: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    result["stderr"] = done.stderr
    return result


def test_the_alias_bomb_is_refused_with_bounded_memory(tmp_path: Path) -> None:
    """9**9 strings if expanded. The whole command, in a process of its own, peaks within
    a small margin of translating a one-object file."""
    bomb = measure(HOSTILE / "refused" / "alias-bomb.yaml", tmp_path / "bomb")
    assert bomb["code"] == 2 and "alias bomb" in bomb["stderr"]
    small = tmp_path / "small.yaml"
    small.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  k: v\n")
    baseline = measure(small, tmp_path / "small")
    assert baseline["code"] == 0, baseline["stderr"]
    print(f"alias bomb refused in {bomb['seconds']:.2f}s, peak RSS {bomb['maxrss_kib']} KiB "
          f"(baseline {baseline['maxrss_kib']} KiB)")
    assert bomb["maxrss_kib"] < baseline["maxrss_kib"] + 64 * 1024
    assert not (tmp_path / "bomb").exists()


# --- what translates ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def translated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("translated") / "cfn"
    assert cli.main(["translate", str(HOSTILE / "translated"), "-o", str(out), "-q"]) == 0
    return out


def template(out: Path, suffix: str) -> dict[str, Any]:
    [path] = out.glob(f"*-{suffix}.yaml")
    parsed: dict[str, Any] = evaluate_joins(decoded(path.read_text(encoding="utf-8")))
    return parsed


def test_unknown_kinds_are_unsupported_and_the_rest_translates(translated: Path) -> None:
    report = json.loads((translated / "report.json").read_text())
    status = {(s["kind"], s["name"]): s["status"] for s in report["sources"]}
    assert status[("CustomResourceDefinition", "widgets.example.com")] == "unsupported"
    assert status[("Widget", "gizmo")] == "unsupported"
    assert status[("Ingress", "legacy")] == "unsupported"
    assert status[("Deployment", "api")] == "mapped"
    assert "TaskDefinition" in template(translated, "api")["Resources"]


def test_injection_strings_come_out_as_the_same_literal_values(translated: Path) -> None:
    docs = list(yaml.safe_load_all((HOSTILE / "translated" / "injection.yaml").read_text()))
    configmap, deployment = docs
    [spec] = deployment["spec"]["template"]["spec"]["containers"]
    expected = {e["name"]: e.get("value") for e in spec["env"]}
    expected["FROM_CONFIGMAP"] = configmap["data"]["FROM_CONFIGMAP"]
    expected["MULTILINE"] = configmap["data"]["MULTILINE"]
    [definition] = template(translated, "web")["Resources"]["TaskDefinition"]["Properties"][
        "ContainerDefinitions"]
    assert {e["Name"]: e["Value"] for e in definition["Environment"]} == expected
    assert definition["EntryPoint"] == spec["command"]
    assert definition["Command"] == spec["args"]
    # the dynamic reference CloudFormation would resolve is split so it never is
    assert "{{resolve:" not in (translated / "workload-web.yaml").read_text()


def test_the_scripts_written_beside_hostile_input_are_valid_shell(translated: Path) -> None:
    for script in ("deploy.sh", "cleanup.sh"):
        done = subprocess.run(["bash", "-n", str(translated / script)], capture_output=True,
                              text=True, timeout=30)
        assert done.returncode == 0, done.stderr


def test_every_value_the_scripts_interpolate_is_quoted(tmp_path: Path) -> None:
    # --name '$(touch /tmp/x)' ran inside deploy.sh's "Jobs not run" echo; names are checked
    # now, so the plan is edited past that check to see what the scripts do with any value
    job = ("apiVersion: batch/v1\nkind: Job\nmetadata: {name: migrate}\nspec:\n  template:\n"
           "    spec:\n      restartPolicy: Never\n      containers: [{name: m, image: busybox}]\n")
    plan = translate(["-"], Options(validate=False), stdin=job).plan
    marker = tmp_path / "pwned"
    for i, stack in enumerate(plan.stacks):
        stack.stack_name = f"s{i}-$(touch {marker})-`touch {marker}`-'\"-${{IFS}}"
    files = finish(plan, Options(validate=False)).files
    calls = tmp_path / "aws-calls"
    stub = tmp_path / "bin" / "aws"  # records each argument, answers nothing
    stub.parent.mkdir()
    stub.write_text(f'#!/bin/sh\nfor a in "$@"; do printf "%s\\0" "$a"; done >> {calls}\n')
    stub.chmod(0o755)
    for name in ("deploy.sh", "cleanup.sh", "deploy-plan.json"):
        (tmp_path / name).write_text(files[name])
    # the example with each placeholder's example in (deploy.sh refuses placeholders)
    (tmp_path / "parameters.json").write_text(
        re.sub(r'"<replace: ([^"]*)>"', r'"\1"', files["parameters.json.example"]))
    env = {**os.environ, "PATH": f"{stub.parent}{os.pathsep}{os.environ['PATH']}"}
    for argv, jobs in ((["deploy.sh"], "0"), (["deploy.sh"], "1"), (["cleanup.sh"], "0")):
        done = subprocess.run(["bash", str(tmp_path / argv[0])], capture_output=True, text=True,
                              env={**env, "RUN_JOBS": jobs}, timeout=60, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        assert not marker.exists(), (argv, done.stdout)
    seen = calls.read_text().split("\0")
    assert {s.stack_name for s in plan.stacks} <= set(seen)  # each name reached aws as one word


def test_a_manifest_string_in_a_parameter_default_stays_literal() -> None:
    # CloudFormation resolves {{resolve:...}} in a Default too, and cfn-lint refuses ${...}
    # there (E1029, exit 1); a Default cannot be the Fn::Join that keeps them literal elsewhere
    images = {"app": "{{resolve:ssm:/x:1}}", "two": "${AWS::Region}/x:${TAG}"}
    role = "arn:aws:iam::123456789012:role/{{ .Values.role }}-${STAGE}"
    containers = "".join(f"        - {{name: {n}, image: {json.dumps(i)}}}\n" for n, i in images.items())
    result = translate(["-"], stdin=f"""\
apiVersion: v1
kind: ServiceAccount
metadata:
  name: app
  annotations: {{eks.amazonaws.com/role-arn: {json.dumps(role)}}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {{name: web}}
spec:
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec:
      serviceAccountName: app
      containers:
{containers}""")  # validated: cfn-lint finds nothing
    [stack] = [s for s in result.plan.stacks if s.info.title == "web"]
    text = result.files[stack.file]
    assert "{{resolve" not in text and "${AWS::Region}" not in text and "{{ .Values" not in text
    assert "${STAGE}" not in text
    template = decoded(text)
    parameters, resources = template["Parameters"], template["Resources"]
    task = resources["TaskDefinition"]["Properties"]
    used = {c["Name"]: c["Image"] for c in task["ContainerDefinitions"]} | {
        "role": task["TaskRoleArn"]}
    for name, wanted in {**images, "role": role}.items():
        given, from_parameter, otherwise = used[name]["Fn::If"]
        [parameter] = from_parameter.values()
        assert parameters[parameter]["Default"] == ""  # the operator's value, if any, wins
        assert template["Conditions"][given] == {"Fn::Not": [{"Fn::Equals": [
            {"Ref": parameter}, ""]}]}
        assert evaluate_joins(otherwise) == wanted  # else exactly what the manifest said
    example = json.loads(result.files["parameters.json.example"])
    assert example["stacks"][stack.stack_name]["AppImage"] == ""
