"""Probe facts several rules share: a probe's port number, the startup budget, and what a
load balancer in front of a container takes from its probes (grace period, check port)."""

from __future__ import annotations

from translator.models import Container, Probe


def probe_port(c: Container, port: int | str) -> int | None:
    """A probe's port as a number (a name is looked up among the container's ports)."""
    if isinstance(port, int):
        return port
    return next((p.container_port for p in c.ports if p.name == port), None)


def startup_budget(probe: Probe) -> int:
    """Seconds a startup probe allows: initial delay + period x failure threshold."""
    return probe.initial_delay_seconds + probe.period_seconds * probe.failure_threshold


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
