"""Read a live cluster through the Kubernetes API as if its objects were manifests on disk.

The API returns more than anyone wrote: status, managedFields, server-assigned ids, the
last-applied annotation, labels that controllers add, and every defaulted field. All of that is
stripped, so that reading a cluster and reading the manifests it was applied from give the same
templates. Objects a controller created (a Job of a CronJob, the Secret an ExternalSecret syncs)
are skipped: their owner is what a user wrote. Secret values are dropped as each page arrives.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from translator.errors import InputError
from translator.load import Manifest

PAGE_SIZE = 250
SYSTEM_NAMESPACES = ("kube-system", "kube-public", "kube-node-lease")


@dataclass(frozen=True)
class Kind:
    kind: str
    group: str  # "" for the core group
    version: str
    plural: str
    namespaced: bool = True

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    def path(self, namespace: str | None) -> str:
        base = f"/apis/{self.group}/{self.version}" if self.group else f"/api/{self.version}"
        if self.namespaced and namespace:
            return f"{base}/namespaces/{namespace}/{self.plural}"
        return f"{base}/{self.plural}"


# What a migration reads, in the order a user would list it. ExternalSecrets' group is read
# only when its CRDs are installed, at the version the cluster prefers.
BUILT_IN = (
    Kind("Namespace", "", "v1", "namespaces", namespaced=False),
    Kind("Deployment", "apps", "v1", "deployments"),
    Kind("StatefulSet", "apps", "v1", "statefulsets"),
    Kind("DaemonSet", "apps", "v1", "daemonsets"),
    Kind("Job", "batch", "v1", "jobs"),
    Kind("CronJob", "batch", "v1", "cronjobs"),
    Kind("Service", "", "v1", "services"),
    Kind("Ingress", "networking.k8s.io", "v1", "ingresses"),
    Kind("HorizontalPodAutoscaler", "autoscaling", "v2", "horizontalpodautoscalers"),
    Kind("PodDisruptionBudget", "policy", "v1", "poddisruptionbudgets"),
    Kind("NetworkPolicy", "networking.k8s.io", "v1", "networkpolicies"),
    Kind("ConfigMap", "", "v1", "configmaps"),
    Kind("Secret", "", "v1", "secrets"),
    Kind("ServiceAccount", "", "v1", "serviceaccounts"),
    Kind("PersistentVolumeClaim", "", "v1", "persistentvolumeclaims"),
)
EXTERNAL_SECRETS_GROUP = "external-secrets.io"
EXTERNAL_SECRETS = (("ExternalSecret", "externalsecrets", True),
                    ("SecretStore", "secretstores", True),
                    ("ClusterSecretStore", "clustersecretstores", False))

Get = Callable[[str, dict[str, str]], Any]  # path, query -> decoded JSON


def read(context: str | None = None, namespace: str | None = None, all_namespaces: bool = False,
         kubeconfig: str | None = None) -> list[Manifest]:
    """Every object of a migration, from the cluster of a kubeconfig context.

    `namespace` defaults to the context's namespace, then "default", as kubectl does;
    `all_namespaces` reads every namespace but the kube-* system ones.
    """
    get, context_name, context_namespace = _client(context, kubeconfig)
    scope = None if all_namespaces else namespace or context_namespace or "default"
    found = list(objects(get, context_name, scope))
    if not found:
        where = f"namespace {scope!r}" if scope else "any namespace but the system ones"
        raise InputError(f"no Kubernetes objects to translate in {where}", f"kube://{context_name}")
    return found


def objects(get: Get, context: str, namespace: str | None) -> Iterator[Manifest]:
    """The cleaned objects of one namespace (or of all user namespaces when None)."""
    for kind in (*BUILT_IN, *_external_secrets(get, context)):
        for item in _list(get, context, kind, namespace):
            if _skipped(kind, item):
                continue
            meta = item.get("metadata") or {}
            where = f"{meta.get('namespace')}/" if kind.namespaced else ""
            yield Manifest(doc=clean(kind, item),
                           file=f"kube://{context}/{where}{kind.plural}/{meta.get('name')}", line=1)


def _list(get: Get, context: str, kind: Kind, namespace: str | None) -> Iterator[dict[str, Any]]:
    if kind.kind == "Namespace" and namespace:
        # One namespace's own object; a user allowed into the namespace may not read it.
        try:
            own = get(f"/api/v1/namespaces/{namespace}", {})
        except _ApiRefused:
            return
        yield own
        return
    query: dict[str, str] = {"limit": str(PAGE_SIZE)}
    while True:
        try:
            page = get(kind.path(namespace), query)
        except _ApiRefused as exc:
            if namespace and not kind.namespaced:
                return  # cluster-wide stores need cluster rights; a namespace user goes without
            scope = f"in namespace {namespace!r}" if namespace else "in all namespaces"
            raise _failure(context, f"list {kind.plural}.{kind.group or 'core'} {scope}", exc) from None
        for item in page.get("items") or []:
            if kind.kind == "Secret":
                _drop_values(item)
            yield item
        token = (page.get("metadata") or {}).get("continue")
        if not token:
            return
        query = {"limit": str(PAGE_SIZE), "continue": token}


def _failure(context: str, verb: str, exc: Exception) -> InputError:
    return InputError(f"cannot {verb}: {exc}", f"kube://{context}")


def _drop_values(secret: dict[str, Any]) -> None:
    """Keep a Secret's key names only; the values never leave this function."""
    keys = sorted({*(secret.get("data") or {}), *(secret.get("stringData") or {})})
    secret.pop("stringData", None)
    secret["data"] = dict.fromkeys(keys, "")
    annotations = (secret.get("metadata") or {}).get("annotations") or {}
    annotations.pop("kubectl.kubernetes.io/last-applied-configuration", None)  # holds the values


