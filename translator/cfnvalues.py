"""CloudFormation values as a set of stacks deploys them together: Ref, Fn::GetAtt,
Fn::ImportValue against the other stacks' exports, Fn::Sub, Join, Split, Select and If, and
each parameter as deployed (its default, or the stack output deploy.sh passes). What the
templates do not fix stays opaque (a parameter without default, the region). The
reachability check (translator.reachability) reads the templates through it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

# what Fn::GetAtt gives that equals what Ref gives, by resource type
ID_ATTRIBUTES = {
    "AWS::EC2::SecurityGroup": "GroupId",
    "AWS::EFS::FileSystem": "FileSystemId",
    "AWS::ElasticLoadBalancingV2::TargetGroup": "TargetGroupArn",
    "AWS::ElasticLoadBalancingV2::LoadBalancer": "LoadBalancerArn",
}


@dataclass(frozen=True)
class Res:
    """A resource of a template: what Ref (or its id attribute) gives."""

    file: str
    logical: str


@dataclass(frozen=True)
class Opaque:
    """A value the templates do not fix (a parameter without a default, the region)."""

    what: str


@dataclass(frozen=True)
class Concat:
    """A string joined from literal text and resources."""

    parts: tuple[Any, ...]


@dataclass(frozen=True)
class Either:
    """The two branches of an Fn::If whose condition the templates do not decide."""

    branches: tuple[Any, Any]


NO_VALUE = Opaque("AWS::NoValue")


@dataclass(frozen=True)
class Template:
    """One rendered template of the output, as cfn-lint reads it."""

    file: str
    stack_name: str
    key: str  # the plan's stack key (what Reach names)
    body: Mapping[str, Any]
    origins: Mapping[str, str] = field(default_factory=dict)  # logical id -> manifest object
    text: str = ""  # for line numbers

    def line(self, logical: str) -> int:
        found = re.search(rf"^  {re.escape(logical)}:$", self.text, re.M)
        return self.text.count("\n", 0, found.start()) + 1 if found else 1

    def origin(self, logical: str) -> str:
        return self.origins.get(logical, f"{self.file}#{logical}")

    def resources(self, cfn_type: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
        for logical, resource in self.body.get("Resources", {}).items():
            if resource.get("Type") == cfn_type:
                yield logical, resource.get("Properties", {})


class Resolver:
    """Values of the templates as they deploy together."""

    def __init__(self, templates: Iterable[Template],
                 bindings: Mapping[tuple[str, str], tuple[str, str]] | None = None) -> None:
        self.templates = {t.file: t for t in templates}
        self.by_key = {t.key: t for t in self.templates.values()}
        self.by_stack = {t.stack_name: t for t in self.templates.values()}
        # (stack key, parameter) -> (stack key, output): what deploy.sh passes
        self.bindings = dict(bindings or {})
        self.exports: dict[str, tuple[Template, str]] = {}
        for t in self.templates.values():
            for key, output in t.body.get("Outputs", {}).items():
                if isinstance(output, Mapping) and "Export" in output:
                    name = self.value(t, output["Export"].get("Name"))
                    if isinstance(name, str):
                        self.exports[name] = (t, key)
        self._conditions: dict[tuple[str, str], bool | None] = {}

    # --- values --------------------------------------------------------------------------

    def value(self, t: Template, node: Any, depth: int = 0) -> Any:
        if depth > 50:
            return Opaque("too deep")
        if isinstance(node, list):
            out = []
            for item in node:
                resolved = self.value(t, item, depth + 1)
                if resolved != NO_VALUE:
                    out.append(resolved)
            return out
        if not isinstance(node, Mapping):
            return node
        if len(node) != 1:
            return {k: self.value(t, v, depth + 1) for k, v in node.items()}
        (name, arg), = node.items()
        if name == "Ref":
            return self._ref(t, str(arg), depth)
        if name == "Fn::GetAtt":
            logical, attribute = arg if isinstance(arg, list) else str(arg).split(".", 1)
            resource = t.body.get("Resources", {}).get(logical, {})
            if ID_ATTRIBUTES.get(resource.get("Type")) == attribute:
                return Res(t.file, logical)
            return Opaque(f"{t.file}#{logical}.{attribute}")
        if name == "Fn::ImportValue":
            export = self.value(t, arg, depth + 1)
            if isinstance(export, str) and export in self.exports:
                owner, key = self.exports[export]
                return self.value(owner, owner.body["Outputs"][key].get("Value"), depth + 1)
            return Opaque(f"import {export}")
        if name == "Fn::Sub":
            return self._sub(t, arg, depth)
        if name == "Fn::Join":
            delimiter, items = arg
            return _join(str(delimiter), _items(self.value(t, items, depth + 1)))
        if name == "Fn::Split":
            delimiter, source = arg
            return _split(str(delimiter), self.value(t, source, depth + 1))
        if name == "Fn::Select":
            index, items = arg
            found = _items(self.value(t, items, depth + 1))
            position = self.value(t, index, depth + 1)
            if not isinstance(position, int | str) or not str(position).isdigit():
                return Opaque("select")
            # past an item of unknown length (a list parameter), positions are unknown
            known = found[:int(position) + 1]
            if len(known) <= int(position) or any(_opaque(i) for i in known):
                return Opaque("select")
            return found[int(position)]
        if name == "Fn::If":
            condition, then, otherwise = arg
            holds = self.condition(t, str(condition))
            if holds is None:
                return Either((self.value(t, then, depth + 1), self.value(t, otherwise, depth + 1)))
            return self.value(t, then if holds else otherwise, depth + 1)
        return {name: self.value(t, arg, depth + 1)}

    def _ref(self, t: Template, name: str, depth: int) -> Any:
        if name == "AWS::NoValue":
            return NO_VALUE
        if name == "AWS::StackName":
            return t.stack_name
        if name.startswith("AWS::"):
            return Opaque(name)
        if name in t.body.get("Resources", {}):
            return Res(t.file, name)
        parameter = t.body.get("Parameters", {}).get(name)
        if parameter is None:
            return Opaque(f"{t.file}: {name}")
        bound = self.bindings.get((t.key, name))
        if bound is not None and bound[0] in self.by_key:
            owner = self.by_key[bound[0]]
            output = owner.body.get("Outputs", {}).get(bound[1])
            if output is not None:
                return self.value(owner, output.get("Value"), depth + 1)
        kind = str(parameter.get("Type", "String"))
        if "Default" not in parameter:
            return Opaque(f"{t.file}: parameter {name}")
        default = parameter["Default"]
        if kind.startswith("List<") or kind == "CommaDelimitedList":
            text = ",".join(default) if isinstance(default, list) else str(default)
            return [item.strip() for item in text.split(",")] if text else []
        return default

    def _sub(self, t: Template, arg: Any, depth: int) -> Any:
        text, variables = (arg[0], arg[1]) if isinstance(arg, list) else (arg, {})
        parts: list[Any] = []
        position = 0
        for match in re.finditer(r"\$\{([^}!][^}]*)\}", str(text)):
            parts.append(str(text)[position:match.start()])
            name = match[1]
            if name in variables:
                parts.append(self.value(t, variables[name], depth + 1))
            elif "." in name:
                logical, attribute = name.split(".", 1)
                parts.append(self.value(t, {"Fn::GetAtt": [logical, attribute]}, depth + 1))
            else:
                parts.append(self._ref(t, name, depth))
            position = match.end()
        parts.append(str(text)[position:].replace("${!", "${"))
        return _concat(parts)

    def condition(self, t: Template, name: str) -> bool | None:
        """Whether a named condition holds as the stack deploys; None when it depends on a
        value the templates do not fix."""
        key = (t.file, name)
        if key not in self._conditions:
            self._conditions[key] = None  # a cycle decides nothing
            self._conditions[key] = self._holds(t, t.body.get("Conditions", {}).get(name))
        return self._conditions[key]

    def _holds(self, t: Template, node: Any) -> bool | None:
        if not isinstance(node, Mapping) or len(node) != 1:
            return None
        (name, arg), = node.items()
        if name == "Condition":
            return self.condition(t, str(arg))
        if name == "Fn::Not":
            inner = self._holds(t, arg[0])
            return None if inner is None else not inner
        if name in ("Fn::And", "Fn::Or"):
            values = [self._holds(t, a) for a in arg]
            if name == "Fn::And":
                return False if False in values else (None if None in values else True)
            return True if True in values else (None if None in values else False)
        if name == "Fn::Equals":
            left, right = (self.value(t, a) for a in arg)
            if isinstance(left, str | int) and isinstance(right, str | int):
                return str(left) == str(right)
        return None

    def present(self, t: Template, logical: str) -> bool:
        """Whether a resource is made (its condition holds, or might)."""
        condition = t.body.get("Resources", {}).get(logical, {}).get("Condition")
        return condition is None or self.condition(t, str(condition)) is not False


def _concat(parts: list[Any]) -> Any:
    merged: list[Any] = []
    for part in parts:
        if isinstance(part, Concat):
            pieces: list[Any] = list(part.parts)
        elif isinstance(part, int) and not isinstance(part, bool):
            pieces = [str(part)]
        else:
            pieces = [part]
        for piece in pieces:
            if isinstance(piece, str) and merged and isinstance(merged[-1], str):
                merged[-1] += piece
            elif piece != "":
                merged.append(piece)
    if not merged:
        return ""
    return merged[0] if len(merged) == 1 else Concat(tuple(merged))


def _opaque(value: Any) -> bool:
    if isinstance(value, Concat):
        return any(_opaque(part) for part in value.parts)
    return isinstance(value, Opaque | Either) and value != NO_VALUE


def _items(value: Any) -> list[Any]:
    """A resolved value as the list it stands for."""
    if isinstance(value, list):
        return value
    if isinstance(value, Either):
        return [*_items(value.branches[0]), *_items(value.branches[1])]
    return [value]


def _join(delimiter: str, items: list[Any]) -> Any:
    parts: list[Any] = []
    for i, item in enumerate(items):
        if i:
            parts.append(delimiter)
        parts.append(item if not isinstance(item, list) else _join(delimiter, item))
    return _concat(parts)


def _split(delimiter: str, value: Any) -> Any:
    if isinstance(value, Opaque | Either):
        return [value]
    parts = value.parts if isinstance(value, Concat) else (value,)
    items: list[list[Any]] = [[]]
    for part in parts:
        if isinstance(part, str):
            first, *rest = part.split(delimiter)
            items[-1].append(first)
            items.extend([piece] for piece in rest)
        else:
            items[-1].append(part)
    return [_concat(item) for item in items]


def groups(value: Any) -> list[Any]:
    """Security groups a property or output names, each once, in order."""
    out: list[Any] = []
    for item in _items(value):
        if isinstance(item, Either):
            candidates = groups(item)
        elif isinstance(item, str | Concat):
            candidates = [g for g in _items(_split(",", item)) if g != ""]
        else:
            candidates = [item]
        out += [g for g in candidates if g not in out and g != NO_VALUE]
    return out


