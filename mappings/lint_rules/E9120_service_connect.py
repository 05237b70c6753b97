"""E9120: a Service Connect configuration ECS refuses when it creates or updates the service,
which cfn-lint's schema lets through: a PortName that names no port mapping of the service's
task definition, more than one client alias on a Service Connect service, a discovery name or
alias DnsName outside ECS's rules, and a discovery name or alias (name and port) given twice
in the template (each must be unique in the namespace). From the API Reference:
https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ServiceConnectService.html
("The portName must match the name of one of the portMappings", "The maximum number of client
aliases that you can have in this list is 1", the discoveryName "must be unique within the
AWS Cloud Map namespace ... up to 64 characters ... lowercase letters, numbers, underscores
(_), and hyphens (-) ... can't start with a hyphen") and
https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ServiceConnectClientAlias.html
("Each name and port mapping must be unique within the namespace")."""

from __future__ import annotations

import re
from typing import Any, ClassVar

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from mappings.lint_rules._helpers import function, number, resources

CLIENT_ALIASES = 1
DISCOVERY_NAME = re.compile(r"[a-z0-9_][a-z0-9_-]{0,63}")
DNS_NAME = re.compile(r"[a-z0-9_](?:[a-z0-9_.-]{0,125}[a-z0-9_])?")


def port_names(task: dict[str, Any]) -> set[str] | None:
    """The Name of every port mapping of a task definition; None when they cannot be read."""
    containers = task.get("ContainerDefinitions")
    if not isinstance(containers, list):
        return None
    found: set[str] = set()
    for container in containers:
        mappings = container.get("PortMappings") if isinstance(container, dict) else None
        for mapping in mappings if isinstance(mappings, list) else []:
            name = mapping.get("Name") if isinstance(mapping, dict) else None
            if name is not None and not isinstance(name, str):
                return None
            if name:
                found.add(name)
    return found


class ServiceConnect(CloudFormationLintRule):
    id = "E9120"
    shortdesc = "Service Connect configuration ECS refuses"
    description = ("Each Service Connect service names a port mapping of the task, has at "
                   "most one client alias, and its discovery name and aliases are valid and "
                   "unique")
    tags: ClassVar[list[str]] = ["resources", "ecs", "eks2ecs"]

    def match(self, cfn: Any) -> list[Any]:
        tasks = dict(resources(cfn, "AWS::ECS::TaskDefinition"))
        matches: list[Any] = []
        discovery: set[str] = set()
        aliases: set[tuple[str, int]] = set()
        for name, props in resources(cfn, "AWS::ECS::Service"):
            config = props.get("ServiceConnectConfiguration")
            services = config.get("Services") if isinstance(config, dict) else None
            if not isinstance(services, list):
                continue
            ref = function(props.get("TaskDefinition"))
            task = tasks.get(str(ref[1])) if ref and ref[0] == "Ref" else None
            names = port_names(task) if task is not None else None
            at = ["Resources", name, "Properties", "ServiceConnectConfiguration", "Services"]
            for i, service in enumerate(services):
                if isinstance(service, dict):
                    matches += self._service(name, [*at, i], service, names, discovery, aliases)
        return matches

    def _service(self, name: str, at: list[Any], service: dict[str, Any], names: set[str] | None,
                 discovery: set[str], aliases: set[tuple[str, int]]) -> list[Any]:
        found = []
        port_name = service.get("PortName")
        if isinstance(port_name, str) and names is not None and port_name not in names:
            found.append(RuleMatch([*at, "PortName"], f"{name}: PortName {port_name!r} names no "
                                   "port mapping of its task definition "
                                   f"({', '.join(sorted(names)) or 'none has a Name'})"))
        given = service.get("DiscoveryName")
        if isinstance(given, str):
            if not DISCOVERY_NAME.fullmatch(given):
                found.append(RuleMatch([*at, "DiscoveryName"], f"{name}: DiscoveryName {given!r}: "
                                       "at most 64 lowercase letters, digits, _ and -, not "
                                       "starting with -"))
            elif given in discovery:
                found.append(RuleMatch([*at, "DiscoveryName"], f"{name}: DiscoveryName {given!r} "
                                       "is given twice; it must be unique in the namespace"))
            discovery.add(given)
        client = service.get("ClientAliases")
        if not isinstance(client, list):
            return found
        if len(client) > CLIENT_ALIASES:
            found.append(RuleMatch([*at, "ClientAliases"], f"{name}: {len(client)} client aliases; "
                                   f"ECS takes {CLIENT_ALIASES} per Service Connect service"))
        for j, alias in enumerate(client):
            dns, port = (alias.get("DnsName"), number(alias.get("Port"))) \
                if isinstance(alias, dict) else (None, None)
            if not isinstance(dns, str) or port is None:
                continue
            if not DNS_NAME.fullmatch(dns):
                found.append(RuleMatch([*at, "ClientAliases", j, "DnsName"], f"{name}: DnsName "
                                       f"{dns!r}: at most 127 lowercase letters, digits, _, - "
                                       "and ."))
            elif (dns, port) in aliases:
                found.append(RuleMatch([*at, "ClientAliases", j, "DnsName"], f"{name}: client "
                                       f"alias {dns}:{port} is given twice; each name and port "
                                       "must be unique in the namespace"))
            aliases.add((dns, port))
        return found
