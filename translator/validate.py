"""Validate stage: every rendered template is parsed back, compared with the plan it came
from, and linted in-process by cfn-lint (one runner, rules loaded once) with the rule set's
own cfn-lint rules (its lint_rules folder, see translator.rules) for what cfn-lint does not
check; then the security groups of all templates together are checked against the paths the
output depends on (translator.reachability). Any finding, warning or error, fails the run.

Templates are linted in parallel, one process per core, by workers forked from this process
once its runner is built: they inherit the loaded schemas and rules instead of loading their
own, and only template numbers and findings cross between processes.
"""

from __future__ import annotations

import gc
import json
import multiprocessing
import os
import sys
import threading
from collections.abc import Iterator
from dataclasses import replace
from functools import cache
from typing import Any

from translator import reachability, rules, signals
from translator.cfn import to_json
from translator.cfnvalues import Template
from translator.errors import LintFinding
from translator.load import escape_pointer_token
from translator.plan import Plan, Stack
from translator.progress import Hook


@cache
def _runner(region: str) -> Any:
    from cfnlint.config import ConfigMixIn
    from cfnlint.runner import Runner

    # E3012 strict: Cpu/Memory and other string properties must be strings, as ECS wants.
    return Runner(ConfigMixIn(regions=[region], configure_rules={"E3012": {"strict": True}},
                              append_rules=[str(rules.installed().lint_rules)]))


def plain(value: Any) -> Any:
    """cfn-lint's decoded template with its node subclasses turned into plain values."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, str):
        return str(value)
    return value


def lint(stack: Stack, text: str, region: str) -> list[LintFinding]:
    from cfnlint.decode.decode import decode_str

    too_large = _size(stack, text)
    if too_large:  # refused whole: the rules would take a minute on 1 MB to say more
        return too_large
    template, errors = decode_str(text)
    findings = [_finding(stack.file, m) for m in errors or []]
    if template is None:
        return findings
    if plain(template) != to_json(stack.as_cfn()):
        findings.append(LintFinding(stack.file, 1, "E9001", "error",
                                    "the rendered template does not read back as the plan "
                                    "(an emitter bug)"))
    findings.extend(_finding(stack.file, m) for m in _runner(region).validate_template(template))
    return findings


def _size(stack: Stack, text: str) -> list[LintFinding]:
    """cfn-lint's own size check (E1002), which it makes only of a template file on disk,
    never of text linted in-process: CloudFormation takes a template of at most 1 MB, even
    from S3 (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html)."""
    from cfnlint.helpers import LIMITS

    size, limit = len(text.encode("utf-8")), LIMITS["template"]["body"]
    if size <= limit:
        return []
    pointer, bulk = _bulk(to_json(stack.as_cfn()))
    return [LintFinding(stack.file, 1, "E1002", "error",
                        f"The template file size ({size} bytes) exceeds the limit ({limit} bytes); "
                        f"{bulk} bytes of it are at {pointer or '/'}", pointer)]


def _bulk(template: Any) -> tuple[str, int]:
    """Where most of a template's bytes are: the largest part, followed down while one part
    holds at least half of its parent, so the finding points at the input field behind it."""
    def size(value: Any) -> int:
        return len(json.dumps(value, separators=(",", ":")))

    pointer, node, total = "", template, size(template)
    while isinstance(node, dict | list) and node:
        items = list(node.items()) if isinstance(node, dict) else list(enumerate(node))
        key, child = max(items, key=lambda item: size(item[1]))
        if size(child) * 2 < total:
            break
        pointer, node, total = f"{pointer}/{escape_pointer_token(key)}", child, size(child)
    return pointer, total


def _finding(file: str, match: Any) -> LintFinding:
    pointer = "".join(f"/{escape_pointer_token(p)}" for p in getattr(match, "path", None) or [])
    return LintFinding(file, int(match.linenumber or 1), match.rule.id,
                       str(match.rule.severity), str(match.message), pointer)


def validate(plan: Plan, texts: dict[str, str], region: str, progress: Hook | None = None,
             network: reachability.Analysis | None = None) -> list[LintFinding]:
    """The findings of every template, in the order of the stacks whatever the parallelism,
    each with the input field behind it (the template is not written when one fails), then
    the paths the security groups of all of them together do not keep
    (translator.reachability; `network` when already followed)."""
    findings: list[LintFinding] = []
    for done, (stack, found) in enumerate(
            zip(plan.stacks, _lint_each(plan.stacks, texts, region), strict=True), start=1):
        findings.extend(replace(f, source=plan.source_of(stack.info.key, f.pointer))
                        for f in found)
        if progress is not None:
            progress("templates validated", done, len(plan.stacks))
    findings.extend(_across(plan, texts))
    findings.extend((network or reachability.check(plan, texts)).findings())
    return findings


def _across(plan: Plan, texts: dict[str, str]) -> list[LintFinding]:
    """The rule set's checks over all templates together (a load balancer's quotas count its
    workloads' target groups and rules, each in its own stack)."""
    stacks = {stack.info.key: stack for stack in plan.stacks}
    out = []
    for found in rules.installed().plan_findings(plan):
        stack = stacks[found.stack]
        logical = found.pointer.split("/")[2] if found.pointer.count("/") >= 2 else ""
        line = Template(stack.file, stack.stack_name, found.stack, {},
                        text=texts.get(stack.file, "")).line(logical)
        out.append(LintFinding(stack.file, line, found.rule, "error", found.message,
                               found.pointer, plan.source_of(found.stack, found.pointer)))
    return out


def workers(templates: int) -> int:
    """How many processes lint `templates` templates: one per usable core, one if forking
    is not safe here (no fork, macOS, or threads that a fork would not copy)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    can_fork = ("fork" in multiprocessing.get_all_start_methods() and sys.platform != "darwin"
                and threading.active_count() == 1)
    return min(templates, cores or 1) if can_fork else 1


def _lint_each(stacks: list[Stack], texts: dict[str, str], region: str) -> Iterator[list[LintFinding]]:
    count = workers(len(stacks))
    if count < 2:
        for stack in stacks:
            yield lint(stack, texts[stack.file], region)
        return
    _runner(region)  # schemas and rules loaded here, once, for every worker
    gc.freeze()  # keep the inherited objects out of the workers' collections (fewer copied pages)
    try:
        pool = multiprocessing.get_context("fork").Pool(
            count, initializer=_adopt, initargs=(stacks, texts, region))
        with pool:
            yield from pool.imap(_lint_number, range(len(stacks)), chunksize=4)
    finally:
        gc.unfreeze()


_batch: tuple[list[Stack], dict[str, str], str] | None = None  # what a worker lints


def _adopt(stacks: list[Stack], texts: dict[str, str], region: str) -> None:
    global _batch
    _batch = (stacks, texts, region)
    signals.ignore()  # a Ctrl-C reaches the whole process group: the parent ends the pool


def _lint_number(number: int) -> list[LintFinding]:
    assert _batch is not None, "runs in a worker set up by _adopt"
    stacks, texts, region = _batch
    return lint(stacks[number], texts[stacks[number].file], region)

