"""The shared cluster stack: ECS cluster, the Cloud Map private DNS namespace, and the
security group every task of the app is in (mappings/security_groups.py).

Not a Kubernetes kind: every translation has one, so the engine asks for it directly.
"""

from __future__ import annotations

from mappings import discovery, security_groups
from translator.cfn import GetAtt, Ref
from translator.context import CLUSTER_STACK, Context, export_name
from translator.plan import Fragment, Output, Parameter, Resource, StackInfo

ORIGIN = "eks2ecs (shared by every workload)"


def foundation(frag: Fragment, ctx: Context) -> None:
    frag.stacks.append(StackInfo(
        CLUSTER_STACK, "cluster", "cluster",
        f"{ctx.app}: ECS cluster, Cloud Map namespace and the tasks' security group, shared "
        "by every workload (eks2ecs)",
    ))
    put = frag.put
    put(CLUSTER_STACK, "Parameters", "VpcId", Parameter(
        "AWS::EC2::VPC::Id", "VPC the tasks run in (the VPC EKS used): the private DNS namespace and "
        "the tasks' security group are made in it"))
    put(CLUSTER_STACK, "Parameters", "ClusterName", Parameter(
        "String", "Name of the ECS cluster", default=ctx.cluster_name,
        allowed_pattern="^[a-zA-Z0-9_-]{1,255}$"))
    put(CLUSTER_STACK, "Parameters", "DnsNamespaceName", Parameter(
        "String", "Private DNS domain that replaces <namespace>.svc.cluster.local",
        default=ctx.dns_domain))
    cluster = {
        "ClusterName": Ref("ClusterName"),
        "CapacityProviders": ["FARGATE", "FARGATE_SPOT"],
        "DefaultCapacityProviderStrategy": [{"CapacityProvider": "FARGATE", "Weight": 1}],
        "ClusterSettings": [{"Name": "containerInsights", "Value": "enabled"}],
    }
    if discovery.enabled(ctx):
        # the namespace Service Connect uses by default (mappings/discovery.py)
        cluster["ServiceConnectDefaults"] = {"Namespace": GetAtt("ServiceDiscoveryNamespace",
                                                                 "Arn")}
    put(CLUSTER_STACK, "Resources", "Cluster", Resource("AWS::ECS::Cluster", cluster, ORIGIN))
    put(CLUSTER_STACK, "Resources", "ServiceDiscoveryNamespace", Resource(
        "AWS::ServiceDiscovery::PrivateDnsNamespace", {
            "Name": Ref("DnsNamespaceName"),
            "Vpc": Ref("VpcId"),
            "Description": "Service discovery for the services that ran on EKS",
        }, ORIGIN))
    security_groups.app_group(frag, ctx, ORIGIN)
    outputs = {
        "ClusterName": (Ref("Cluster"), "Name of the ECS cluster"),
        "ClusterArn": (GetAtt("Cluster", "Arn"), "ARN of the ECS cluster"),
        "NamespaceId": (GetAtt("ServiceDiscoveryNamespace", "Id"), "Cloud Map namespace id"),
        "NamespaceName": (Ref("DnsNamespaceName"), "Private DNS domain of the services"),
    }
    if discovery.enabled(ctx):
        outputs["NamespaceArn"] = (GetAtt("ServiceDiscoveryNamespace", "Arn"),
                                   "Cloud Map namespace ARN (the Service Connect namespace)")
    for name, (value, description) in outputs.items():
        put(CLUSTER_STACK, "Outputs", name,
            Output(value, description, export_name(name)))
