"""CloudFormation resource types that moto 5.2 lacks or only half creates, one class per type.

moto's CloudFormation finds a type's provider among the direct subclasses of
`CloudFormationModel` by `cloudformation_type()`; a type it does not find is skipped with a
log line, and its stack still reaches CREATE_COMPLETE. Each class below is such a direct
subclass (defined after moto's own, so it wins for a type moto already knows) and creates the
object in moto's real backend, so the test can ask the service API what exists. Where AWS
refuses something at deploy time that moto would let pass (an Fargate service without awsvpc,
a target group without a load balancer, a namespace deleted while it still holds services), the
provider refuses it too, with AWS's wording, so such a bug in the templates fails the test.

To emulate one more type: add a class with TYPE, ATTRIBUTES (GetAtt name -> field), `create`
and `delete` (an update is a `delete` and a `create`), and list it in PROVIDERS (`install`
checks that moto picked it). For a type moto
creates well but never deletes, a `MotoCreates` class with `remove` is enough.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

from moto.applicationautoscaling.models import applicationautoscaling_backends
from moto.cloudformation import parsing
from moto.cloudformation.exceptions import UnformattedGetAttTemplateException, ValidationError
from moto.core.common_models import CloudFormationModel
from moto.core.utils import pascal_to_camelcase, remap_nested_keys
from moto.ec2.models import ec2_backends
from moto.ecs import models as ecs_models
from moto.ecs.models import ecs_backends
from moto.efs.models import efs_backends
from moto.elbv2 import models as elbv2_models
from moto.elbv2.models import elbv2_backends
from moto.route53.models import route53_backends
from moto.scheduler.models import scheduler_backends
from moto.secretsmanager.models import secretsmanager_backends
from moto.servicediscovery.exceptions import ServiceNotFound
from moto.servicediscovery.models import servicediscovery_backends

Props = dict[str, Any]


class Refused(ValidationError):
    """What AWS would answer; raised while moto serves a CloudFormation call, so it reaches the
    AWS CLI as CloudFormation's own error."""

    def __init__(self, message: str) -> None:
        super().__init__(message=message)


class Emulated:
    """What every provider shares: moto's hooks mapped onto `create`, `delete` and ATTRIBUTES."""

    TYPE: ClassVar[str]
    ATTRIBUTES: ClassVar[dict[str, str]] = {}  # Fn::GetAtt name -> attribute of the instance
    physical_resource_id: str  # what Ref returns
    properties: Props  # what it was made from, to make it again when an update is refused
    generated_name: str

    def __init__(self, physical_resource_id: str) -> None:
        self.physical_resource_id = physical_resource_id

    @classmethod
    def cloudformation_type(cls) -> str:
        return cls.TYPE

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""  # names are read from the properties by `create`

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in cls.ATTRIBUTES

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        if attribute_name not in self.ATTRIBUTES:
            raise UnformattedGetAttTemplateException()
        return getattr(self, self.ATTRIBUTES[attribute_name])

    @classmethod
    def create_from_cloudformation_json(cls, resource_name: str, cloudformation_json: Props,
                                        account_id: str, region_name: str, **kwargs: Any) -> Emulated:
        made = cls.create(cloudformation_json.get("Properties", {}), resource_name, account_id,
                          region_name)
        made.properties, made.generated_name = cloudformation_json.get("Properties", {}), \
            resource_name
        return made

    @classmethod
    def update_from_cloudformation_json(cls, original_resource: Emulated, new_resource_name: str,
                                        cloudformation_json: Props, account_id: str,
                                        region_name: str) -> Emulated:
        # the old object goes and the new one is made, under the same name where the
        # properties give one (an ECS service keeps its ARN, a task definition gets a revision)
        original_resource.delete(account_id, region_name)
        try:
            made = cls.create(cloudformation_json.get("Properties", {}), new_resource_name,
                              account_id, region_name)
        except Exception:
            # refused: AWS leaves the resource as it was, for the stack's rollback to keep, so
            # the old one is made again (`vars`: the stack holds the old instance)
            vars(original_resource).update(vars(cls.create(
                original_resource.properties, original_resource.generated_name, account_id,
                region_name)))
            raise
        made.properties, made.generated_name = cloudformation_json.get("Properties", {}), \
            new_resource_name
        return made

    @classmethod
    def delete_from_cloudformation_json(cls, resource_name: str, cloudformation_json: Props,
                                        account_id: str, region_name: str) -> None:
        raise NotImplementedError(f"{cls.TYPE}: deleted through the instance")

    def is_created(self) -> bool:
        return True

    @classmethod
    def create(cls, props: Props, generated_name: str, account_id: str, region: str) -> Emulated:
        raise NotImplementedError

    def delete(self, account_id: str, region_name: str) -> None:
        raise NotImplementedError


