"""Inputs as users have them: `helm template` / `kustomize build` output on stdin (objects
without a namespace take --namespace), and envsubst placeholders kept literally."""

from __future__ import annotations

import io
import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.helpers import container, deployment, env_of, fates, source, stack_for, translate_yaml
from tests.paths import CORPUS, REPO
from translator import cli
from translator.api import translate
from translator.context import Options

HELM = REPO / "examples" / "helm" / "podinfo-rendered.yaml"
KUSTOMIZE = CORPUS / "stefanprodan__podinfo" / "kustomize"


def _cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], text: str,
         *argv: str) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text.encode("utf-8"))))
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_helm_template_output_translates_from_stdin(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        tmp_path: Path) -> None:
    code, _, err = _cli(monkeypatch, capsys, HELM.read_text(), "translate", "-", "-o",
                        str(tmp_path / "cfn"), "-n", "podinfo", "--format", "json")
    assert code == 0, err
    report = json.loads((tmp_path / "cfn" / "report.json").read_text())
    # partial: the HPA's 80% of requests is a share of the task, the probes run on the target
    # group; a flag value that equals the Service's name stays as written, and is no lossy
    # item: the Service Connect alias `podinfo` answers it, whatever it is
    assert {(s["kind"], s["status"]) for s in report["sources"] if s["status"] != "mapped"} == {
        ("Deployment", "partial"), ("HorizontalPodAutoscaler", "partial")}
    assert not [f["note"] for s in report["sources"] for f in s["fields"]
                if "--grpc-service-name=podinfo" in (f.get("note") or "")]
    assert "--grpc-service-name=podinfo" in (tmp_path / "cfn" / "workload-podinfo.yaml").read_text()
    assert {s["namespace"] for s in report["sources"]} == {"podinfo"}
    # located at helm's `# Source:` template, the line counted from where the document starts
    assert sorted((s["kind"], s["file"], s["line"]) for s in report["sources"]) == [
        ("Deployment", "podinfo/templates/deployment.yaml", 1),
        ("HorizontalPodAutoscaler", "podinfo/templates/hpa.yaml", 1),
        ("Ingress", "podinfo/templates/ingress.yaml", 1),
        ("PodDisruptionBudget", "podinfo/templates/pdb.yaml", 1),
        ("Service", "podinfo/templates/service.yaml", 1)]
    probe = next(f for s in report["sources"] if s["kind"] == "Deployment"
                 for f in s["fields"] if f["path"].endswith("/livenessProbe"))
    stream = HELM.read_text().splitlines()
    start = stream.index("# Source: podinfo/templates/deployment.yaml")
    assert stream[start + probe["line"]].strip() == "livenessProbe:"
    assert sorted(p.name for p in (tmp_path / "cfn").glob("*.yaml")) == [
        "cluster.yaml", "load-balancer.yaml", "workload-podinfo.yaml"]
    # the namespace names the app, the stacks and the Cloud Map domain
    assert "podinfo.local" in (tmp_path / "cfn" / "cluster.yaml").read_text()
    assert "podinfo-cluster" in (tmp_path / "cfn" / "cluster.yaml").read_text()


def test_objects_without_a_namespace_are_in_default_unless_told() -> None:
    text = HELM.read_text()
    plain = translate(["-"], Options(validate=False), stdin=text)
    told = translate(["-"], Options(validate=False, namespace="shop"), stdin=text)
    assert plain.plan.app == "default"
    assert told.plan.app == "shop"
    assert stack_for(told, "podinfo").info.description.startswith("shop: Deployment shop/podinfo")
    named = text.replace("  name: podinfo\n", "  name: podinfo\n  namespace: shop\n", 1)
    mixed = translate(["-"], Options(validate=False, namespace="shop"), stdin=named)
    assert mixed.plan.app == "shop"  # the Service's own namespace and the default agree


@pytest.mark.usefixtures("shared")
def test_kustomize_build_output_translates_from_stdin() -> None:
    built = "---\n".join(p.read_text() for p in sorted(KUSTOMIZE.glob("*.yaml")))
    result = translate(["-"], Options(namespace="podinfo"), stdin=built)
    assert result.findings == []
    assert {s["kind"] for s in result.report["sources"]} == {
        "Deployment", "HorizontalPodAutoscaler", "Service"}


