"""Model errors through the whole pipeline: a wrong type is an InputError naming file:line,
object and field; an unknown kind is reported, not fatal; an object defined twice names both
places."""

from __future__ import annotations

from pathlib import Path

import pytest

from translator.api import translate
from translator.errors import InputError

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  replicas: 2
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
        - name: web
          image: nginx:1.27
          ports:
            - containerPort: 8080
          env:
            - name: MODE
              value: fast
          resources:
            requests:
              cpu: 250m
              memory: 512Mi
"""
# line numbers of DEPLOYMENT used below
REPLICAS, CONTAINER, PORT, ENV_VALUE, REQUESTS = 7, 14, 17, 20, 22

WIDGET = """\
apiVersion: example.com/v1
kind: Widget
metadata:
  name: gizmo
  namespace: shop
spec:
  size: 3
  colour: blue
"""


def error_of(text: str) -> InputError:
    with pytest.raises(InputError) as info:
        translate(["-"], stdin=text)
    return info.value


def swap(old: str, new: str, text: str = DEPLOYMENT) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


def test_the_base_deployment_translates() -> None:
    result = translate(["-"], stdin=DEPLOYMENT)
    assert result.report["summary"]["objects"] == 1
    assert "workload-web.yaml" in result.templates


@pytest.mark.parametrize("old, new, line, pointer, words", [
    ("replicas: 2", 'replicas: "three"', REPLICAS, "/spec/replicas",
     ["Input should be a valid integer", "(got 'three')"]),
    ("replicas: 2", "replicas: 2.5", REPLICAS, "/spec/replicas",
     ["Input should be a valid integer", "(got 2.5)"]),
    ("replicas: 2", "replicas: -1", REPLICAS, "/spec/replicas",
     ["greater than or equal to 0", "(got -1)"]),
    ("cpu: 250m", "cpu: lots", REQUESTS,
     "/spec/template/spec/containers/0/resources/requests",
     ["cpu: not a Kubernetes quantity: 'lots'"]),
    ("containerPort: 8080", "containerPort: 99999", PORT,
     "/spec/template/spec/containers/0/ports/0/containerPort",
     ["less than or equal to 65535", "(got 99999)"]),
    ("containerPort: 8080", "containerPort: http", PORT,
     "/spec/template/spec/containers/0/ports/0/containerPort",
     ["valid integer", "(got 'http')"]),
    ("value: fast", "value: 42", ENV_VALUE,
     "/spec/template/spec/containers/0/env/0/value",
     ["Input should be a valid string", "(got 42)"]),
    ("value: fast", "value: true", ENV_VALUE,
     "/spec/template/spec/containers/0/env/0/value",
     ["Input should be a valid string", "(got True)"]),
])
def test_a_wrong_type_names_line_object_and_field(
        old: str, new: str, line: int, pointer: str, words: list[str]) -> None:
    err = error_of(swap(old, new))
    text = str(err)
    assert text.startswith(f"-:{line}: Deployment/web: {pointer}: "), text
    for word in words:
        assert word in text
    assert (err.file, err.line, err.obj, err.field) == ("-", line, "Deployment/web", pointer)
    assert "\n" not in text


def test_a_missing_required_field_points_at_its_nearest_present_parent() -> None:
    text = swap("      containers:\n        - name: web\n", "      hostname: web\n"
                "      initContainers:\n        - name: web\n")
    err = error_of(text)
    assert str(err) == ("-:12: Deployment/web: /spec/template/spec/containers: "
                        "required field is missing")


def test_a_required_field_written_as_null_is_missing_at_its_own_line() -> None:
    err = error_of(DEPLOYMENT.split("    spec:\n      containers:")[0] + "    spec: null\n")
    assert str(err) == "-:12: Deployment/web: /spec/template/spec: required field is missing"


def test_the_line_counts_from_the_start_of_the_stream_not_the_document(tmp_path: Path) -> None:
    path = tmp_path / "app.yaml"
    path.write_text(WIDGET + "---\n" + swap("replicas: 2", 'replicas: "three"'))
    with pytest.raises(InputError) as info:
        translate([str(path)])
    offset = WIDGET.count("\n") + 1
    assert str(info.value).startswith(
        f"{path}:{REPLICAS + offset}: Deployment/web: /spec/replicas: ")


def test_a_wrong_type_in_another_kind_names_that_kind() -> None:
    err = error_of("apiVersion: v1\nkind: Service\nmetadata:\n  name: api\nspec:\n"
                   "  ports:\n    - port: 80\n      protocol: ICMP\n")
    assert str(err).startswith("-:8: Service/api: /spec/ports/0/protocol: ")
    assert "(got 'ICMP')" in str(err)


def test_a_configmap_value_that_is_a_number_is_an_error_at_its_line() -> None:
    err = error_of("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n"
                   "  A: x\n  PORT: 5432\n")
    assert str(err).startswith("-:7: ConfigMap/cfg: /data/PORT: Input should be a valid string")


def test_an_unknown_kind_is_reported_unsupported_and_the_rest_translates() -> None:
    result = translate(["-"], stdin=WIDGET + "---\n" + DEPLOYMENT)
    widget = next(s for s in result.report["sources"] if s["kind"] == "Widget")
    assert widget["status"] == "unsupported"
    assert widget["name"] == "gizmo" and widget["namespace"] == "shop"
    assert (widget["file"], widget["line"]) == ("-", 1)
    assert widget["resources"] == []
    assert "Widget" in widget["reason"] and "example.com/v1" in widget["reason"]
    assert {"path": "/", "status": "unsupported", "note": widget["reason"], "line": 1} \
        in widget["fields"]
    deployment = next(s for s in result.report["sources"] if s["kind"] == "Deployment")
    assert deployment["line"] == WIDGET.count("\n") + 2
    assert deployment["status"] == "mapped"
    types = {r["type"] for r in deployment["resources"]}
    assert {"AWS::ECS::TaskDefinition", "AWS::ECS::Service"} <= types
    assert result.report["summary"]["byStatus"] == {"mapped": 1, "unsupported": 1}
    assert "Widget" not in "".join(result.templates.values())
    assert "Widget" in result.files["report.md"]


def test_a_known_kind_with_an_unmapped_api_version_is_unsupported_with_the_reason() -> None:
    old = swap("apiVersion: apps/v1", "apiVersion: extensions/v1beta1")
    result = translate(["-"], stdin=old + "---\n" + WIDGET)
    entry = next(s for s in result.report["sources"] if s["kind"] == "Deployment")
    assert entry["status"] == "unsupported"
    assert entry["reason"] == "Deployment is mapped for apiVersion apps/v1, not extensions/v1beta1"
    assert entry["resources"] == []


def test_an_unknown_kind_with_wrong_field_types_is_still_not_an_error() -> None:
    crd = WIDGET.replace("size: 3", "size: [not, a, number]")
    result = translate(["-"], stdin=crd)
    assert [s["status"] for s in result.report["sources"]] == ["unsupported"]


def test_an_object_defined_twice_names_both_places() -> None:
    text = DEPLOYMENT + "---\n" + DEPLOYMENT
    err = error_of(text)
    second = DEPLOYMENT.count("\n") + 2
    assert str(err) == f"-:{second}: Deployment/web: defined twice (first at -:1)"


def test_an_object_defined_twice_across_files_names_both_files(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(WIDGET + "---\n" + DEPLOYMENT)
    (tmp_path / "b.yaml").write_text("# copy\n" + DEPLOYMENT)
    with pytest.raises(InputError) as info:
        translate([str(tmp_path)])
    first_line = WIDGET.count("\n") + 2
    assert str(info.value) == (f"{tmp_path / 'b.yaml'}:2: Deployment/web: defined twice "
                               f"(first at {tmp_path / 'a.yaml'}:{first_line})")


def test_no_namespace_and_the_default_namespace_are_the_same_place() -> None:
    implicit = swap("  namespace: shop\n", "")
    explicit = swap("  namespace: shop\n", "  namespace: default\n")
    err = error_of(implicit + "---\n" + explicit)
    assert "Deployment/web: defined twice (first at -:1)" in str(err)


def test_the_same_name_in_other_namespaces_or_kinds_is_not_a_duplicate() -> None:
    other = swap("namespace: shop", "namespace: other")
    service = ("apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  namespace: shop\n"
               "spec:\n  selector: {app: web}\n  ports:\n    - port: 80\n      targetPort: 8080\n")
    result = translate(["-"], stdin="---\n".join([DEPLOYMENT, other, service]))
    names = sorted((s["kind"], s["namespace"], s["name"]) for s in result.report["sources"])
    assert names == [("Deployment", "other", "web"), ("Deployment", "shop", "web"),
                     ("Service", "shop", "web")]