def _tags(props: Props, key: str = "Key", value: str = "Value") -> list[dict[str, str]]:
    return [{key: t["Key"], value: t["Value"]} for t in props.get("Tags", [])]


class PrivateDnsNamespace(Emulated, CloudFormationModel):
    TYPE = "AWS::ServiceDiscovery::PrivateDnsNamespace"
    ATTRIBUTES: ClassVar[dict[str, str]] = {"Id": "physical_resource_id", "Arn": "arn",
                                            "HostedZoneId": "hosted_zone_id"}

    @classmethod
    def create(cls, props: Props, generated_name: str, account_id: str, region: str) -> Emulated:
        ec2_backends[account_id][region].get_vpc(props["Vpc"])  # AWS checks the VPC exists
        backend = servicediscovery_backends[account_id][region]
        operation = backend.create_private_dns_namespace(
            name=props["Name"], creator_request_id=generated_name,
            description=props.get("Description", ""), vpc=props["Vpc"], tags=_tags(props),
            properties=props.get("Properties", {}))
        namespace = backend.get_namespace(backend.get_operation(operation).targets["NAMESPACE"])
        made = cls(namespace.id)
        made.arn = namespace.arn
        made.hosted_zone_id = namespace.dns_properties["HostedZoneId"]
        return made

    def delete(self, account_id: str, region_name: str) -> None:
        backend = servicediscovery_backends[account_id][region_name]
        held = [s.name for s in backend.list_services() if s.namespace_id == self.physical_resource_id]
        if held:
            raise Refused(f"ResourceInUse: namespace {self.physical_resource_id} "
                          f"still has services {held}")
        backend.delete_namespace(self.physical_resource_id)
        # Cloud Map deletes the private hosted zone it made; moto's backend forgets to.
        route53_backends[account_id]["aws"].delete_hosted_zone(self.hosted_zone_id)


class DiscoveryService(Emulated, CloudFormationModel):
    TYPE = "AWS::ServiceDiscovery::Service"
    ATTRIBUTES: ClassVar[dict[str, str]] = {"Id": "physical_resource_id", "Arn": "arn",
                                            "Name": "name"}

    @classmethod
    def create(cls, props: Props, generated_name: str, account_id: str, region: str) -> Emulated:
        backend = servicediscovery_backends[account_id][region]
        namespace_id = props.get("NamespaceId") or props["DnsConfig"]["NamespaceId"]
        backend.get_namespace(namespace_id)  # AWS refuses a namespace that does not exist
        service = backend.create_service(
            name=props.get("Name", generated_name), namespace_id=namespace_id,
            creator_request_id=generated_name, description=props.get("Description", ""),
            dns_config=props.get("DnsConfig", {}),
            health_check_config=props.get("HealthCheckConfig", {}),
            health_check_custom_config=props.get("HealthCheckCustomConfig", {}),
            tags=_tags(props), service_type=props.get("Type", "DNS_HTTP"))
        made = cls(service.id)
        made.arn, made.name = service.arn, service.name
        return made

    def delete(self, account_id: str, region_name: str) -> None:
        servicediscovery_backends[account_id][region_name].delete_service(self.physical_resource_id)


