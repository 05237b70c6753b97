"""Secrets never leak: no value from a Secret's data or stringData reaches any output file,
stdout, stderr or error message, decoded or base64; and the IAM policies eks2ecs writes name
only what the workloads read (no `*` on secretsmanager, ssm or kms; an execution role reads
exactly the secrets its task definition references; no task role is invented)."""

from __future__ import annotations

import base64
import io
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from mappings.workload_stack import EXEC_STATEMENT
from tests.helpers import decoded, deployment, docs, env_reading
from tests.paths import CORPUS, EXAMPLE, GOLDEN, corpus_apps, corpus_id
from tests.test_corpus import DUPLICATED
from translator import cli
from translator.api import Result, translate
from translator.cfn import quote, to_json
from translator.context import Options

# Values a reviewer would never want to see again: each is distinctive, and some try to
# break out of YAML, Jinja, CloudFormation, JSON, Markdown or a shell script.
HOSTILE_VALUES = [
    "hunter2-LEAK-0001",
    "line-one-LEAK\nline-two-LEAK-0002",
    "{{ .Values.LEAK0003 }}{% raw %}",
    "!Ref LeakParam0004",
    "${AWS::Region}-LEAK-0005",
    "\"quoted\": 'LEAK-0006' # not a comment",
    "p\u00e4ssw\u00f6rd-LEAK-\u00fc0007-\U0001F511",
    "| LEAK | 0008 |\n---\nkind: Secret",
    "$(rm -rf /) `LEAK0009`; echo",
    "-----BEGIN PRIVATE KEY-----\nMIIBLEAK0010\n-----END PRIVATE KEY-----\n",
    # envsubst-looking: the placeholder scan quoted "$HorseBatteryStapleLEAK0018" in the report
    "correct$HorseBatteryStapleLEAK0018",
    "${TokenLEAK0019}",
]


def b64(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def secret(name: str, data: dict[str, str], string_data: dict[str, str]) -> str:
    body = {"apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": name, "namespace": "shop"}, "type": "Opaque",
            "data": {k: b64(v) for k, v in data.items()}, "stringData": string_data}
    # what `kubectl apply` leaves on the object: the whole manifest again, values and all
    applied = {"kubectl.kubernetes.io/last-applied-configuration": json.dumps(body)}
    body["metadata"] = {**body["metadata"], "annotations": applied}
    return yaml.safe_dump(body, allow_unicode=True, sort_keys=False)


def hostile_input() -> str:
    half = len(HOSTILE_VALUES) // 2
    keys = [f"KEY_{i}" for i in range(len(HOSTILE_VALUES))]
    return docs(
        secret("app-secrets", dict(zip(keys[:half], HOSTILE_VALUES[:half], strict=True)),
               dict(zip(keys[half:], HOSTILE_VALUES[half:], strict=True))),
        secret("unused", {"TOKEN": "unused-LEAK-0011"}, {"OTHER": "unused-LEAK-0012"}),
        deployment("web", container="""
            ports:
              - containerPort: 8080
            env:
              - name: FIRST
                valueFrom:
                  secretKeyRef: {name: app-secrets, key: KEY_0}
              - name: LAST
                valueFrom:
                  secretKeyRef: {name: app-secrets, key: KEY_9}
            envFrom:
              - secretRef: {name: app-secrets}
            volumeMounts:
              - {name: creds, mountPath: /etc/creds}
            """, pod="""
            volumes:
              - name: creds
                secret: {secretName: app-secrets}
            """),
    )


def forms(value: str) -> set[str]:
    """Every way a value could show up in text: as is, base64, escaped for JSON or YAML,
    and each distinctive line of it."""
    found = {value, b64(value), json.dumps(value)[1:-1], quote(value)[1:-1],
             json.dumps(value, ensure_ascii=True)[1:-1], b64(value).rstrip("=")}
    found.update(line for line in value.splitlines() if len(line) >= 8 and "LEAK" in line)
    found.update(word for word in re.findall(r"[A-Za-z0-9]+", value)
                 if len(word) >= 8 and "LEAK" in word)  # a fragment quoted on its own
    return {f for f in found if f}


