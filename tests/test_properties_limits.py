"""Properties of names and quotas at and past each limit: whatever Kubernetes names the input
holds, every stack, ECS service, task family and log group name obeys its AWS rule and no two
objects share one; whatever the port count or Ingress fan-out, the translation is clean or
fails with the rule that names the quota, never a template AWS would refuse."""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from mappings.ingress_albs import Alb, albs, build
from mappings.ingress_split import Load, load, ranking
from tests.helpers import docs
from tests.test_quotas import ingress, workload
from translator import rules
from translator.api import Result, translate
from translator.cfn import ImportValue, Sub
from translator.context import Context, Options, Source
from translator.errors import ValidationFailed
from translator.load import parse_text
from translator.mapper import build_model
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


def _fan_out(name: str, backends: list[tuple[str, int]], cls: str = "alb",
             host: str | None = None) -> str:
    """An Ingress without group.name routing one Exact path to each backend."""
    paths = "".join(f"      - {{path: /{name}/{i}, pathType: Exact, backend: {{service: "
                    f"{{name: {svc}, port: {{number: {port}}}}}}}}}\n"
                    for i, (svc, port) in enumerate(backends))
    rule = f"host: {host}\n    " if host else ""
    return (f"apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {{name: {name}, "
            f"namespace: shop}}\nspec:\n  ingressClassName: {cls}\n  rules:\n  - {rule}http:\n"
            "      paths:\n" + paths)


def _backends(count: int) -> tuple[list[str], list[tuple[str, int]]]:
    """`count` Service ports, five per Service (an ECS service takes at most 5 target groups)."""
    names = [f"w{n}" for n in range((count + 4) // 5)]
    return names, [(names[i // 5], 80 + i % 5) for i in range(count)]


def _per_alb(result: Result) -> dict[str, tuple[int, int]]:
    """load-balancer stack -> (target groups, listener rules) forwarding on its listeners,
    read from the templates: a rule's listener is imported through the parameter that names
    the stack."""
    by_name = {s.stack_name: s.info.title for s in result.plan.stacks}
    rules: dict[str, int] = {}
    groups: dict[str, set[tuple[str, str]]] = {}
    for stack in result.plan.stacks:
        for resource in stack.resources.values():
            if resource.type != "AWS::ElasticLoadBalancingV2::ListenerRule":
                continue
            imported = resource.properties["ListenerArn"]
            assert isinstance(imported, ImportValue) and isinstance(imported.name, Sub)
            parameter = imported.name.template.split("}")[0].removeprefix("${")
            alb = by_name[stack.parameters[parameter].default]
            rules[alb] = rules.get(alb, 0) + 1
            for action in resource.properties["Actions"]:
                groups.setdefault(alb, set()).add((stack.info.title,
                                                   str(action["TargetGroupArn"].name)))
    return {alb: (len(groups.get(alb, ())), count) for alb, count in rules.items()}


@settings(max_examples=3, deadline=None)
@given(st.integers(min_value=90, max_value=260), st.lists(st.integers(1, 4), min_size=200,
                                                          max_size=200))
def test_group_less_ingresses_past_the_alb_quotas_spread_over_albs(
        count: int, sizes: list[int]) -> None:
    """90-260 backends behind Ingresses without group.name of 1-4 paths each: every ALB
    holds at most 100 target groups and 100 rules, and the run is clean (cfn-lint, E9110,
    E9111 and E9112 over every template)."""
    names, backends = _backends(count)
    ingresses, at = [], 0
    for n, size in enumerate(sizes):
        if at >= count:
            break
        ingresses.append(_fan_out(f"i{n}", backends[at:at + size]))
        at += size
    result = translate(["-"], Options(), stdin=docs(*(workload(w, 5) for w in names),
                                                     *ingresses))
    assert result.findings == []
    per_alb = _per_alb(result)
    assert sum(rules for _, rules in per_alb.values()) == count
    assert all(groups <= 100 and rules <= 100 for groups, rules in per_alb.values()), per_alb
    # as few ALBs as the quotas need, one more where Ingresses of several paths do not pack
    assert -(-count // 100) <= len(per_alb) <= -(-count // 100) + 1


def _placed(text: str) -> tuple[Context, dict[str, Alb]]:
    """The ALB of each Ingress (by name) of the manifests, as the Ingress rule places them."""
    ruleset = rules.installed()
    sources = []
    for manifest in parse_text(text, "-"):
        rule = ruleset.rule_for(manifest.kind, manifest.api_version)
        assert rule is not None
        sources.append(Source(manifest, build_model(manifest, rule)))
    ctx = Context(sources, Options())
    return ctx, {key.rsplit("/", 1)[1]: alb for key, alb in albs(ctx).items()
                 if key.startswith("ingress:")}


def _services(count: int) -> str:
    names, _ = _backends(count)
    return docs(*(f"apiVersion: v1\nkind: Service\nmetadata: {{name: {n}, namespace: shop}}\n"
                  "spec:\n  selector: {app: x}\n  ports:\n" + "".join(
                      f"    - {{name: p{p}, port: {80 + p}, targetPort: 80}}\n" for p in range(5))
                  for n in names))


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(1, 3), min_size=101, max_size=160), st.integers(1, 3),
       st.integers(0, 159))
def test_an_added_ingress_moves_only_ingresses_whose_preferred_alb_was_full(
        sizes: list[int], added: int, position: int) -> None:
    """Ingresses of 1-3 paths, more than 100 paths in all: after adding one more Ingress
    (anywhere in name order) with the same number of ALBs, an Ingress that moved did so
    because the one of its two ALBs it prefers (rendezvous ranking) had no room for it in
    the version where it is not on it."""
    total = sum(sizes) + added
    _, backends = _backends(total)
    texts, at = [], 0
    for n, size in enumerate(sizes):
        texts.append(_fan_out(f"i{n:03d}", backends[at:at + size]))
        at += size
    new = _fan_out(f"i{min(position, len(sizes) - 1):03d}a", backends[at:])
    v1 = _placed(docs(_services(total), *texts))
    v2 = _placed(docs(_services(total), *texts, new))
    counts = {version[1]["i000"].parts for version in (v1, v2)}
    assume(len(counts) == 1)  # a new ALB may move anything
    [count] = counts

    def index(alb: Alb) -> int:
        return int(alb.key.rsplit("#", 1)[1]) - 1 if "#" in alb.key else 0

    def room(version: tuple[Context, dict[str, Alb]], n: int, name: str) -> bool:
        """Whether ALB n of the version could take Ingress `name` as well."""
        ctx, placed = version
        members = [alb.members for alb in placed.values() if index(alb) == n][:1]
        on = list(members[0]) if members else []
        lb = build(on or [placed[name].members[0]], "", "", "")
        taken = Load()
        for ing in on:
            taken.add(load(ctx, ing, lb, set()))
        [ing] = [i for i in placed[name].members if i.name == name]
        return taken.fits(load(ctx, ing, lb, set()))

    for name, alb in v1[1].items():
        before, after = index(alb), index(v2[1][name])
        if before == after:
            continue
        order = ranking(alb.pool, f"shop/{name}", count)
        preferred = min((before, after), key=order.index)
        where_not = v1 if preferred == after else v2
        assert not room(where_not, preferred, name), (name, before, after)
