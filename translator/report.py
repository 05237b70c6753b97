"""Report stage: what every input object became.

- JSON, the contract (version 1, pinned by report.schema.json): every field of every object
  with its fate, where it went and the line it came from;
- the report for people, as Markdown and as one self-contained HTML page (report_html.py),
  both drawn from the same tables (`tables`);
- SARIF for code-scanning tools (report_sarif.py).

Names, paths and origins only: no value from a manifest's Secret is ever read, so none can
appear here.

Another stage adds a section of its own (the cost estimate, say) by passing `Table`s as
`extra`; they come after the built-in sections, in both Markdown and HTML.
"""

from __future__ import annotations

import io
import json
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from translator.plan import Entry, EnvVar, Plan, Stack, Target


@dataclass(frozen=True)
class Code:
    """A cell shown as code: a file:line, a JSON Pointer, a logical id. The HTML page links
    it to the manifest line it names (`source`) or to a template pointer (`to`)."""

    text: str
    source: tuple[str, int] | None = None  # manifest file (as given) and line
    to: str = ""  # template#pointer, the template being a file beside the page


@dataclass(frozen=True)
class Strong:
    """A cell shown in bold: a total."""

    text: str


Cell = str | Code | Strong | tuple[str | Code, ...]  # a tuple is one cell of several lines


@dataclass(frozen=True)
class Table:
    """One section of the report for people: a title, a sentence or two, and a table."""

    title: str
    columns: tuple[str, ...]
    rows: Sequence[tuple[Cell, ...]]
    intro: str = ""
    empty: str = "None."  # said instead of an empty table
    anchor: str = ""  # HTML id; derived from the title when empty
    # per row, what the page's filters select it by: kind, namespaces and statuses (each a
    # space-separated list); empty for tables whose rows are not about objects
    keys: Sequence[tuple[str, str, str]] = ()

    @property
    def id(self) -> str:
        return self.anchor or "".join(c if c.isalnum() else "-" for c in self.title.lower())


@dataclass
class People:
    """The report for people, ready to render."""

    title: str
    lead: str
    summary: list[Table]
    workloads: list[Table]
    sections: list[Table] = field(default_factory=list)


# --- JSON, the contract ---------------------------------------------------------------


def _to(plan: Plan, target: Target | None) -> str | None:
    if target is None:
        return None
    return f"{plan.stack(target.stack).file}#{target.pointer}"


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
            one: dict[str, Any] = {"path": fate.path, "status": fate.status}
            to = _to(plan, fate.to)
            if to:
                one["to"] = to
            if fate.note:
                one["note"] = fate.note
            if fate.line is not None:
                one["line"] = fate.line
            fields.append(one)
        item["fields"] = fields
        if entry.notes:
            item["notes"] = list(entry.notes)
        if entry.env:
            item["env"] = [_env_dict(plan, var) for var in entry.env]
        sources.append(item)
    return {"version": 1, "sources": sources, "summary": summary(plan)}


def summary(plan: Plan) -> dict[str, Any]:
    """The counts report.json's summary holds, and the people's report opens with."""
    resources = Counter(r.type for s in plan.stacks for r in s.resources.values())
    field_fates = Counter(f.status for e in plan.entries for f in e.fields)
    return {
        "objects": len(plan.entries),
        "byStatus": dict(sorted(Counter(e.status for e in plan.entries).items())),
        "fieldsByStatus": dict(sorted(field_fates.items())),
        "templates": [s.file for s in plan.stacks],
        "resourcesByType": dict(sorted(resources.items())),
    }


def _env_dict(plan: Plan, var: EnvVar) -> dict[str, Any]:
    out: dict[str, Any] = {"container": var.container, "name": var.name, "eks": var.eks,
                           "ecs": var.ecs}
    to = _to(plan, var.to)
    if to:
        out["to"] = to
    if var.secret:
        out["secret"] = var.secret
    if var.secret_source:
        out["secretSource"] = var.secret_source
    if var.rewrites:
        out["rewrites"] = list(var.rewrites)
    if var.aliases:
        out["serviceConnectAliases"] = list(var.aliases)
    return out


def to_json(plan: Plan, extra: dict[str, Any] | None = None) -> str:
    """`extra`: more top-level sections (cost, suppressions); the schema allows added keys."""
    # json.dump streams into the buffer; json.dumps with an indent would first hold every
    # piece in one list (over 100 MB more at 2,000 services)
    buffer = io.StringIO()
    json.dump({**as_dict(plan), **(extra or {})}, buffer, indent=2, ensure_ascii=False)
    buffer.write("\n")
    return buffer.getvalue()


