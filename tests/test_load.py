"""translator.load: files, folders, stdin and JSON in; objects with file:line out; every kind
of bad input refused with an InputError that names the place."""

from __future__ import annotations

import contextlib
import io
import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from translator import load
from translator.errors import InputError
from translator.load import MAX_NODES

CONFIGMAP = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: {name}
data:
  key: value
"""


def configmap(name: str) -> str:
    return CONFIGMAP.format(name=name)


def load_text(text: str) -> list[load.Manifest]:
    return load.load(["-"], stdin=textwrap.dedent(text))


def refused(text: str) -> InputError:
    with pytest.raises(InputError) as info:
        load_text(text)
    return info.value


# --- what is read -------------------------------------------------------------------------


def test_a_multi_document_file_yields_every_object_with_its_own_line(tmp_path: Path) -> None:
    path = tmp_path / "app.yaml"
    path.write_text(
        "# leading comment\n"  # 1
        "---\n"  # 2
        "apiVersion: v1\n"  # 3
        "kind: ConfigMap\n"  # 4
        "metadata:\n"  # 5
        "  name: first\n"  # 6
        "---\n"  # 7
        "---\n"  # 8: an empty document is skipped
        "# a comment before the object\n"  # 9
        "apiVersion: v1\n"  # 10
        "kind: Service\n"  # 11
        "metadata:\n"  # 12
        "  name: second\n"  # 13
        "  namespace: shop\n"  # 14
        "...\n"  # 15
        "---\n"  # 16
        "apiVersion: apps/v1\n"  # 17
        "kind: Deployment\n"  # 18
        "metadata: {name: third}\n"  # 19
    )
    manifests = load.load([str(path)])
    assert [(m.kind, m.name, m.namespace, m.line) for m in manifests] == [
        ("ConfigMap", "first", None, 3),
        ("Service", "second", "shop", 10),
        ("Deployment", "third", None, 17),
    ]
    assert {m.file for m in manifests} == {str(path)}
    assert [m.ref for m in manifests] == ["ConfigMap/first", "Service/second", "Deployment/third"]
    assert manifests[1].api_version == "v1"
    assert manifests[1].line_of("/metadata/namespace") == 14


def test_a_list_is_split_into_its_items_with_their_lines() -> None:
    manifests = load_text("""\
        apiVersion: v1
        kind: List
        items:
          - apiVersion: v1
            kind: ConfigMap
            metadata:
              name: one
            data:
              a: "1"
          - apiVersion: v1
            kind: Secret
            metadata:
              name: two
        """)
    assert [(m.kind, m.name, m.line) for m in manifests] == [
        ("ConfigMap", "one", 4), ("Secret", "two", 10)]
    # pointers are relative to the item, not to the List
    assert manifests[0].line_of("/data/a") == 9
    assert manifests[0].line_of("/metadata/name") == 7
    assert manifests[1].line_of("/metadata") == 12
    assert "items" not in manifests[0].doc and manifests[0].doc["data"] == {"a": "1"}


def test_a_typed_list_of_many_items_keeps_each_items_lines_apart() -> None:
    items = [{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": f"cm-{i}"},
              "data": {"n": str(i)}} for i in range(12)]
    text = json.dumps({"apiVersion": "v1", "kind": "ConfigMapList", "items": items}, indent=1)
    manifests = load.load(["-"], stdin=text)
    assert [m.name for m in manifests] == [f"cm-{i}" for i in range(12)]
    lines = text.splitlines()
    for m in (manifests[1], manifests[11]):
        expected = next(n for n, line in enumerate(lines, 1) if f'"{m.name}"' in line)
        assert m.line_of("/metadata/name") == expected
        assert m.doc["data"]["n"] == m.name.removeprefix("cm-")


def test_an_empty_list_yields_nothing() -> None:
    assert load_text("apiVersion: v1\nkind: List\nitems: []\n") == []


def test_a_folder_is_read_recursively_sorted_and_only_manifest_suffixes(tmp_path: Path) -> None:
    (tmp_path / "b" / "deep").mkdir(parents=True)
    (tmp_path / "c").mkdir()
    (tmp_path / "b" / "deep" / "z.yaml").write_text(configmap("bz"))
    (tmp_path / "a.yml").write_text(configmap("a"))
    (tmp_path / "c" / "c.json").write_text(json.dumps(
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cj"}}))
    (tmp_path / "b" / "m.YAML").write_text(configmap("bm"))
    (tmp_path / "notes.txt").write_text("kind: not a manifest\n")
    (tmp_path / "README.md").write_text("# docs\n")
    (tmp_path / "chart.tpl").write_text("{{ .Values }}\n")
    manifests = load.load([str(tmp_path)])
    assert [m.name for m in manifests] == ["a", "bz", "bm", "cj"]
    assert [Path(m.file).relative_to(tmp_path).as_posix() for m in manifests] == [
        "a.yml", "b/deep/z.yaml", "b/m.YAML", "c/c.json"]


def test_sources_are_read_in_the_order_given_with_stdin_in_its_place(tmp_path: Path) -> None:
    (tmp_path / "x.yaml").write_text(configmap("from-file"))
    manifests = load.load(["-", str(tmp_path / "x.yaml")], stdin=configmap("from-stdin"))
    assert [(m.file, m.name, m.line) for m in manifests] == [
        ("-", "from-stdin", 1), (str(tmp_path / "x.yaml"), "from-file", 1)]


def test_stdin_is_read_as_utf8_bytes_when_no_text_is_given(
        monkeypatch: pytest.MonkeyPatch) -> None:
    data = "\ufeff" + configmap("caf\u00e9-x").replace("value", "d\u00e9j\u00e0 vu")
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data.encode("utf-8"))))
    [manifest] = load.load(["-"])
    assert manifest.file == "-"
    assert manifest.name == "caf\u00e9-x"
    assert manifest.doc["data"]["key"] == "d\u00e9j\u00e0 vu"


def test_a_json_file_is_read_with_lines_per_field(tmp_path: Path) -> None:
    path = tmp_path / "svc.json"
    path.write_text(
        "{\n"  # 1
        '  "apiVersion": "v1",\n'  # 2
        '  "kind": "Service",\n'  # 3
        '  "metadata": {\n'  # 4
        '    "name": "api",\n'  # 5
        '    "annotations": {"example.com/team": "core"}\n'  # 6
        "  },\n"  # 7
        '  "spec": {\n'  # 8
        '    "ports": [\n'  # 9
        '      {"port": 80,\n'  # 10
        '       "targetPort": 8080}\n'  # 11
        "    ]\n"  # 12
        "  }\n"  # 13
        "}\n"  # 14
    )
    [svc] = load.load([str(path)])
    assert (svc.kind, svc.name, svc.line) == ("Service", "api", 1)
    assert svc.doc["spec"]["ports"] == [{"port": 80, "targetPort": 8080}]
    assert svc.line_of("/metadata/name") == 5
    assert svc.line_of("/metadata/annotations/example.com~1team") == 6
    assert svc.line_of("/spec/ports/0") == 10
    assert svc.line_of("/spec/ports/0/targetPort") == 11


def test_line_of_names_the_field_or_its_nearest_ancestor() -> None:
    [dep] = load_text("""\
        # the Deployment
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
          annotations:
            eks.amazonaws.com/role-arn: arn
            odd~key: x
        spec:
          replicas: 2
          template:
            spec:
              containers:
                - name: web
                  image: nginx
                  env:
                    - name: A
                      value: "1"
        """)
    assert dep.line == 2
    assert dep.line_of("") == 2
    assert dep.line_of("/kind") == 3
    assert dep.line_of("/spec/replicas") == 10
    assert dep.line_of("/metadata/annotations/eks.amazonaws.com~1role-arn") == 7
    assert dep.line_of("/metadata/annotations/odd~0key") == 8
    assert dep.line_of("/spec/template/spec/containers/0") == 14
    assert dep.line_of("/spec/template/spec/containers/0/image") == 15
    assert dep.line_of("/spec/template/spec/containers/0/env/0/value") == 18
    # absent fields fall back to the closest present ancestor
    assert dep.line_of("/spec/template/spec/containers/0/ports/0/containerPort") == 14
    assert dep.line_of("/spec/strategy/type") == 9
    assert dep.line_of("/status") == 2


def test_yaml_merge_keys_and_anchors_are_resolved() -> None:
    [cm] = load_text("""\
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: merged
          labels: &labels
            app: web
        data:
          <<: {A: "1", B: "2"}
          C: "3"
        """)
    assert cm.doc["data"] == {"A": "1", "B": "2", "C": "3"}
    assert cm.doc["metadata"]["labels"] == {"app": "web"}


def test_a_key_written_beside_a_merge_overrides_the_merged_one() -> None:
    [cm] = load_text("""\
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: merged}
        data:
          <<: [{A: "first", B: "b"}, {A: "second", D: "d"}]
          B: "written"
        """)
    # YAML merge: earlier maps in the list win over later ones, written keys over all of them
    assert cm.doc["data"] == {"A": "first", "B": "written", "D": "d"}


def test_a_key_written_twice_beside_a_merge_is_still_refused() -> None:
    with pytest.raises(InputError, match="duplicate key 'B'"):
        load_text("""\
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: merged}
            data:
              <<: {A: "a"}
              B: "1"
              B: "2"
            """)


# --- what is refused ----------------------------------------------------------------------


def test_malformed_yaml_names_file_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(configmap("ok") + "---\napiVersion: v1\nkind: ConfigMap\n"
                    "metadata:\n  name: bad\ndata:\n  x: [1, 2\n")
    with pytest.raises(InputError) as info:
        load.load([str(path)])
    err = info.value
    assert str(err) == f"{path}:14:1: invalid YAML: did not find expected ',' or ']'"
    assert (err.file, err.line, err.column) == (str(path), 14, 1)


def test_bad_indentation_is_invalid_yaml_with_its_place() -> None:
    err = refused("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n   bad: x\n")
    assert str(err).startswith("-:5:")
    assert "invalid YAML" in str(err)


def test_tab_indentation_is_invalid_yaml_with_its_place() -> None:
    err = refused("apiVersion: v1\nkind: ConfigMap\nmetadata:\n\tname: a\n")
    assert str(err).startswith("-:4:1: invalid YAML: ")


def test_a_duplicate_key_is_refused_at_the_second_key() -> None:
    err = refused("""\
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: a
          labels:
            app: one
            app: two
        """)
    assert str(err) == "-:7:5: duplicate key 'app' (kubectl rejects this too)"


def test_a_duplicate_top_level_key_is_refused() -> None:
    err = refused("apiVersion: v1\nkind: ConfigMap\nkind: Secret\nmetadata: {name: a}\n")
    assert str(err) == "-:3:1: duplicate key 'kind' (kubectl rejects this too)"


def test_non_utf8_bytes_are_refused_with_their_line(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: caf\xff\n")
    with pytest.raises(InputError) as info:
        load.load([str(path)])
    assert str(info.value) == f"{path}:4: not UTF-8: byte 0xff cannot be decoded"


def test_non_utf8_stdin_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"kind: x\n\xfe\n")))
    with pytest.raises(InputError) as info:
        load.load(["-"])
    assert str(info.value) == "-:2: not UTF-8: byte 0xfe cannot be decoded"


BILLION_LAUGHS = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: lol
data:
  a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
  b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
  c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
  d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
  e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
  f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
  g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
  h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
  i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]
"""

