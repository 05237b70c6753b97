"""The DNS rewrite of values: in-cluster Service names (`orders`, `orders.shop`,
`orders.shop.svc.cluster.local`, with their ports) in env values and ConfigMap files become
the Cloud Map names the tasks resolve, and Service ports the container ports behind them
(Cloud Map A records carry no port). ExternalName Services become their external name.

`svc.ns.svc.cluster.local`, `svc.ns.svc`, `svc.ns` and, in the same namespace, a bare `svc`
in host position become `svc.<domain>`."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from mappings.workloads import registered_service, selected_by, target_port_number
from translator.context import Context
from translator.models import Service


@dataclass(frozen=True)
class Rewrite:
    old: str
    new: str


_NAME_RUN = re.compile(r"[A-Za-z0-9-]+")


class DnsRewriter:
    """Rewrites in-cluster DNS names (and their ports) in env values."""

    def __init__(self, ctx: Context) -> None:
        self.targets: dict[tuple[str, str], tuple[str, dict[int, int]]] = {}
        for service in ctx.all(Service):
            ns = ctx.namespace_of(service)
            if service.spec.type == "ExternalName":
                if service.spec.external_name:
                    self.targets[(ns, service.name)] = (service.spec.external_name, {})
                continue
            workloads = selected_by(service, ctx)
            if not workloads:
                continue
            primary = registered_service(workloads[0], ctx) or service
            host = f"{ctx.cloud_map_name(ns, primary.name)}.{ctx.dns_domain}"
            ports = {}
            for port in service.spec.ports:
                number = target_port_number(service, port.target, ctx)
                if number is not None and number != port.port:
                    ports[port.port] = number
            self.targets[(ns, service.name)] = (host, ports)
        self.namespaces = {ns for ns, _ in self.targets}
        # A DNS-label name can only match where it stands as a whole run of name characters,
        # so `rewrite` tries only the targets it sees such a run for (any odd name, filed
        # under "", on every value), and compiles a target's patterns when first tried.
        self._order = sorted(self.targets)
        self._by_name: dict[str, list[int]] = {}
        for i, (_, name) in enumerate(self._order):
            self._by_name.setdefault(name if _NAME_RUN.fullmatch(name) else "", []).append(i)
        self._compiled: dict[int, tuple[re.Pattern[str], re.Pattern[str]]] = {}

    def _patterns(self, i: int) -> tuple[re.Pattern[str], re.Pattern[str]]:
        if i not in self._compiled:
            ns, name = self._order[i]
            fqdn = re.compile(rf"(?<![A-Za-z0-9.-]){re.escape(name)}\.{re.escape(ns)}"
                              r"(?:\.svc(?:\.cluster\.local)?)?(?![A-Za-z0-9-]|\.[A-Za-z0-9])"
                              r"(?P<port>:\d{1,5})?")
            # a bare name only where it stands as a host: whole value, after :// or @
            bare = re.compile(rf"(?:(?<=^)|(?<=://)|(?<=@)){re.escape(name)}"
                              r"(?=$|[:/])(?P<port>:\d{1,5})?")
            self._compiled[i] = fqdn, bare
        return self._compiled[i]

    def rewrite(self, value: str, namespace: str) -> tuple[str, list[Rewrite]]:
        done: list[Rewrite] = []

        def replacer(host: str, ports: dict[int, int]) -> Callable[[re.Match[str]], str]:
            def replace(match: re.Match[str]) -> str:
                port = match.group("port")
                new = host
                if port is not None:
                    number = int(port[1:])
                    new += f":{ports.get(number, number)}"
                done.append(Rewrite(match.group(0), new))
                return new
            return replace

        applied = -1  # targets apply in sorted order, each to the value the earlier ones left
        while True:
            candidates = [i for run in {"", *_NAME_RUN.findall(value)}
                          for i in self._by_name.get(run, ()) if i > applied]
            if not candidates:
                return value, done
            applied = min(candidates)
            ns = self._order[applied][0]
            host, ports = self.targets[self._order[applied]]
            fqdn, bare = self._patterns(applied)
            value = fqdn.sub(replacer(host, ports), value)
            if ns == namespace:
                value = bare.sub(replacer(host, ports), value)


def dns_rewriter(ctx: Context) -> DnsRewriter:
    rewriter: DnsRewriter = ctx.memo("dns", lambda: DnsRewriter(ctx))
    return rewriter
