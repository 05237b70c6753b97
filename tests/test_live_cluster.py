"""`--from-cluster` against an API server stand-in on loopback (tests/kube_api.py).

A live read of what `kubectl apply` put in a cluster must translate exactly as the manifests on
disk do, must never carry a Secret value anywhere, and must fail with exit 2 and a message that
names the context when the cluster cannot be read.
"""

from __future__ import annotations

import base64
import copy
from pathlib import Path
from typing import Any

import pytest

from tests.kube_api import OPERATOR_SECRET, OPERATOR_SECRET_B64, FakeKubeApi
from tests.paths import CORPUS, EXAMPLE, needs_shared_for
from translator import live, load
from translator.cli import main

PLAIN_SECRET = "plain-secret-value-77d1"
SECRET = {"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
          "metadata": {"name": "legacy-db", "namespace": "angel-backend"},
          "data": {"password": base64.b64encode(PLAIN_SECRET.encode()).decode()},
          "stringData": {"user": PLAIN_SECRET}}


def _docs(folder: Path) -> list[dict[str, Any]]:
    return [m.doc for m in load.load([str(folder)])]


def _deployable(out: Path) -> dict[str, str]:
    """Everything in an output folder except the reports and the recorded options, which name
    where objects came from."""
    return {p.name: p.read_text() for p in out.iterdir()
            if p.is_file() and not p.name.startswith(("report.", ".eks2ecs", "eks2ecs.options"))}


def _translate_live(api: FakeKubeApi, tmp_path: Path, *flags: str) -> tuple[int, Path]:
    config = api.kubeconfig(tmp_path / "kubeconfig")
    out = tmp_path / "live"
    code = main(["translate", "--from-cluster", "--kubeconfig", str(config), *flags,
                 "-o", str(out), "-q"])
    return code, out


@pytest.mark.parametrize(("folder", "namespace"), [
    (EXAMPLE, "angel-backend"),
    (CORPUS / "GoogleCloudPlatform__microservices-demo" / "release", "default"),
])
def test_a_live_read_translates_exactly_as_the_manifests_on_disk(
        tmp_path: Path, folder: Path, namespace: str, request: pytest.FixtureRequest) -> None:
    needs_shared_for(request, folder)
    with FakeKubeApi(_docs(folder)).running() as api:
        code, out = _translate_live(api, tmp_path, "-n", namespace)
    assert code == 0
    disk = tmp_path / "disk"
    assert main(["translate", str(folder), "-o", str(disk), "-q"]) == 0
    assert _deployable(out) == _deployable(disk)


def test_every_page_is_read_and_server_additions_are_stripped() -> None:
    docs = _docs(EXAMPLE)
    with FakeKubeApi(docs, page_cap=1).running() as api:
        get = _getter(api)
        read = list(live.objects(get, "fake-eks", "angel-backend"))
    assert sorted((m.kind, m.name) for m in read) == sorted(
        (d["kind"], d["metadata"]["name"]) for d in docs)
    for manifest in read:
        meta = manifest.doc["metadata"]
        assert "status" not in manifest.doc
        assert not {"managedFields", "uid", "resourceVersion", "creationTimestamp"} & set(meta)
        assert "kubectl.kubernetes.io/last-applied-configuration" not in meta.get("annotations", {})
        assert manifest.file.startswith("kube://fake-eks/")
    # What was written, less the defaults it spells out (a live read cannot tell those from
    # omitted ones): the object comes back as applied, whatever the server added.
    kinds = {k.kind: k for k in live.BUILT_IN + tuple(
        live.Kind(kind, live.EXTERNAL_SECRETS_GROUP, "v1beta1", plural, namespaced)
        for kind, plural, namespaced in live.EXTERNAL_SECRETS)}
    by_name = {(m.kind, m.name): m.doc for m in read}
    for doc in docs:
        assert by_name[doc["kind"], doc["metadata"]["name"]] == live.clean(
            kinds[doc["kind"]], copy.deepcopy(doc))


def _getter(api: FakeKubeApi) -> live.Get:
    import json
    import urllib.request
    from urllib.parse import urlencode

    def get(path: str, query: dict[str, str]) -> Any:
        request = urllib.request.Request(f"{api.url}{path}?{urlencode(query)}",
                                         headers={"Authorization": "Bearer fake-bearer-token"})
        with urllib.request.urlopen(request) as response:
            return json.loads(response.read())

    return get


def test_pages_are_followed_through_continue_tokens(tmp_path: Path) -> None:
    with FakeKubeApi(_docs(EXAMPLE), page_cap=1).running() as api:
        code, out = _translate_live(api, tmp_path, "-n", "angel-backend")
    assert code == 0
    pages = [r for r in api.requests if r.endswith("/deployments")]
    assert len(pages) == 2  # two Deployments, one per page: the first page's token was followed
    assert {p.name for p in out.glob("*.yaml")} >= {"workload-backend.yaml", "workload-weaviate.yaml"}


