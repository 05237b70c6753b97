"""The DNS rewrite of values: in-cluster Service names (`orders`, `orders.shop`,
`orders.shop.svc.cluster.local`, with their ports) in env values and ConfigMap files become
the Cloud Map names the tasks resolve, and Service ports the container ports behind them
(Cloud Map A records carry no port). ExternalName Services become their external name.

`svc.ns.svc.cluster.local`, `svc.ns.svc`, `svc.ns` and, in the same namespace, a bare `svc`
in host position become `svc.<domain>`."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field

from mappings.workloads import registered_service, selected_by, target_port_number
from translator.context import Context
from translator.models import Service


@dataclass(frozen=True)
class Rewrite:
    old: str
    new: str


@dataclass
class Rewritten:
    """A value after the rewrite: what changed, the Service names left alone (they may not
    be addresses) and the in-cluster names of Services that are not in the input."""

    value: str
    done: list[Rewrite] = field(default_factory=list)
    left: list[str] = field(default_factory=list)
    unresolved: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # addresses a Service Connect alias answers


_NAME_RUN = re.compile(r"[A-Za-z0-9-]+")
# A variable whose name says its value is an address: a bare Service name there is a host.
ADDRESS_KEY = re.compile(r"(?:^|[_.-])(?:HOST|HOSTNAME|HOSTS|ADDR|ADDRESS|ADDRS|URL|URLS|URI|"
                         r"ENDPOINT|ENDPOINTS|SERVER|SERVERS|BROKER|BROKERS|DSN|UPSTREAM)$",
                         re.IGNORECASE)
# What stands before a host in a URL (scheme, optional user info) or a connection string.
_URL_HOST = re.compile(r"://(?:[^@/\s]*@)?$")
_CONN_HOST = re.compile(r"(?:^|[;\s])(?:host|server|address|addr|data source)\s*=\s*$",
                        re.IGNORECASE)
# The port a URL scheme implies when the URL names none.
_SCHEME_PORT = {"http": 80, "https": 443, "ws": 80, "wss": 443}
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*)://(?:[^@/\s]*@)?$")
# An in-cluster name of any Service: `svc.ns.svc` or `svc.ns.svc.cluster.local`.
_CLUSTER_NAME = re.compile(r"(?<![A-Za-z0-9.-])([a-z0-9](?:[a-z0-9-]*[a-z0-9])?)\."
                           r"([a-z0-9](?:[a-z0-9-]*[a-z0-9])?)\.svc(?:\.cluster\.local)?"
                           r"(?![A-Za-z0-9-]|\.[A-Za-z0-9])")


@dataclass(frozen=True)
class _Target:
    host: str
    ports: dict[int, int]  # Service port -> container port, where they differ
    service_ports: frozenset[int]


class DnsRewriter:
    """Rewrites in-cluster DNS names (and their ports) where they are addresses.

    A `.svc`/`.svc.cluster.local` or `svc.ns` name is an address wherever it stands. A bare
    Service name is one only as a URL's host, as `host:port` with a port of the Service, as
    a connection string's `Host=`, or as a whole value whose variable names an address
    (`*_HOST`, `*_ADDR`, `*_URL`, ...): `POSTGRES_DB: accounts-db` stays a database name."""

    def __init__(self, ctx: Context) -> None:
        self.targets: dict[tuple[str, str], _Target] = {}
        self.services = {(ctx.namespace_of(s), s.name) for s in ctx.all(Service)}
        for service in ctx.all(Service):
            ns = ctx.namespace_of(service)
            numbers = frozenset(port.port for port in service.spec.ports)
            if service.spec.type == "ExternalName":
                if service.spec.external_name:
                    self.targets[(ns, service.name)] = _Target(
                        service.spec.external_name, {}, numbers)
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
            self.targets[(ns, service.name)] = _Target(host, ports, numbers)
        self.namespaces = {ns for ns, _ in self.targets}
        # A DNS-label name can only match where it stands as a whole run of name characters,
        # so `rewrite` tries only the targets it sees such a run for (any odd name, filed
        # under "", on every value), and compiles a target's patterns when first tried.
        self._order = sorted(self.targets)
        self._by_name: dict[str, list[int]] = {}
        for i, (_, name) in enumerate(self._order):
            self._by_name.setdefault(name if _NAME_RUN.fullmatch(name) else "", []).append(i)
        self._compiled: dict[int, tuple[re.Pattern[str], re.Pattern[str]]] = {}

    def remapped(self, host: str) -> dict[int, int]:
        """The Service ports a rewritten `host` remaps to container ports."""
        return next((t.ports for t in self.targets.values() if t.host == host), {})

    def _patterns(self, i: int) -> tuple[re.Pattern[str], re.Pattern[str]]:
        if i not in self._compiled:
            ns, name = self._order[i]
            fqdn = re.compile(rf"(?<![A-Za-z0-9.-]){re.escape(name)}\.{re.escape(ns)}"
                              r"(?:\.svc(?:\.cluster\.local)?)?(?![A-Za-z0-9-]|\.[A-Za-z0-9])"
                              r"(?P<port>:\d{1,5}(?!\d))?")
            # `_` joins identifiers (grafana_dashboard), never a DNS name
            bare = re.compile(rf"(?<![\w.-]){re.escape(name)}"
                              r"(?![\w-]|\.[A-Za-z0-9])(?P<port>:\d{1,5}(?!\d))?")
            self._compiled[i] = fqdn, bare
        return self._compiled[i]

    def _matches(self, value: str, namespace: str) -> Iterator[tuple[str, str, re.Match[str]]]:
        """(namespace, name, match) of every Service name the value holds, in the forms
        `rewrite` rewrites."""
        for i in sorted({i for run in {"", *_NAME_RUN.findall(value)}
                         for i in self._by_name.get(run, ())}):
            fqdn, bare = self._patterns(i)
            ns, name = self._order[i]
            for match in [*fqdn.finditer(value),
                          *(bare.finditer(value) if ns == namespace else ())]:
                yield ns, name, match

    def services_named(self, value: str, namespace: str) -> list[tuple[str, str, int | None]]:
        """(namespace, name, port) of every Service whose DNS name the value holds, in the
        forms `rewrite` rewrites; the port is the one written after the name, if any."""
        found: list[tuple[str, str, int | None]] = []
        for ns, name, match in self._matches(value, namespace):
            port = match.group("port")
            named = (ns, name, int(port[1:]) if port else None)
            if named not in found:
                found.append(named)
        return found

    def forms_named(self, value: str, namespace: str) -> list[tuple[str, str, str]]:
        """(namespace, name, the name as written, without its port) of every Service name
        the value holds."""
        return [(ns, name, match.group(0)[:match.start("port") - match.start()]
                 if match.group("port") else match.group(0))
                for ns, name, match in self._matches(value, namespace)]

    def rewrite(self, value: str, namespace: str, key: str | None = None,
                aliases: Mapping[tuple[str, str], tuple[str, frozenset[int]]] | None = None
                ) -> Rewritten:
        """`value` with its Service addresses rewritten; `key` is the variable it is read
        from (None for files, args and command). For a Service Connect client, `aliases`
        are the client aliases of the Services it reaches through its proxy, on their own
        ports (mappings.discovery): the alias stays as written, another form of the name
        becomes the alias, and no port changes; a port the alias does not answer (UDP) is
        rewritten to Cloud Map as for any task."""
        out = Rewritten(value)
        address_key = key is not None and bool(ADDRESS_KEY.search(key))

        def replacer(cloud_map: _Target, bare: bool,
                     alias: tuple[str, frozenset[int]] | None) -> Callable[[re.Match[str]], str]:
            def replace(match: re.Match[str]) -> str:
                before = match.string[:match.start()]
                port = match.group("port")
                scheme = _SCHEME.search(before)
                implied = _SCHEME_PORT.get(scheme.group(1).lower()) if scheme else None
                number = int(port[1:]) if port else implied
                # a Service port the alias does not answer (UDP) goes to Cloud Map
                alias_target = alias is not None and not (
                    number in cloud_map.service_ports and number not in alias[1])
                target = _Target(alias[0], {}, cloud_map.service_ports) \
                    if alias is not None and alias_target else cloud_map
                if bare and not _is_host(match, before, port, target, address_key):
                    # a path's segment is no candidate; the alias resolves whatever it is
                    if not before.endswith("/") and match.group(0) != target.host:
                        out.left.append(match.group(0))
                    return match.group(0)
                new = target.host
                if port is not None:
                    new += f":{target.ports.get(int(port[1:]), int(port[1:]))}"
                elif implied is not None and implied in target.ports:
                    new += f":{target.ports[implied]}"
                if new != match.group(0):
                    out.done.append(Rewrite(match.group(0), new))
                elif alias_target:
                    out.kept.append(new)
                return new
            return replace

        applied = -1  # targets apply in sorted order, each to the value the earlier ones left
        while True:
            candidates = [i for run in {"", *_NAME_RUN.findall(out.value)}
                          for i in self._by_name.get(run, ()) if i > applied]
            if not candidates:
                break
            applied = min(candidates)
            ns = self._order[applied][0]
            target = self.targets[self._order[applied]]
            alias = (aliases or {}).get(self._order[applied])
            fqdn, bare = self._patterns(applied)
            out.value = fqdn.sub(replacer(target, False, alias), out.value)
            if ns == namespace:
                out.value = bare.sub(replacer(target, True, alias), out.value)
        out.unresolved = [m.group(0) for m in _CLUSTER_NAME.finditer(out.value)
                          if (m.group(2), m.group(1)) not in self.services]
        return out


def line_of(text: str, name: str) -> str:
    """The first line of `text` where `name` stands as a name, numbered, for the report."""
    pattern = re.compile(rf"(?<![\w.-]){re.escape(name)}(?![\w-])")
    for number, line in enumerate(text.splitlines(), 1):
        if pattern.search(line):
            return f"line {number}: {line.strip()[:160]}"
    return text[:160]


def _is_host(match: re.Match[str], before: str, port: str | None, target: _Target,
             address_key: bool) -> bool:
    """Whether a bare Service name stands where only an address can."""
    if _URL_HOST.search(before) or _CONN_HOST.search(before):
        return True
    if port is not None and int(port[1:]) in target.service_ports:
        return True
    return address_key and match.start() == 0 and match.end() == len(match.string)


def dns_rewriter(ctx: Context) -> DnsRewriter:
    rewriter: DnsRewriter = ctx.memo("dns", lambda: DnsRewriter(ctx))
    return rewriter
