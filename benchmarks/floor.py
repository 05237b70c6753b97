"""The floor a translation is measured against: read every manifest with libyaml and write it
back with libyaml, in one process (`python -m benchmarks.floor SRC OUT`)."""

from __future__ import annotations

import sys
from pathlib import Path

import yaml


def copy_through_libyaml(source: Path, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for path in sorted(source.glob("*.yaml")):
        documents = list(yaml.load_all(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader))
        (out / path.name).write_text(yaml.dump_all(documents, Dumper=yaml.CSafeDumper),
                                     encoding="utf-8")


if __name__ == "__main__":
    copy_through_libyaml(Path(sys.argv[1]), Path(sys.argv[2]))
