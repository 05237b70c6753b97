"""Field-level accounting: every leaf of every input object has a fate, rules claim only what
their allow-list declares, every `to` lands in the rendered template, and a field reported
unsupported or ignored is really not read (changing it leaves the templates alone).

The input is walked here with its own YAML reader, independently of the loader and the rules.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from cfnlint.decode import cfn_yaml

import mappings
from mappings import service
from tests.helpers import undeclared_claims
from tests.paths import CORPUS, EXAMPLE, corpus_folders, corpus_id, needs_shared_for
from translator.api import Result, translate
from translator.context import Options
from translator.errors import InputError
from translator.load import MANIFEST_SUFFIXES, escape_pointer_token
from translator.validate import plain

POINTER = re.compile(r"^(/([^~/]|~[01])*)+$")


def objects(folder: Path) -> Iterator[dict[str, Any]]:
    for path in sorted(folder.rglob("*")):
        if path.suffix in MANIFEST_SUFFIXES:
            yield from (doc for doc in yaml.safe_load_all(path.read_text()) if doc)


def leaves(value: Any, pointer: str = "") -> Iterator[str]:
    """JSON Pointers of the scalars and empty collections of a document."""
    if isinstance(value, dict) and value:
        for key, child in value.items():
            yield from leaves(child, f"{pointer}/{escape_pointer_token(str(key))}")
    elif isinstance(value, list) and value:
        for i, child in enumerate(value):
            yield from leaves(child, f"{pointer}/{i}")
    else:
        yield pointer


def covered(leaf: str, paths: set[str]) -> bool:
    """A leaf is covered by an entry for itself or an ancestor ("/" is the whole object)."""
    return "/" in paths or any(leaf == p or leaf.startswith(p + "/") for p in paths)


def key(obj: dict[str, Any]) -> tuple[str, str, str]:
    meta = obj["metadata"]
    return obj["kind"], meta.get("namespace") or "", meta["name"]


def unnamespaced(objs: list[dict[str, Any]]) -> set[tuple[str, str]]:
    return {(o["kind"], o["metadata"]["name"]) for o in objs if not o["metadata"].get("namespace")}


def report_key(source: dict[str, Any], unnamespaced: set[tuple[str, str]]) -> tuple[str, str, str]:
    """The source's key as the input wrote it: an object that named no namespace is reported
    in the default one (namespaced kinds) or in none (cluster-scoped kinds)."""
    namespace = source["namespace"] or ""
    if (source["kind"], source["name"]) in unnamespaced and namespace in ("", "default"):
        namespace = ""
    return source["kind"], namespace, source["name"]


# --- coverage on the corpus -----------------------------------------------------------


@pytest.mark.usefixtures("shared")
@pytest.mark.parametrize("folder", corpus_folders(), ids=corpus_id)
def test_every_object_and_leaf_of_the_corpus_is_accounted_for(folder: Path) -> None:
    report = translate([str(folder)], Options(validate=False)).report
    inputs = list(objects(folder))
    entries = {report_key(s, unnamespaced(inputs)): s for s in report["sources"]}
    assert sorted(entries) == sorted(key(o) for o in inputs), "every object appears once"
    for obj in inputs:  # every leaf, nulls included
        paths = {f["path"] for f in entries[key(obj)]["fields"]}
        missing = [leaf for leaf in leaves(obj) if not covered(leaf, paths)]
        assert missing == [], f"{key(obj)}: no fate for {missing}"


# --- the allow-list -------------------------------------------------------------------


@pytest.mark.parametrize("kind", sorted(mappings.supported()))
def test_every_rule_declares_its_allow_list_as_json_pointer_patterns(kind: str) -> None:
    for api_version in mappings.supported()[kind]:
        patterns = mappings.fields_for(kind, api_version)
        assert isinstance(patterns, tuple)
        for pattern in patterns:
            assert POINTER.match(pattern), f"{kind}: {pattern!r} is not a JSON Pointer"
        assert len(set(patterns)) == len(patterns), f"{kind}: a pattern is declared twice"


def test_a_claim_outside_the_allow_list_is_caught() -> None:
    result = translate([str(EXAMPLE)], Options(validate=False))
    entry = next(e for e in result.plan.entries if e.kind == "Deployment")
    entry.mapped("/spec/template/spec/overhead", None, "a rule that forgot to declare it")
    assert undeclared_claims(result) == [
        "Deployment /spec/template/spec/overhead (mapped): declare "
        "'/spec/template/spec/overhead' in mappings.deployment.FIELDS"]


def inputs_to_check() -> list[Path]:
    return [EXAMPLE, *corpus_folders()]


@pytest.fixture(scope="module", params=inputs_to_check(), ids=lambda p: p.name)
def translated(request: pytest.FixtureRequest) -> Result:
    needs_shared_for(request, request.param)
    return translate([str(request.param)], Options(validate=False))


def test_rules_claim_only_declared_fields(translated: Result) -> None:
    assert undeclared_claims(translated) == []


# --- where fields went ----------------------------------------------------------------


def resolve(document: Any, pointer: str) -> Any:
    node = document
    for token in pointer.split("/")[1:]:
        token = token.replace("~1", "/").replace("~0", "~")
        node = node[int(token)] if isinstance(node, list) else node[token]
    return node


def test_every_to_resolves_in_the_rendered_template(translated: Result) -> None:
    templates = {name: plain(cfn_yaml.loads(text)) for name, text in translated.templates.items()}
    report = translated.report
    for source in report["sources"]:
        for field in source["fields"]:
            if field["status"] == "mapped":
                assert "to" in field or field.get("note"), \
                    f"{source['kind']}/{source['name']} {field['path']}: mapped, but neither " \
                    "where to nor why nowhere"
            if "to" not in field:
                continue
            template, _, pointer = field["to"].partition("#")
            assert template in templates, field
            try:
                resolve(templates[template], pointer)
            except (KeyError, IndexError, ValueError, TypeError):
                pytest.fail(f"{source['kind']}/{source['name']} {field['path']} -> "
                            f"{field['to']}: not in the rendered template")


# --- unsupported and ignored fields are not read --------------------------------------


def mutated(value: Any) -> Any:
    """A different value of the same type."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int | float):
        return value + 1
    if isinstance(value, str):
        return value + "-changed"
    return None  # empty collections and nulls: nothing to change


