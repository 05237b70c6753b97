"""Which Ingresses share an ALB: a group, an in-cluster class, or equal settings; each ALB in
a load-balancer stack of its own."""

from __future__ import annotations

import pytest

from tests.helpers import docs, fate, fates, props, stack_for, translate_yaml
from tests.rules.test_ingress import API, UI, ingress, path, service
from translator.api import Result
from translator.cfn import ImportValue, Sub
from translator.errors import ValidationFailed

LOAD_BALANCER = "AWS::ElasticLoadBalancingV2::LoadBalancer"


def balancers(result: Result) -> dict[str, tuple[str, str]]:
    """stack title -> (logical id, scheme) of its one load balancer."""
    out = {}
    for stack in result.plan.stacks:
        found = [(k, r.properties["Scheme"]) for k, r in stack.resources.items()
                 if r.type == LOAD_BALANCER]
        if found:
            assert len(found) == 1, stack.info.title
            out[stack.info.title] = found[0]
    return out


def routes(name: str, service_: str, port: int, at: str = "/") -> str:
    return "rules:\n  - http:\n      paths:\n" + path(at, service_, port)


def test_an_internal_and_a_public_ingress_without_a_group_get_an_alb_each() -> None:
    """On EKS each Ingress without group.name is its own ALB: the public site stays public
    and the admin one internal (they shared one internal ALB before)."""
    result = translate_yaml(docs(
        API, service("api", 80, "http"), UI, service("ui", 3000, 3000),
        ingress("alb.ingress.kubernetes.io/scheme: internal", routes("admin", "api", 80),
                name="admin"),
        ingress("alb.ingress.kubernetes.io/scheme: internet-facing", routes("public", "ui", 3000),
                name="public")))
    found = balancers(result)
    # a tie: the internet-facing one keeps the stack and logical ids every such Ingress had
    assert found.pop("load-balancer") == ("LoadBalancer", "internet-facing")
    [(title, (logical, scheme))] = found.items()
    assert title.startswith("load-balancer-internal-") and scheme == "internal"
    prefix = logical.removesuffix("LoadBalancer")
    assert prefix.startswith("Internal")
    # each workload imports the listener of its own ALB, from that ALB's stack
    parameter = f"LoadBalancer{prefix}StackName"
    assert stack_for(result, "api").parameters[parameter].default == f"shop-{title}"
    assert stack_for(result, "ui").parameters["LoadBalancerStackName"].default == \
        "shop-load-balancer"
    [admin] = [r for k, r in stack_for(result, "api").resources.items() if k.startswith("Rule")]
    assert admin.properties["ListenerArn"] == ImportValue(Sub(
        f"${{{parameter}}}-{prefix}ListenerHttp80Arn"))
    [public] = [r for k, r in stack_for(result, "ui").resources.items() if k.startswith("Rule")]
    assert public.properties["ListenerArn"] == ImportValue(Sub(
        "${LoadBalancerStackName}-ListenerHttp80Arn"))
    assert fate(result, "Ingress", "admin", "/metadata/annotations/"
                "alb.ingress.kubernetes.io~1scheme")["to"] == \
        f"{title}.yaml#/Resources/{logical}"
    assert result.findings == []


def test_ingresses_of_equal_settings_share_an_alb() -> None:
    """An unset scheme is the controller's default, internal: equal to a written one."""
    result = translate_yaml(docs(
        API, service("api", 80, "http"), UI, service("ui", 3000, 3000),
        ingress("alb.ingress.kubernetes.io/scheme: internal", routes("a", "api", 80), name="a"),
        ingress("alb.ingress.kubernetes.io/tags: team=x", routes("b", "ui", 3000, "/b"),
                name="b"),
        ingress("alb.ingress.kubernetes.io/tags: team=x", routes("c", "ui", 3000, "/c"),
                name="c")))
    found = balancers(result)
    # the largest pool (b and c) keeps the stack `load-balancer`
    assert found.pop("load-balancer") == ("LoadBalancer", "internal")
    assert props(result, "load-balancer", "LoadBalancer")["Tags"] == [
        {"Key": "team", "Value": "x"}]
    [(title, (_, scheme))] = found.items()
    assert title.startswith("load-balancer-internal-") and scheme == "internal"


def test_an_in_cluster_class_shares_one_alb_of_its_own() -> None:
    """The Ingresses of class nginx shared their controller's load balancer; an alb-class
    Ingress of the same settings has its own ALB, as on EKS."""
    nginx = "kubernetes.io/ingress.class: nginx"
    result = translate_yaml(docs(
        API, service("api", 80, "http"), UI, service("ui", 3000, 3000),
        ingress(nginx, routes("a", "api", 80, "/a"), name="a"),
        ingress(nginx + "\nalb.ingress.kubernetes.io/scheme: internet-facing",
                routes("b", "ui", 3000, "/b"), name="b"),
        ingress("alb.ingress.kubernetes.io/scheme: internal", routes("c", "ui", 3000, "/c"),
                name="c"),
        ingress("alb.ingress.kubernetes.io/scheme: internal", routes("d", "ui", 3000, "/d"),
                name="d"),
        ingress("alb.ingress.kubernetes.io/scheme: internal", routes("e", "ui", 3000, "/e"),
                name="e")))
    found = balancers(result)
    assert found == {"load-balancer": ("LoadBalancer", "internal"),
                     # the first Ingress of the class that sets a value wins, as in a group
                     "load-balancer-nginx": ("NginxLoadBalancer", "internet-facing")}
    assert {k for k in stack_for(result, "ui").resources if k.startswith("TargetGroup")} == {
        "TargetGroupUi3000", "TargetGroupNginxUi3000"}


