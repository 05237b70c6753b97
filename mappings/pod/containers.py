"""Container definitions: app containers first, all essential (ECS replaces the task when
one stops, where the kubelet would restart the container); init containers after them,
non-essential, chained with DependsOn SUCCESS; a native sidecar (an init container with
restartPolicy Always) is non-essential with an ECS RestartPolicy, and what starts after it
waits for START (HEALTHY when it has a startup probe).

Each definition is assembled here from the other modules' parts: env, resources, probes,
security context, registry credentials."""

from __future__ import annotations

from typing import Any

from mappings import vpc_endpoints
from mappings.pod import env, ports, probes, resources, security
from mappings.pod.pod_level import Credentials, repository_credentials
from mappings.pod.state import PodState
from translator.cfn import Ref
from translator.context import pascal
from translator.models import Container
from translator.plan import Parameter

# Container fields with no ECS meaning.
CONTAINER_IGNORED = {
    "terminationMessagePath": "ECS records the exit code and stopped reason of each container "
                              "instead",
    "terminationMessagePolicy": "ECS records the exit code and stopped reason of each "
                                "container instead",
    "stdinOnce": "ECS keeps stdin open for the container's whole life (Interactive)",
    "resizePolicy": "a running Fargate task cannot be resized",
}

# What this module may claim, relative to a container (app or init).
CONTAINER_FIELDS = (
    "name", "image", "imagePullPolicy", "command", "command/*", "args", "args/*", "workingDir", "ports/*",
    "ports/*/hostPort", "stdin", "tty", "restartPolicy", *CONTAINER_IGNORED,
)


def app_containers(state: PodState, credentials: Credentials | None) -> list[dict[str, Any]]:
    return [container(state, c, i, f"{state.base}/containers/{i}", credentials)
            for i, c in enumerate(state.pod.containers)]


def init_containers(state: PodState, apps: list[dict[str, Any]],
                    credentials: Credentials | None) -> list[dict[str, Any]]:
    """Init containers run in order before the app containers: each is non-essential and
    the next step waits for it (SUCCESS; a native sidecar only has to start, or pass its
    health check when it has a startup probe)."""
    entry = state.entry
    out: list[dict[str, Any]] = []
    wait: dict[str, str] | None = None
    for j, c in enumerate(state.pod.init_containers):
        path = f"{state.base}/initContainers/{j}"
        at = f"/ContainerDefinitions/{len(apps) + j}"
        definition = container(state, c, len(apps) + j, path, credentials,
                               one_shot=not c.native_sidecar)
        definition["Essential"] = False
        if wait is not None:
            definition["DependsOn"] = [wait]
        wait = _waits_for(c, definition)
        if c.native_sidecar:
            # Kubernetes restarts a sidecar that exits, without touching the app
            definition["RestartPolicy"] = {"Enabled": True, "RestartAttemptPeriod": 60}
            entry.lossy(f"{path}/restartPolicy", "native sidecar: a non-essential "
                        "container ECS restarts in place when it exits, but only after "
                        "it ran 60 s (Kubernetes restarts at once, then backs off), and "
                        "not when its health check fails; the next containers wait "
                        f"for it to {wait['Condition']}", state.to(f"{at}/RestartPolicy"))
        else:
            entry.mapped(f"{path}/name", state.to(f"{at}/Essential"),
                         "init container: non-essential; the next containers start "
                         "once it exits 0 (DependsOn SUCCESS); if it fails, ECS stops "
                         "the task and the service starts a new one")
        out.append(definition)
    if wait is not None:
        for j, app in enumerate(apps):
            app["DependsOn"] = [wait]
            entry.mapped(f"{state.base}/containers/{j}/name",
                         state.to(f"/ContainerDefinitions/{j}/DependsOn"),
                         f"starts after init container {wait['ContainerName']} "
                         f"({wait['Condition']})")
    return out


