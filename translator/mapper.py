"""Map stage: manifests -> models -> rule fragments -> one assembled plan.

Also completes the ledger: every leaf of every object that no rule accounted for is reported
(unsupported, or ignored with why for fields that never mean anything on ECS). What a rule may
claim is bounded by its allow-list (`FIELDS`, see mappings/__init__.py); `undeclared` finds
claims outside it, which the tests treat as rule bugs. The rules come from the installed rule
set (translator.rules).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from pydantic import ValidationError

from translator import generated, literal_defaults, rules, select, unique_names
from translator.context import Context, Options, Source
from translator.errors import InputError
from translator.load import Manifest, escape_pointer_token, resolve_pointer
from translator.models import KubeObject
from translator.plan import (
    Entry,
    FieldFate,
    FieldStatus,
    Fragment,
    Plan,
    PlanConflict,
    Target,
    assemble,
)

LAST_APPLIED = "/metadata/annotations/kubectl.kubernetes.io~1last-applied-configuration"
# Fields that describe an object's life in a cluster, not what it is.
ALWAYS_IGNORED = {
    "/status": "runtime state written by Kubernetes",
    "/metadata/uid": "assigned by the API server",
    "/metadata/resourceVersion": "assigned by the API server",
    "/metadata/generation": "assigned by the API server",
    "/metadata/creationTimestamp": "assigned by the API server",
    "/metadata/managedFields": "server-side apply bookkeeping",
    "/metadata/selfLink": "assigned by the API server",
    LAST_APPLIED: "kubectl bookkeeping",
}
IDENTITY = ("/apiVersion", "/kind", "/metadata/name", "/metadata/namespace")

# envsubst placeholders ($VAR, ${VAR}) left in manifests meant to be rendered first. Scripts
# and config files (multi-line values, command and args) use $ for their own variables.
PLACEHOLDER = re.compile(r"\$(?:\{[A-Za-z_][A-Za-z0-9_]*\}|[A-Za-z_][A-Za-z0-9_]*)")
# The scan never reads a Secret (a password may well hold a `$`, and its values are never
# copied, so a placeholder there deploys nothing; kubectl's copy of it in an annotation holds
# them again, wherever a mangled manifest puts it), nor kubectl's copy of any object.
LAST_APPLIED_KEY = LAST_APPLIED.rsplit("/", 1)[1]


def build_model(manifest: Manifest, rule: Any) -> KubeObject:
    try:
        doc = rule.prepare(manifest.doc) if hasattr(rule, "prepare") else manifest.doc
        model_class = getattr(rule, "MODELS", {}).get(manifest.kind, rule.MODEL)
        model: KubeObject = model_class.model_validate(doc)
    except ValidationError as exc:
        first = exc.errors()[0]
        pointer = "".join(f"/{escape_pointer_token(p)}" for p in first["loc"])
        message = first["msg"]
        if first["type"] == "missing":
            message = "required field is missing"
        elif first["type"] == "string_pattern_mismatch":  # only names have patterns
            message = ("not a name Kubernetes accepts (RFC 1123: lowercase letters, digits, '-'; "
                       f"got {_describe(first['input'])})")
        elif "input" in first and first["type"] != "value_error":
            message += f" (got {_describe(first['input'])})"
        raise InputError(message, manifest.file, manifest.line_of(pointer), obj=manifest.ref,
                         field=pointer or None) from None
    return model


def _describe(value: Any) -> str:
    if isinstance(value, str):
        return repr(value) if len(value) <= 40 else f"a string of {len(value)} characters"
    if isinstance(value, dict | list):
        return f"a {type(value).__name__}"
    return repr(value)


def new_entry(m: Manifest) -> Entry:
    return Entry(m.kind, m.api_version, m.name, m.namespace, m.file, m.line)


def build_plan(manifests: list[Manifest], options: Options) -> Plan:
    ruleset = rules.installed()
    sources: list[Source] = []
    unmapped: list[tuple[Fragment, Manifest]] = []
    seen: dict[tuple[str, str, str], Manifest] = {}
    known = generated.index(manifests, options.namespace)
    left_out = select.left_out(manifests, options.selector, options.only, options.namespace)
    for manifest in manifests:
        key = (manifest.kind, manifest.namespace or options.namespace, manifest.name)
        if key in seen:
            first = seen[key]
            raise InputError(f"defined twice (first at {first.file}:{first.line})",
                             manifest.file, manifest.line, obj=manifest.ref)
        seen[key] = manifest
        why = left_out.get(id(manifest)) or generated.why_ignored(manifest, known,
                                                                    options.namespace)
        rule = ruleset.rule_for(manifest.kind, manifest.api_version)
        if rule is None or why is not None:
            unmapped.append((Fragment(_unmapped_entry(manifest, ruleset, why)), manifest))
            continue
        sources.append(Source(manifest, build_model(manifest, rule)))

    # what the selection left out is not there to refer to, as if not in the input
    ctx = Context(sources, options, [m for _, m in unmapped if id(m) not in left_out],
                  {(m.kind, m.namespace or options.namespace, m.name): left_out[id(m)]
                   for _, m in unmapped if id(m) in left_out})
    foundation = Fragment(Entry("", "", "", None, "", 1))
    ruleset.foundation(foundation, ctx)
    fragments = [foundation]
    for source in sources:
        rule = ruleset.rule_for(source.manifest.kind, source.manifest.api_version)
        assert rule is not None
        frag = Fragment(new_entry(source.manifest))
        if not source.model.cluster_scoped():
            frag.entry.namespace = ctx.namespace_of(source.model)  # the -n default included
        rule.map(source.model, frag, ctx)
        complete_ledger(frag.entry, source.manifest, ruleset.controller_annotations)
        fragments.append(frag)
    for frag, manifest in unmapped:
        complete_ledger(frag.entry, manifest, ruleset.controller_annotations)
    try:
        plan = assemble(ctx.app, fragments + [frag for frag, _ in unmapped])
    except PlanConflict as exc:
        raise unique_names.conflict_error(exc) from None
    unique_names.check(plan, fragments)
    plan.entries = [e for e in plan.entries if e.kind]  # the foundation has no source
    for stack in plan.stacks:
        literal_defaults.guard(stack)
    ruleset.annotate(plan)
    point_sources_at_copies([(frag.entry, source.manifest)
                             for frag, source in zip(fragments[1:], sources, strict=True)])
    plan.entries.sort(key=lambda e: (e.file, e.line))
    return plan


def point_sources_at_copies(sources: list[tuple[Entry, Manifest]]) -> None:
    """A ConfigMap key or an ExternalSecret data item has no resource of its own: its `to` is
    every task-definition entry its value goes to, which only the readers' rules know."""
    copies: dict[tuple[str, str, str, str], list[Target]] = {}  # kind, namespace, name, key
    for entry, _ in sources:
        for var in entry.env:
            if var.reads is not None and var.to is not None:
                kind, name, key = var.reads
                copies.setdefault((kind, entry.namespace or "default", name, key), []).append(var.to)
    for entry, manifest in sources:
        read_as = _read_as(entry, manifest.doc)
        if read_as is None:
            continue
        kind, name, keys = read_as
        fields: list[FieldFate] = []
        for fate in entry.fields:
            wanted = keys.get(fate.path, "")
            targets = copies.get((kind, entry.namespace or "default", name, wanted), [])
            if fate.status == "mapped" and fate.to is None and targets:
                fields += [replace(fate, to=target) for target in targets]
            else:
                fields.append(fate)
        entry.fields = fields


