"""The reachability check (translator.reachability) on crafted templates: each kind of failure
is caught where a deploy would break or a path would open, and the same templates with the
missing rule (or without the extra one) pass; the values resolve across stacks as
CloudFormation resolves them (exports, parameter defaults, Split/Join, conditions)."""

from __future__ import annotations

import textwrap

import pytest

from tests.helpers import decoded
from translator.cfnvalues import Template
from translator.plan import Reach
from translator.reachability import Analysis, analyse

CLUSTER = """
Parameters:
  VpcId: {Type: "AWS::EC2::VPC::Id"}
Resources:
  TaskSecurityGroup:
    Type: AWS::EC2::SecurityGroup
    Properties: {GroupDescription: every task, VpcId: !Ref VpcId}
Outputs:
  TaskSecurityGroupId:
    Value: !GetAtt TaskSecurityGroup.GroupId
    Export: {Name: !Sub "${AWS::StackName}-TaskSecurityGroupId"}
"""

BALANCER = """
Parameters:
  VpcId: {Type: "AWS::EC2::VPC::Id"}
  InboundCidr: {Type: String, Default: 0.0.0.0/0}
Resources:
  LoadBalancerSecurityGroup:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: lb
      VpcId: !Ref VpcId
      SecurityGroupIngress:
        - {IpProtocol: tcp, FromPort: 80, ToPort: 80, CidrIp: !Ref InboundCidr}
  LoadBalancer:
    Type: AWS::ElasticLoadBalancingV2::LoadBalancer
    Properties: {SecurityGroups: [!Ref LoadBalancerSecurityGroup], Subnets: [subnet-1]}
  Listener:
    Type: AWS::ElasticLoadBalancingV2::Listener
    Properties:
      LoadBalancerArn: !Ref LoadBalancer
      Port: 80
      Protocol: HTTP
      DefaultActions: [{Type: fixed-response, FixedResponseConfig: {StatusCode: "404"}}]
  Rule:
    Type: AWS::ElasticLoadBalancingV2::ListenerRule
    Properties:
      ListenerArn: !Ref Listener
      Priority: 10
      Conditions: [{Field: path-pattern, PathPatternConfig: {Values: ["/*"]}}]
      Actions: [{Type: forward, TargetGroupArn: !Ref TargetGroupWeb}]
  TargetGroupWeb:
    Type: AWS::ElasticLoadBalancingV2::TargetGroup
    Properties: {TargetType: ip, Port: 3000, Protocol: HTTP, VpcId: !Ref VpcId}
Outputs:
  LoadBalancerSecurityGroupId:
    Value: !GetAtt LoadBalancerSecurityGroup.GroupId
    Export: {Name: !Sub "${AWS::StackName}-LoadBalancerSecurityGroupId"}
  TargetGroupWebArn:
    Value: !Ref TargetGroupWeb
    Export: {Name: !Sub "${AWS::StackName}-TargetGroupWebArn"}
"""


def workload(name: str, rules: str = "", extra: str = "", load_balanced: bool = False,
             groups: str = "") -> str:
    """A workload stack: its own group, the app's group (imported), optional operator groups
    (a list parameter, empty by default), the ECS service, and `rules` on its own group."""
    balancers = textwrap.indent(textwrap.dedent("""\
        LoadBalancers:
          - ContainerName: app
            ContainerPort: 3000
            TargetGroupArn:
              Fn::ImportValue: !Sub "${LoadBalancerStackName}-TargetGroupWebArn"
        """), " " * 6) if load_balanced else ""
    return f"""
Parameters:
  ClusterStackName: {{Type: String, Default: app-cluster}}
  LoadBalancerStackName: {{Type: String, Default: app-load-balancer}}
  SecurityGroupIds: {{Type: CommaDelimitedList, Default: ""}}
  VpcId: {{Type: "AWS::EC2::VPC::Id"}}
Conditions:
  HasSecurityGroupIds: !Not [!Equals [!Join [",", !Ref SecurityGroupIds], ""]]
Resources:
  WorkloadSecurityGroup:
    Type: AWS::EC2::SecurityGroup
    Properties: {{GroupDescription: {name}, VpcId: !Ref VpcId}}
  TaskDefinition:
    Type: AWS::ECS::TaskDefinition
    Properties:
      Family: {name}
      ContainerDefinitions: []{extra}
  Service:
    Type: AWS::ECS::Service
    Properties:
      TaskDefinition: !Ref TaskDefinition
      NetworkConfiguration:
        AwsvpcConfiguration:
          Subnets: [subnet-1]
          SecurityGroups: !If
            - HasSecurityGroupIds
            - !Split [",", !Join [",", [!GetAtt WorkloadSecurityGroup.GroupId,
                                         !Join [",", !Ref SecurityGroupIds]]]]
            - - Fn::ImportValue: !Sub "${{ClusterStackName}}-TaskSecurityGroupId"
              - !GetAtt WorkloadSecurityGroup.GroupId{groups}
{balancers}{rules}"""


