"""E9108: a container secret's ValueFrom must be a Secrets Manager or SSM Parameter Store
ARN. A bare name, an id or a parameter nobody constrained is accepted by CloudFormation and
fails when the task starts.

Forms read: a literal ARN; `!Ref` of a parameter whose AllowedPattern is a secretsmanager or
ssm ARN, or of an AWS::SecretsManager::Secret; `Fn::Sub` and `Fn::Join` whose text starts
with such an ARN (AWS::Partition is resolved). A value imported from another stack
cannot be read here and is accepted.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from mappings.lint_rules._helpers import Unknown, pieces, prefix, resources, shown

ARN = re.compile(r"^arn:aws[a-z-]*:(secretsmanager|ssm):")
SERVICES = ("arn:secretsmanager", "arn:ssm", "import")


def problem(value: Any, cfn: Any) -> str | None:
    parts = pieces(value, cfn)
    if not parts:
        return "it is empty"
    first = parts[0]
    if isinstance(first, Unknown):
        known = first.yields in SERVICES or (first.yields.startswith("arn:") and all(
            f"arn:{s}" in SERVICES for s in first.yields[4:].split("|")))
        return None if known else f"{first.source} is not such an ARN"
    text = prefix(parts)
    if ARN.match(text):
        return None
    if len(parts) > 1 and len(text) < len("arn:aws:secretsmanager:") and text.startswith("arn:"):
        return "its service cannot be read"
    return f"{shown(parts)[:80]!r} is not such an ARN"


class SecretValueFromArn(CloudFormationLintRule):
    id = "E9108"
    shortdesc = "Secret ValueFrom is not a Secrets Manager or SSM ARN"
    description = ("Secrets ValueFrom of an ECS container is the ARN of a Secrets Manager "
                   "secret or an SSM parameter")
    tags: ClassVar[list[str]] = ["resources", "ecs", "secrets", "eks2ecs"]

    def match(self, cfn: Any) -> list[Any]:
        matches = []
        for name, props in resources(cfn, "AWS::ECS::TaskDefinition"):
            containers = props.get("ContainerDefinitions")
            for i, container in enumerate(containers if isinstance(containers, list) else []):
                secrets = container.get("Secrets") if isinstance(container, dict) else None
                for j, secret in enumerate(secrets if isinstance(secrets, list) else []):
                    if not isinstance(secret, dict) or "ValueFrom" not in secret:
                        continue
                    why = problem(secret["ValueFrom"], cfn)
                    if why:
                        matches.append(RuleMatch(
                            ["Resources", name, "Properties", "ContainerDefinitions", i,
                             "Secrets", j, "ValueFrom"],
                            f"{name}: secret {secret.get('Name')} ValueFrom must be a Secrets "
                            f"Manager or SSM parameter ARN: {why}"))
        return matches
