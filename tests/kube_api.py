"""A Kubernetes API server stand-in on loopback: the list endpoints a migration reads.

No real API server installs on these machines, so this answers as kube-apiserver does: objects
come back with what the server adds (status, managedFields, uid, resourceVersion,
creationTimestamp, the last-applied annotation, defaulted fields, assigned cluster IPs), lists
are `<Kind>List` documents whose items carry no kind, `limit` pages with `continue` tokens, errors
are `Status` objects, and bearer tokens are checked. The defaulting below is written from the
API's documented defaults, independently of what translator.live strips.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import yaml

# kind -> (group, version, plural, namespaced)
RESOURCES = {
    "Namespace": ("", "v1", "namespaces", False),
    "Deployment": ("apps", "v1", "deployments", True),
    "StatefulSet": ("apps", "v1", "statefulsets", True),
    "DaemonSet": ("apps", "v1", "daemonsets", True),
    "Job": ("batch", "v1", "jobs", True),
    "CronJob": ("batch", "v1", "cronjobs", True),
    "Service": ("", "v1", "services", True),
    "Ingress": ("networking.k8s.io", "v1", "ingresses", True),
    "NetworkPolicy": ("networking.k8s.io", "v1", "networkpolicies", True),
    "HorizontalPodAutoscaler": ("autoscaling", "v2", "horizontalpodautoscalers", True),
    "PodDisruptionBudget": ("policy", "v1", "poddisruptionbudgets", True),
    "ConfigMap": ("", "v1", "configmaps", True),
    "Secret": ("", "v1", "secrets", True),
    "ServiceAccount": ("", "v1", "serviceaccounts", True),
    "PersistentVolumeClaim": ("", "v1", "persistentvolumeclaims", True),
    "ExternalSecret": ("external-secrets.io", "v1beta1", "externalsecrets", True),
    "SecretStore": ("external-secrets.io", "v1beta1", "secretstores", True),
    "ClusterSecretStore": ("external-secrets.io", "v1beta1", "clustersecretstores", False),
}
TOKEN = "fake-bearer-token"


class FakeKubeApi:
    """Serves `objects` (manifests as written) the way the API server would return them."""

    def __init__(self, objects: list[dict[str, Any]], page_cap: int = 3,
                 forbidden: tuple[str, ...] = (), crds: bool = True) -> None:
        self.stored = [served(o) for o in objects] + cluster_made(objects)
        self.page_cap = page_cap  # the server may return fewer items than `limit` asks
        self.forbidden = forbidden  # plurals that answer 403
        self.crds = crds
        self.requests: list[str] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @contextmanager
    def running(self) -> Iterator[FakeKubeApi]:
        thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._server.shutdown()
            self._server.server_close()

    def close(self) -> None:
        self._server.server_close()

    def kubeconfig(self, path: Path, namespace: str | None = None, token: str = TOKEN) -> Path:
        context: dict[str, Any] = {"cluster": "fake", "user": "fake"}
        if namespace:
            context["namespace"] = namespace
        path.write_text(yaml.safe_dump({
            "apiVersion": "v1", "kind": "Config", "current-context": "fake-eks",
            "clusters": [{"name": "fake", "cluster": {"server": self.url}}],
            "users": [{"name": "fake", "user": {"token": token}}],
            "contexts": [{"name": "fake-eks", "context": context}],
        }))
        return path

    def answer(self, path: str, query: dict[str, list[str]], auth: str | None) -> tuple[int, Any]:
        self.requests.append(path)
        if auth != f"Bearer {TOKEN}":
            return status(401, "Unauthorized", "Unauthorized")
        parts = path.strip("/").split("/")
        if parts == ["apis", "external-secrets.io"]:
            if not self.crds:
                return status(404, "NotFound", "the server could not find the requested resource")
            version = {"groupVersion": "external-secrets.io/v1beta1", "version": "v1beta1"}
            return 200, {"kind": "APIGroup", "apiVersion": "v1", "name": "external-secrets.io",
                         "versions": [version], "preferredVersion": version}
        group, version = ("", parts[1]) if parts[0] == "api" else (parts[1], parts[2])
        rest = parts[2:] if parts[0] == "api" else parts[3:]
        namespace = None
        if len(rest) >= 3 and rest[0] == "namespaces" and rest[2:]:
            namespace, rest = rest[1], rest[2:]
        if len(rest) == 2 and rest[0] == "namespaces":  # GET one namespace
            found = [o for o in self.stored
                     if o["kind"] == "Namespace" and o["metadata"]["name"] == rest[1]]
            return (200, found[0]) if found else status(404, "NotFound", "namespace not found")
        plural = rest[0]
        kind = next((k for k, (g, v, p, _) in RESOURCES.items()
                     if (g, v, p) == (group, version, plural)), None)
        if kind is None or (group == "external-secrets.io" and not self.crds):
            return status(404, "NotFound", "the server could not find the requested resource")
        if plural in self.forbidden:
            verb = "get" if len(rest) == 2 else "list"
            return status(403, "Forbidden", f'{plural} is forbidden: User "dev" cannot {verb} '
                          f'resource "{plural}" in API group "{group}"')
        items = [o for o in self.stored if o["kind"] == kind
                 and (namespace is None or o["metadata"].get("namespace") == namespace)]
        if len(rest) == 2:  # GET one object
            found = [o for o in items if o["metadata"]["name"] == rest[1]]
            if not found:
                return status(404, "NotFound", f'{plural} "{rest[1]}" not found')
            return 200, found[0]
        start = int(query.get("continue", ["0"])[0])
        size = min(int(query.get("limit", ["500"])[0]), self.page_cap)
        page = items[start:start + size]
        meta: dict[str, Any] = {"resourceVersion": "48213"}
        if start + size < len(items):
            meta["continue"] = str(start + size)
            meta["remainingItemCount"] = len(items) - start - size
        listed = [{k: v for k, v in o.items() if k not in ("kind", "apiVersion")} for o in page]
        return 200, {"kind": f"{kind}List", "apiVersion": f"{group}/{version}".lstrip("/"),
                     "metadata": meta, "items": listed}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                url = urlparse(self.path)
                code, body = api.answer(url.path, parse_qs(url.query),
                                        self.headers.get("Authorization"))
                data = json.dumps(body).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        return Handler


def status(code: int, reason: str, message: str) -> tuple[int, dict[str, Any]]:
    return code, {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                  "message": message, "reason": reason, "code": code}


def _uid(*parts: str) -> str:
    digest = hashlib.sha256("/".join(parts).encode()).hexdigest()
    return f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"


def served(manifest: dict[str, Any]) -> dict[str, Any]:
    """The object as `kubectl get -o json` shows it after `kubectl apply`."""
    obj = copy.deepcopy(manifest)
    kind = obj["kind"]
    group, version, _, namespaced = RESOURCES[kind]
    obj["apiVersion"] = f"{group}/{version}" if group else version  # stored at the served version
    meta = obj.setdefault("metadata", {})
    if namespaced:
        meta.setdefault("namespace", "default")
    meta.setdefault("annotations", {})[
        "kubectl.kubernetes.io/last-applied-configuration"] = json.dumps(manifest) + "\n"
    meta.update({
        "uid": _uid(kind, meta.get("namespace", ""), meta["name"]),
        "resourceVersion": "40117", "generation": 1,
        "creationTimestamp": "2026-03-02T10:15:00Z",
        "managedFields": [{"manager": "kubectl-client-side-apply", "operation": "Update",
                           "apiVersion": obj["apiVersion"], "time": "2026-03-02T10:15:00Z",
                           "fieldsType": "FieldsV1", "fieldsV1": {"f:metadata": {}}}],
    })
    spec = obj.get("spec", {})
    if kind == "Secret" and "stringData" in obj:  # the API stores it in data, base64
        obj.setdefault("data", {}).update({k: base64.b64encode(v.encode()).decode()
                                           for k, v in obj.pop("stringData").items()})
    if kind in ("Deployment", "StatefulSet", "DaemonSet"):
        spec.setdefault("revisionHistoryLimit", 10)
        _pod_template(spec["template"])
    if kind == "Deployment":
        meta["annotations"]["deployment.kubernetes.io/revision"] = "3"
        spec.setdefault("progressDeadlineSeconds", 600)
        spec.setdefault("replicas", 1)
        spec.setdefault("strategy", {"type": "RollingUpdate",
                                     "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}})
        obj["status"] = {"observedGeneration": 1, "replicas": spec["replicas"],
                         "readyReplicas": spec["replicas"], "availableReplicas": spec["replicas"],
                         "conditions": [{"type": "Available", "status": "True",
                                         "reason": "MinimumReplicasAvailable"}]}
    if kind == "StatefulSet":
        spec.setdefault("podManagementPolicy", "OrderedReady")
        spec.setdefault("updateStrategy", {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}})
        spec.setdefault("persistentVolumeClaimRetentionPolicy",
                        {"whenDeleted": "Retain", "whenScaled": "Retain"})
        for claim in spec.get("volumeClaimTemplates", []):
            claim.setdefault("apiVersion", "v1")
            claim.setdefault("kind", "PersistentVolumeClaim")
            claim["spec"].setdefault("volumeMode", "Filesystem")
            claim["status"] = {"phase": "Pending"}
        obj["status"] = {"replicas": spec.get("replicas", 1), "currentRevision": "x-5d9f"}
    if kind == "CronJob":
        spec.setdefault("concurrencyPolicy", "Allow")
        spec.setdefault("suspend", False)
        spec.setdefault("successfulJobsHistoryLimit", 3)
        spec.setdefault("failedJobsHistoryLimit", 1)
        _job_spec(spec["jobTemplate"]["spec"], None)
        obj["status"] = {"lastScheduleTime": "2026-03-02T11:00:00Z"}
    if kind == "Job":
        _job_spec(spec, meta["uid"])
        obj["status"] = {"succeeded": 1}
    if kind == "Service":
        spec.setdefault("type", "ClusterIP")
        spec.setdefault("sessionAffinity", "None")
        if spec.get("clusterIP") != "None":
            spec["clusterIP"] = "10.100.37.12"
        spec["clusterIPs"] = [spec["clusterIP"]]
        spec.update(ipFamilies=["IPv4"], ipFamilyPolicy="SingleStack", internalTrafficPolicy="Cluster")
        for port in spec.get("ports", []):
            port.setdefault("protocol", "TCP")
            port.setdefault("targetPort", port["port"])
        obj["status"] = {"loadBalancer": {}}
    if kind == "HorizontalPodAutoscaler":
        spec.setdefault("minReplicas", 1)
        behavior = spec.setdefault("behavior", {})
        for direction, window, policies in (
                ("scaleUp", 0, [{"type": "Pods", "value": 4, "periodSeconds": 15},
                                {"type": "Percent", "value": 100, "periodSeconds": 15}]),
                ("scaleDown", 300, [{"type": "Percent", "value": 100, "periodSeconds": 15}])):
            rules = behavior.setdefault(direction, {})
            rules.setdefault("stabilizationWindowSeconds", window)
            rules.setdefault("selectPolicy", "Max")
            rules.setdefault("policies", policies)
        obj["status"] = {"currentReplicas": 2, "desiredReplicas": 2}
    if kind == "PersistentVolumeClaim":
        spec.setdefault("volumeMode", "Filesystem")
        spec["volumeName"] = "pvc-" + meta["uid"]
        meta["annotations"]["pv.kubernetes.io/bind-completed"] = "yes"
        meta["finalizers"] = ["kubernetes.io/pvc-protection"]
        obj["status"] = {"phase": "Bound"}
    if kind == "Ingress":
        obj["status"] = {"loadBalancer": {"ingress": [{"hostname": "k8s-x.elb.amazonaws.com"}]}}
    if kind in ("ExternalSecret", "SecretStore", "ClusterSecretStore"):
        obj["status"] = {"conditions": [{"type": "Ready", "status": "True"}]}
    if kind == "Namespace":
        obj["spec"] = {"finalizers": ["kubernetes"]}
        obj["status"] = {"phase": "Active"}
    return obj


def _job_spec(spec: dict[str, Any], uid: str | None) -> None:
    spec.update({k: v for k, v in (("backoffLimit", 6), ("completions", 1), ("parallelism", 1),
                                   ("completionMode", "NonIndexed"), ("suspend", False))
                 if k not in spec})
    if uid:  # the API labels a Job's pods with its uid and selects on it
        labels = {"batch.kubernetes.io/controller-uid": uid, "controller-uid": uid}
        spec["selector"] = {"matchLabels": dict(labels)}
        spec["template"].setdefault("metadata", {}).setdefault("labels", {}).update(labels)
    _pod_template(spec["template"])


def _pod_template(template: dict[str, Any]) -> None:
    pod = template["spec"]
    for key, value in (("restartPolicy", "Always"), ("terminationGracePeriodSeconds", 30),
                       ("dnsPolicy", "ClusterFirst"), ("securityContext", {}),
                       ("schedulerName", "default-scheduler")):
        pod.setdefault(key, value)
    for container in pod.get("containers", []) + pod.get("initContainers", []):
        container.setdefault("terminationMessagePath", "/dev/termination-log")
        container.setdefault("terminationMessagePolicy", "File")
        container.setdefault("resources", {})
        image = container.get("image", "")
        latest = image.endswith(":latest") or ":" not in image.rsplit("/", 1)[-1]
        container.setdefault("imagePullPolicy", "Always" if latest else "IfNotPresent")
        for port in container.get("ports", []):
            port.setdefault("protocol", "TCP")
        for probe_name in ("livenessProbe", "readinessProbe", "startupProbe"):
            probe = container.get(probe_name)
            if probe is None:
                continue
            for key, value in (("timeoutSeconds", 1), ("periodSeconds", 10),
                               ("successThreshold", 1), ("failureThreshold", 3)):
                probe.setdefault(key, value)
            if "httpGet" in probe:
                probe["httpGet"].setdefault("scheme", "HTTP")
    for volume in pod.get("volumes", []):
        for source in ("configMap", "secret"):
            if source in volume:
                volume[source].setdefault("defaultMode", 420)


def cluster_made(objects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What a cluster holds that nobody wrote: per-namespace defaults and controller products."""
    namespaces = sorted({o.get("metadata", {}).get("namespace", "default") for o in objects
                         if RESOURCES[o["kind"]][3]})
    made: list[dict[str, Any]] = [
        {"kind": "Service", "apiVersion": "v1",
         "metadata": {"name": "kubernetes", "namespace": "default"},
         "spec": {"clusterIP": "10.100.0.1", "ports": [{"name": "https", "port": 443}]}},
        {"kind": "Deployment", "apiVersion": "apps/v1",
         "metadata": {"name": "coredns", "namespace": "kube-system"},
         "spec": {"selector": {"matchLabels": {"k8s-app": "kube-dns"}},
                  "template": {"metadata": {"labels": {"k8s-app": "kube-dns"}},
                               "spec": {"containers": [{"name": "coredns",
                                                        "image": "coredns/coredns:1.11.1"}]}}}},
    ]
    for ns in namespaces:
        made += [
            {"kind": "ConfigMap", "apiVersion": "v1",
             "metadata": {"name": "kube-root-ca.crt", "namespace": ns},
             "data": {"ca.crt": "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"}},
            {"kind": "ServiceAccount", "apiVersion": "v1", "metadata": {"name": "default", "namespace": ns}},
        ]
    for es in (o for o in objects if o["kind"] == "ExternalSecret"):
        target = es["spec"].get("target", {}).get("name", es["metadata"]["name"])
        made.append({  # what the operator writes: real values, owned by the ExternalSecret
            "kind": "Secret", "apiVersion": "v1", "type": "Opaque",
            "metadata": {"name": target, "namespace": es["metadata"].get("namespace", "default"),
                         "ownerReferences": [{"apiVersion": "external-secrets.io/v1beta1",
                                              "kind": "ExternalSecret", "controller": True,
                                              "name": es["metadata"]["name"], "uid": "x"}]},
            "data": {d["secretKey"]: OPERATOR_SECRET_B64 for d in es["spec"].get("data", [])},
        })
    return [served(o) for o in made]


OPERATOR_SECRET = "synced-by-the-operator-8f2e"
OPERATOR_SECRET_B64 = "c3luY2VkLWJ5LXRoZS1vcGVyYXRvci04ZjJl"
