"""Pod-level fields: registry credentials, the runtime platform, process and host
namespaces, DNS, the service account, the stop timeout, and the scheduling fields that mean
nothing on Fargate."""

from __future__ import annotations

import re
from typing import Any

from mappings import rbac, secretsource
from mappings.pod.state import PodState, given
from translator.cfn import Ref
from translator.load import escape_pointer_token
from translator.models import ServiceAccount
from translator.plan import Parameter

IRSA_ANNOTATION = "eks.amazonaws.com/role-arn"
# an IAM role ARN as CloudFormation checks it (cfn-lint W1030 on AWS::IAM::Role.Arn): what
# kustomize bases carry instead (arn:aws:iam::ACCOUNT_ID:role/x, ${ROLE}) is a placeholder
IAM_ROLE_ARN = re.compile(r"arn:aws[a-zA-Z-]*:iam::\d{12}:role/.+")
PLACEHOLDER_ROLE = "not an ARN: placeholder, fill in TaskRoleArn"


def irsa_role(account: ServiceAccount) -> tuple[str | None, bool]:
    """The ServiceAccount's IRSA annotation, and whether it is a role ARN (not a placeholder)."""
    arn = account.metadata.annotations.get(IRSA_ANNOTATION)
    return arn, arn is not None and IAM_ROLE_ARN.fullmatch(arn) is not None
ECS_STOP_TIMEOUT = 30  # seconds, on Fargate; Kubernetes' grace period defaults to 30 too

# The execution role pulls from ECR itself; registry credentials are for other registries.
ECR_IMAGE = re.compile(r"^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(\.cn)?/")

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

# What this module may claim, relative to the pod spec (see mappings/__init__.py).
POD_FIELDS = (
    "/serviceAccountName", "/restartPolicy", "/terminationGracePeriodSeconds",
    "/imagePullSecrets/*", "/nodeSelector/*", "/os/name", "/shareProcessNamespace",
    "/hostNetwork", "/hostPID", "/hostIPC", "/dnsPolicy", *(f"/{name}" for name in SCHEDULING_FIELDS),
)

Credentials = tuple[str, Parameter]  # the parameter naming the registry login, and its name


def pull_credentials(state: PodState) -> Credentials | None:
    """The Secrets Manager secret ECS pulls private images with: a parameter, since the
    Kubernetes Secret holds a docker config, not the username/password JSON ECS reads."""
    secrets = state.pod.image_pull_secrets
    path = f"{state.base}/imagePullSecrets"
    for j, extra in enumerate(secrets[1:], start=1):
        state.entry.lossy(f"{path}/{j}", f"ECS takes one registry credential per container: "
                          f"{extra.name} is not used; merge the registries' logins or give "
                          "each registry's images their own credential")
    if not secrets:
        return None
    name = secrets[0].name
    return secretsource.arn_parameter(
        f"{state.namespace}-{name}-pull" if state.ctx.multi_namespace else f"{name}-pull",
        f"ARN of the Secrets Manager secret with the registry login of Kubernetes Secret "
        f"{state.namespace}/{name}, as JSON {{\"username\": ..., \"password\": ...}}",
        f"arn:aws:secretsmanager:{state.ctx.options.region}:123456789012:secret:{name}-AbCdEf")


def repository_credentials(state: PodState, credentials: Credentials | None, image: str,
                           at: str) -> dict[str, Any] | None:
    """A container's RepositoryCredentials, when its image is outside ECR."""
    if credentials is None or ECR_IMAGE.match(image):
        return None
    param, parameter = credentials
    state.frag.put(state.stack, "Parameters", param, parameter)
    state.read("secretsmanager:GetSecretValue", Ref(param))
    state.entry.mapped(f"{state.base}/imagePullSecrets/0",
                       state.to(f"{at}/RepositoryCredentials/CredentialsParameter"),
                       f"parameter {param}: a Secrets Manager secret with the "
                       "registry's username and password as JSON (a docker config "
                       "does not fit)")
    return {"CredentialsParameter": Ref(param)}


def unused_credentials(state: PodState, credentials: Credentials | None,
                       containers: list[dict[str, Any]]) -> None:
    if credentials is not None and not any("RepositoryCredentials" in c for c in containers):
        state.entry.ignored(f"{state.base}/imagePullSecrets/0", "every image is in ECR, which "
                            "the execution role pulls from without credentials")


def runtime_platform(state: PodState) -> dict[str, str]:
    platform = {"OperatingSystemFamily": "LINUX", "CpuArchitecture": "X86_64"}
    entry = state.entry
    for key, value in state.pod.node_selector.items():
        path = f"{state.base}/nodeSelector/{escape_pointer_token(key)}"
        if key in ARCH_LABELS and value in ARCHITECTURES:
            platform["CpuArchitecture"] = ARCHITECTURES[value]
            entry.mapped(path, state.to("/RuntimePlatform/CpuArchitecture"))
        elif key in ARCH_LABELS:
            entry.unsupported(path, f"Fargate runs amd64 and arm64 only, not {value}")
        elif key in OS_LABELS:
            _operating_system(state, value, path)
        elif key == "eks.amazonaws.com/compute-type":
            entry.ignored(path, "the task runs on Fargate")
        elif key.startswith("topology.kubernetes.io/") or "zone" in key:
            entry.ignored(path, "the SubnetIds parameter decides the Availability Zones")
        else:
            entry.ignored(path, "Fargate has no nodes: node labels select nothing")
    os = (state.pod.model_extra or {}).get("os")
    if isinstance(os, dict) and "name" in os:
        _operating_system(state, str(os["name"]), f"{state.base}/os/name")
    return platform