def _external_secrets(get: Get, context: str) -> list[Kind]:
    try:
        group = get(f"/apis/{EXTERNAL_SECRETS_GROUP}", {})
    except _NotFound:
        return []  # the CRDs are not installed
    except _ApiRefused as exc:
        raise _failure(context, f"get /apis/{EXTERNAL_SECRETS_GROUP}", exc) from None
    version = (group.get("preferredVersion") or {}).get("version", "v1")
    return [Kind(kind, EXTERNAL_SECRETS_GROUP, version, plural, namespaced)
            for kind, plural, namespaced in EXTERNAL_SECRETS]


def _skipped(kind: Kind, item: dict[str, Any]) -> bool:
    meta = item.get("metadata") or {}
    namespace = meta.get("namespace")
    if namespace in SYSTEM_NAMESPACES or (kind.kind == "Namespace" and meta.get("name") in
                                          (*SYSTEM_NAMESPACES, "default")):
        return True
    if any(ref.get("controller") for ref in meta.get("ownerReferences") or []):
        return True  # made by a controller from an object we read
    name = meta.get("name")
    return ((kind.kind == "ConfigMap" and name == "kube-root-ca.crt")
            or (kind.kind == "ServiceAccount" and name == "default")
            or (kind.kind == "Service" and namespace == "default" and name == "kubernetes")
            or (kind.kind == "Secret" and item.get("type") == "kubernetes.io/service-account-token"))


# Metadata only the API server writes.
_SERVER_METADATA = ("managedFields", "uid", "resourceVersion", "creationTimestamp", "generation",
                    "selfLink", "deletionTimestamp", "deletionGracePeriodSeconds", "finalizers")
_SERVER_ANNOTATIONS = ("kubectl.kubernetes.io/last-applied-configuration",
                       "deployment.kubernetes.io/revision", "pv.kubernetes.io/bind-completed",
                       "pv.kubernetes.io/bound-by-controller",
                       "volume.beta.kubernetes.io/storage-provisioner",
                       "volume.kubernetes.io/storage-provisioner")
_CONTROLLER_LABELS = ("pod-template-hash", "controller-revision-hash", "controller-uid",
                      "batch.kubernetes.io/controller-uid", "job-name", "batch.kubernetes.io/job-name")

