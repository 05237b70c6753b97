"""-l/--selector and --only: a subset of the workloads and what they use is translated; the
rest is in the report as ignored, with the selection that left it out."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import deployment, docs, source, translate_yaml
from tests.paths import EXAMPLE, REPO
from translator import cli
from translator.api import translate
from translator.context import Options
from translator.errors import InputError
from translator.select import Requirement, parse_only, parse_selector

LABELS = {"app": "orders", "tier": "web", "canary": ""}


@pytest.mark.parametrize(("selector", "holds"), [
    ("app=orders", True), ("app==orders", True), ("app!=orders", False), ("app!=cart", True),
    ("missing!=x", True),  # as Kubernetes: != holds where the label is absent
    ("app in (cart, orders)", True), ("app in (cart)", False), ("app notin (cart)", True),
    ("missing notin (x)", True), ("tier", True), ("!tier", False), ("!missing", True),
    ("app=orders,tier=web", True), ("app=orders, tier=api", False), ("canary=", True),
    ("example.com/team=x", False),
])
def test_the_selector_holds_as_kubernetes_reads_it(selector: str, holds: bool) -> None:
    assert all(r.holds(LABELS) for r in parse_selector(selector)) is holds


def test_selector_parts_parse_into_requirements() -> None:
    assert parse_selector("app in (a,b),!legacy,env") == [
        Requirement("app", "in", frozenset({"a", "b"})), Requirement("legacy", "!"),
        Requirement("env", "exists")]


@pytest.mark.parametrize("bad", ["app in (x", "=x", "app=a b", "app in (a b)", ",", "a==",
                                 "app=>x"])
def test_a_selector_kubectl_would_refuse_is_bad_input(bad: str) -> None:
    if bad == "a==":  # an empty value is a value: kubectl reads it too
        assert parse_selector(bad) == [Requirement("a", "in", frozenset({""}))]
        return
    with pytest.raises(InputError, match="--selector"):
        parse_selector(bad)


def test_only_takes_kubectl_kinds_and_an_optional_namespace() -> None:
    assert parse_only("deploy/web") == ("Deployment", None, "web")
    assert parse_only("StatefulSet/shop/db") == ("StatefulSet", "shop", "db")
    for bad in ("web", "service/web", "deploy/", "deploy/a/b/c"):
        with pytest.raises(InputError, match="--only"):
            parse_only(bad)


BACKEND_AND_WHAT_IT_USES = {
    "ServiceAccount/backend", "ConfigMap/backend-config", "Deployment/backend",
    "Service/backend", "HorizontalPodAutoscaler/backend-hpa", "Ingress/backend",
    "Namespace/angel-backend", "ClusterSecretStore/aws-secrets-manager",
    "ExternalSecret/backend-secrets"}


def test_only_one_workload_translates_it_and_what_it_uses() -> None:
    result = translate([str(EXAMPLE)], Options(validate=False, only=("deploy/backend",)))
    kept = {f"{s['kind']}/{s['name']}" for s in result.report["sources"]
            if s["status"] != "ignored"}
    assert kept == BACKEND_AND_WHAT_IT_USES
    left = [s for s in result.report["sources"] if s["status"] == "ignored"]
    assert {f"{s['kind']}/{s['name']}" for s in left} == {
        "Deployment/weaviate", "Service/weaviate", "PersistentVolumeClaim/weaviate-data"}
    assert {s["reason"] for s in left} == {
        "left out by --only deploy/backend: not a selected workload, nor used by one"}
    assert "workload-backend.yaml" in result.files
    assert not any("weaviate" in name for name in result.files)
    # what the backend calls and is left out is said, not dropped: its address will not resolve
    notes = [f["note"] for s in result.report["sources"] if s["name"] == "backend"
             for f in s["fields"] if f["status"] == "lossy"]
    assert any(n.startswith("weaviate.angel-backend.svc.cluster.local: not in the input")
               for n in notes)


def test_the_selector_picks_workloads_by_their_own_labels() -> None:
    def labelled(name: str, app: str) -> str:  # the workload's own labels, as kubectl reads
        return deployment(name, labels=f"app: {app}").replace(
            f"  name: {name}\n", f"  name: {name}\n  labels: {{app: {app}}}\n", 1)

    manifests = docs(labelled("orders", "orders"), labelled("cart", "cart"),
                     labelled("cron", "orders-cron"),
                     """apiVersion: v1