def assert_no_leak(texts: dict[str, str], values: list[str]) -> None:
    for where, text in texts.items():
        for value in values:
            for form in forms(value):
                assert form not in text, f"{where} holds a secret value ({form!r})"


def run_cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, text: str,
            *argv: str) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text.encode("utf-8"))))
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def folder_texts(folder: Path) -> dict[str, str]:
    return {str(p): p.read_text(encoding="utf-8") for p in sorted(folder.rglob("*")) if p.is_file()}


def test_the_hostile_input_is_what_the_test_thinks() -> None:
    text = hostile_input()
    objects = list(yaml.safe_load_all(text))
    values = {base64.b64decode(v).decode() for v in objects[0]["data"].values()}
    values |= set(objects[0]["stringData"].values())
    assert values == set(HOSTILE_VALUES)
    result = translate(["-"], stdin=text)  # and it translates, secrets read by ARN
    definition = result.plan.stacks[-1].resources["TaskDefinition"].properties[
        "ContainerDefinitions"][0]
    assert {s["Name"] for s in definition["Secrets"]} >= {"FIRST", "LAST", "KEY_5"}


def test_no_secret_value_reaches_any_output_stdout_or_stderr(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        tmp_path: Path) -> None:
    text = hostile_input()
    values = [*HOSTILE_VALUES, "unused-LEAK-0011", "unused-LEAK-0012"]
    seen: dict[str, str] = {}
    for fmt in ("text", "json"):
        out = tmp_path / fmt
        code, stdout, err = run_cli(capsys, monkeypatch, text, "translate", "-", "-o", str(out),
                                    "--format", fmt)
        assert code == 0, err
        seen |= {f"translate {fmt} stdout": stdout, f"translate {fmt} stderr": err}
        seen |= folder_texts(out)
    for fmt in ("md", "json"):
        code, stdout, err = run_cli(capsys, monkeypatch, text, "report", "-", "--format", fmt)
        assert code == 0, err
        seen |= {f"report {fmt} stdout": stdout, f"report {fmt} stderr": err}
    assert len(seen) > 20
    assert any("KEY_9" in t for t in seen.values())  # key names are kept; values never
    assert_no_leak(seen, values)


@pytest.mark.parametrize("breakage", [
    pytest.param(("replicas: 1", 'replicas: "three"'), id="bad-field-elsewhere"),
    pytest.param(("kind: Secret", "kind: Secret\nkind: Secret"), id="duplicate-key"),
    pytest.param(("type: Opaque", "type: Opaque\n  oops: [unclosed"), id="invalid-yaml"),
    pytest.param(("data:", "spec: {replicas: many}\ndata:"), id="secret-with-spec"),
])
def test_error_messages_carry_no_secret_value(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
        breakage: tuple[str, str]) -> None:
    old, new = breakage
    text = hostile_input().replace("spec:\n", "spec:\n  replicas: 1\n", 1).replace(old, new, 1)
    code, stdout, err = run_cli(capsys, monkeypatch, text, "translate", "-", "-o",
                                str(tmp_path / "out"))
    seen = {"stdout": stdout, "stderr": err}
    if code == 0:
        seen |= folder_texts(tmp_path / "out")
    else:
        assert code == 2 and err.startswith("eks2ecs: ") and "Traceback" not in err, err
        assert not (tmp_path / "out").exists()
    assert_no_leak(seen, HOSTILE_VALUES)


@pytest.mark.parametrize("data", [
    pytest.param({"KEY": {"nested": "nested-LEAK-0013"}}, id="mapping-value"),
    pytest.param({"KEY": ["list-LEAK-0014"]}, id="list-value"),
    pytest.param({"KEY": 15}, id="number-value"),
    pytest.param("whole-data-LEAK-0016", id="data-is-a-string"),
    pytest.param(["list-data-LEAK-0017"], id="data-is-a-list"),
])
def test_a_malformed_secret_is_refused_or_reported_without_its_value(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
        data: Any) -> None:
    text = yaml.safe_dump({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "odd"},
                           "stringData": data})
    code, stdout, err = run_cli(capsys, monkeypatch, text, "translate", "-", "-o",
                                str(tmp_path / "out"))
    assert code in (0, 2), err
    assert "Traceback" not in err
    seen = {"stdout": stdout, "stderr": err}
    if code == 0:
        seen |= folder_texts(tmp_path / "out")
    leaks = ["nested-LEAK-0013", "list-LEAK-0014", "whole-data-LEAK-0016", "list-data-LEAK-0017"]
    assert_no_leak(seen, leaks)