class ScalableTarget(Emulated, CloudFormationModel):
    TYPE = "AWS::ApplicationAutoScaling::ScalableTarget"
    ATTRIBUTES: ClassVar[dict[str, str]] = {"Id": "physical_resource_id"}

    @classmethod
    def create(cls, props: Props, generated_name: str, account_id: str, region: str) -> Emulated:
        key = (props["ServiceNamespace"], props["ResourceId"], props["ScalableDimension"])
        # Checks that the ECS service it names exists, as AWS does.
        applicationautoscaling_backends[account_id][region].register_scalable_target(
            *key, min_capacity=props["MinCapacity"], max_capacity=props["MaxCapacity"],
            role_arn=props.get("RoleARN", ""), suspended_state=props.get("SuspendedState", {}))
        # CloudFormation's id of a scalable target: resource|dimension|namespace.
        made = cls(f"{key[1]}|{key[2]}|{key[0]}")
        made.key = key
        return made

    def delete(self, account_id: str, region_name: str) -> None:
        applicationautoscaling_backends[account_id][region_name].deregister_scalable_target(*self.key)


class ScalingPolicy(Emulated, CloudFormationModel):
    TYPE = "AWS::ApplicationAutoScaling::ScalingPolicy"
    ATTRIBUTES: ClassVar[dict[str, str]] = {"Arn": "physical_resource_id"}

    @classmethod
    def create(cls, props: Props, generated_name: str, account_id: str, region: str) -> Emulated:
        backend = applicationautoscaling_backends[account_id][region]
        if "ScalingTargetId" in props:
            resource_id, dimension, namespace = props["ScalingTargetId"].split("|")
        else:
            namespace, resource_id, dimension = (
                props["ServiceNamespace"], props["ResourceId"], props["ScalableDimension"])
        if resource_id not in backend.targets.get(dimension, {}):
            raise Refused(f"ObjectNotFoundException: No scalable target registered for "
                          f"service namespace: {namespace}, resource ID: {resource_id}")
        policy_type = props["PolicyType"]
        body = props.get("TargetTrackingScalingPolicyConfiguration"
                         if policy_type == "TargetTrackingScaling"
                         else "StepScalingPolicyConfiguration")
        policy = backend.put_scaling_policy(props.get("PolicyName", generated_name), namespace,
                                            resource_id, dimension, body, policy_type)
        made = cls(policy.policy_arn)
        made.key = (policy.policy_name, namespace, resource_id, dimension)
        return made

    def delete(self, account_id: str, region_name: str) -> None:
        applicationautoscaling_backends[account_id][region_name].delete_scaling_policy(*self.key)


class Secret(Emulated, CloudFormationModel):
    TYPE = "AWS::SecretsManager::Secret"
    ATTRIBUTES: ClassVar[dict[str, str]] = {"Id": "physical_resource_id"}

    @classmethod
    def create(cls, props: Props, generated_name: str, account_id: str, region: str) -> Emulated:
        created = secretsmanager_backends[account_id][region].create_secret(
            name=props.get("Name", generated_name), secret_string=props.get("SecretString"),
            secret_binary=None, description=props.get("Description"), tags=_tags(props),
            kms_key_id=props.get("KmsKeyId"), client_request_token=None, replica_regions=[],
            force_overwrite=False)
        return cls(json.loads(created)["ARN"])

    def delete(self, account_id: str, region_name: str) -> None:
        # CloudFormation deletes a secret at once, without a recovery window.
        secretsmanager_backends[account_id][region_name].delete_secret(
            self.physical_resource_id, recovery_window_in_days=None,
            force_delete_without_recovery=True)


