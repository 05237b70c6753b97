"""What the rules share: reading literal numbers and seeing what a string built from
intrinsics (Ref, GetAtt, Fn::Sub, Fn::Join) will hold once CloudFormation resolves it.

Only functions live here: cfn-lint instantiates every rule class it finds in a rule module,
so a shared base class imported into each rule file would run as a rule of its own.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

# The partition is all an ARN's prefix needs resolved; other pseudo parameters stay as text.
_PSEUDO = {"AWS::Partition": "aws"}
# What `Ref` gives for the resource types the rules care about.
_REF_YIELDS = {
    "AWS::ECS::Service": "arn:ecs", "AWS::ECS::Cluster": "name",
    "AWS::SecretsManager::Secret": "arn:secretsmanager", "AWS::SSM::Parameter": "name",
    "AWS::ServiceDiscovery::Service": "id", "AWS::KMS::Key": "id",
}
_ARN_SERVICE = re.compile(r"arn:[^:]*:([a-z0-9-]+):")
_ARN_SERVICES = re.compile(r"arn:[^:]*:\((.+)\)\$?$")  # arn:aws:(secretsmanager:...|ssm:...)
_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")


@dataclass(frozen=True)
class Unknown:
    """A piece of a string that is only known at deploy time.

    `yields` is what it holds: "arn:<service>", "arn", "name", "id", "import" (an export of
    another stack) or "unknown"; `source` says where it comes from, for messages.
    """

    yields: str
    source: str


Piece = str | Unknown


def resources(cfn: Any, kind: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """(logical id, Properties) of each resource of a type whose properties are a mapping."""
    for name, resource in cfn.get_resources([kind]).items():
        props = resource.get("Properties")
        if isinstance(props, dict):
            yield str(name), props


def function(value: Any) -> tuple[str, Any] | None:
    """(name, argument) when the value is an intrinsic function such as {"Ref": x}."""
    if isinstance(value, dict) and len(value) == 1:
        [(key, arg)] = value.items()
        if key == "Ref" or str(key).startswith("Fn::"):
            return str(key), arg
    return None


def getatt_resource(value: Any) -> str:
    """The logical id an Fn::GetAtt reads from, or "" for any other value."""
    fn = function(value)
    if fn is None or fn[0] != "Fn::GetAtt":
        return ""
    arg = fn[1]
    if isinstance(arg, list) and arg:
        return str(arg[0])
    return str(arg).split(".", 1)[0]


def number(value: Any) -> int | None:
    """An integer written as a number or a numeric string; None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"\s*\d+\s*", value):
        return int(value)
    return None


def pieces(value: Any, cfn: Any) -> list[Piece]:
    """The string a value resolves to, as literal text and `Unknown` pieces."""
    if isinstance(value, str):
        return [value]
    fn = function(value)
    if fn is None:
        return [Unknown("unknown", "a value that is not a string")]
    name, arg = fn
    if name == "Ref" and isinstance(arg, str):
        return [_ref(arg, cfn)]
    if name == "Fn::GetAtt":
        return [_getatt(arg)]
    if name == "Fn::Sub":
        return _sub(arg, cfn)
    if name == "Fn::Join" and isinstance(arg, list) and len(arg) == 2:
        delimiter, values = arg
        if isinstance(delimiter, str) and isinstance(values, list):
            out: list[Piece] = []
            for i, item in enumerate(values):
                if i:
                    out.append(delimiter)
                out.extend(pieces(item, cfn))
            return out
    if name == "Fn::ImportValue":
        return [Unknown("import", "an Fn::ImportValue")]
    return [Unknown("unknown", f"an {name}")]


def prefix(parts: list[Piece]) -> str:
    """The literal text before the first unknown piece."""
    out = ""
    for part in parts:
        if not isinstance(part, str):
            break
        out += part
    return out