# Values the API server fills in when a manifest leaves them out, by kind and JSON Pointer
# pattern ("*" is any list index): removed when equal, so absent and defaulted read the same.
_POD: dict[str, Any] = {
    "/spec/restartPolicy": "Always",
    "/spec/terminationGracePeriodSeconds": 30,
    "/spec/dnsPolicy": "ClusterFirst",
    "/spec/securityContext": {},
    "/spec/schedulerName": "default-scheduler",
    "/spec/enableServiceLinks": True,
}
_CONTAINER: dict[str, Any] = {
    "/terminationMessagePath": "/dev/termination-log",
    "/terminationMessagePolicy": "File",
    "/resources": {},
    "/ports/*/protocol": "TCP",
    "/env/*/valueFrom/fieldRef/apiVersion": "v1",
    **{f"/{probe}/{field}": value
       for probe in ("livenessProbe", "readinessProbe", "startupProbe")
       for field, value in (("timeoutSeconds", 1), ("periodSeconds", 10), ("successThreshold", 1),
                            ("failureThreshold", 3), ("httpGet/scheme", "HTTP"))},
}
_VOLUMES: dict[str, Any] = {"/spec/volumes/*/configMap/defaultMode": 420,
                            "/spec/volumes/*/secret/defaultMode": 420}


def _pod_template(prefix: str) -> dict[str, Any]:
    out = {f"{prefix}{path}": value for path, value in {**_POD, **_VOLUMES}.items()}
    for containers in ("containers", "initContainers"):
        out.update({f"{prefix}/spec/{containers}/*{path}": value
                    for path, value in _CONTAINER.items()})
    return out


_JOB: dict[str, Any] = {
    "/backoffLimit": 6, "/completions": 1, "/parallelism": 1, "/completionMode": "NonIndexed",
    "/suspend": False, "/podReplacementPolicy": "TerminatingOrFailed", "/manualSelector": False}