class TaskDefinition(Emulated, CloudFormationModel):
    """moto's own provider keeps only family, containers, volumes and memory."""

    TYPE = "AWS::ECS::TaskDefinition"
    ATTRIBUTES: ClassVar[dict[str, str]] = {"TaskDefinitionArn": "physical_resource_id"}

    @classmethod
    def create(cls, props: Props, generated_name: str, account_id: str, region: str) -> Emulated:
        containers = remap_nested_keys(props["ContainerDefinitions"], pascal_to_camelcase)
        needs_execution_role = any(
            c.get("secrets") or c.get("logConfiguration", {}).get("logDriver") == "awslogs"
            for c in containers)
        if needs_execution_role and not props.get("ExecutionRoleArn"):
            raise Refused("Fargate requires task definition to have execution role ARN "
                          "to support log driver awslogs and secrets.")
        task_definition = ecs_backends[account_id][region].register_task_definition(
            family=props.get("Family", generated_name), container_definitions=containers,
            volumes=remap_nested_keys(props.get("Volumes", []), pascal_to_camelcase),
            network_mode=props.get("NetworkMode"), tags=_tags(props, "key", "value"),
            requires_compatibilities=props.get("RequiresCompatibilities"),
            cpu=props.get("Cpu"), memory=props.get("Memory"),
            task_role_arn=props.get("TaskRoleArn"), execution_role_arn=props.get("ExecutionRoleArn"),
            runtime_platform=remap_nested_keys(props.get("RuntimePlatform", {}), pascal_to_camelcase),
            ephemeral_storage=remap_nested_keys(props.get("EphemeralStorage"), pascal_to_camelcase))
        return cls(task_definition.arn)

    def delete(self, account_id: str, region_name: str) -> None:
        ecs_backends[account_id][region_name].deregister_task_definition(self.physical_resource_id)


class EcsService(Emulated, CloudFormationModel):
    """moto's own provider drops the launch type, network, load balancers, registries, ECS
    Exec and Service Connect (which moto lacks: see `_service_connect`)."""

    TYPE = "AWS::ECS::Service"
    ATTRIBUTES: ClassVar[dict[str, str]] = {"Name": "name", "ServiceArn": "physical_resource_id"}

    @classmethod
    def create(cls, props: Props, generated_name: str, account_id: str, region: str) -> Emulated:
        ecs = ecs_backends[account_id][region]
        task_definition = ecs.describe_task_definition(props["TaskDefinition"])
        launch_type = props.get("LaunchType")
        awsvpc = props.get("NetworkConfiguration", {}).get("AwsvpcConfiguration")
        if launch_type == "FARGATE" and (
                task_definition.network_mode != "awsvpc"
                or "FARGATE" not in (task_definition.requires_compatibilities or [])):
            raise Refused("Task definition does not support launch_type FARGATE.")
        if task_definition.network_mode == "awsvpc" and not awsvpc:
            raise Refused("Network Configuration must be provided when "
                          "networkMode 'awsvpc' is specified.")
        load_balancers = remap_nested_keys(props.get("LoadBalancers", []), pascal_to_camelcase)
        for lb in load_balancers:
            _check_target(account_id, region, lb, task_definition)
        registries = remap_nested_keys(props.get("ServiceRegistries", []), pascal_to_camelcase)
        discovery = servicediscovery_backends[account_id][region]
        for registry in registries:
            service_id = registry["registryArn"].rsplit("/", 1)[-1]
            try:
                discovery.get_service(service_id)
            except ServiceNotFound:
                raise Refused(
                    f"Service registry {registry['registryArn']} does not exist.") from None
        service = ecs.create_service(
            props["Cluster"], props.get("ServiceName", generated_name), props.get("DesiredCount", 1),
            task_definition_str=task_definition.arn, load_balancers=load_balancers,
            tags=_tags(props, "key", "value"), launch_type=launch_type,
            service_registries=registries, platform_version=props.get("PlatformVersion"),
            propagate_tags=props.get("PropagateTags", "NONE"),
            network_configuration=(
                {"awsvpcConfiguration": remap_nested_keys(awsvpc, pascal_to_camelcase)}
                if awsvpc else None))
        # moto's create_service takes no flag for it; its responses show the attribute
        service.enable_execute_command = props.get("EnableExecuteCommand", False)
        # CloudFormation reports a service created once it is steady, its tasks running
        # (moto starts none): what `aws ecs wait services-stable` then finds
        service.running_count, service.pending_count = service.desired_count, 0
        for deployment in service.deployments:
            deployment.update(runningCount=service.desired_count, pendingCount=0,
                              rolloutState="COMPLETED")
        made = cls(service.arn)
        made.name, made.cluster = service.name, service.cluster_name
        made.connect = _service_connect(account_id, region, props, task_definition, service)
        return made

    def delete(self, account_id: str, region_name: str) -> None:
        ecs_backends[account_id][region_name].delete_service(self.cluster, self.name, force=True)
        discovery = servicediscovery_backends[account_id][region_name]
        for service_id in self.connect:  # ECS deletes the Cloud Map services it made
            discovery.delete_service(service_id)
            ALIASES.pop(service_id, None)


