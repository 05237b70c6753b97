"""Probes: a liveness probe becomes the container's ECS health check, a startup probe its
StartPeriod, a readiness probe the health check of the load-balancer target group in front
of it, and the probes together the service's health-check grace period."""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from typing import Any

from mappings.pod.state import TASK, PodState, given
from translator.context import HEALTH_CHECKS
from translator.models import Container, KubeObject, Probe
from translator.plan import Fragment, Target

# ECS container health-check limits (FACTS: Interval 5-300, Timeout 2-60, Retries 1-10,
# StartPeriod 0-300).
HEALTH_LIMITS = {"Interval": (5, 300), "Timeout": (2, 60), "Retries": (1, 10),
                 "StartPeriod": (0, 300)}
_TIMING = ("periodSeconds", "timeoutSeconds", "failureThreshold", "initialDelaySeconds",
           "successThreshold")

# What this module may claim, relative to a container.
CONTAINER_FIELDS = (
    "livenessProbe", "livenessProbe/exec", "livenessProbe/httpGet", "livenessProbe/tcpSocket",
    "livenessProbe/grpc",
    *(f"{probe}/{timing}" for probe in ("livenessProbe", "readinessProbe") for timing in _TIMING),
    "readinessProbe", "startupProbe",
)


# A GRPC target group calls the standard health service with an empty request (the whole
# server); the ALB matcher reads only the gRPC status code, and OK (0) means the service
# answered: https://github.com/grpc/grpc/blob/master/doc/health-checking.md
# https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html
GRPC_HEALTH_CHECK = "/grpc.health.v1.Health/Check"
GRPC_SERVING = "0"

HEALTH_CHECK_ANNOTATION = "eks2ecs.io/health-check"
ANNOTATION_FIELD = "/metadata/annotations/eks2ecs.io~1health-check"


def health_check_mode(obj: KubeObject, frag: Fragment, default: str = "auto") -> str:
    """How the workload's httpGet/grpc/tcpSocket probes become checks: its annotation, else
    `default` (the --health-check option). `auto`: the target group behind a load balancer,
    else nothing and a needs-a-human item; `shell`: curl or wget, nc or bash, also run in the
    container; `grpc`: grpc_health_probe also run in the container; `target-group`: only the
    target group, no item for a probe none checks; `none`: no container check at all."""
    raw = obj.metadata.annotations.get(HEALTH_CHECK_ANNOTATION)
    if raw is None:
        if default != "auto":
            frag.entry.notes.append(f"health checks: {default} (--health-check)")
        return default
    if raw not in HEALTH_CHECKS:
        frag.entry.lossy(ANNOTATION_FIELD, f"{raw!r} is none of {', '.join(HEALTH_CHECKS)}: "
                         f"{default} used")
        return default
    frag.entry.mapped(ANNOTATION_FIELD, None, f"health checks: {raw}")
    return raw


def container_checks(state: PodState, c: Container, path: str, at: str,
                     out: dict[str, Any]) -> None:
    """The container's HealthCheck on `out` when its liveness probe can run inside the
    container (delayed by the startup probe), and what its readiness probe becomes."""
    if c.liveness_probe is not None:
        probe_path = f"{path}/livenessProbe"
        if _runs_inside(state, c.liveness_probe):
            check = _health_check(state, c, c.liveness_probe, probe_path, at)
            if check is not None:
                out["HealthCheck"] = check
        else:
            _not_in_container(state, c, c.liveness_probe, probe_path)
    if c.readiness_probe is not None:
        _readiness(state, c, c.readiness_probe, f"{path}/readinessProbe")
    if c.startup_probe is not None:
        _startup(state, c, c.startup_probe, out.get("HealthCheck"), f"{path}/startupProbe", at)


def _runs_inside(state: PodState, probe: Probe) -> bool:
    """Whether a probe becomes a command run inside the container: an exec probe names the
    binary itself; the kubelet's own HTTP, TCP and gRPC checks only when the workload opts
    in (the image may have no shell, curl, wget or grpc_health_probe)."""
    mode = state.health_check
    if mode == "none":
        return False
    if probe.exec is not None:
        return True
    if probe.grpc is not None:
        return mode == "grpc"
    return mode == "shell"


