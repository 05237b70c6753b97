"""What exists in the emulator, asked through the service APIs (not CloudFormation), by
CloudFormation type: the physical ids (what Ref returns) of the live objects of each type.

After deploy every stack resource's physical id must be listed here; after cleanup the
inventory must be what it was before deploy, plus what the templates retain on purpose. A type
the templates use but this module cannot list fails the test: add a lister for it.
"""

from __future__ import annotations

from collections.abc import Callable

from tests.emulator.server import ACCOUNT, Emulator

Lister = Callable[[Emulator], set[str]]
LISTERS: dict[str, Lister] = {}


def lister(cfn_type: str) -> Callable[[Lister], Lister]:
    def register(fn: Lister) -> Lister:
        LISTERS[cfn_type] = fn
        return fn
    return register


def take(emulator: Emulator) -> dict[str, set[str]]:
    return {cfn_type: fn(emulator) for cfn_type, fn in sorted(LISTERS.items())}


# What the user deletes by hand once cleanup.sh has left it (DeletionPolicy: Retain).
REMOVERS: dict[str, Callable[[Emulator, str], object]] = {
    "AWS::EFS::FileSystem": lambda e, fs: e.client("efs").delete_file_system(FileSystemId=fs),
    "AWS::SecretsManager::Secret": lambda e, arn: e.client("secretsmanager").delete_secret(
        SecretId=arn, ForceDeleteWithoutRecovery=True),
}


@lister("AWS::ECS::Cluster")
def _clusters(e: Emulator) -> set[str]:
    ecs = e.client("ecs")
    arns = ecs.list_clusters()["clusterArns"]
    found = ecs.describe_clusters(clusters=arns)["clusters"] if arns else []
    return {c["clusterName"] for c in found if c["status"] == "ACTIVE"}


@lister("AWS::ECS::Service")
def _services(e: Emulator) -> set[str]:
    ecs = e.client("ecs")
    found = set()
    for cluster in ecs.list_clusters()["clusterArns"]:
        arns = ecs.list_services(cluster=cluster)["serviceArns"]
        for start in range(0, len(arns), 10):  # describe_services takes ten at a time
            described = ecs.describe_services(cluster=cluster, services=arns[start:start + 10])
            found |= {s["serviceArn"] for s in described["services"] if s["status"] != "INACTIVE"}
    return found


@lister("AWS::ECS::TaskDefinition")
def _task_definitions(e: Emulator) -> set[str]:
    return set(e.client("ecs").list_task_definitions(status="ACTIVE")["taskDefinitionArns"])


@lister("AWS::ServiceDiscovery::PrivateDnsNamespace")
def _namespaces(e: Emulator) -> set[str]:
    return {n["Id"] for n in e.client("servicediscovery").list_namespaces()["Namespaces"]}


@lister("AWS::ServiceDiscovery::Service")
def _discovery_services(e: Emulator) -> set[str]:
    return {s["Id"] for s in e.client("servicediscovery").list_services()["Services"]}


@lister("AWS::ApplicationAutoScaling::ScalableTarget")
def _scalable_targets(e: Emulator) -> set[str]:
    found = e.client("application-autoscaling").describe_scalable_targets(ServiceNamespace="ecs")
    return {f"{t['ResourceId']}|{t['ScalableDimension']}|{t['ServiceNamespace']}"
            for t in found["ScalableTargets"]}


@lister("AWS::ApplicationAutoScaling::ScalingPolicy")
def _scaling_policies(e: Emulator) -> set[str]:
    found = e.client("application-autoscaling").describe_scaling_policies(ServiceNamespace="ecs")
    return {p["PolicyARN"] for p in found["ScalingPolicies"]}


@lister("AWS::CloudWatch::Alarm")  # target tracking policies make their own alarms
def _alarms(e: Emulator) -> set[str]:
    return {a["AlarmName"] for a in e.client("cloudwatch").describe_alarms()["MetricAlarms"]}


@lister("AWS::SecretsManager::Secret")
def _secrets(e: Emulator) -> set[str]:
    return {s["ARN"] for s in e.client("secretsmanager").list_secrets()["SecretList"]
            if "DeletedDate" not in s}