# Service Connect client aliases taken: Cloud Map service id -> (namespace id, DnsName, Port)
ALIASES: dict[str, set[tuple[str, str, int]]] = {}


def _service_connect(account_id: str, region: str, props: Props, task_definition: Any,
                     service: Any) -> list[str]:
    """What ECS does with a ServiceConnectConfiguration, which moto lacks: refuse what the
    API refuses (a namespace that does not exist, a portName no port mapping has, more than
    one client alias, a discovery name or alias already taken in the namespace), make the
    Cloud Map service of each Service Connect service, and show the configuration and those
    resources on the service's deployment as describe-services does. The ids of the Cloud Map
    services made are returned.
    https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ServiceConnectService.html
    https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_Deployment.html"""
    config = props.get("ServiceConnectConfiguration")
    if not config or not config.get("Enabled"):
        return []
    discovery = servicediscovery_backends[account_id][region]
    given = config.get("Namespace", "")
    namespace = next((n for n in discovery.list_namespaces() if given in (n.arn, n.name, n.id)),
                     None)
    if namespace is None:
        raise Refused(f"Namespace {given} not found.")
    names = {m.get("name") for c in task_definition.container_definitions
             for m in c.get("portMappings", [])}
    taken = {(n.name) for n in discovery.list_services() if n.namespace_id == namespace.id}
    made: list[str] = []
    resources = []
    for entry in config.get("Services", []):
        port_name, aliases = entry["PortName"], entry.get("ClientAliases", [])
        if port_name not in names:
            raise Refused(f"Service Connect port name {port_name} is not defined in the task "
                          "definition's port mappings.")
        if len(aliases) > 1:
            raise Refused("Service Connect service clientAliases: the maximum is 1.")
        name = entry.get("DiscoveryName", port_name)
        wanted = {(namespace.id, a.get("DnsName", f"{name}.{namespace.name}"), a["Port"])
                  for a in aliases}
        if name in taken or any(wanted & held for held in ALIASES.values()):
            raise Refused(f"Service Connect discovery name or client alias of {name} is "
                          f"already used in namespace {namespace.name}.")
        cloud_map = discovery.create_service(
            name=name, namespace_id=namespace.id, creator_request_id=f"{service.arn}/{name}",
            description="Service Connect", dns_config={}, health_check_config={},
            health_check_custom_config={}, tags=[], service_type="HTTP")
        taken.add(name)
        ALIASES[cloud_map.id] = wanted
        made.append(cloud_map.id)
        resources.append({"discoveryName": name, "discoveryArn": cloud_map.arn})
    for deployment in service.deployments:
        deployment["serviceConnectConfiguration"] = remap_nested_keys(config, pascal_to_camelcase)
        deployment["serviceConnectResources"] = resources
    return made


def _check_target(account_id: str, region: str, lb: Props, task_definition: Any) -> None:
    """What ECS checks of a service's load balancer entry before it accepts the service."""
    arn = lb["targetGroupArn"]
    groups = elbv2_backends[account_id][region].describe_target_groups(
        load_balancer_arn=None, target_group_arns=[arn], names=None)
    group = groups[0]
    if not group.load_balancer_arns:
        raise Refused(
            f"The target group with targetGroupArn {arn} does not have an associated load balancer.")
    if task_definition.network_mode == "awsvpc" and group.target_type != "ip":
        raise Refused(
            f"The provided target group {arn} has target type {group.target_type}, which is "
            "incompatible with the awsvpc network mode specified in the task definition.")
    ports = {m.get("containerPort") for c in task_definition.container_definitions
             if c["name"] == lb["containerName"] for m in c.get("portMappings", [])}
    if lb["containerPort"] not in ports:
        raise Refused(
            f"The container {lb['containerName']} did not have a container port "
            f"{lb['containerPort']} defined.")