# --- the report for people --------------------------------------------------------------


def _label(entry: Entry) -> str:
    ns = f"{entry.namespace}/" if entry.namespace else ""
    return f"{entry.kind} {ns}{entry.name}"


def _where(entry: Entry, line: int | None = None) -> Code:
    return Code(f"{entry.file}:{line or entry.line}", source=(entry.file, line or entry.line))


def _key(entry: Entry, status: str) -> tuple[str, str, str]:
    return entry.kind, entry.namespace or "", status


def people(plan: Plan, extra: Sequence[Table] = ()) -> People:
    """The tables of the report for people; Markdown and HTML render the same ones."""
    counts = summary(plan)
    resources_total = sum(counts["resourcesByType"].values())
    lead = (f"{counts['objects']} Kubernetes objects -> {len(plan.stacks)} CloudFormation "
            f"templates, {resources_total} resources.")
    return People(
        title=f"eks2ecs report: {plan.app}",
        lead=lead,
        summary=[
            _by_rule(plan),
            Table("Objects by status", ("status", "objects"),
                  [(status, str(n)) for status, n in counts["byStatus"].items()],
                  anchor="objects-by-status"),
            Table("Fields by fate", ("fate", "fields"),
                  [(status, str(n)) for status, n in counts["fieldsByStatus"].items()],
                  anchor="fields-by-fate"),
            Table("Resources by type", ("CloudFormation type", "resources"),
                  [(Code(kind), str(n)) for kind, n in counts["resourcesByType"].items()],
                  anchor="resources-by-type"),
        ],
        workloads=_side_by_side(plan),
        sections=[
            _environment(plan), _dns(plan), _secrets(plan), _attention(plan), _sizing(plan),
            *extra,
        ],
    )


def _side_by_side(plan: Plan) -> list[Table]:
    """Per template: each Kubernetes object beside the CloudFormation resources it became."""
    tables = []
    made_in: dict[str, list[tuple[Entry, list[str]]]] = {}  # stack key -> entries, in order
    for entry in plan.entries:
        by_stack: dict[str, list[str]] = {}
        for key, logical in entry.resources:
            by_stack.setdefault(key, []).append(logical)
        for key, made in by_stack.items():
            made_in.setdefault(key, []).append((entry, made))
    for stack in plan.stacks:
        rows: list[tuple[Cell, ...]] = []
        keys: list[tuple[str, str, str]] = []
        owned: set[str] = set()
        for entry, made in made_in.get(stack.info.key, []):
            owned.update(made)
            rows.append((_label(entry), _where(entry), entry.status,
                         _resources(stack, made)))
            keys.append(_key(entry, entry.status))
        shared = [logical for logical in stack.resources if logical not in owned]
        if shared:  # the cluster, the shared load balancer: no one object's
            rows.insert(0, ("(shared: eks2ecs)", "-", "-", _resources(stack, shared)))
            keys.insert(0, ("", "", ""))
        if rows:
            tables.append(Table(f"{stack.file}", ("Kubernetes object", "source", "status",
                                                  "CloudFormation resources"), rows,
                                intro=stack.info.description, anchor=f"template-{stack.file}",
                                keys=keys))
    alone = [entry for entry in plan.entries if not entry.resources]
    tables.append(Table("Objects with no resource of their own",
                        ("Kubernetes object", "source", "status", "what became of it"),
                        [(_label(e), _where(e), e.status, _became(e)) for e in alone],
                        intro="Their fields live on in other objects' resources (a ConfigMap "
                              "in a task definition's Environment, say), or have no ECS "
                              "counterpart.", anchor="no-resource",
                        keys=[_key(e, e.status) for e in alone]))
    return tables


def _resources(stack: Stack, logical_ids: list[str]) -> tuple[Code, ...]:
    return tuple(Code(f"{logical} ({stack.resources[logical].type})",
                      to=f"{stack.file}#/Resources/{logical}") for logical in logical_ids)


def _became(entry: Entry) -> str:
    """What became of an object with no resource: its reason, or what its rule said."""
    if entry.reason:
        return entry.reason
    notes = list(dict.fromkeys(f.note for f in entry.fields if f.note and not f.by_engine
                               and f.status in ("mapped", "lossy")))
    return "; ".join(notes[:3]) + ("; ..." if len(notes) > 3 else "") or "nothing to map"


def _workload(entry: Entry, container: str) -> str:
    return f"{entry.kind} {entry.name} / {container}"


