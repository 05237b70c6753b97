"""Security contexts (pod and container) and Linux capabilities: what ECS can set on a
Fargate container (User, ReadonlyRootFilesystem, capabilities, network sysctls), and why
the rest cannot be enforced there."""

from __future__ import annotations

from typing import Any

from pydantic.alias_generators import to_camel

from mappings.pod.state import PodState, given
from translator.models import Container, SecurityContext

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
# The user fields a container inherits from the pod's security context.
INHERITED = ("run_as_user", "run_as_group", "run_as_non_root")

# What this module may claim, relative to a container and to the pod spec.
CONTAINER_FIELDS = tuple(f"securityContext/{name}" for name in (
    "runAsUser", "runAsGroup", "runAsNonRoot", "readOnlyRootFilesystem", "privileged",
    "allowPrivilegeEscalation", "capabilities/add/*", "capabilities/drop/*",
    "seccompProfile", "procMount"))
POD_FIELDS = tuple(f"/securityContext/{name}" for name in (
    "runAsUser", "runAsGroup", "runAsNonRoot", "fsGroup", "fsGroupChangePolicy", "sysctls/*",
    "seccompProfile"))


def container_security(state: PodState, c: Container, path: str, at: str,
                       out: dict[str, Any]) -> None:
    """The container's security context (and what it inherits from the pod's) on `out`."""
    entry = state.entry
    pod_level = state.pod.security_context or SecurityContext()
    own = c.security_context or SecurityContext()
    here = f"{path}/securityContext"

    def effective(name: str) -> tuple[Any, str]:
        """The container's value of a field, else the pod's, with where it came from."""
        if getattr(own, name) is not None:
            return getattr(own, name), f"{here}/{to_camel(name)}"
        if getattr(pod_level, name) is not None:
            return getattr(pod_level, name), f"{state.base}/securityContext/{to_camel(name)}"
        return None, ""

    user, user_from = effective("run_as_user")
    group, group_from = effective("run_as_group")
    to_user = state.to(f"{at}/User")
    if user is not None:
        out["User"] = str(user) if group is None else f"{user}:{group}"
        entry.mapped(user_from, to_user)
        if group is not None:
            entry.mapped(group_from, to_user)
    elif group is not None:
        entry.unsupported(group_from, "ECS sets a group only with a user (User "
                          "uid:gid): set runAsUser too")
    non_root, non_root_from = effective("run_as_non_root")
    if non_root and user is None:
        entry.lossy(non_root_from, "ECS does not refuse an image that runs as root: "
                    "set runAsUser so that User names a non-root uid")
    elif non_root and user == 0:
        entry.unsupported(non_root_from, "runAsUser 0 contradicts runAsNonRoot: "
                          "Kubernetes would not start this container")
    elif non_root:
        entry.mapped(non_root_from, to_user, f"User {user} is not root")
    elif non_root is False:
        entry.ignored(non_root_from, "ECS runs the image's user unless User is set")
    if own.read_only_root_filesystem is not None:
        out["ReadonlyRootFilesystem"] = own.read_only_root_filesystem
        entry.mapped(f"{here}/readOnlyRootFilesystem", state.to(f"{at}/ReadonlyRootFilesystem"))
    if own.privileged:
        entry.unsupported(f"{here}/privileged", "Fargate runs no privileged "
                          "containers: grant only the capabilities it needs, or run "
                          "it on ECS with EC2 instances")
    elif own.privileged is False:
        entry.ignored(f"{here}/privileged", "no container is privileged on Fargate")
    if own.allow_privilege_escalation is False:
        entry.lossy(f"{here}/allowPrivilegeEscalation", "Fargate cannot set "
                    "no-new-privileges (ECS DockerSecurityOptions is not supported "
                    "there): drop capabilities (drop: [ALL]) to bound what a process "
                    "can gain")
    elif own.allow_privilege_escalation:
        entry.ignored(f"{here}/allowPrivilegeEscalation", "the container default")
    if own.capabilities is not None:
        capabilities = _capabilities(state, own.capabilities.add, own.capabilities.drop,
                                     f"{here}/capabilities", at)
        if capabilities:
            out["LinuxParameters"] = {"Capabilities": capabilities}
    _unenforceable(state, own, here)