class FileSystem(Emulated, CloudFormationModel):
    """moto's own provider answers no Fn::GetAtt (Arn, FileSystemId)."""

    TYPE = "AWS::EFS::FileSystem"
    ATTRIBUTES: ClassVar[dict[str, str]] = {"Arn": "arn", "FileSystemId": "physical_resource_id"}

    @classmethod
    def create(cls, props: Props, generated_name: str, account_id: str, region: str) -> Emulated:
        backend = efs_backends[account_id][region]
        fs = backend.create_file_system(
            generated_name, performance_mode=props.get("PerformanceMode", "generalPurpose"),
            encrypted=props.get("Encrypted", False), kms_key_id=props.get("KmsKeyId"),
            throughput_mode=props.get("ThroughputMode", "bursting"),
            provisioned_throughput_in_mibps=props.get("ProvisionedThroughputInMibps", 0),
            availability_zone_name=props.get("AvailabilityZoneName"),
            backup=props.get("BackupPolicy", {}).get("Status") == "ENABLED",
            tags=props.get("FileSystemTags", []))
        if props.get("LifecyclePolicies"):
            backend.put_lifecycle_configuration(fs.file_system_id, props["LifecyclePolicies"])
        made = cls(fs.file_system_id)
        made.arn = fs.file_system_arn
        return made

    def delete(self, account_id: str, region_name: str) -> None:
        efs_backends[account_id][region_name].delete_file_system(self.physical_resource_id)


class AccessPoint(Emulated, CloudFormationModel):
    """moto's own provider has no physical id (Ref gives an object) and no Fn::GetAtt."""

    TYPE = "AWS::EFS::AccessPoint"
    ATTRIBUTES: ClassVar[dict[str, str]] = {"Arn": "arn", "AccessPointId": "physical_resource_id"}

    @classmethod
    def create(cls, props: Props, generated_name: str, account_id: str, region: str) -> Emulated:
        backend = efs_backends[account_id][region]
        backend.describe_file_systems(file_system_id=props["FileSystemId"])  # must exist, as in AWS
        point = backend.create_access_point(
            generated_name, tags=props.get("AccessPointTags", []),
            file_system_id=props["FileSystemId"], posix_user=props.get("PosixUser", {}),
            root_directory=props.get("RootDirectory", {}))
        made = cls(point.access_point_id)
        made.arn = point.access_point_arn
        return made

    def delete(self, account_id: str, region_name: str) -> None:
        efs_backends[account_id][region_name].delete_access_point(self.physical_resource_id)


class Schedule(Emulated, CloudFormationModel):
    TYPE = "AWS::Scheduler::Schedule"
    ATTRIBUTES: ClassVar[dict[str, str]] = {"Arn": "arn"}

    @classmethod
    def create(cls, props: Props, generated_name: str, account_id: str, region: str) -> Emulated:
        schedule = scheduler_backends[account_id][region].create_schedule(
            description=props.get("Description"), end_date=props.get("EndDate"),
            flexible_time_window=props["FlexibleTimeWindow"], group_name=props.get("GroupName"),
            kms_key_arn=props.get("KmsKeyArn"), name=props.get("Name", generated_name),
            schedule_expression=props["ScheduleExpression"],
            schedule_expression_timezone=props.get("ScheduleExpressionTimezone"),
            start_date=props.get("StartDate"), state=props.get("State", "ENABLED"),
            target=props["Target"], action_after_completion=None)
        made = cls(schedule.name)
        made.arn, made.group = schedule.arn, props.get("GroupName")
        return made

    def delete(self, account_id: str, region_name: str) -> None:
        scheduler_backends[account_id][region_name].delete_schedule(
            self.group, self.physical_resource_id)