_BOMB_PROBE = """\
import json, resource, sys, time
from translator import load
from translator.errors import InputError
from translator.load import MAX_NODES
text = sys.stdin.read()
start = time.monotonic()
try:
    load.load(["-"], stdin=text)
    message = None
except InputError as exc:
    message = str(exc)
# this process's own peak: ru_maxrss also counts the parent's peak before the fork on Linux
try:
    with open("/proc/self/status") as status:
        peak = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
except OSError:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"message": message, "seconds": time.monotonic() - start,
                  "maxrss_kib": peak}))
"""


def test_an_alias_bomb_is_refused_quickly_without_eating_memory() -> None:
    # 9**9 (387 million) strings if expanded; a subprocess so a hang or a blow-up cannot
    # take the test run with it
    done = subprocess.run([sys.executable, "-c", _BOMB_PROBE], input=BILLION_LAUGHS,
                          capture_output=True, text=True, timeout=60, check=True)
    probe = json.loads(done.stdout)
    assert probe["message"] is not None, "the alias bomb was loaded"
    assert probe["message"].startswith("-:")
    assert "alias bomb" in probe["message"] and "refused" in probe["message"]
    assert probe["seconds"] < 10
    assert probe["maxrss_kib"] < 600 * 1024


def test_an_alias_bomb_is_an_input_error_in_process() -> None:
    start = time.monotonic()
    err = refused(BILLION_LAUGHS)
    assert time.monotonic() - start < 10
    assert err.file == "-" and err.line is not None and 6 <= err.line <= 14
    assert f"more than {MAX_NODES} nodes" in err.message