def _read_as(entry: Entry, doc: dict[str, Any]) -> tuple[str, str, dict[str, str]] | None:
    """(kind, name, field path -> key) under which workloads read an object's values."""
    if entry.kind == "ConfigMap":
        data = doc.get("data") or {}
        return "ConfigMap", entry.name, {f"/data/{escape_pointer_token(k)}": k for k in data}
    if entry.kind == "ExternalSecret":
        spec = doc.get("spec") or {}
        target = (spec.get("target") or {}).get("name") or entry.name
        items = spec.get("data") or []
        return "Secret", target, {f"/spec/data/{i}": item.get("secretKey", "")
                                  for i, item in enumerate(items) if isinstance(item, dict)}
    return None


def _unmapped_entry(m: Manifest, ruleset: rules.RuleSet, ignored: str | None = None) -> Entry:
    """The entry of an object no rule maps: `ignored` (why), an ignored kind, or unsupported."""
    entry = new_entry(m)
    if ignored is not None or m.kind in ruleset.ignored_kinds:
        entry.status = "ignored"
        entry.reason = ignored or ruleset.ignored_kinds[m.kind]
        entry.fields.append(FieldFate("/", "ignored", None, entry.reason, by_engine=True))
        return entry
    entry.status = "unsupported"
    known = ruleset.supported().get(m.kind)
    if known:
        entry.reason = f"{m.kind} is mapped for apiVersion {', '.join(known)}, not {m.api_version}"
    else:
        entry.reason = f"no rule maps {m.kind} ({m.api_version}) to ECS yet"
    entry.fields.append(FieldFate("/", "unsupported", None, entry.reason, by_engine=True))
    return entry