class SecurityGroupIngress(Emulated, CloudFormationModel):
    """moto's own provider adds the rule but gives it no physical id and never revokes it."""

    TYPE = "AWS::EC2::SecurityGroupIngress"

    @classmethod
    def create(cls, props: Props, generated_name: str, account_id: str, region: str) -> Emulated:
        rules, _ = ec2_backends[account_id][region].authorize_security_group_ingress(
            **cls._rule(props))
        made = cls(rules[0].id)
        made.props = props
        return made

    def delete(self, account_id: str, region_name: str) -> None:
        backend = ec2_backends[account_id][region_name]
        rule = self._rule(self.props)
        groups = {g.id for g in backend.describe_security_groups()}
        # moto deletes a stack's resources in no particular order: a rule whose group or source
        # group is already gone went with it
        if rule["group_name_or_id"] in groups and all(
                g["GroupId"] in groups for g in rule["source_groups"]):
            backend.revoke_security_group_ingress(**rule)

    @staticmethod
    def _rule(props: Props) -> dict[str, Any]:
        source = props.get("SourceSecurityGroupId")
        cidr = props.get("CidrIp")
        return {"group_name_or_id": props["GroupId"], "ip_protocol": str(props["IpProtocol"]),
                "from_port": props.get("FromPort"), "to_port": props.get("ToPort"),
                "ip_ranges": [{"CidrIp": cidr, "Description": props.get("Description")}]
                if cidr else [],
                "source_groups": [{"GroupId": source}] if source else []}


class MotoCreates:
    """A type moto creates but never deletes: moto's own class makes it, `remove` deletes it.
    moto deletes a resource through the instance's `delete`, and failing that through the
    `delete_from_cloudformation_json` of the class its type maps to: this one."""

    MOTO: ClassVar[type[CloudFormationModel]]

    @classmethod
    def cloudformation_type(cls) -> str:
        return cls.MOTO.cloudformation_type()

    @classmethod
    def cloudformation_name_type(cls) -> str:
        return cls.MOTO.cloudformation_name_type()

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return cls.MOTO.has_cfn_attr(attr)

    @classmethod
    def create_from_cloudformation_json(cls, *args: Any, **kwargs: Any) -> Any:
        return cls.MOTO.create_from_cloudformation_json(*args, **kwargs)

    @classmethod
    def update_from_cloudformation_json(cls, *args: Any, **kwargs: Any) -> Any:
        return cls.MOTO.update_from_cloudformation_json(*args, **kwargs)

    @classmethod
    def delete_from_cloudformation_json(cls, resource_name: str, cloudformation_json: Props,
                                        account_id: str, region_name: str) -> None:
        cls.remove(resource_name, account_id, region_name)

    @classmethod
    def remove(cls, physical_id: str, account_id: str, region: str) -> None:
        raise NotImplementedError


class Cluster(MotoCreates, CloudFormationModel):
    MOTO = ecs_models.Cluster

    @classmethod
    def remove(cls, physical_id: str, account_id: str, region: str) -> None:
        ecs = ecs_backends[account_id][region]
        active = [s.name for s in ecs.services.values()
                  if s.cluster_name == physical_id and s.status == "ACTIVE"]
        if active:
            raise Refused(f"ClusterContainsServicesException: The Cluster cannot be deleted "
                          f"while Services are active: {active}")
        ecs.delete_cluster(physical_id)


class TargetGroup(MotoCreates, CloudFormationModel):
    MOTO = elbv2_models.FakeTargetGroup

    @classmethod
    def remove(cls, physical_id: str, account_id: str, region: str) -> None:
        elbv2_backends[account_id][region].delete_target_group(physical_id)


class ListenerRule(MotoCreates, CloudFormationModel):
    """A rule a stack update takes out (a workload's, with its target group) must go before
    the target group can."""

    MOTO = elbv2_models.FakeListenerRule

    @classmethod
    def update_from_cloudformation_json(cls, *args: Any, **kwargs: Any) -> Any:
        """moto's modify_rule forgets what create_rule does: a target group a rule now
        forwards to is associated with the rule's load balancer (ECS checks that)."""
        rule = cls.MOTO.update_from_cloudformation_json(*args, **kwargs)
        backend = elbv2_backends[kwargs["account_id"]][kwargs["region_name"]]
        [listener] = backend.describe_listeners(None, [rule.listener_arn])
        for action in rule.actions:
            if action.type == "forward":
                for arn in backend._get_target_group_arns_from(action_data=action.data):
                    balancers = backend.target_groups[arn].load_balancer_arns
                    if listener.load_balancer_arn not in balancers:
                        balancers.append(listener.load_balancer_arn)
        return rule

    @classmethod
    def remove(cls, physical_id: str, account_id: str, region: str) -> None:
        backend = elbv2_backends[account_id][region]
        # moto deletes a stack's resources in no particular order: a rule whose listener (or
        # load balancer) is already gone went with it
        if physical_id in {rule.arn for listener in _listeners(backend)
                           for rule in listener.rules.values()}:
            backend.delete_rule(physical_id)