def container(state: PodState, c: Container, i: int, path: str,
              credentials: Credentials | None, *, one_shot: bool = False) -> dict[str, Any]:
    """Container definition `i`, for the container at `path`; `one_shot` for an init
    container that runs to completion before the app."""
    entry = state.entry
    at = f"/ContainerDefinitions/{i}"
    image_param = f"{pascal(c.name)}Image"
    state.frag.put(state.stack, "Parameters", image_param, Parameter(
        "String", f"Image of container {c.name} (as it ran on EKS)", default=c.image))
    out: dict[str, Any] = {"Name": c.name, "Image": Ref(image_param), "Essential": True}
    entry.mapped(f"{path}/name", state.to(f"{at}/Name"))
    outside = vpc_endpoints.image_outside(c.image, image_param, state.ctx)
    if outside is None:
        entry.mapped(f"{path}/image", state.to(f"{at}/Image"),
                     f"default of parameter {image_param}")
    else:
        entry.lossy(f"{path}/image", outside, state.to(f"{at}/Image"))
    if c.image_pull_policy is not None:
        entry.ignored(f"{path}/imagePullPolicy", "Fargate pulls the image at task start")
    if c.command:
        out["EntryPoint"] = env.words(state, c, c.command, f"{path}/command")
        entry.mapped(f"{path}/command", state.to(f"{at}/EntryPoint"))
    if c.args:
        out["Command"] = env.words(state, c, c.args, f"{path}/args")
        entry.mapped(f"{path}/args", state.to(f"{at}/Command"))
    if c.working_dir:
        out["WorkingDirectory"] = c.working_dir
        entry.mapped(f"{path}/workingDir", state.to(f"{at}/WorkingDirectory"))
    for flag, prop in (("stdin", "Interactive"), ("tty", "PseudoTerminal")):
        if getattr(c, flag):
            out[prop] = True
            entry.mapped(f"{path}/{flag}", state.to(f"{at}/{prop}"))
    registry = repository_credentials(state, credentials, c.image, at)
    if registry is not None:
        out["RepositoryCredentials"] = registry
    security.container_security(state, c, path, at, out)
    _lifecycle(state, c, path)
    port_mappings = _ports(state, c, i, path, at)
    if port_mappings is not None:
        out["PortMappings"] = port_mappings
    environment, secrets = env.environment(state, c, path, at)
    if environment:
        out["Environment"] = environment
    if secrets:
        out["Secrets"] = secrets
    if one_shot:
        resources.init_resources(state, c, path)
    else:
        resources.container_resources(state, c, path, at, out)
    probes.container_checks(state, c, path, at, out)
    out["LogConfiguration"] = {
        "LogDriver": "awslogs",
        "Options": {
            "awslogs-group": Ref("LogGroup"),
            "awslogs-region": Ref("AWS::Region"),
            "awslogs-stream-prefix": c.name,
        },
    }
    return out


def _ports(state: PodState, c: Container, i: int, path: str, at: str
           ) -> list[dict[str, Any]] | None:
    """Container definition `i`'s PortMappings: its declared ports, and the ones it is
    reached on without declaring them (None when there are none)."""
    for j, port in enumerate(c.ports):
        if port.protocol == "SCTP":
            state.entry.unsupported(f"{path}/ports/{j}", "Fargate has no SCTP")
        if port.host_port is not None:
            state.entry.ignored(f"{path}/ports/{j}/hostPort",
                                "awsvpc tasks listen on the container port")
    mapped = ports.port_mappings(state.pod, state.reached)[i]
    out: list[dict[str, Any]] = []
    for k, m in enumerate(mapped):
        mapping: dict[str, Any] = {"ContainerPort": m.port, "Protocol": m.protocol.lower()}
        name = m.name or (state.sc_names or {}).get((c.name, m.port))
        if name:
            mapping["Name"] = name
        out.append(mapping)
        if m.declared is not None:
            state.entry.mapped(f"{path}/ports/{m.declared}", state.to(f"{at}/PortMappings/{k}"))
        else:
            state.entry.notes.append(f"container {c.name} declares no port {m.port}, yet "
                                     f"{m.why}: it is mapped, as Kubernetes reaches it")
    return out or None


def _lifecycle(state: PodState, c: Container, path: str) -> None:
    """Lifecycle hooks, which ECS lacks, and container fields with no ECS meaning."""
    lifecycle = (c.model_extra or {}).get("lifecycle")
    if isinstance(lifecycle, dict):
        if "preStop" in lifecycle:
            state.entry.unsupported(f"{path}/lifecycle/preStop", "ECS sends SIGTERM and "
                                    "waits StopTimeout with no hook: run this step from a "
                                    "SIGTERM handler in the entrypoint")
        if "postStart" in lifecycle:
            state.entry.unsupported(f"{path}/lifecycle/postStart", "ECS has no start hook: "
                                    "run this step from the entrypoint, before the app")
    for name, why in CONTAINER_IGNORED.items():
        if name in (c.model_extra or {}):
            state.entry.ignored(f"{path}/{name}", why)


def _waits_for(c: Container, definition: dict[str, Any]) -> dict[str, str]:
    """The DependsOn entry of the container that starts after init container `c`."""
    if not c.native_sidecar:
        condition = "SUCCESS"
    elif c.startup_probe is not None and "HealthCheck" in definition:
        condition = "HEALTHY"  # Kubernetes waits for a sidecar's startup probe
    else:
        condition = "START"
    return {"ContainerName": c.name, "Condition": condition}
