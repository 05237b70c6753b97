"""E9119: a task definition larger than ECS registers. RegisterTaskDefinition refuses one over
64 KiB ("Actual length: '66420'. Max allowed length is '65536' bytes."; the ECS service quota
"Task definition size"): https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-quotas.html
A ConfigMap file inlined as an environment value of the volume-file writer, or a long
command, crosses it first; the finding points at the largest value."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, ClassVar

from cfnlint.rules import CloudFormationLintRule, RuleMatch

TASK_DEFINITION_BYTES = 65_536


class TaskDefinitionSize(CloudFormationLintRule):
    id = "E9119"
    shortdesc = "Task definition over ECS's 64 KiB"
    description = "A task definition's JSON is at most 65,536 bytes"
    tags: ClassVar[list[str]] = ["ecs", "limits", "eks2ecs"]

    def match(self, cfn: Any) -> list[Any]:
        matches = []
        for name, resource in (cfn.template.get("Resources") or {}).items():
            if not isinstance(resource, dict) or resource.get("Type") != "AWS::ECS::TaskDefinition":
                continue
            properties = resource.get("Properties")
            size = encoded_size(properties)
            if size <= TASK_DEFINITION_BYTES:
                continue
            path, largest = max(strings(properties, ["Resources", name, "Properties"]),
                                key=lambda found: len(found[1].encode("utf-8")),
                                default=(["Resources", name, "Properties"], ""))
            matches.append(RuleMatch(path, (
                f"the task definition is {size} bytes of JSON, over the {TASK_DEFINITION_BYTES} "
                f"ECS registers; its largest value ({len(largest.encode('utf-8'))} bytes) is "
                "here: bake large files into the image or mount them from EFS or S3")))
        return matches


def encoded_size(value: Any) -> int:
    """Bytes of compact JSON, as the API receives it (intrinsic functions as written)."""
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))


def strings(value: Any, path: list[Any]) -> Iterator[tuple[list[Any], str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from strings(item, [*path, key])
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from strings(item, [*path, i])