def _handler(probe: Probe) -> str:
    if probe.http_get is not None:
        return f"an HTTP GET of {probe.http_get.path or '/'} on port {probe.http_get.port}"
    if probe.grpc is not None:
        return f"a gRPC health check on port {probe.grpc.port}"
    if probe.tcp_socket is not None:
        return f"a TCP connect to port {probe.tcp_socket.port}"
    return "a command"


def _not_in_container(state: PodState, c: Container, probe: Probe, path: str) -> None:
    """A liveness probe the kubelet ran from outside: on the target group behind a load
    balancer (ECS replaces tasks it finds unhealthy), else a choice for a human."""
    what = _handler(probe)
    if state.health_check == "none":
        state.entry.ignored(path, "health checks: none: no health check")
        return
    if c.name in state.balanced:
        if checked_probe(c) is not probe:
            state.entry.lossy(path, f"no container check: the load balancer's target group "
                              f"checks the readiness probe, and ECS replaces a task it finds "
                              f"unhealthy; this probe ({what}) is not run")
        elif probe.grpc is not None and _target_group_runs(state, c, probe):
            state.entry.lossy(path, f"becomes the gRPC health check of the load balancer target "
                              f"group in front of {c.name}, and ECS replaces a task it finds "
                              f"unhealthy; {_GRPC_LOSS}{_grpc_service(probe)}")
            _report_target_group_clamps(state, probe, path)
        elif _target_group_runs(state, c, probe):
            state.entry.mapped(path, None, f"becomes the health check of the load balancer "
                               f"target group in front of {c.name} ({what}); ECS replaces a "
                               "task the target group finds unhealthy, as the kubelet restarted "
                               "the container")
            _report_target_group_clamps(state, probe, path)
        else:
            state.entry.lossy(path, f"no container check: the load balancer's target group "
                              f"checks {c.name} over {_over(state, c)}, not {what}"
                              + _grpc_hint(state, c, probe))
        return
    if state.health_check == "target-group":
        state.entry.ignored(path, f"health checks: target-group, and no load balancer "
                            f"checks {c.name}: {what} is not run")
        return
    state.entry.lossy(path, f"needs a human: Kubernetes ran {what} from outside the "
                      f"container; ECS runs health checks inside image {c.image}, which may "
                      "have no shell, curl, wget or grpc_health_probe, so no check is made. "
                      "Choose: put it behind a load balancer (its target group checks it), "
                      f"annotate the workload {HEALTH_CHECK_ANNOTATION}: shell (curl or "
                      "wget, nc or bash in the image) or grpc (grpc_health_probe in the "
                      "image), or write an exec probe with a command the image has")


def _health_check(state: PodState, c: Container, probe: Probe, path: str,
                  at: str) -> dict[str, Any] | None:
    entry = state.entry
    to = state.to(f"{at}/HealthCheck")
    command: list[str]
    if probe.exec is not None:
        command = ["CMD", *probe.exec.command]
        entry.mapped(f"{path}/exec", to)
    elif probe.http_get is not None:
        get = probe.http_get
        port = _port_number(state, c, get.port, f"{path}/httpGet/port")
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
        entry.mapped(f"{path}/httpGet", to, "runs curl, else wget, inside the "
                     "container: the image needs one of them")
    elif probe.tcp_socket is not None:
        port = _port_number(state, c, probe.tcp_socket.port, f"{path}/tcpSocket/port")
        host = shlex.quote(probe.tcp_socket.host or "127.0.0.1")
        command = ["CMD-SHELL", f"nc -z {host} {port} || bash -c "
                   f"{shlex.quote(f'</dev/tcp/{host}/{port}')} || exit 1"]
        entry.mapped(f"{path}/tcpSocket", to, "runs nc, else bash's /dev/tcp, inside "
                     "the container: the image needs one of them")
    elif probe.grpc is not None:
        service = [f"-service={probe.grpc.service}"] if probe.grpc.service else []
        command = ["CMD", "grpc_health_probe", f"-addr=127.0.0.1:{probe.grpc.port}", *service]
        entry.lossy(f"{path}/grpc", "runs grpc_health_probe inside the container: "
                    "add it to the image (Kubernetes calls the gRPC health service "
                    "itself)", to)
    else:
        entry.unsupported(path, "the probe has no handler")
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
        target = Target(state.stack, f"{TASK}{at}/HealthCheck/{key}")
        if not given(probe, fields[key]):  # a Kubernetes default: said, not blamed on the author
            if clipped != value:
                entry.notes.append(f"{path}: {fields[key]} (Kubernetes' default {value}) "
                                   f"becomes {key} {clipped}, ECS's {low}-{high}")
        elif clipped != value:
            entry.lossy(field_path, f"{value} is outside ECS's {low}-{high}; {clipped} used",
                        target)
        else:
            entry.mapped(field_path, target)
    if probe.success_threshold != 1:
        entry.lossy(f"{path}/successThreshold", "ECS has no success threshold")
    elif probe.model_fields_set & {"success_threshold"}:
        entry.mapped(f"{path}/successThreshold", None, "one success, as on ECS")
    return check