def test_plain_anchors_reused_a_few_times_are_fine() -> None:
    [cm] = load_text("""\
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: ok
          labels: &l {app: web, tier: front}
          annotations: *l
        """)
    assert cm.doc["metadata"]["annotations"] == {"app": "web", "tier": "front"}


@pytest.mark.parametrize("opening, closing", [("[", "]"), ("{a: ", "}")])
def test_deep_nesting_is_refused(opening: str, closing: str) -> None:
    nested = opening * 200 + "x" + closing * 200
    err = refused(f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: deep\ndata:\n"
                  f"  deep: {nested}\n")
    assert str(err).startswith("-:6: nesting deeper than 64 levels; refused")


# PyYAML gives up on extreme nesting in its own way, which changed in 6.0.4 (libyaml's depth
# cap instead of a RecursionError); its pure-Python loader still recurses. All read the same.
# (The pure-Python loader takes seconds to recurse through a flow sequence; a mapping is quick.)
DEEP_SEQUENCE, DEEP_MAPPING = "[" * 3000 + "]" * 3000, "{a: " * 3000 + "}" * 3000
DEEP_CASES = [pytest.param(yaml.SafeLoader, DEEP_MAPPING, id="pure-python")] + ([
    pytest.param(yaml.CSafeLoader, DEEP_SEQUENCE, id="libyaml-sequence"),
    pytest.param(yaml.CSafeLoader, DEEP_MAPPING, id="libyaml-mapping"),
] if yaml.__with_libyaml__ else [])