def test_a_bad_namespace_is_a_usage_error(monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        _cli(monkeypatch, capsys, HELM.read_text(), "report", "-", "-n", "Not_A_Namespace")
    assert exit_.value.code == 2
    assert "is not a Kubernetes namespace name" in capsys.readouterr().err


PLACEHOLDERS = deployment(container="""
    env:
      - {name: REGION, value: $AWS_REGION}
      - {name: BUCKET, value: "s3://${BUCKET_NAME}/data"}
      - {name: PRICE, value: "5$"}
    args: ["sh", "-c", "echo $HOME"]
""")


def test_placeholders_stay_literal_and_are_reported() -> None:
    result = translate_yaml(PLACEHOLDERS)
    env = env_of(container(result, "web"))
    assert env["REGION"] == "$AWS_REGION"
    assert env["BUCKET"] == "s3://${BUCKET_NAME}/data"
    # written split, so that CloudFormation never reads it as a substitution
    template = result.files["workload-web.yaml"]
    assert "${BUCKET_NAME}" not in template and '"{BUCKET_NAME}/data"' in template
    reported = {}
    for i, name in enumerate(["REGION", "BUCKET", "PRICE"]):
        path = f"/spec/template/spec/containers/0/env/{i}/value"
        reported[name] = [f["note"] for f in fates(result, "Deployment", "web", path)
                          if f["status"] == "lossy"]
    assert reported["REGION"][0].startswith("placeholder left unexpanded: $AWS_REGION")
    assert reported["BUCKET"][0].startswith("placeholder left unexpanded: ${BUCKET_NAME}")
    assert reported["PRICE"] == []
    assert not fates(result, "Deployment", "web", "/spec/template/spec/containers/0/args/2")
    assert source(result, "Deployment", "web")["status"] == "partial"


def test_null_lists_as_helm_renders_them_are_absent_and_reported() -> None:
    """`volumeMounts:` with nothing after it (20 Deployments of the opentelemetry-demo chart):
    the API server reads null as absent, and so does eks2ecs; the report says so."""
    result = translate_yaml(deployment(container="volumeMounts:\nports: null\n",
                                       pod="volumes:\n", spec="strategy: {rollingUpdate: null}"))
    null = {"status": "ignored", "note": "null: absent, as the API server reads it"}
    for path in ("/spec/template/spec/containers/0/volumeMounts",
                 "/spec/template/spec/containers/0/ports", "/spec/template/spec/volumes",
                 "/spec/strategy/rollingUpdate"):
        assert fates(result, "Deployment", "web", path) == [{"path": path, **null}]
    assert "MountPoints" not in container(result, "web")


# --- what is not manifests, and empty input ----------------------------------------------


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = cli.main(list(argv))
    return code, capsys.readouterr().err


@pytest.mark.parametrize("text", ["", "# only a comment\n", "---\n---\n", "\ufeff\n"])
def test_empty_input_exits_2_and_writes_nothing(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path,
        text: str) -> None:
    code, _, err = _cli(monkeypatch, capsys, text, "translate", "-", "-o", str(tmp_path / "cfn"))
    assert (code, err) == (2, "eks2ecs: -: no Kubernetes objects in the input (only empty "
                              "documents or comments)\n")
    assert not (tmp_path / "cfn").exists()


def test_a_folder_of_empty_files_is_empty_input_too(capsys: pytest.CaptureFixture[str],
                                                    tmp_path: Path) -> None:
    (tmp_path / "k8s").mkdir()
    (tmp_path / "k8s" / "a.yaml").write_text("# nothing yet\n")
    code, err = _run(capsys, "report", str(tmp_path / "k8s"))
    assert (code, err) == (2, f"eks2ecs: {tmp_path / 'k8s'}: no Kubernetes objects in the input "
                              "(only empty documents or comments)\n")


def _kustomize_folder(root: Path, namespace: str = "shop") -> Path:
    folder = root / "overlay"
    folder.mkdir()
    for name in ("backend.yaml", "secrets.yaml"):
        (folder / name).write_text((REPO / "examples" / "k8s" / name).read_text())
    (folder / "kustomization.yaml").write_text(
        f"namespace: {namespace}\nresources:\n  - backend.yaml\n  - secrets.yaml\n")
    return folder


def test_a_kustomize_folder_says_what_it_is_and_what_to_run(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    folder = _kustomize_folder(tmp_path)
    for given in (folder, tmp_path, folder / "kustomization.yaml"):  # itself, above it, its file
        code, err = _run(capsys, "translate", str(given), "-o", str(tmp_path / "cfn"))
        assert (code, err) == (2, (
            f"eks2ecs: {folder}: a kustomize folder (kustomization.yaml), not manifests: "
            f"translate what it builds, `eks2ecs translate -k {folder} ...` (runs kustomize "
            f"build or kubectl kustomize), or `kustomize build {folder} | eks2ecs "
            "translate - ...`\n"))
    assert not (tmp_path / "cfn").exists()


def test_a_helm_chart_says_what_it_is_and_what_to_run(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    chart = tmp_path / "podinfo"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: podinfo\nversion: 6.0.0\n")
    (chart / "templates" / "deployment.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n")
    expected = (f"eks2ecs: {chart}: a Helm chart (Chart.yaml), not manifests: render it with "
                f"the values you install it with, `helm template RELEASE {chart} -n NAMESPACE "
                "-f values.yaml | eks2ecs translate - -n NAMESPACE ...`\n")
    for given in (chart, tmp_path, chart / "templates", chart / "templates" / "deployment.yaml"):
        assert _run(capsys, "report", str(given)) == (2, expected), given


def test_a_chart_crds_folder_is_plain_manifests(tmp_path: Path) -> None:
    (tmp_path / "chart" / "crds").mkdir(parents=True)
    (tmp_path / "chart" / "Chart.yaml").write_text("apiVersion: v2\nname: c\nversion: 1.0.0\n")
    (tmp_path / "chart" / "crds" / "cm.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: plain}\n")
    result = translate([str(tmp_path / "chart" / "crds")], Options(validate=False))
    assert [s["name"] for s in result.report["sources"]] == ["plain"]


KUBECTL = shutil.which("kubectl") or shutil.which("kustomize")
needs_kustomize = pytest.mark.skipif(
    KUBECTL is None and os.environ.get("EKS2ECS_REQUIRE_KUSTOMIZE") != "1",
    reason="-k needs kubectl or kustomize on the PATH (.ci/run installs kubernetes-client)")


@needs_kustomize
def test_k_translates_what_the_kustomize_folder_builds(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    folder = _kustomize_folder(tmp_path, namespace="shop")
    code, err = _run(capsys, "translate", "-k", str(folder), "-o", str(tmp_path / "cfn"), "-q")
    assert code == 0, err
    report = json.loads((tmp_path / "cfn" / "report.json").read_text())
    assert {s["file"] for s in report["sources"]} == {f"kustomize:{folder}"}
    assert {s["namespace"] for s in report["sources"]} == {"shop"}  # kustomize set it
    # the same objects as the files themselves, moved to namespace shop (kustomize writes
    # keys sorted, so a ConfigMap's variables come in another order)
    moved = "---\n".join((folder / n).read_text() for n in ("backend.yaml", "secrets.yaml"))
    direct = translate(["-"], stdin=moved.replace("namespace: angel-backend", "namespace: shop"))
    assert sorted((s["kind"], s["name"], s["status"]) for s in report["sources"]) == sorted(
        (s["kind"], s["name"], s["status"]) for s in direct.report["sources"])
    assert sorted(report["summary"]["resourcesByType"].items()) == sorted(
        direct.report["summary"]["resourcesByType"].items())


@needs_kustomize
def test_k_of_a_kustomization_that_fails_to_build_names_the_tool_and_its_message(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    folder = _kustomize_folder(tmp_path)
    (folder / "kustomization.yaml").write_text("resources:\n  - missing.yaml\n")
    code, err = _run(capsys, "report", "-k", str(folder))
    assert code == 2
    assert err.startswith(f"eks2ecs: {folder}: kubectl kustomize failed (exit 1): ") \
        or err.startswith(f"eks2ecs: {folder}: kustomize build failed (exit 1): "), err
    assert "missing.yaml" in err and err.count("\n") == 1


def test_k_without_kubectl_or_kustomize_says_what_to_install_or_run(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        tmp_path: Path) -> None:
    folder = _kustomize_folder(tmp_path)
    monkeypatch.setenv("PATH", str(tmp_path / "nothing-here"))
    code, err = _run(capsys, "report", "-k", str(folder))
    assert (code, err) == (2, (
        f"eks2ecs: {folder}: -k needs kubectl or kustomize on the PATH (neither was found); "
        f"or render it yourself: `kustomize build {folder} | eks2ecs translate - ...`\n"))


@pytest.mark.parametrize("argv, message", [
    (["-k", "x", "examples/k8s"], "-k reads a kustomize folder on its own"),
    (["-k", "x", "-f", "examples/k8s"], "-k reads a kustomize folder on its own"),
    (["-o", "-", "examples/k8s"], "argument -o/--output: the output is a folder of templates"),
])
def test_k_and_o_dash_usage_errors(capsys: pytest.CaptureFixture[str], argv: list[str],
                                   message: str, tmp_path: Path) -> None:
    argv = [*argv, "-o", str(tmp_path / "cfn")] if "-o" not in argv else argv
    with pytest.raises(SystemExit) as exited:
        cli.main(["translate", *argv])
    assert exited.value.code == 2
    assert message in capsys.readouterr().err
    assert not Path("-").exists() and not (tmp_path / "cfn").exists()


# --- what a cluster or Helm made: ignored, with why ------------------------------------------


def _owned(kind: str, name: str, owner_kind: str, owner: str, **extra: Any) -> dict[str, Any]:
    return {"apiVersion": "apps/v1" if kind == "ReplicaSet" else "v1", "kind": kind,
            "metadata": {"name": name, "namespace": "shop", "ownerReferences": [
                {"apiVersion": "apps/v1", "kind": owner_kind, "name": owner, "uid": "u-1",
                 "controller": True, "blockOwnerDeletion": True}]}, **extra}


def test_a_kubectl_get_all_dump_ignores_what_the_deployment_made() -> None:
    web = yaml.safe_load(deployment())
    pod_spec = web["spec"]["template"]["spec"]
    dump = {"apiVersion": "v1", "kind": "List", "metadata": {"resourceVersion": ""}, "items": [
        web,
        _owned("ReplicaSet", "web-5d8f7c", "Deployment", "web",
               spec={"replicas": 1, "template": web["spec"]["template"]}),
        _owned("Pod", "web-5d8f7c-x2x9q", "ReplicaSet", "web-5d8f7c", spec=pod_spec),
        _owned("Pod", "orphan-abc", "ReplicaSet", "gone", spec=pod_spec),  # owner not in input
    ]}
    result = translate_yaml(json.dumps(dump))
    why = ("made by {} (ownerReferences, controller): Deployment/web is translated, and what "
           "its controller makes is not an object of its own")
    assert source(result, "ReplicaSet", "web-5d8f7c")["status"] == "ignored"
    assert source(result, "ReplicaSet", "web-5d8f7c")["reason"] == why.format("Deployment/web")
    assert source(result, "Pod", "web-5d8f7c-x2x9q")["reason"] == why.format(
        "ReplicaSet/web-5d8f7c from Deployment/web")
    assert fates(result, "Pod", "web-5d8f7c-x2x9q", "/") == [
        {"path": "/", "status": "ignored", "note": why.format(
            "ReplicaSet/web-5d8f7c from Deployment/web")}]
    assert source(result, "Pod", "orphan-abc")["status"] == "unsupported"
    assert [s.info.title for s in result.plan.stacks] == ["cluster", "web"]


def test_a_helm_test_hook_is_ignored() -> None:
    hook = deployment("web-test-connection").replace(
        "metadata:\n", "metadata:\n  annotations: {helm.sh/hook: test}\n", 1)
    result = translate_yaml(deployment() + "---\n" + hook)
    assert source(result, "Deployment", "web-test-connection")["reason"] == (
        "a Helm test hook (helm.sh/hook: test): `helm test` runs it to check a release; it is "
        "not part of the app")
    assert [s.info.title for s in result.plan.stacks] == ["cluster", "web"]


def test_helm_sources_locate_objects_and_errors_read_from_stdin() -> None:
    """Only the documents a `# Source:` comment heads are renamed: one after a bare `---` is
    the stream's; an error inside a template's document names the template and its line."""
    from translator import load
    from translator.errors import InputError

    stream = ("---\n# Source: shop/templates/web.yaml\napiVersion: v1\nkind: ConfigMap\n"
              "metadata: {name: web}\ndata: {a: b}\n---\napiVersion: v1\nkind: ConfigMap\n"
              "metadata: {name: extra}\n")
    web, extra = load.load(["-"], stdin=stream)
    assert (web.file, web.line, web.line_of("/data/a")) == ("shop/templates/web.yaml", 1, 4)
    assert (extra.file, extra.line) == ("-", 8)
    broken = stream.replace("data: {a: b}", "data: {a: b, a: c}")
    with pytest.raises(InputError) as info:
        load.load(["-"], stdin=broken)
    assert str(info.value).startswith("shop/templates/web.yaml:4:")
