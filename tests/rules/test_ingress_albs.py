"""Which Ingresses share an ALB: a group, an in-cluster class, or equal settings; each ALB in
a load-balancer stack of its own."""

from __future__ import annotations

from tests.helpers import docs, fate, props, stack_for, translate_yaml
from tests.rules.test_ingress import API, UI, ingress, path, service
from translator.api import Result
from translator.cfn import ImportValue, Sub

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
