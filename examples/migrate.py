"""A migration script on the library API: translate, adjust the plan, validate, write.

    python examples/migrate.py [K8S_DIR] [OUT_DIR]

It keeps the backend at three tasks at least instead of the two replicas it ran on EKS (the
team expects more traffic during the cut-over): autoscaling owns the backend's count, so the
scalable target's MinCapacity is raised (a DesiredCount would be reset on every update, and
lint rule E9117 refuses it). It also tags every resource that takes tags with the team
and the migration, then validates and writes.
"""

from __future__ import annotations

import sys

from translator import Options
from translator.api import finish, tag_all, translate
from translator.errors import InputError, ValidationFailed

TAGS = {"team": "platform", "migrated-by": "eks2ecs"}
MINIMUM_TASKS = {"backend": 3}  # workload name -> the scalable target's MinCapacity


def main(argv: list[str]) -> int:
    source = argv[1] if len(argv) > 1 else "examples/k8s"
    output = argv[2] if len(argv) > 2 else "cfn-migrated"
    options = Options(app_name="angel")
    try:
        # Map only; validation runs once, on the adjusted plan.
        draft = translate([source], Options(app_name="angel", validate=False))
        for stack in draft.plan.stacks:
            workload = stack.info.key.rsplit("/", 1)[-1]
            for logical, resource in stack.resources.items():
                if resource.type == "AWS::ApplicationAutoScaling::ScalableTarget" \
                        and workload in MINIMUM_TASKS:
                    before = resource.properties.get("MinCapacity")
                    resource.properties["MinCapacity"] = MINIMUM_TASKS[workload]
                    print(f"{stack.file}#{logical}: MinCapacity {before} -> "
                          f"{MINIMUM_TASKS[workload]}")
        for skipped in tag_all(draft.plan, TAGS):
            print(f"{skipped}: this resource type takes no Tags")
        result = finish(draft.plan, options)
        result.write(output, force=False)
    except (InputError, ValidationFailed) as exc:
        print(f"migrate: {exc}", file=sys.stderr)
        return 2
    print(f"migrate: {len(result.templates)} templates written to {output}/")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
