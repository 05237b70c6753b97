"""The container mapping every pod-based workload shares: a pod spec becomes task-definition
container definitions (and a few task properties), and the execution role learns exactly which
secrets they read.

App containers come first, all essential (ECS replaces the task when one stops, where the
kubelet would restart the container). Init containers follow, non-essential, chained with
DependsOn SUCCESS; a native sidecar (an init container with restartPolicy Always) is
non-essential with an ECS RestartPolicy, and what starts after it waits for START (HEALTHY when
it has a startup probe). Whatever Fargate cannot enforce is reported with the reason.

Deployment, StatefulSet, Job and CronJob share it (see workload_stack); pod volumes are
mapped by volumes.VolumeMapper, called from `run`.
"""

from __future__ import annotations

import math
import re
import shlex
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from pydantic.alias_generators import to_camel

from mappings import secretsource, volumes
from mappings.fargate import smallest_fit
from mappings.probes import probe_port, startup_budget
from mappings.service import dns_rewriter
from mappings.workloads import pod_owners
from translator import quantity
from translator.cfn import Ref
from translator.context import Context, pascal
from translator.load import escape_pointer_token
from translator.models import (
    ClaimTemplate,
    ConfigMap,
    Container,
    PodSpec,
    Probe,
    SecurityContext,
    ServiceAccount,
)
from translator.plan import EnvVar, Fragment, Parameter, Target

TASK = "/Resources/TaskDefinition/Properties"
IRSA_ANNOTATION = "eks.amazonaws.com/role-arn"

# ECS container health-check limits (FACTS: Interval 5-300, Timeout 2-60, Retries 1-10,
# StartPeriod 0-300).
HEALTH_LIMITS = {"Interval": (5, 300), "Timeout": (2, 60), "Retries": (1, 10),
                 "StartPeriod": (0, 300)}

def fields(base: str) -> tuple[str, ...]:
    """The pod spec's allow-list for a workload whose pod spec sits at `base`."""
    return tuple(base + pattern for pattern in POD_FIELDS)


# The execution role pulls from ECR itself; registry credentials are for other registries.
ECR_IMAGE = re.compile(r"^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(\.cn)?/")

# Linux capabilities ECS knows (KernelCapabilities); Fargate lets a container add only one.
CAPABILITIES = frozenset({
    "ALL", "AUDIT_CONTROL", "AUDIT_WRITE", "BLOCK_SUSPEND", "CHOWN", "DAC_OVERRIDE",
    "DAC_READ_SEARCH", "FOWNER", "FSETID", "IPC_LOCK", "IPC_OWNER", "KILL", "LEASE",
    "LINUX_IMMUTABLE", "MAC_ADMIN", "MAC_OVERRIDE", "MKNOD", "NET_ADMIN", "NET_BIND_SERVICE",
    "NET_BROADCAST", "NET_RAW", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_ADMIN",
    "SYS_BOOT", "SYS_CHROOT", "SYS_MODULE", "SYS_NICE", "SYS_PACCT", "SYS_PTRACE", "SYS_RAWIO",
    "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "SYSLOG", "WAKE_ALARM",
})
FARGATE_ADDABLE = frozenset({"SYS_PTRACE"})

ARCH_LABELS = ("kubernetes.io/arch", "beta.kubernetes.io/arch")
OS_LABELS = ("kubernetes.io/os", "beta.kubernetes.io/os")
ARCHITECTURES = {"arm64": "ARM64", "amd64": "X86_64"}

# Pod fields that decide where or how a pod is scheduled in a cluster: Fargate has no nodes
# to choose between, so each is reported ignored with the reason.
SCHEDULING_FIELDS = {
    "tolerations": "Fargate runs every task on its own isolated host: there are no node "
                   "taints to tolerate",
    "affinity": "Fargate has no nodes to choose; ECS spreads a service's tasks over the "
                "Availability Zones of the SubnetIds parameter",
    "topologySpreadConstraints": "ECS spreads a service's tasks over the Availability Zones "
                                 "of the SubnetIds parameter",
    "priorityClassName": "Fargate never preempts a task for another: there are no priorities",
    "priority": "Fargate never preempts a task for another: there are no priorities",
    "preemptionPolicy": "Fargate never preempts a task for another: there are no priorities",
    "schedulerName": "ECS places Fargate tasks itself",
    "nodeName": "Fargate has no nodes to pin a task to",
    "runtimeClassName": "Fargate chooses the container runtime and its isolation",
    "automountServiceAccountToken": "ECS tasks get AWS credentials from the task role; there "
                                    "is no Kubernetes API token to mount",
    "enableServiceLinks": "ECS injects no *_SERVICE_HOST variables; the Cloud Map DNS names "
                          "replace them",
    "setHostnameAsFQDN": "a Fargate task's hostname is set by ECS",
}

