"""Fuzzed input: real manifests (the example, and corpus files when ../shared is there) with a
canary Secret beside them, mutated (values replaced by hostile ones, keys renamed or
dropped, list items repeated, explicit YAML tags added), never crash eks2ecs: each run exits
0 with validated output or 2 with one `file:line: ...` line, never a traceback, and no canary
value shows in any file or stream. CI runs a fixed budget (FUZZ_EXAMPLES); raise it with
EKS2ECS_FUZZ_EXAMPLES for a longer campaign."""

from __future__ import annotations

import base64
import contextlib
import copy
import io
import json
import os
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tests.paths import CORPUS, EXAMPLE
from translator import cli

FUZZ_EXAMPLES = int(os.environ.get("EKS2ECS_FUZZ_EXAMPLES", "60"))
CANARIES = ["hunter2-CANARY-fuzz-0001", "correct$HorseBatteryStapleCANARY0002",
            "${TokenCANARY0003}", "{{resolve:secretsmanager:CANARY0004}}"]
CANARY_SECRET = {
    "apiVersion": "v1", "kind": "Secret", "metadata": {"name": "fuzz-canary", "annotations": {
        "kubectl.kubernetes.io/last-applied-configuration": json.dumps({"stringData": {
            f"K{i}": v for i, v in enumerate(CANARIES)}})}},
    "data": {"D0": base64.b64encode(CANARIES[0].encode()).decode(),
             "D1": base64.b64encode(CANARIES[1].encode()).decode()},
    "stringData": {"S2": CANARIES[2], "S3": CANARIES[3]},
}
CORPUS_SEEDS = ["stefanprodan__podinfo/kustomize", "kubernetes__examples"]
HOSTILE: list[Any] = [
    "", " ", "${X}", "$LEFT_OVER", "{{resolve:ssm:/x:1}}", "${AWS::Region}", "!Ref X",
    "a\nb", "cr\rlf", "``<img src=x onerror=1>", "$(touch /tmp/eks2ecs-fuzz)", "'\"", "🔑",
    "a" * 300, "0x1F", "1e400", "Infinity", "-1", "null", 0, -1, 70000, 10**12, 1.5,
    float("inf"), True, None, [], {}, {"a": 1}, ["x"], [None],
]
TAGS = ["!!int", "!!bool", "!!float", "!!timestamp", "!!str", "!!binary", "!!null"]


def _seeds() -> list[list[dict[str, Any]]]:
    files = sorted(EXAMPLE.glob("*.yaml"))
    for folder in CORPUS_SEEDS:
        if (CORPUS / folder).is_dir():
            files += sorted((CORPUS / folder).rglob("*.yaml"))[:6]
    seeds = []
    for path in files:
        docs = [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8"))
                if isinstance(d, dict)]
        if docs:
            seeds.append(docs)
    return seeds


SEEDS = _seeds()


def _nodes(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path into a document (mappings by key, lists by index)."""
    found = [path]
    if isinstance(value, dict):
        for key, child in value.items():
            found += _nodes(child, (*path, key))
    elif isinstance(value, list):
        for i, child in enumerate(value):
            found += _nodes(child, (*path, i))
    return found


def _mutate(docs: list[dict[str, Any]], data: st.DataObject) -> None:
    doc = data.draw(st.sampled_from(docs))
    paths = [p for p in _nodes(doc) if p]
    if doc is docs[0]:  # the canary stays a Secret
        paths = [p for p in paths if p[0] not in ("kind", "apiVersion")]
    if not paths:
        return
    *parents, last = data.draw(st.sampled_from(paths))
    node: Any = doc
    for step in parents:
        node = node[step]
    action = data.draw(st.sampled_from(["set", "set", "set", "drop", "rename", "repeat"]))
    if action == "set":
        node[last] = copy.deepcopy(data.draw(st.sampled_from(HOSTILE)))
    elif action == "drop":
        del node[last]
    elif action == "rename" and isinstance(node, dict):
        new = data.draw(st.sampled_from([h for h in HOSTILE if isinstance(h, str) and h]))
        node[new] = node.pop(last)
    elif action == "repeat" and isinstance(node, list):
        node.append(copy.deepcopy(node[last]))


def _tag(text: str, data: st.DataObject) -> str:
    """An explicit tag in front of one scalar value of the YAML text."""
    lines = text.split("\n")
    scalars = [i for i, line in enumerate(lines) if re.match(r"^\s*(- )?[\w./-]+: [^\s|>&*!{[]", line)]
    if not scalars:
        return text
    i = data.draw(st.sampled_from(scalars))
    key, value = lines[i].split(": ", 1)
    lines[i] = f"{key}: {data.draw(st.sampled_from(TAGS))} {value}"
    return "\n".join(lines)


def _forms(value: str) -> set[str]:
    return {value, base64.b64encode(value.encode()).decode(), json.dumps(value)[1:-1],
            *re.findall(r"[A-Za-z0-9]*CANARY[A-Za-z0-9]*", value)}


LOCATED = re.compile(r"^eks2ecs: (-|[^:\n]+):\d+(:\d+)?: [^\n]+\n$")


@settings(max_examples=FUZZ_EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(seed=st.sampled_from(SEEDS), mutations=st.integers(1, 3), tag=st.booleans(),
       data=st.data())
def test_mutated_manifests_exit_0_or_2_and_never_show_a_canary(
        seed: list[dict[str, Any]], mutations: int, tag: bool, data: st.DataObject) -> None:
    docs = json.loads(json.dumps([CANARY_SECRET, *seed]))  # a deep copy, plain values
    for _ in range(mutations):
        _mutate(docs, data)
    text = yaml.safe_dump_all(docs, allow_unicode=True, sort_keys=False)
    if tag:
        text = _tag(text, data)
    stdout, stderr = io.StringIO(), io.StringIO()
    with tempfile.TemporaryDirectory() as work:
        out = Path(work) / "cfn"
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            real_stdin = sys.stdin
            sys.stdin = io.TextIOWrapper(io.BytesIO(text.encode("utf-8")))
            try:
                code = cli.main(["translate", "-", "-o", str(out), "-q"])
            finally:
                sys.stdin = real_stdin
        err = stderr.getvalue()
        event(f"exit {code}")  # --hypothesis-show-statistics: how many runs got how far
        assert "Traceback" not in err, err
        assert code in (0, 2), f"exit {code}: {err}\n--- input ---\n{text}"
        if code == 2:
            assert LOCATED.match(err), err
            assert not out.exists()
        seen = {"stdout": stdout.getvalue(), "stderr": err}
        if out.exists():
            seen |= {p.name: p.read_text(encoding="utf-8", errors="replace")
                     for p in out.iterdir() if p.is_file()}
    for where, written in seen.items():
        for canary in CANARIES:
            for form in _forms(canary):
                assert form not in written, f"{where} holds {form!r}"
