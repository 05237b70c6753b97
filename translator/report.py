"""Report stage: what every input object became, as JSON (the contract, version 1, pinned
by report.schema.json) and Markdown for people. Names and paths only, never values."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from typing import Any

from translator.plan import Plan


def _to(plan: Plan, entry_to: Any) -> str | None:
    if entry_to is None:
        return None
    return f"{plan.stack(entry_to.stack).file}#{entry_to.pointer}"


def as_dict(plan: Plan) -> dict[str, Any]:
    sources = []
    for entry in plan.entries:
        item: dict[str, Any] = {
            "kind": entry.kind,
            "apiVersion": entry.api_version,
            "name": entry.name,
            "namespace": entry.namespace,
            "file": entry.file,
            "line": entry.line,
            "status": entry.status,
        }
        if entry.reason:
            item["reason"] = entry.reason
        item["resources"] = [
            {"template": plan.stack(stack).file, "logicalId": logical,
             "type": plan.stack(stack).resources[logical].type}
            for stack, logical in entry.resources
        ]
        fields = []
        for fate in entry.fields:
            field: dict[str, Any] = {"path": fate.path, "status": fate.status}
            to = _to(plan, fate.to)
            if to:
                field["to"] = to
            if fate.note:
                field["note"] = fate.note
            fields.append(field)
        item["fields"] = fields
        if entry.notes:
            item["notes"] = list(entry.notes)
        sources.append(item)
    resources = Counter(r.type for s in plan.stacks for r in s.resources.values())
    field_fates = Counter(f.status for e in plan.entries for f in e.fields)
    return {
        "version": 1,
        "sources": sources,
        "summary": {
            "objects": len(plan.entries),
            "byStatus": dict(sorted(Counter(e.status for e in plan.entries).items())),
            "fieldsByStatus": dict(sorted(field_fates.items())),
            "templates": [s.file for s in plan.stacks],
            "resourcesByType": dict(sorted(resources.items())),
        },
    }


def to_json(plan: Plan, extra: dict[str, Any] | None = None) -> str:
    """`extra`: more top-level sections (cost, suppressions); the schema allows added keys."""
    return json.dumps({**as_dict(plan), **(extra or {})}, indent=2, ensure_ascii=False) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_markdown(plan: Plan, sections: Sequence[str] = ()) -> str:
    """`sections`: more Markdown sections (cost, suppressions), appended as given."""
    return _markdown(plan) + "".join(f"\n{s}" for s in sections if s)


def _markdown(plan: Plan) -> str:
    data = as_dict(plan)
    summary = data["summary"]
    lines = [f"# eks2ecs report: {plan.app}", ""]
    lines.append(f"{summary['objects']} Kubernetes objects -> {len(plan.stacks)} CloudFormation "
                 f"templates, {sum(summary['resourcesByType'].values())} resources.")
    lines.append("")
    lines += ["| status | objects |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in summary["byStatus"].items()]
    lines += ["", "## Objects", "", "| object | source | status | became |", "|---|---|---|---|"]
    for src in data["sources"]:
        became = ", ".join(f"`{r['template']}` {r['logicalId']}" for r in src["resources"]) or "-"
        ns = f"{src['namespace']}/" if src["namespace"] else ""
        lines.append(f"| {_cell(src['kind'])} {_cell(ns + src['name'])} | "
                     f"`{_cell(src['file'])}:{src['line']}` | {src['status']} | {_cell(became)} |")
    attention = [(src, f) for src in data["sources"] for f in src["fields"]
                 if f["status"] in ("lossy", "unsupported")]
    lines += ["", "## Needs a human", ""]
    if not attention and not any(s.get("reason") for s in data["sources"]):
        lines.append("Nothing: every field mapped.")
    else:
        lines += ["| object | field | fate | note |", "|---|---|---|---|"]
        for src in data["sources"]:
            if src["status"] == "unsupported" and src.get("reason"):
                lines.append(f"| {_cell(src['kind'])}/{_cell(src['name'])} | (object) | "
                             f"unsupported | {_cell(src['reason'])} |")
        for src, f in attention:
            lines.append(f"| {_cell(src['kind'])}/{_cell(src['name'])} | `{_cell(f['path'])}` | "
                         f"{f['status']} | {_cell(f.get('note', ''))} |")
    rewrites = [(src, f) for src in data["sources"] for f in src["fields"]
                if f.get("note", "").startswith("DNS rewrite")]
    if rewrites:
        lines += ["", "## DNS rewrites", "", "| object | field | rewrite |", "|---|---|---|"]
        for src, f in rewrites:
            lines.append(f"| {_cell(src['kind'])}/{_cell(src['name'])} | `{_cell(f['path'])}` | "
                         f"{_cell(f['note'][len('DNS rewrite: '):])} |")
    notes = [(src, n) for src in data["sources"] for n in src.get("notes", [])]
    if notes:
        lines += ["", "## Sizing", ""]
        lines += [f"- {_cell(src['kind'])}/{_cell(src['name'])}: {_cell(n)}" for src, n in notes]
    lines.append("")
    return "\n".join(lines)


