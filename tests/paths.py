"""Where the test inputs live: the repository and the shared folder beside its clone."""

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
CORPUS = SHARED / "corpus"
REPORT_SCHEMA = SHARED / "report.schema.json"
EXAMPLE = REPO / "examples" / "k8s"
GOLDEN = REPO / "output"
