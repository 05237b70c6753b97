"""The deploy plan as data: what `deploy.sh`, `cleanup.sh`, the README and the report read.

`Plan.waves` orders the stacks; this module adds what running them needs: each stack's
template, its size (over the inline limit the AWS CLI needs an S3 bucket), its layer, whether it
is a Job, the stacks it deploys after with the reason, and which of its parameters have a
default or come from another stack's output (deploy.sh reads it there: no export to lock),
and the secrets the tasks read. `deploy-plan.json` is this data as written beside the
templates.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from translator.cfn import Ref, Sub
from translator.config import Environment
from translator.errors import InputError
from translator.load import unescape_pointer_token
from translator.plan import Parameter, Plan, Stack
from translator.report import Cell, Code, Table

# `aws cloudformation deploy` passes a template inline up to 51,200 bytes and needs
# --s3-bucket beyond (TemplateBody's maximum length):
# https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateStack.html
INLINE_LIMIT = 51_200
PLACEHOLDER = "<replace: {}>"  # deploy.sh refuses a value that starts with "<replace:"
APP_TAG = "eks2ecs:app"  # every stack deploy.sh makes carries it; it changes no other
NAMESPACES_TAG = "eks2ecs:namespaces"
SECRET_ARN_FIELDS = 7  # arn:aws:secretsmanager:<region>:<account>:secret:<name>-<suffix>


@dataclass(frozen=True)
class SecretRead:
    """A Secrets Manager secret the tasks read, and which JSON keys ("" for the whole value):
    deploy.sh starts no task before each has a value. Exactly one of `name` (a secret the
    secrets stack makes), `arn` (a literal ARN) and `parameter` (a parameter of the reading
    stack holds the ARN) is set."""

    keys: tuple[str, ...]
    readers: tuple[str, ...]  # stack names
    name: str | None = None
    arn: str | None = None
    parameter: tuple[str, str] | None = None  # (stack name, parameter)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"keys": list(self.keys), "readers": list(self.readers)}
        if self.name is not None:
            out["name"] = self.name
        if self.arn is not None:
            out["arn"] = self.arn
        if self.parameter is not None:
            out["parameter"] = {"stack": self.parameter[0], "name": self.parameter[1]}
        return out


def as_dict(plan: Plan, files: dict[str, str]) -> dict[str, Any]:
    """deploy-plan.json: the waves, and each stack's template, needs and parameters."""
    by_key = {s.info.key: s for s in plan.stacks}
    namespaces = sorted({e.namespace for e in plan.entries if e.namespace})
    return {
        "app": plan.app,
        "tags": {APP_TAG: plan.app, NAMESPACES_TAG: " ".join(namespaces) or "none"},
        "inlineLimit": INLINE_LIMIT,
        "waves": [[{
            "stack": stack.stack_name,
            "template": stack.file,
            "bytes": len(files[stack.file].encode()),
            "layer": stack.info.layer,
            "runOnce": stack.info.run_once,
            "needs": {by_key[on].stack_name: why for on, why in sorted(stack.needs.items())},
            "parameters": {name: _parameter(plan, p) for name, p in stack.parameters.items()},
            **_service_connect(plan, stack),
        } for stack in wave] for wave in plan.waves()],
        "secrets": [s.as_dict() for s in secret_reads(plan)],
        "madeSecrets": made_secrets(plan),
    }


def _service_connect(plan: Plan, stack: Stack) -> dict[str, Any]:
    """The ECS service of a Service Connect workload, the workload stacks that call it, and
    its discovery names, each with the callers of its port. A task resolves only the Service
    Connect names that existed when it started, so deploy.sh redeploys a caller that was
    running before a name it calls was made (a cycle's members, one service deployed alone, a
    running service that gains a port):
    https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-connect-concepts-deploy.html"""
    service = _connect_service(stack)
    if service is None:
        return {}
    clients = {s.info.key: s.stack_name for s in plan.stacks if _connect_service(s) is not None}
    calls = [r for r in plan.reaches if r.target == stack.info.key and r.source != stack.info.key
             and not r.denied_by and r.source in clients]
    ports = {m.get("Name"): m.get("ContainerPort")
             for c in stack.resources["TaskDefinition"].properties.get("ContainerDefinitions", [])
             for m in c.get("PortMappings", [])}
    names = {str(s["DiscoveryName"]): sorted({clients[r.source] for r in calls
                                              if r.port == ports.get(s["PortName"])})
             for s in stack.resources["Service"].properties["ServiceConnectConfiguration"].get(
                 "Services", [])}
    return {"serviceConnect": {"service": service,
                               "callers": sorted({clients[r.source] for r in calls}),
                               "names": dict(sorted(names.items()))}}