def nginx(name: str, host: str | None) -> str:
    rule = f"  - host: {host}\n    http:\n" if host else "  - http:\n"
    return ingress("", "ingressClassName: nginx\nrules:\n" + rule + "      paths:\n"
                   + path(f"/{name}", "ui", 3000), name=name)


def alb_of(result: Result, name: str) -> str:
    """The load-balancer stack of an Ingress's ALB."""
    [entry] = [e for e in result.plan.entries if e.kind == "Ingress" and e.name == name]
    [stack] = [s for s, logical in entry.resources if logical.endswith("LoadBalancer")]
    return stack


def test_an_nginx_class_past_100_hosts_is_split_keeping_each_host_on_one_alb() -> None:
    """112 Ingresses of class nginx (one rule each, on the HTTP listener) are over the 100
    rules of one ALB: two ALBs, each host's Ingresses on one of them, the host-less ones
    (their controller's catch-all) together, and a report item per Ingress to point its
    host's DNS at its ALB."""
    hosts = [f"h{n}.example.com" for n in range(104)] + ["shared.example.com"] * 6
    names = [f"i{n:03d}" for n in range(len(hosts))]
    result = translate_yaml(docs(UI, service("ui", 3000, 3000),
                                 *(nginx(n, h) for n, h in zip(names, hosts, strict=True)),
                                 nginx("any-a", None), nginx("any-b", None)))
    assert result.findings == []
    assert balancers(result) == {"load-balancer": ("LoadBalancer", "internal"),
                                 "load-balancer-2": ("Alb2LoadBalancer", "internal")}
    where = {n: alb_of(result, n) for n in [*names, "any-a", "any-b"]}
    assert len({where[n] for n, h in zip(names, hosts, strict=True) if h.startswith("shared")}) == 1
    assert where["any-a"] == where["any-b"]
    per_alb = {stack: sum(1 for n in where.values() if n == stack) for stack in where.values()}
    assert sorted(per_alb) == ["load-balancer", "load-balancer-2"]
    assert all(count <= 100 for count in per_alb.values()), per_alb
    item = [f for f in fates(result, "Ingress", "i000", "/spec/ingressClassName")
            if "split over 2 ALBs" in f.get("note", "")]
    stack = where["i000"]
    prefix = "" if stack == "load-balancer" else "Alb2"
    assert len(item) == 1 and item[0]["status"] == "lossy"
    assert f"DNS of h0.example.com at this Ingress's ALB (output {prefix}LoadBalancerDnsName " \
           f"of shop-{stack})" in item[0]["note"]
    # the report's load balancers: each with its Ingresses and its counts
    listed = {b["template"]: b for b in result.report["loadBalancers"]}
    assert sorted(listed) == ["load-balancer-2.yaml", "load-balancer.yaml"]
    for stack, alb in [("load-balancer", listed["load-balancer.yaml"]),
                       ("load-balancer-2", listed["load-balancer-2.yaml"])]:
        assert alb["objects"] == sorted(f"Ingress/{n}" for n, s in where.items() if s == stack)
        assert (alb["rules"], alb["targetGroups"]) == (per_alb[stack], 1)
    assert "## Load balancers" in result.files["report.md"]
    assert "| `shop-load-balancer-2` | `load-balancer-2.yaml#Alb2LoadBalancer` | application, " \
           "internal |" in result.files["report.md"]


def test_a_group_past_the_quota_is_not_split_and_fails_naming_it() -> None:
    """The team asked for one ALB with group.name: 2 x 51 rules stay on it, and E9111 says
    so (names the group's Ingress and what to change)."""
    group = "alb.ingress.kubernetes.io/group.name: big"
    many = "".join(path(f"/p{n}", "ui", 3000) for n in range(51))
    with pytest.raises(ValidationFailed) as failed:
        translate_yaml(docs(UI, service("ui", 3000, 3000),
                            ingress(group, "rules:\n  - http:\n      paths:\n" + many, name="a"),
                            ingress(group, "rules:\n  - host: b.example.com\n    http:\n"
                                    "      paths:\n" + many, name="b")))
    [finding] = failed.value.findings
    assert finding.rule == "E9111" and "102 listener rules" in finding.message
    assert "group.name" in finding.message
    assert finding.template == "load-balancer-big.yaml"
