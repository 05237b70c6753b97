"""CronJob -> its job's task definition (see workload_stack) and an EventBridge Scheduler
schedule that runs it on the cluster, with a role allowed to run exactly that task
definition family and pass exactly its roles.

The 5-field Kubernetes schedule becomes AWS `cron(min hour day-of-month month day-of-week
year)`: one of the day fields must be `?`, and days of the week count 1-7 from Sunday.
"""

from __future__ import annotations

import re
from typing import Any

from mappings import job, overrides
from mappings.job import job_ledger
from mappings.pod import probes
from mappings.workload_stack import exec_row, run_task_outputs, task_stack
from translator.cfn import GetAtt, Ref, Sub, sub_escape
from translator.context import Context, import_from
from translator.models import CronJob
from translator.plan import Fragment, Resource, Target

KIND = "CronJob"
API_VERSIONS = ("batch/v1",)
MODEL = CronJob
FIELDS = (
    probes.ANNOTATION_FIELD, *overrides.FIELDS,
    "/metadata/name", "/metadata/namespace", "/metadata/labels",
    *(f"/spec/{name}" for name in ("schedule", "timeZone", "suspend", "concurrencyPolicy",
                                   "startingDeadlineSeconds", "successfulJobsHistoryLimit",
                                   "failedJobsHistoryLimit")),
    "/spec/jobTemplate/metadata",
    *(f"/spec/jobTemplate{path}" for path in job.FIELDS if path.startswith("/spec/")),
)

SCHEDULE = "/Resources/Schedule/Properties"
# EventBridge Scheduler RetryPolicy.MaximumEventAgeInSeconds range
EVENT_AGE = (60, 86400)

