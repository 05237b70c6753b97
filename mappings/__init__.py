"""Mapping rules: one module per Kubernetes kind, each a pure function from a model to a
plan fragment (see translator.plan). A rule module defines:

- KIND and API_VERSIONS: what it reads;
- MODEL: the pydantic model its objects are validated into;
- FIELDS: the allow-list of field paths the rule may claim as mapped, lossy or ignored:
  JSON Pointers into the object where `*` stands for any one list index or map key
  (`/spec/template/spec/containers/*/image`). A field outside it stays unsupported in the
  report; a claim outside it fails the tests. Shared parts export theirs (`pod.spec.fields`);
- map(obj, frag, ctx): fill the fragment (stack parts and the object's report entry);
- optionally prepare(doc): the document the model is built from (Secret drops its values).

Adding a kind means adding its module here, plus its tests. The pipeline finds the rules
through `RULES`, registered in pyproject.toml under the entry-point group `eks2ecs.rules`
(see translator.rules); it never imports this package.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from mappings import accepted_findings, calls, cluster, lint_rules, overrides, vpc_endpoints
from mappings.lint_rules._across import balancer_counts, plan_findings
from translator.context import Context
from translator.plan import Fragment
from translator.rules import RuleSet

_RULES = {
    "ClusterExternalSecret": "clusterexternalsecret",
    "ClusterRole": "rbac",
    "ClusterRoleBinding": "rbac",
    "ConfigMap": "configmap",
    "CronJob": "cronjob",
    "DaemonSet": "daemonset",
    "Deployment": "deployment",
    "ExternalSecret": "externalsecret",
    "ClusterSecretStore": "secretstore",
    "SecretStore": "secretstore",
    "HorizontalPodAutoscaler": "hpa",
    "Ingress": "ingress",
    "Job": "job",
    "Namespace": "namespace",
    "NetworkPolicy": "networkpolicy",
    "PodDisruptionBudget": "pdb",
    "PersistentVolumeClaim": "pvc",
    "Role": "rbac",
    "RoleBinding": "rbac",
    "Secret": "secret",
    "Service": "service",
    "ServiceAccount": "serviceaccount",
    "StatefulSet": "statefulset",
    "StorageClass": "storageclass",
}

# Kinds with no ECS counterpart at all, so there is nothing to map: reported as ignored.
# (Every kind eks2ecs knows has a rule today.)
IGNORED_KINDS: dict[str, str] = {}

# Annotations that controllers on EKS act on (prefix -> who): one that no rule reads is
# reported unsupported, since it changed what the cluster did.
CONTROLLER_ANNOTATIONS = {
    "service.beta.kubernetes.io/": "the AWS cloud provider or Load Balancer Controller",
    "alb.ingress.kubernetes.io/": "the AWS Load Balancer Controller",
    "nginx.ingress.kubernetes.io/": "ingress-nginx",
}


def rule_for(kind: str, api_version: str) -> ModuleType | None:
    """The rule module for a kind and apiVersion, or None when there is none."""
    module_name = _RULES.get(kind)
    if module_name is None:
        return None
    module = importlib.import_module(f"mappings.{module_name}")
    if api_version not in module.API_VERSIONS:
        return None
    return module


def fields_for(kind: str, api_version: str) -> tuple[str, ...]:
    """The allow-list of a kind's rule; empty when no rule maps it."""
    rule = rule_for(kind, api_version)
    return tuple(rule.FIELDS) if rule is not None else ()


def supported() -> dict[str, tuple[str, ...]]:
    """Kind -> the apiVersions that have a rule (for --help and the report)."""
    out = {}
    for kind, module_name in sorted(_RULES.items()):
        out[kind] = importlib.import_module(f"mappings.{module_name}").API_VERSIONS
    return out


def foundation(frag: Fragment, ctx: Context) -> None:
    """What every translation has: the cluster stack, and the connections between the
    workloads that its security groups must keep."""
    overrides.check_names(ctx, [s.model for s in ctx.sources if s.model.kind in (
        "Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob")])
    cluster.foundation(frag, ctx)
    vpc_endpoints.foundation(frag, ctx)
    frag.reaches.extend(calls.reaches(ctx))


RULES = RuleSet(rule_for=rule_for, supported=supported, ignored_kinds=IGNORED_KINDS,
                foundation=foundation, annotate=accepted_findings.annotate,
                lint_rules=lint_rules.RULES_DIR, package=__name__,
                controller_annotations=CONTROLLER_ANNOTATIONS,
                plan_findings=plan_findings, balancer_counts=balancer_counts)
