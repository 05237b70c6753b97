"""Validate stage: every rendered template is parsed back, compared with the plan it came
from, and linted in-process by cfn-lint (one runner, rules loaded once) with eks2ecs's own
rules (mappings/lint_rules) for what cfn-lint does not check. Any finding, warning or error,
fails the run."""

from __future__ import annotations

from functools import cache
from typing import Any

from translator.cfn import to_json
from translator.errors import LintFinding
from translator.plan import Plan, Stack


@cache
def _runner(region: str) -> Any:
    from cfnlint.config import ConfigMixIn
    from cfnlint.runner import Runner

    from mappings.lint_rules import RULES_DIR

    # E3012 strict: Cpu/Memory and other string properties must be strings, as ECS wants.
    return Runner(ConfigMixIn(regions=[region], configure_rules={"E3012": {"strict": True}},
                              append_rules=[str(RULES_DIR)]))


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


def _finding(file: str, match: Any) -> LintFinding:
    return LintFinding(file, int(match.linenumber or 1), match.rule.id,
                       str(match.rule.severity), str(match.message))


def validate(plan: Plan, texts: dict[str, str], region: str) -> list[LintFinding]:
    findings: list[LintFinding] = []
    for stack in plan.stacks:
        findings.extend(lint(stack, texts[stack.file], region))
    return findings
