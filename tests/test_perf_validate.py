"""Parallel validation: workers forked after the cfn-lint runner is built lint the templates,
and the findings are those of a serial run, in stack order."""

from __future__ import annotations

import os
import subprocess
import threading

import pytest

from tests.paths import EXAMPLE
from translator import validate
from translator.api import finish, translate
from translator.context import Options
from translator.errors import LintFinding
from translator.plan import Plan, Resource, Stack

REGION = "us-east-1"


def broken_translation() -> tuple[Plan, dict[str, str]]:
    """The example app with a resource cfn-lint rejects added to every template."""
    plan = translate([str(EXAMPLE)], Options(validate=False)).plan
    for stack in plan.stacks:
        stack.resources["Broken"] = Resource("AWS::SNS::Topic", {"NoSuchProperty": "x"},
                                             "planted by the test")
    return plan, finish(plan, Options(validate=False)).files


def test_parallel_findings_equal_serial_ones_in_stack_order(monkeypatch: pytest.MonkeyPatch) -> None:
    plan, files = broken_translation()
    monkeypatch.setattr(validate, "workers", lambda templates: 1)
    serial = validate.validate(plan, files, REGION)
    monkeypatch.setattr(validate, "workers", lambda templates: 3)
    parallel = validate.validate(plan, files, REGION)

    assert parallel == serial
    stacks = [s.file for s in plan.stacks]
    assert {f.template for f in serial} == set(stacks), "every template has its planted finding"
    assert [f.template for f in serial] == sorted((f.template for f in serial), key=stacks.index)
    assert all(f.rule == "E3002" for f in serial), serial


def test_workers_inherit_the_runner_and_spawn_no_command(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each template is linted in a forked worker whose runner is the parent's, built once
    before the fork; nothing runs the cfn-lint command."""
    result = translate([str(EXAMPLE)], Options(validate=False))
    validate._runner(REGION)
    built = validate._runner.cache_info().misses

    def where(stack: Stack, text: str, region: str) -> list[LintFinding]:
        runners = validate._runner.cache_info()
        validate._runner(region)
        return [LintFinding(stack.file, 1, "WHERE", "info",
                            f"{os.getpid()} {runners.misses} {validate._runner.cache_info().misses}")]

    def no_commands(*args: object, **kwargs: object) -> None:
        raise AssertionError("validation started a command")

    monkeypatch.setattr(validate, "lint", where)
    monkeypatch.setattr(validate, "workers", lambda templates: 2)
    monkeypatch.setattr(subprocess.Popen, "__init__", no_commands)
    calls: list[tuple[str, int, int]] = []
    findings = validate.validate(result.plan, result.files, REGION,
                                 lambda *call: calls.append(call))

    pids = {int(f.message.split()[0]) for f in findings}
    assert os.getpid() not in pids and len(pids) >= 1
    assert {f.message.split(" ", 1)[1] for f in findings} == {f"{built} {built}"}, \
        "a worker built a runner of its own"
    total = len(result.plan.stacks)
    assert calls == [("templates validated", n, total) for n in range(1, total + 1)]


def test_serial_for_one_template_or_when_threads_run(monkeypatch: pytest.MonkeyPatch) -> None:
    cores = len(os.sched_getaffinity(0))
    monkeypatch.setattr(threading, "active_count", lambda: 1)
    assert validate.workers(1) == 1
    assert validate.workers(50) == min(50, cores)
    monkeypatch.setattr(threading, "active_count", lambda: 2)
    assert validate.workers(50) == 1, "fork with threads running can deadlock"
