"""examples/migrate.py, the library example of docs/api.md, runs and does what it says."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.helpers import decoded
from tests.paths import REPO


def _templates(out: Path) -> dict[str, dict]:
    return {path.name: decoded(path.read_text())
            for path in sorted(out.glob("*.yaml"))}


def test_the_migration_script_adjusts_validates_and_writes(tmp_path: Path) -> None:
    out = tmp_path / "cfn"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    run = subprocess.run([sys.executable, "examples/migrate.py", "examples/k8s", str(out)],
                         cwd=REPO, env=env, capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr
    templates = _templates(out)
    backend = templates["workload-backend.yaml"]["Resources"]
    assert backend["ScalableTarget"]["Properties"]["MinCapacity"] == 3
    assert "DesiredCount" not in backend["Service"]["Properties"]
    assert templates["workload-weaviate.yaml"]["Resources"]["Service"]["Properties"]["DesiredCount"] == 1
    tagged = 0
    for template in templates.values():
        for resource in template["Resources"].values():
            tags = resource["Properties"].get("Tags")
            if tags is None:
                continue
            pairs = tags.items() if isinstance(tags, dict) else [(t["Key"], t["Value"]) for t in tags]
            assert {"team": "platform", "migrated-by": "eks2ecs"}.items() <= dict(pairs).items()
            tagged += 1
    assert tagged > 10
    assert "takes no Tags" in run.stdout  # the scaling policy: said, not silently skipped
    assert yaml.safe_load((out / "report.json").read_text())["summary"]["objects"] > 0


def test_a_script_removes_a_stack_and_what_points_into_it(monkeypatch: pytest.MonkeyPatch) -> None:
    from translator import Options
    from translator.api import finish, translate
    from translator.plan import PlanError

    monkeypatch.chdir(REPO)
    draft = translate(["examples/k8s"], Options(validate=False))
    with pytest.raises(PlanError, match="workload/angel-backend/weaviate import: remove those"):
        draft.plan.remove_stack("volume/angel-backend/weaviate-data")
    draft.plan.remove_stack("workload/angel-backend/weaviate")
    draft.plan.remove_stack("volume/angel-backend/weaviate-data")
    result = finish(draft.plan, Options())  # rendered, reported, priced and validated
    assert "workload-weaviate.yaml" not in result.files and "angel-backend-weaviate" not in \
        result.files["deploy.sh"]
    assert result.cost is not None and "weaviate" not in str(result.cost.as_dict()["lines"])


def test_a_stack_removed_by_hand_is_a_clear_error_not_a_key_error_deep_inside() -> None:
    from translator import Options
    from translator.api import finish, translate
    from translator.plan import PlanError

    draft = translate([str(REPO / "examples" / "k8s")], Options(validate=False))
    draft.plan.stacks = [s for s in draft.plan.stacks
                         if s.info.key != "workload/angel-backend/weaviate"]
    with pytest.raises(PlanError, match="no stack 'workload/angel-backend/weaviate' in the plan"):
        finish(draft.plan, Options(validate=False))