def shown(parts: list[Piece]) -> str:
    """The pieces as text for a message, each unknown one as <where it comes from>."""
    return "".join(p if isinstance(p, str) else f"<{p.source}>" for p in parts)


def _ref(name: str, cfn: Any) -> Piece:
    if name in _PSEUDO:
        return _PSEUDO[name]
    if name.startswith("AWS::"):
        return "${" + name + "}"
    parameter = (cfn.template.get("Parameters") or {}).get(name)
    if isinstance(parameter, dict):
        pattern = parameter.get("AllowedPattern")
        if isinstance(pattern, str) and pattern.lstrip("^").startswith("arn:"):
            service = _ARN_SERVICE.match(pattern.lstrip("^"))
            either = _ARN_SERVICES.match(pattern.lstrip("^"))
            services = service.group(1) if service else "|".join(sorted(
                {alt.split(":", 1)[0] for alt in either.group(1).split("|")})) if either else None
            return Unknown(f"arn:{services}" if services else "arn", f"parameter {name}")
        return Unknown("unknown", f"parameter {name} (no AllowedPattern says it is an ARN)")
    resource = (cfn.template.get("Resources") or {}).get(name)
    kind = resource.get("Type") if isinstance(resource, dict) else None
    return Unknown(_REF_YIELDS.get(str(kind), "unknown"), f"Ref {name} ({kind})")


def _getatt(arg: Any) -> Piece:
    if isinstance(arg, str):
        arg = arg.split(".", 1)
    if isinstance(arg, list) and len(arg) == 2 and all(isinstance(a, str) for a in arg):
        attribute = str(arg[1])
        yields = {"Arn": "arn", "Name": "name", "Id": "id"}.get(attribute.rsplit(".", 1)[-1],
                                                                 "unknown")
        return Unknown(yields, f"GetAtt {arg[0]}.{attribute}")
    return Unknown("unknown", "an Fn::GetAtt")


def _sub(arg: Any, cfn: Any) -> list[Piece]:
    variables: dict[str, Any] = {}
    if isinstance(arg, list) and len(arg) == 2 and isinstance(arg[1], dict):
        arg, variables = arg
    if not isinstance(arg, str):
        return [Unknown("unknown", "an Fn::Sub")]
    out: list[Piece] = []
    position = 0
    for found in _SUB_VARIABLE.finditer(arg):
        out.append(arg[position:found.start()])
        position = found.end()
        variable = found.group(1)
        if variable.startswith("!"):  # ${!x} is the literal text ${x}
            out.append("${" + variable[1:] + "}")
        elif variable in variables:
            out.extend(pieces(variables[variable], cfn))
        elif "." in variable:
            out.append(_getatt(variable))
        else:
            out.append(_ref(variable, cfn))
    out.append(arg[position:])
    return [p for p in out if p != ""]


def scaled_services(cfn: Any) -> dict[str, tuple[str, dict[str, Any]]]:
    """ECS services of the template that an ECS ScalableTarget of the same template scales:
    service logical id -> (scalable target logical id, its Properties). The service is the
    last segment of the ResourceId, named by GetAtt X.Name, by Ref X or by its literal
    ServiceName."""
    services = dict(resources(cfn, "AWS::ECS::Service"))
    literal = {str(props["ServiceName"]): name for name, props in services.items()
               if isinstance(props.get("ServiceName"), str)}
    found: dict[str, tuple[str, dict[str, Any]]] = {}
    for target, props in resources(cfn, "AWS::ApplicationAutoScaling::ScalableTarget"):
        if props.get("ServiceNamespace") != "ecs" or "ResourceId" not in props:
            continue
        parts = pieces(props["ResourceId"], cfn)
        last = parts[-1] if parts else ""
        if isinstance(last, Unknown):
            source = last.source.split()[1] if " " in last.source else ""
            service = source.split(".", 1)[0]
        else:
            service = literal.get(last.rsplit("/", 1)[-1], "")
        if service in services:
            found.setdefault(service, (target, props))
    return found
