"""Two objects never share an AWS name: whatever the naming makes of them, a stack, an ECS
service, a task family, a log group, a Cloud Map service or a secret that two objects would
both become fails the translation (exit 2, nothing written), naming both with file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from translator import cli
from translator.cfn import GetAtt, ImportValue, Ref, Sub
from translator.plan import Parameter, Stack, StackInfo
from translator.unique_names import resolve


def deployment(name: str, namespace: str | None = None, kind: str = "Deployment") -> str:
    meta = f"{{name: {name}{f', namespace: {namespace}' if namespace else ''}}}"
    extra = f"  serviceName: {name}\n" if kind == "StatefulSet" else ""
    return (f"apiVersion: apps/v1\nkind: {kind}\nmetadata: {meta}\nspec:\n{extra}"
            "  selector: {matchLabels: {app: x}}\n  template:\n    metadata: {labels: {app: x}}\n"
            "    spec:\n      containers: [{name: app, image: nginx}]\n")


def secret(name: str) -> str:
    return f"apiVersion: v1\nkind: Secret\nmetadata: {{name: {name}}}\nstringData: {{k: v}}\n"


CASES = {
    # a workload named like a stack eks2ecs makes replaced the cluster stack, exit 0
    "named-cluster": ([], [deployment("cluster")],
                      "Deployment/cluster: becomes CloudFormation stack 'default-cluster', as "
                      "eks2ecs's shared cluster stack does: one would replace the other on "
                      "deploy; rename the Deployment"),
    # the same name for two kinds of workload: the error named neither object
    "two-kinds": ([deployment("c")], [deployment("c", kind="StatefulSet")],
                  "StatefulSet/c: becomes CloudFormation stack 'default-c', as Deployment "
                  "default/c ({a}:1) does: one would replace the other on deploy; rename one of "
                  "them"),
    "punctuation": ([secret("my-app")], [secret("my.app")],
                    "Secret/my.app: becomes resource SecretMyApp of CloudFormation stack "
                    "'default-secrets', as Secret default/my-app ({a}:1) does: one would "
                    "replace the other on deploy; rename one of them"),
}


@pytest.mark.parametrize("case", CASES, ids=str)
def test_two_objects_that_would_share_an_aws_name_exit_2_naming_both(
        case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first, second, message = CASES[case]
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    a.write_text("---\n".join(first) or "# nothing\n" + deployment("other"))
    b.write_text("---\n".join(second))
    out = tmp_path / "cfn"
    code = cli.main(["translate", str(a), str(b), "-o", str(out), "--no-validate"])
    stdout, err = capsys.readouterr()
    assert (code, stdout) == (2, "")
    assert err == f"eks2ecs: {b}:1: " + message.format(a=a) + "\n"
    assert not out.exists()


def test_names_apart_only_by_what_the_template_cannot_know_are_not_a_collision() -> None:
    one = Stack(StackInfo("one", "one", "workload", ""), stack_name="shop-one")
    two = Stack(StackInfo("two", "two", "workload", ""), stack_name="shop-two")
    for stack in (one, two):
        stack.parameters = {"Given": Parameter("String", "no default"),
                            "Cluster": Parameter("String", "", default="shop-cluster")}
    for name in (Sub("${AWS::StackName}-logs"), Ref("Given"), GetAtt("Role", "Arn"),
                 Sub("${Given}-x")):
        assert resolve(name, one) != resolve(name, two)
    for name in (Ref("Cluster"), Sub("${Cluster}-x"), ImportValue(Sub("${Cluster}-Namespace")),
                 Sub("${X}-y", (("X", Ref("Cluster")),)), "plain"):
        assert resolve(name, one) == resolve(name, two)
    assert resolve(Sub("${!Literal}-${Cluster}"), one) == "${Literal}-shop-cluster"