MACROS = {
    "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0", "@daily": "0 0 * * *", "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
MONTHS = {name: n for n, name in enumerate(
    ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"), 1)}
DAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")  # Kubernetes 0-6 (7 is SUN too)
_ITEM = re.compile(r"^(?:(\*)|([0-9A-Za-z]+)(?:-([0-9A-Za-z]+))?)(?:/([0-9]+))?$")


class CronError(ValueError):
    """A Kubernetes schedule that has no AWS cron() equivalent, with why."""


def aws_cron(schedule: str) -> str:
    """The EventBridge Scheduler expression for a Kubernetes CronJob schedule."""
    text = " ".join(schedule.split())
    if text.startswith(("TZ=", "CRON_TZ=")):
        raise CronError("a time zone inside the schedule is not allowed; use spec.timeZone")
    if text.startswith("@"):
        if text.lower() not in MACROS:
            raise CronError(f"{text!r} is not one of {', '.join(sorted(MACROS))}")
        text = MACROS[text.lower()]
    fields = text.split(" ")
    if len(fields) != 5:
        raise CronError(f"{len(fields)} fields; a Kubernetes schedule has 5 "
                        "(minute hour day-of-month month day-of-week)")
    minute, hour, dom, month, dow = fields
    any_dom, any_dow = dom in ("*", "?"), dow in ("*", "?")
    if not any_dom and not any_dow:
        raise CronError("day of month and day of week are both set: Kubernetes runs when "
                        "either matches, AWS cron() cannot say 'or'; split it into two "
                        "CronJobs, one per day field")
    aws_minute = _field(minute, 0, 59, "minute")
    aws_hour = _field(hour, 0, 23, "hour")
    aws_month = _field(month, 1, 12, "month", MONTHS)
    aws_dom = "?" if not any_dow else ("*" if any_dom else _field(dom, 1, 31, "day of month"))
    aws_dow = "?" if any_dow else _weekdays(dow)
    return f"cron({aws_minute} {aws_hour} {aws_dom} {aws_month} {aws_dow} *)"


def _number(token: str, low: int, high: int, what: str, names: dict[str, int] | None) -> int:
    if names and token.upper() in names:
        return names[token.upper()]
    if not token.isdigit():
        raise CronError(f"{what}: {token!r} is not a number")
    value = int(token)
    if not low <= value <= high:
        raise CronError(f"{what}: {value} is outside {low}-{high}")
    return value


def _items(text: str, low: int, high: int, what: str,
           names: dict[str, int] | None) -> list[tuple[int, int, int | None, bool]]:
    """(first, last, step, open-ended) per comma item."""
    out = []
    for item in text.split(","):
        match = _ITEM.match(item)
        if match is None:
            raise CronError(f"{what}: {item!r} is not a value, range or step")
        star, first, last, step = match.groups()
        if step is not None and int(step) == 0:
            raise CronError(f"{what}: a step of 0")
        if star:
            out.append((low, high, int(step) if step else None, True))
            continue
        a = _number(first, low, high, what, names)
        b = _number(last, low, high, what, names) if last else (high if step else a)
        if b < a:
            raise CronError(f"{what}: range {item!r} runs backwards")
        out.append((a, b, int(step) if step else None, last is None and step is not None))
    return out


def _field(text: str, low: int, high: int, what: str,
           names: dict[str, int] | None = None) -> str:
    if text in ("*", "?"):
        return "*"
    parts = []
    for first, last, step, open_ended in _items(text, low, high, what, names):
        if step is None:
            parts.append(str(first) if first == last else f"{first}-{last}")
        elif open_ended:
            parts.append(f"{first}/{step}")  # AWS form of */n and a/n: start/increment
        else:
            parts.append(",".join(str(v) for v in range(first, last + 1, step)))
    return ",".join(parts)


def _weekdays(text: str) -> str:
    """Kubernetes day-of-week (0-7, SUN-SAT) as AWS names, consecutive days as ranges."""
    days: set[int] = set()
    for first, last, step, _ in _items(text, 0, 7, "day of week", dict(zip(DAYS, range(7), strict=False))):
        days |= {v % 7 for v in range(first, last + 1, step or 1)}
    runs: list[list[int]] = []
    for day in sorted(days):
        if runs and runs[-1][-1] == day - 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    return ",".join(DAYS[r[0]] if len(r) == 1 else f"{DAYS[r[0]]}-{DAYS[r[-1]]}" for r in runs)


def map(obj: CronJob, frag: Fragment, ctx: Context) -> None:
    entry = frag.entry
    spec = obj.spec
    template = "/spec/jobTemplate/spec/template"
    ts = task_stack(obj, spec.job_template.spec.template.spec, template, frag, ctx)
    job_ledger(spec.job_template.spec, "/spec/jobTemplate/spec", entry, ctx.manifest(obj).doc)
    entry.ignored("/spec/jobTemplate/metadata", "job labels have no meaning for a task")
    entry.ignored(f"{template}/metadata/labels", "pod labels select nothing for a scheduled task")
    try:
        expression = aws_cron(spec.schedule)
    except CronError as exc:
        entry.unsupported("/spec/schedule", f"{exc}. The task definition is deployed (its "
                          "stack outputs what run-task needs): schedule it with EventBridge "
                          "Scheduler by hand")
        run_task_outputs(ts, frag, ctx)
        return
    cluster_arn = import_from("ClusterStackName", "ClusterArn")
    passed = [GetAtt("ExecutionRole", "Arn")] + ([ts.task_role] if ts.task_role else [])
    frag.put(ts.stack, "Resources", "SchedulerRole", Resource("AWS::IAM::Role", {
        "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "scheduler.amazonaws.com"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:SourceAccount": Ref("AWS::AccountId")}}}]},
        "Policies": [{"PolicyName": "run-the-task", "PolicyDocument": {
            "Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": "ecs:RunTask",
                 "Resource": Sub("arn:${AWS::Partition}:ecs:${AWS::Region}:${AWS::AccountId}:"
                                 f"task-definition/{sub_escape(ts.family)}:*"),
                 "Condition": {"ArnEquals": {"ecs:cluster": cluster_arn}}},
                {"Effect": "Allow", "Action": "iam:PassRole", "Resource": passed,
                 "Condition": {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}}},
            ]}}],
    }, obj.ref))
    schedule: dict[str, Any] = {
        "Description": f"CronJob {ts.namespace}/{obj.name} ({spec.schedule})",
        "ScheduleExpression": expression,
        "FlexibleTimeWindow": {"Mode": "OFF"},
        "State": "DISABLED" if spec.suspend else "ENABLED",
        "Target": {
            "Arn": cluster_arn,
            "RoleArn": GetAtt("SchedulerRole", "Arn"),
            "EcsParameters": {
                "TaskDefinitionArn": Ref("TaskDefinition"),
                "LaunchType": "FARGATE",
                "PlatformVersion": "LATEST",
                "TaskCount": 1,
                "NetworkConfiguration": ts.network,
                # RunTask's enableExecuteCommand, for the task role's ECS Exec channels:
                # https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-scheduler-schedule-ecsparameters.html
                **({"EnableExecuteCommand": True} if ts.exec_command else {}),
            },
        },
    }
    if spec.time_zone is not None:
        schedule["ScheduleExpressionTimezone"] = spec.time_zone
        entry.mapped("/spec/timeZone", Target(ts.stack, f"{SCHEDULE}/ScheduleExpressionTimezone"))
    entry.mapped("/spec/schedule", Target(ts.stack, f"{SCHEDULE}/ScheduleExpression"),
                 f"{spec.schedule} -> {expression}" + ("" if spec.time_zone else " (UTC, as "
                                                        "kube-controller-manager usually ran)"))
    entry.mapped("/metadata/name", Target(ts.stack, "/Resources/TaskDefinition/Properties/Family"))
    if "suspend" in ctx.manifest(obj).doc.get("spec", {}):
        entry.mapped("/spec/suspend", Target(ts.stack, f"{SCHEDULE}/State"))
    deadline = spec.starting_deadline_seconds
    if deadline is not None:
        low, high = EVENT_AGE
        age = min(max(deadline, low), high)
        schedule["Target"]["RetryPolicy"] = {"MaximumEventAgeInSeconds": age,
                                             "MaximumRetryAttempts": 185}
        to = Target(ts.stack, f"{SCHEDULE}/Target/RetryPolicy/MaximumEventAgeInSeconds")
        if low <= deadline <= high:
            entry.mapped("/spec/startingDeadlineSeconds", to, "a run that cannot start is "
                         "retried for at most this long")
        else:
            entry.lossy("/spec/startingDeadlineSeconds", f"EventBridge Scheduler allows "
                        f"{low}-{high} s: {age} used", to)
    policy = spec.concurrency_policy
    if policy == "Allow":
        if "concurrencyPolicy" in ctx.manifest(obj).doc.get("spec", {}):
            entry.mapped("/spec/concurrencyPolicy", None, "runs may overlap, as on ECS")
    else:
        entry.lossy("/spec/concurrencyPolicy", f"{policy}: EventBridge Scheduler starts every "
                    "run even while the last one is still going; make the task "
                    "check for a running copy (aws ecs list-tasks --family) if overlap matters")
    frag.put(ts.stack, "Resources", "Schedule", Resource(
        "AWS::Scheduler::Schedule", schedule, obj.ref,
        # runs start once their role holds what this stack attaches to it
        depends_on=list(ts.role_policies)))
    exec_row(ts, frag, ctx, f"{SCHEDULE}/Target/EcsParameters/EnableExecuteCommand",
             f"--family {ts.family}")
    for name in ("successfulJobsHistoryLimit", "failedJobsHistoryLimit"):
        if name in ctx.manifest(obj).doc.get("spec", {}):
            entry.ignored(f"/spec/{name}", "ECS keeps no job history: stopped tasks leave the "
                          "API after about an hour; logs stay 30 days in CloudWatch")