@lister("AWS::IAM::Role")
def _roles(e: Emulator) -> set[str]:
    return {r["RoleName"] for r in e.client("iam").list_roles()["Roles"]}


@lister("AWS::Logs::LogGroup")
def _log_groups(e: Emulator) -> set[str]:
    return {g["logGroupName"] for g in e.client("logs").describe_log_groups()["logGroups"]}


@lister("AWS::EC2::SecurityGroup")
def _security_groups(e: Emulator) -> set[str]:
    return {g["GroupId"] for g in e.client("ec2").describe_security_groups()["SecurityGroups"]}


@lister("AWS::EC2::SecurityGroupIngress")
def _ingress_rules(e: Emulator) -> set[str]:
    rules = e.client("ec2").describe_security_group_rules()["SecurityGroupRules"]
    return {r["SecurityGroupRuleId"] for r in rules if not r["IsEgress"]}


@lister("AWS::EC2::VPCEndpoint")
def _vpc_endpoints(e: Emulator) -> set[str]:
    return {v["VpcEndpointId"] for v in e.client("ec2").describe_vpc_endpoints()["VpcEndpoints"]
            if v["State"].lower() != "deleted"}


@lister("AWS::ElasticLoadBalancingV2::LoadBalancer")
def _load_balancers(e: Emulator) -> set[str]:
    return {lb["LoadBalancerArn"] for lb in e.client("elbv2").describe_load_balancers()["LoadBalancers"]}


@lister("AWS::ElasticLoadBalancingV2::TargetGroup")
def _target_groups(e: Emulator) -> set[str]:
    return {g["TargetGroupArn"] for g in e.client("elbv2").describe_target_groups()["TargetGroups"]}


@lister("AWS::ElasticLoadBalancingV2::Listener")
def _listeners(e: Emulator) -> set[str]:
    elbv2 = e.client("elbv2")
    return {listener["ListenerArn"]
            for arn in _load_balancers(e)
            for listener in elbv2.describe_listeners(LoadBalancerArn=arn)["Listeners"]}


@lister("AWS::ElasticLoadBalancingV2::ListenerRule")
def _listener_rules(e: Emulator) -> set[str]:
    elbv2 = e.client("elbv2")
    return {rule["RuleArn"]
            for arn in _listeners(e)
            for rule in elbv2.describe_rules(ListenerArn=arn)["Rules"] if not rule["IsDefault"]}


@lister("AWS::Route53::HostedZone")  # Cloud Map makes one per private DNS namespace
def _hosted_zones(e: Emulator) -> set[str]:
    return {z["Id"] for z in e.client("route53").list_hosted_zones()["HostedZones"]}


@lister("AWS::EFS::FileSystem")
def _file_systems(e: Emulator) -> set[str]:
    return {fs["FileSystemId"] for fs in e.client("efs").describe_file_systems()["FileSystems"]}


@lister("AWS::EFS::MountTarget")
def _mount_targets(e: Emulator) -> set[str]:
    efs = e.client("efs")
    return {mt["MountTargetId"] for fs in _file_systems(e)
            for mt in efs.describe_mount_targets(FileSystemId=fs)["MountTargets"]}


@lister("AWS::EFS::AccessPoint")
def _access_points(e: Emulator) -> set[str]:
    return {ap["AccessPointId"] for ap in e.client("efs").describe_access_points()["AccessPoints"]}


@lister("AWS::Scheduler::Schedule")
def _schedules(e: Emulator) -> set[str]:
    return {s["Name"] for s in e.client("scheduler").list_schedules()["Schedules"]}


@lister("AWS::IAM::Policy")
def _inline_policies(e: Emulator) -> set[str]:
    # IAM names an inline policy by role and policy name only; the physical id CloudFormation
    # gives it is known to moto's backend alone.
    from moto.iam.models import iam_backends
    return set(iam_backends[ACCOUNT]["aws"].inline_policies)


@lister("IAM role policies")  # not a CloudFormation type: what the policies above attach
def _role_policies(e: Emulator) -> set[str]:
    iam = e.client("iam")
    return {f"{role}/{name}" for role in _roles(e)
            for name in iam.list_role_policies(RoleName=role)["PolicyNames"]}
