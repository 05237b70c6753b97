"""Every AWS name the output carries obeys that name's rule, no two objects share one, and
the report says each rename (translator.names). Before the name builder, a Deployment
`my.dotted.app` gave stack `shop-my.dotted.app` and `ServiceName: my.dotted.app`, a 130-character
name a 135-character stack name, a namespace `1shop` a stack name starting with a digit, and
namespace `a-b` with Deployment `c` and namespace `a` with `b-c` one stack for two workloads."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers import props, translate_yaml
from translator.api import Result
from translator.names import (
    CLOUD_MAP_NAME,
    ECS_NAME,
    ELB_NAME,
    LOG_GROUP_NAME,
    ROLE_NAME,
    STACK_NAME,
    Titles,
    fit,
)

RULES = {
    "AWS::ECS::Service": ("ServiceName", ECS_NAME),
    "AWS::ECS::TaskDefinition": ("Family", ECS_NAME),
    "AWS::Logs::LogGroup": ("LogGroupName", LOG_GROUP_NAME),
    "AWS::ElasticLoadBalancingV2::TargetGroup": ("Name", ELB_NAME),
    "AWS::ElasticLoadBalancingV2::LoadBalancer": ("Name", ELB_NAME),
    "AWS::IAM::Role": ("RoleName", ROLE_NAME),
    "AWS::ServiceDiscovery::Service": ("Name", CLOUD_MAP_NAME),
}
LONG = "a" * 130


def deployment(name: str, namespace: str | None = None) -> str:
    meta = f"{{name: {name!r}{f', namespace: {namespace!r}' if namespace else ''}}}"
    return (f"apiVersion: apps/v1\nkind: Deployment\nmetadata: {meta}\nspec:\n"
            "  selector: {matchLabels: {app: x}}\n  template:\n    metadata: {labels: {app: x}}\n"
            "    spec:\n      containers: [{name: app, image: nginx, ports: [{containerPort: 80}]}]\n")


def service(name: str, namespace: str | None = None) -> str:
    meta = f"{{name: {name!r}{f', namespace: {namespace!r}' if namespace else ''}}}"
    return (f"apiVersion: v1\nkind: Service\nmetadata: {meta}\nspec:\n"
            "  selector: {app: x}\n  ports: [{port: 80}]\n")


CASES = {
    "dots": [deployment("my.dotted.app", "shop")],
    "punctuation": [deployment("my-app"), deployment("my.app")],
    "namespace-dash": [deployment("c", "a-b"), deployment("b-c", "a")],
    "130-characters": [deployment(LONG, "shop"), service("web", "shop")],
    "digit-namespace": [deployment("web", "1shop"), service("web", "1shop")],
}


@pytest.fixture(scope="module")
def outputs() -> dict[str, Result]:
    return {case: translate_yaml("---\n".join(docs)) for case, docs in CASES.items()}


def stack_names(result: Result) -> list[str]:
    return [s.stack_name for s in result.plan.stacks]


def notes(result: Result) -> dict[str, str]:
    return {f"{e.kind}/{e.name}": " ".join(e.notes) for e in result.plan.entries}


@pytest.mark.parametrize("case", CASES)
def test_every_name_obeys_its_aws_rule(case: str, outputs: dict[str, Any]) -> None:
    result = outputs[case]
    for stack in result.plan.stacks:
        assert STACK_NAME.fullmatch(stack.stack_name), stack.stack_name
        for resource in stack.resources.values():
            prop, rule = RULES.get(resource.type, ("", None))
            value = resource.properties.get(prop)
            if rule is not None and isinstance(value, str):
                assert rule.fullmatch(value), (resource.type, value)
    assert [f for f in result.findings if f.level == "error"] == []


@pytest.mark.parametrize("case", ["punctuation", "namespace-dash"])
def test_two_objects_never_share_a_name(case: str, outputs: dict[str, Any]) -> None:
    result = outputs[case]
    workloads = [s for s in result.plan.stacks if "Service" in s.resources]
    assert len(workloads) == 2
    for resource, prop in (("Service", "ServiceName"), ("TaskDefinition", "Family"),
                           ("LogGroup", "LogGroupName")):
        names = {s.resources[resource].properties[prop] for s in workloads}
        assert len(names) == 2, names
    assert len(set(stack_names(result))) == len(result.plan.stacks)
    assert all("renamed:" in note for note in notes(result).values())


def test_dots_become_dashes_and_say_so(outputs: dict[str, Any]) -> None:
    result = outputs["dots"]
    assert props(result, "my.dotted.app", "Service")["ServiceName"] == "my-dotted-app"
    assert stack_names(result) == ["shop-cluster", "shop-my-dotted-app"]
    assert "'my.dotted.app' becomes 'my-dotted-app'" in notes(result)["Deployment/my.dotted.app"]


def test_a_long_name_is_shortened_with_a_hash(outputs: dict[str, Any]) -> None:
    result = outputs["130-characters"]
    (long_stack,) = [name for name in stack_names(result) if name.startswith("shop-aaa")]
    assert len(long_stack) == 121 and long_stack.rsplit("-", 1)[1] != "a" * 8
    assert "shortened to" in notes(result)[f"Deployment/{LONG}"]


def test_a_namespace_starting_with_a_digit_prefixes_stacks_with_a_letter(
        outputs: dict[str, Any]) -> None:
    assert stack_names(outputs["digit-namespace"]) == ["ns-1shop-cluster", "ns-1shop-web"]


def test_names_that_fit_are_kept_and_hashes_are_stable() -> None:
    assert fit("web", 32) == "web"
    assert fit("x" * 40, 32) == fit("x" * 40, 32)
    assert len(fit("x" * 40, 32)) == 32 and fit("x" * 40, 32) != fit("x" * 41, 32)
    titles = Titles("app", True, [("a-b", "c"), ("a", "b-c"), ("shop", "web")])
    assert titles.title("shop", "web") == "shop-web" and titles.renames.keys() == {
        ("a-b", "c"), ("a", "b-c")}
    assert titles.title("a-b", "c") != titles.title("a", "b-c")
