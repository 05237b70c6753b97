"""eks2ecs.yaml: options from a file beside the manifests, read strictly (exit 2 at file:line),
recorded in the output folder so that `eks2ecs diff --against DIR` needs no flags."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import jsonschema
import pytest
import yaml

from tests.test_cli import REPO, run
from translator import config

EXAMPLES = REPO / "examples" / "k8s"
CONFIG = """\
name: shop
health-check: target-group
cluster-name: shop-prod
dns-namespace: shop.internal
validate: false
exec: false
ignore:
  - PersistentVolumeClaim/*
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A repository with manifests, its eks2ecs.yaml, and the cfn/ translate --config wrote."""
    root = tmp_path_factory.mktemp("project")
    shutil.copytree(EXAMPLES, root / "k8s")
    (root / "eks2ecs.yaml").write_text(CONFIG, encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch, _Capture() as capture:
        patch.chdir(root)
        code = capture.main("translate", "k8s", "-o", "cfn", "--config", "eks2ecs.yaml")
    assert code == 0, capture.err
    return root


class _Capture:
    """cli.main with stdout/stderr captured, for a module-scoped fixture (capsys is per test)."""

    def __enter__(self) -> _Capture:
        self.err = ""
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def main(self, *argv: str) -> int:
        import contextlib
        import io

        from translator import cli

        err = io.StringIO()
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
            code = cli.main(list(argv))
        self.err = err.getvalue()
        return code


def test_the_options_are_recorded_in_the_output(project: Path) -> None:
    recorded = json.loads((project / "cfn" / config.RECORDED).read_text(encoding="utf-8"))
    assert recorded["sources"] == ["../k8s"]
    assert recorded["cluster-name"] == "shop-prod" and recorded["validate"] is False
    assert recorded["ignore"] == ["PersistentVolumeClaim/*"]
    assert recorded["health-check"] == "target-group"
    report = json.loads((project / "cfn" / "report.json").read_text(encoding="utf-8"))
    weaviate = next(s for s in report["sources"] if s["name"] == "weaviate"
                    and s["kind"] == "Deployment")
    assert "health checks: target-group (--health-check)" in weaviate["notes"]
    assert recorded["exec"] is False  # and so diff keeps ECS Exec off too
    assert "EnableExecuteCommand" not in (project / "cfn" / "workload-backend.yaml").read_text()
    deploy = (project / "cfn" / "deploy-plan.json").read_text(encoding="utf-8")
    assert "shop-cluster" in deploy and "eks2ecs-cluster" not in deploy


def test_diff_needs_no_flags_after_translate_with_a_config(
        capsys: pytest.CaptureFixture[str], project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project.parent)  # the recorded paths are relative to cfn/, not the cwd
    code, out, err = run(capsys, "diff", "--against", str(project / "cfn"))
    assert code == 0, out + err
    assert "matches the translation" in err + out


def test_diff_with_other_flags_still_sees_drift(capsys: pytest.CaptureFixture[str],
                                                project: Path) -> None:
    code, out, _ = run(capsys, "diff", str(project / "k8s"), "--against", str(project / "cfn"),
                       "--config", str(project / "eks2ecs.yaml"), "--name", "other")
    assert code == 1 and "other-cluster" in out


def test_the_file_beside_the_inputs_is_found_and_not_read_as_a_manifest(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    shutil.copytree(EXAMPLES, tmp_path / "k8s")
    (tmp_path / "k8s" / config.CONFIG_FILE).write_text("name: found\nvalidate: false\n",
                                                      encoding="utf-8")
    code, out, err = run(capsys, "report", str(tmp_path / "k8s"), "--format", "json")
    assert code == 0, err
    assert "stack found-backend" in out and config.CONFIG_FILE not in out


@pytest.mark.parametrize(("text", "message"), [
    ("name: shop\nclustr-name: x\n", "cfg.yaml:2: unknown key 'clustr-name' "
     "(did you mean 'cluster-name'?)"),
    ("strict: yes please\n", "cfg.yaml:1: strict: expected true or false, not 'yes please'"),
    ("\n\nignore: Deployment/web\n", "cfg.yaml:3: ignore: expected a list of strings"),
    ("rwo-volumes: nfs\n", "cfg.yaml:1: rwo-volumes: expected efs or ebs"),
    ("health-check: curl\n", "cfg.yaml:1: health-check: expected auto or shell or grpc or none "
     "or target-group, not 'curl'"),
    ("eks-node-cost: -3\n", "cfg.yaml:1: eks-node-cost: expected an amount in USD"),
    ("name: a\nname: b\n", "cfg.yaml:2: 'name' is given twice"),
    ("- name\n", "cfg.yaml:1: a config file is a mapping"),
    ("name: [\n", "cfg.yaml:2: not YAML"),
])
def test_a_wrong_file_is_exit_2_at_its_line(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch, text: str,
                                            message: str) -> None:
    monkeypatch.chdir(tmp_path)
    Path("cfg.yaml").write_text(text, encoding="utf-8")
    code, _, err = run(capsys, "translate", str(EXAMPLES), "-o", "out", "--config", "cfg.yaml")
    assert code == 2 and message in err and "Traceback" not in err
    assert not Path("out").exists()


def test_flags_win_over_the_file_and_ignore_entries_add_up(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text("name: file\nvalidate: false\nignore: ['Deployment/nope']\n", encoding="utf-8")
    code, out, err = run(capsys, "report", str(EXAMPLES), "--config", str(cfg), "--name", "flag",
                         "--ignore", "Service/nope", "--format", "json")
    assert code == 0 and "stack flag-backend" in out and "file-" not in out
    assert "'Deployment/nope' matched nothing" in err and "'Service/nope' matched nothing" in err


def test_the_shipped_schema_is_the_one_the_loader_enforces() -> None:
    shipped = json.loads((REPO / "docs" / "eks2ecs.schema.json").read_text(encoding="utf-8"))
    assert shipped == config.schema(), "regenerate docs/eks2ecs.schema.json from config.schema()"
    jsonschema.validate(yaml.safe_load(CONFIG), shipped)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"clustr-name": "x"}, shipped)
