"""E9105: an ECS service registers in one Cloud Map service at most; CloudFormation accepts
a longer list and ECS rejects it at deploy time."""

from __future__ import annotations

from typing import Any, ClassVar

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from mappings.lint_rules._helpers import resources


class OneServiceRegistry(CloudFormationLintRule):
    id = "E9105"
    shortdesc = "More than one ServiceRegistries entry"
    description = "An ECS service registers in one Cloud Map service at most"
    tags: ClassVar[list[str]] = ["resources", "ecs", "eks2ecs"]

    def match(self, cfn: Any) -> list[Any]:
        matches = []
        for name, props in resources(cfn, "AWS::ECS::Service"):
            registries = props.get("ServiceRegistries")
            if isinstance(registries, list) and len(registries) > 1:
                matches.append(RuleMatch(
                    ["Resources", name, "Properties", "ServiceRegistries"],
                    f"{name}: {len(registries)} ServiceRegistries; an ECS service registers in "
                    "one Cloud Map service at most"))
        return matches
