"""DaemonSet -> unsupported: Fargate has no nodes to run one copy on each of.

The report says what to do instead: run the agent as a sidecar container in each task that
needs it, or run ECS on EC2 capacity where a service with the DAEMON scheduling strategy
places one task per container instance.
"""

from __future__ import annotations

from translator.context import Context
from translator.models import DaemonSet
from translator.plan import Fragment

KIND = "DaemonSet"
API_VERSIONS = ("apps/v1",)
MODEL = DaemonSet
FIELDS: tuple[str, ...] = ()  # nothing runs: the whole spec is unsupported

REASON = ("Fargate has no nodes, so nothing runs once per node: add the agent as a sidecar "
          "container to each task that needs it (log routers: FireLens; metrics: the ADOT "
          "collector), or run it on ECS with EC2 capacity as a service with "
          "SchedulingStrategy DAEMON")


def map(obj: DaemonSet, frag: Fragment, ctx: Context) -> None:
    entry = frag.entry
    entry.status = "unsupported"
    entry.reason = REASON
    entry.unsupported("/spec", REASON)
    pod = obj.spec.template.spec
    if any(v.host_path is not None for v in pod.volumes):
        entry.notes.append("it mounts host paths, which no Fargate task can: a node agent "
                           "that reads the host needs EC2 capacity")
    entry.notes.append("containers: " + ", ".join(c.name for c in pod.containers))