def _leaves(value: Any, pointer: str) -> list[tuple[str, Any]]:
    """(JSON Pointer, value) of every leaf below `pointer`: walked once, read by both the
    placeholder scan and the ledger."""
    if isinstance(value, dict) and value:
        return [leaf for k, v in value.items() for leaf in _leaves(v, f"{pointer}/{escape_pointer_token(k)}")]
    if isinstance(value, list) and value:
        return [leaf for i, v in enumerate(value) for leaf in _leaves(v, f"{pointer}/{i}")]
    return [(pointer, value)]


def _sets_nothing(leaf: str, value: Any) -> bool:
    """An empty map under a field's name (`securityContext: {}`) is the field not written; an
    empty list item or an `emptyDir: {}` volume source means something, so it is not."""
    last = leaf.rsplit("/", 1)[-1]
    return value == {} and not last.isdigit() and last != "emptyDir"


def _covered(leaf: str, paths: set[str]) -> bool:
    if "/" in paths:
        return True
    probe = leaf
    while probe:
        if probe in paths:
            return True
        probe = probe.rsplit("/", 1)[0]
    return False


def complete_ledger(entry: Entry, manifest: Manifest,
                    controllers: Mapping[str, str] | None = None) -> None:
    """Account for every leaf no rule claimed, grouped under the largest unclaimed subtree.
    An annotation a controller reads (`controllers`: prefix -> who) is unsupported, not
    ignored as other annotations are: it changed what the cluster did."""
    leaves = _leaves(manifest.doc, "")
    _placeholders(entry, leaves)
    claimed = {f.path for f in entry.fields}

    def account(path: str, status: FieldStatus, note: str) -> None:
        entry.fields.append(FieldFate(path, status, None, note, by_engine=True))
        claimed.add(path)

    for path in IDENTITY:
        if path not in claimed and _exists(manifest.doc, path):
            account(path, "mapped", "identifies the object")
    for path, why in ALWAYS_IGNORED.items():
        if path not in claimed and _exists(manifest.doc, path):
            account(path, "ignored", why)
    for path in manifest.nulls:  # left out of the document the rules read (translator.load)
        account(path, "ignored", "null: absent, as the API server reads it")
    for key in _annotations(manifest.doc):
        path = f"/metadata/annotations/{escape_pointer_token(key)}"
        reader = next((who for prefix, who in (controllers or {}).items()
                       if key.startswith(prefix)), None)
        if reader is not None and not _covered(path, claimed):
            account(path, "unsupported", f"{reader} acted on this annotation on EKS; no rule "
                    "maps what it did")
    uncovered = [leaf for leaf, _ in leaves if not _covered(leaf, claimed)]
    settings = {leaf for leaf, value in leaves if not _covered(leaf, claimed)
                and not _sets_nothing(leaf, value)}
    for path in _group(uncovered, claimed):
        if path.startswith("/metadata/labels") or path.startswith("/metadata/annotations"):
            account(path, "ignored", "no rule reads this label or annotation")
        elif not any(leaf == path or leaf.startswith(path + "/") for leaf in settings):
            account(path, "ignored", "empty: sets nothing, as if not written")
        else:
            account(path, "unsupported", f"no rule maps this {entry.kind} field yet")
    if entry.status == "mapped" and any(f.status in ("lossy", "unsupported") for f in entry.fields):
        entry.status = "partial"
    for fate in entry.fields:
        fate.line = manifest.line_of(fate.path)
    entry.fields.sort(key=lambda f: (f.path, f.status))


