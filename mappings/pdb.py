"""PodDisruptionBudget -> the MinimumHealthyPercent of the selected workload's ECS service.

ECS keeps that share of the desired tasks running both while it rolls out a new task
definition and while it replaces Fargate tasks for maintenance (the voluntary disruptions a
budget guards against), so the budget tightens the percentage the update strategy gave, and
MaximumPercent grows where needed so a rollout can still start a new task first.
"""

from __future__ import annotations

import math

from mappings.deployment import rollout_maximum, strategy_percents
from mappings.workloads import Workload, all_workloads, matches, smallest_count
from translator.context import Context
from translator.models import Deployment, PodDisruptionBudget
from translator.plan import Fragment, SetProperty, Target

KIND = "PodDisruptionBudget"
API_VERSIONS = ("policy/v1", "policy/v1beta1")
MODEL = PodDisruptionBudget
FIELDS = ("/spec/selector", "/spec/minAvailable", "/spec/maxUnavailable",
          "/spec/unhealthyPodEvictionPolicy")

CONFIG = "/Resources/Service/Properties/DeploymentConfiguration"


def minimum_healthy_percent(budget: PodDisruptionBudget, replicas: int) -> int | None:
    """The smallest MinimumHealthyPercent that keeps the budget, or None when the budget
    cannot be read as a share of the desired count (no replicas)."""
    spec = budget.spec
    if replicas == 0:
        return None
    if spec.min_available is not None:
        value = spec.min_available
        if isinstance(value, str):
            return min(_percent(value), 100)
        return min(math.ceil(100 * value / replicas), 100)
    value = spec.max_unavailable if spec.max_unavailable is not None else 0
    if isinstance(value, str):
        return max(100 - _percent(value), 0)
    return max(math.ceil(100 * (replicas - value) / replicas), 0)


def _percent(value: str) -> int:
    return int(value.rstrip("%")) if value.rstrip("%").isdigit() else 100


def map(obj: PodDisruptionBudget, frag: Fragment, ctx: Context) -> None:
    entry = frag.entry
    ns = ctx.namespace_of(obj)
    selector = obj.spec.selector
    workloads = [w for w in all_workloads(ctx) if w.namespace == ns and selector is not None
                 and matches(selector, w.obj.spec.template.labels)]
    if not workloads:
        entry.status = "partial"
        entry.lossy("/spec/selector", "selects no workload in the input: set the "
                    "MinimumHealthyPercent of the ECS service it guarded by hand")
        return
    names = ", ".join(f"{w.obj.kind}/{w.obj.name}" for w in workloads)
    entry.mapped("/spec/selector", None, f"resolved: selects {names}")
    budget_path = "/spec/minAvailable" if obj.spec.min_available is not None \
        else "/spec/maxUnavailable"
    for workload in sorted(workloads, key=lambda w: w.obj.name):
        _tighten(obj, workload, budget_path, frag, ctx)
    if obj.spec.unhealthy_pod_eviction_policy is not None:
        entry.ignored("/spec/unhealthyPodEvictionPolicy",
                      "ECS replaces unhealthy tasks whatever the minimum")


def _tighten(obj: PodDisruptionBudget, workload: Workload, path: str, frag: Fragment,
             ctx: Context) -> None:
    entry = frag.entry
    if not isinstance(workload.obj, Deployment):
        entry.lossy(path, f"{workload.obj.kind}/{workload.obj.name}: set its service's "
                    "MinimumHealthyPercent by hand")
        return
    replicas = workload.obj.spec.replicas
    wanted = minimum_healthy_percent(obj, replicas)
    if wanted is None:
        entry.lossy(path, f"{workload.obj.name} has 0 replicas: nothing to keep running")
        return
    maximum, minimum = strategy_percents(workload.obj)
    maximum = min(maximum, 200)
    if wanted <= minimum:
        entry.mapped(path, Target(workload.stack, f"{CONFIG}/MinimumHealthyPercent"),
                     f"already kept: the update strategy gives MinimumHealthyPercent {minimum}")
        return
    # several budgets on one workload: each sets the strictest, so input order cannot matter
    strictest = max(minimum_healthy_percent(b, replicas) or 0 for b in ctx.all(PodDisruptionBudget)
                    if ctx.namespace_of(b) == workload.namespace and b.spec.selector is not None
                    and matches(b.spec.selector, workload.obj.spec.template.labels))
    # room for at least one extra task, or a rollout at the minimum could never start
    needed = min(strictest + math.ceil(100 / replicas), 200)
    maximum = rollout_maximum(max(maximum, needed), strictest,
                              smallest_count(workload.obj, ctx))
    frag.sets.append(SetProperty(workload.stack, "Service",
                                 "DeploymentConfiguration/MinimumHealthyPercent", strictest, path))
    frag.sets.append(SetProperty(workload.stack, "Service",
                                 "DeploymentConfiguration/MaximumPercent", maximum, path))
    entry.mapped(path, Target(workload.stack, f"{CONFIG}/MinimumHealthyPercent"),
                 f"MinimumHealthyPercent {wanted} (the update strategy gave {minimum}"
                 + (f"; another budget asks {strictest}, which is kept" if strictest > wanted
                    else "") + "), "
                 f"MaximumPercent {maximum}: rollouts start new tasks before stopping old ones")
