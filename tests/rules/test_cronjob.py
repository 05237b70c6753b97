"""CronJob -> task definition + EventBridge Scheduler schedule; the cron converter."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mappings.cronjob import DAYS, CronError, aws_cron
from tests.helpers import cronjob, fate, props, source, stack_for, translate_yaml
from translator.api import Result
from translator.cfn import GetAtt, ImportValue, Ref, Sub


@pytest.mark.parametrize(("k8s", "aws"), [
    ("0 0 * * *", "cron(0 0 * * ? *)"),
    ("*/15 * * * *", "cron(0/15 * * * ? *)"),
    ("30 2 * * 1-5", "cron(30 2 ? * MON-FRI *)"),
    ("0 9 * * 0", "cron(0 9 ? * SUN *)"),
    ("0 9 * * 7", "cron(0 9 ? * SUN *)"),
    ("0 9 * * 5-7", "cron(0 9 ? * SUN,FRI-SAT *)"),
    ("0 9 * * sat,sun", "cron(0 9 ? * SUN,SAT *)"),
    ("0 9 * * */2", "cron(0 9 ? * SUN,TUE,THU,SAT *)"),
    ("0 0 1 * *", "cron(0 0 1 * ? *)"),
    ("0 0 1,15 */3 *", "cron(0 0 1,15 1/3 ? *)"),
    ("5 4 * jan,jul *", "cron(5 4 * 1,7 ? *)"),
    ("0-30/10 8-17 * * *", "cron(0,10,20,30 8-17 * * ? *)"),
    ("5/20 * * * *", "cron(5/20 * * * ? *)"),
    ("@hourly", "cron(0 * * * ? *)"),
    ("@daily", "cron(0 0 * * ? *)"),
    ("@midnight", "cron(0 0 * * ? *)"),
    ("@weekly", "cron(0 0 ? * SUN *)"),
    ("@monthly", "cron(0 0 1 * ? *)"),
    ("@yearly", "cron(0 0 1 1 ? *)"),
    ("@annually", "cron(0 0 1 1 ? *)"),
    ("  0   0  * * ?", "cron(0 0 * * ? *)"),
])
def test_kubernetes_schedules_convert(k8s: str, aws: str) -> None:
    assert aws_cron(k8s) == aws


@pytest.mark.parametrize(("k8s", "why"), [
    ("0 0 1 * 1", "both set"),
    ("0 0 * *", "4 fields"),
    ("0 0 * * * *", "6 fields"),
    ("60 * * * *", "outside 0-59"),
    ("0 24 * * *", "outside 0-23"),
    ("0 0 0 * *", "outside 1-31"),
    ("0 0 * 13 *", "outside 1-12"),
    ("0 0 * * 8", "outside 0-7"),
    ("*/0 * * * *", "a step of 0"),
    ("10-5 * * * *", "runs backwards"),
    ("0 0 L * *", "is not a number"),
    ("@every 5m", "is not one of"),
    ("CRON_TZ=UTC 0 0 * * *", "spec.timeZone"),
    ("0 0 * * MON#2", "is not a value"),
])
def test_unconvertible_schedules_say_why(k8s: str, why: str) -> None:
    with pytest.raises(CronError, match=why):
        aws_cron(k8s)


@given(st.sets(st.integers(0, 7), min_size=1))
def test_any_set_of_weekdays_keeps_its_days(days: set[int]) -> None:
    expression = aws_cron("0 0 * * " + ",".join(str(d) for d in sorted(days)))
    field = expression.removeprefix("cron(").split()[4]
    named = set()
    for part in field.split(","):
        first, _, last = part.partition("-")
        named |= set(range(DAYS.index(first), DAYS.index(last or first) + 1))
    assert named == {d % 7 for d in days}


@given(st.integers(0, 59), st.integers(0, 23), st.integers(1, 31), st.integers(1, 12))
def test_fixed_times_keep_their_numbers_and_one_day_field_is_a_question_mark(
        minute: int, hour: int, day: int, month: int) -> None:
    expression = aws_cron(f"{minute} {hour} {day} {month} *")
    assert expression == f"cron({minute} {hour} {day} {month} ? *)"
    assert re.fullmatch(r"cron\(\S+ \S+ \S+ \S+ \S+ \*\)", expression)


CRONJOB = cronjob(
    schedule="30 2 * * 1-5",
    spec="""
        timeZone: Europe/Berlin
        suspend: true
        startingDeadlineSeconds: 30
        concurrencyPolicy: Replace
        successfulJobsHistoryLimit: 2
    """,
    job_spec="backoffLimit: 3", image='"registry.example.com/report:1"')


@pytest.fixture(scope="module")
def report() -> Result:
    return translate_yaml(CRONJOB)


def test_the_schedule_runs_the_task_on_the_cluster(report: Result) -> None:
    schedule = props(report, "report", "Schedule")
    assert schedule["ScheduleExpression"] == "cron(30 2 ? * MON-FRI *)"
    assert schedule["ScheduleExpressionTimezone"] == "Europe/Berlin"
    assert schedule["State"] == "DISABLED"
    target = schedule["Target"]
    assert target["Arn"] == ImportValue(Sub("${ClusterStackName}-ClusterArn"))
    assert target["RoleArn"] == GetAtt("SchedulerRole", "Arn")
    ecs = target["EcsParameters"]
    assert ecs["TaskDefinitionArn"] == Ref("TaskDefinition")
    assert ecs["LaunchType"] == "FARGATE" and ecs["TaskCount"] == 1
    assert ecs["NetworkConfiguration"]["AwsvpcConfiguration"]["Subnets"] == Ref("SubnetIds")
    assert target["RetryPolicy"]["MaximumEventAgeInSeconds"] == 60  # clipped up from 30
    assert "Service" not in stack_for(report, "report").resources


def test_the_scheduler_role_runs_only_this_family_and_passes_only_its_roles(
        report: Result) -> None:
    role = props(report, "report", "SchedulerRole")
    trust = role["AssumeRolePolicyDocument"]["Statement"][0]
    assert trust["Principal"] == {"Service": "scheduler.amazonaws.com"}
    run, passing = role["Policies"][0]["PolicyDocument"]["Statement"]
    assert run["Action"] == "ecs:RunTask"
    assert run["Resource"] == Sub(
        "arn:${AWS::Partition}:ecs:${AWS::Region}:${AWS::AccountId}:task-definition/shop-report:*")
    assert run["Condition"] == {"ArnEquals": {"ecs:cluster": ImportValue(
        Sub("${ClusterStackName}-ClusterArn"))}}
    assert passing["Action"] == "iam:PassRole"
    # its task role: ECS Exec's, the only role the tasks have
    assert passing["Resource"] == [GetAtt("ExecutionRole", "Arn"), GetAtt("TaskRole", "Arn")]


def test_run_control_fields_are_reported(report: Result) -> None:
    assert fate(report, "CronJob", "report", "/spec/concurrencyPolicy")["status"] == "lossy"
    assert fate(report, "CronJob", "report", "/spec/startingDeadlineSeconds")["status"] == "lossy"
    assert fate(report, "CronJob", "report", "/spec/successfulJobsHistoryLimit")["status"] == \
        "ignored"
    assert fate(report, "CronJob", "report", "/spec/jobTemplate/spec/backoffLimit")["status"] == \
        "lossy"
    assert fate(report, "CronJob", "report", "/spec/suspend")["to"].endswith("/State")
    assert source(report, "CronJob", "report")["status"] == "partial"


def test_an_unconvertible_schedule_keeps_the_task_and_says_why() -> None:
    result = translate_yaml(CRONJOB.replace('"30 2 * * 1-5"', '"0 0 1 * 1"'))
    assert "Schedule" not in stack_for(result, "report").resources
    assert "TaskDefinition" in stack_for(result, "report").resources
    field = fate(result, "CronJob", "report", "/spec/schedule")
    assert field["status"] == "unsupported" and "two CronJobs" in field["note"]
