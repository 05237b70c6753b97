"""`eks2ecs secrets copy --from-cluster` end to end: a cluster (tests/kube_api.py on loopback)
translated with `--from-cluster`, deployed with the generated deploy.sh into moto server up to
the secrets gate, the values copied from the cluster into the secrets it made, and deploy.sh run
again through the gate. The canary values must reach Secrets Manager and nowhere else: not a
file under the test's folder, not stdout or stderr of any command, not a log record (botocore
logs request bodies at DEBUG, which is the level the logs are captured at)."""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.emulator import server
from tests.emulator.prerequisites import Prerequisites
from tests.kube_api import FakeKubeApi
from tests.test_deploy_emulator import _decode, _live_stacks, _parameters, _run
from translator.cli import main

PASSWORD = "canary-pw-3f9a61c2"
TOKEN = "canary-token-b81d07e4"
ROTATED = "canary-rotated-5c2e9d10"
CANARIES = (PASSWORD, TOKEN, ROTATED)
NS = "shop"
OBJECTS: list[dict[str, Any]] = [
    {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NS}},
    {"apiVersion": "v1", "kind": "Secret", "type": "Opaque", "metadata": {"name": "db", "namespace": NS},
     "stringData": {"username": "shop", "password": PASSWORD}},
    {"apiVersion": "v1", "kind": "Secret", "type": "Opaque", "metadata": {"name": "api", "namespace": NS},
     "data": {"token": base64.b64encode(TOKEN.encode()).decode()}},
    {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": NS},
     "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "web"}},
              "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{
                  "name": "web", "image": "public.ecr.aws/nginx/nginx:1.27",
                  "resources": {"requests": {"cpu": "250m", "memory": "512Mi"}},
                  "env": [{"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {
                      "name": "db", "key": "password"}}}],
                  "envFrom": [{"secretRef": {"name": "api"}}]}]}}}},
]
DB, API = "copied/shop/db", "copied/shop/api"


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[server.Emulator]:
    with server.running(tmp_path_factory.mktemp("emulator")) as (running, _):
        yield running


