"""E9114: a GRPC or HTTP2 target group that a listener other than HTTPS forwards to. An
Application Load Balancer speaks those protocol versions to targets only behind an HTTPS
listener, and refuses the action otherwise:
https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-target-groups.html#target-group-protocol-version"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from mappings.lint_rules._load_balancers import LoadBalancer, load_balancers, target_group_props

NEEDS_HTTPS = ("GRPC", "HTTP2")


def excess(balancers: list[LoadBalancer], groups: dict[str, dict[str, Any]]
           ) -> Iterator[tuple[str, list[str], str]]:
    """Each GRPC or HTTP2 target group (of `groups`, by key) behind a listener that is not
    HTTPS: its key, the path of the finding, the message."""
    for balancer in balancers:
        for group, users in sorted(balancer.target_groups().items()):
            version = groups.get(group, {}).get("ProtocolVersion")
            if version not in NEEDS_HTTPS:
                continue
            for user in users:
                listener = balancer.listeners.get(user) or balancer.listener_of(user)
                protocol = listener.get("Protocol")
                if isinstance(protocol, str) and protocol != "HTTPS":
                    logical = group.rsplit("#", 1)[-1]
                    yield group, ["Resources", logical, "Properties", "ProtocolVersion"], (
                        f"{logical}: protocol version {version} behind "
                        f"{user.rsplit('#', 1)[-1]}, a {protocol} listener; ALB speaks it only "
                        "behind HTTPS (give the Ingress a certificate and an HTTPS listener)")
                    break


class ProtocolVersionBehindHttps(CloudFormationLintRule):
    id = "E9114"
    shortdesc = "GRPC or HTTP2 target group behind a listener that is not HTTPS"
    description = "Target groups of protocol version GRPC or HTTP2 need an HTTPS listener"
    tags: ClassVar[list[str]] = ["resources", "elasticloadbalancingv2", "eks2ecs"]

    def match(self, cfn: Any) -> list[Any]:
        return [RuleMatch(path, message) for _, path, message in excess(
            load_balancers(cfn), target_group_props({"": cfn}))]