@pytest.mark.parametrize("loader, nested", DEEP_CASES)
def test_extremely_deep_nesting_is_refused_not_a_recursion_crash(
        monkeypatch: pytest.MonkeyPatch, loader: type, nested: str) -> None:
    monkeypatch.setattr(load, "_Loader", loader)
    err = refused(f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: deep\ndata:\n  x: {nested}\n")
    assert err.file == "-"
    assert err.message == "nesting deeper than 64 levels; refused"
    assert err.line in (None, 6)


def test_nesting_within_the_limit_loads() -> None:
    [cm] = load_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok\ndata:\n"
                     "  x: " + "[" * 50 + "1" + "]" * 50 + "\n")
    value = cm.doc["data"]["x"]
    for _ in range(50):
        value = value[0]
    assert value == 1


@pytest.mark.parametrize("text, line", [
    ("- apiVersion: v1\n  kind: ConfigMap\n", 1),
    ("just a string\n", 1),
    ("42\n", 1),
    ("apiVersion: v1\nmetadata:\n  name: nokind\n", 1),
    ("kind: ConfigMap\nmetadata:\n  name: noapiversion\n", 1),
    (configmap("fine") + "---\n# second\nfoo: bar\nbaz: 1\n", 9),
])
def test_a_document_that_is_not_a_kubernetes_object_is_refused(text: str, line: int) -> None:
    err = refused(text)
    assert str(err) == (f"-:{line}: not a Kubernetes object "
                        "(a mapping with apiVersion and kind is expected)")


def test_a_non_string_kind_is_refused_at_its_line() -> None:
    err = refused("apiVersion: v1\nmetadata:\n  name: a\nkind: 5\n")
    assert str(err) == "-:4: kind must be a string"


@pytest.mark.parametrize("text, line", [
    ("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  namespace: shop\n", 3),
    ("apiVersion: v1\nkind: ConfigMap\ndata: {}\n", 1),
    ("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ''\n", 3),
    ("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: 7\n", 3),
    ("apiVersion: v1\nkind: ConfigMap\nmetadata: [a]\n", 3),
])
def test_a_missing_metadata_name_is_refused(text: str, line: int) -> None:
    err = refused(text)
    assert str(err) == f"-:{line}: ConfigMap: metadata.name is required"


def test_a_missing_name_inside_a_list_names_the_items_line() -> None:
    err = refused("""\
        apiVersion: v1
        kind: List
        items:
          - apiVersion: v1
            kind: ConfigMap
            metadata:
              name: a
          - apiVersion: v1
            kind: Secret
            metadata:
              labels: {x: y}
        """)
    assert str(err) == "-:10: Secret: metadata.name is required"


def test_a_list_whose_items_are_not_a_list_is_refused() -> None:
    err = refused("apiVersion: v1\nkind: List\nitems:\n  a: b\n")
    assert str(err) == "-:3: items of a List must be a list"


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    with pytest.raises(InputError) as info:
        load.load([str(missing)])
    assert str(info.value) == f"{missing}: no such file or folder"