def _startup(state: PodState, c: Container, probe: Probe, check: dict[str, Any] | None,
             path: str, at: str) -> None:
    """ECS has no startup probe: give the liveness check a StartPeriod as long as the
    startup probe's whole budget (initial delay + period x failure threshold); behind a
    load balancer the budget also sets the service's HealthCheckGracePeriodSeconds."""
    budget = startup_budget(probe)
    grace = f"the service's HealthCheckGracePeriodSeconds ({budget}s) when it is behind " \
        "a load balancer"
    if check is None:
        if c.name in state.balanced:
            state.entry.lossy(path, f"becomes the service's HealthCheckGracePeriodSeconds "
                              f"({health_check_grace(c)}s): the target group's failures are "
                              "ignored that long after a task starts")
        else:
            state.entry.lossy(path, "ECS has no startup probe and this container no "
                              f"health check to delay: only {grace}")
        return
    low, high = HEALTH_LIMITS["StartPeriod"]
    check["StartPeriod"] = min(max(check["StartPeriod"], budget, low), high)
    to = state.to(f"{at}/HealthCheck/StartPeriod")
    if budget > high:
        state.entry.lossy(path, f"needs {budget}s to start; ECS allows a StartPeriod of "
                          f"{high}s at most; and {grace}", to)
    else:
        state.entry.lossy(path, f"becomes StartPeriod {check['StartPeriod']}s of the health "
                          f"check (failures are ignored that long, successes end it early) "
                          f"and {grace}", to)


def _readiness(state: PodState, c: Container, probe: Probe, path: str) -> None:
    """Readiness gates traffic: on ECS only a load balancer's target group does that, and
    the load balancer builds its health check from this probe (target_group_check)."""
    if c.name not in state.balanced:
        if probe.http_get is not None:
            state.entry.mapped(path, None, "would become the health check of a load balancer "
                               "target group in front of this container; without a load "
                               "balancer ECS has no readiness gate")
        else:
            state.entry.lossy(path, "a load balancer target group checks over HTTP only; "
                              "without a load balancer ECS has no readiness gate")
    elif probe.grpc is not None and _target_group_runs(state, c, probe):
        state.entry.lossy(path, f"becomes the gRPC health check of the load balancer target "
                          f"group in front of this container ({GRPC_HEALTH_CHECK}, port, "
                          f"interval, timeout, thresholds; 2 successes at least); "
                          f"{_GRPC_LOSS}{_grpc_service(probe)}")
        _report_target_group_clamps(state, probe, path)
    elif _target_group_runs(state, c, probe):
        state.entry.mapped(path, None, "becomes the health check of the load balancer "
                           "target group in front of this container (path, port, scheme, "
                           "interval, timeout, thresholds; 2 successes at least)")
        _report_target_group_clamps(state, probe, path)
    else:
        state.entry.lossy(path, f"the load balancer's target group checks {c.name} over "
                          f"{_over(state, c)}, not {_handler(probe)}"
                          + _grpc_hint(state, c, probe))


# what a target group's gRPC check misses of the kubelet's
_GRPC_LOSS = (f"ALB passes gRPC code {GRPC_SERVING} (the health service answered), where the "
              "kubelet also wanted the answer SERVING: a server that says NOT_SERVING stays "
              "in service")