def _environment(plan: Plan) -> Table:
    rows: list[tuple[Cell, ...]] = []
    keys: list[tuple[str, str, str]] = []
    for entry in plan.entries:
        for var in entry.env:
            eks = f"{var.eks} (Service DNS)" if var.rewrites else var.eks
            to = _to(plan, var.to) or ""
            rows.append((_workload(entry, var.container), Code(var.name), eks, var.ecs,
                         Code(to or "-", to=to)))
            keys.append(_key(entry, entry.status))
    return Table("Environment variables", ("workload / container", "variable", "EKS source",
                                           "ECS source", "in the template"), rows,
                 intro="Each variable keeps its name; where its value comes from changes.",
                 empty="No container reads environment variables.", anchor="environment",
                 keys=keys)


def _dns(plan: Plan) -> Table:
    rows: list[tuple[Cell, ...]] = []
    for entry in plan.entries:
        for var in entry.env:
            for rewrite in var.rewrites:
                old, _, new = rewrite.partition(" -> ")
                rows.append((_workload(entry, var.container), Code(var.name), Code(old), Code(new)))
            rows += [(_workload(entry, var.container), Code(var.name), Code(alias),
                      "kept: a Service Connect alias") for alias in var.aliases]
    return Table("DNS rewrites", ("workload / container", "variable", "Kubernetes DNS name",
                                  "on ECS"), rows,
                 intro="In-cluster Service names in values become Cloud Map names, or stay as "
                       "written where a Service Connect alias answers them.",
                 empty="No value names a Service of the input.", anchor="dns")


def _secrets(plan: Plan) -> Table:
    """Every Kubernetes Secret the input defines or reads, by name only."""
    readers: dict[tuple[str | None, str], list[str]] = {}
    ecs: dict[tuple[str | None, str], str] = {}
    for entry in plan.entries:
        for var in entry.env:
            if var.secret:
                key = (entry.namespace, var.secret)
                readers.setdefault(key, []).append(f"{entry.name}/{var.container}: {var.name}")
                ecs.setdefault(key, var.ecs)
    origins: dict[tuple[str | None, str], str] = {}
    for entry in plan.entries:
        key = (entry.namespace, entry.name)
        if entry.kind == "Secret":
            created = [f"{plan.stack(stack).file} {logical}" for stack, logical in entry.resources]
            origins[key] = "manifest (values not copied)" if created else entry.reason or "manifest"
            if created:
                ecs[key] = f"Secrets Manager secret created empty in {', '.join(created)}: " \
                    "fill in the values"
    for entry in plan.entries:
        for var in entry.env:
            if var.secret and var.secret_source:
                origins.setdefault((entry.namespace, var.secret), var.secret_source)
    rows: list[tuple[Cell, ...]] = []
    for key in sorted(set(readers) | set(origins), key=lambda k: (k[0] or "", k[1])):
        ns, name = key
        rows.append((f"{ns}/{name}" if ns else name, origins.get(key, "not in the input"),
                     ecs.get(key, "-"), tuple(readers.get(key, ())) or "no container reads it"))
    return Table("Secrets", ("Kubernetes Secret", "comes from", "on ECS", "read as"), rows,
                 intro="By name only: eks2ecs never reads a Secret's values, so none is here.",
                 empty="No Secret is defined or read.", anchor="secrets")


def _attention(plan: Plan) -> Table:
    rows: list[tuple[Cell, ...]] = []
    keys: list[tuple[str, str, str]] = []
    for entry in plan.entries:
        if entry.status == "unsupported" and entry.reason \
                and not any(f.note == entry.reason for f in entry.fields):
            rows.append((_label(entry), _where(entry), "(object)", "unsupported", entry.reason))
            keys.append(_key(entry, "unsupported"))
        for fate in entry.fields:
            if fate.status in ("lossy", "unsupported"):
                rows.append((_label(entry), _where(entry, fate.line),
                             Code(fate.path, to=_to(plan, fate.to) or ""),
                             fate.status, fate.note or ""))
                keys.append(_key(entry, fate.status))
    return Table("Needs a human", ("object", "source", "field", "fate", "what to do"), rows,
                 intro="Every field that was changed on the way (lossy) or has no mapping "
                       "(unsupported), with the line it is on.",
                 empty="Nothing: every field mapped.", anchor="attention", keys=keys)