# Container fields with no ECS meaning.
CONTAINER_IGNORED = {
    "terminationMessagePath": "ECS records the exit code and stopped reason of each container "
                              "instead",
    "terminationMessagePolicy": "ECS records the exit code and stopped reason of each "
                                "container instead",
    "stdinOnce": "ECS keeps stdin open for the container's whole life (Interactive)",
    "resizePolicy": "a running Fargate task cannot be resized",
}


_PROBE_TIMING = ("periodSeconds", "timeoutSeconds", "failureThreshold", "initialDelaySeconds",
                 "successThreshold")
# What PodMapper may claim of a container (app or init), relative to the container.
_CONTAINER_FIELDS = (
    "name", "image", "imagePullPolicy", "command", "args", "workingDir", "ports/*",
    "ports/*/hostPort", "envFrom/*", "env/*", "stdin", "tty", "restartPolicy",
    *(f"resources/{section}/{name}" for section in ("requests", "limits")
      for name in ("cpu", "memory", "ephemeral-storage")),
    "livenessProbe/exec", "livenessProbe/httpGet", "livenessProbe/tcpSocket", "livenessProbe/grpc",
    *(f"livenessProbe/{timing}" for timing in _PROBE_TIMING),
    "readinessProbe", "startupProbe", "volumeMounts/*", *CONTAINER_IGNORED,
    *(f"securityContext/{name}" for name in (
        "runAsUser", "runAsGroup", "runAsNonRoot", "readOnlyRootFilesystem", "privileged",
        "allowPrivilegeEscalation", "capabilities/add/*", "capabilities/drop/*",
        "seccompProfile", "procMount")),
)
# What PodMapper may claim, relative to the pod spec (see mappings/__init__.py).
POD_FIELDS = (
    "/serviceAccountName", "/restartPolicy", "/terminationGracePeriodSeconds", "/volumes/*",
    *(f"/{group}/*/{name}" for group in ("containers", "initContainers")
      for name in _CONTAINER_FIELDS),
    "/imagePullSecrets/*", "/nodeSelector/*", "/os/name", "/shareProcessNamespace",
    "/hostNetwork", "/hostPID", "/hostIPC", "/dnsPolicy", *(f"/{name}" for name in SCHEDULING_FIELDS),
    *(f"/securityContext/{name}" for name in (
        "runAsUser", "runAsGroup", "runAsNonRoot", "fsGroup", "fsGroupChangePolicy", "sysctls/*",
        "seccompProfile")),
    *volumes.POD_FIELDS,
)


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
    task: dict[str, Any] = field(default_factory=dict)  # task-definition properties of the pod
    storage: volumes.Storage = field(default_factory=volumes.Storage)


def readers(ctx: Context, kind: str, namespace: str, name: str) -> dict[str, set[str] | None]:
    """Workloads that read a ConfigMap or Secret: workload -> keys (None: every key)."""
    index: dict[tuple[str, str], dict[str, set[str] | None]] = ctx.memo(
        f"readers/{kind}", lambda: _readers_by_object(ctx, kind))
    return index.get((namespace, name), {})


