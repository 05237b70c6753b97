"""Properties of names and quotas at and past each limit: whatever Kubernetes names the input
holds, every stack, ECS service, task family and log group name obeys its AWS rule and no two
objects share one; whatever the port count or Ingress fan-out, the translation is clean or
fails with the rule that names the quota, never a template AWS would refuse."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.helpers import docs
from tests.test_quotas import ingress, workload
from translator.api import translate
from translator.context import Options
from translator.errors import ValidationFailed
from translator.names import (
    ECS_NAME,
    LOG_GROUP_NAME,
    STACK_NAME,
    STACK_NAME_MAX,
    Titles,
    app_prefix,
    stack_name,
)

# https://kubernetes.io/docs/concepts/overview/working-with-objects/names/
_ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789"
label = st.text(_ALNUM + "-", min_size=1, max_size=63).filter(
    lambda s: s[0] != "-" and s[-1] != "-")
# a DNS subdomain: labels joined by dots, up to 253 (object names)
subdomain = st.lists(label, min_size=1, max_size=4).map(".".join).filter(lambda s: len(s) <= 253)
# names built to collide once punctuation is mapped: a-b/c vs a/b-c, my-app vs my.app
tricky = st.sampled_from(["a", "b", "a-b", "b-c", "c", "my-app", "my.app", "x",
                          "1shop", "a" * 63])


@given(st.lists(st.tuples(st.one_of(label, tricky), st.one_of(subdomain, tricky)),
                min_size=1, max_size=12, unique=True), st.booleans())
def test_titles_obey_every_name_rule_and_never_collide(
        keys: list[tuple[str, str]], multi: bool) -> None:
    app = "eks2ecs" if multi else app_prefix(keys[0][0])
    titles = Titles(app, multi, keys)
    made = {key: titles.title(*key) for key in keys}
    assert len(set(made.values())) == len(keys), made
    for title in made.values():
        name = stack_name(app, title)
        assert STACK_NAME.fullmatch(name) and len(name) <= STACK_NAME_MAX
        assert STACK_NAME.fullmatch(stack_name(app, f"volume-{title}"))
        assert ECS_NAME.fullmatch(title) and ECS_NAME.fullmatch(name)
        assert LOG_GROUP_NAME.fullmatch(f"/ecs/{app}/{title}")
    assert Titles(app, multi, list(reversed(keys))).title(*keys[0]) == made[keys[0]]


@settings(max_examples=3)
@given(st.sampled_from([5, 6, 7]))
def test_a_service_of_any_port_count_is_clean_or_fails_with_e9112(ports: int) -> None:
    text = docs(workload("web", ports), ingress([("web", 80 + p) for p in range(ports)]))
    if ports <= 5:
        assert translate(["-"], Options(), stdin=text).findings == []
        return
    with pytest.raises(ValidationFailed) as failed:
        translate(["-"], Options(), stdin=text)
    assert [f.rule for f in failed.value.findings] == ["E9112"]


@settings(max_examples=2)
@given(st.sampled_from([100, 101]))
def test_an_ingress_fan_out_at_and_past_100_rules(paths: int) -> None:
    text = docs(workload("web", 1), ingress([("web", 80)] * paths))
    if paths <= 100:
        assert translate(["-"], Options(), stdin=text).findings == []
        return
    with pytest.raises(ValidationFailed) as failed:
        translate(["-"], Options(), stdin=text)
    assert [f.rule for f in failed.value.findings] == ["E9111"]


@settings(max_examples=10)
@given(st.one_of(subdomain, tricky), label)
def test_any_deployment_name_translates_to_valid_names(name: str, namespace: str) -> None:
    # quoted: a name such as 1e5 or a namespace 0 would read as a number
    result = translate(["-"], Options(validate=False), stdin=(
        f"apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: '{name}', namespace: "
        f"'{namespace}'}}\nspec:\n  selector: {{matchLabels: {{app: x}}}}\n  template:\n"
        "    metadata: {labels: {app: x}}\n    spec:\n      containers: [{name: app, image: "
        "nginx}]\n"))
    for stack in result.plan.stacks:
        assert STACK_NAME.fullmatch(stack.stack_name), stack.stack_name
        service = stack.resources.get("Service")
        if service is not None:
            assert ECS_NAME.fullmatch(service.properties["ServiceName"])
            assert ECS_NAME.fullmatch(stack.resources["TaskDefinition"].properties["Family"])


@settings(max_examples=4)
@given(st.sampled_from([100, 101]), st.integers(min_value=2, max_value=4))
def test_rules_spread_over_workload_stacks_count_against_their_alb(paths: int,
                                                                 workloads: int) -> None:
    """Each workload's stack holds its own rules on the ALB's imported listener: the quota
    counts them over every stack (the validate stage), not per template."""
    names = [f"w{n}" for n in range(workloads)]
    text = docs(*(workload(n, 1) for n in names),
                ingress([(names[p % workloads], 80) for p in range(paths)]))
    if paths <= 100:
        assert translate(["-"], Options(), stdin=text).findings == []
        return
    with pytest.raises(ValidationFailed) as failed:
        translate(["-"], Options(), stdin=text)
    [finding] = failed.value.findings
    assert (finding.rule, finding.template) == ("E9111", "load-balancer.yaml")
    assert finding.source is not None and finding.source.obj == "Ingress/fan-out"
