"""environments: in eks2ecs.yaml: one parameters.ENV.json per environment, in the shape of
parameters.json.example, that deploy.sh takes (./deploy.sh parameters.prod.json); checked
against the plan's stacks and parameters, and kept by `diff` (the options are recorded)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.paths import EXAMPLE
from translator import cli

PROD = """\
sources: [k8s/]
environments:
  dev:
    SubnetIds: subnet-dev1,subnet-dev2
    VpcId: vpc-dev
  prod:
    SubnetIds: subnet-prod1,subnet-prod2
    VpcId: vpc-prod
    LoadBalancerSubnetIds: subnet-pub1,subnet-pub2
    stacks:
      angel-backend-backend:
        BackendImage: 123456789012.dkr.ecr.us-east-1.amazonaws.com/angel-backend:1.5.0
        AngelBackendDevDatabaseSecretArn: arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf
        AngelBackendDevOpenaiSecretArn: arn:aws:secretsmanager:us-east-1:123456789012:secret:ai-AbCdEf
"""


@pytest.fixture
def repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(EXAMPLE, tmp_path / "k8s")
    (tmp_path / "eks2ecs.yaml").write_text(PROD)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_each_environment_is_a_parameters_file_diff_keeps(repository: Path) -> None:
    assert cli.main(["translate", "--config", "eks2ecs.yaml", "-o", "cfn", "-q",
                     "--no-validate"]) == 0
    example = json.loads((repository / "cfn" / "parameters.json.example").read_text())
    prod = json.loads((repository / "cfn" / "parameters.prod.json").read_text())
    assert prod["shared"] == {**example["shared"], "SubnetIds": "subnet-prod1,subnet-prod2",
                              "VpcId": "vpc-prod",
                              "LoadBalancerSubnetIds": "subnet-pub1,subnet-pub2"}
    # a shared value leaves the stacks' own sections, or deploy.sh would give theirs instead
    assert "LoadBalancerSubnetIds" not in prod["stacks"]["angel-backend-load-balancer"]
    assert prod["stacks"]["angel-backend-backend"]["BackendImage"].endswith(":1.5.0")
    dev = json.loads((repository / "cfn" / "parameters.dev.json").read_text())
    assert dev["stacks"] == example["stacks"]  # placeholders and all: deploy.sh refuses them
    assert cli.main(["diff", "--against", "cfn"]) == 0
    (repository / "cfn" / "parameters.prod.json").write_text(json.dumps(
        {**prod, "shared": {**prod["shared"], "VpcId": "vpc-other"}}))
    assert cli.main(["diff", "--against", "cfn"]) == 1


def test_deploy_sh_takes_an_environment_file(repository: Path) -> None:
    """No AWS here: an `aws` on PATH that records its arguments and answers nothing; what
    deploy.sh passes to `cloudformation deploy` is the environment's values, and the secrets
    it checks are the environment's ARNs."""
    assert cli.main(["translate", "--config", "eks2ecs.yaml", "-o", "cfn", "-q",
                     "--no-validate"]) == 0
    calls = repository / "aws-calls"
    stub = repository / "bin" / "aws"
    stub.parent.mkdir()
    stub.write_text(f'#!/bin/sh\nfor a in "$@"; do printf "%s\\0" "$a"; done >> {calls}\n'
                    'printf "\\0\\0" >> ' f"{calls}\n"
                    # the secrets the tasks read hold their keys (deploy.sh checks, exit 3)
                    '[ "$2" = get-secret-value ] && echo \'{"password": "p", "api_key": "k"}\'\n'
                    "exit 0\n")
    stub.chmod(0o755)
    env = {**os.environ, "PATH": f"{stub.parent}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run(["bash", "deploy.sh", "parameters.prod.json"], env=env,
                          capture_output=True, text=True, timeout=120, cwd=repository / "cfn")
    assert done.returncode == 0, done.stderr
    runs = [run.split("\0") for run in calls.read_text().split("\0\0\0") if run]
    deploys = {run[run.index("--stack-name") + 1]: run for run in runs
               if run[:2] == ["cloudformation", "deploy"]}
    assert "SubnetIds=subnet-prod1,subnet-prod2" in deploys["angel-backend-backend"]
    assert ("BackendImage=123456789012.dkr.ecr.us-east-1.amazonaws.com/angel-backend:1.5.0"
            in deploys["angel-backend-backend"])
    assert "LoadBalancerSubnetIds=subnet-pub1,subnet-pub2" in deploys[
        "angel-backend-load-balancer"]
    read = {run[run.index("--secret-id") + 1] for run in runs if "get-secret-value" in run}
    assert read == {"arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf",
                    "arn:aws:secretsmanager:us-east-1:123456789012:secret:ai-AbCdEf"}
    done = subprocess.run(["bash", "deploy.sh", "parameters.dev.json"], env=env,
                          capture_output=True, text=True, timeout=120, cwd=repository / "cfn")
    assert done.returncode == 2 and "replace the placeholder" in done.stderr, done.stderr


@pytest.mark.parametrize(("entry", "said"), [
    ("  qa:\n    NoSuchParameter: x\n", "eks2ecs.yaml:3: environments: qa: no stack has a "
                                        "parameter NoSuchParameter"),
    ("  qa:\n    stacks:\n      nope: {VpcId: x}\n", "eks2ecs.yaml:3: environments: qa: no "
                                                    "stack nope (stacks: angel-backend-cluster"),
    ("  qa:\n    stacks:\n      angel-backend-backend: {NoSuch: x}\n",
     "eks2ecs.yaml:3: environments: qa: stack angel-backend-backend has no parameter NoSuch"),
    ("  QA: {}\n", "eks2ecs.yaml:3: environments: 'QA' is not an environment name"),
    ("  qa: {VpcId: [x]}\n", "eks2ecs.yaml:3: environments: qa: expected PARAMETER: value"),
])
def test_an_environment_the_plan_cannot_take_is_bad_input_at_its_line(
        repository: Path, capsys: pytest.CaptureFixture[str], entry: str, said: str) -> None:
    (repository / "eks2ecs.yaml").write_text("sources: [k8s/]\nenvironments:\n" + entry)
    assert cli.main(["translate", "--config", "eks2ecs.yaml", "-o", "cfn", "-q",
                     "--no-validate"]) == 2
    assert said in capsys.readouterr().err
    assert not (repository / "cfn").exists()  # nothing half-written
