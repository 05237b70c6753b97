"""eks2ecs.yaml: the translate options of a repository, in a file checked in beside the manifests.

Every key is a command-line option under its flag's name (`cluster-name:` for
`--cluster-name`), so what a file says and what a flag says are one thing; a flag given on the
command line wins over the file, and `ignore:` entries add to `--ignore`. Paths in the file
(`sources:`, `prices:`) are relative to the file. The file is read strictly: an unknown key or a
value of the wrong type ends the run with exit 2 and the file:line, never a silent default.

`translate` records the options it ran with in the output folder (RECORDED, the same schema,
paths relative to that folder), so `eks2ecs diff --against DIR` needs no flags.
"""

from __future__ import annotations

import difflib
import json
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from translator.errors import InputError

CONFIG_FILE = "eks2ecs.yaml"
# How probes the kubelet ran from outside the container become checks (mappings.pod.probes);
# the eks2ecs.io/health-check annotation of a workload takes the same values and wins.
HEALTH_CHECKS = ("auto", "shell", "grpc", "none", "target-group")
HEALTH_CHECK_HELP = (
    "how httpGet, grpc and tcpSocket probes (which the kubelet ran from outside the container) "
    "become checks, for every workload without an eks2ecs.io/health-check annotation (the "
    "annotation wins): auto (default): exec probes run in the container as written, the "
    "others check the load balancer's target group in front of the container, and with no "
    "load balancer there is no check and the report says a human must choose; shell: also run "
    "httpGet with curl or wget and tcpSocket with nc or bash inside the container (the image "
    "needs a shell and one of them); grpc: also run grpc probes with grpc_health_probe inside "
    "the container (the image needs it); target-group: only target-group checks, and no "
    "report item for a probe no load balancer checks; none: no container health checks at "
    "all, exec probes included (a target group still checks what it serves)")
# How Services are found (mappings.discovery): ECS Service Connect, or Cloud Map DNS alone.
DISCOVERY = ("serviceconnect", "cloudmap")
RECORDED = "eks2ecs.options.json"
NOT_MANIFESTS = frozenset({CONFIG_FILE, RECORDED})  # skipped when a folder is read


@dataclass(frozen=True)
class Key:
    dest: str  # the argparse destination of the flag
    kind: str  # "text", "texts", "path", "paths", "flag", "amount" or "efs|ebs" (a choice)
    help: str
    default: Any = None  # what the flag gives when not set (not recorded then)


KEYS: dict[str, Key] = {
    "sources": Key("sources", "paths", "manifest files or folders, relative to this file"),
    "namespace": Key("namespace", "text", "namespace of objects that name none (-n)"),
    "name": Key("app_name", "text", "prefix of stack and resource names (--name)"),
    "cluster-name": Key("cluster_name", "text", "ECS cluster name (--cluster-name)"),
    "dns-namespace": Key("dns_namespace", "text", "Cloud Map private DNS domain"),
    "region": Key("region", "text", "region cfn-lint checks and prices come from"),
    "rwo-volumes": Key("rwo_volumes", "efs|ebs", "ReadWriteOnce volumes: efs or ebs"),
    "selector": Key("selector", "text", "the workloads to translate, by label, as kubectl -l"),
    "only": Key("only", "texts", "the workloads to translate, KIND/NAME (--only)"),
    "health-check": Key("health_check", "|".join(HEALTH_CHECKS),
                        "how httpGet/grpc/tcpSocket probes become checks (--health-check)"),
    "discovery": Key("discovery", "|".join(DISCOVERY),
                     "how tasks find Services: serviceconnect (aliases with the Kubernetes names "
                     "and ports) or cloudmap (DNS names, addresses rewritten) (--discovery)"),
    "prices": Key("prices", "path", "price table over the bundled one (--prices)"),
    "eks-node-cost": Key("eks_node_cost", "amount", "monthly EKS node bill in USD"),
    "exec": Key("exec_command", "flag", "ECS Exec on the ECS services (false: --no-exec)",
                default=True),
    "vpc-endpoints": Key("vpc_endpoints", "flag", "a network stack of VPC endpoints, for "
                         "tasks without a NAT gateway (--vpc-endpoints)", default=False),
    "strict": Key("strict", "flag", "exit 1 when lossy or unsupported items remain",
                  default=False),
    "validate": Key("validate", "flag", "run cfn-lint (false: --no-validate)"),
    "ignore": Key("ignore", "texts", "accepted findings, KIND[/NAME][:POINTER] (--ignore)"),
    "workloads": Key("workloads", "workloads", "per workload (NAME or NAMESPACE/NAME): cpu, "
                     "memory, desired-count, health-check, tags; annotations eks2ecs.io/KEY "
                     "on the workload win"),
    "environments": Key("environments", "environments", "parameter sets, one "
                        "parameters.ENV.json each: PARAMETER: value for every stack that "
                        "declares it, stacks: {STACK: {PARAMETER: value}} for one"),
}
ENVIRONMENT_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")  # it names a file
WORKLOAD_KEYS = ("cpu", "memory", "desired-count", "health-check", "tags")


