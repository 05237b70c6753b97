"""The container mapping every pod-based workload shares: a pod spec becomes task-definition
container definitions, and the execution role learns exactly which secrets they read.

Deployment uses it today; StatefulSet, Job and CronJob will reuse it unchanged.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from typing import Any

from mappings import secretsource
from mappings.fargate import smallest_fit
from mappings.service import dns_rewriter
from translator import quantity
from translator.cfn import Ref
from translator.context import Context, pascal
from translator.load import escape_pointer_token
from translator.models import ConfigMap, Container, Deployment, PodSpec, Probe, ServiceAccount
from translator.plan import EnvVar, Fragment, Parameter, Target

TASK = "/Resources/TaskDefinition/Properties"
IRSA_ANNOTATION = "eks.amazonaws.com/role-arn"

# ECS container health-check limits (FACTS: Interval 5-300, Timeout 2-60, Retries 1-10,
# StartPeriod 0-300).
HEALTH_LIMITS = {"Interval": (5, 300), "Timeout": (2, 60), "Retries": (1, 10),
                 "StartPeriod": (0, 300)}

_PROBE_TIMING = ("periodSeconds", "timeoutSeconds", "failureThreshold", "initialDelaySeconds",
                 "successThreshold")
# What PodMapper may claim, relative to the pod spec (see mappings/__init__.py).
POD_FIELDS = (
    "/serviceAccountName", "/restartPolicy", "/terminationGracePeriodSeconds", "/volumes/*",
    *(f"/containers/*/{name}" for name in (
        "name", "image", "imagePullPolicy", "command", "args", "workingDir", "ports/*",
        "ports/*/hostPort", "envFrom/*", "env/*", "resources/requests/cpu",
        "resources/limits/cpu", "resources/requests/memory", "resources/limits/memory",
        "livenessProbe/exec", "livenessProbe/httpGet", "livenessProbe/tcpSocket",
        *(f"livenessProbe/{timing}" for timing in _PROBE_TIMING),
        "readinessProbe", "startupProbe", "volumeMounts/*")),
)


def fields(base: str) -> tuple[str, ...]:
    """The pod spec's allow-list for a workload whose pod spec sits at `base`."""
    return tuple(base + pattern for pattern in POD_FIELDS)


@dataclass
class TaskSize:
    cpu: int
    memory: int
    note: str
    fits: bool


@dataclass
class PodResult:
    containers: list[dict[str, Any]]
    size: TaskSize
    secret_reads: dict[str, list[Any]] = field(default_factory=dict)  # IAM action -> resources


def readers(ctx: Context, kind: str, namespace: str, name: str) -> dict[str, set[str] | None]:
    """Workloads that read a ConfigMap or Secret: workload -> keys (None: every key)."""
    index: dict[tuple[str, str], dict[str, set[str] | None]] = ctx.memo(
        f"readers/{kind}", lambda: _readers_by_object(ctx, kind))
    return index.get((namespace, name), {})


def _readers_by_object(ctx: Context, kind: str) -> dict[tuple[str, str], dict[str, set[str] | None]]:
    """`readers` of every ConfigMap (or Secret) at once: one pass over the workloads."""
    index: dict[tuple[str, str], dict[str, set[str] | None]] = {}
    for workload in ctx.all(Deployment):
        every: set[str] = set()  # names read whole (envFrom)
        keys: dict[str, set[str]] = {}  # name -> keys read one by one
        for container in workload.spec.template.spec.containers:
            for source in container.env_from:
                ref = source.config_map_ref if kind == "configMap" else source.secret_ref
                if ref is not None:
                    every.add(ref.name)
            for var in container.env:
                src = var.value_from
                key_ref = None
                if src is not None:
                    key_ref = src.config_map_key_ref if kind == "configMap" else src.secret_key_ref
                if key_ref is not None:
                    keys.setdefault(key_ref.name, set()).add(key_ref.key)
        for name in sorted(every | keys.keys()):
            index.setdefault((ctx.namespace_of(workload), name), {})[
                f"Deployment/{workload.name}"] = None if name in every else keys[name]
    return index


ECS_STOP_TIMEOUT = 30  # seconds, on Fargate; Kubernetes' grace period defaults to 30 too