def _annotations(doc: dict[str, Any]) -> list[str]:
    meta = doc.get("metadata")
    annotations = meta.get("annotations") if isinstance(meta, dict) else None
    return sorted(annotations) if isinstance(annotations, dict) else []


def _placeholders(entry: Entry, leaves: list[tuple[str, Any]]) -> None:
    """Report envsubst placeholders: they are kept literally, never expanded or turned into
    CloudFormation substitutions, so the value deployed is the placeholder itself."""
    if entry.kind == "Secret":
        return
    for path, value in leaves:
        if not isinstance(value, str) or "\n" in value or re.search(r"/(command|args)/\d+$", path):
            continue
        if f"/{LAST_APPLIED_KEY}/" in f"{path}/":
            continue
        found = sorted(set(PLACEHOLDER.findall(value)))
        if found:
            entry.fields.append(FieldFate(
                path, "lossy", None, f"placeholder left unexpanded: {', '.join(found)} is kept "
                "literally; render the manifest (envsubst) before translating, or edit the value "
                "in the output", by_engine=True))


def matches(path: str, pattern: str) -> bool:
    """Whether a JSON Pointer is an instance of an allow-list pattern (`*`: any one token)."""
    tokens, wanted = path.split("/"), pattern.split("/")
    return len(tokens) == len(wanted) and all(w in ("*", t) for t, w in zip(tokens, wanted, strict=True))


def undeclared(entry: Entry, patterns: tuple[str, ...]) -> list[FieldFate]:
    """Claims (mapped, lossy, ignored) outside the rule's allow-list: rule bugs.

    Unsupported claims may sit anywhere (they only sharpen the suggestion); what
    `complete_ledger` accounts for is the engine's, not the rule's.
    """
    return [f for f in entry.fields
            if f.status != "unsupported" and not f.by_engine
            and not any(matches(f.path, p) for p in patterns)]


def _exists(doc: Any, pointer: str) -> bool:
    """Whether a pointer of mapping keys (IDENTITY, ALWAYS_IGNORED) names a field here."""
    try:
        resolve_pointer(doc, pointer)
    except (KeyError, IndexError, TypeError, ValueError):
        return False
    return True


def _group(leaves: list[str], claimed: set[str]) -> list[str]:
    """Collapse unclaimed leaves into the highest ancestors with nothing claimed at or under
    them (so their whole subtree is unclaimed): one walk up per leaf, linear in the leaves."""
    held = {""}  # the claims and every ancestor of one: a subtree holding a claim
    for path in claimed:
        while path not in held:
            held.add(path)
            path = path.rsplit("/", 1)[0]
    tops: dict[str, None] = {}  # in the order of the leaves
    for leaf in leaves:
        top = leaf
        while (parent := top.rsplit("/", 1)[0]) not in held:
            top = parent
        tops.setdefault(top, None)
    return list(tops)
