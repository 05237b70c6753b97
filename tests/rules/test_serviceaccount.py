"""ServiceAccount with IRSA -> the task role of the workloads that run as it."""

from __future__ import annotations

import pytest

from tests.helpers import (
    deployment,
    docs,
    fate,
    props,
    source,
    stack_for,
    translate_yaml,
)
from translator.api import Result
from translator.cfn import GetAtt, Ref

ROLE = "arn:aws:iam::123456789012:role/shop-backend"
IRSA = "/metadata/annotations/eks.amazonaws.com~1role-arn"


def account(name: str = "backend", role: str | None = ROLE) -> str:
    annotations = f"\n  annotations:\n    eks.amazonaws.com/role-arn: {role}" if role else ""
    return (f"apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: {name}\n"
            f"  namespace: shop{annotations}\n")


RUNS_AS_BACKEND = "serviceAccountName: backend"


def test_irsa_role_becomes_the_task_role_parameter_default() -> None:
    result = translate_yaml(docs(account(), deployment(pod=RUNS_AS_BACKEND)))
    parameter = stack_for(result, "web").parameters["TaskRoleArn"]
    assert parameter.type == "String"
    assert parameter.default == ROLE
    assert "ecs-tasks.amazonaws.com" in parameter.description
    assert props(result, "web", "TaskDefinition")["TaskRoleArn"] == Ref("TaskRoleArn")


def test_the_needs_a_human_item_is_the_trust_policy_step_on_the_annotation() -> None:
    """The one thing to do is widen the role's trust (it trusts the cluster's OIDC provider):
    that is the lossy item, naming the role; the account's name is mapped, not a second item
    without an action."""
    result = translate_yaml(docs(account(), deployment(pod=RUNS_AS_BACKEND)))
    annotation = fate(result, "ServiceAccount", "backend", IRSA)
    assert (annotation["status"], annotation["to"]) == (
        "lossy", "workload-web.yaml#/Parameters/TaskRoleArn/Default")
    assert annotation["note"].startswith("the IRSA role trusts only the EKS cluster's OIDC "
                                         "provider: add a statement allowing "
                                         "ecs-tasks.amazonaws.com sts:AssumeRole")
    assert "aws iam update-assume-role-policy --role-name shop-backend " in annotation["note"]
    name = fate(result, "ServiceAccount", "backend", "/metadata/name")
    assert (name["status"], name["to"]) == ("mapped", "workload-web.yaml#/Parameters/TaskRoleArn")
    assert [f.path for e, f in result.suppressions.open if e.kind == "ServiceAccount"] == [IRSA]
    entry = source(result, "ServiceAccount", "backend")
    assert entry["status"] == "partial"
    assert entry["resources"] == []


def test_every_workload_running_as_the_account_gets_the_role() -> None:
    result = translate_yaml(docs(account(), deployment("one", pod=RUNS_AS_BACKEND),
                                 deployment("two", pod=RUNS_AS_BACKEND), deployment("three")))
    assert stack_for(result, "one").parameters["TaskRoleArn"].default == ROLE
    assert stack_for(result, "two").parameters["TaskRoleArn"].default == ROLE
    assert "TaskRoleArn" not in stack_for(result, "three").parameters
    assert only_exec_role(result, "three")
    targets = sorted(f["to"] for f in source(result, "ServiceAccount", "backend")["fields"]
                     if f["path"] == IRSA)
    assert targets == ["workload-one.yaml#/Parameters/TaskRoleArn/Default",
                       "workload-two.yaml#/Parameters/TaskRoleArn/Default"]


def only_exec_role(result: Result, workload: str) -> bool:
    """The tasks' role is the stack's own, and it allows ECS Exec alone: no role for the app."""
    role = props(result, workload, "TaskRole")
    return (props(result, workload, "TaskDefinition")["TaskRoleArn"] == GetAtt("TaskRole", "Arn")
            and [p["PolicyName"] for p in role["Policies"]] == ["ecs-exec"])


