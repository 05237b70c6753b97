"""CloudFormation values: intrinsic functions and the one YAML-safe emitter.

Every value that reaches a template passes through `emit`. Strings are always written as
double-quoted scalars with YAML escapes, so nothing a manifest says can become YAML syntax,
a tag such as `!Ref`, a boolean, a number or a second line. Strings that end up inside
`Fn::Sub` go through `sub_escape` so `${...}` stays literal.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Ref:
    name: str


@dataclass(frozen=True)
class GetAtt:
    resource: str
    attribute: str


@dataclass(frozen=True)
class Sub:
    template: str
    variables: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True)
class ImportValue:
    name: Any  # usually a Sub


@dataclass(frozen=True)
class Select:
    index: int
    values: Any


@dataclass(frozen=True)
class Join:
    delimiter: str
    values: tuple[Any, ...]


@dataclass(frozen=True)
class If:
    condition: str
    then: Any
    otherwise: Any


@dataclass(frozen=True)
class Equals:
    left: Any
    right: Any


@dataclass(frozen=True)
class Not:
    condition: Any


NO_VALUE = Ref("AWS::NoValue")


def sub_escape(text: str) -> str:
    """Make literal text safe inside an Fn::Sub template (`${x}` would be substituted)."""
    return text.replace("${", "${!")


_ACTIVE = ("${", "{{")  # Fn::Sub variables (cfn-lint E1029) and dynamic references


def literal(value: Any) -> Any:
    """Make strings inside resource properties stay literal when CloudFormation reads them.

    CloudFormation resolves `{{resolve:...}}` dynamic references in any string, and cfn-lint
    rejects `${...}` outside Fn::Sub. A string holding either becomes an Fn::Join of pieces
    none of which holds them, so it reaches the resource exactly as written.
    """
    if isinstance(value, str):
        if not any(marker in value for marker in _ACTIVE):
            return value
        pieces = [value[0]]
        for char in value[1:]:
            merged = pieces[-1] + char
            if any(marker in merged for marker in _ACTIVE):
                pieces.append(char)
            else:
                pieces[-1] = merged
        return Join("", tuple(pieces))
    if isinstance(value, Mapping):
        return {k: literal(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [literal(v) for v in value]
    return value


def to_json(value: Any) -> Any:
    """The JSON form CloudFormation and cfn-lint see (long-form intrinsics)."""
    if isinstance(value, Ref):
        return {"Ref": value.name}
    if isinstance(value, GetAtt):
        return {"Fn::GetAtt": [value.resource, value.attribute]}
    if isinstance(value, Sub):
        if value.variables:
            return {"Fn::Sub": [value.template, {k: to_json(v) for k, v in value.variables}]}
        return {"Fn::Sub": value.template}
    if isinstance(value, ImportValue):
        return {"Fn::ImportValue": to_json(value.name)}
    if isinstance(value, Select):
        return {"Fn::Select": [value.index, to_json(value.values)]}
    if isinstance(value, Join):
        return {"Fn::Join": [value.delimiter, [to_json(v) for v in value.values]]}
    if isinstance(value, If):
        return {"Fn::If": [value.condition, to_json(value.then), to_json(value.otherwise)]}
    if isinstance(value, Equals):
        return {"Fn::Equals": [to_json(value.left), to_json(value.right)]}
    if isinstance(value, Not):
        return {"Fn::Not": [to_json(value.condition)]}
    if isinstance(value, Mapping):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_json(v) for v in value]
    return value


# Characters YAML will not keep as they are inside a double-quoted scalar: C0/C1 controls,
# the Unicode line and paragraph separators (they fold into spaces), BOM and non-characters.
_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff\ud800-\udfff]")


def quote(text: str) -> str:
    """A double-quoted YAML scalar that reads back as exactly `text`."""
    encoded = json.dumps(text, ensure_ascii=False)
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", encoded)


_PLAIN_REF = re.compile(r"^[A-Za-z][A-Za-z0-9]*(::[A-Za-z0-9]+|\.[A-Za-z0-9.]+)?$")
_PLAIN_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9]*(::[A-Za-z0-9]+)*$")


def _key(key: str) -> str:
    return key if _PLAIN_KEY.match(key) else quote(key)


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        return quote(value)
    raise TypeError(f"cannot emit {type(value).__name__} into a template")


def _intrinsic(value: Any) -> tuple[str, Any] | None:
    """(tag, argument) for the short form, or None where YAML needs the long form."""
    if isinstance(value, Ref):
        return "!Ref", value.name
    if isinstance(value, GetAtt):
        return "!GetAtt", f"{value.resource}.{value.attribute}"
    if isinstance(value, Sub):
        if value.variables:
            return "!Sub", [value.template, dict(value.variables)]
        return "!Sub", value.template
    if isinstance(value, Select):
        return "!Select", [value.index, value.values]
    if isinstance(value, Join):
        return "!Join", [value.delimiter, list(value.values)]
    if isinstance(value, If):
        return "!If", [value.condition, value.then, value.otherwise]
    if isinstance(value, Equals):
        return "!Equals", [value.left, value.right]
    if isinstance(value, Not):
        return "!Not", [value.condition]
    return None


def _is_block(value: Any) -> bool:
    if isinstance(value, ImportValue):
        return True  # written long-form, since YAML allows one tag per node
    if _intrinsic(value) is not None:
        _, arg = _intrinsic(value)  # type: ignore[misc]
        return isinstance(arg, list)
    return isinstance(value, Mapping | list | tuple) and len(value) > 0


def emit(value: Any, indent: int = 0) -> str:
    """YAML text for a value placed after `key:` (or `- `) at the given indent.

    A scalar comes back as ` value`; a block comes back starting with a newline.
    """
    pad = " " * indent
    if isinstance(value, ImportValue):
        return f"\n{pad}Fn::ImportValue:{emit(value.name, indent + 2)}"
    short = _intrinsic(value)
    if short is not None:
        tag, arg = short
        if isinstance(arg, list):
            return f" {tag}" + _sequence(arg, indent)
        return f" {tag} {arg if _PLAIN_REF.match(arg) else quote(arg)}"
    if isinstance(value, Mapping):
        if not value:
            return " {}"
        return "".join(f"\n{pad}{_key(str(k))}:{emit(v, indent + 2)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        if not value:
            return " []"
        return _sequence(list(value), indent)
    return f" {_scalar(value)}"


def _sequence(items: Sequence[Any], indent: int) -> str:
    pad = " " * indent
    out = []
    for item in items:
        if isinstance(item, Mapping) and item:
            # first key on the dash line, the rest aligned under it
            body = emit(item, indent + 2)
            out.append(f"\n{pad}- {body.lstrip(chr(10)).lstrip()}")
        elif _is_block(item):
            out.append(f"\n{pad}-{emit(item, indent + 2)}")
        else:
            out.append(f"\n{pad}-{emit(item, indent + 2)}")
    return "".join(out)
