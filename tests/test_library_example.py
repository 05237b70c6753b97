"""examples/migrate.py, the library example of docs/api.md, runs and does what it says."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml

from tests.helpers import decoded
from tests.paths import REPO


def _templates(out: Path) -> dict[str, dict]:
    return {path.name: decoded(path.read_text())
            for path in sorted(out.glob("[0-9][0-9]-*.yaml"))}


def test_the_migration_script_adjusts_validates_and_writes(tmp_path: Path) -> None:
    out = tmp_path / "cfn"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    run = subprocess.run([sys.executable, "examples/migrate.py", "examples/k8s", str(out)],
                         cwd=REPO, env=env, capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr
    templates = _templates(out)
    backend = templates["04-backend.yaml"]["Resources"]
    assert backend["Service"]["Properties"]["DesiredCount"] == 3
    assert templates["05-weaviate.yaml"]["Resources"]["Service"]["Properties"]["DesiredCount"] == 1
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
