"""What the load-balancer rules share: which listeners, listener rules and target groups
belong to each load balancer, and the quotas they count against. Within one template (the
cfn-lint rules) a load balancer is followed through `Ref`s; the validate stage runs the same
counts over all the templates of an output (translator.quotas), where a workload's stack holds
its target groups and the listener rules that forward to them, on listeners it imports.

Only functions and the data they return live here (see _helpers)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from mappings.lint_rules._helpers import function, resources

LISTENER = "AWS::ElasticLoadBalancingV2::Listener"
LISTENER_RULE = "AWS::ElasticLoadBalancingV2::ListenerRule"
LOAD_BALANCER = "AWS::ElasticLoadBalancingV2::LoadBalancer"
TARGET_GROUP = "AWS::ElasticLoadBalancingV2::TargetGroup"

# https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-limits.html
TARGET_GROUPS_PER_LOAD_BALANCER = 100  # not adjustable
RULES_PER_LOAD_BALANCER = 100  # the default, not counting the listeners' default actions

# (file, a value in that template) -> the resource it names, as `key` writes it, or ""
Resolve = Callable[[str, Any], str]


def key(file: str, logical: str) -> str:
    """A resource's name across templates; its logical id alone within one ("" file)."""
    return f"{file}#{logical}" if file else logical


@dataclass
class LoadBalancer:
    name: str  # key of the LoadBalancer resource
    file: str
    logical: str
    listeners: dict[str, dict[str, Any]] = field(default_factory=dict)  # by key
    rules: dict[str, dict[str, Any]] = field(default_factory=dict)  # by key
    rule_listener: dict[str, str] = field(default_factory=dict)  # rule key -> listener key
    forwards: dict[str, list[str]] = field(default_factory=dict)  # group key -> its users

    def target_groups(self) -> dict[str, list[str]]:
        """Each target group an action of the load balancer forwards to -> the listeners
        (and listener rules) that do."""
        return self.forwards

    def listener_of(self, rule: str) -> dict[str, Any]:
        return self.listeners.get(self.rule_listener.get(rule, ""), {})

    def spans_templates(self) -> bool:
        """Whether a listener or rule of it sits in another template than the load balancer
        (what a rule over one template cannot count)."""
        return any(not name.startswith(f"{self.file}#")
                   for name in [*self.listeners, *self.rules])


def ref(value: Any) -> str:
    """The logical id a `Ref` names, or "" for any other value."""
    fn = function(value)
    return str(fn[1]) if fn is not None and fn[0] == "Ref" else ""


def forwarded(actions: Any) -> Iterator[Any]:
    """The TargetGroupArn values of a list of actions."""
    for action in actions if isinstance(actions, list) else []:
        if not isinstance(action, dict):
            continue
        if "TargetGroupArn" in action:
            yield action["TargetGroupArn"]
        config = action.get("ForwardConfig")
        groups = config.get("TargetGroups") if isinstance(config, dict) else None
        for item in groups if isinstance(groups, list) else []:
            if isinstance(item, dict) and "TargetGroupArn" in item:
                yield item["TargetGroupArn"]


def load_balancers(cfn: Any) -> list[LoadBalancer]:
    """Every load balancer of one template with its listeners and their rules."""
    return across({"": cfn}, lambda _, value: ref(value))


def across(templates: Mapping[str, Any], resolve: Resolve) -> list[LoadBalancer]:
    """Every load balancer of the templates (file -> a template cfn-lint reads, or `Body`),
    with the listeners and rules of any of them that `resolve` ties to it."""
    found = {key(file, name): LoadBalancer(key(file, name), file, name)
             for file, cfn in templates.items() for name, _ in resources(cfn, LOAD_BALANCER)}
    owner: dict[str, LoadBalancer] = {}
    for file, cfn in templates.items():
        for name, props in resources(cfn, LISTENER):
            balancer = found.get(resolve(file, props.get("LoadBalancerArn")))
            if balancer is not None:
                balancer.listeners[key(file, name)] = props
                owner[key(file, name)] = balancer
                _forwards(balancer, file, key(file, name), props.get("DefaultActions"), resolve)
    for file, cfn in templates.items():
        for name, props in resources(cfn, LISTENER_RULE):
            listener = resolve(file, props.get("ListenerArn"))
            balancer = owner.get(listener)
            if balancer is not None:
                balancer.rules[key(file, name)] = props
                balancer.rule_listener[key(file, name)] = listener
                _forwards(balancer, file, key(file, name), props.get("Actions"), resolve)
    return list(found.values())


def _forwards(balancer: LoadBalancer, file: str, user: str, actions: Any,
              resolve: Resolve) -> None:
    for value in forwarded(actions):
        if group := resolve(file, value):
            balancer.forwards.setdefault(group, []).append(user)


def target_group_props(templates: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Every target group of the templates by key."""
    return {key(file, name): props for file, cfn in templates.items()
            for name, props in resources(cfn, TARGET_GROUP)}


class Body:
    """A template as a plain mapping, read as cfn-lint's template is (`get_resources`)."""

    def __init__(self, body: Mapping[str, Any]) -> None:
        self.body = body

    def get_resources(self, types: list[str]) -> dict[str, Any]:
        return {name: resource for name, resource in (self.body.get("Resources") or {}).items()
                if isinstance(resource, Mapping) and resource.get("Type") in types}