def _readers_by_object(ctx: Context, kind: str) -> dict[tuple[str, str], dict[str, set[str] | None]]:
    """`readers` of every ConfigMap (or Secret) at once: one pass over the workloads."""
    index: dict[tuple[str, str], dict[str, set[str] | None]] = {}
    for workload, pod in pod_owners(ctx):
        # names read whole (envFrom, volumes without items), and name -> keys read one by one
        every, keys = volumes.reads(pod, kind)
        for container in pod.every_container:
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
                workload.ref] = None if name in every else keys[name]
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
                 ctx: Context, claims: tuple[ClaimTemplate, ...] = ()) -> None:
        self.pod = pod
        self.claims = claims  # a StatefulSet's volumeClaimTemplates
        self.base = base
        self.namespace = namespace
        self.stack = stack
        self.frag = frag
        self.entry = frag.entry
        self.ctx = ctx
        self.secret_reads: dict[str, list[Any]] = {}
        self.pod_security_used: set[str] = set()

    def to(self, pointer: str) -> Target:
        return Target(self.stack, f"{TASK}{pointer}")

    def run(self) -> PodResult:
        credentials = self.pull_credentials()
        containers = [self.container(c, i, f"{self.base}/containers/{i}", credentials)
                      for i, c in enumerate(self.pod.containers)]
        containers += self.init_containers(containers, credentials)
        if credentials is not None and not any("RepositoryCredentials" in c for c in containers):
            self.entry.ignored(f"{self.base}/imagePullSecrets/0", "every image is in ECR, which "
                               "the execution role pulls from without credentials")
        self.pod_security(containers)
        size = self.size()
        if not size.fits:
            self.shrink(containers, size)
        task: dict[str, Any] = {"RuntimePlatform": self.runtime_platform()}
        storage = self.ephemeral_storage()
        if storage is not None:
            task["EphemeralStorage"] = {"SizeInGiB": storage}
        self.pod_fields(task)
        volume_storage = volumes.VolumeMapper(self, containers).run()
        self.fs_group()
        if self.pod.service_account_name is not None:
            self.service_account(self.pod.service_account_name)
        if self.pod.model_extra and self.pod.model_extra.get("restartPolicy") == "Always":
            self.entry.ignored(f"{self.base}/restartPolicy", "ECS services replace stopped tasks")
        grace = self.pod.termination_grace_period_seconds
        if grace == ECS_STOP_TIMEOUT:  # both defaults: written or not, the same template
            self.entry.mapped(f"{self.base}/terminationGracePeriodSeconds", None,
                              "30 s is also ECS's default StopTimeout")
        elif grace is not None:
            stop = min(max(grace, 2), 120)  # ECS StopTimeout range on Fargate
            for container in containers:
                container["StopTimeout"] = stop
            grace_path = f"{self.base}/terminationGracePeriodSeconds"
            to = self.to("/ContainerDefinitions/0/StopTimeout")
            if stop != grace:
                self.entry.lossy(grace_path, f"ECS allows 2-120 s: StopTimeout {stop}", to)
            else:
                self.entry.mapped(grace_path, to)
        return PodResult(containers, size, self.secret_reads, task, volume_storage)

    # --- pod-level fields ---------------------------------------------------------------

    def pull_credentials(self) -> tuple[str, Parameter] | None:
        """The Secrets Manager secret ECS pulls private images with: a parameter, since the
        Kubernetes Secret holds a docker config, not the username/password JSON ECS reads."""
        secrets = self.pod.image_pull_secrets
        path = f"{self.base}/imagePullSecrets"
        for j, extra in enumerate(secrets[1:], start=1):
            self.entry.lossy(f"{path}/{j}", f"ECS takes one registry credential per container: "
                             f"{extra.name} is not used; merge the registries' logins or give "
                             "each registry's images their own credential")
        if not secrets:
            return None
        name = secrets[0].name
        return secretsource.arn_parameter(
            f"{self.namespace}-{name}-pull" if self.ctx.multi_namespace else f"{name}-pull",
            f"ARN of the Secrets Manager secret with the registry login of Kubernetes Secret "
            f"{self.namespace}/{name}, as JSON {{\"username\": ..., \"password\": ...}}",
            f"arn:aws:secretsmanager:{self.ctx.options.region}:123456789012:secret:{name}-AbCdEf")

    def _use_credentials(self, credentials: tuple[str, Parameter]) -> Ref:
        param, parameter = credentials
        self.frag.put(self.stack, "Parameters", param, parameter)
        reads = self.secret_reads.setdefault("secretsmanager:GetSecretValue", [])
        if Ref(param) not in reads:
            reads.append(Ref(param))
        return Ref(param)

    def runtime_platform(self) -> dict[str, str]:
        platform = {"OperatingSystemFamily": "LINUX", "CpuArchitecture": "X86_64"}
        for key, value in self.pod.node_selector.items():
            path = f"{self.base}/nodeSelector/{escape_pointer_token(key)}"
            if key in ARCH_LABELS and value in ARCHITECTURES:
                platform["CpuArchitecture"] = ARCHITECTURES[value]
                self.entry.mapped(path, self.to("/RuntimePlatform/CpuArchitecture"))
            elif key in ARCH_LABELS:
                self.entry.unsupported(path, f"Fargate runs amd64 and arm64 only, not {value}")
            elif key in OS_LABELS:
                self._operating_system(value, path)
            elif key == "eks.amazonaws.com/compute-type":
                self.entry.ignored(path, "the task runs on Fargate")
            elif key.startswith("topology.kubernetes.io/") or "zone" in key:
                self.entry.ignored(path, "the SubnetIds parameter decides the Availability Zones")
            else:
                self.entry.ignored(path, "Fargate has no nodes: node labels select nothing")
        os = (self.pod.model_extra or {}).get("os")
        if isinstance(os, dict) and "name" in os:
            self._operating_system(str(os["name"]), f"{self.base}/os/name")
        return platform

    def _operating_system(self, name: str, path: str) -> None:
        if name == "linux":
            self.entry.mapped(path, self.to("/RuntimePlatform/OperatingSystemFamily"))
        else:
            self.entry.unsupported(path, "only Linux pods are mapped: Fargate runs Windows "
                                   "containers with a WINDOWS_SERVER_* platform family, Windows "
                                   "images and 1 vCPU at least; translate this pod by hand")

    def pod_fields(self, task: dict[str, Any]) -> None:
        pod, base = self.pod, self.base
        if pod.share_process_namespace:
            task["PidMode"] = "task"
            self.entry.mapped(f"{base}/shareProcessNamespace", self.to("/PidMode"),
                              "needs Fargate platform 1.4.0 or later")
        elif _set(pod, "shareProcessNamespace"):
            self.entry.ignored(f"{base}/shareProcessNamespace", "each container has its own "
                               "process namespace, as on ECS by default")
        for name, flag, why in (
            ("hostNetwork", pod.host_network, "Fargate tasks have their own network interface "
             "(awsvpc): the host's network is out of reach"),
            ("hostPID", pod.host_pid, "Fargate hides the host's processes; "
             "shareProcessNamespace (PidMode task) shares the task's"),
            ("hostIPC", pod.host_ipc, "Fargate supports no IPC namespace sharing (IpcMode)"),
        ):
            if flag:
                self.entry.unsupported(f"{base}/{name}", why)
            elif _set(pod, name):
                self.entry.ignored(f"{base}/{name}", "false is the only way on Fargate")
        extra = pod.model_extra or {}
        dns_policy = extra.get("dnsPolicy")
        if dns_policy == "None":
            self.entry.unsupported(f"{base}/dnsPolicy", "Fargate tasks always use the VPC "
                                   "resolver; point it elsewhere with DHCP options or Route 53 "
                                   "Resolver rules")
        elif dns_policy is not None:
            self.entry.ignored(f"{base}/dnsPolicy", "tasks resolve through the VPC resolver, "
                               "which answers the Cloud Map service names")
        if "dnsConfig" in extra:
            self.entry.unsupported(f"{base}/dnsConfig", "ECS DnsServers and DnsSearchDomains "
                                   "are not supported in awsvpc mode (Fargate): set them with "
                                   "the VPC's DHCP options or Route 53 Resolver rules")
        if "hostAliases" in extra:
            self.entry.unsupported(f"{base}/hostAliases", "ECS ExtraHosts is not supported in "
                                   "awsvpc mode (Fargate): add the names to a Route 53 private "
                                   "hosted zone, or append them to /etc/hosts in the entrypoint")
        for name in ("hostname", "subdomain"):
            if name in extra:
                self.entry.unsupported(f"{base}/{name}", "ECS Hostname is not supported in "
                                       "awsvpc mode; other tasks reach this one by its Cloud "
                                       "Map name")
        for name, why in SCHEDULING_FIELDS.items():
            if name in extra:
                self.entry.ignored(f"{base}/{name}", why)

    # --- security -----------------------------------------------------------------------

    def security(self, c: Container, path: str, at: str, out: dict[str, Any]) -> None:
        pod_level = self.pod.security_context or SecurityContext()
        own = c.security_context or SecurityContext()
        here = f"{path}/securityContext"

        def effective(name: str) -> tuple[Any, str]:
            """The container's value of a field, else the pod's, with where it came from."""
            if getattr(own, name) is not None:
                return getattr(own, name), f"{here}/{to_camel(name)}"
            if getattr(pod_level, name) is not None:
                self.pod_security_used.add(to_camel(name))
                return getattr(pod_level, name), f"{self.base}/securityContext/{to_camel(name)}"
            return None, ""

        user, user_from = effective("run_as_user")
        group, group_from = effective("run_as_group")
        to_user = self.to(f"{at}/User")
        if user is not None:
            out["User"] = str(user) if group is None else f"{user}:{group}"
            self.entry.mapped(user_from, to_user)
            if group is not None:
                self.entry.mapped(group_from, to_user)
        elif group is not None:
            self.entry.unsupported(group_from, "ECS sets a group only with a user (User "
                                   "uid:gid): set runAsUser too")
        non_root, non_root_from = effective("run_as_non_root")
        if non_root and user is None:
            self.entry.lossy(non_root_from, "ECS does not refuse an image that runs as root: "
                             "set runAsUser so that User names a non-root uid")
        elif non_root and user == 0:
            self.entry.unsupported(non_root_from, "runAsUser 0 contradicts runAsNonRoot: "
                                   "Kubernetes would not start this container")
        elif non_root:
            self.entry.mapped(non_root_from, to_user, f"User {user} is not root")
        elif non_root is False:
            self.entry.ignored(non_root_from, "ECS runs the image's user unless User is set")
        if own.read_only_root_filesystem is not None:
            out["ReadonlyRootFilesystem"] = own.read_only_root_filesystem
            self.entry.mapped(f"{here}/readOnlyRootFilesystem",
                              self.to(f"{at}/ReadonlyRootFilesystem"))
        if own.privileged:
            self.entry.unsupported(f"{here}/privileged", "Fargate runs no privileged "
                                   "containers: grant only the capabilities it needs, or run "
                                   "it on ECS with EC2 instances")
        elif own.privileged is False:
            self.entry.ignored(f"{here}/privileged", "no container is privileged on Fargate")
        if own.allow_privilege_escalation is False:
            self.entry.lossy(f"{here}/allowPrivilegeEscalation", "Fargate cannot set "
                             "no-new-privileges (ECS DockerSecurityOptions is not supported "
                             "there): drop capabilities (drop: [ALL]) to bound what a process "
                             "can gain")
        elif own.allow_privilege_escalation:
            self.entry.ignored(f"{here}/allowPrivilegeEscalation", "the container default")
        if own.capabilities is not None:
            capabilities = self.capabilities(own.capabilities.add, own.capabilities.drop,
                                             f"{here}/capabilities", at)
            if capabilities:
                out["LinuxParameters"] = {"Capabilities": capabilities}
        self._security_extras(own, here)

    def capabilities(self, add: list[str], drop: list[str], path: str,
                     at: str) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for key, names in (("Add", add), ("Drop", drop)):
            kept: list[str] = []
            for j, raw in enumerate(names):
                name = raw.upper().removeprefix("CAP_")
                field_path = f"{path}/{key.lower()}/{j}"
                if name not in CAPABILITIES:
                    self.entry.unsupported(field_path, f"ECS knows no capability {raw}")
                elif key == "Add" and name not in FARGATE_ADDABLE:
                    self.entry.unsupported(field_path, f"Fargate lets a container add "
                                           f"SYS_PTRACE only, not {name}")
                else:
                    self.entry.mapped(field_path, self.to(
                        f"{at}/LinuxParameters/Capabilities/{key}/{len(kept)}"))
                    kept.append(name)
            if kept:
                out[key] = kept
        return out

    def _security_extras(self, context: SecurityContext, path: str) -> None:
        """Security fields Fargate offers no setting for (pod or container level)."""
        extra = context.model_extra or {}
        seccomp = extra.get("seccompProfile")
        if isinstance(seccomp, dict) and seccomp.get("type") == "RuntimeDefault":
            self.entry.lossy(f"{path}/seccompProfile", "Fargate takes no seccomp setting "
                             "(ECS DockerSecurityOptions is not supported there): Fargate "
                             "applies its own")
        elif seccomp is not None:
            self.entry.unsupported(f"{path}/seccompProfile", "Fargate takes no seccomp "
                                   "profile: a custom or unconfined profile cannot be set")
        for name, why in (
            ("appArmorProfile", "Fargate takes no AppArmor profile (ECS DockerSecurityOptions "
             "is not supported there)"),
            ("seLinuxOptions", "Fargate takes no SELinux labels (ECS DockerSecurityOptions is "
             "not supported there)"),
            ("windowsOptions", "only Linux pods are mapped"),
        ):
            if name in extra:
                self.entry.unsupported(f"{path}/{name}", why)
        if "procMount" in extra:
            self.entry.ignored(f"{path}/procMount", "Fargate mounts /proc the default way")

    def fs_group(self) -> None:
        """fsGroup, unless a claim's EFS access point or EBS volume already accounted for it."""
        context = self.pod.security_context
        path = f"{self.base}/securityContext/fsGroup"
        if context is None or context.fs_group is None \
                or any(f.path == path for f in self.entry.fields):
            return
        self.entry.lossy(path, "Fargate has no fsGroup: files on volumes keep their owner "
                         "(an EFS access point can set the uid/gid)")

    def pod_security(self, containers: list[dict[str, Any]]) -> None:
        context = self.pod.security_context
        if context is None:
            return
        path = f"{self.base}/securityContext"
        for name in ("runAsUser", "runAsGroup", "runAsNonRoot"):
            if _set(context, name) and name not in self.pod_security_used:
                self.entry.ignored(f"{path}/{name}", "every container sets its own")
        if context.supplemental_groups:
            self.entry.unsupported(f"{path}/supplementalGroups", "ECS gives a container one "
                                   "group only (User uid:gid)")
        extra = context.model_extra or {}
        if "fsGroupChangePolicy" in extra:
            self.entry.ignored(f"{path}/fsGroupChangePolicy", "Fargate has no fsGroup")
        sysctls = extra.get("sysctls")
        if isinstance(sysctls, list):
            controls = []
            for j, sysctl in enumerate(sysctls):
                name = str(sysctl.get("name", "")) if isinstance(sysctl, dict) else ""
                if name.startswith("net."):
                    controls.append({"Namespace": name, "Value": str(sysctl.get("value", ""))})
                    self.entry.mapped(f"{path}/sysctls/{j}", self.to(
                        f"/ContainerDefinitions/0/SystemControls/{len(controls) - 1}"),
                        "set on every container (awsvpc shares them); Fargate platform 1.4.0+")
                else:
                    self.entry.unsupported(f"{path}/sysctls/{j}", "Fargate sets only network "
                                           "(net.*) kernel parameters: it has no IPC mode")
            if controls:
                for definition in containers:
                    definition["SystemControls"] = controls
        self._security_extras(context, path)

    def container_extras(self, c: Container, path: str) -> None:
        lifecycle = (c.model_extra or {}).get("lifecycle")
        if isinstance(lifecycle, dict):
            if "preStop" in lifecycle:
                self.entry.unsupported(f"{path}/lifecycle/preStop", "ECS sends SIGTERM and "
                                       "waits StopTimeout with no hook: run this step from a "
                                       "SIGTERM handler in the entrypoint")
            if "postStart" in lifecycle:
                self.entry.unsupported(f"{path}/lifecycle/postStart", "ECS has no start hook: "
                                       "run this step from the entrypoint, before the app")
        for name, why in CONTAINER_IGNORED.items():
            if name in (c.model_extra or {}):
                self.entry.ignored(f"{path}/{name}", why)

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

    # --- containers -------------------------------------------------------------------

    def init_containers(self, apps: list[dict[str, Any]],
                        credentials: tuple[str, Parameter] | None) -> list[dict[str, Any]]:
        """Init containers run in order before the app containers: each is non-essential and
        the next step waits for it (SUCCESS; a native sidecar only has to start, or pass its
        health check when it has a startup probe)."""
        out: list[dict[str, Any]] = []
        wait: dict[str, str] | None = None
        for j, c in enumerate(self.pod.init_containers):
            path = f"{self.base}/initContainers/{j}"
            at = f"/ContainerDefinitions/{len(apps) + j}"
            definition = self.container(c, len(apps) + j, path, credentials,
                                        one_shot=not c.native_sidecar)
            definition["Essential"] = False
            if wait is not None:
                definition["DependsOn"] = [wait]
            wait = _waits_for(c, definition)
            if c.native_sidecar:
                # Kubernetes restarts a sidecar that exits, without touching the app
                definition["RestartPolicy"] = {"Enabled": True, "RestartAttemptPeriod": 60}
                self.entry.lossy(f"{path}/restartPolicy", "native sidecar: a non-essential "
                                 "container ECS restarts in place when it exits, but only after "
                                 "it ran 60 s (Kubernetes restarts at once, then backs off), and "
                                 "not when its health check fails; the next containers wait "
                                 f"for it to {wait['Condition']}",
                                 self.to(f"{at}/RestartPolicy"))
            else:
                self.entry.mapped(f"{path}/name", self.to(f"{at}/Essential"),
                                  "init container: non-essential; the next containers start "
                                  "once it exits 0 (DependsOn SUCCESS); if it fails, ECS stops "
                                  "the task and the service starts a new one")
            out.append(definition)
        if wait is not None:
            for j, app in enumerate(apps):
                app["DependsOn"] = [wait]
                self.entry.mapped(f"{self.base}/containers/{j}/name",
                                  self.to(f"/ContainerDefinitions/{j}/DependsOn"),
                                  f"starts after init container {wait['ContainerName']} "
                                  f"({wait['Condition']})")
        return out

    def container(self, c: Container, i: int, path: str,
                  credentials: tuple[str, Parameter] | None, *,
                  one_shot: bool = False) -> dict[str, Any]:
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
        for flag, prop in (("stdin", "Interactive"), ("tty", "PseudoTerminal")):
            if getattr(c, flag):
                out[prop] = True
                self.entry.mapped(f"{path}/{flag}", self.to(f"{at}/{prop}"))
        if credentials is not None and not ECR_IMAGE.match(c.image):
            out["RepositoryCredentials"] = {
                "CredentialsParameter": self._use_credentials(credentials)}
            self.entry.mapped(f"{self.base}/imagePullSecrets/0",
                              self.to(f"{at}/RepositoryCredentials/CredentialsParameter"),
                              f"parameter {credentials[0]}: a Secrets Manager secret with the "
                              "registry's username and password as JSON (a docker config "
                              "does not fit)")
        self.security(c, path, at, out)
        self.container_extras(c, path)
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
        if one_shot:
            self.init_resources(c, path)
        else:
            self.resources(c, path, at, out)
        if c.liveness_probe is not None:
            check = self.health_check(c, c.liveness_probe, f"{path}/livenessProbe", at)
            if check is not None:
                out["HealthCheck"] = check
        if c.readiness_probe is not None:
            self.readiness(c.readiness_probe, f"{path}/readinessProbe")
        if c.startup_probe is not None:
            self.startup(c.startup_probe, out.get("HealthCheck"), f"{path}/startupProbe", at)
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
                self.read_secret(value)
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

    def read_secret(self, value: secretsource.SecretValue) -> None:
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
        self._other_resources(c, path)

    def init_resources(self, c: Container, path: str) -> None:
        """An init container runs before the app: it shares the whole task size, which
        covers its request, instead of reserving CPU and memory the app could never use."""
        for section, values in (("requests", c.resources.requests),
                                ("limits", c.resources.limits)):
            for name, prop in (("cpu", "Cpu"), ("memory", "Memory")):
                if name in values:
                    self.entry.lossy(f"{path}/resources/{section}/{name}", "an init container "
                                     "runs before the app and may use the whole task size "
                                     f"(sized to hold its {name}); ECS sets no cap of its own",
                                     self.to(f"/{prop}"))
        self._other_resources(c, path)

    def _other_resources(self, c: Container, path: str) -> None:
        for section, values in (("requests", c.resources.requests),
                                ("limits", c.resources.limits)):
            for name in values:
                if name not in ("cpu", "memory", "ephemeral-storage"):
                    self.entry.unsupported(f"{path}/resources/{section}/{escape_pointer_token(name)}",
                                           f"{name} has no Fargate equivalent")

    def size(self) -> TaskSize:
        """Kubernetes' effective pod request: the app containers and native sidecars run
        together; each init container runs alone beside the sidecars started before it."""
        running = (0, 0)
        peak = (0, 0)
        for c in self.pod.init_containers:
            if c.native_sidecar:
                running = _plus(running, _demand(c))
            else:
                peak = _most(peak, _plus(running, _demand(c)))
        for c in self.pod.containers:
            running = _plus(running, _demand(c))
        cpu, memory = _most(peak, running)
        task_cpu, task_memory, fits = smallest_fit(cpu, memory)
        asked = f"{round(cpu / 1024, 2):g} vCPU / {memory} MiB" if cpu or memory else \
            "no resources"
        note = f"pod asks {asked}; smallest Fargate size {task_cpu / 1024:g} vCPU / {task_memory} MiB"
        if not fits:
            note += " (the largest Fargate size; the pod asked for more)"
        return TaskSize(task_cpu, task_memory, note, fits)

    def shrink(self, containers: list[dict[str, Any]], size: TaskSize) -> None:
        """Scale container reservations down to the largest Fargate size: ECS refuses
        container values that add up to more than the task's."""
        for prop, total in (("Cpu", size.cpu), ("Memory", size.memory),
                            ("MemoryReservation", size.memory)):
            asked = sum(c.get(prop, 0) for c in containers)
            if asked <= total:
                continue
            for definition in containers:
                if prop in definition:
                    definition[prop] = definition[prop] * total // asked
            self.entry.notes.append(f"container {prop} values scaled down by {total}/{asked} "
                                    "to fit the task")
        for definition in containers:
            if "MemoryReservation" in definition and "Memory" in definition:
                definition["MemoryReservation"] = min(definition["MemoryReservation"],
                                                      definition["Memory"])

    def ephemeral_storage(self) -> int | None:
        """Task EphemeralStorage (GiB) for the pod's ephemeral-storage, None when Fargate's
        default 20 GiB holds it. Counted like CPU and memory in size()."""
        running = peak = Decimal(0)
        for c in self.pod.init_containers:
            if c.native_sidecar:
                running += _storage(c)
            else:
                peak = max(peak, running + _storage(c))
        for c in self.pod.containers:
            running += _storage(c)
        wanted = math.ceil(max(peak, running) / 2**30)
        size = None if wanted <= 20 else min(max(wanted, 21), 200)
        to = self.to("/EphemeralStorage/SizeInGiB") if size else None
        for kind, containers in (("containers", self.pod.containers),
                                 ("initContainers", self.pod.init_containers)):
            for i, c in enumerate(containers):
                path = f"{self.base}/{kind}/{i}/resources"
                if "ephemeral-storage" in c.resources.requests:
                    request = f"{path}/requests/ephemeral-storage"
                    if size is None:
                        self.entry.mapped(request, None, f"the pod needs {wanted} GiB: "
                                          "Fargate's default 20 GiB of task storage holds it")
                    elif size < wanted:
                        self.entry.lossy(request, f"the pod needs {wanted} GiB; Fargate "
                                         "gives a task 200 GiB at most", to)
                    else:
                        self.entry.mapped(request, to, f"the pod needs {wanted} GiB")
                if "ephemeral-storage" in c.resources.limits:
                    self.entry.lossy(f"{path}/limits/ephemeral-storage", "Fargate sizes "
                                     "storage per task (counting this limit) and evicts no "
                                     "container that writes more", to)
        return size

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
            host = get.host or "localhost"
            url = f"{scheme}://{host}:{port}{get.path if get.path.startswith('/') else '/' + get.path}"
            curl = ["curl", "-fsS", "-o", "/dev/null"] + (["-k"] if scheme == "https" else [])
            wget = ["wget", "-q", "-O", "/dev/null"] + (
                ["--no-check-certificate"] if scheme == "https" else [])
            for header in get.http_headers:
                line = f"{header.get('name')}: {header.get('value')}"
                curl += ["-H", line]
                wget += [f"--header={line}"]
            command = ["CMD-SHELL",
                       f"{shlex.join([*curl, url])} || {shlex.join([*wget, url])} || exit 1"]
            self.entry.mapped(f"{path}/httpGet", to, "runs curl, else wget, inside the "
                              "container: the image needs one of them")
        elif probe.tcp_socket is not None:
            port = self._port_number(c, probe.tcp_socket.port, f"{path}/tcpSocket/port")
            host = shlex.quote(probe.tcp_socket.host or "127.0.0.1")
            command = ["CMD-SHELL", f"nc -z {host} {port} || bash -c "
                       f"{shlex.quote(f'</dev/tcp/{host}/{port}')} || exit 1"]
            self.entry.mapped(f"{path}/tcpSocket", to, "runs nc, else bash's /dev/tcp, inside "
                              "the container: the image needs one of them")
        elif probe.grpc is not None:
            service = [f"-service={probe.grpc.service}"] if probe.grpc.service else []
            command = ["CMD", "grpc_health_probe", f"-addr=127.0.0.1:{probe.grpc.port}",
                       *service]
            self.entry.lossy(f"{path}/grpc", "runs grpc_health_probe inside the container: "
                             "add it to the image (Kubernetes calls the gRPC health service "
                             "itself)", to)
        else:
            self.entry.unsupported(path, "the probe has no handler")
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
        startup probe's whole budget (initial delay + period x failure threshold); behind a
        load balancer the budget also sets the service's HealthCheckGracePeriodSeconds."""
        budget = startup_budget(probe)
        grace = f"the service's HealthCheckGracePeriodSeconds ({budget}s) when it is behind " \
            "a load balancer"
        if check is None:
            self.entry.lossy(path, f"ECS has no startup probe and this container no liveness "
                             f"check to delay: only {grace}")
            return
        low, high = HEALTH_LIMITS["StartPeriod"]
        check["StartPeriod"] = min(max(check["StartPeriod"], budget, low), high)
        to = self.to(f"{at}/HealthCheck/StartPeriod")
        if budget > high:
            self.entry.lossy(path, f"needs {budget}s to start; ECS allows a StartPeriod of "
                             f"{high}s at most; and {grace}", to)
        else:
            self.entry.lossy(path, f"becomes StartPeriod {check['StartPeriod']}s of the health "
                             f"check (failures are ignored that long, successes end it early) "
                             f"and {grace}", to)

    def readiness(self, probe: Probe, path: str) -> None:
        """Readiness gates traffic: on ECS only a load balancer's target group does that, and
        the Ingress rule builds its health check from this probe (health_check_target)."""
        if probe.http_get is not None:
            self.entry.mapped(path, None, "becomes the health check of the load balancer "
                              "target group in front of this container (path, port, scheme, "
                              "interval, timeout, thresholds; 2 successes at least); without "
                              "a load balancer ECS has no readiness gate")
        else:
            self.entry.lossy(path, "a load balancer target group checks over HTTP only: it "
                             "requests the healthcheck-path annotation, else /, on the traffic "
                             "port; without a load balancer ECS has no readiness gate")

    def _port_number(self, c: Container, port: int | str, path: str) -> int | str:
        number = probe_port(c, port)
        if number is None:
            self.entry.unsupported(path, f"port name {port!r} is not declared by {c.name}")
            return port
        return number


