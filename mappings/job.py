"""Job -> a task definition and no service: the task runs once when someone (or
`RUN_JOBS=1 ./deploy.sh`) calls `aws ecs run-task` with the stack's outputs, as README.md shows.

ECS runs a task and reports how it stopped; Kubernetes' retry, deadline and completion
bookkeeping has no ECS counterpart and is reported (CronJob shares this).
"""

from __future__ import annotations

from mappings import overrides
from mappings.pod import probes
from mappings.pod import spec as pod
from mappings.workload_stack import run_task_outputs, task_stack
from translator.context import Context
from translator.models import Job, JobSpec
from translator.plan import Entry, Fragment, Target

KIND = "Job"
API_VERSIONS = ("batch/v1",)
MODEL = Job
FIELDS = (
    probes.ANNOTATION_FIELD, *overrides.FIELDS,
    "/metadata/name", "/metadata/namespace", "/metadata/labels",
    *(f"/spec/{name}" for name in ("backoffLimit", "activeDeadlineSeconds", "completions",
                                   "parallelism", "ttlSecondsAfterFinished", "completionMode",
                                   "podFailurePolicy", "backoffLimitPerIndex",
                                   "maxFailedIndexes", "suspend", "manualSelector")),
    "/spec/template/metadata/labels", "/spec/template/metadata/annotations",
    *pod.fields("/spec/template/spec"),
)

FAMILY = "/Resources/TaskDefinition/Properties/Family"
# Job fields with no ECS counterpart, and what to do instead
RUN_CONTROL = {
    "completionMode": "ECS tasks get no completion index: pass each task its share of the "
                      "work with run-task --overrides (environment)",
    "podFailurePolicy": "ECS does not classify failures: read the stopped task's exit codes "
                        "(aws ecs describe-tasks) in whatever reruns it",
    "backoffLimitPerIndex": "ECS has no indexed retries",
    "maxFailedIndexes": "ECS has no indexed retries",
    "suspend": "ECS runs a task when asked: run it when the Job would have been resumed",
    "manualSelector": "ECS tasks need no selector",
}


def map(obj: Job, frag: Fragment, ctx: Context) -> None:
    ts = task_stack(obj, obj.spec.template.spec, "/spec/template", frag, ctx, run_once=True)
    run_task_outputs(ts, frag, ctx)
    frag.entry.ignored("/spec/template/metadata/labels", "pod labels select nothing for a task "
                       "run once")
    frag.entry.mapped("/metadata/name", Target(ts.stack, FAMILY),
                      "run it once: RUN_JOBS=1 ./deploy.sh, or the run-task command in README.md")
    job_ledger(obj.spec, "/spec", frag.entry, ctx.manifest(obj).doc)


def job_ledger(spec: JobSpec, path: str, entry: Entry, doc: object) -> None:
    """What becomes of a Job spec's run-control fields (a Job's or a CronJob's template)."""
    if spec.backoff_limit is not None:
        entry.lossy(f"{path}/backoffLimit", f"ECS does not retry a failed task (Kubernetes "
                    f"allowed {spec.backoff_limit} retries): run it again, or wrap it in a "
                    "Step Functions state machine with a Retry")
    if spec.active_deadline_seconds is not None:
        entry.lossy(f"{path}/activeDeadlineSeconds", "ECS has no run-time limit for a task: "
                    "stop it with aws ecs stop-task, or use a Step Functions TimeoutSeconds")
    for name, value in (("completions", spec.completions), ("parallelism", spec.parallelism)):
        if value is None:
            continue
        if value == 1:
            entry.mapped(f"{path}/{name}", None, "one task per run")
        else:
            entry.lossy(f"{path}/{name}", f"{value}: ECS does not count completions; run-task "
                        "--count starts up to 10 tasks at once, and indexed work needs its own "
                        "coordination")
    if spec.ttl_seconds_after_finished is not None:
        entry.ignored(f"{path}/ttlSecondsAfterFinished", "stopped ECS tasks leave the API on "
                      "their own (about an hour); their logs stay 30 days in CloudWatch")
    spec_doc = _get(doc, path.split("/")[1:])
    for name, why in RUN_CONTROL.items():
        if isinstance(spec_doc, dict) and name in spec_doc:
            entry.lossy(f"{path}/{name}", why)
    template_spec = _get(doc, [*path.split("/")[1:], "template", "spec"])
    restart = template_spec.get("restartPolicy") if isinstance(template_spec, dict) else None
    restart_path = f"{path}/template/spec/restartPolicy"
    if restart == "Never":
        entry.mapped(restart_path, None, "ECS never restarts the containers of a run-once task")
    elif restart == "OnFailure":
        entry.lossy(restart_path, "ECS does not restart the containers of a failed task: run "
                    "the task again")


def _get(doc: object, tokens: list[str]) -> object:
    for token in tokens:
        if not isinstance(doc, dict):
            return None
        doc = doc.get(token)
    return doc