def not_read_leaves(report_source: dict[str, Any], doc: dict[str, Any]) -> list[str]:
    """Leaves whose every covering fate is unsupported or ignored."""
    fates = report_source["fields"]
    out = []
    for leaf in leaves(doc):
        around = [f for f in fates if f["path"] == "/" or leaf == f["path"]
                  or leaf.startswith(f["path"] + "/")]
        if around and all(f["status"] in ("unsupported", "ignored") for f in around):
            out.append(leaf)
    return out


def set_at(doc: dict[str, Any], pointer: str, value: Any) -> None:
    *parents, last = pointer.split("/")[1:]
    node: Any = doc
    for token in parents:
        token = token.replace("~1", "/").replace("~0", "~")
        node = node[int(token)] if isinstance(node, list) else node[token]
    last = last.replace("~1", "/").replace("~0", "~")
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value


def outputs(result: Result) -> dict[str, str]:
    return {name: text for name, text in result.files.items() if not name.startswith("report.")}


# The guide's example and corpus folders that between them use every rule.
MUTATED = [EXAMPLE, *(CORPUS / p for p in (
    "GoogleCloudPlatform__microservices-demo/release",
    "aws-samples__eks-workshop-v2/manifests/base-application/orders",
    "stefanprodan__podinfo/kustomize",
    "kubernetes-sigs__aws-load-balancer-controller/docs/examples/2048",
    "external-secrets__external-secrets/docs/snippets",
))]