def _demand(c: Container) -> tuple[int, int]:
    """(cpu units, memory MiB) a container needs: the larger of its request and limit."""
    req, lim = c.resources.requests, c.resources.limits
    return (max(quantity.cpu_units(req.get("cpu", 0)), quantity.cpu_units(lim.get("cpu", 0))),
            max(quantity.memory_mib(req.get("memory", 0)),
                quantity.memory_mib(lim.get("memory", 0))))


def _plus(a: tuple[int, int], b: tuple[int, int]) -> tuple[int, int]:
    return a[0] + b[0], a[1] + b[1]


def _most(a: tuple[int, int], b: tuple[int, int]) -> tuple[int, int]:
    return max(a[0], b[0]), max(a[1], b[1])


def _storage(c: Container) -> Decimal:
    """Bytes of ephemeral storage a container needs: the larger of its request and limit."""
    return max(quantity.parse(c.resources.requests.get("ephemeral-storage", 0)),
               quantity.parse(c.resources.limits.get("ephemeral-storage", 0)))


def _waits_for(c: Container, definition: dict[str, Any]) -> dict[str, str]:
    """The DependsOn entry of the container that starts after init container `c`."""
    if not c.native_sidecar:
        condition = "SUCCESS"
    elif c.startup_probe is not None and "HealthCheck" in definition:
        condition = "HEALTHY"  # Kubernetes waits for a sidecar's startup probe
    else:
        condition = "START"
    return {"ContainerName": c.name, "Condition": condition}




def _set(model: Any, camel_name: str) -> bool:
    """Whether the manifest gave this field (by its Kubernetes name)."""
    fields = type(model).model_fields
    return any((fields[name].alias if name in fields else name) == camel_name
               for name in model.model_fields_set)