@dataclass(frozen=True)
class _Origin:
    """Where an environment variable's value came from on EKS."""

    path: str  # the env or envFrom field
    eks: str
    secret: str | None = None
    secret_source: str | None = None
    rewrites: tuple[str, ...] = ()
    reads: tuple[str, str, str] | None = None  # (kind, name, key) the value comes from


def _secret_source(source: secretsource.SecretSource) -> str:
    """Where a Kubernetes Secret's values come from, in words."""
    if source.origin.startswith("ExternalSecret/"):
        return source.origin.replace("/", " ", 1)
    return "manifest (values not copied)" if source.keys is not None else "not in the input"


def _secret_origin(name: str, key: str, source: secretsource.SecretSource) -> str:
    if source.origin.startswith("ExternalSecret/"):
        return f"Secret {name} key {key}, synced by {source.origin.replace('/', ' ', 1)}"
    if source.origin == "missing":
        return f"Secret {name} key {key} (not in the input)"
    return f"Secret {name} key {key}"


class PodMapper:
    """Maps one pod spec into container definitions, recording every field's fate."""

    def __init__(self, pod: PodSpec, base: str, namespace: str, stack: str, frag: Fragment,
                 ctx: Context) -> None:
        self.pod = pod
        self.base = base
        self.namespace = namespace
        self.stack = stack
        self.frag = frag
        self.entry = frag.entry
        self.ctx = ctx
        self.secret_reads: dict[str, list[Any]] = {}

    def to(self, pointer: str) -> Target:
        return Target(self.stack, f"{TASK}{pointer}")

    def run(self) -> PodResult:
        containers = [self.container(c, i) for i, c in enumerate(self.pod.containers)]
        size = self.size()
        if self.pod.init_containers:
            self.entry.unsupported(f"{self.base}/initContainers",
                                   "init containers are not mapped yet (planned: non-essential "
                                   "containers with DependsOn SUCCESS)")
        for i, volume in enumerate(self.pod.volumes):
            self.volume(volume.name, i, volume.persistent_volume_claim is not None,
                        volume.empty_dir is not None)
        if self.pod.service_account_name is not None:
            self.service_account(self.pod.service_account_name)
        if self.pod.model_extra and self.pod.model_extra.get("restartPolicy") == "Always":
            self.entry.ignored(f"{self.base}/restartPolicy", "ECS services replace stopped tasks")
        grace = self.pod.termination_grace_period_seconds
        if grace == ECS_STOP_TIMEOUT:  # both defaults: written or not, the same template
            self.entry.mapped(f"{self.base}/terminationGracePeriodSeconds", None,
                              "30 s is also ECS's default StopTimeout")
        elif grace is not None:
            stop = min(max(grace, 2), 120)  # ECS StopTimeout range
            for container in containers:
                container["StopTimeout"] = stop
            grace_path = f"{self.base}/terminationGracePeriodSeconds"
            to = self.to("/ContainerDefinitions/0/StopTimeout")
            if stop != grace:
                self.entry.lossy(grace_path, f"ECS allows 2-120 s: StopTimeout {stop}", to)
            else:
                self.entry.mapped(grace_path, to)
        return PodResult(containers, size, self.secret_reads)

    def service_account(self, name: str) -> None:
        path = f"{self.base}/serviceAccountName"
        account = self.ctx.find(ServiceAccount, self.namespace, name)
        if account is None:
            self.entry.unsupported(path, f"ServiceAccount {name} is not in the input: give the "
                                   "task definition its IAM role (TaskRoleArn) by hand")
        elif IRSA_ANNOTATION in account.metadata.annotations:
            self.entry.mapped(path, self.to("/TaskRoleArn"),
                              "the ServiceAccount's IAM role (IRSA) becomes the task role")
        else:
            self.entry.ignored(path, f"ServiceAccount {name} has no IAM role (IRSA): the tasks "
                               "need no task role")

    def volume(self, name: str, index: int, is_claim: bool, is_empty_dir: bool) -> None:
        path = f"{self.base}/volumes/{index}"
        if is_claim:
            self.entry.unsupported(path, "persistent volumes are not mapped yet (planned: EFS "
                                   "access point); data written here is lost when a task stops")
        elif is_empty_dir:
            self.entry.lossy(path, "becomes the task's ephemeral storage: the mount path is "
                             "kept in the container file system, not as a shared volume")
        else:
            self.entry.unsupported(path, "this volume type is not mapped yet")

    # --- containers -------------------------------------------------------------------

    def container(self, c: Container, i: int) -> dict[str, Any]:
        path = f"{self.base}/containers/{i}"
        at = f"/ContainerDefinitions/{i}"
        image_param = f"{pascal(c.name)}Image"
        self.frag.put(self.stack, "Parameters", image_param, Parameter(
            "String", f"Image of container {c.name} (as it ran on EKS)", default=c.image))
        out: dict[str, Any] = {"Name": c.name, "Image": Ref(image_param), "Essential": True}
        self.entry.mapped(f"{path}/name", self.to(f"{at}/Name"))
        self.entry.mapped(f"{path}/image", self.to(f"{at}/Image"),
                          f"default of parameter {image_param}")
        if c.image_pull_policy is not None:
            self.entry.ignored(f"{path}/imagePullPolicy", "Fargate pulls the image at task start")
        if c.command:
            out["EntryPoint"] = list(c.command)
            self.entry.mapped(f"{path}/command", self.to(f"{at}/EntryPoint"))
        if c.args:
            out["Command"] = list(c.args)
            self.entry.mapped(f"{path}/args", self.to(f"{at}/Command"))
        if c.working_dir:
            out["WorkingDirectory"] = c.working_dir
            self.entry.mapped(f"{path}/workingDir", self.to(f"{at}/WorkingDirectory"))
        if c.ports:
            out["PortMappings"] = []
            for j, port in enumerate(c.ports):
                mapping: dict[str, Any] = {"ContainerPort": port.container_port,
                                           "Protocol": port.protocol.lower()}
                if port.name:
                    mapping["Name"] = port.name
                if port.protocol == "SCTP":
                    self.entry.unsupported(f"{path}/ports/{j}", "Fargate has no SCTP")
                    continue
                out["PortMappings"].append(mapping)
                self.entry.mapped(f"{path}/ports/{j}", self.to(f"{at}/PortMappings/{j}"))
                if port.host_port is not None:
                    self.entry.ignored(f"{path}/ports/{j}/hostPort",
                                       "awsvpc tasks listen on the container port")
        environment, secrets = self.env(c, path, at)
        if environment:
            out["Environment"] = environment
        if secrets:
            out["Secrets"] = secrets
        self.resources(c, path, at, out)
        if c.liveness_probe is not None:
            check = self.health_check(c, c.liveness_probe, f"{path}/livenessProbe", at)
            if check is not None:
                out["HealthCheck"] = check
        if c.readiness_probe is not None:
            self.entry.mapped(f"{path}/readinessProbe", None,
                              "the load balancer target group's health check, where the "
                              "workload is behind an Ingress; otherwise ECS has no readiness")
        if c.startup_probe is not None:
            self.startup(c.startup_probe, out.get("HealthCheck"), f"{path}/startupProbe", at)
        for j, mount in enumerate(c.volume_mounts):
            self.entry.lossy(f"{path}/volumeMounts/{j}", f"{mount.mount_path}: see the volume "
                             f"{mount.name!r} for what backs it on ECS")
        out["LogConfiguration"] = {
            "LogDriver": "awslogs",
            "Options": {
                "awslogs-group": Ref("LogGroup"),
                "awslogs-region": Ref("AWS::Region"),
                "awslogs-stream-prefix": c.name,
            },
        }
        return out

    def env(self, c: Container, path: str, at: str) -> tuple[list[dict[str, Any]],
                                                           list[dict[str, Any]]]:
        # name -> ("value", str) | ("secret", SecretValue | why not), and where it came from
        found: dict[str, tuple[str, Any, _Origin]] = {}
        rewriter = dns_rewriter(self.ctx)
        for j, source in enumerate(c.env_from):
            src_path = f"{path}/envFrom/{j}"
            if source.config_map_ref is not None:
                cm_name = source.config_map_ref.name
                cm = self.ctx.find(ConfigMap, self.namespace, cm_name)
                if cm is None:
                    self._missing(src_path, "ConfigMap", cm_name, source.config_map_ref.optional)
                    self._unmapped(c, f"{source.prefix}*", f"ConfigMap {cm_name} (envFrom)",
                                   "ConfigMap not in the input")
                    continue
                for key, value in cm.data.items():
                    new, rewrites = self._rewrite(value, src_path, rewriter)
                    found[source.prefix + key] = ("value", new, _Origin(
                        src_path, f"ConfigMap {cm_name} key {key}", rewrites=rewrites,
                        reads=("ConfigMap", cm_name, key)))
            elif source.secret_ref is not None:
                secret_name = source.secret_ref.name
                secret = secretsource.lookup(secret_name, self.namespace, self.ctx)
                if secret.keys is None:
                    why = f"the keys of {secret.origin} are not in the manifests"
                    self.entry.unsupported(src_path, f"{why}; name each one with secretKeyRef")
                    self._unmapped(c, f"{source.prefix}*", f"Secret {secret_name} (envFrom)", why,
                                   secret_name)
                    continue
                for key in secret.keys:
                    found[source.prefix + key] = ("secret", secret.value(key), _Origin(
                        src_path, _secret_origin(secret_name, key, secret), secret_name,
                        _secret_source(secret), reads=("Secret", secret_name, key)))
        for j, var in enumerate(c.env):
            var_path = f"{path}/env/{j}"
            if var.value_from is None:
                new, rewrites = self._rewrite(var.value or "", var_path, rewriter)
                found[var.name] = ("value", new, _Origin(var_path, "value", rewrites=rewrites))
                continue
            src = var.value_from
            if src.config_map_key_ref is not None:
                ref = src.config_map_key_ref
                eks = f"ConfigMap {ref.name} key {ref.key}"
                cm = self.ctx.find(ConfigMap, self.namespace, ref.name)
                if cm is None or ref.key not in cm.data:
                    self._missing(var_path, "ConfigMap", f"{ref.name} key {ref.key}", ref.optional)
                    self._unmapped(c, var.name, eks, "not in the input")
                    continue
                new, rewrites = self._rewrite(cm.data[ref.key], var_path, rewriter)
                found[var.name] = ("value", new, _Origin(var_path, eks, rewrites=rewrites,
                                                         reads=("ConfigMap", ref.name, ref.key)))
            elif src.secret_key_ref is not None:
                ref = src.secret_key_ref
                secret = secretsource.lookup(ref.name, self.namespace, self.ctx)
                found[var.name] = ("secret", secret.value(ref.key), _Origin(
                    var_path, _secret_origin(ref.name, ref.key, secret), ref.name,
                    _secret_source(secret), reads=("Secret", ref.name, ref.key)))
            elif src.field_ref is not None and src.field_ref.field_path == "metadata.namespace":
                found[var.name] = ("value", self.namespace,
                                   _Origin(var_path, "fieldRef metadata.namespace"))
            else:
                what = src.field_ref.field_path if src.field_ref else "resourceFieldRef"
                self.entry.unsupported(var_path, f"{what} has no ECS equivalent; read the ECS "
                                       "task metadata endpoint (ECS_CONTAINER_METADATA_URI_V4)")
                self._unmapped(c, var.name, what, "no ECS equivalent")
        environment: list[dict[str, Any]] = []
        secrets: list[dict[str, Any]] = []
        for name, (how, value, origin) in found.items():
            if how == "value":
                to = self.to(f"{at}/Environment/{len(environment)}")
                self.entry.mapped(origin.path, to)
                environment.append({"Name": name, "Value": value})
                ecs = "Environment (Service Discovery DNS)" if origin.rewrites else "Environment"
                self.entry.env.append(EnvVar(c.name, name, origin.eks, ecs, to,
                                             rewrites=origin.rewrites,
                                             reads=origin.reads))
            elif isinstance(value, str):
                self.entry.unsupported(origin.path, f"{name}: {value}")
                self._unmapped(c, name, origin.eks, value, origin.secret)
            else:
                self._read_secret(value)
                to = self.to(f"{at}/Secrets/{len(secrets)}")
                self.entry.mapped(origin.path, to, value.note or None)
                secrets.append({"Name": name, "ValueFrom": value.value_from})
                store = ("SSM Parameter Store" if value.iam_action.startswith("ssm:")
                         else "Secrets Manager")
                self.entry.env.append(EnvVar(c.name, name, origin.eks,
                                             f"{store} -> task definition Secrets", to,
                                             origin.secret, origin.secret_source,
                                             reads=origin.reads))
        return environment, secrets

    def _unmapped(self, c: Container, name: str, eks: str, why: str,
                  secret: str | None = None) -> None:
        self.entry.env.append(EnvVar(c.name, name, eks, f"not mapped: {why}", secret=secret))

    def _read_secret(self, value: secretsource.SecretValue) -> None:
        reads = self.secret_reads.setdefault(value.iam_action, [])
        if value.iam_resource not in reads:
            reads.append(value.iam_resource)
        for name, parameter in value.parameters:
            self.frag.put(self.stack, "Parameters", name, parameter)

    def _rewrite(self, value: str, path: str, rewriter: Any) -> tuple[str, tuple[str, ...]]:
        new, done = rewriter.rewrite(value, self.namespace)
        for change in done:
            self.entry.mapped(path, None, f"DNS rewrite: {change.old} -> {change.new}")
        if "$(" in value:
            self.entry.lossy(path, "$(VAR) references are not expanded by ECS")
        return str(new), tuple(f"{change.old} -> {change.new}" for change in done)

    def _missing(self, path: str, kind: str, name: str, optional: bool) -> None:
        if optional:
            self.entry.ignored(path, f"optional {kind} {name} is not in the input")
        else:
            self.entry.unsupported(path, f"{kind} {name} is not in the input; add it to the "
                                   "sources or set the variable by hand")

    def resources(self, c: Container, path: str, at: str, out: dict[str, Any]) -> None:
        req, lim = c.resources.requests, c.resources.limits
        if "cpu" in req or "cpu" in lim:
            out["Cpu"] = quantity.cpu_units(req.get("cpu", lim.get("cpu", 0)))
            self.entry.mapped(f"{path}/resources/requests/cpu" if "cpu" in req
                              else f"{path}/resources/limits/cpu", self.to(f"{at}/Cpu"))
            if "cpu" in lim and "cpu" in req:
                self.entry.lossy(f"{path}/resources/limits/cpu",
                                 "Fargate caps CPU at the task size, not per container",
                                 Target(self.stack, f"{TASK}/Cpu"))
        if "memory" in lim:
            out["Memory"] = quantity.memory_mib(lim["memory"])
            self.entry.mapped(f"{path}/resources/limits/memory", self.to(f"{at}/Memory"))
        if "memory" in req:
            out["MemoryReservation"] = quantity.memory_mib(req["memory"])
            self.entry.mapped(f"{path}/resources/requests/memory",
                              self.to(f"{at}/MemoryReservation"))
        for section, values in (("requests", req), ("limits", lim)):
            for name in values:
                if name not in ("cpu", "memory"):
                    self.entry.unsupported(f"{path}/resources/{section}/{escape_pointer_token(name)}",
                                           f"{name} has no Fargate equivalent yet")

    def size(self) -> TaskSize:
        cpu = memory = 0
        for c in self.pod.containers:
            req, lim = c.resources.requests, c.resources.limits
            cpu += max(quantity.cpu_units(req.get("cpu", 0)), quantity.cpu_units(lim.get("cpu", 0)))
            memory += max(quantity.memory_mib(req.get("memory", 0)),
                          quantity.memory_mib(lim.get("memory", 0)))
        task_cpu, task_memory, fits = smallest_fit(cpu, memory)
        asked = f"{cpu / 1024:g} vCPU / {memory} MiB" if cpu or memory else "no resources"
        note = f"pod asks {asked}; smallest Fargate size {task_cpu / 1024:g} vCPU / {task_memory} MiB"
        if not fits:
            note += " (the largest Fargate size; the pod asked for more)"
        return TaskSize(task_cpu, task_memory, note, fits)

    # --- probes -----------------------------------------------------------------------

    def health_check(self, c: Container, probe: Probe, path: str, at: str) -> dict[str, Any] | None:
        to = self.to(f"{at}/HealthCheck")
        command: list[str]
        if probe.exec is not None:
            command = ["CMD", *probe.exec.command]
            self.entry.mapped(f"{path}/exec", to)
        elif probe.http_get is not None:
            get = probe.http_get
            port = self._port_number(c, get.port, f"{path}/httpGet/port")
            scheme = get.scheme.lower()
            curl = ["curl", "-fsS", "-o", "/dev/null"] + (["-k"] if scheme == "https" else [])
            for header in get.http_headers:
                curl += ["-H", f"{header.get('name')}: {header.get('value')}"]
            url = f"{scheme}://localhost:{port}{get.path if get.path.startswith('/') else '/' + get.path}"
            command = ["CMD-SHELL", shlex.join([*curl, url]) + " || exit 1"]
            self.entry.mapped(f"{path}/httpGet", to, "runs curl inside the container: the image "
                              "needs curl")
        elif probe.tcp_socket is not None:
            port = self._port_number(c, probe.tcp_socket.port, f"{path}/tcpSocket/port")
            command = ["CMD-SHELL", f"nc -z 127.0.0.1 {port} || exit 1"]
            self.entry.mapped(f"{path}/tcpSocket", to, "runs nc inside the container: the "
                              "image needs nc")
        else:
            self.entry.unsupported(path, "gRPC probes have no ECS health-check equivalent; use "
                                   "an exec probe with grpc_health_probe")
            return None
        wanted = {"Interval": probe.period_seconds, "Timeout": probe.timeout_seconds,
                  "Retries": probe.failure_threshold, "StartPeriod": probe.initial_delay_seconds}
        fields = {"Interval": "periodSeconds", "Timeout": "timeoutSeconds",
                  "Retries": "failureThreshold", "StartPeriod": "initialDelaySeconds"}
        check: dict[str, Any] = {"Command": command}
        for key, value in wanted.items():
            low, high = HEALTH_LIMITS[key]
            clipped = min(max(value, low), high)
            check[key] = clipped
            field_path = f"{path}/{fields[key]}"
            if clipped != value:
                self.entry.lossy(field_path, f"{value} is outside ECS's {low}-{high}; "
                                 f"{clipped} used", Target(self.stack, f"{TASK}{at}/HealthCheck/{key}"))
            else:
                self.entry.mapped(field_path, Target(self.stack, f"{TASK}{at}/HealthCheck/{key}"))
        if probe.success_threshold != 1:
            self.entry.lossy(f"{path}/successThreshold", "ECS has no success threshold")
        elif probe.model_fields_set & {"success_threshold"}:
            self.entry.mapped(f"{path}/successThreshold", None, "one success, as on ECS")
        return check

    def startup(self, probe: Probe, check: dict[str, Any] | None, path: str, at: str) -> None:
        """ECS has no startup probe: give the liveness check a StartPeriod as long as the
        startup probe's whole budget (initial delay + period x failure threshold)."""
        if check is None:
            self.entry.unsupported(path, "ECS has no startup probe and this container has no "
                                   "liveness check to delay")
            return
        budget = probe.initial_delay_seconds + probe.period_seconds * probe.failure_threshold
        low, high = HEALTH_LIMITS["StartPeriod"]
        check["StartPeriod"] = min(max(check["StartPeriod"], budget, low), high)
        to = self.to(f"{at}/HealthCheck/StartPeriod")
        if budget > high:
            self.entry.lossy(path, f"needs {budget}s to start; ECS allows a StartPeriod of "
                             f"{high}s at most", to)
        else:
            self.entry.lossy(path, f"becomes StartPeriod {check['StartPeriod']}s of the health "
                             "check: failures are ignored that long, successes end it early", to)

    def _port_number(self, c: Container, port: int | str, path: str) -> int | str:
        if isinstance(port, int):
            return port
        for p in c.ports:
            if p.name == port:
                return p.container_port
        self.entry.unsupported(path, f"port name {port!r} is not declared by {c.name}")
        return port

