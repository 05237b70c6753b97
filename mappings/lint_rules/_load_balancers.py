"""What the load-balancer rules share: which listeners, listener rules and target groups of
a template belong to each load balancer, followed through `Ref`s (what another stack imports
cannot be followed, and is not counted).

Only functions live here (see _helpers)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from mappings.lint_rules._helpers import function, resources

LISTENER = "AWS::ElasticLoadBalancingV2::Listener"
LISTENER_RULE = "AWS::ElasticLoadBalancingV2::ListenerRule"
LOAD_BALANCER = "AWS::ElasticLoadBalancingV2::LoadBalancer"


@dataclass
class LoadBalancer:
    name: str
    listeners: dict[str, dict[str, Any]] = field(default_factory=dict)
    rules: dict[str, dict[str, Any]] = field(default_factory=dict)

    def target_groups(self) -> dict[str, list[str]]:
        """Each target group an action of the load balancer forwards to -> the listeners
        (and listener rules) that do."""
        out: dict[str, list[str]] = {}
        for name, props in self.listeners.items():
            for group in forwarded(props.get("DefaultActions")):
                out.setdefault(group, []).append(name)
        for name, props in self.rules.items():
            for group in forwarded(props.get("Actions")):
                out.setdefault(group, []).append(name)
        return out

    def listener_of(self, rule: str) -> dict[str, Any]:
        return self.listeners.get(ref(self.rules[rule].get("ListenerArn")), {})


def ref(value: Any) -> str:
    """The logical id a `Ref` names, or "" for any other value."""
    fn = function(value)
    return str(fn[1]) if fn is not None and fn[0] == "Ref" else ""


def forwarded(actions: Any) -> Iterator[str]:
    """The logical ids of the target groups a list of actions forwards to."""
    for action in actions if isinstance(actions, list) else []:
        if not isinstance(action, dict):
            continue
        if group := ref(action.get("TargetGroupArn")):
            yield group
        config = action.get("ForwardConfig")
        groups = config.get("TargetGroups") if isinstance(config, dict) else None
        for item in groups if isinstance(groups, list) else []:
            if isinstance(item, dict) and (group := ref(item.get("TargetGroupArn"))):
                yield group


def load_balancers(cfn: Any) -> list[LoadBalancer]:
    """Every load balancer of the template with its listeners and their rules."""
    found = {name: LoadBalancer(name) for name, _ in resources(cfn, LOAD_BALANCER)}
    owner: dict[str, LoadBalancer] = {}
    for name, props in resources(cfn, LISTENER):
        balancer = found.get(ref(props.get("LoadBalancerArn")))
        if balancer is not None:
            balancer.listeners[name] = props
            owner[name] = balancer
    for name, props in resources(cfn, LISTENER_RULE):
        balancer = owner.get(ref(props.get("ListenerArn")))
        if balancer is not None:
            balancer.rules[name] = props
    return list(found.values())