@dataclass(frozen=True)
class Override:
    """One `workloads:` entry: the workload it names, its values, and where the file gave it."""

    name: str
    values: dict[str, Any]
    file: str | None = None
    line: int | None = None


@dataclass(frozen=True)
class Environment:
    """One environment's parameters (`environments:`), and where the file gave it."""

    name: str
    shared: dict[str, str]
    stacks: dict[str, dict[str, str]]
    file: str | None = None
    line: int | None = None


def find(sources: Iterable[str]) -> Path | None:
    """The eks2ecs.yaml next to the inputs: in the first folder given, or beside the first file."""
    for source in sources:
        if source == "-":
            continue
        path = Path(source)
        candidate = (path if path.is_dir() else path.parent) / CONFIG_FILE
        return candidate if candidate.is_file() else None
    return None


def load(path: Path) -> dict[str, Any]:
    """The options of a config file as argparse destinations; InputError (exit 2) at file:line."""
    shown = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the config file: {exc}", shown) from None
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise InputError(f"not YAML: {getattr(exc, 'problem', exc)}", shown,
                         None if mark is None else mark.line + 1) from None
    if root is None:
        return {}
    if not isinstance(root, yaml.MappingNode):
        raise InputError("a config file is a mapping of option: value", shown,
                         root.start_mark.line + 1)
    options: dict[str, Any] = {}
    for key_node, value_node in root.value:
        line = key_node.start_mark.line + 1
        name = str(key_node.value) if isinstance(key_node, yaml.ScalarNode) else repr(key_node)
        key = KEYS.get(name)
        if key is None or key.dest in options:
            raise InputError(_unknown(name) if key is None else f"{name!r} is given twice",
                             shown, line)
        value = yaml.SafeLoader(text).construct_document(value_node)
        options[key.dest] = _checked(name, key, value, path.parent, shown,
                                     value_node.start_mark.line + 1)
        if key.kind in ("environments", "workloads"):  # for errors only the plan can find
            options[f"{key.dest}_at"] = {
                str(k.value): (shown, k.start_mark.line + 1) for k, _ in value_node.value}
    if "validate" in options:
        options["no_validate"] = not options.pop("validate")
    return options