def _connect_service(stack: Stack) -> str | None:
    """The name of a stack's ECS service when it is a Service Connect client."""
    resource = stack.resources.get("Service")
    if resource is None or resource.type != "AWS::ECS::Service":
        return None
    connect = resource.properties.get("ServiceConnectConfiguration") or {}
    return str(resource.properties["ServiceName"]) if connect.get("Enabled") is True else None


def made_secrets(plan: Plan) -> list[dict[str, Any]]:
    """The secrets the secrets stack makes, each with the Kubernetes Secret behind it and its
    JSON keys (that Secret's keys): what `eks2ecs secrets copy` fills from the cluster."""
    stacks = {s.info.key: s for s in plan.stacks if s.info.layer == "secrets"}
    made = []
    for entry in plan.entries:
        for key, logical in entry.resources:
            resource = stacks[key].resources.get(logical) if key in stacks else None
            if entry.kind != "Secret" or resource is None \
                    or resource.type != "AWS::SecretsManager::Secret":
                continue
            keys = sorted({unescape_pointer_token(f.path.split("/", 2)[2]) for f in entry.fields
                          if f.path.split("/")[1] in ("data", "stringData")
                          and f.path.count("/") == 2})
            made.append({"name": str(resource.properties["Name"]), "namespace": entry.namespace,
                         "secret": entry.name, "keys": keys})
    return sorted(made, key=lambda m: str(m["name"]))


def parameters_example(plan: Plan) -> dict[str, Any]:
    """parameters.json.example: a value that two or more stacks take, the same in each, goes
    in `shared`, the rest under `stacks`. Values deploy.sh reads from stack outputs are not
    listed; values nobody can guess are placeholders deploy.sh refuses."""
    values = {stack.stack_name: {name: _example(p) for name, p in stack.parameters.items()
                                 if p.from_output is None} for stack in plan.stacks}
    seen: dict[str, list[Any]] = {}
    for stack_values in values.values():
        for name, value in stack_values.items():
            seen.setdefault(name, []).append(value)
    shared = {name: found[0] for name, found in sorted(seen.items())
              if len(found) > 1 and all(v == found[0] for v in found)}
    stacks = {stack: {k: v for k, v in stack_values.items() if k not in shared}
              for stack, stack_values in values.items()}
    return {
        "//": ("deploy.sh gives each stack the `shared` values of the parameters it declares, "
               "then its own under `stacks`. Replace every \"<replace: ...>\" value: deploy.sh "
               "refuses to run while one is left. Keep one file per environment "
               "(./deploy.sh parameters.prod.json)."),
        "shared": shared,
        "stacks": {k: v for k, v in stacks.items() if v},
    }


def environment_files(plan: Plan, environments: Iterable[Environment]) -> dict[str, str]:
    """parameters.ENV.json of each environment: parameters.json.example with the environment's
    values in. A shared value is taken out of every stack's own section (deploy.sh gives a
    stack's own values after the shared ones, so the example's would win); a stack or a
    parameter the plan does not have is bad input at the environment's line."""
    declared = {stack.stack_name: set(stack.parameters) for stack in plan.stacks}
    files = {}
    for env in environments:
        def bad(message: str, env: Environment = env) -> InputError:
            return InputError(f"environments: {env.name}: {message}", env.file, env.line)

        for name in env.shared:
            if not any(name in params for params in declared.values()):
                raise bad(f"no stack has a parameter {name}")
        for stack, values in env.stacks.items():
            if stack not in declared:
                raise bad(f"no stack {stack} (stacks: {', '.join(declared)})")
            for name in values:
                if name not in declared[stack]:
                    raise bad(f"stack {stack} has no parameter {name}")
        example = parameters_example(plan)
        stacks = {stack: {k: v for k, v in values.items() if k not in env.shared}
                  | env.stacks.get(stack, {}) for stack, values in example["stacks"].items()}
        stacks |= {stack: values for stack, values in env.stacks.items() if stack not in stacks}
        files[f"parameters.{env.name}.json"] = json.dumps({
            "//": f"{env.name}: from environments: in eks2ecs.yaml. {example['//']}",
            "shared": dict(sorted({**example["shared"], **env.shared}.items())),
            "stacks": {k: v for k, v in stacks.items() if v},
        }, indent=2) + "\n"
    return files


def _example(parameter: Parameter) -> Any:
    if parameter.default is not None:
        return parameter.default
    example = parameter.example or {
        "AWS::EC2::VPC::Id": "vpc-0123456789abcdef0",
        "List<AWS::EC2::Subnet::Id>": "subnet-0123456789abcdef0,subnet-0fedcba9876543210",
        "List<AWS::EC2::SecurityGroup::Id>": "sg-0123456789abcdef0",
        "AWS::EC2::SecurityGroup::Id": "sg-0123456789abcdef0",
    }.get(parameter.type, parameter.description)
    return PLACEHOLDER.format(example)