def silently_read(docs: list[dict[str, Any]]) -> tuple[list[str], int]:
    """Leaves reported unsupported or ignored whose change still changes an output file,
    and how many leaves were tried. One leaf per field of a kind keeps this fast."""
    options = Options(validate=False)
    baseline = translate(["-"], options, stdin=yaml.safe_dump_all(docs, sort_keys=False))
    expected = outputs(baseline)
    entries = {report_key(s, unnamespaced(docs)): s for s in baseline.report["sources"]}
    found, tried = [], 0
    shapes: set[tuple[str, str]] = set()
    for index, doc in enumerate(docs):
        for leaf in not_read_leaves(entries[key(doc)], doc):
            value = mutated(resolve(doc, leaf))
            shape = (doc["kind"], re.sub(r"/\d+(?=/|$)", "/*", leaf))
            if value is None or shape in shapes:
                continue
            shapes.add(shape)
            changed = copy.deepcopy(docs)
            set_at(changed[index], leaf, value)
            try:
                result = translate(["-"], options, stdin=yaml.safe_dump_all(changed, sort_keys=False))
            except InputError:
                continue  # the model checks the value (an enum, a quantity): refused, not dropped
            tried += 1
            differ = sorted(n for n, text in outputs(result).items() if expected.get(n) != text)
            if differ:
                found.append(f"{'/'.join(key(doc))}#{leaf} changes {', '.join(differ)}")
    return found, tried


@pytest.mark.parametrize("folder", MUTATED, ids=lambda p: p.name)
def test_changing_an_unsupported_or_ignored_field_changes_no_template(
        folder: Path, request: pytest.FixtureRequest) -> None:
    needs_shared_for(request, folder)
    found, tried = silently_read(list(objects(folder)))
    assert found == [], "reported as not mapped, yet read"
    assert tried > 0


def test_a_rule_that_reads_a_field_without_recording_it_is_caught(
        monkeypatch: pytest.MonkeyPatch) -> None:
    original = service.map

    def forgetful(obj: Any, frag: Any, ctx: Any) -> None:
        original(obj, frag, ctx)  # reads spec.selector ...
        frag.entry.fields = [f for f in frag.entry.fields if f.path != "/spec/selector"]

    monkeypatch.setattr(service, "map", forgetful)  # ... but does not say so
    found, _ = silently_read(list(objects(EXAMPLE)))
    assert any(f.startswith("Service/angel-backend/backend#/spec/selector/app changes") for f in found)


def test_the_ledger_works_linearly_in_the_keys_of_one_object(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # counted, not timed: grouping looked at every sibling subtree once per leaf, so 5,000
    # annotations took 8.5 s and 10,000 labels 35 s (benchmarks/ times the wide object)
    from translator import mapper

    calls = 0
    real = mapper.escape_pointer_token

    def counting(token: str | int) -> str:
        nonlocal calls
        calls += 1
        return real(token)

    monkeypatch.setattr(mapper, "escape_pointer_token", counting)

    def work(keys: int) -> int:
        nonlocal calls
        labels = "".join(f"    l{k}: v\n" for k in range(keys))
        text = f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: wide\n  labels:\n{labels}"
        calls = 0
        translate(["-"], Options(validate=False), stdin=text)
        return calls

    small, large = work(500), work(2000)
    assert large <= 4.5 * small, (small, large)


def test_an_empty_map_no_rule_claims_is_ignored_as_not_written() -> None:
    """`securityContext: {}` sets nothing, so it is no item to review; an empty list item
    (a NetworkPolicy's `- {}` admits everyone) is not taken for nothing."""
    from tests.helpers import deployment, docs, fate, source, translate_yaml

    result = translate_yaml(deployment(pod="securityContext: {}",
                                       container="securityContext: {}"))
    for path in ("/spec/template/spec/securityContext",
                 "/spec/template/spec/containers/0/securityContext"):
        item = fate(result, "Deployment", "web", path)
        assert (item["status"], item["note"]) == ("ignored", "empty: sets nothing, as if not written")
    assert not result.suppressions.open
    policy = translate_yaml(docs(deployment(), """apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: all, namespace: shop}
spec: {podSelector: {}, ingress: [{}]}
"""))
    assert all("empty" not in (f["note"] or "") for f in
               source(policy, "NetworkPolicy", "all")["fields"])