@pytest.mark.usefixtures("shared")
def test_the_corpus_secret_values_stay_out_of_the_output(tmp_path: Path) -> None:
    folder = CORPUS / "aws-samples__eks-workshop-v2"
    values, rest = [], []
    for path in sorted(folder.rglob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            if doc and doc.get("kind") == "Secret":
                values += [base64.b64decode(v).decode() for v in (doc.get("data") or {}).values()]
                values += list((doc.get("stringData") or {}).values())
            elif doc:
                rest.append(json.dumps(doc))
    # a value that the manifests also say elsewhere (a user name equal to the app's name)
    # is not a secret the output could leak
    secret_only = [v for v in values if not any(v in r for r in rest)]
    assert secret_only, values
    result = translate([str(folder)])
    result.write(tmp_path / "out")
    assert_no_leak(folder_texts(tmp_path / "out"), secret_only)


# --- IAM least privilege ------------------------------------------------------------------


EXTERNAL = docs("""
    apiVersion: external-secrets.io/v1
    kind: SecretStore
    metadata: {name: sm, namespace: shop}
    spec:
      provider:
        aws: {service: SecretsManager, region: us-east-1}
    """, """
    apiVersion: external-secrets.io/v1
    kind: SecretStore
    metadata: {name: params, namespace: shop}
    spec:
      provider:
        aws: {service: ParameterStore, region: us-east-1}
    """, """
    apiVersion: external-secrets.io/v1
    kind: ExternalSecret
    metadata: {name: app, namespace: shop}
    spec:
      secretStoreRef: {name: sm, kind: SecretStore}
      data:
        - {secretKey: PASSWORD, remoteRef: {key: shop/db, property: password}}
        - {secretKey: STAGED, remoteRef: {key: shop/db, property: password, version: AWSPREVIOUS}}
        - {secretKey: WHOLE, remoteRef: {key: shop/api}}
        - {secretKey: UNUSED, remoteRef: {key: shop/unused}}
    """, """
    apiVersion: external-secrets.io/v1
    kind: ExternalSecret
    metadata: {name: config, namespace: shop}
    spec:
      secretStoreRef: {name: params, kind: SecretStore}
      data:
        - {secretKey: DB_URL, remoteRef: {key: /shop/db-url}}
        - {secretKey: SMTP, remoteRef: {key: shop/smtp}}
    """,
    deployment("web", container=env_reading("app", "PASSWORD", "STAGED", "WHOLE")
               + env_reading("config", "DB_URL", "SMTP").removeprefix("env:\n")
               + env_reading("not-in-input", "TOKEN").removeprefix("env:\n")),
    deployment("other", container=env_reading("config", "SMTP")))


def outputs(inputs: str) -> Iterator[tuple[str, Result]]:
    if inputs == "made-here":
        yield "examples", translate([str(EXAMPLE)])
        yield "hostile", translate(["-"], stdin=hostile_input())
        yield "external", translate(["-"], stdin=EXTERNAL)
        return
    for folder in corpus_apps():
        if folder.name not in DUPLICATED:
            yield corpus_id(folder), translate([str(folder)], Options(validate=False))


def statements(role: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for policy in role.get("Policies", []):
        yield from policy["PolicyDocument"]["Statement"]


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def secret_base(value_from: Any) -> Any:
    """What IAM must allow for a ValueFrom: the secret or parameter ARN without the
    `:json-key:stage:version` suffix that ECS reads."""
    value = to_json(value_from)
    if isinstance(value, str):
        return ":".join(value.split(":")[:7]) if ":secretsmanager:" in value else value
    sub = value.get("Fn::Sub") if isinstance(value, dict) else None
    parameter = re.fullmatch(r"\$\{([A-Za-z0-9]+)\}(:.*)?", sub) if isinstance(sub, str) else None
    if parameter:
        return {"Ref": parameter.group(1)}
    if isinstance(sub, list) and sub[0].startswith("${Arn}"):
        return sub[1]["Arn"]
    return value


# (roles, task definitions, secret references) each group of inputs must exercise at least
SEEN_AT_LEAST = {"made-here": (6, 5, 30), "corpus": (40, 40, 5)}


@pytest.mark.parametrize("inputs", sorted(SEEN_AT_LEAST))
def test_iam_policies_name_only_what_the_workloads_read(
        inputs: str, request: pytest.FixtureRequest) -> None:
    if inputs == "corpus":
        request.getfixturevalue("shared")
    roles = tasks = secret_reads = 0
    for name, result in outputs(inputs):
        for stack in result.plan.stacks:
            resources = stack.resources
            for logical, resource in resources.items():
                if resource.type == "AWS::IAM::Role":
                    roles += 1
                    for statement in statements(resource.properties):
                        actions = as_list(statement["Action"])
                        if any(a.split(":")[0] in ("secretsmanager", "ssm", "kms") for a in actions):
                            targets = json.dumps(to_json(statement["Resource"]))
                            assert "*" not in targets, (name, stack.file, logical, targets)
                            assert statement["Effect"] == "Allow"
                            assert all(a in ("secretsmanager:GetSecretValue", "ssm:GetParameters",
                                             "kms:Decrypt") for a in actions), actions
                if resource.type != "AWS::ECS::TaskDefinition":
                    continue
                tasks += 1
                props = resource.properties
                referenced = [secret_base(s["ValueFrom"]) for c in props["ContainerDefinitions"]
                              for s in c.get("Secrets", [])]
                task_role = to_json(props.get("TaskRoleArn"))
                # a task role is the workload's own IRSA role, passed in, or one made here that
                # only mounts the workload's EFS access points and opens ECS Exec's channels
                if task_role is not None and not task_role.get("Ref"):
                    made = resources[task_role["Fn::GetAtt"][0]].properties
                    for statement in statements(made):
                        if statement == EXEC_STATEMENT:  # actions with no resource type
                            continue
                        assert all(a.startswith("elasticfilesystem:Client")
                                   for a in as_list(statement["Action"])), (name, statement)
                        assert "elasticfilesystem:AccessPointArn" in json.dumps(
                            to_json(statement["Condition"])), (name, statement)
                execution = to_json(props.get("ExecutionRoleArn"))
                if execution is None:
                    assert not referenced
                    continue
                role = resources[execution["Fn::GetAtt"][0]].properties
                allowed = [to_json(r) for s in statements(role) for r in as_list(s["Resource"])]
                secret_reads += len(referenced)
                unique = []
                for item in map(to_json, referenced):
                    if item not in unique:
                        unique.append(item)
                assert sorted(map(json.dumps, allowed)) == sorted(map(json.dumps, unique)), (
                    name, stack.file)
                assert to_json(role["ManagedPolicyArns"]) == [{"Fn::Sub": "arn:${AWS::Partition}:iam::aws:"
                                                      "policy/service-role/"
                                                      "AmazonECSTaskExecutionRolePolicy"}]
    seen = (roles, tasks, secret_reads)
    assert all(n >= least for n, least in zip(seen, SEEN_AT_LEAST[inputs], strict=True)), seen


def test_the_golden_output_reads_exactly_its_two_secrets() -> None:
    text = (GOLDEN / "workload-backend.yaml").read_text()
    assert text.count("secretsmanager:GetSecretValue") == 1
    role = decoded(text)["Resources"]["ExecutionRole"]["Properties"]
    [statement] = [s for p in role["Policies"] for s in p["PolicyDocument"]["Statement"]]
    assert statement["Resource"] == [{"Ref": "AngelBackendDevDatabaseSecretArn"},
                                     {"Ref": "AngelBackendDevOpenaiSecretArn"}]