class Listener(MotoCreates, CloudFormationModel):
    """A Service's listener sits in its workload's stack, with the target group it forwards to."""

    MOTO = elbv2_models.FakeListener

    @classmethod
    def remove(cls, physical_id: str, account_id: str, region: str) -> None:
        backend = elbv2_backends[account_id][region]
        if physical_id in {listener.arn for listener in _listeners(backend)}:  # else it went
            backend.delete_listener(physical_id)  # with its load balancer


def _listeners(backend: Any) -> list[Any]:
    """Every live listener (moto finds one by ARN only through its load balancer)."""
    return [listener for balancer in backend.load_balancers.values()
            for listener in balancer.listeners.values()]


class VpcEndpoint(Emulated, CloudFormationModel):
    """moto's own provider never deletes the endpoint, and takes shapes AWS refuses."""

    TYPE = "AWS::EC2::VPCEndpoint"
    ATTRIBUTES: ClassVar[dict[str, str]] = {"Id": "physical_resource_id"}

    @classmethod
    def create(cls, props: Props, generated_name: str, account_id: str, region: str) -> Emulated:
        ec2 = ec2_backends[account_id][region]
        kind = props.get("VpcEndpointType", "Gateway")
        vpc = props["VpcId"]
        ec2.get_vpc(vpc)
        service = props["ServiceName"]
        if not service.startswith(f"com.amazonaws.{region}."):
            raise Refused(f"InvalidServiceName: The Vpc Endpoint Service '{service}' does not "
                          "exist")
        subnets, groups = props.get("SubnetIds", []), props.get("SecurityGroupIds", [])
        if kind == "Interface":
            zones = [ec2.get_subnet(subnet).availability_zone for subnet in subnets]
            if not subnets or len(set(zones)) != len(zones):
                raise Refused("DuplicateSubnetsInSameZone: an interface endpoint takes one "
                              "subnet per Availability Zone, and at least one")
            for group in ec2.describe_security_groups(group_ids=groups):
                if group.vpc_id != vpc:
                    raise Refused(f"InvalidParameter: security group {group.id} is not in {vpc}")
        elif subnets or groups or props.get("PrivateDnsEnabled"):
            raise Refused("InvalidParameter: a gateway endpoint takes route tables, not "
                          "subnets, security groups or private DNS")
        made = ec2.create_vpc_endpoint(
            vpc_id=vpc, service_name=service, endpoint_type=kind, subnet_ids=subnets,
            security_group_ids=groups, route_table_ids=props.get("RouteTableIds", []),
            private_dns_enabled=props.get("PrivateDnsEnabled", kind == "Interface"),
            policy_document=json.dumps(props["PolicyDocument"])
            if "PolicyDocument" in props else None)
        return cls(made.id)

    def delete(self, account_id: str, region_name: str) -> None:
        ec2_backends[account_id][region_name].delete_vpc_endpoints([self.physical_resource_id])


PROVIDERS: tuple[type[Emulated | MotoCreates], ...] = (
    PrivateDnsNamespace, DiscoveryService, ScalableTarget, ScalingPolicy, Secret,
    TaskDefinition, EcsService, FileSystem, AccessPoint, Schedule, SecurityGroupIngress, Cluster,
    TargetGroup, ListenerRule, Listener, VpcEndpoint,
)


def install() -> None:
    """Make moto's CloudFormation see the providers (its type map is cached on first use)."""
    parsing.get_model_list.cache_clear()
    parsing.get_model_map.cache_clear()
    parsing.get_name_type_map.cache_clear()
    for provider in PROVIDERS:
        cfn_type = provider.cloudformation_type()
        assert parsing.get_model_map()[cfn_type] is provider, cfn_type
