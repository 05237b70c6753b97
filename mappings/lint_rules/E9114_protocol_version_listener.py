"""E9114: a GRPC or HTTP2 target group that a listener other than HTTPS forwards to. An
Application Load Balancer speaks those protocol versions to targets only behind an HTTPS
listener, and refuses the action otherwise:
https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-target-groups.html#target-group-protocol-version"""

from __future__ import annotations

from typing import Any, ClassVar

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from mappings.lint_rules._helpers import resources
from mappings.lint_rules._load_balancers import load_balancers

NEEDS_HTTPS = ("GRPC", "HTTP2")


class ProtocolVersionBehindHttps(CloudFormationLintRule):
    id = "E9114"
    shortdesc = "GRPC or HTTP2 target group behind a listener that is not HTTPS"
    description = "Target groups of protocol version GRPC or HTTP2 need an HTTPS listener"
    tags: ClassVar[list[str]] = ["resources", "elasticloadbalancingv2", "eks2ecs"]

    def match(self, cfn: Any) -> list[Any]:
        versions = {name: props.get("ProtocolVersion") for name, props in
                    resources(cfn, "AWS::ElasticLoadBalancingV2::TargetGroup")}
        matches = []
        for balancer in load_balancers(cfn):
            for group, users in sorted(balancer.target_groups().items()):
                version = versions.get(group)
                if version not in NEEDS_HTTPS:
                    continue
                for user in users:
                    listener = balancer.listeners.get(user) or balancer.listener_of(user)
                    protocol = listener.get("Protocol")
                    if isinstance(protocol, str) and protocol != "HTTPS":
                        matches.append(RuleMatch(
                            ["Resources", group, "Properties", "ProtocolVersion"],
                            f"{group}: protocol version {version} behind {user}, a {protocol} "
                            "listener; ALB speaks it only behind HTTPS (give the Ingress a "
                            "certificate and an HTTPS listener)"))
                        break
        return matches
