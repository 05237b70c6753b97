"""E9117: an ECS service that Application Auto Scaling scales must not set DesiredCount.

CloudFormation sends the template's DesiredCount on every update of the service, so each
image bump resets the count autoscaling chose (containers-roadmap #493). Without it, a new
service starts one task and registering the scalable target moves the count into its range.
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-ecs-service.html
"""

from __future__ import annotations

from typing import Any, ClassVar

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from mappings.lint_rules._helpers import scaled_services


class DesiredCountUnderAutoscaling(CloudFormationLintRule):
    id = "E9117"
    shortdesc = "DesiredCount on an ECS service that autoscaling scales"
    description = ("Leave DesiredCount out of an ECS service that an ECS ScalableTarget "
                   "scales: every stack update would reset the count autoscaling set")
    tags: ClassVar[list[str]] = ["resources", "ecs", "applicationautoscaling", "eks2ecs"]

    def match(self, cfn: Any) -> list[Any]:
        matches = []
        services = cfn.template.get("Resources") or {}
        for service, (target, _) in sorted(scaled_services(cfn).items()):
            props = services[service].get("Properties") or {}
            if "DesiredCount" in props:
                matches.append(RuleMatch(
                    ["Resources", service, "Properties", "DesiredCount"],
                    f"{service}: DesiredCount is reset on every stack update though "
                    f"{target} scales the service; leave it out"))
        return matches