def test_no_secret_value_reaches_any_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with FakeKubeApi([*_docs(EXAMPLE), SECRET]).running() as api:
        code, out = _translate_live(api, tmp_path, "-n", "angel-backend")
        config = api.kubeconfig(tmp_path / "kubeconfig")
        assert main(["report", "--from-cluster", "--kubeconfig", str(config), "-n",
                     "angel-backend", "--format", "json"]) == 0
    assert code == 0
    captured = capsys.readouterr()
    written = [p.read_text() for p in out.iterdir() if p.is_file()]
    encoded = SECRET["data"]["password"]
    for text in [*written, captured.out, captured.err]:
        for value in (PLAIN_SECRET, encoded, OPERATOR_SECRET, OPERATOR_SECRET_B64):
            assert value not in text
    assert "as JSON keys (password, user)" in (out / "secrets.yaml").read_text()  # names only


def test_controller_products_and_cluster_defaults_are_not_read(tmp_path: Path) -> None:
    with FakeKubeApi(_docs(EXAMPLE)).running() as api:
        read = list(live.objects(_getter(api), "fake-eks", None))
    names = {(m.kind, m.name) for m in read}
    assert ("ConfigMap", "kube-root-ca.crt") not in names
    assert ("ServiceAccount", "default") not in names
    assert ("Service", "kubernetes") not in names
    assert ("Deployment", "coredns") not in names  # kube-system is never read
    assert ("Secret", "backend-secrets") not in names  # the ExternalSecret's product


def test_no_external_secrets_crds_means_the_rest_still_reads(tmp_path: Path) -> None:
    docs = [d for d in _docs(EXAMPLE) if "external-secrets.io" not in d["apiVersion"]]
    with FakeKubeApi(docs, crds=False).running() as api:
        code, _ = _translate_live(api, tmp_path, "-n", "angel-backend")
    assert code == 0
    assert not any("externalsecrets" in r for r in api.requests)


def test_all_namespaces_reads_cluster_wide_lists(tmp_path: Path) -> None:
    with FakeKubeApi(_docs(EXAMPLE)).running() as api:
        code, _ = _translate_live(api, tmp_path, "-A")
    assert code == 0
    assert "/apis/apps/v1/deployments" in api.requests


def test_the_contexts_namespace_is_the_default(tmp_path: Path) -> None:
    with FakeKubeApi(_docs(EXAMPLE)).running() as api:
        config = api.kubeconfig(tmp_path / "kubeconfig", namespace="angel-backend")
        code = main(["translate", "--from-cluster", "--kubeconfig", str(config), "-o",
                     str(tmp_path / "out"), "-q"])
    assert code == 0
    assert "/apis/apps/v1/namespaces/angel-backend/deployments" in api.requests


@pytest.mark.parametrize(("setup", "expected"), [
    ({"forbidden": ("deployments",)},
     "cannot list deployments.apps in namespace 'angel-backend': forbidden"),
    ({"token": "expired"}, "unauthorized: credentials missing or expired"),
])
def test_refusals_name_the_context_and_the_verb(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], setup: dict[str, Any],
        expected: str) -> None:
    with FakeKubeApi(_docs(EXAMPLE), forbidden=setup.get("forbidden", ())).running() as api:
        config = api.kubeconfig(tmp_path / "kubeconfig", token=setup.get("token", "fake-bearer-token"))
        code = main(["translate", "--from-cluster", "--kubeconfig", str(config), "-n",
                     "angel-backend", "-o", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2
    assert expected in err and "kube://fake-eks" in err and "context 'fake-eks'" in err
    assert "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_an_unreachable_cluster_is_a_clear_error(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    api = FakeKubeApi([])
    config = api.kubeconfig(tmp_path / "kubeconfig")
    api.close()  # nothing listens on that port any more
    code = main(["translate", "--from-cluster", "--kubeconfig", str(config), "-o",
                 str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2
    assert "cluster unreachable" in err and "fake-eks" in err


def test_a_missing_context_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    api = FakeKubeApi([])
    config = api.kubeconfig(tmp_path / "kubeconfig")
    api.close()
    code = main(["translate", "--from-cluster", "--kubeconfig", str(config), "--context", "nope",
                 "-o", str(tmp_path / "out")])
    assert code == 2
    assert "no context 'nope'" in capsys.readouterr().err


@pytest.mark.parametrize(("argv", "message"), [
    (["examples/k8s", "--from-cluster"], "not both"),
    ([], "not both and not neither"),
    (["examples/k8s", "--context", "x"], "add --from-cluster"),  # -n is a default there
    (["--from-cluster", "-n", "x", "-A"], "exclude each other"),
])
def test_source_flags_are_checked(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                  argv: list[str], message: str) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["translate", *argv, "-o", str(tmp_path / "out")])
    assert exited.value.code == 2
    assert message in capsys.readouterr().err


def test_secret_values_are_dropped_as_they_arrive() -> None:
    with FakeKubeApi([*_docs(EXAMPLE), SECRET]).running() as api:
        read = list(live.objects(_getter(api), "fake-eks", "angel-backend"))
    secret = next(m.doc for m in read if m.kind == "Secret")
    assert secret["data"] == {"password": "", "user": ""}
    assert "stringData" not in secret
    assert PLAIN_SECRET not in repr(read) and SECRET["data"]["password"] not in repr(read)


def test_an_empty_namespace_is_an_input_error_naming_it(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with FakeKubeApi([]).running() as api:
        code, out = _translate_live(api, tmp_path, "-n", "quiet")
    assert code == 2
    assert capsys.readouterr().err == (
        "eks2ecs: kube://fake-eks: no Kubernetes objects to translate in namespace 'quiet'\n")
    assert not out.exists()
