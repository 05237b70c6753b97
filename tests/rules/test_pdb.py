"""PodDisruptionBudget -> the MinimumHealthyPercent of the selected workload's ECS service."""

from __future__ import annotations

import pytest

from mappings.pdb import minimum_healthy_percent
from tests.helpers import deployment, docs, fate, props, source, translate_yaml
from translator.models import PodDisruptionBudget


def budget(rule: str, selector: str = "{app: web}") -> str:
    return (f"apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {{name: web, "
            f"namespace: shop}}\nspec:\n  {rule}\n  selector:\n    matchLabels: {selector}\n")


@pytest.mark.parametrize(("rule", "replicas", "percent"), [
    ({"minAvailable": 3}, 4, 75),
    ({"minAvailable": 1}, 3, 34),  # ECS rounds the healthy count up: ceil(3 * .34) = 2 >= 1
    ({"minAvailable": "50%"}, 5, 50),
    ({"maxUnavailable": 1}, 4, 75),
    ({"maxUnavailable": 0}, 2, 100),
    ({"maxUnavailable": "25%"}, 8, 75),
    ({"minAvailable": 9}, 3, 100),
    ({}, 0, None),
])
def test_minimum_healthy_percent(rule: dict[str, object], replicas: int,
                                 percent: int | None) -> None:
    pdb = PodDisruptionBudget.model_validate({
        "apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "x"},
        "spec": rule})
    assert minimum_healthy_percent(pdb, replicas) == percent


def test_budget_tighter_than_the_strategy_sets_the_service_minimum() -> None:
    result = translate_yaml(docs(deployment(spec="replicas: 4"), budget("maxUnavailable: 0")))
    assert props(result, "web", "Service")["DeploymentConfiguration"] == {
        "MaximumPercent": 125, "MinimumHealthyPercent": 100,
        "DeploymentCircuitBreaker": {"Enable": True, "Rollback": True}}
    rule = fate(result, "PodDisruptionBudget", "web", "/spec/maxUnavailable")
    assert rule["status"] == "mapped"
    assert rule["to"] == ("workload-web.yaml#/Resources/Service/Properties/DeploymentConfiguration/"
                          "MinimumHealthyPercent")
    assert rule["note"].startswith("MinimumHealthyPercent 100 (the update strategy gave 75)")
    assert source(result, "PodDisruptionBudget", "web")["status"] == "mapped"


def test_budget_the_strategy_already_keeps_changes_nothing() -> None:
    result = translate_yaml(docs(deployment(spec="replicas: 4"), budget("minAvailable: 2")))
    assert props(result, "web", "Service")["DeploymentConfiguration"]["MinimumHealthyPercent"] == 75
    assert fate(result, "PodDisruptionBudget", "web", "/spec/minAvailable")["note"] == \
        "already kept: the update strategy gives MinimumHealthyPercent 75"


def test_budget_selecting_nothing_is_partial() -> None:
    result = translate_yaml(docs(deployment(), budget("minAvailable: 1", "{app: other}")))
    assert source(result, "PodDisruptionBudget", "web")["status"] == "partial"
    assert fate(result, "PodDisruptionBudget", "web", "/spec/selector")["status"] == "lossy"


def test_two_budgets_on_one_workload_keep_the_stricter_whatever_their_order() -> None:
    loose = budget("minAvailable: 1").replace("name: web,", "name: loose,")
    strict = budget("maxUnavailable: 0").replace("name: web,", "name: strict,")
    one = translate_yaml(docs(deployment(spec="replicas: 4"), loose, strict))
    other = translate_yaml(docs(strict, loose, deployment(spec="replicas: 4")))
    for result in (one, other):
        assert props(result, "web", "Service")["DeploymentConfiguration"][
            "MinimumHealthyPercent"] == 100
