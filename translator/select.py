"""`-l/--selector` and `--only KIND/NAME`: translate a subset of the workloads of an input (one
service of a monorepo) and what they use, leaving out the rest, which the report lists as
ignored with why: nothing is dropped silently.

The selector is kubectl's label selector syntax, held to each workload's own labels as
`kubectl get -l` does: `key=value`, `key==value`, `key!=value`, `key in (a,b)`,
`key notin (a,b)`, `key` and `!key`, comma-separated, all of which must hold
(https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors).
A workload is selected when the selector or an --only entry picks it. What a selected
workload uses comes with it: the Services and NetworkPolicies, PodDisruptionBudgets whose
selectors match its pods, the HPAs that scale it, the ConfigMaps, Secrets, PVCs and
ServiceAccount its pod spec names (and the ExternalSecrets that make those Secrets, their
stores, the PVCs' StorageClasses, the RBAC bindings of its ServiceAccount), the Ingresses
with a path to one of its Services, and the Namespaces all of these are in.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from translator.errors import InputError
from translator.load import Manifest

WORKLOADS = ("Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob")
CLUSTER_SCOPED = ("Namespace", "StorageClass", "ClusterRole", "ClusterRoleBinding",
                  "ClusterSecretStore", "ClusterExternalSecret", "PersistentVolume")
# kubectl's short names and plurals for --only, lowercased
ALIASES = {alias: kind for kind, names in {
    "Deployment": ("deploy", "deployment", "deployments"),
    "StatefulSet": ("sts", "statefulset", "statefulsets"),
    "DaemonSet": ("ds", "daemonset", "daemonsets"),
    "Job": ("job", "jobs"),
    "CronJob": ("cj", "cronjob", "cronjobs"),
}.items() for alias in names}

_KEY = r"(?:[A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?"
_VALUE = r"(?:[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?"
_REQUIREMENT = re.compile(
    rf"\s*(?:(?P<bang>!)\s*(?P<absent>{_KEY})"
    rf"|(?P<key>{_KEY})\s*(?:(?P<op>==|=|!=)\s*(?P<value>{_VALUE})"
    rf"|\s+(?P<set>in|notin)\s*\((?P<values>[^()]*)\))?)\s*(?:,|$)")


@dataclass(frozen=True)
class Requirement:
    key: str
    operator: str  # "in", "notin", "exists" or "!"
    values: frozenset[str] = frozenset()

    def holds(self, labels: dict[str, str]) -> bool:
        present = self.key in labels
        return {"in": present and labels.get(self.key) in self.values,
                "notin": not present or labels.get(self.key) not in self.values,
                "exists": present, "!": not present}[self.operator]


def parse_selector(text: str) -> list[Requirement]:
    """kubectl's label selector; InputError (exit 2) naming what cannot be read."""
    requirements: list[Requirement] = []
    at = 0
    while at < len(text):
        found = _REQUIREMENT.match(text, at)
        if found is None or found.end() == at:
            raise InputError(f"--selector {text!r}: cannot read {text[at:].strip()!r} as "
                             "key=value, key!=value, key in (a,b), key notin (a,b), key or !key")
        at = found.end()
        if found["absent"]:
            requirements.append(Requirement(found["absent"], "!"))
        elif found["op"]:
            value = frozenset({found["value"]})
            requirements.append(Requirement(found["key"], "notin" if found["op"] == "!=" else "in",
                                            value))
        elif found["set"]:
            values = [v.strip() for v in found["values"].split(",")]
            if not all(re.fullmatch(_VALUE, v) for v in values):
                raise InputError(f"--selector {text!r}: ({found['values']}) is not a list of "
                                 "label values")
            requirements.append(Requirement(found["key"], found["set"], frozenset(values)))
        else:
            requirements.append(Requirement(found["key"], "exists"))
    if not requirements:
        raise InputError(f"--selector {text!r} selects nothing: give key=value, ...")
    return requirements


