"""`eks2ecs diff`: a clean output folder passes, hand edits are caught with the JSON Pointer of
what changed, reformatting is not a change; and the pre-commit hook and the CI workflow we
document run these very commands."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.helpers import decoded
from tests.kube_api import FakeKubeApi
from tests.test_cli import REPO, run
from translator import cli, load
from translator.api import translate
from translator.context import Options

EXAMPLES = REPO / "examples" / "k8s"


@pytest.fixture(scope="module")
def translated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("clean") / "cfn"
    translate([str(EXAMPLES)], Options(validate=False)).write(out)
    return out


@pytest.fixture
def cfn(translated: Path, tmp_path: Path) -> Path:
    """A fresh copy of a clean translation of examples/k8s/ to edit."""
    return Path(shutil.copytree(translated, tmp_path / "cfn"))


def diff(capsys: pytest.CaptureFixture[str], folder: Path, *more: str) -> tuple[int, list[dict[str, str]]]:
    code, out, err = run(capsys, "diff", str(EXAMPLES), "--against", str(folder), "--format",
                         "json", *more)
    assert err == ""
    return code, json.loads(out)["differences"]


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new))


def test_clean_output_passes(capsys: pytest.CaptureFixture[str], cfn: Path) -> None:
    code, out, _ = run(capsys, "diff", str(EXAMPLES), "--against", str(cfn))
    assert code == 0
    assert out == f"eks2ecs: {cfn} matches the translation (10 files compared)\n"


def test_hand_edited_property_is_caught(capsys: pytest.CaptureFixture[str], cfn: Path) -> None:
    edit(cfn / "workload-backend.yaml", 'Cpu: "1024"', 'Cpu: "2048"')
    code, differences = diff(capsys, cfn)
    assert code == 1
    assert differences == [{"file": "workload-backend.yaml", "change": "changed",
                            "pointer": "/Resources/TaskDefinition/Properties/Cpu",
                            "expected": "1024", "found": "2048"}]
    code, out, _ = run(capsys, "diff", str(EXAMPLES), "--against", str(cfn))
    assert code == 1
    assert out.splitlines()[0] == ('workload-backend.yaml#/Resources/TaskDefinition/Properties/Cpu: '
                                   f'changed: "1024" in the translation, "2048" in {cfn}')


def test_deleted_and_added_resources_are_caught(capsys: pytest.CaptureFixture[str],
                                                cfn: Path) -> None:
    template = cfn / "workload-weaviate.yaml"
    data = yaml.safe_load(_long_form(template))
    del data["Resources"]["LogGroup"]
    data["Resources"]["Backdoor"] = {"Type": "AWS::SNS::Topic", "Properties": {}}
    data["Outputs"]["Extra"] = {"Value": "x"}  # an output the translation does not have
    template.write_text(yaml.safe_dump(data))
    code, differences = diff(capsys, cfn)
    assert code == 1
    found = {(d["pointer"], d["change"]) for d in differences}
    assert found == {("/Resources/LogGroup", "missing"), ("/Resources/Backdoor", "extra"),
                     ("/Outputs/Extra", "extra")}
    missing = next(d for d in differences if d["change"] == "missing")
    assert missing["expected"]["Type"] == "AWS::Logs::LogGroup"


def _long_form(template: Path) -> str:
    """The template as cfn-lint reads it, dumped as plain YAML: long-form intrinsics, sorted
    keys, no comments, no quotes where YAML needs none."""
    return yaml.safe_dump(decoded(template.read_text()), sort_keys=True, default_flow_style=False)


def test_reformatting_is_not_drift(capsys: pytest.CaptureFixture[str], cfn: Path) -> None:
    for template in sorted(cfn.glob("*.yaml")):
        template.write_text(_long_form(template))
    edit(cfn / "workload-weaviate.yaml", "DesiredCount: 1", "DesiredCount: '1'")  # quoting only
    params = cfn / "parameters.json.example"
    params.write_text(json.dumps(json.loads(params.read_text()), sort_keys=True))
    code, differences = diff(capsys, cfn)
    assert (code, differences) == (0, [])


def test_list_edits_are_aligned(capsys: pytest.CaptureFixture[str], cfn: Path) -> None:
    """One variable added and one removed by hand: two differences, not a cascade."""
    item = '            - Name: "{}"\n              Value: "{}"\n'
    edit(cfn / "workload-backend.yaml", item.format("DB_PORT", "5432"),
         item.format("DEBUG", "1") + item.format("DB_PORT", "5432"))
    edit(cfn / "workload-backend.yaml", item.format("NODE_ENV", "production"), "")
    code, differences = diff(capsys, cfn)
    assert code == 1
    environment = "/Resources/TaskDefinition/Properties/ContainerDefinitions/0/Environment"
    assert [(d["pointer"], d["change"]) for d in differences] == [
        (f"{environment}/1", "extra"), (f"{environment}/3", "missing")]
    assert differences[0]["found"] == {"Name": "DEBUG", "Value": "1"}
    assert differences[1]["expected"] == {"Name": "NODE_ENV", "Value": "production"}


def test_files_missing_stale_and_foreign(capsys: pytest.CaptureFixture[str], cfn: Path) -> None:
    (cfn / "load-balancer.yaml").unlink()
    (cfn / "workload-old-worker.yaml").write_text("Resources: {}\n")  # left from an earlier input
    (cfn / "parameters.json").write_text("{}")  # the user's own file: not ours to judge
    edit(cfn / "deploy.sh", "set -euo pipefail", "set -eu")
    code, differences = diff(capsys, cfn)
    assert code == 1
    assert [(d["file"], d["pointer"], d["change"]) for d in differences] == [
        ("deploy.sh", f"line {_line_of(cfn / 'deploy.sh', 'set -eu')}", "changed"),
        ("load-balancer.yaml", "", "missing"),
        ("workload-old-worker.yaml", "", "extra"),
    ]


def _line_of(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if line == text)


def test_changed_manifests_show_what_a_new_translation_changes(
        capsys: pytest.CaptureFixture[str], cfn: Path, tmp_path: Path) -> None:
    k8s = Path(shutil.copytree(EXAMPLES, tmp_path / "k8s"))
    edit(k8s / "weaviate.yaml", "replicas: 1", "replicas: 2")
    code, out, _ = run(capsys, "diff", str(k8s), "--against", str(cfn), "--format", "md")
    assert code == 1
    assert ("| `workload-weaviate.yaml#/Resources/Service/Properties/DesiredCount` | changed | "
            '"2" | "1" |') in out


def test_unreadable_folder_contents_are_bad_input(capsys: pytest.CaptureFixture[str],
                                                   cfn: Path) -> None:
    (cfn / "cluster.yaml").write_text("Resources:\n  A: 1\n  A: 2\n")
    code, out, err = run(capsys, "diff", str(EXAMPLES), "--against", str(cfn))
    assert (code, out) == (2, "")
    assert err.startswith(f"eks2ecs: {cfn / 'cluster.yaml'}:2: not a readable template: Duplicate")
    code, _, err = run(capsys, "diff", str(EXAMPLES), "--against", str(cfn / "nowhere"))
    assert code == 2 and "no such folder to compare against" in err


# --- the pre-commit hook and the CI workflow we document ---------------------------------

def _repository(tmp_path: Path) -> Path:
    """A user's repository: manifests in k8s/, translated in place to cfn/ (which records the
    sources and options, so the checks need no flags)."""
    shutil.copytree(EXAMPLES, tmp_path / "k8s")
    assert cli.main(["translate", str(tmp_path / "k8s"), "-o", str(tmp_path / "cfn"), "-q",
                     "--no-validate"]) == 0
    return tmp_path


def _documented(name: str) -> list[str]:
    """The YAML blocks of docs/ci.md that are the file `name`."""
    blocks = re.findall(r"```yaml\n(.*?)```", (REPO / "docs" / "ci.md").read_text(), re.S)
    return [b for b in blocks if b.startswith(f"# {name}\n")]


HEAD_SHA = re.compile(r"[0-9a-f]{40}")


def _head() -> str:
    sha = subprocess.run(["git", "-C", str(REPO), "rev-parse", "HEAD"], capture_output=True,
                         text=True, check=True).stdout.strip()
    assert HEAD_SHA.fullmatch(sha)
    return sha


def test_pre_commit_hook_runs_the_drift_check(capsys: pytest.CaptureFixture[str],
                                              tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    (hook,) = hooks
    assert hook["id"] == "eks2ecs-drift" and hook["pass_filenames"] is False
    assert hook["language"] == "python"  # pre-commit installs this package for the hook
    program, *command = shlex.split(hook["entry"])
    assert program == "eks2ecs"  # the console script pyproject.toml declares
    assert 'eks2ecs = "translator.cli:main"' in (REPO / "pyproject.toml").read_text()
    monkeypatch.chdir(_repository(tmp_path))
    assert cli.main([*command, *hook["args"]]) == 0
    edit(Path("cfn/workload-backend.yaml"), "RetentionInDays: 30", "RetentionInDays: 7")
    assert cli.main([*command, *hook["args"]]) == 1
    assert "/Resources/LogGroup/Properties/RetentionInDays" in capsys.readouterr().out


def test_the_documented_pre_commit_files_are_valid_to_pre_commit(tmp_path: Path) -> None:
    """The hook manifest and both configurations of docs/ci.md pass pre-commit's own schema;
    the remote one names this repository's hook at a commit SHA (no tag exists)."""
    clientlib = pytest.importorskip("pre_commit.clientlib")
    (hook,) = clientlib.load_manifest(str(REPO / ".pre-commit-hooks.yaml"))  # raises if invalid
    assert hook["entry"] == "eks2ecs diff" and hook["args"] == ["--against", "cfn/"]
    remote, local = _documented(".pre-commit-config.yaml")
    config = yaml.safe_load(remote)["repos"][0]
    assert config["rev"] == "COMMIT_SHA"  # a commit SHA, since no release is tagged
    assert [h["id"] for h in config["hooks"]] == [
        h["id"] for h in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())]
    for text in (remote.replace("COMMIT_SHA", _head()), local):
        path = tmp_path / ".pre-commit-config.yaml"
        path.write_text(text)
        (repo,) = clientlib.load_config(str(path))["repos"]  # raises InvalidConfigError
        assert repo["hooks"][0]["id"] == "eks2ecs-drift"
    with pytest.raises(clientlib.InvalidConfigError):  # the check is real: a hook needs an id
        path.write_text(local.replace("- id: eks2ecs-drift", "- idd: eks2ecs-drift"))
        clientlib.load_config(str(path))