def _by_rule(plan: Plan) -> Table:
    """What needs a human, one row per rule (kind, field with list indexes as *, fate), most
    items first: the first thing a reviewer of hundreds of services reads."""
    groups: dict[tuple[str, str, str], list[tuple[Entry, str]]] = {}
    for entry in plan.entries:
        if entry.status == "unsupported" and entry.reason \
                and not any(f.note == entry.reason for f in entry.fields):
            groups.setdefault((entry.kind, "(object)", "unsupported"), []).append(
                (entry, entry.reason))
        for fate in entry.fields:
            if fate.status in ("lossy", "unsupported"):
                rule = (entry.kind, re.sub(r"/\d+(?=/|$)", "/*", fate.path), fate.status)
                groups.setdefault(rule, []).append((entry, fate.note or ""))
    rows: list[tuple[Cell, ...]] = []
    keys: list[tuple[str, str, str]] = []
    for (kind, path, status), items in sorted(groups.items(),
                                              key=lambda g: (-len(g[1]), g[0])):
        names = sorted({_label(e).split(" ", 1)[1] for e, _ in items})
        shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
        rows.append((Code(f"{kind}:{path}"), status, str(len(items)), shown, items[0][1]))
        keys.append((kind, " ".join(sorted({e.namespace or "" for e, _ in items})), status))
    return Table("Needs a human, by rule", ("rule", "fate", "items", "objects",
                                            "what to do (first item)"), rows, keys=keys,
                 intro="Each lossy or unsupported field, grouped by kind and field; the rule "
                       "is what --ignore (or ignore: in eks2ecs.yaml) accepts. Every item is "
                       "listed with its line under \"Needs a human\" below.",
                 empty="Nothing: every field mapped.", anchor="needs-a-human-by-rule")


def _sizing(plan: Plan) -> Table:
    rows: list[tuple[Cell, ...]] = [(_label(entry), note) for entry in plan.entries
                                    for note in entry.notes]
    return Table("Sizing", ("workload", "Fargate size"), rows,
                 empty="No workload to size.", anchor="sizing")


# --- Markdown ---------------------------------------------------------------------------


# Every line ending CommonMark knows (a CR alone ends a table row too), and the ones other
# viewers break on.
_LINE_BREAK = re.compile("\r\n|[\r\n\x0b\x0c\x85\u2028\u2029]")
# Inline markup a manifest string could start: code spans, links and images, emphasis with
# `*` (`_` only emphasises whole words, which names and keys seldom are: left as it is).
_MARKUP = re.compile(r"([\\`*\[\]|])")


def md_text(text: str) -> str:
    """Plain text, safe inside a Markdown table row: one line, no markup, no HTML."""
    return _MARKUP.sub(r"\\\1", _LINE_BREAK.sub(" ", text)).replace("<", "&lt;")


def md_code(text: str) -> str:
    """Text as a Markdown code span, safe inside a table row: fenced by one backtick more
    than the longest run of backticks in it, so none of them can close it."""
    text = _LINE_BREAK.sub(" ", text).replace("|", "\\|")
    fence = "`" * (max(map(len, re.findall("`+", text)), default=0) + 1)
    pad = " " if "`" in text else ""  # a span may not start or end with its fence's char
    return f"{fence}{pad}{text}{pad}{fence}"


def _md_cell(cell: Cell) -> str:
    if isinstance(cell, tuple):
        return "<br>".join(_md_cell(part) for part in cell)
    if isinstance(cell, Strong):
        return f"**{md_text(cell.text)}**"
    if isinstance(cell, Code):
        return md_code(cell.text)
    return md_text(cell)


def _md_table(table: Table, level: str) -> list[str]:
    lines = [f"{level} {md_text(table.title)}", ""]
    if table.intro:
        lines += [md_text(table.intro), ""]
    if not table.rows:
        return [*lines, table.empty, ""]
    lines.append("| " + " | ".join(md_text(c) for c in table.columns) + " |")
    lines.append("|" + "---|" * len(table.columns))
    lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in table.rows]
    return [*lines, ""]


def to_markdown(plan: Plan, extra: Sequence[Table] = ()) -> str:
    return markdown(people(plan, extra))


def markdown(report: People) -> str:
    lines = [f"# {md_text(report.title)}", "", report.lead, "", "## Summary", ""]
    for table in report.summary:
        lines += _md_table(table, "###")
    lines += ["## Workloads: Kubernetes -> CloudFormation", ""]
    for table in report.workloads:
        lines += _md_table(table, "###")
    for table in report.sections:
        lines += _md_table(table, "##")
    return "\n".join(lines).rstrip("\n") + "\n"
