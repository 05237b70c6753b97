"""E9106: an ECS ScalableTarget's ResourceId must read `service/<cluster>/<service-name>`.
`!Ref Service` gives the service ARN and `!GetAtt Cluster.Arn` an ARN too; CloudFormation
accepts both and Application Auto Scaling rejects them at deploy time."""

from __future__ import annotations

from typing import Any, ClassVar

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from mappings.lint_rules._helpers import Piece, Unknown, pieces, resources, shown


def segments(parts: list[Piece]) -> list[list[Piece]]:
    """The pieces split on "/" in their literal text."""
    out: list[list[Piece]] = [[]]
    for part in parts:
        if isinstance(part, Unknown):
            out[-1].append(part)
            continue
        first, *rest = part.split("/")
        if first:
            out[-1].append(first)
        for text in rest:
            out.append([text] if text else [])
    return out


def problem(parts: list[Piece]) -> str | None:
    found = segments(parts)
    if len(found) != 3 or found[0] != ["service"] or not found[1] or not found[2]:
        return f"it reads {shown(parts)!r}"
    for part in found[1] + found[2]:
        if isinstance(part, Unknown) and part.yields.startswith("arn"):
            return f"{part.source} gives an ARN, not a name"
    return None


class ScalableTargetResourceId(CloudFormationLintRule):
    id = "E9106"
    shortdesc = "ECS ScalableTarget ResourceId not service/<cluster>/<service-name>"
    description = ("The ResourceId of an ECS service ScalableTarget is "
                   "service/<cluster name>/<service name>, e.g. "
                   "!Sub service/${Cluster}/${Service.Name}")
    tags: ClassVar[list[str]] = ["resources", "ecs", "applicationautoscaling", "eks2ecs"]

    def match(self, cfn: Any) -> list[Any]:
        matches = []
        for name, props in resources(cfn, "AWS::ApplicationAutoScaling::ScalableTarget"):
            if props.get("ServiceNamespace") != "ecs" or "ResourceId" not in props:
                continue
            why = problem(pieces(props["ResourceId"], cfn))
            if why:
                matches.append(RuleMatch(["Resources", name, "Properties", "ResourceId"],
                                         f"{name}: ResourceId must be "
                                         f"service/<cluster>/<service-name>: {why}"))
        return matches