def from_app(port: int, protocol: str = "tcp") -> str:
    return f"""
  FromApp{port}:
    Type: AWS::EC2::SecurityGroupIngress
    Properties:
      GroupId: !GetAtt WorkloadSecurityGroup.GroupId
      IpProtocol: {protocol}
      FromPort: {port}
      ToPort: {port}
      SourceSecurityGroupId:
        Fn::ImportValue: !Sub "${{ClusterStackName}}-TaskSecurityGroupId"
"""


FROM_BALANCER = """
  FromLoadBalancer3000:
    Type: AWS::EC2::SecurityGroupIngress
    Properties:
      GroupId: !GetAtt WorkloadSecurityGroup.GroupId
      IpProtocol: tcp
      FromPort: 3000
      ToPort: 3000
      SourceSecurityGroupId:
        Fn::ImportValue: !Sub "${LoadBalancerStackName}-LoadBalancerSecurityGroupId"
"""


def app(*stacks: tuple[str, str], reaches: tuple[Reach, ...] = (),
        bindings: dict[tuple[str, str], tuple[str, str]] | None = None) -> Analysis:
    templates = [Template(f"{name}.yaml", f"app-{name}", name, decoded(textwrap.dedent(text)),
                          {"Service": f"Deployment/{name}"}, textwrap.dedent(text))
                 for name, text in stacks]
    return analyse(templates, reaches, bindings)


def failed(analysis: Analysis) -> list[tuple[str, str]]:
    return [(f.rule, f.template) for f in analysis.findings()]


CALL = Reach("web", "api", "tcp", 8080, "Deployment/web env API_URL names Service shop/api")


def test_a_load_balanced_port_no_rule_admits_fails_at_the_service() -> None:
    closed = app(("cluster", CLUSTER), ("load-balancer", BALANCER),
                 ("web", workload("web", load_balanced=True)))
    assert failed(closed) == [("E9201", "web.yaml")]
    [finding] = closed.findings()
    assert "Deployment/web container app tcp 3000" in finding.message
    assert "load-balancer.yaml#LoadBalancerSecurityGroup" in finding.message
    assert finding.line == workload("web", load_balanced=True).splitlines().index("  Service:") + 1
    opened = app(("cluster", CLUSTER), ("load-balancer", BALANCER),
                 ("web", workload("web", FROM_BALANCER, load_balanced=True)))
    assert failed(opened) == []
    [path] = [p for p in opened.paths if p.kind == "load balancer"]
    assert path.ok and path.detail == "web.yaml#FromLoadBalancer3000"


def test_a_health_check_on_another_port_needs_its_own_rule() -> None:
    checked = BALANCER.replace("Port: 3000, Protocol: HTTP,",
                               "Port: 3000, Protocol: HTTP, HealthCheckPort: '9090',")
    analysis = app(("cluster", CLUSTER), ("load-balancer", checked),
                   ("web", workload("web", FROM_BALANCER, load_balanced=True)))
    assert [p.target for p in analysis.failures] == ["Deployment/web container app tcp 9090"]


