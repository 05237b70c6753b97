"""Inputs as users have them: `helm template` / `kustomize build` output on stdin (objects
without a namespace take --namespace), and envsubst placeholders kept literally."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

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
    assert {s["status"] for s in report["sources"]} == {"mapped"}
    assert {s["namespace"] for s in report["sources"]} == {"podinfo"}
    assert [s["file"] for s in report["sources"]] == ["-"] * 5
    assert sorted(p.name for p in (tmp_path / "cfn").glob("*.yaml")) == [
        "01-cluster.yaml", "02-load-balancer.yaml", "03-podinfo.yaml"]
    # the namespace names the app, the stacks and the Cloud Map domain
    assert "podinfo.local" in (tmp_path / "cfn" / "01-cluster.yaml").read_text()
    assert "podinfo-cluster" in (tmp_path / "cfn" / "01-cluster.yaml").read_text()


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
    template = result.files["02-web.yaml"]
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
