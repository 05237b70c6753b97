"""The tasks' security groups, which the templates create (the network the pods had):

- the app's group (cluster stack, `TaskSecurityGroup`, exported): every task of the app is
  in it. It admits nothing itself; it is the source the workloads' groups admit, and the
  group to let into a database or cache outside the app;
- a workload's own group (its stack, `WorkloadSecurityGroup`): every task of one
  pod-running object. It admits the app's group on exactly the container ports the
  workload's Services target (unless NetworkPolicies protect it: then their rules decide),
  each load balancer's group on the ports its target groups use, and it is the source the
  EFS mount targets it mounts admit on NFS;
- the groups of your own that the `SecurityGroupIds` parameter adds (optional).

A rule lives in the stack of the workload it admits into, so a change to one workload never
touches another's stack. Egress stays open, as it was for the pods.
"""

from __future__ import annotations

from typing import Any

from translator.cfn import Equals, GetAtt, If, Join, Not, Ref, Split
from translator.context import CLUSTER_STACK, Context, export_name, import_from
from translator.plan import Fragment, Output, Parameter, Resource

APP_GROUP = "TaskSecurityGroup"
WORKLOAD_GROUP = "WorkloadSecurityGroup"
OWN_GROUPS = "SecurityGroupIds"  # the operator's, optional
MAX_GROUPS = 5  # per task: https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_AwsVpcConfiguration.html
PROTOCOLS = {"TCP": "tcp", "UDP": "udp"}


def app_group(frag: Fragment, ctx: Context, origin: str) -> None:
    """The app's group in the cluster stack, exported for the workloads and the operator."""
    frag.put(CLUSTER_STACK, "Resources", APP_GROUP, Resource("AWS::EC2::SecurityGroup", {
        "GroupDescription": f"Every task of {ctx.app}: the source its workloads admit on "
                            "their Service ports; let it into a database outside the app",
        "VpcId": Ref("VpcId"),
    }, origin))
    frag.put(CLUSTER_STACK, "Outputs", APP_GROUP_OUTPUT, Output(
        GetAtt(APP_GROUP, "GroupId"), f"Security group of every task of {ctx.app} (let it "
        "into a database's group: see README.md)", export_name(APP_GROUP_OUTPUT)))


APP_GROUP_OUTPUT = f"{APP_GROUP}Id"


def app_group_ref() -> Any:
    """The app's group, from a workload stack."""
    return import_from("ClusterStackName", APP_GROUP_OUTPUT)


def vpc_parameter(frag: Fragment, stack: str) -> None:
    frag.put(stack, "Parameters", "VpcId", Parameter(
        "AWS::EC2::VPC::Id", "VPC of the task subnets (for the security groups)"))


def workload_group(frag: Fragment, stack: str, origin: str) -> GetAtt:
    """Declare a workload's own group in its stack (the same from every caller); its id."""
    vpc_parameter(frag, stack)
    frag.put(stack, "Resources", WORKLOAD_GROUP, Resource("AWS::EC2::SecurityGroup", {
        "GroupDescription": f"Tasks of {origin}: what reaches them (the tasks of the app on its "
                            "Service ports, its load balancers) and what EFS admits",
        "VpcId": Ref("VpcId"),
    }, origin))
    frag.put(stack, "Outputs", f"{WORKLOAD_GROUP}Id", Output(
        GetAtt(WORKLOAD_GROUP, "GroupId"), f"Security group of the tasks of {origin} alone"))
    return GetAtt(WORKLOAD_GROUP, "GroupId")


def admit(frag: Fragment, stack: str, logical: str, protocol: str, port: int, source: Any,
          description: str, origin: str) -> str:
    """An ingress rule on the workload's own group (in its stack) from `source`."""
    frag.put(stack, "Resources", logical, Resource("AWS::EC2::SecurityGroupIngress", {
        "GroupId": GetAtt(WORKLOAD_GROUP, "GroupId"),
        "IpProtocol": protocol, "FromPort": port, "ToPort": port,
        "SourceSecurityGroupId": source,
        "Description": description,
    }, origin))
    return logical


def admit_app(frag: Fragment, stack: str, protocol: str, port: int, origin: str) -> str:
    """The app's tasks may reach a container port a Service targets."""
    return admit(frag, stack, f"FromApp{protocol.capitalize()}{port}", protocol, port,
                 app_group_ref(), f"{protocol} {port} from every task of the app (a port its "
                 "Services target)", origin)


def own_groups_parameter(frag: Fragment, stack: str, ours: int) -> None:
    """The operator's extra groups: optional, room for what ECS allows beside `ours`."""
    room = MAX_GROUPS - ours
    frag.put(stack, "Parameters", OWN_GROUPS, Parameter(
        "CommaDelimitedList", f"Security groups of your own the tasks also join (optional, at "
        f"most {room}: a task takes {MAX_GROUPS}); the templates make the ones the app needs",
        default=""))
    frag.put(stack, "Conditions", f"Has{OWN_GROUPS}",
             Not(Equals(Join(",", Ref(OWN_GROUPS)), "")))


def task_groups(ours: list[Any]) -> Any:
    """The tasks' SecurityGroups list: ours, plus the operator's when the parameter holds any."""
    return If(f"Has{OWN_GROUPS}", Split(",", _with_own(ours)), list(ours))


def joined_groups(ours: list[Any]) -> Any:
    """Ours and the operator's, as one comma-separated string."""
    return If(f"Has{OWN_GROUPS}", _with_own(ours), Join(",", tuple(ours)))


def _with_own(ours: list[Any]) -> Join:
    return Join(",", (*ours, Join(",", Ref(OWN_GROUPS))))
