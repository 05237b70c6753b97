"""Render stage: the plan becomes CloudFormation YAML and the files around it.

Jinja lays out each file; every value goes through `translator.cfn.emit` (filter `y`), which
quotes every string, so a manifest can never write YAML, a tag or a template expression.
No template source is ever built from input, and undefined names are errors.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from functools import cache

import jinja2

from translator import __version__, deployplan, rules
from translator.cfn import app_container, emit, quote
from translator.config import Environment
from translator.context import CLUSTER_STACK
from translator.plan import Plan, Stack

_COMMENT_UNSAFE = re.compile(r"[^\x20-\x7e\u00a0-\ud7ff\ue000-\ufffd]")


def comment(text: str) -> str:
    """Text for a YAML or shell comment: one line, no control characters."""
    return _COMMENT_UNSAFE.sub("?", text)


def shell_word(text: str) -> str:
    """A single-quoted shell word."""
    return "'" + text.replace("'", "'\"'\"'") + "'"


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader(rules.installed().package, "templates"),
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # the output is YAML, shell and Markdown; `y`/`sh` do the quoting
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["y"] = emit
    env.filters["q"] = quote
    env.filters["comment"] = comment
    env.filters["sh"] = shell_word
    return env


def render_stack(stack: Stack) -> str:
    cfn = stack.as_cfn()
    return environment().get_template("stack.yaml.j2").render(
        stack=stack, cfn=cfn, version=__version__)


def exec_targets(plan: Plan) -> list[tuple[str, str, str, str]]:
    """(stack name, list-tasks filter, its value, container) of every workload whose tasks
    take ECS Exec: an ECS service's by its name; a Job's (run-task --enable-execute-command)
    and a CronJob's (its schedule's EnableExecuteCommand) by the task definition family."""
    out = []
    for stack in plan.stacks:
        service = stack.resources.get("Service")
        schedule = stack.resources.get("Schedule")
        task = stack.resources.get("TaskDefinition")
        if task is None:
            continue
        app = app_container(task.properties["ContainerDefinitions"])
        if service is not None and service.properties.get("EnableExecuteCommand") is True:
            out.append((stack.stack_name, "--service-name", service.properties["ServiceName"], app))
        elif "ExecuteCommand" in stack.outputs or (schedule is not None and schedule.properties[
                "Target"]["EcsParameters"].get("EnableExecuteCommand") is True):
            out.append((stack.stack_name, "--family", task.properties["Family"], app))
    return out


def connect_aliases(plan: Plan) -> list[tuple[str, str, int, str]]:
    """(ECS service, client alias DnsName, its port, discovery name) of every Service Connect
    service, for the README; empty when the app runs without Service Connect."""
    out = []
    for stack in plan.stacks:
        service = stack.resources.get("Service")
        config = service.properties.get("ServiceConnectConfiguration") if service else None
        for entry in (config or {}).get("Services", []):
            assert service is not None
            out += [(service.properties["ServiceName"], alias["DnsName"], alias["Port"],
                     entry["DiscoveryName"]) for alias in entry["ClientAliases"]]
    return out


def render(plan: Plan, reports: dict[str, str],
           environments: Iterable[Environment] = ()) -> dict[str, str]:
    """Every output file by name, in the order they are listed."""
    files = {stack.file: render_stack(stack) for stack in plan.stacks}
    env = environment()
    context = {"plan": plan, "version": __version__, "waves": plan.waves(),
               "exec_targets": exec_targets(plan), "cluster": plan.stack(CLUSTER_STACK),
               "aliases": connect_aliases(plan),
               "oversized": deployplan.oversized(plan, files), "limit": deployplan.INLINE_LIMIT}
    files["deploy-plan.json"] = deployplan.to_json(plan, files)
    files["parameters.json.example"] = json.dumps(deployplan.parameters_example(plan),
                                                  indent=2) + "\n"
    files.update(deployplan.environment_files(plan, environments))
    files["deploy.sh"] = env.get_template("deploy.sh.j2").render(context)
    files["cleanup.sh"] = env.get_template("cleanup.sh.j2").render(context)
    files["README.md"] = env.get_template("README.md.j2").render(context)
    files.update(reports)
    return files
