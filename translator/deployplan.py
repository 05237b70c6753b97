"""The deploy plan as data: what `deploy.sh`, `cleanup.sh`, the README and the report read.

`Plan.waves` orders the stacks; this module adds what running them needs: each stack's
template, its size (over the inline limit deploy.sh uploads it to S3), its layer, whether it
is a Job, the stacks it deploys after with the reason, and which of its parameters have a
default. `deploy-plan.json` is this data as written beside the templates.
"""

from __future__ import annotations

import json
from typing import Any

from translator.plan import Plan
from translator.report import Cell, Code, Table

# `aws cloudformation deploy` passes a template inline up to 51,200 bytes and needs
# --s3-bucket beyond (TemplateBody's maximum length):
# https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateStack.html
INLINE_LIMIT = 51_200


def as_dict(plan: Plan, files: dict[str, str]) -> dict[str, Any]:
    """deploy-plan.json: the waves, and each stack's template, needs and parameters."""
    by_key = {s.info.key: s for s in plan.stacks}
    return {
        "app": plan.app,
        "inlineLimit": INLINE_LIMIT,
        "waves": [[{
            "stack": stack.stack_name,
            "template": stack.file,
            "bytes": len(files[stack.file].encode()),
            "layer": stack.info.layer,
            "runOnce": stack.info.run_once,
            "needs": {by_key[on].stack_name: why for on, why in sorted(stack.needs.items())},
            "parameters": {name: {"default": p.default is not None}
                           for name, p in stack.parameters.items()},
        } for stack in wave] for wave in plan.waves()],
    }


def to_json(plan: Plan, files: dict[str, str]) -> str:
    return json.dumps(as_dict(plan, files), indent=2) + "\n"


def oversized(plan: Plan, files: dict[str, str]) -> list[str]:
    """Templates over what the CLI passes inline (deploy.sh uploads them through S3)."""
    return [s.file for s in plan.stacks if len(files[s.file].encode()) > INLINE_LIMIT]


def inline_warnings(plan: Plan, files: dict[str, str]) -> list[str]:
    """What to tell about each template over the inline limit: its size, how to deploy it, and
    the input object behind its largest resource (what to shrink)."""
    warnings = []
    for stack in plan.stacks:
        size = len(files[stack.file].encode())
        if size <= INLINE_LIMIT:
            continue
        largest = max(stack.resources, default=None, key=lambda logical: len(json.dumps(
            stack.resources[logical].as_cfn(), default=str)))
        source = plan.source_of(stack.info.key, f"/Resources/{largest}") if largest else None
        warnings.append(
            f"{stack.file} is {size:,} bytes, over the {INLINE_LIMIT:,} CloudFormation takes "
            "inline (TemplateBody): deploy it from S3 (TemplateURL; aws cloudformation deploy "
            "--s3-bucket BUCKET)" + (f"; its largest resource, {largest}, comes from {source}"
                                     if source else ""))
    return warnings


def table(plan: Plan) -> Table:
    """The report's section on deployment order."""
    by_key = {s.info.key: s for s in plan.stacks}
    rows: list[tuple[Cell, ...]] = []
    for number, wave in enumerate(plan.waves(), start=1):
        for stack in wave:
            calls = [f"{by_key[on].stack_name} ({why})" for on, why in sorted(stack.needs.items())
                     if by_key[on].info.layer == stack.info.layer]
            rows.append((str(number), Code(stack.file), Code(stack.stack_name),
                         tuple(calls) or ""))
    return Table("Deployment waves", ("wave", "template", "stack", "deploys after (why)"), rows,
                 anchor="deployment-waves",
                 intro="deploy.sh brings each wave up after the one before it (each layer after "
                       "the one below: cluster, secrets, volumes, load balancers, workloads); "
                       "cleanup.sh deletes in the reverse order. Among the workloads a caller "
                       "deploys after the Services it names, and workloads that call each "
                       "other share a wave.")