def _operating_system(state: PodState, name: str, path: str) -> None:
    if name == "linux":
        state.entry.mapped(path, state.to("/RuntimePlatform/OperatingSystemFamily"))
    else:
        state.entry.unsupported(path, "only Linux pods are mapped: Fargate runs Windows "
                                "containers with a WINDOWS_SERVER_* platform family, Windows "
                                "images and 1 vCPU at least; translate this pod by hand")


def pod_fields(state: PodState, task: dict[str, Any]) -> None:
    """Process, host and DNS settings, and the scheduling fields (PidMode goes on `task`)."""
    pod, base, entry = state.pod, state.base, state.entry
    if pod.share_process_namespace:
        task["PidMode"] = "task"
        entry.mapped(f"{base}/shareProcessNamespace", state.to("/PidMode"),
                     "needs Fargate platform 1.4.0 or later")
    elif given(pod, "shareProcessNamespace"):
        entry.ignored(f"{base}/shareProcessNamespace", "each container has its own "
                      "process namespace, as on ECS by default")
    for name, flag, why in (
        ("hostNetwork", pod.host_network, "Fargate tasks have their own network interface "
         "(awsvpc): the host's network is out of reach"),
        ("hostPID", pod.host_pid, "Fargate hides the host's processes; "
         "shareProcessNamespace (PidMode task) shares the task's"),
        ("hostIPC", pod.host_ipc, "Fargate supports no IPC namespace sharing (IpcMode)"),
    ):
        if flag:
            entry.unsupported(f"{base}/{name}", why)
        elif given(pod, name):
            entry.ignored(f"{base}/{name}", "false is the only way on Fargate")
    extra = pod.model_extra or {}
    dns_policy = extra.get("dnsPolicy")
    if dns_policy == "None":
        entry.unsupported(f"{base}/dnsPolicy", "Fargate tasks always use the VPC "
                          "resolver; point it elsewhere with DHCP options or Route 53 "
                          "Resolver rules")
    elif dns_policy is not None:
        entry.ignored(f"{base}/dnsPolicy", "tasks resolve through the VPC resolver, "
                      "which answers the Cloud Map service names")
    if "dnsConfig" in extra:
        entry.unsupported(f"{base}/dnsConfig", "ECS DnsServers and DnsSearchDomains "
                          "are not supported in awsvpc mode (Fargate): set them with "
                          "the VPC's DHCP options or Route 53 Resolver rules")
    if "hostAliases" in extra:
        entry.unsupported(f"{base}/hostAliases", "ECS ExtraHosts is not supported in "
                          "awsvpc mode (Fargate): add the names to a Route 53 private "
                          "hosted zone, or append them to /etc/hosts in the entrypoint")
    for name in ("hostname", "subdomain"):
        if name in extra:
            entry.unsupported(f"{base}/{name}", "ECS Hostname is not supported in "
                              "awsvpc mode; other tasks reach this one by its Cloud "
                              "Map name")
    for name, why in SCHEDULING_FIELDS.items():
        if name in extra:
            entry.ignored(f"{base}/{name}", why)


def service_account(state: PodState) -> None:
    name = state.pod.service_account_name
    path = f"{state.base}/serviceAccountName"
    granted = rbac.grants(state.ctx, state.namespace, name or "default")
    if granted:
        state.entry.lossy(path, f"ServiceAccount {name or 'default'} may use the Kubernetes "
                          f"API ({'; '.join(granted)}): {rbac.NO_API}, so what the app reads "
                          "or changes there (pods to discover, ConfigMaps to watch, leases) "
                          "must come from elsewhere: ECS task metadata, Cloud Map, or AWS APIs "
                          "through its task role")
    if name is None:
        return
    account = state.ctx.find(ServiceAccount, state.namespace, name)
    if account is None and name == "default":  # every namespace has one, rarely with IRSA
        if not granted:  # else the lossy item above says what it loses
            state.entry.ignored(path, "the namespace's default ServiceAccount, as when not "
                                "written: the tasks get no IAM role of the app's (if the "
                                "cluster's default ServiceAccount carried an IRSA role, give the "
                                "task definition that TaskRoleArn)")
    elif account is None:
        state.entry.unsupported(path, f"ServiceAccount {name} is not in the input: give the "
                                "task definition its IAM role (TaskRoleArn) by hand")
    elif IRSA_ANNOTATION in account.metadata.annotations:
        state.entry.mapped(path, state.to("/TaskRoleArn"),
                           "the ServiceAccount's IAM role (IRSA) becomes the task role")
    else:
        state.entry.ignored(path, f"ServiceAccount {name} has no IAM role (IRSA): the app needs "
                            "no AWS permissions of its own")


def restart_policy(state: PodState) -> None:
    if state.pod.model_extra and state.pod.model_extra.get("restartPolicy") == "Always":
        state.entry.ignored(f"{state.base}/restartPolicy", "ECS services replace stopped tasks")


def stop_timeout(state: PodState, containers: list[dict[str, Any]]) -> None:
    """terminationGracePeriodSeconds becomes every container's StopTimeout."""
    grace = state.pod.termination_grace_period_seconds
    grace_path = f"{state.base}/terminationGracePeriodSeconds"
    if grace == ECS_STOP_TIMEOUT:  # both defaults: written or not, the same template
        state.entry.mapped(grace_path, None, "30 s is also ECS's default StopTimeout")
    elif grace is not None:
        stop = min(max(grace, 2), 120)  # ECS StopTimeout range on Fargate
        for container in containers:
            container["StopTimeout"] = stop
        to = state.to("/ContainerDefinitions/0/StopTimeout")
        if stop != grace:
            state.entry.lossy(grace_path, f"ECS allows 2-120 s: StopTimeout {stop}", to)
        else:
            state.entry.mapped(grace_path, to)
