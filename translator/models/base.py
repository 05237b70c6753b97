"""The base every model shares: strict, camelCase, unknown fields kept; object metadata,
label selectors and the names Kubernetes accepts."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

IntOrString = int | str
Quantity = str | int | float


class K8sModel(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="allow", strict=True, frozen=True
    )


# Names Kubernetes accepts (DNS-1123). They become file, stack and resource names here, so
# anything else ("../x", "a;b") is refused as the API server would.
DNS_SUBDOMAIN = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"
DNS_LABEL = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"


class ObjectMeta(K8sModel):
    name: str = Field(pattern=DNS_SUBDOMAIN, max_length=253)
    namespace: str | None = Field(None, pattern=DNS_LABEL, max_length=63)
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)


class LabelSelector(K8sModel):
    match_labels: dict[str, str] = Field(default_factory=dict)
    match_expressions: list[dict[str, Any]] = Field(default_factory=list)


def matches(selector: LabelSelector, labels: dict[str, str]) -> bool:
    """Whether pod labels satisfy a label selector (matchLabels and matchExpressions)."""
    if any(labels.get(k) != v for k, v in selector.match_labels.items()):
        return False
    for expression in selector.match_expressions:
        key, operator = str(expression.get("key")), expression.get("operator")
        values = expression.get("values") or []
        present = key in labels
        if (operator == "In" and labels.get(key) not in values) \
                or (operator == "NotIn" and present and labels.get(key) in values) \
                or (operator == "Exists" and not present) \
                or (operator == "DoesNotExist" and present):
            return False
    return True


class KubeObject(K8sModel):
    api_version: str
    kind: str
    metadata: ObjectMeta

    @property
    def name(self) -> str:
        return self.metadata.name

    @classmethod
    def cluster_scoped(cls) -> bool:
        return False

    @property
    def ref(self) -> str:
        return f"{self.kind}/{self.metadata.name}"