def test_account_without_irsa_maps_to_no_role_for_the_app() -> None:
    result = translate_yaml(docs(account(role=None), deployment(pod=RUNS_AS_BACKEND)))
    assert "TaskRoleArn" not in stack_for(result, "web").parameters
    assert only_exec_role(result, "web")
    without_exec = translate_yaml(docs(account(role=None), deployment(pod=RUNS_AS_BACKEND)),
                                  exec_command=False)
    assert "TaskRoleArn" not in props(without_exec, "web", "TaskDefinition")
    entry = source(result, "ServiceAccount", "backend")
    assert entry["status"] == "mapped"
    name = fate(result, "ServiceAccount", "backend", "/metadata/name")
    assert name["to"] == "workload-web.yaml#/Resources/TaskDefinition/Properties"
    assert name["note"].startswith("no IRSA role: the app's AWS calls are denied")


def test_account_nobody_runs_as_is_partial_with_advice() -> None:
    result = translate_yaml(docs(account(), deployment()))
    entry = source(result, "ServiceAccount", "backend")
    assert entry["status"] == "partial"
    annotation = fate(result, "ServiceAccount", "backend", IRSA)
    assert annotation["status"] == "lossy"
    assert annotation["note"].startswith("no workload in the input runs as this ServiceAccount")
    assert "TaskRoleArn" not in stack_for(result, "web").parameters


def test_account_in_another_namespace_is_not_used() -> None:
    other = account().replace("namespace: shop", "namespace: other")
    result = translate_yaml(docs(other, deployment(pod=RUNS_AS_BACKEND)))
    assert "TaskRoleArn" not in stack_for(result, "shop-web").parameters
    assert fate(result, "ServiceAccount", "backend", IRSA)["status"] == "lossy"


def test_token_automount_is_ignored_and_pull_secrets_are_advised() -> None:
    sa = account(role=None) + "automountServiceAccountToken: false\nimagePullSecrets:\n  - name: regcred\n"
    result = translate_yaml(docs(sa, deployment(pod=RUNS_AS_BACKEND)))
    assert fate(result, "ServiceAccount", "backend", "/automountServiceAccountToken")[
        "status"] == "ignored"
    assert "RepositoryCredentials" in fate(result, "ServiceAccount", "backend",
                                           "/imagePullSecrets")["note"]


@pytest.mark.parametrize("placeholder", ["arn:aws:iam::ACCOUNT_ID:role/backend",
                                         "arn:aws:iam::12345:role/backend", "not-an-arn"])
def test_a_placeholder_role_arn_is_no_default_and_reported_lossy(placeholder: str) -> None:
    """A kustomize base's ACCOUNT_ID placeholder made cfn-lint warn W1030 on the parameter's
    default, which stopped the whole run: it is left out, and the report says to fill it in."""
    result = translate_yaml(docs(account(role=placeholder), deployment(pod=RUNS_AS_BACKEND)))
    parameter = stack_for(result, "web").parameters["TaskRoleArn"]
    assert parameter.default is None
    assert parameter.example == "arn:aws:iam::123456789012:role/backend"
    assert props(result, "web", "TaskDefinition")["TaskRoleArn"] == Ref("TaskRoleArn")
    annotation = fate(result, "ServiceAccount", "backend", IRSA)
    assert (annotation["status"], annotation["to"]) == ("lossy", "workload-web.yaml#/Parameters/TaskRoleArn")
    assert annotation["note"].startswith("not an ARN: placeholder, fill in TaskRoleArn, then "
                                         "the IRSA role trusts only")
    assert "--role-name ROLE " in annotation["note"]  # nothing of the placeholder in a command
    assert '"TaskRoleArn": "<replace: arn:aws:iam::123456789012:role/backend>"' in result.files[
        "parameters.json.example"]


def test_the_default_service_account_written_is_as_not_written() -> None:
    """Every namespace has a default ServiceAccount: naming it is no item to review."""
    result = translate_yaml(deployment(pod="serviceAccountName: default"))
    path = "/spec/template/spec/serviceAccountName"
    assert fate(result, "Deployment", "web", path)["status"] == "ignored"
    assert only_exec_role(result, "web")
    assert result.files == translate_yaml(deployment()).files | {
        "report.json": result.files["report.json"], "report.md": result.files["report.md"],
        "report.html": result.files["report.html"]}
    assert source(result, "Deployment", "web")["status"] == "mapped"