def test_a_call_the_cluster_allowed_needs_a_rule_from_the_callers_groups() -> None:
    stacks = [("cluster", CLUSTER), ("web", workload("web"))]
    closed = app(*stacks, ("api", workload("api")), reaches=(CALL,))
    assert failed(closed) == [("E9202", "api.yaml")]
    assert "API_URL" in closed.findings()[0].message
    assert failed(app(*stacks, ("api", workload("api", from_app(8080))), reaches=(CALL,))) == []
    # the wrong port or protocol does not count
    assert failed(app(*stacks, ("api", workload("api", from_app(8081))), reaches=(CALL,)))
    assert failed(app(*stacks, ("api", workload("api", from_app(8080, "udp"))), reaches=(CALL,)))


def test_a_cidr_or_an_operator_group_proves_no_path() -> None:
    cidr = from_app(8080).replace(
        'SourceSecurityGroupId:\n        Fn::ImportValue: !Sub "${ClusterStackName}-TaskSecurityGroupId"',
        "CidrIp: 10.0.0.0/8")
    assert failed(app(("cluster", CLUSTER), ("web", workload("web")),
                      ("api", workload("api", cidr)), reaches=(CALL,))) == [("E9202", "api.yaml")]


def test_a_path_a_network_policy_refused_must_stay_closed() -> None:
    denied = Reach("web", "api", "tcp", 8080, CALL.why, denied_by="NetworkPolicy shop/api")
    stacks = [("cluster", CLUSTER), ("web", workload("web"))]
    assert failed(app(*stacks, ("api", workload("api")), reaches=(denied,))) == []
    opened = app(*stacks, ("api", workload("api", from_app(8080))), reaches=(denied,))
    assert failed(opened) == [("E9203", "api.yaml")]
    assert "NetworkPolicy shop/api" in opened.findings()[0].message
    assert opened.findings()[0].line == workload("api", from_app(8080)).splitlines().index(
        "  FromApp8080:") + 1


EFS = """
Parameters:
  VpcId: {Type: "AWS::EC2::VPC::Id"}
  SubnetIds: {Type: "List<AWS::EC2::Subnet::Id>"}
Conditions:
  HasSubnet2: !Not [!Equals [!Select [1, !Split [",", !Join ["", [!Join [",", !Ref SubnetIds], ",,,"]]]], ""]]
Resources:
  FileSystem: {Type: AWS::EFS::FileSystem, Properties: {Encrypted: true}}
  MountTargetSecurityGroup:
    Type: AWS::EC2::SecurityGroup
    Properties: {GroupDescription: mount targets, VpcId: !Ref VpcId}
  MountTarget1:
    Type: AWS::EFS::MountTarget
    Properties:
      FileSystemId: !Ref FileSystem
      SubnetId: !Select [0, !Ref SubnetIds]
      SecurityGroups: [!GetAtt MountTargetSecurityGroup.GroupId]
  MountTarget2:
    Type: AWS::EFS::MountTarget
    Condition: HasSubnet2
    Properties:
      FileSystemId: !Ref FileSystem
      SubnetId: !Select [1, !Ref SubnetIds]
      SecurityGroups: [!GetAtt MountTargetSecurityGroup.GroupId]
Outputs:
  FileSystemId:
    Value: !Ref FileSystem
    Export: {Name: !Sub "${AWS::StackName}-FileSystemId"}
  MountTargetSecurityGroupId:
    Value: !GetAtt MountTargetSecurityGroup.GroupId
    Export: {Name: !Sub "${AWS::StackName}-MountTargetSecurityGroupId"}
"""

MOUNT = """
      Volumes:
        - Name: data
          EFSVolumeConfiguration:
            FilesystemId:
              Fn::ImportValue: app-volume-FileSystemId"""

NFS = """
  DataNfsIngress:
    Type: AWS::EC2::SecurityGroupIngress
    Properties:
      GroupId:
        Fn::ImportValue: app-volume-MountTargetSecurityGroupId
      IpProtocol: tcp
      FromPort: 2049
      ToPort: 2049
      SourceSecurityGroupId: !GetAtt WorkloadSecurityGroup.GroupId
"""