def _grpc_service(probe: Probe) -> str:
    service = probe.grpc.service if probe.grpc is not None else None
    return (f"; ALB asks about the whole server, not service {service!r}" if service else "")


def _target_group_runs(state: PodState, c: Container, probe: Probe) -> bool:
    """Whether the target group in front of the container runs this probe itself: an HTTP
    GET on an HTTP target group, a gRPC health check on a GRPC one."""
    grpc = state.balanced.get(c.name) == "GRPC"
    return probe.grpc is not None if grpc else probe.http_get is not None


def _over(state: PodState, c: Container) -> str:
    if state.balanced.get(c.name) == "GRPC":
        return "gRPC (the healthcheck-path annotation, else the controller's /AWS.ALB/healthcheck)"
    return "HTTP (the healthcheck-path annotation, else /)"


def _grpc_hint(state: PodState, c: Container, probe: Probe) -> str:
    if probe.grpc is None or state.balanced.get(c.name) == "GRPC":
        return ""
    return ("; a target group runs a grpc probe when the Ingress says "
            "alb.ingress.kubernetes.io/backend-protocol-version: GRPC, behind an HTTPS listener")


def _report_target_group_clamps(state: PodState, probe: Probe, path: str) -> None:
    """The probe timings the target group cannot take as written, on the fields the author
    wrote; a Kubernetes default the manifest left out is said as what it becomes."""
    check = _probe_timings(probe)
    defaults = []
    for field_name, key, value in (
            ("periodSeconds", "HealthCheckIntervalSeconds", probe.period_seconds),
            ("timeoutSeconds", "HealthCheckTimeoutSeconds", probe.timeout_seconds),
            ("failureThreshold", "UnhealthyThresholdCount", probe.failure_threshold),
            ("successThreshold", "HealthyThresholdCount", probe.success_threshold)):
        if check[key] == value:
            continue
        why = f"{check[key]} on the target group ({key}): " + (
            f"ELB takes {TG_LIMITS[_LIMIT_OF[key]][0]}-{TG_LIMITS[_LIMIT_OF[key]][1]}"
            if key != "HealthCheckTimeoutSeconds" or value < TG_LIMITS["timeout"][0]
            else f"it must be below the {check['HealthCheckIntervalSeconds']}s interval")
        if given(probe, field_name):
            state.entry.lossy(f"{path}/{field_name}", f"{value} becomes {why}")
        else:
            defaults.append(f"{field_name} (Kubernetes' default {value}) becomes {why}")
    if defaults:
        state.entry.notes.append(f"{path}: " + "; ".join(defaults))


_LIMIT_OF = {"HealthCheckIntervalSeconds": "interval", "HealthCheckTimeoutSeconds": "timeout",
             "UnhealthyThresholdCount": "threshold", "HealthyThresholdCount": "threshold"}


def _port_number(state: PodState, c: Container, port: int | str, path: str) -> int | str:
    number = probe_port(c, port)
    if number is None:
        state.entry.unsupported(path, f"port name {port!r} is not declared by {c.name}")
        return port
    return number


def probe_port(c: Container, port: int | str) -> int | None:
    """A probe's port as a number (a name is looked up among the container's ports)."""
    if isinstance(port, int):
        return port
    return next((p.container_port for p in c.ports if p.name == port), None)


def startup_budget(probe: Probe) -> int:
    """Seconds a startup probe allows: initial delay + period x failure threshold."""
    return probe.initial_delay_seconds + probe.period_seconds * probe.failure_threshold


# --- what a load balancer in front of the container takes from its probes ---------------


def checked_probe(container: Container) -> Probe | None:
    """The probe a target group checks: the readiness probe, else the liveness probe."""
    for probe in (container.readiness_probe, container.liveness_probe):
        if probe is not None and probe.http_get is not None:
            return probe
    return container.readiness_probe or container.liveness_probe


def health_check_grace(container: Container) -> int:
    """Seconds the ECS service ignores load-balancer health checks after a task starts: the
    startup probe's whole budget, or twice the checked probe's initial delay, 60 at least."""
    grace = 60
    checked, startup = checked_probe(container), container.startup_probe
    if checked is not None:
        grace = max(grace, checked.initial_delay_seconds * 2)
    if startup is not None:
        grace = max(grace, startup_budget(startup))
    return grace