def secret_reads(plan: Plan) -> list[SecretRead]:
    """Every Secrets Manager secret a task definition's `Secrets` read, with its JSON keys."""
    found: dict[tuple[str, ...], tuple[set[str], set[str]]] = {}
    for stack in plan.stacks:
        for resource in stack.resources.values():
            if resource.type != "AWS::ECS::TaskDefinition":
                continue
            for container in resource.properties.get("ContainerDefinitions", []):
                for secret in container.get("Secrets", []):
                    where = _secret_of(plan, stack, secret["ValueFrom"])
                    if where is not None:
                        keys, readers = found.setdefault(where[0], (set(), set()))
                        keys.add(where[1])
                        readers.add(stack.stack_name)
    out = []
    for (kind, *value), (keys, readers) in sorted(found.items()):
        out.append(SecretRead(
            tuple(sorted(keys)), tuple(sorted(readers)),
            name=value[0] if kind == "name" else None, arn=value[0] if kind == "arn" else None,
            parameter=(value[0], value[1]) if kind == "parameter" else None))
    return out


def _secret_of(plan: Plan, stack: Stack, value_from: Any) -> tuple[tuple[str, ...], str] | None:
    """(where the secret is, JSON key) of a ValueFrom; None for SSM parameters."""
    if isinstance(value_from, str):
        parts = value_from.split(":")
        if parts[2:3] != ["secretsmanager"]:
            return None
        return ("arn", ":".join(parts[:SECRET_ARN_FIELDS])), \
            (parts[SECRET_ARN_FIELDS:] or [""])[0]
    if not (isinstance(value_from, Sub) and value_from.template.startswith("${")):
        return None
    name, _, rest = value_from.template[2:].partition("}")
    key = rest.split(":")[1] if rest.startswith(":") else ""
    key = key.replace("${!", "${")  # Fn::Sub's escape
    parameter = stack.parameters.get(name)
    if parameter is None:
        return None
    if parameter.from_output is not None:
        source_key, output = parameter.from_output
        source = plan.stack(source_key)
        arn = source.outputs[output].value
        if isinstance(arn, Ref) and arn.name in source.resources:
            return ("name", str(source.resources[arn.name].properties["Name"])), key
        return None
    if "secretsmanager" not in (parameter.allowed_pattern or ""):
        return None
    return ("parameter", stack.stack_name, name), key


def _parameter(plan: Plan, parameter: Parameter) -> dict[str, Any]:
    if parameter.from_output is not None:
        key, output = parameter.from_output
        return {"fromStack": plan.stack(key).stack_name, "output": output}
    return {"default": parameter.default is not None}


def to_json(plan: Plan, files: dict[str, str]) -> str:
    return json.dumps(as_dict(plan, files), indent=2) + "\n"


def oversized(plan: Plan, files: dict[str, str]) -> list[str]:
    """Templates over what the CLI passes inline (deploy.sh uploads them through S3)."""
    return [s.file for s in plan.stacks if len(files[s.file].encode()) > INLINE_LIMIT]


def inline_warnings(plan: Plan, files: dict[str, str]) -> list[str]:
    """What to tell about each template over the inline limit: its size, how to deploy it, and
    the input object behind its largest resource (what to shrink)."""
    warnings = []
    for stack in plan.stacks:
        size = len(files[stack.file].encode())
        if size <= INLINE_LIMIT:
            continue
        largest = max(stack.resources, default=None, key=lambda logical: len(json.dumps(
            stack.resources[logical].as_cfn(), default=str)))
        source = plan.source_of(stack.info.key, f"/Resources/{largest}") if largest else None
        warnings.append(
            f"{stack.file} is {size:,} bytes, over the {INLINE_LIMIT:,} CloudFormation takes "
            "inline (TemplateBody): deploy.sh uploads it to S3 first, so give it a bucket "
            "(./deploy.sh --s3-bucket BUCKET, or EKS2ECS_S3_BUCKET=BUCKET)"
            + (f"; its largest resource, {largest}, comes from {source}"
                                     if source else ""))
    return warnings


def table(plan: Plan) -> Table:
    """The report's section on deployment order."""
    by_key = {s.info.key: s for s in plan.stacks}
    rows: list[tuple[Cell, ...]] = []
    for number, wave in enumerate(plan.waves(), start=1):
        for stack in wave:
            calls = [f"{by_key[on].stack_name} ({why})" for on, why in sorted(stack.needs.items())
                     if by_key[on].info.layer == stack.info.layer]
            rows.append((str(number), Code(stack.file), Code(stack.stack_name),
                         tuple(calls) or ""))
    return Table("Deployment waves", ("wave", "template", "stack", "deploys after (why)"), rows,
                 anchor="deployment-waves",
                 intro="deploy.sh brings each wave up after the one before it (each layer after "
                       "the one below: cluster, secrets, volumes, load balancers, workloads); "
                       "cleanup.sh deletes in the reverse order. Among the workloads a caller "
                       "deploys after the Services it names, and workloads that call each "
                       "other share a wave.")
