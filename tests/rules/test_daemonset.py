"""DaemonSet -> unsupported on Fargate, with the alternatives."""

from __future__ import annotations

from tests.helpers import source, translate_yaml


def test_a_daemonset_is_unsupported_with_the_alternatives() -> None:
    result = translate_yaml("""
        apiVersion: apps/v1
        kind: DaemonSet
        metadata: {name: node-exporter, namespace: monitoring}
        spec:
          selector: {matchLabels: {app: ne}}
          template:
            metadata: {labels: {app: ne}}
            spec:
              containers: [{name: ne, image: "prom/node-exporter:v1.8.1"}]
              volumes: [{name: proc, hostPath: {path: /proc}}]
    """)
    entry = source(result, "DaemonSet", "node-exporter")
    assert entry["status"] == "unsupported"
    assert "sidecar" in entry["reason"] and "DAEMON" in entry["reason"]
    assert any("host paths" in note for note in entry["notes"])
    assert [s.info.title for s in result.plan.stacks] == ["cluster"]