def test_a_task_that_mounts_efs_reaches_every_mount_target_on_nfs() -> None:
    mounting = workload("db", extra=MOUNT)
    closed = app(("cluster", CLUSTER), ("volume", EFS), ("db", mounting))
    # both mount targets: the second one's condition depends on the subnets given
    assert [(p.kind, p.target.split(" (")[1]) for p in closed.failures] == [
        ("volume", "mount target MountTarget1) tcp 2049"),
        ("volume", "mount target MountTarget2) tcp 2049")]
    assert {f.rule for f in closed.findings()} == {"E9204"}
    opened = app(("cluster", CLUSTER), ("volume", EFS),
                 ("db", workload("db", NFS, extra=MOUNT)))
    assert failed(opened) == [] and len(opened.paths) == 2


def test_only_a_listener_port_of_a_load_balancer_is_open_to_the_world() -> None:
    analysis = app(("cluster", CLUSTER), ("load-balancer", BALANCER))
    [path] = analysis.paths
    assert path.kind == "world" and path.ok
    wide = BALANCER.replace("FromPort: 80, ToPort: 80", "FromPort: 80, ToPort: 443")
    assert failed(app(("cluster", CLUSTER), ("load-balancer", wide))) == [
        ("E9205", "load-balancer.yaml")]
    world = from_app(8080).replace(
        'SourceSecurityGroupId:\n        Fn::ImportValue: !Sub "${ClusterStackName}-TaskSecurityGroupId"',
        "CidrIpv6: ::/0")
    assert failed(app(("cluster", CLUSTER), ("api", workload("api", world)))) == [
        ("E9205", "api.yaml")]
    everything = world.replace("IpProtocol: tcp", "IpProtocol: '-1'").replace("::/0", "0.0.0.0/0")
    [finding] = app(("cluster", CLUSTER), ("api", workload("api", everything))).findings()
    assert "-1 0-65535" in finding.message


def test_a_narrowed_parameter_or_one_without_default_is_not_the_world() -> None:
    narrowed = BALANCER.replace("FromPort: 80, ToPort: 80", "FromPort: 80, ToPort: 443").replace(
        "Default: 0.0.0.0/0", "Default: 10.0.0.0/8")
    assert app(("cluster", CLUSTER), ("load-balancer", narrowed)).paths == []


def test_more_than_five_security_groups_on_a_task() -> None:
    five = "".join(f"\n              - sg-{i}" for i in range(4))
    assert failed(app(("cluster", CLUSTER), ("api", workload("api", groups=five)))) == [
        ("E9206", "api.yaml")]
    assert failed(app(("cluster", CLUSTER), ("api", workload("api", groups=five[:-19])))) == []


def test_a_parameter_deploy_sh_fills_from_another_stacks_output() -> None:
    """A value that crosses stacks as a parameter rather than an import."""
    passed = from_app(8080).replace(
        'Fn::ImportValue: !Sub "${ClusterStackName}-TaskSecurityGroupId"', "!Ref AppGroup").replace(
        "SourceSecurityGroupId:\n        !Ref", "SourceSecurityGroupId: !Ref")
    api = workload("api", passed).replace("Parameters:\n", "Parameters:\n  AppGroup: {Type: String}\n")
    stacks = [("cluster", CLUSTER), ("web", workload("web")), ("api", api)]
    assert failed(app(*stacks, reaches=(CALL,))) == [("E9202", "api.yaml")]
    bound = {("api", "AppGroup"): ("cluster", "TaskSecurityGroupId")}
    assert failed(app(*stacks, reaches=(CALL,), bindings=bound)) == []


def test_operator_groups_given_are_opaque_but_keep_the_templates_groups() -> None:
    """With the condition undecided (no default), both branches count; the known groups
    still carry the path."""
    api = workload("api", from_app(8080)).replace('Default: ""', "Description: yours")
    web = workload("web").replace('Default: ""', "Description: yours")
    assert failed(app(("cluster", CLUSTER), ("web", web), ("api", api), reaches=(CALL,))) == []


@pytest.mark.parametrize("missing", ["cluster", "load-balancer"])
def test_an_import_no_stack_exports_proves_nothing(missing: str) -> None:
    stacks = {"cluster": CLUSTER, "load-balancer": BALANCER,
              "web": workload("web", FROM_BALANCER + from_app(3000), load_balanced=True)}
    del stacks[missing]
    analysis = app(*stacks.items(), reaches=(Reach("web", "web", "tcp", 3000, "itself"),))
    assert analysis.failures
