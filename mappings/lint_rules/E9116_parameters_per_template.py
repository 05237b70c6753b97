"""E9116: a template with more than 200 parameters, which CloudFormation refuses:
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html
cfn-lint checks the resource (E3010) and output (E6010) limits, not this one."""

from __future__ import annotations

from typing import Any, ClassVar

from cfnlint.rules import CloudFormationLintRule, RuleMatch

PARAMETERS_PER_TEMPLATE = 200


class ParametersPerTemplate(CloudFormationLintRule):
    id = "E9116"
    shortdesc = "More than 200 parameters in one template"
    description = "A CloudFormation template declares at most 200 parameters"
    tags: ClassVar[list[str]] = ["parameters", "limits", "eks2ecs"]

    def match(self, cfn: Any) -> list[Any]:
        parameters = cfn.template.get("Parameters")
        if not isinstance(parameters, dict) or len(parameters) <= PARAMETERS_PER_TEMPLATE:
            return []
        return [RuleMatch(["Parameters"], f"{len(parameters)} parameters, more than the "
                          f"{PARAMETERS_PER_TEMPLATE} a template may declare")]