kind: Service
metadata: {name: orders, namespace: shop}
spec: {selector: {app: orders}, ports: [{port: 80}]}
""", """apiVersion: v1
kind: ConfigMap
metadata: {name: unused, namespace: shop, labels: {app: orders}}
data: {a: b}
""")
    result = translate_yaml(manifests, selector="app in (orders, orders-cron)", validate=False)
    assert source(result, "Deployment", "cart")["status"] == "ignored"
    assert source(result, "Deployment", "orders")["status"] != "ignored"
    assert source(result, "Deployment", "cron")["status"] != "ignored"
    assert source(result, "Service", "orders")["status"] != "ignored"
    # kubectl -l would list it; nothing selected uses it, so it is not translated
    assert source(result, "ConfigMap", "unused")["reason"].startswith(
        "left out by -l 'app in (orders, orders-cron)'")
    with pytest.raises(InputError, match="selects no workload"):
        translate_yaml(manifests, selector="app=nothing", validate=False)


def test_the_selection_is_recorded_so_diff_needs_no_flags(tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(REPO)
    out = tmp_path / "cfn"
    assert cli.main(["translate", "examples/k8s", "-o", str(out), "-q", "--no-validate",
                     "-l", "app=weaviate"]) == 0
    assert cli.main(["diff", "--against", str(out)]) == 0, capsys.readouterr().out
    assert cli.main(["diff", "examples/k8s", "--against", str(out)]) == 1  # all of it: drift
    assert cli.main(["report", "examples/k8s", "--only", "deploy/nope"]) == 2
    assert "--only 'deploy/nope' names no workload of the input" in capsys.readouterr().err
    config = tmp_path / "eks2ecs.yaml"
    config.write_text(f"sources: [{REPO / 'examples' / 'k8s'}]\nonly: [deploy/weaviate]\n")
    assert cli.main(["diff", "--config", str(config), "--against", str(out)]) == 0


def test_an_ingress_path_to_a_service_left_out_is_ignored_not_unsupported() -> None:
    """The Ingress stays with the selected workload it routes to; its path to a Service the
    selection left out is the team's choice, not something --strict should count."""
    def served(name: str) -> str:
        return deployment(name, container="ports: [{containerPort: 8080}]\n") + f"""---
apiVersion: v1
kind: Service
metadata: {{name: {name}, namespace: shop}}
spec: {{selector: {{app: {name}}}, ports: [{{port: 80, targetPort: 8080}}]}}
"""
    ingress = """apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web, namespace: shop}
spec:
  ingressClassName: alb
  rules:
    - http:
        paths:
          - {path: /a, pathType: Prefix, backend: {service: {name: a, port: {number: 80}}}}
          - {path: /b, pathType: Prefix, backend: {service: {name: b, port: {number: 80}}}}
"""
    result = translate_yaml(docs(served("a"), served("b"), ingress), only=("deploy/a",))
    paths = {f["path"]: f for f in source(result, "Ingress", "web")["fields"]
             if f["path"].endswith("/backend")}
    to_b = paths["/spec/rules/0/http/paths/1/backend"]
    assert (to_b["status"], to_b["note"]) == (
        "ignored", "Service b left out by --only deploy/a: not a selected workload, nor used by one")
    assert paths["/spec/rules/0/http/paths/0/backend"]["status"] == "mapped"
    assert not [f for e, f in result.suppressions.open if e.kind == "Ingress"]