def _unknown(name: str) -> str:
    close = difflib.get_close_matches(name, list(KEYS), n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"unknown key {name!r}{hint}; the keys are {', '.join(KEYS)}"


def _checked(name: str, key: Key, value: Any, base: Path, shown: str, line: int) -> Any:
    def wrong(expected: str) -> InputError:
        return InputError(f"{name}: expected {expected}, not {value!r}", shown, line)

    checks: dict[str, Callable[[], Any]] = {
        "text": lambda: value if isinstance(value, str) and value else None,
        "flag": lambda: value if isinstance(value, bool) else None,
        "amount": lambda: float(value) if isinstance(value, int | float)
        and not isinstance(value, bool) and 0 <= value < float("inf") else None,
        "path": lambda: _relative(value, base) if isinstance(value, str) and value else None,
        "texts": lambda: list(value) if isinstance(value, list)
        and all(isinstance(v, str) and v for v in value) else None,
        "paths": lambda: [_relative(v, base) for v in value] if isinstance(value, list)
        and value and all(isinstance(v, str) and v and v != "-" for v in value) else None,
    }
    if key.kind == "environments":
        return _environments(value, shown, line)
    if key.kind == "workloads":
        return _workloads(value, shown, line)
    expected = {"text": "a string", "flag": "true or false", "amount": "an amount in USD",
                "path": "a path", "texts": "a list of strings",
                "paths": "a list of paths (not -)"}
    if "|" in key.kind:
        if value not in key.kind.split("|"):
            raise wrong(" or ".join(key.kind.split("|")))
        return value
    checked = checks[key.kind]()
    if checked is None:
        raise wrong(expected[key.kind])
    return checked


def _environments(value: Any, shown: str, line: int) -> dict[str, Any]:
    """environments: {ENV: {PARAMETER: value, ..., stacks: {STACK: {PARAMETER: value}}}}."""
    def scalars(values: Any, where: str) -> dict[str, str]:
        if not isinstance(values, dict) or not all(
                isinstance(k, str) and isinstance(v, str | int | float)
                and not isinstance(v, bool) for k, v in values.items()):
            raise InputError(f"environments: {where}: expected PARAMETER: value (a string or "
                             "a number)", shown, line)
        return {k: str(v) for k, v in values.items()}

    if not isinstance(value, dict) or not value:
        raise InputError("environments: expected ENV: {PARAMETER: value, stacks: {...}}",
                         shown, line)
    checked: dict[str, Any] = {}
    for env, values in value.items():
        if not isinstance(env, str) or not ENVIRONMENT_NAME.fullmatch(env):
            raise InputError(f"environments: {env!r} is not an environment name (lowercase "
                             "letters, digits and -: it names parameters.ENV.json)", shown, line)
        values = dict(values) if isinstance(values, dict) else values
        stacks = values.pop("stacks", {}) if isinstance(values, dict) else {}
        if not isinstance(stacks, dict):
            raise InputError(f"environments: {env}: stacks: expected STACK: {{PARAMETER: "
                             "value}", shown, line)
        checked[env] = {**scalars(values, env), **({"stacks": {
            stack: scalars(own, f"{env}: stacks: {stack}") for stack, own in stacks.items()}}
            if stacks else {})}
    return checked


def _workloads(value: Any, shown: str, line: int) -> dict[str, Any]:
    """workloads: {NAME or NAMESPACE/NAME: {cpu, memory, desired-count, health-check, tags}};
    the values themselves are checked where the workload is mapped (mappings.overrides)."""
    if not isinstance(value, dict) or not value or not all(
            isinstance(k, str) and k and isinstance(v, dict) and v for k, v in value.items()):
        raise InputError("workloads: expected NAME: {cpu: ..., memory: ..., desired-count: "
                         "..., health-check: ..., tags: {...}}", shown, line)
    for name, values in value.items():
        for key, one in values.items():
            if key not in WORKLOAD_KEYS:
                close = difflib.get_close_matches(str(key), WORKLOAD_KEYS, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                raise InputError(f"workloads: {name}: unknown key {key!r}{hint}; the keys are "
                                 f"{', '.join(WORKLOAD_KEYS)}", shown, line)
            if key == "health-check" and one not in HEALTH_CHECKS:
                raise InputError(f"workloads: {name}: health-check: expected "
                                 f"{' or '.join(HEALTH_CHECKS)}, not {one!r}", shown, line)
    return {name: dict(values) for name, values in value.items()}


def overrides(values: dict[str, Any] | None,
              at: dict[str, tuple[str, int]] | None) -> tuple[Override, ...]:
    """The Options form of a checked `workloads:` value."""
    return tuple(Override(name, dict(one), *(at or {}).get(name, (None, None)))
                 for name, one in sorted((values or {}).items()))


def environments(values: dict[str, Any] | None,
                 at: dict[str, tuple[str, int]] | None) -> tuple[Environment, ...]:
    """The Options form of a checked `environments:` value."""
    return tuple(Environment(name, {k: v for k, v in env.items() if k != "stacks"},
                             env.get("stacks", {}), *(at or {}).get(name, (None, None)))
                 for name, env in sorted((values or {}).items()))


def _relative(value: str, base: Path) -> str:
    return os.path.normpath(base / value)


def recorded(args: Any, sources: list[str], out: str) -> str:
    """RECORDED's text: the effective options of this run, paths relative to the folder `out`."""
    def rel(path: str) -> str:  # an absolute path stays absolute, as it was given
        return path if os.path.isabs(path) else Path(os.path.relpath(path, out)).as_posix()

    values: dict[str, Any] = {}
    if sources and "-" not in sources:
        values["sources"] = [rel(s) for s in sources]
    for name, key in KEYS.items():
        if key.dest in ("sources", "validate"):
            continue
        value = getattr(args, key.dest, None)
        if value is None or value == [] or (key.kind == "flag" and value is key.default):
            continue
        values[name] = rel(value) if key.kind == "path" else value
    values["validate"] = not getattr(args, "no_validate", False)
    return json.dumps(values, indent=2, sort_keys=False) + "\n"


def schema() -> dict[str, Any]:
    """The JSON Schema of eks2ecs.yaml for editors (docs/eks2ecs.schema.json is this, written)."""
    types: dict[str, dict[str, Any]] = {
        "text": {"type": "string", "minLength": 1},
        "flag": {"type": "boolean"},
        "amount": {"type": "number", "minimum": 0},
        "path": {"type": "string", "minLength": 1},
        "texts": {"type": "array", "items": {"type": "string", "minLength": 1}},
        "paths": {"type": "array", "minItems": 1,
                  "items": {"type": "string", "minLength": 1, "not": {"const": "-"}}},
        "workloads": {"type": "object", "minProperties": 1, "additionalProperties": {
            "type": "object", "minProperties": 1, "additionalProperties": False,
            "properties": {"cpu": {"type": ["string", "number"]},
                           "memory": {"type": ["string", "number"]},
                           "desired-count": {"type": "integer", "minimum": 0},
                           "health-check": {"enum": list(HEALTH_CHECKS)},
                           "tags": {"type": "object",
                                    "additionalProperties": {"type": ["string", "number"]}}}}},
        "environments": {"type": "object", "minProperties": 1,
                         "propertyNames": {"pattern": f"^{ENVIRONMENT_NAME.pattern}$"},
                         "additionalProperties": {
                             "type": "object",
                             "properties": {"stacks": {"type": "object",
                                                       "additionalProperties": {
                                                           "type": "object",
                                                           "additionalProperties": {
                                                               "type": ["string", "number"]}}}},
                             "additionalProperties": {"type": ["string", "number"]}}},
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "eks2ecs.yaml", "type": "object", "additionalProperties": False,
        "properties": {
            name: {"description": key.help,
                   **(types[key.kind] if key.kind in types else {"enum": key.kind.split("|")})}
            for name, key in KEYS.items()},
    }
