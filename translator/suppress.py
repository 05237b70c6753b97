"""`--ignore RULE`: accept known lossy or unsupported items, so `--strict` guards the rest.

A RULE is the object and field exactly as the report's "Needs a human" table shows them:

    KIND[/NAME][:POINTER]    Deployment/weaviate:/spec/template/spec/volumes/0
                             PersistentVolumeClaim/weaviate-data   (the whole object)
                             Deployment:/spec/template/spec/containers/*/resources/limits/cpu

NAME may be NAMESPACE/NAME; KIND, NAME and each POINTER token may use shell wildcards (`*`);
a POINTER covers everything under it. Suppressed items stay in the report with their fate;
the report records each rule and what it suppressed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any

from translator.errors import InputError
from translator.plan import Entry, FieldFate, Plan
from translator.report import Cell, Code, Table

NEEDS_A_HUMAN = ("lossy", "unsupported")
SYNTAX = "KIND[/NAME][:POINTER], e.g. Deployment/web:/spec/template/spec/affinity"


@dataclass(frozen=True)
class Rule:
    text: str
    kind: str
    namespace: str | None
    name: str | None
    pointer: tuple[str, ...] | None  # tokens; None covers the whole object

    def matches(self, entry: Entry, path: str) -> bool:
        if not fnmatchcase(entry.kind, self.kind):
            return False
        if self.name is not None and not fnmatchcase(entry.name, self.name):
            return False
        if self.namespace is not None and not fnmatchcase(entry.namespace or "default",
                                                          self.namespace):
            return False
        if self.pointer is None:
            return True
        tokens = _tokens(path)
        return len(tokens) >= len(self.pointer) and all(
            fnmatchcase(token, pattern) for token, pattern in zip(tokens, self.pointer, strict=False))


def _tokens(pointer: str) -> tuple[str, ...]:
    return tuple(pointer.split("/")[1:]) if pointer not in ("", "/") else ()


def parse(text: str) -> Rule:
    """A rule from its text; InputError (exit 2) when it cannot mean anything."""
    target, colon, pointer = text.partition(":")
    parts = target.split("/")
    if not target or len(parts) > 3 or not all(parts):
        raise InputError(f"--ignore {text!r}: expected {SYNTAX}")
    if colon and not pointer.startswith("/"):
        raise InputError(f"--ignore {text!r}: the field after ':' is a JSON Pointer starting "
                         f"with '/'; expected {SYNTAX}")
    namespace = parts[1] if len(parts) == 3 else None
    name = parts[-1] if len(parts) > 1 else None
    return Rule(text, parts[0], namespace, name, _tokens(pointer) if colon else None)


@dataclass
class Suppressions:
    rules: list[Rule]
    suppressed: dict[str, list[tuple[Entry, FieldFate]]] = field(default_factory=dict)
    open: list[tuple[Entry, FieldFate]] = field(default_factory=list)  # what --strict fails on
    namespaced: bool = False  # several namespaces: rules name them

    def unused(self) -> list[str]:
        return [r.text for r in self.rules if not self.suppressed[r.text]]

    def rule_for(self, entry: Entry, fate: FieldFate) -> str:
        """The narrowest rule that accepts this one item, ready to copy."""
        target = (f"{entry.kind}/{entry.namespace}/{entry.name}"
                  if self.namespaced and entry.namespace else f"{entry.kind}/{entry.name}")
        return target if fate.path == "/" else f"{target}:{fate.path}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "open": len(self.open),
            "suppressed": sum(len(v) for v in self.suppressed.values()),
            "rules": [{"rule": r.text, "suppressed": len(self.suppressed[r.text]),
                       "items": [{"object": _ref(e), "path": f.path, "status": f.status}
                                 for e, f in self.suppressed[r.text]]}
                      for r in self.rules],
            # where each item is: its source in "sources" (paths are named there only)
            "openItems": [{"rule": self.rule_for(e, f), "status": f.status}
                          for e, f in self.open],
        }


def _ref(entry: Entry) -> str:
    return f"{entry.kind}/{entry.name}"


def apply(plan: Plan, rule_texts: tuple[str, ...] | list[str]) -> Suppressions:
    """Sort every lossy or unsupported field into suppressed (by its first matching rule)
    and open."""
    rules = list(dict.fromkeys(parse(t) for t in rule_texts))
    namespaced = len({e.namespace for e in plan.entries if e.namespace}) > 1
    out = Suppressions(rules, {r.text: [] for r in rules}, namespaced=namespaced)
    for entry in plan.entries:
        for fate in entry.fields:
            if fate.status not in NEEDS_A_HUMAN:
                continue
            rule = next((r for r in rules if r.matches(entry, fate.path)), None)
            if rule is None:
                out.open.append((entry, fate))
            else:
                out.suppressed[rule.text].append((entry, fate))
    return out


def tables(suppressions: Suppressions) -> list[Table]:
    """The report's section on suppressions; none when no rule was given."""
    if not suppressions.rules:
        return []
    rows: list[tuple[Cell, ...]] = []
    for rule in suppressions.rules:
        items = suppressions.suppressed[rule.text]
        # one per line, as a rule would name it: a path is manifest text, never markup
        listed: Cell = tuple(Code(f"{_ref(e)}:{f.path}") for e, f in items) \
            or "nothing (check the rule)"
        rows.append((Code(rule.text), str(len(items)), listed))
    intro = (f"{sum(len(v) for v in suppressions.suppressed.values())} lossy or unsupported "
             f"item(s) accepted with --ignore; {len(suppressions.open)} still need a human.")
    return [Table("Suppressed", ("rule", "suppressed", "items"), rows, intro=intro,
                  anchor="suppressed")]


def open_lines(suppressions: Suppressions) -> list[str]:
    """One line per open item, located like a compiler message, with the rule that would
    accept it, for --strict."""
    return [f"{e.file}:{e.line}: {suppressions.rule_for(e, f)}: {f.status}: {f.note or ''}"
            .rstrip(": ") for e, f in suppressions.open]