@pytest.fixture
def aws_env(emulator: server.Emulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The environment `eks2ecs secrets copy` runs in: the emulator as the AWS endpoint."""
    for key, value in emulator.shell_env(tmp_path).items():
        if key.startswith("AWS_"):
            monkeypatch.setenv(key, value)


def _copy(config: Path, folder: Path, *flags: str) -> int:
    return main(["secrets", "copy", "--from-cluster", str(folder), "--kubeconfig", str(config),
                 *flags])


def _value(emulator: server.Emulator, name: str) -> Any:
    """What the secret holds, read by the test itself: its botocore logs no response body."""
    botocore = logging.getLogger("botocore")
    level = botocore.level
    botocore.setLevel(logging.WARNING)
    try:
        got = emulator.client("secretsmanager").get_secret_value(SecretId=name)
    finally:
        botocore.setLevel(level)
    return json.loads(got["SecretString"])


def _leaks(tmp_path: Path, streams: list[str], caplog: pytest.LogCaptureFixture) -> list[str]:
    """Where a canary value shows, as text, base64 or JSON-escaped: files, streams, logs. The
    log records of the stand-ins (moto and its web server) are the AWS side, not the tool's."""
    forms = {f for c in CANARIES for f in (c, base64.b64encode(c.encode()).decode(), json.dumps(c))}
    found = [str(p) for p in tmp_path.rglob("*") if p.is_file()
             and any(f.encode() in p.read_bytes() for f in forms)]
    found += [f"stream {i}" for i, text in enumerate(streams) if any(f in text for f in forms)]
    found += [f"log {r.name}" for r in caplog.records
              if not r.name.startswith(("moto", "werkzeug", "flask"))
              and any(f in r.getMessage() for f in forms)]
    return found


def test_secrets_copy_fills_the_gate_from_the_cluster_and_leaks_no_value(
        emulator: server.Emulator, aws_env: None, tmp_path: Path,
        capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    streams: list[str] = []

    def said() -> tuple[str, str]:
        out, err = capsys.readouterr()
        streams.extend((out, err))
        return out, err

    with FakeKubeApi(OBJECTS).running() as api:
        config = api.kubeconfig(tmp_path / "kubeconfig", namespace=NS)
        folder = tmp_path / "cfn"
        assert main(["translate", "--from-cluster", "--kubeconfig", str(config), "--name",
                     "copied", "-o", str(folder), "-q"]) == 0
        plan = json.loads((folder / "deploy-plan.json").read_text())
        assert plan["madeSecrets"] == [
            {"name": API, "namespace": NS, "secret": "api", "keys": ["token"]},
            {"name": DB, "namespace": NS, "secret": "db", "keys": ["password", "username"]}]

        # not deployed yet: no secret to fill, and no value read from the cluster for it
        reads = len(api.requests)
        assert _copy(config, folder) == 1, said()
        assert "no such secret in Secrets Manager" in said()[1]
        assert len(api.requests) == reads

        prerequisites = Prerequisites(emulator, "10.21.0.0/16")
        prerequisites.create_network()
        templates = {s["stack"]: _decode(folder / s["template"])
                     for wave in plan["waves"] for s in wave}
        _parameters(prerequisites, folder, templates)
        log = _run(emulator, folder, "./deploy.sh", expect=3)
        streams.append(log)
        assert "eks2ecs secrets copy --from-cluster DIR" in log
        assert "copied-web" not in _live_stacks(emulator)

        assert _copy(config, folder, "--dry-run") == 0
        out, _ = said()
        assert out.splitlines() == [f"{API}: would copy keys token from Secret shop/api",
                                    f"{DB}: would copy keys password, username from Secret shop/db"]
        with pytest.raises(emulator.client("secretsmanager").exceptions.ResourceNotFoundException):
            _value(emulator, DB)

        assert _copy(config, folder) == 0
        assert said()[0].splitlines() == [f"{API}: copied keys token from Secret shop/api",
                                          f"{DB}: copied keys password, username from Secret shop/db"]
        assert _value(emulator, DB) == {"username": "shop", "password": PASSWORD}
        assert _value(emulator, API) == {"token": TOKEN}
        assert _copy(config, folder) == 0  # again: the same values, nothing to do
        assert "already holds keys token" in said()[0]

        # the cluster's value changed: kept unless --overwrite, and said which secret
        [db] = [o for o in api.stored if o["kind"] == "Secret" and o["metadata"]["name"] == "db"]
        db["data"]["password"] = base64.b64encode(ROTATED.encode()).decode()
        assert _copy(config, folder) == 1
        out, err = said()
        assert f"eks2ecs: {DB}: not copied: it already has a value, which differs: kept " \
               "(--overwrite replaces it)" in err
        assert f"{API}: already holds keys token" in out
        assert _value(emulator, DB)["password"] == PASSWORD
        assert _copy(config, folder, "--overwrite") == 0
        said()
        assert _value(emulator, DB)["password"] == ROTATED

        log = _run(emulator, folder, "./deploy.sh")
        streams.append(log)
        assert "secret(s) to fill" not in log and "copied-web" in _live_stacks(emulator)
        streams.append(_run(emulator, folder, "./cleanup.sh"))
        # kept by cleanup.sh, as the user's values should be: a new secrets stack cannot make
        # them again, and deploy.sh says how to import them before CloudFormation fails
        log = _run(emulator, folder, "./deploy.sh", expect=1)
        streams.append(log)
        assert f"deploy.sh: copied-secrets would make secrets that exist already: {API} {DB} " \
               "(cleanup.sh keeps the secrets it made)" in log
        assert "--import-existing-resources --stack-name copied-secrets" in log
        assert "copied-secrets" not in _live_stacks(emulator)
        streams.append(_run(emulator, folder, "./cleanup.sh"))
    for name in (DB, API):
        emulator.client("secretsmanager").delete_secret(SecretId=name,
                                                        ForceDeleteWithoutRecovery=True)
    prerequisites.remove()
    assert _leaks(tmp_path, streams, caplog) == []


def test_secrets_copy_says_which_secret_failed_and_why_without_a_value(
        emulator: server.Emulator, aws_env: None, tmp_path: Path,
        capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with FakeKubeApi(OBJECTS).running() as api:
        config = api.kubeconfig(tmp_path / "kubeconfig", namespace=NS)
        folder = tmp_path / "cfn"
        assert main(["translate", "--from-cluster", "--kubeconfig", str(config), "--name",
                     "broken", "-o", str(folder), "-q", "--no-validate"]) == 0
        manager = emulator.client("secretsmanager")
        for name in ("broken/shop/db", "broken/shop/api"):  # as the secrets stack makes them
            manager.create_secret(Name=name)
        api.stored = [o for o in api.stored if o["metadata"]["name"] != "api"]
        [db] = [o for o in api.stored if o["kind"] == "Secret" and o["metadata"]["name"] == "db"]
        db["data"]["username"] = base64.b64encode(b"\xff\xfe" + PASSWORD.encode()).decode()
        assert _copy(config, folder) == 1
        out, err = capsys.readouterr()
        assert out == ""
        assert err.splitlines() == [
            "eks2ecs: broken/shop/api: not copied: no Secret shop/api (context 'fake-eks')",
            "eks2ecs: broken/shop/db: not copied: key username of Secret shop/db is not UTF-8 "
            "text: ECS hands secrets to containers as text",
            "eks2ecs: 2 of 2 secret(s) not copied: broken/shop/api, broken/shop/db"]

        db["data"]["username"] = base64.b64encode(b"shop").decode()
        manager.delete_secret(SecretId="broken/shop/db", RecoveryWindowInDays=7)
        assert _copy(config, folder, "-n", NS) == 1
        err = capsys.readouterr().err
        assert "eks2ecs: broken/shop/db: not copied: InvalidRequestException: " in err

        api.forbidden = ("secrets",)
        assert _copy(config, folder) == 1
        err = capsys.readouterr().err
        assert "eks2ecs: broken/shop/api: not copied: cannot get Secret shop/api (context " \
               "'fake-eks'): forbidden for these credentials (HTTP 403" in err
        streams = [out, err]
    assert _copy(config, tmp_path / "nowhere") == 2
    assert "no deploy-plan.json: give the folder `eks2ecs translate -o` wrote" in \
        capsys.readouterr().err
    with pytest.raises(SystemExit) as usage:
        main(["secrets", "copy", str(folder)])
    assert usage.value.code == 2
    assert "--from-cluster" in capsys.readouterr().err
    for name in ("broken/shop/db", "broken/shop/api"):
        manager.delete_secret(SecretId=name, ForceDeleteWithoutRecovery=True)
    assert _leaks(tmp_path, streams, caplog) == []


def test_the_deploy_plan_names_the_kubernetes_secret_behind_each_made_secret(tmp_path: Path) -> None:
    """Without a cluster: a Secret's keys with / and ~ come back as written."""
    manifests = tmp_path / "in.yaml"
    manifests.write_text(json.dumps({"apiVersion": "v1", "kind": "Secret",
                                     "metadata": {"name": "odd", "namespace": "ops"},
                                     "data": {"a/b": "", "c~d": ""}, "stringData": {"a/b": ""}}))
    assert main(["translate", str(manifests), "-o", str(tmp_path / "cfn"), "-q",
                 "--no-validate"]) == 0
    plan = json.loads((tmp_path / "cfn" / "deploy-plan.json").read_text())
    assert plan["madeSecrets"] == [{"name": "ops/ops/odd", "namespace": "ops", "secret": "odd",
                                    "keys": ["a/b", "c~d"]}]
