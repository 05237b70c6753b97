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


class Intrinsic:
    """An intrinsic function; `call` gives its long form, the one place each is spelled."""

    def call(self) -> tuple[str, Any]:
        raise NotImplementedError


@dataclass(frozen=True)
class Ref(Intrinsic):
    name: str

    def call(self) -> tuple[str, Any]:
        return "Ref", self.name


@dataclass(frozen=True)
class GetAtt(Intrinsic):
    resource: str
    attribute: str

    def call(self) -> tuple[str, Any]:
        return "Fn::GetAtt", [self.resource, self.attribute]


@dataclass(frozen=True)
class Sub(Intrinsic):
    template: str
    variables: tuple[tuple[str, Any], ...] = ()

    def call(self) -> tuple[str, Any]:
        if self.variables:
            return "Fn::Sub", [self.template, dict(self.variables)]
        return "Fn::Sub", self.template


@dataclass(frozen=True)
class ImportValue(Intrinsic):
    name: Any  # usually a Sub

    def call(self) -> tuple[str, Any]:
        return "Fn::ImportValue", self.name


@dataclass(frozen=True)
class Select(Intrinsic):
    index: int
    values: Any

    def call(self) -> tuple[str, Any]:
        return "Fn::Select", [self.index, self.values]


@dataclass(frozen=True)
class Join(Intrinsic):
    delimiter: str
    values: tuple[Any, ...] | Ref  # a Ref of a List<> parameter joins its items

    def call(self) -> tuple[str, Any]:
        values = self.values
        return "Fn::Join", [self.delimiter, values if isinstance(values, Ref) else list(values)]


@dataclass(frozen=True)
class Split(Intrinsic):
    delimiter: str
    source: Any

    def call(self) -> tuple[str, Any]:
        return "Fn::Split", [self.delimiter, self.source]


@dataclass(frozen=True)
class If(Intrinsic):
    condition: str
    then: Any
    otherwise: Any

    def call(self) -> tuple[str, Any]:
        return "Fn::If", [self.condition, self.then, self.otherwise]


@dataclass(frozen=True)
class Equals(Intrinsic):
    left: Any
    right: Any

    def call(self) -> tuple[str, Any]:
        return "Fn::Equals", [self.left, self.right]


@dataclass(frozen=True)
class Not(Intrinsic):
    condition: Any

    def call(self) -> tuple[str, Any]:
        return "Fn::Not", [self.condition]


NO_VALUE = Ref("AWS::NoValue")


def sub_escape(text: str) -> str:
    """Make literal text safe inside an Fn::Sub template (`${x}` would be substituted)."""
    return text.replace("${", "${!")


_ACTIVE = ("${", "{{")  # Fn::Sub variables (cfn-lint E1029) and dynamic references


def active(text: str) -> bool:
    """Whether CloudFormation would read something into this string if it stood as written."""
    return any(marker in text for marker in _ACTIVE)


def literal(value: Any) -> Any:
    """Make strings inside resource properties stay literal when CloudFormation reads them.

    CloudFormation resolves `{{resolve:...}}` dynamic references in any string, and cfn-lint
    rejects `${...}` outside Fn::Sub. A string holding either becomes an Fn::Join of pieces
    none of which holds them, so it reaches the resource exactly as written.
    """
    if isinstance(value, str):
        if not active(value):
            return value
        pieces = [value[0]]
        for char in value[1:]:
            merged = pieces[-1] + char
            if active(merged):
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
    if isinstance(value, Intrinsic):
        name, argument = value.call()
        return {name: to_json(argument)}
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
    return key if _PLAIN_KEY.fullmatch(key) else quote(key)


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


def _short_form(value: Intrinsic) -> tuple[str, Any]:
    """(tag, argument): `!Ref x`, `!GetAtt R.Arn`, `!Sub [...]`, ..."""
    name, argument = value.call()
    if isinstance(value, GetAtt):
        argument = f"{value.resource}.{value.attribute}"
    return "!" + name.removeprefix("Fn::"), argument


def emit(value: Any, indent: int = 0) -> str:
    """YAML text for a value placed after `key:` (or `- `) at the given indent.

    A scalar comes back as ` value`; a block comes back starting with a newline.
    """
    pad = " " * indent
    if isinstance(value, ImportValue):  # long form: its argument is an intrinsic, one tag per node
        return f"\n{pad}Fn::ImportValue:{emit(value.name, indent + 2)}"
    if isinstance(value, Intrinsic):
        tag, arg = _short_form(value)
        if isinstance(arg, list):
            return f" {tag}" + _sequence(arg, indent)
        return f" {tag} {arg if _PLAIN_REF.fullmatch(arg) else quote(arg)}"
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
        else:
            out.append(f"\n{pad}-{emit(item, indent + 2)}")
    return "".join(out)


def app_container(definitions: Sequence[dict[str, Any]]) -> str:
    """The container of a task definition that `aws ecs execute-command` enters: its first
    essential one, the app's (init steps and the file writer are not running once it serves)."""
    return str(next(d["Name"] for d in definitions if d.get("Essential", True) is not False))
