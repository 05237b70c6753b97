"""StatefulSet -> an ECS service (see workload_stack) that replaces one task at a time, with
a Cloud Map service under its serviceName, and its volumeClaimTemplates on EFS (or ECS-managed
EBS with --rwo-volumes ebs; see volumes).

What ECS cannot give is reported: stable pod identities and per-pod DNS names (cassandra-0),
ordered start-up, and a private volume per replica.
"""

from __future__ import annotations

from mappings import overrides
from mappings.deployment import replicas, rollout_limits
from mappings.pod import probes
from mappings.pod import spec as pod
from mappings.service import registry_id
from mappings.workload_stack import ecs_service, task_stack
from mappings.workloads import Workload, autoscaler, registered_service, smallest_count
from translator.cfn import GetAtt
from translator.context import Context, import_from
from translator.models import Service, StatefulSet
from translator.plan import Append, Fragment, Resource, Target

KIND = "StatefulSet"
API_VERSIONS = ("apps/v1",)
MODEL = StatefulSet
FIELDS = (
    probes.ANNOTATION_FIELD, *overrides.FIELDS,
    "/metadata/name", "/metadata/namespace", "/metadata/labels", "/spec/replicas", "/spec/selector",
    "/spec/serviceName", "/spec/podManagementPolicy", "/spec/updateStrategy",
    "/spec/updateStrategy/rollingUpdate/partition", "/spec/persistentVolumeClaimRetentionPolicy",
    "/spec/revisionHistoryLimit", "/spec/minReadySeconds", "/spec/progressDeadlineSeconds",
    "/spec/template/metadata/labels", "/spec/template/metadata/annotations",
    "/spec/volumeClaimTemplates/*", "/spec/volumeClaimTemplates/*/metadata/name",
    "/spec/volumeClaimTemplates/*/spec/accessModes/*",
    "/spec/volumeClaimTemplates/*/spec/resources/requests/storage",
    "/spec/volumeClaimTemplates/*/spec/storageClassName", *pod.fields("/spec/template/spec"),
)

REGISTRY = "CloudMapService"


def one_at_a_time(replicas: int) -> tuple[int, int]:
    """(MaximumPercent, MinimumHealthyPercent) that replace one task at a time and never run
    an old and a new task of a one-replica set together, as a StatefulSet rollout does."""
    if replicas <= 1:
        return 100, 0
    return 100, (100 * (replicas - 1)) // replicas


def map(obj: StatefulSet, frag: Fragment, ctx: Context) -> None:
    entry = frag.entry
    spec = obj.spec
    ts = task_stack(obj, spec.template.spec, "/spec/template", frag, ctx,
                    claims=tuple(spec.volume_claim_templates))
    count = smallest_count(obj, ctx)
    maximum, minimum = one_at_a_time(min(spec.replicas, count))
    scaled = autoscaler(obj, ctx) is not None
    ecs_service(ts, None if scaled else spec.replicas, {
        "MaximumPercent": maximum,
        "MinimumHealthyPercent": minimum,
        "DeploymentCircuitBreaker": {"Enable": True, "Rollback": True},
    }, frag, ctx)
    deployment_to = Target(ts.stack, "/Resources/Service/Properties/DeploymentConfiguration")
    one_by_one = (f"rolled out one task at a time (MaximumPercent {maximum}, "
                  f"MinimumHealthyPercent {minimum}) so old and new never share the data")
    if scaled:
        replicas(ts.stack, spec.replicas, count, entry)
        entry.notes.append(one_by_one)
    else:
        entry.mapped("/spec/replicas", Target(ts.stack,
                                              "/Resources/Service/Properties/DesiredCount"),
                     one_by_one)
    entry.ignored("/spec/selector", "ECS services own their tasks; no selector is needed")
    entry.lossy("/metadata/name", "tasks have no stable identity (no ordinal, no fixed host name): "
                "apps that elect or seed peers by pod name need another discovery",
                Target(ts.stack, "/Resources/Service/Properties/ServiceName"))
    if "podManagementPolicy" in ctx.manifest(obj).doc.get("spec", {}) \
            or spec.pod_management_policy == "OrderedReady":
        entry.lossy("/spec/podManagementPolicy", "ECS starts and stops tasks in parallel, "
                    "not in ordinal order", deployment_to)
    strategy = spec.update_strategy
    if strategy:
        if strategy.get("type") == "OnDelete":
            entry.lossy("/spec/updateStrategy", "ECS rolls out every new task definition; "
                        "there is no OnDelete", deployment_to)
        else:
            entry.mapped("/spec/updateStrategy", deployment_to,
                         f"one task at a time: MaximumPercent {maximum}, "
                         f"MinimumHealthyPercent {minimum}")
            if "partition" in (strategy.get("rollingUpdate") or {}):
                entry.lossy("/spec/updateStrategy/rollingUpdate/partition",
                            "ECS has no partitioned rollout: every task gets the new revision")
    if "persistentVolumeClaimRetentionPolicy" in ctx.manifest(obj).doc.get("spec", {}):
        entry.lossy("/spec/persistentVolumeClaimRetentionPolicy", "EFS file systems are kept "
                    "(DeletionPolicy Retain) when the stack is deleted or scaled")
    _discovery(obj, ts.stack, frag, ctx)
    rollout_limits(obj, entry, ctx)