def test_a_folder_without_manifests_is_refused(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello\n")
    with pytest.raises(InputError) as info:
        load.load([str(tmp_path)])
    assert str(info.value) == f"{tmp_path}: no *.yaml, *.yml or *.json files in this folder"


def test_a_later_bad_file_fails_the_whole_load(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(configmap("a"))
    (tmp_path / "b.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b\n")
    with pytest.raises(InputError) as info:
        load.load([str(tmp_path)])
    assert str(info.value).startswith(f"{tmp_path / 'b.yaml'}:4:1: invalid YAML: ")


def test_python_tags_are_never_executed(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    text = ("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n"
            f"  x: !!python/object/apply:os.system ['touch {marker}']\n")
    with contextlib.suppress(InputError):
        load_text(text)
    assert not marker.exists()


def test_a_python_tag_on_a_scalar_is_refused_at_its_place() -> None:
    err = refused("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n"
                  "  x: !!python/name:os.system x\n")
    assert str(err) == ("-:6:6: could not determine a constructor for the tag "
                        "'tag:yaml.org,2002:python/name:os.system'")


# --- null: absent, as the API server reads it ------------------------------------------------


def test_a_field_written_as_null_is_absent_and_remembered_with_its_line() -> None:
    [deployment] = load_text("""\
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web, namespace: ~}
        spec:
          strategy:
            rollingUpdate:
          template:
            spec:
              containers:
                - name: web
                  volumeMounts:
                  args: [a, null]
              volumes: null
        """)
    pod = deployment.doc["spec"]["template"]["spec"]
    assert pod == {"containers": [{"name": "web", "args": ["a", None]}]}  # a list item stays
    assert deployment.doc["spec"]["strategy"] == {}
    assert deployment.namespace is None
    assert deployment.nulls == ("/metadata/namespace", "/spec/strategy/rollingUpdate",
                                "/spec/template/spec/containers/0/volumeMounts",
                                "/spec/template/spec/volumes")
    assert deployment.line_of("/spec/template/spec/volumes") == 13


def test_nulls_of_list_items_are_the_items_own() -> None:
    items = [{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": f"c{i}"},
              "data": None if i == 10 else {"k": "v"}} for i in range(11)]
    manifests = load_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": items}))
    assert [m.nulls for m in manifests] == [()] * 10 + [("/data",)]


def test_a_key_written_twice_is_refused_even_when_the_first_is_null() -> None:
    err = refused("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata:\ndata: {}\n")
    assert "duplicate key 'data'" in str(err)


# --- explicit tags ---------------------------------------------------------------------------


SECRET_VALUE = "Hunter2-TopSecret-Value"
UNFIT_TAGS = [("int", SECRET_VALUE), ("int", "0x"), ("bool", SECRET_VALUE), ("float", SECRET_VALUE),
              ("timestamp", SECRET_VALUE), ("timestamp", "2020-13-45")]


@pytest.mark.parametrize(("tag", "value"), UNFIT_TAGS, ids=lambda v: str(v))
def test_an_explicit_tag_the_value_does_not_fit_is_refused_without_the_value(
        tag: str, value: str) -> None:
    # PyYAML's constructors fail with the value in the message (a traceback, exit 1)
    err = refused("apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n"
                  f"  password: !!{tag} {value}\n")
    assert str(err) == (f"-:6:13: the value does not fit its tag !!{tag} (the value is not "
                        "shown); remove the tag or fix the value")
    assert value not in str(err)


def test_an_explicit_tag_on_a_key_the_key_does_not_fit_is_refused_too() -> None:
    err = refused(f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: a}}\ndata:\n"
                  f"  !!int {SECRET_VALUE}: x\n")
    assert str(err).startswith("-:5:3: the value does not fit its tag !!int")
    assert SECRET_VALUE not in str(err)


@pytest.mark.parametrize(("tag", "value", "read"), [
    ("int", "42", 42), ("bool", "true", True), ("str", "42", "42"), ("float", "1.5", 1.5)])
def test_an_explicit_tag_the_value_fits_is_read_as_tagged(tag: str, value: str, read: Any) -> None:
    [manifest] = load_text(f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n"
                           f"data:\n  x: !!{tag} {value}\n")
    assert manifest.doc["data"]["x"] == read
