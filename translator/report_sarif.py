"""The report as SARIF 2.1.0 for code-scanning tools: one result per lossy or unsupported
field (and per object no rule maps), located at its line in the manifest. Items accepted
with --ignore stay in, marked as suppressed with the rule that accepted them."""

from __future__ import annotations

import hashlib
import json
from typing import Any
from urllib.parse import quote

from translator import __version__
from translator.errors import LintFinding
from translator.plan import Entry, Plan
from translator.suppress import Suppressions

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
RULES = {
    "unsupported-object": ("error", "No rule maps this Kubernetes object to ECS",
                           "Nothing is generated for it: recreate what it did by hand."),
    "unsupported-field": ("error", "A Kubernetes field has no ECS mapping",
                          "The field is not carried over: follow the suggestion in the message."),
    "lossy-field": ("warning", "A Kubernetes field changed meaning on ECS",
                    "The field is carried over, but not exactly: review what was lost."),
}


def _uri(file: str) -> str:
    return "stdin" if file == "-" else quote(file, safe="/:")  # kube://context stays readable


def _result(entry: Entry, rule: str, path: str, line: int, note: str) -> dict[str, Any]:
    ns = f"{entry.namespace}/" if entry.namespace else ""
    name = f"{entry.kind}/{ns}{entry.name}"
    fingerprint = hashlib.sha256(f"{rule}|{name}|{path}".encode()).hexdigest()[:32]
    return {
        "ruleId": rule,
        "level": RULES[rule][0],
        "message": {"text": f"{name} {path}: {note}"},
        "locations": [{
            "physicalLocation": {
                "artifactLocation": {"uri": _uri(entry.file)},
                "region": {"startLine": line},
            },
            "logicalLocations": [{"fullyQualifiedName": f"{name}#{path}", "kind": "object"}],
        }],
        "partialFingerprints": {"eks2ecsField/v1": fingerprint},
    }


def as_sarif(plan: Plan, suppressions: Suppressions | None = None) -> dict[str, Any]:
    rules = suppressions.rules if suppressions else []
    results = []

    def add(entry: Entry, rule: str, path: str, line: int, note: str) -> None:
        result = _result(entry, rule, path, line, note)
        by = next((r.text for r in rules if r.matches(entry, path)), None)
        if by is not None:  # the first matching rule, as --ignore applies them
            result["suppressions"] = [{"kind": "external", "status": "accepted",
                                       "justification": f"--ignore {by}"}]
        results.append(result)

    for entry in plan.entries:
        if entry.status == "unsupported" and entry.reason:
            add(entry, "unsupported-object", "/", entry.line, entry.reason)
        for fate in entry.fields:
            if fate.status in ("lossy", "unsupported") and fate.path != "/":
                add(entry, f"{fate.status}-field", fate.path, fate.line or entry.line,
                    fate.note or fate.status)
    return _log([{"id": rule, "shortDescription": {"text": short},
                  "fullDescription": {"text": full}, "defaultConfiguration": {"level": level}}
                 for rule, (level, short, full) in RULES.items()], results)


def _log(rules: list[dict[str, Any]], results: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "eks2ecs", "version": __version__, "rules": rules}},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    }


def to_sarif(plan: Plan, suppressions: Suppressions | None = None) -> str:
    return _dump(as_sarif(plan, suppressions))


def findings_sarif(findings: list[LintFinding], folder: str) -> str:
    """Validation findings as cfn-lint's --format sarif gives them, one result per finding,
    but located at the manifest line behind each: the failing template was not written into
    `folder`, so its place is a logical location (file#pointer) only."""
    rules = sorted({f.rule for f in findings})
    results = []
    for f in findings:
        template = f"{folder.rstrip('/')}/{f.template}"
        location: dict[str, Any] = {"logicalLocations": [
            {"fullyQualifiedName": f"{template}#{f.pointer}", "kind": "resource"}]}
        if f.source is not None:
            location["physicalLocation"] = {"artifactLocation": {"uri": _uri(f.source.file)},
                                            "region": {"startLine": f.source.line}}
        said = f.message
        if f.source is not None:
            said = ": ".join(p for p in (f.source.obj, f.source.field, f.message) if p)
        results.append({"ruleId": f.rule, "level": "error" if f.severity == "error" else "warning",
                        "message": {"text": said}, "locations": [location]})
    return _dump(_log([{"id": rule} for rule in rules], results))


def _dump(log: dict[str, Any]) -> str:
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"