def parse_only(text: str) -> tuple[str, str | None, str]:
    """--only KIND/NAME or KIND/NAMESPACE/NAME: (kind, namespace or None, name)."""
    kind, *rest = text.split("/")
    real = ALIASES.get(kind.lower())
    if real is None or len(rest) not in (1, 2) or not all(rest):
        raise InputError(f"--only {text!r}: expected KIND/NAME or KIND/NAMESPACE/NAME of a "
                         f"workload, KIND one of {', '.join(WORKLOADS)}")
    return real, (rest[0] if len(rest) == 2 else None), rest[-1]


def left_out(manifests: list[Manifest], selector: str | None, only: Iterable[str],
             default_namespace: str) -> dict[int, str]:
    """id(manifest) -> why it is left out; empty when neither -l nor --only is given."""
    only = list(only)
    if selector is None and not only:
        return {}
    requirements = parse_selector(selector) if selector is not None else None
    picks = [parse_only(o) for o in only]
    used = [False] * len(picks)

    def ns(m: Manifest) -> str:
        return "" if m.kind in CLUSTER_SCOPED else m.namespace or default_namespace

    def picked(m: Manifest) -> bool:
        if m.kind not in WORKLOADS:
            return False
        hit = requirements is not None and all(r.holds(_labels(m.doc)) for r in requirements)
        for i, (kind, namespace, name) in enumerate(picks):
            if (kind, name) == (m.kind, m.name) and namespace in (None, ns(m)):
                used[i] = hit = True
        return hit

    workloads = [m for m in manifests if picked(m)]
    for pick, hit in zip(only, used, strict=True):
        if not hit:
            raise InputError(f"--only {pick!r} names no workload of the input")
    if not workloads:  # as kubectl's "No resources found": an empty translation helps nobody
        raise InputError(f"--selector {selector!r} selects no workload of the input (by their "
                         f"own labels, as kubectl -l: {', '.join(WORKLOADS)})")
    kept = _used_by(workloads, manifests, ns)
    given = " ".join([*([f"-l {selector!r}"] if selector is not None else []),
                      *(f"--only {o}" for o in only)])
    return {id(m): f"left out by {given}: not a selected workload, nor used by one"
            for m in manifests if id(m) not in kept}


def _labels(doc: dict[str, Any]) -> dict[str, str]:
    labels = (doc.get("metadata") or {}).get("labels") or {}
    return {str(k): str(v) for k, v in labels.items()} if isinstance(labels, dict) else {}


def _pod(doc: dict[str, Any]) -> dict[str, Any]:
    spec = doc.get("spec") or {}
    if doc.get("kind") == "CronJob":
        spec = (spec.get("jobTemplate") or {}).get("spec") or {}
    template = spec.get("template") or {}
    return template if isinstance(template, dict) else {}