def test_the_documented_local_hook_runs_under_pre_commit(tmp_path: Path) -> None:
    """`pre-commit run` in a user's repository: passes on a fresh translation, fails on a
    hand edit of cfn/."""
    pytest.importorskip("pre_commit")
    (local,) = _documented(".pre-commit-config.yaml")[1:]
    repository = _repository(tmp_path / "user")
    (repository / ".pre-commit-config.yaml").write_text(local)
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
           "PRE_COMMIT_HOME": str(tmp_path / "cache"), "GIT_CONFIG_GLOBAL": os.devnull,
           "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}

    def sh(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(argv, cwd=repository, env=env, capture_output=True, text=True,
                              check=False, timeout=300)

    assert sh("git", "init", "-q").returncode == 0
    assert sh("git", "add", "-A").returncode == 0
    hook = [sys.executable, "-m", "pre_commit", "run", "--all-files"]
    done = sh(*hook)
    assert done.returncode == 0 and "eks2ecs drift check" in done.stdout, done.stdout + done.stderr
    edit(repository / "cfn" / "workload-backend.yaml", "RetentionInDays: 30", "RetentionInDays: 7")
    done = sh(*hook)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "/Resources/LogGroup/Properties/RetentionInDays" in done.stdout


def test_ci_workflow_fails_when_cfn_is_stale(capsys: pytest.CaptureFixture[str],
                                             tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    workflow = yaml.safe_load((REPO / "docs" / "ci" / "eks2ecs-drift.yml").read_text())
    steps = workflow["jobs"]["drift"]["steps"]
    commands = [s["run"] for s in steps if "run" in s and s["run"].startswith("eks2ecs ")]
    assert len(commands) == 2
    for step in steps:
        if "run" in step and "|" in step["run"]:
            assert step.get("shell") == "bash"  # pipefail: tee must not hide the exit status
    drift, strict = (shlex.split(c.split("|")[0].split(">")[0])[1:] for c in commands)
    assert drift[:2] == ["diff", "--against"]  # no flags: the options cfn/ records
    monkeypatch.chdir(_repository(tmp_path))
    assert cli.main(drift) == 0
    edit(Path("k8s/weaviate.yaml"), "replicas: 1", "replicas: 3")  # translated again? no
    assert cli.main(drift) == 1
    assert "DesiredCount` | changed" in capsys.readouterr().out
    assert strict[:2] == ["report", "k8s/"] and "--strict" in strict
    assert cli.main(strict) == 1  # examples/k8s has more lossy items than the one accepted


def test_the_ci_install_line_installs_eks2ecs_at_a_commit(tmp_path: Path) -> None:
    """The workflow's pip line, pointed at a clone of this repository and its HEAD commit,
    installs a working eks2ecs (no index: the build and runtime dependencies come from the
    environment running the tests)."""
    workflow = yaml.safe_load((REPO / "docs" / "ci" / "eks2ecs-drift.yml").read_text())
    (line,) = [s["run"] for s in workflow["jobs"]["drift"]["steps"]
               if s.get("run", "").startswith("pip install")]
    argv = shlex.split(line)
    assert argv[:2] == ["pip", "install"]
    (requirement,) = argv[2:]
    assert requirement == "git+https://github.com/OWNER/eks2ecs@COMMIT_SHA"
    clone = tmp_path / "eks2ecs"
    subprocess.run(["git", "clone", "-q", str(REPO), str(clone)], check=True, timeout=120)
    url = requirement.replace("https://github.com/OWNER/eks2ecs", clone.as_uri()).replace(
        "COMMIT_SHA", _head())
    target = tmp_path / "installed"
    done = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps",
                           "--no-build-isolation", "--disable-pip-version-check", "--target",
                           str(target), url],
                          capture_output=True, text=True, check=False, cwd=tmp_path, timeout=300)
    assert done.returncode == 0, done.stderr
    assert (target / "translator" / "templates" / "report.js").is_file()
    shown = subprocess.run([sys.executable, "-c", "import sys, translator; "
                            "sys.argv[0] = 'eks2ecs'; print(translator.__file__); "
                            "from translator.cli import main; main(['--version'])"],
                           capture_output=True, text=True, check=False, cwd=tmp_path,
                           env={**os.environ, "PYTHONPATH": str(target)})
    where, version = shown.stdout.splitlines()
    assert Path(where).is_relative_to(target), where
    assert version.startswith("eks2ecs ")