DEFAULTS: dict[str, dict[str, Any]] = {
    "Deployment": {
        **_pod_template("/spec/template"), "/spec/revisionHistoryLimit": 10,
        "/spec/progressDeadlineSeconds": 600, "/spec/replicas": 1,
        "/spec/strategy": {"type": "RollingUpdate",
                           "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}},
    },
    "StatefulSet": {
        **_pod_template("/spec/template"), "/spec/revisionHistoryLimit": 10,
        "/spec/podManagementPolicy": "OrderedReady",
        "/spec/updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}},
        "/spec/persistentVolumeClaimRetentionPolicy": {"whenDeleted": "Retain",
                                                       "whenScaled": "Retain"},
        "/spec/volumeClaimTemplates/*/apiVersion": "v1",
        "/spec/volumeClaimTemplates/*/kind": "PersistentVolumeClaim",
        "/spec/volumeClaimTemplates/*/spec/volumeMode": "Filesystem",
        "/spec/volumeClaimTemplates/*/status": ...,
    },
    "DaemonSet": {
        **_pod_template("/spec/template"), "/spec/revisionHistoryLimit": 10,
        "/spec/updateStrategy": {"type": "RollingUpdate",
                                 "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}},
    },
    "Job": {**_pod_template("/spec/template"), **{f"/spec{p}": v for p, v in _JOB.items()}},
    "CronJob": {
        **_pod_template("/spec/jobTemplate/spec/template"),
        **{f"/spec/jobTemplate/spec{p}": v for p, v in _JOB.items()},
        "/spec/concurrencyPolicy": "Allow", "/spec/suspend": False,
        "/spec/successfulJobsHistoryLimit": 3, "/spec/failedJobsHistoryLimit": 1,
    },
    "Service": {
        "/spec/type": "ClusterIP", "/spec/sessionAffinity": "None", "/spec/clusterIPs": ...,
        "/spec/ipFamilies": ..., "/spec/ipFamilyPolicy": "SingleStack",
        "/spec/internalTrafficPolicy": "Cluster", "/spec/externalTrafficPolicy": "Cluster",
        "/spec/allocateLoadBalancerNodePorts": True, "/spec/ports/*/protocol": "TCP",
    },
    "PersistentVolumeClaim": {"/spec/volumeMode": "Filesystem", "/spec/volumeName": ...},
    "HorizontalPodAutoscaler": {
        "/spec/minReplicas": 1,
        "/spec/behavior/scaleUp/stabilizationWindowSeconds": 0,
        "/spec/behavior/scaleUp/policies": [{"type": "Pods", "value": 4, "periodSeconds": 15},
                                            {"type": "Percent", "value": 100, "periodSeconds": 15}],
        "/spec/behavior/scaleDown/stabilizationWindowSeconds": 300,
        "/spec/behavior/scaleDown/policies": [{"type": "Percent", "value": 100, "periodSeconds": 15}],
        "/spec/behavior/scaleUp/selectPolicy": "Max", "/spec/behavior/scaleDown/selectPolicy": "Max",
        # emptied by the lines above: gone too (patterns apply in order)
        "/spec/behavior/scaleUp": {}, "/spec/behavior/scaleDown": {}, "/spec/behavior": {},
    },
    "Namespace": {"/spec/finalizers": ["kubernetes"], "/spec": {}},
    "ServiceAccount": {"/secrets": ...},  # token Secrets listed by clusters before 1.24
}
# `...` stands for "whatever the server assigned" (cluster IPs, bound volume names).


def clean(kind: Kind, item: dict[str, Any]) -> dict[str, Any]:
    """The object as a user would have written it."""
    doc = {"apiVersion": kind.api_version, "kind": kind.kind,
           **{k: v for k, v in item.items() if k not in ("apiVersion", "kind", "status")}}
    meta = doc.get("metadata") or {}
    for key in _SERVER_METADATA:
        meta.pop(key, None)
    _drop_keys(meta, "annotations", _SERVER_ANNOTATIONS)
    for pointer in ("/metadata", "/spec/template/metadata", "/spec/jobTemplate/spec/template/metadata",
                    "/spec/selector/matchLabels"):
        _drop_keys(_at(doc, pointer), "labels", _CONTROLLER_LABELS)
    if kind.kind == "Job" and not _at(doc, "/spec").get("manualSelector"):
        _at(doc, "/spec").pop("selector", None)  # the API generates it from controller-uid
    for template in (_at(doc, "/spec/template/spec"), _at(doc, "/spec/jobTemplate/spec/template/spec")):
        for container in [*template.get("containers", []), *template.get("initContainers", [])]:
            if container.get("imagePullPolicy") == _pull_policy(str(container.get("image", ""))):
                del container["imagePullPolicy"]
    if kind.kind == "Service" and _at(doc, "/spec").get("clusterIP") != "None":
        _at(doc, "/spec").pop("clusterIP", None)
    for pattern, default in DEFAULTS.get(kind.kind, {}).items():
        _drop_default(doc, pattern.split("/")[1:], default)
    if kind.kind == "Service":
        for port in _at(doc, "/spec").get("ports") or []:
            if port.get("targetPort") == port.get("port"):
                port.pop("targetPort")
    return doc


def _pull_policy(image: str) -> str:
    """What the API sets when imagePullPolicy is left out."""
    tagged = ":" in image.rsplit("/", 1)[-1]
    latest = image.endswith(":latest") or not tagged
    return "Always" if latest and "@" not in image else "IfNotPresent"


def _at(doc: dict[str, Any], pointer: str) -> dict[str, Any]:
    node: Any = doc
    for token in pointer.split("/")[1:]:
        node = node.get(token) if isinstance(node, dict) else None
    return node if isinstance(node, dict) else {}


def _drop_keys(parent: dict[str, Any], key: str, names: tuple[str, ...]) -> None:
    values = parent.get(key)
    if not isinstance(values, dict):
        return
    for name in names:
        values.pop(name, None)
    if not values:
        parent.pop(key)


def _drop_default(node: Any, tokens: list[str], default: Any) -> None:
    head, rest = tokens[0], tokens[1:]
    if head == "*":
        for child in node if isinstance(node, list) else []:
            _drop_default(child, rest, default)
        return
    if not isinstance(node, dict) or head not in node:
        return
    if rest:
        _drop_default(node[head], rest, default)
    elif default is ... or node[head] == default:
        del node[head]


class SecretUnreadable(Exception):
    """One Secret could not be read; the message names it and why, never a value."""


def secret_reader(context: str | None,
                  kubeconfig: str | None) -> tuple[Callable[[str, str], dict[str, bytes]], str]:
    """A function that GETs one Secret and returns its values (key -> bytes), for `secrets
    copy`; and the context's name. One GET per Secret: `get` on named Secrets is all the RBAC it
    needs, not `list`. Nothing else of the object is kept (the last-applied annotation holds the
    values too)."""
    get, name, _ = _client(context, kubeconfig)

    def values(namespace: str, secret: str) -> dict[str, bytes]:
        where = f"Secret {namespace}/{secret} (context {name!r})"
        try:
            doc = get(f"/api/v1/namespaces/{namespace}/secrets/{secret}", {})
        except _NotFound:
            raise SecretUnreadable(f"no {where}") from None
        except _ApiRefused as exc:
            raise SecretUnreadable(f"cannot get {where}: {exc}") from None
        data = doc.get("data") if isinstance(doc, dict) else None
        out: dict[str, bytes] = {}
        for key, encoded in (data or {}).items():
            try:
                out[str(key)] = base64.b64decode(str(encoded), validate=True)
            except ValueError:
                raise SecretUnreadable(f"key {key} of {where} is not base64 as the API "
                                       "returns it") from None
        return out

    return values, name


class _ApiRefused(Exception):
    """The API answered with an error, or could not be reached."""


class _NotFound(_ApiRefused):
    pass


def _client(context: str | None, kubeconfig: str | None) -> tuple[Get, str, str | None]:
    from kubernetes import config
    from kubernetes.client import ApiClient, Configuration
    from kubernetes.client.exceptions import ApiException
    from kubernetes.config.config_exception import ConfigException
    from urllib3.exceptions import HTTPError

    shown = context or "the current context"
    try:
        contexts, active = config.list_kube_config_contexts(config_file=kubeconfig)
        chosen = next((c for c in contexts if c["name"] == context), None) if context else active
        if chosen is None:
            raise ConfigException(f"no context {context!r} in the kubeconfig")
        configuration = Configuration()
        config.load_kube_config(config_file=kubeconfig, context=chosen["name"],
                                client_configuration=configuration, persist_config=False)
    except (ConfigException, OSError, TypeError, KeyError) as exc:
        raise InputError(f"cannot load the kubeconfig for {shown}: {exc}",
                         kubeconfig or "~/.kube/config") from None
    configuration.retries = 0  # an unreachable cluster fails now, not after minutes
    client = ApiClient(configuration)
    name = str(chosen["name"])

    def get(path: str, query: dict[str, str]) -> Any:
        try:
            response = client.call_api(path, "GET", query_params=list(query.items()),
                                       header_params={"Accept": "application/json"},
                                       auth_settings=["BearerToken"], _preload_content=False,
                                       _return_http_data_only=True, _request_timeout=30)
        except ApiException as exc:
            if exc.status == 404:
                raise _NotFound("not found") from None
            why = {401: "unauthorized: credentials missing or expired",
                   403: "forbidden for these credentials"}.get(exc.status or 0, exc.reason)
            raise _ApiRefused(f"{why} (HTTP {exc.status}, context {name!r})") from None
        except HTTPError as exc:
            raise _ApiRefused(f"cluster unreachable at {configuration.host} "
                              f"(context {name!r}): {type(exc).__name__}") from None
        return json.loads(response.data)

    return get, name, (chosen.get("context") or {}).get("namespace")
