"""Probes: a liveness probe becomes the container's ECS health check, a startup probe its
StartPeriod, a readiness probe the health check of the load-balancer target group in front
of it, and the probes together the service's health-check grace period."""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from typing import Any

from mappings.pod.state import TASK, PodState
from translator.models import Container, Probe
from translator.plan import Target

# ECS container health-check limits (FACTS: Interval 5-300, Timeout 2-60, Retries 1-10,
# StartPeriod 0-300).
HEALTH_LIMITS = {"Interval": (5, 300), "Timeout": (2, 60), "Retries": (1, 10),
                 "StartPeriod": (0, 300)}
_TIMING = ("periodSeconds", "timeoutSeconds", "failureThreshold", "initialDelaySeconds",
           "successThreshold")

# What this module may claim, relative to a container.
CONTAINER_FIELDS = (
    "livenessProbe/exec", "livenessProbe/httpGet", "livenessProbe/tcpSocket", "livenessProbe/grpc",
    *(f"livenessProbe/{timing}" for timing in _TIMING), "readinessProbe", "startupProbe",
)


def container_checks(state: PodState, c: Container, path: str, at: str,
                     out: dict[str, Any]) -> None:
    """The container's HealthCheck on `out` (liveness, delayed by the startup probe), and
    what its readiness probe becomes."""
    if c.liveness_probe is not None:
        check = _health_check(state, c, c.liveness_probe, f"{path}/livenessProbe", at)
        if check is not None:
            out["HealthCheck"] = check
    if c.readiness_probe is not None:
        _readiness(state, c.readiness_probe, f"{path}/readinessProbe")
    if c.startup_probe is not None:
        _startup(state, c.startup_probe, out.get("HealthCheck"), f"{path}/startupProbe", at)


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
        if clipped != value:
            entry.lossy(field_path, f"{value} is outside ECS's {low}-{high}; {clipped} used",
                        target)
        else:
            entry.mapped(field_path, target)
    if probe.success_threshold != 1:
        entry.lossy(f"{path}/successThreshold", "ECS has no success threshold")
    elif probe.model_fields_set & {"success_threshold"}:
        entry.mapped(f"{path}/successThreshold", None, "one success, as on ECS")
    return check


def _startup(state: PodState, probe: Probe, check: dict[str, Any] | None, path: str,
             at: str) -> None:
    """ECS has no startup probe: give the liveness check a StartPeriod as long as the
    startup probe's whole budget (initial delay + period x failure threshold); behind a
    load balancer the budget also sets the service's HealthCheckGracePeriodSeconds."""
    budget = startup_budget(probe)
    grace = f"the service's HealthCheckGracePeriodSeconds ({budget}s) when it is behind " \
        "a load balancer"
    if check is None:
        state.entry.lossy(path, f"ECS has no startup probe and this container no liveness "
                          f"check to delay: only {grace}")
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


def _readiness(state: PodState, probe: Probe, path: str) -> None:
    """Readiness gates traffic: on ECS only a load balancer's target group does that, and
    the load balancer builds its health check from this probe (target_group_check)."""
    if probe.http_get is not None:
        state.entry.mapped(path, None, "becomes the health check of the load balancer "
                           "target group in front of this container (path, port, scheme, "
                           "interval, timeout, thresholds; 2 successes at least); without "
                           "a load balancer ECS has no readiness gate")
    else:
        state.entry.lossy(path, "a load balancer target group checks over HTTP only: it "
                          "requests the healthcheck-path annotation, else /, on the traffic "
                          "port; without a load balancer ECS has no readiness gate")


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


def health_check_grace(container: Container) -> int:
    """Seconds the ECS service ignores load-balancer health checks after a task starts: the
    startup probe's whole budget, or twice the readiness probe's initial delay, 60 at least."""
    grace = 60
    readiness, startup = container.readiness_probe, container.startup_probe
    if readiness is not None:
        grace = max(grace, readiness.initial_delay_seconds * 2)
    if startup is not None:
        grace = max(grace, startup_budget(startup))
    return grace


def health_check_target(c: Container, traffic_port: int) -> dict[str, str]:
    """Target-group health-check port and protocol from the readiness probe, when they
    differ from the traffic the target group sends (a management port, say)."""
    probe = c.readiness_probe
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


def _clip(value: int, limits: tuple[int, int]) -> int:
    return min(max(value, limits[0]), limits[1])


def _number(settings_: Mapping[str, str], key: str, default: int) -> int:
    raw = settings_.get(key, "")
    return int(raw) if raw.isdigit() else default


def target_group_check(container: Container, settings_: Mapping[str, str],
                       network: bool = False) -> dict[str, Any]:
    """Target-group health check: the healthcheck-* annotations, else the readiness probe."""
    readiness = container.readiness_probe
    http = readiness.http_get if readiness is not None else None
    interval = _clip(_number(settings_, "healthcheck-interval-seconds",
                             readiness.period_seconds if readiness else 15), TG_LIMITS["interval"])
    timeout = _clip(_number(settings_, "healthcheck-timeout-seconds",
                            readiness.timeout_seconds if readiness else 5), TG_LIMITS["timeout"])
    timeout = min(timeout, interval - 1)  # CloudFormation rejects timeout >= interval
    unhealthy = _clip(_number(settings_, "unhealthy-threshold-count",
                              readiness.failure_threshold if readiness else 3),
                      TG_LIMITS["threshold"])
    healthy = _clip(_number(settings_, "healthy-threshold-count",
                            readiness.success_threshold if readiness else 2),
                    TG_LIMITS["threshold"])
    out: dict[str, Any] = {
        "HealthCheckIntervalSeconds": interval,
        "HealthCheckTimeoutSeconds": timeout,
        "HealthyThresholdCount": healthy,
        "UnhealthyThresholdCount": unhealthy,
    }
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
