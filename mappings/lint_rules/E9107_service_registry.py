"""E9107: a ServiceRegistries entry ECS would reject: `RegistryArn` that is not an ARN
(`!Ref` of a Cloud Map service gives its id; use `!GetAtt X.Arn`), or `Port` for a Cloud Map
service that has only A or AAAA records (a port is for SRV records)."""

from __future__ import annotations

from typing import Any, ClassVar

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from mappings.lint_rules._helpers import Unknown, getatt_resource, pieces, prefix, resources


def record_types(registry: dict[str, Any]) -> set[str] | None:
    records = (registry.get("DnsConfig") or {}).get("DnsRecords")
    if not isinstance(records, list):
        return None
    return {str(r.get("Type")) for r in records if isinstance(r, dict)}


class ServiceRegistryEntry(CloudFormationLintRule):
    id = "E9107"
    shortdesc = "ServiceRegistries entry ECS would reject"
    description = ("ServiceRegistries RegistryArn is the Cloud Map service ARN "
                   "(!GetAtt X.Arn), and Port is set only for SRV records")
    tags: ClassVar[list[str]] = ["resources", "ecs", "servicediscovery", "eks2ecs"]

    def match(self, cfn: Any) -> list[Any]:
        registries = dict(resources(cfn, "AWS::ServiceDiscovery::Service"))
        matches = []
        for name, props in resources(cfn, "AWS::ECS::Service"):
            entries = props.get("ServiceRegistries")
            for i, entry in enumerate(entries if isinstance(entries, list) else []):
                if not isinstance(entry, dict) or "RegistryArn" not in entry:
                    continue
                path = ["Resources", name, "Properties", "ServiceRegistries", i]
                arn = entry["RegistryArn"]
                parts = pieces(arn, cfn)
                first = parts[0] if parts else ""
                if isinstance(first, Unknown):
                    wrong = first.yields not in ("arn", "import")
                else:
                    wrong = not prefix(parts).startswith("arn:")
                if wrong:
                    what = first.source if isinstance(first, Unknown) else repr(prefix(parts))
                    matches.append(RuleMatch([*path, "RegistryArn"],
                                             f"{name}: RegistryArn must be the Cloud Map service "
                                             f"ARN (!GetAtt X.Arn); {what} is not"))
                target = getatt_resource(arn)
                types = record_types(registries[target]) if target in registries else None
                if "Port" in entry and types is not None and "SRV" not in types:
                    matches.append(RuleMatch([*path, "Port"],
                                             f"{name}: Port is only for SRV records; Cloud Map "
                                             f"service {target} has {', '.join(sorted(types))}"))
        return matches