def test_kubectl_style_input(capsys: pytest.CaptureFixture[str], cfn: Path) -> None:
    code, out, _ = run(capsys, "diff", "-f", str(EXAMPLES), "--against", str(cfn))
    assert code == 0, out


def test_live_cluster_against_the_folder(capsys: pytest.CaptureFixture[str], cfn: Path,
                                         tmp_path: Path) -> None:
    """Is cfn/ what the cluster runs? Someone scaled weaviate with kubectl: caught."""
    docs = [m.doc for m in load.load([str(EXAMPLES)])]
    with FakeKubeApi(docs).running() as api:
        live = ["diff", "--from-cluster", "--kubeconfig", str(api.kubeconfig(tmp_path / "kc")),
                "-n", "angel-backend", "--against", str(cfn), "--format", "json"]
        assert run(capsys, *live)[0] == 0
    scaled = next(d for d in docs if d["kind"] == "Deployment" and d["metadata"]["name"] == "weaviate")
    scaled["spec"]["replicas"] = 3
    with FakeKubeApi(docs).running() as api:
        live[3] = str(api.kubeconfig(tmp_path / "kc"))
        code, out, _ = run(capsys, *live)
    assert code == 1
    assert [(d["pointer"], d["expected"], d["found"]) for d in json.loads(out)["differences"]] == [
        ("/Resources/Service/Properties/DesiredCount", "3", "1")]
