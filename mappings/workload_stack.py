"""The stack every pod-running kind shares: log group, execution role, task role when one is
needed, the Fargate task definition, and (for Deployment and StatefulSet) the ECS service.

Deployment, StatefulSet, Job and CronJob differ only in what they put around it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from mappings import discovery, networkpolicy, overrides, security_groups
from mappings.persistent_storage import SUBNETS
from mappings.pod.pod_level import irsa_role
from mappings.pod.probes import health_check_mode
from mappings.pod.spec import PodResult, map_pod
from mappings.workloads import Workload, balanced_containers, reached_ports
from translator.cfn import GetAtt, Join, Ref, Sub, app_container
from translator.context import Context, import_from, workload_stack
from translator.models import (
    ClaimTemplate,
    Deployment,
    KubeObject,
    PodSpec,
    ServiceAccount,
    StatefulSet,
)
from translator.plan import Fragment, Output, Parameter, Resource, StackInfo, Target

TASK_EXECUTION_POLICY = "arn:${AWS::Partition}:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
ECS_TASKS_TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                   "Action": "sts:AssumeRole"}],
}
# What the SSM agent in the task needs for ECS Exec: these four actions have no resource
# type, so "*" is the only resource they take.
# https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-exec.html
# https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonsessionmanagermessagegatewayservice.html
EXEC_STATEMENT = {
    "Effect": "Allow",
    "Action": [f"ssmmessages:{action}" for action in (
        "CreateControlChannel", "CreateDataChannel", "OpenControlChannel", "OpenDataChannel")],
    "Resource": "*",
}


@dataclass
class TaskStack:
    stack: str
    title: str
    namespace: str
    obj: KubeObject
    pod: PodResult
    family: str
    task_role: Any  # the task role's ARN, or None
    template_path: str  # JSON Pointer of the pod template
    cluster_groups: tuple[str, ...]  # outputs of the cluster stack: groups the tasks join
    own_group: Any  # the workload's own group
    exec_command: bool = False  # ECS Exec on its tasks (the task role may open channels)
    role_policies: tuple[str, ...] = ()  # policies this stack attaches to an IRSA role

    @property
    def network(self) -> dict[str, Any]:
        groups = [*(import_from("ClusterStackName", name) for name in self.cluster_groups),
                  self.own_group]
        return {"AwsvpcConfiguration": {
            "AssignPublicIp": "DISABLED",
            "Subnets": Ref("SubnetIds"),
            "SecurityGroups": security_groups.task_groups(groups),
        }}


def task_stack(obj: KubeObject, pod_spec: PodSpec, template_path: str, frag: Fragment,
               ctx: Context, claims: tuple[ClaimTemplate, ...] = (),
               run_once: bool = False) -> TaskStack:
    """The stack of one pod-running object, up to and including its task definition.

    `template_path` is the JSON Pointer of the pod template (`/spec/template`, or
    `/spec/jobTemplate/spec/template` for a CronJob).
    """
    entry = frag.entry
    ns = ctx.namespace_of(obj)
    title = ctx.workload_title(ns, obj.name)
    stack = workload_stack(ns, obj.name)
    frag.stacks.append(StackInfo(stack, title, "workload", f"{ctx.app}: {obj.kind} {ns}/{obj.name} on "
                                 "ECS Fargate (eks2ecs)", run_once))
    put = frag.put
    put(stack, "Parameters", "ClusterStackName", Parameter(
        "String", "Name of the stack that holds the ECS cluster and Cloud Map namespace",
        default=f"{ctx.app}-cluster"))
    put(stack, "Parameters", "SubnetIds", SUBNETS)
    own_group = security_groups.workload_group(frag, stack, obj.ref)
    cluster_groups = [security_groups.APP_GROUP_OUTPUT]
    policy = networkpolicy.group_output(obj, ctx)
    if policy is not None:
        cluster_groups.append(policy)
    security_groups.own_groups_parameter(frag, stack, len(cluster_groups) + 1)

    served = Workload(obj, ns) if isinstance(obj, Deployment | StatefulSet) else None
    reached = reached_ports(served, ctx) if served else ()
    balanced = balanced_containers(served, ctx) if served else {}
    sc_names = discovery.port_names(served, ctx) if served and discovery.client(obj, ctx) \
        else None
    pod = map_pod(pod_spec, f"{template_path}/spec", ns, stack, frag, ctx, claims, reached,
                  balanced, health_check_mode(obj, frag, overrides.health_check(obj, ctx)),
                  sc_names)
    cpu, memory = overrides.task_size(obj, frag, ctx, stack, pod.size.cpu, pod.size.memory,
                                      pod.containers)
    log_group = f"/ecs/{ctx.app}/{title}"
    put(stack, "Resources", "LogGroup", Resource("AWS::Logs::LogGroup", {
        "LogGroupName": log_group, "RetentionInDays": 30}, obj.ref))

    role: dict[str, Any] = {
        "AssumeRolePolicyDocument": ECS_TASKS_TRUST,
        "ManagedPolicyArns": [Sub(TASK_EXECUTION_POLICY)],
    }
    if pod.secret_reads:
        role["Policies"] = [{
            "PolicyName": "read-referenced-secrets",
            "PolicyDocument": {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": action, "Resource": resources}
                for action, resources in sorted(pod.secret_reads.items(), key=lambda r: repr(r[0]))
            ]},
        }]
    put(stack, "Resources", "ExecutionRole", Resource("AWS::IAM::Role", role, obj.ref))

    task: dict[str, Any] = {
        "Family": ctx.stack_name(title),
        "Cpu": str(cpu),
        "Memory": str(memory),
        "NetworkMode": "awsvpc",
        "RequiresCompatibilities": ["FARGATE"],
        **pod.task,  # RuntimePlatform, and EphemeralStorage or PidMode when the pod needs them
        "ExecutionRoleArn": GetAtt("ExecutionRole", "Arn"),
        "ContainerDefinitions": pod.containers,
    }
    if pod.storage.volumes:
        task["Volumes"] = pod.storage.volumes
    # kubectl exec reached the pods of every kind: a service's tasks, a Job's and a CronJob's
    exec_command = ctx.options.exec_command
    task_role, role_policies = _task_role(obj, pod_spec, pod, stack, task, frag, ctx,
                                          exec_command)
    if exec_command:
        _exec_read_only(pod_spec, pod, template_path, stack, frag)
    put(stack, "Resources", "TaskDefinition", Resource("AWS::ECS::TaskDefinition", task, obj.ref))
    entry.notes.append(pod.size.note)
    sizing = pod.size.sizing
    if sizing.without_proxy is not None:  # an override sizes the task with or without it
        sizing = replace(sizing, without_proxy=overrides.chosen_size(
            obj, ctx, *sizing.without_proxy))
    entry.sizing = sizing
    if not pod.size.fits:
        entry.status = "partial"
    entry.mapped("/metadata/namespace", Target(stack, "/Resources/TaskDefinition/Properties/Family"),
                 f"stack {ctx.stack_name(title)}")
    renamed = ctx.rename(ns, obj.name)
    if renamed:
        entry.notes.append(f"renamed: {renamed}")
    entry.ignored(f"{template_path}/metadata/annotations",
                  "pod annotations (scrape hints, sidecar injection) have no ECS meaning")
    entry.ignored("/metadata/labels", "labels are not carried to ECS tags")
    return TaskStack(stack, title, ns, obj, pod, task["Family"], task_role, template_path,
                     tuple(cluster_groups), own_group, exec_command, role_policies)


def ecs_service(ts: TaskStack, desired: int | None, deployment: dict[str, Any], frag: Fragment,
                ctx: Context) -> None:
    """The ECS service that keeps `desired` tasks running (None: autoscaling decides; a
    desired-count override can change it); other rules add registries and load balancers."""
    ns, obj = ts.namespace, ts.obj
    desired = overrides.desired_count(obj, frag, ctx, ts.stack, desired)
    service: dict[str, Any] = {
        "Cluster": import_from("ClusterStackName", "ClusterName"),
        "ServiceName": ts.title,
        "TaskDefinition": Ref("TaskDefinition"),
        "LaunchType": "FARGATE",
        "PlatformVersion": "LATEST",
        **({} if desired is None else {"DesiredCount": desired}),
        **({"EnableExecuteCommand": True} if ts.exec_command else {}),
        "DeploymentConfiguration": deployment,
        "NetworkConfiguration": ts.network,
        "PropagateTags": "SERVICE",
        "EnableECSManagedTags": True,
        "Tags": [{"Key": "kubernetes.io/name", "Value": f"{ns}/{obj.name}"},
                 *overrides.tags(obj, frag, ctx, ts.stack)],
    }
    if ts.pod.storage.service_volumes:
        service["VolumeConfigurations"] = ts.pod.storage.service_volumes
    if discovery.client(obj, ctx):
        service["ServiceConnectConfiguration"] = _service_connect(ts, ctx)
    frag.put(ts.stack, "Resources", "Service", Resource(
        "AWS::ECS::Service", service, obj.ref,
        # tasks start once their role holds what this stack attaches to it
        depends_on=[*ts.pod.storage.service_depends_on, *ts.role_policies]))
    frag.entry.mapped("/metadata/name", Target(ts.stack, "/Resources/Service/Properties/ServiceName"))
    exec_row(ts, frag, ctx, "/Resources/Service/Properties/EnableExecuteCommand",
             f"--service-name {ts.title}")
    frag.entry.mapped(f"{ts.template_path}/metadata/labels", None,
                      "matched against Service selectors: decides which Cloud Map name and "
                      "target groups the ECS service registers in")


def _service_connect(ts: TaskStack, ctx: Context) -> dict[str, Any]:
    """The ECS service as a Service Connect client in the cluster's namespace, and the server
    of its Services' ports (mappings.discovery); the proxy logs beside the app's, as the
    developer guide recommends setting its log configuration on the service."""
    assert isinstance(ts.obj, Deployment | StatefulSet)
    config: dict[str, Any] = {
        "Enabled": True,
        "Namespace": import_from("ClusterStackName", "NamespaceArn"),
        "LogConfiguration": {"LogDriver": "awslogs", "Options": {
            "awslogs-group": Ref("LogGroup"), "awslogs-region": Ref("AWS::Region"),
            "awslogs-stream-prefix": "service-connect"}},
    }
    services = [{
        "PortName": p.port_name, "DiscoveryName": p.discovery,
        "ClientAliases": [{"Port": p.port, "DnsName": p.alias}],
    } for p in discovery.of_workload(Workload(ts.obj, ts.namespace), ctx)]
    if services:
        config["Services"] = services
    return config


def run_task_outputs(ts: TaskStack, frag: Fragment, ctx: Context) -> None:
    """What `aws ecs run-task` needs, as outputs that deploy.sh and the README read."""
    outputs = {
        "ClusterStackName": (Ref("ClusterStackName"), "Stack whose ClusterName output names "
                             "the ECS cluster to run in"),
        "TaskDefinitionArn": (Ref("TaskDefinition"), "Task definition to run"),
        "Subnets": (Join(",", Ref("SubnetIds")), "Subnets for --network-configuration"),
        # an output cannot hold an import (cfn-lint W6001): the cluster stack's groups are
        # named, for deploy.sh and the README to read from there
        "SecurityGroups": (security_groups.joined_groups([ts.own_group]),
                           "Security groups of this stack for --network-configuration"),
        "ClusterSecurityGroups": (",".join(ts.cluster_groups), "Outputs of the cluster "
                                  "stack that name the other security groups of the tasks"),
    }
    if ts.exec_command:
        # run-task --enable-execute-command; AWS refuses it without the task role this stack
        # gives the tasks (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_RunTask.html)
        outputs["ExecuteCommand"] = ("true", "true: run the task with --enable-execute-command "
                                     "(its task role may open the ECS Exec channels)")
    for name, (value, description) in outputs.items():
        frag.put(ts.stack, "Outputs", name, Output(value, description))
    exec_row(ts, frag, ctx, "/Outputs/ExecuteCommand", f"--family {ts.family}")


def exec_row(ts: TaskStack, frag: Fragment, ctx: Context, pointer: str, tasks: str) -> None:
    """The report's kubectl exec row: where ECS Exec is switched on for the tasks (`pointer`)
    and the command that enters one, found by `tasks` (list-tasks' filter)."""
    if not ts.exec_command:
        return
    cluster = ctx.cluster_name
    frag.entry.mapped("/metadata/name", Target(ts.stack, pointer), (
        f"kubectl exec: aws ecs execute-command --cluster {cluster} --container "
        f"{app_container(ts.pod.containers)} --interactive --command /bin/sh --task TASK "
        f"(TASK: aws ecs list-tasks --cluster {cluster} {tasks}; README.md shows the line)"))


def _exec_read_only(pod_spec: PodSpec, pod: PodResult, template_path: str, stack: str,
                    frag: Fragment) -> None:
    """ECS Exec's agent writes into the container, so a read-only root file system breaks
    `aws ecs execute-command` there ("isn't supported", ECS Exec considerations:
    https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-exec.html)."""
    for i, definition in enumerate(pod.containers[:len(pod_spec.containers)]):
        if definition.get("ReadonlyRootFilesystem") is True:
            frag.entry.lossy(
                f"{template_path}/spec/containers/{i}/securityContext/readOnlyRootFilesystem",
                "ECS Exec does not work in a read-only root file system (its agent writes "
                "there): `aws ecs execute-command` fails in this container unless "
                "/managed-agents, /var/lib/amazon/ssm and /var/log/amazon/ssm are writable "
                "volumes; or leave ECS Exec off (--no-exec)",
                Target(stack, f"/Resources/TaskDefinition/Properties/ContainerDefinitions/{i}"
                       "/ReadonlyRootFilesystem"))


def _task_role(obj: KubeObject, pod_spec: PodSpec, pod: PodResult, stack: str,
               task: dict[str, Any], frag: Fragment, ctx: Context,
               exec_command: bool) -> tuple[Any, tuple[str, ...]]:
    """The IRSA role of the ServiceAccount, or a role of the stack's own when the volumes or
    ECS Exec need one; EFS mount and ECS Exec permissions go on whichever it is (on an IRSA
    role as policies of this stack, attached by the role's name: their logical ids are
    returned with the role's ARN)."""
    policies: list[tuple[str, dict[str, Any]]] = []  # (logical id on an IRSA role, policy)
    if pod.storage.role_statements:
        policies.append(("VolumeMountPolicy", {"PolicyName": "mount-volumes", "PolicyDocument": {
            "Version": "2012-10-17", "Statement": pod.storage.role_statements}}))
    if exec_command:
        policies.append(("ExecuteCommandPolicy", {"PolicyName": "ecs-exec", "PolicyDocument": {
            "Version": "2012-10-17", "Statement": [EXEC_STATEMENT]}}))
    name = pod_spec.service_account_name
    account = ctx.find(ServiceAccount, ctx.namespace_of(obj), name) if name else None
    arn, is_arn = irsa_role(account) if account else (None, False)
    if arn is not None:
        # a placeholder (a kustomize base's ACCOUNT_ID) is no default: the operator fills it in
        frag.put(stack, "Parameters", "TaskRoleArn", Parameter(
            "String", f"IAM role of ServiceAccount {name} (IRSA); its trust policy must also "
            "allow ecs-tasks.amazonaws.com to assume it", default=arn if is_arn else None,
            example=None if is_arn else f"arn:aws:iam::123456789012:role/{name}"))
        task["TaskRoleArn"] = Ref("TaskRoleArn")
        if policies:
            given = " and ".join(policy["PolicyName"] for _, policy in policies)
            noun = "policy" if len(policies) == 1 else "policies"
            frag.put(stack, "Parameters", "TaskRoleName", Parameter(
                "String", f"Name of the IAM role in TaskRoleArn (this stack attaches its {given} "
                f"{noun} to it)",
                default=arn.rsplit("/", 1)[-1] if is_arn else None, example=name))
        for logical_id, policy in policies:
            frag.put(stack, "Resources", logical_id, Resource("AWS::IAM::Policy", {
                **policy, "Roles": [Ref("TaskRoleName")]}, obj.ref))
        return task["TaskRoleArn"], tuple(logical_id for logical_id, _ in policies)
    if policies:
        frag.put(stack, "Resources", "TaskRole", Resource("AWS::IAM::Role", {
            "AssumeRolePolicyDocument": ECS_TASKS_TRUST,
            "Policies": [policy for _, policy in policies]}, obj.ref))
        task["TaskRoleArn"] = GetAtt("TaskRole", "Arn")
    return task.get("TaskRoleArn"), ()