def _walk(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, dict):
        yield value
        for inner in value.values():
            yield from _walk(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _walk(inner)


def _named(pod_spec: dict[str, Any]) -> set[tuple[str, str]]:
    """(kind, name) of the ConfigMaps, Secrets, PVCs and ServiceAccount a pod spec names."""
    names = {("ServiceAccount", str(pod_spec.get("serviceAccountName")
                                    or pod_spec.get("serviceAccount") or "default"))}
    for item in pod_spec.get("imagePullSecrets") or []:
        if isinstance(item, dict):
            names.add(("Secret", str(item.get("name"))))
    for node in _walk(pod_spec):  # env, envFrom, volumes and projected sources alike
        for key, kind, field in (("configMapKeyRef", "ConfigMap", "name"),
                                 ("configMapRef", "ConfigMap", "name"),
                                 ("configMap", "ConfigMap", "name"),
                                 ("secretKeyRef", "Secret", "name"),
                                 ("secretRef", "Secret", "name"),
                                 ("secret", "Secret", "secretName"),
                                 ("secret", "Secret", "name"),
                                 ("persistentVolumeClaim", "PersistentVolumeClaim", "claimName")):
            ref = node.get(key)
            if isinstance(ref, dict) and ref.get(field):
                names.add((kind, str(ref[field])))
    return names


def _selects(selector: Any, labels: dict[str, str]) -> bool:
    from translator.models.base import LabelSelector, matches

    if not isinstance(selector, dict):
        return False
    try:
        return matches(LabelSelector.model_validate(selector), labels)
    except ValueError:  # the object's own rule reports a malformed selector
        return False


def _used_by(workloads: list[Manifest], manifests: list[Manifest],
             ns: Callable[[Manifest], str]) -> set[int]:
    kept = {id(m) for m in workloads}
    by_name = {(ns(m), m.kind, m.name): m for m in manifests}
    named: set[tuple[str, str, str]] = set()
    pods = []
    for workload in workloads:
        pod = _pod(workload.doc)
        pods.append((ns(workload), _labels(pod), workload))
        named |= {(ns(workload), kind, name) for kind, name in _named(pod.get("spec") or {})}
        for claim in (workload.doc.get("spec") or {}).get("volumeClaimTemplates") or []:
            if isinstance(claim, dict) and (claim.get("spec") or {}).get("storageClassName"):
                named.add(("", "StorageClass", str(claim["spec"]["storageClassName"])))
    services: set[tuple[str, str]] = set()
    for m in manifests:
        spec = m.doc.get("spec") or {}
        if not isinstance(spec, dict):
            continue
        here = [(labels, w) for space, labels, w in pods if space == ns(m)]
        if m.kind == "Service" and spec.get("selector") and any(
                _selects({"matchLabels": spec["selector"]}, labels) for labels, _ in here):
            kept.add(id(m))
            services.add((ns(m), m.name))
        elif m.kind in ("PodDisruptionBudget", "NetworkPolicy", "HorizontalPodAutoscaler"):
            target = spec.get("scaleTargetRef") or {}
            if any(_selects(spec.get("podSelector" if m.kind == "NetworkPolicy" else "selector"),
                            labels) if m.kind != "HorizontalPodAutoscaler"
                   else (target.get("kind"), target.get("name")) == (w.kind, w.name)
                   for labels, w in here):
                kept.add(id(m))
    for space, kind, name in sorted(named):
        found = by_name.get((space, kind, name))
        if found is not None:
            kept.add(id(found))
            spec = found.doc.get("spec") or {}
            if kind == "PersistentVolumeClaim" and spec.get("storageClassName"):
                named_class = by_name.get(("", "StorageClass", str(spec["storageClassName"])))
                kept |= {id(named_class)} if named_class is not None else set()
    accounts = {(space, name) for space, kind, name in named if kind == "ServiceAccount"}
    secrets = {(space, name) for space, kind, name in named if kind == "Secret"}
    referred: set[tuple[str, str, str]] = set()  # the stores and roles of what is kept
    for m in manifests:
        spec = m.doc.get("spec") or {}
        if m.kind == "Ingress" and any(
                (ns(m), str(node["service"].get("name"))) in services
                for node in _walk(spec) if isinstance(node.get("service"), dict)):
            kept.add(id(m))
        elif m.kind == "ExternalSecret" and isinstance(spec, dict) and (
                ns(m), str((spec.get("target") or {}).get("name") or m.name)) in secrets:
            kept.add(id(m))
            store = spec.get("secretStoreRef") or {}
            cluster = store.get("kind") == "ClusterSecretStore"
            referred.add(("" if cluster else ns(m), "ClusterSecretStore" if cluster
                          else "SecretStore", str(store.get("name"))))
        elif m.kind in ("RoleBinding", "ClusterRoleBinding") and any(
                isinstance(s, dict) and s.get("kind") == "ServiceAccount"
                and (str(s.get("namespace") or ns(m)), str(s.get("name"))) in accounts
                for s in m.doc.get("subjects") or []):
            kept.add(id(m))
            role = m.doc.get("roleRef") or {}
            referred.add((ns(m) if role.get("kind") == "Role" else "", str(role.get("kind")),
                          str(role.get("name"))))
    kept |= {id(m) for m in manifests if (ns(m), m.kind, m.name) in referred}
    spaces = {ns(m) for m in manifests if id(m) in kept}
    kept |= {id(m) for m in manifests if m.kind == "Namespace" and m.name in spaces}
    return kept