def _discovery(obj: StatefulSet, stack: str, frag: Fragment, ctx: Context) -> None:
    """The governing Service gives the set its DNS name; when the input has no Service that
    registers the set, the set gets a Cloud Map service of its own under serviceName."""
    entry = frag.entry
    ns = ctx.namespace_of(obj)
    name = obj.spec.service_name or obj.name
    path = "/spec/serviceName"
    lost = (f"per-pod names ({obj.name}-0.{name}) do not exist: Cloud Map answers {name} with "
            "every task's address")
    registered = registered_service(Workload(obj, ns), ctx)
    if registered is not None:
        governing = ctx.find(Service, ns, name)
        how = (f"Service {name} registers the tasks in Cloud Map" if governing == registered
               else f"Service {registered.name} (not {name}) registers the tasks in Cloud Map")
        if obj.spec.service_name is not None:
            entry.lossy(path, f"{how}; {lost}",
                        Target(stack, f"/Resources/{registry_id(registered)}"))
        return
    if obj.spec.service_name is not None and ctx.find(Service, ns, name) is not None:
        # the name is that Service's in Cloud Map: a second registration under it would fail
        entry.lossy(path, f"Service {name} does not select the set's pods, so they had no name "
                    "under it on EKS either: the tasks are not registered in Cloud Map")
        return
    cloud_map_name = ctx.cloud_map_name(ns, name)
    frag.put(stack, "Resources", REGISTRY, Resource("AWS::ServiceDiscovery::Service", {
        "Name": cloud_map_name,
        "Description": f"StatefulSet {ns}/{obj.name} (governing Service {name})",
        "NamespaceId": import_from("ClusterStackName", "NamespaceId"),
        "DnsConfig": {"DnsRecords": [{"Type": "A", "TTL": 10}], "RoutingPolicy": "MULTIVALUE"},
        "HealthCheckCustomConfig": {"FailureThreshold": 1},
    }, obj.ref))
    frag.appends.append(Append(stack, "Service", "ServiceRegistries",
                               {"RegistryArn": GetAtt(REGISTRY, "Arn")}, path))
    to = Target(stack, f"/Resources/{REGISTRY}/Properties/Name")
    if obj.spec.service_name is not None:
        entry.lossy(path, f"{name}.{ns}.svc.cluster.local -> {cloud_map_name}.{ctx.dns_domain} "
                    f"(the Service is not in the input, so the set registers itself); {lost}", to)
    else:
        entry.mapped("/metadata/name", to, f"registers as {cloud_map_name}.{ctx.dns_domain}")