def _capabilities(state: PodState, add: list[str], drop: list[str], path: str,
                  at: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for key, names in (("Add", add), ("Drop", drop)):
        kept: list[str] = []
        for j, raw in enumerate(names):
            name = raw.upper().removeprefix("CAP_")
            field_path = f"{path}/{key.lower()}/{j}"
            if name not in CAPABILITIES:
                state.entry.unsupported(field_path, f"ECS knows no capability {raw}")
            elif key == "Add" and name not in FARGATE_ADDABLE:
                state.entry.unsupported(field_path, f"Fargate lets a container add "
                                        f"SYS_PTRACE only, not {name}")
            else:
                state.entry.mapped(field_path, state.to(
                    f"{at}/LinuxParameters/Capabilities/{key}/{len(kept)}"))
                kept.append(name)
        if kept:
            out[key] = kept
    return out


def _unenforceable(state: PodState, context: SecurityContext, path: str) -> None:
    """Security fields Fargate offers no setting for (pod or container level)."""
    extra = context.model_extra or {}
    seccomp = extra.get("seccompProfile")
    if isinstance(seccomp, dict) and seccomp.get("type") == "RuntimeDefault":
        state.entry.lossy(f"{path}/seccompProfile", "Fargate takes no seccomp setting "
                          "(ECS DockerSecurityOptions is not supported there): Fargate "
                          "applies its own")
    elif seccomp is not None:
        state.entry.unsupported(f"{path}/seccompProfile", "Fargate takes no seccomp "
                                "profile: a custom or unconfined profile cannot be set")
    for name, why in (
        ("appArmorProfile", "Fargate takes no AppArmor profile (ECS DockerSecurityOptions "
         "is not supported there)"),
        ("seLinuxOptions", "Fargate takes no SELinux labels (ECS DockerSecurityOptions is "
         "not supported there)"),
        ("windowsOptions", "only Linux pods are mapped"),
    ):
        if name in extra:
            state.entry.unsupported(f"{path}/{name}", why)
    if "procMount" in extra:
        state.entry.ignored(f"{path}/procMount", "Fargate mounts /proc the default way")


def pod_security(state: PodState, containers: list[dict[str, Any]]) -> None:
    """The pod's security context: what no container inherited, sysctls (on every
    container), and what Fargate cannot enforce."""
    context = state.pod.security_context
    if context is None:
        return
    entry = state.entry
    path = f"{state.base}/securityContext"
    inherited = {to_camel(name) for name in INHERITED
                 if any(getattr(c.security_context or SecurityContext(), name) is None
                        for c in state.pod.every_container)
                 and getattr(context, name) is not None}
    for name in ("runAsUser", "runAsGroup", "runAsNonRoot"):
        if given(context, name) and name not in inherited:
            entry.ignored(f"{path}/{name}", "every container sets its own")
    if context.supplemental_groups:
        entry.unsupported(f"{path}/supplementalGroups", "ECS gives a container one "
                          "group only (User uid:gid)")
    extra = context.model_extra or {}
    if "fsGroupChangePolicy" in extra:
        entry.ignored(f"{path}/fsGroupChangePolicy", "Fargate has no fsGroup")
    sysctls = extra.get("sysctls")
    if isinstance(sysctls, list):
        controls = []
        for j, sysctl in enumerate(sysctls):
            name = str(sysctl.get("name", "")) if isinstance(sysctl, dict) else ""
            if name.startswith("net."):
                controls.append({"Namespace": name, "Value": str(sysctl.get("value", ""))})
                entry.mapped(f"{path}/sysctls/{j}", state.to(
                    f"/ContainerDefinitions/0/SystemControls/{len(controls) - 1}"),
                    "set on every container (awsvpc shares them); Fargate platform 1.4.0+")
            else:
                entry.unsupported(f"{path}/sysctls/{j}", "Fargate sets only network "
                                  "(net.*) kernel parameters: it has no IPC mode")
        if controls:
            for definition in containers:
                definition["SystemControls"] = controls
    _unenforceable(state, context, path)


def fs_group(state: PodState) -> None:
    """fsGroup, unless a claim's EFS access point or EBS volume already accounted for it."""
    context = state.pod.security_context
    path = f"{state.base}/securityContext/fsGroup"
    if context is None or context.fs_group is None \
            or any(f.path == path for f in state.entry.fields):
        return
    state.entry.lossy(path, "Fargate has no fsGroup: files on volumes keep their owner "
                      "(an EFS access point can set the uid/gid)")