def health_check_target(c: Container, traffic_port: int) -> dict[str, str]:
    """Target-group health-check port and protocol from the readiness probe, when they
    differ from the traffic the target group sends (a management port, say)."""
    probe = checked_probe(c)
    get = probe.http_get if probe is not None else None
    if get is None:
        return {}
    out = {}
    port = probe_port(c, get.port)
    if port is not None and port != traffic_port:
        out["HealthCheckPort"] = str(port)
    if get.scheme == "HTTPS":
        out["HealthCheckProtocol"] = "HTTPS"
    return out


TG_LIMITS = {"interval": (5, 300), "timeout": (2, 120), "threshold": (2, 10)}


def grpc_check(container: Container, traffic_port: int) -> dict[str, Any]:
    """A GRPC target group's check from the container's grpc probe: the health service, OK,
    on the probe's port; nothing when the probe it checks is not a grpc probe."""
    probe = checked_probe(container)
    if probe is None or probe.grpc is None:
        return {}
    out: dict[str, Any] = {"HealthCheckPath": GRPC_HEALTH_CHECK, "Matcher": {"GrpcCode": GRPC_SERVING}}
    if probe.grpc.port != traffic_port:
        out["HealthCheckPort"] = str(probe.grpc.port)
    return out


def _clip(value: int, limits: tuple[int, int]) -> int:
    return min(max(value, limits[0]), limits[1])


def _number(settings_: Mapping[str, str], key: str, default: int) -> int:
    raw = settings_.get(key, "")
    return int(raw) if raw.isdigit() else default


def _probe_timings(probe: Probe | None,
                   settings_: Mapping[str, str] | None = None) -> dict[str, int]:
    """Target-group timings: the healthcheck-* annotations, else the probe, within ELB's
    limits (and the timeout below the interval, which CloudFormation requires)."""
    given_ = settings_ or {}
    interval = _clip(_number(given_, "healthcheck-interval-seconds",
                             probe.period_seconds if probe else 15), TG_LIMITS["interval"])
    timeout = _clip(_number(given_, "healthcheck-timeout-seconds",
                            probe.timeout_seconds if probe else 5), TG_LIMITS["timeout"])
    return {
        "HealthCheckIntervalSeconds": interval,
        "HealthCheckTimeoutSeconds": min(timeout, interval - 1),
        "HealthyThresholdCount": _clip(_number(given_, "healthy-threshold-count",
                                               probe.success_threshold if probe else 2),
                                       TG_LIMITS["threshold"]),
        "UnhealthyThresholdCount": _clip(_number(given_, "unhealthy-threshold-count",
                                                 probe.failure_threshold if probe else 3),
                                         TG_LIMITS["threshold"]),
    }


def target_group_check(container: Container, settings_: Mapping[str, str],
                       network: bool = False) -> dict[str, Any]:
    """Target-group health check: the healthcheck-* annotations, else the readiness probe,
    else the liveness probe."""
    probe = checked_probe(container)
    http = probe.http_get if probe is not None else None
    timings = _probe_timings(probe, settings_)
    out: dict[str, Any] = {key: timings[key] for key in (
        "HealthCheckIntervalSeconds", "HealthCheckTimeoutSeconds", "HealthyThresholdCount",
        "UnhealthyThresholdCount")}
    protocol = settings_.get("healthcheck-protocol", "HTTP" if not network or http else "TCP")
    if protocol not in ("HTTP", "HTTPS", "TCP"):
        protocol = "HTTP"
    if network or "healthcheck-protocol" in settings_:
        out["HealthCheckProtocol"] = protocol
    port = settings_.get("healthcheck-port", "traffic-port")
    if port != "traffic-port" and port.isdigit():
        out["HealthCheckPort"] = port
    if protocol != "TCP":
        path = settings_.get("healthcheck-path") or (http.path if http else None)
        out["HealthCheckPath"] = path or "/"
    if network:  # NLB health checks have a fixed timeout
        out.pop("HealthCheckTimeoutSeconds")
    return out
