"""Validate stage: every rendered template is parsed back, compared with the plan it came
from, and linted in-process by cfn-lint (one runner, rules loaded once), plus the checks
cfn-lint does not make. Any finding, warning or error, fails the run."""

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

    # E3012 strict: Cpu/Memory and other string properties must be strings, as ECS wants.
    return Runner(ConfigMixIn(regions=[region], configure_rules={"E3012": {"strict": True}}))


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
    findings.extend(own_checks(stack))
    return findings


def _finding(file: str, match: Any) -> LintFinding:
    return LintFinding(file, int(match.linenumber or 1), match.rule.id,
                       str(match.rule.severity), str(match.message))


def validate(plan: Plan, texts: dict[str, str], region: str) -> list[LintFinding]:
    findings: list[LintFinding] = []
    for stack in plan.stacks:
        findings.extend(lint(stack, texts[stack.file], region))
    return findings


def own_checks(stack: Stack) -> list[LintFinding]:
    """What cfn-lint misses and CloudFormation or ECS would reject at deploy or run time."""
    out: list[LintFinding] = []

    def fail(rule: str, message: str) -> None:
        out.append(LintFinding(stack.file, 1, rule, "error", message))

    task_containers: dict[str, set[tuple[str, int]]] = {}
    for name, resource in stack.resources.items():
        props = resource.properties
        if resource.type == "AWS::ECS::TaskDefinition":
            containers = props.get("ContainerDefinitions", [])
            needs_role = any(c.get("Secrets") or c.get("LogConfiguration") for c in containers)
            if needs_role and "ExecutionRoleArn" not in props:
                fail("E9101", f"{name}: Secrets or awslogs need an ExecutionRoleArn")
            memory = int(props.get("Memory", 0))
            for c in containers:
                if int(c.get("Memory", 0)) > memory:
                    fail("E9102", f"{name}: container {c['Name']} memory exceeds the task's")
                check = c.get("HealthCheck")
                if check and check["Command"][0] not in ("CMD", "CMD-SHELL"):
                    fail("E9103", f"{name}: health check must start with CMD or CMD-SHELL")
            task_containers[name] = {(c["Name"], p["ContainerPort"]) for c in containers
                                     for p in c.get("PortMappings", [])}
    for name, resource in stack.resources.items():
        if resource.type != "AWS::ECS::Service":
            continue
        task_ref = resource.properties.get("TaskDefinition")
        ports = task_containers.get(getattr(task_ref, "name", ""), set())
        for lb in resource.properties.get("LoadBalancers", []):
            if (lb["ContainerName"], lb["ContainerPort"]) not in ports:
                fail("E9104", f"{name}: load balancer targets {lb['ContainerName']}:"
                     f"{lb['ContainerPort']}, which the task definition does not expose")
        if len(resource.properties.get("ServiceRegistries", [])) > 1:
            fail("E9105", f"{name}: an ECS service registers in one Cloud Map service at most")
    return out
