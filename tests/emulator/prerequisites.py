"""What a user has before running deploy.sh, made in the emulator: a VPC with public and private
subnets in two zones, a security group for the tasks, the Secrets Manager secrets and IAM roles
the workloads already used; and parameters.json filled in from parameters.json.example the way
the user would, with those ids in place of the placeholders."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.emulator.server import REGION, Emulator

SECRET_ARN = re.compile(r"^arn:aws:secretsmanager:[a-z0-9-]+:\d{12}:secret:(?P<name>.+)-[A-Za-z0-9]{6}$")
ROLE_ARN = re.compile(r"^arn:aws:iam::\d{12}:role/(?P<name>.+)$")


@dataclass
class Prerequisites:
    emulator: Emulator
    cidr: str  # a /16 of its own per app: moto allows one private DNS namespace per VPC
    vpc: str = ""
    public_subnets: list[str] = field(default_factory=list)
    private_subnets: list[str] = field(default_factory=list)
    security_group: str = ""
    route_tables: list[str] = field(default_factory=list)  # of the private subnets
    secrets: dict[str, str] = field(default_factory=dict)  # name -> ARN
    roles: dict[str, str] = field(default_factory=dict)  # name -> ARN

    def create_network(self) -> None:
        ec2 = self.emulator.client("ec2")
        self.vpc = ec2.create_vpc(CidrBlock=self.cidr)["Vpc"]["VpcId"]
        base = self.cidr.rsplit(".", 2)[0]
        for index, zone in enumerate(("a", "b")):
            for subnets, offset in ((self.public_subnets, 0), (self.private_subnets, 10)):
                subnets.append(ec2.create_subnet(
                    VpcId=self.vpc, CidrBlock=f"{base}.{offset + index}.0/24",
                    AvailabilityZone=f"{REGION}{zone}")["Subnet"]["SubnetId"])
        for subnet in self.private_subnets:
            table = ec2.create_route_table(VpcId=self.vpc)["RouteTable"]["RouteTableId"]
            ec2.associate_route_table(RouteTableId=table, SubnetId=subnet)
            self.route_tables.append(table)
        self.security_group = ec2.create_security_group(
            GroupName="tasks", Description="tasks", VpcId=self.vpc)["GroupId"]

    def secret(self, example_arn: str) -> str:
        match = SECRET_ARN.match(example_arn)
        assert match, f"not a Secrets Manager ARN: {example_arn}"
        name = match["name"]
        if name not in self.secrets:
            self.secrets[name] = self.emulator.client("secretsmanager").create_secret(
                Name=name, SecretString=json.dumps({"placeholder": "not a real value"}))["ARN"]
        return self.secrets[name]

    def role(self, example_arn: str) -> str:
        match = ROLE_ARN.match(example_arn)
        assert match, f"not an IAM role ARN: {example_arn}"
        name = match["name"].rsplit("/", 1)[-1]
        if name not in self.roles:
            trust = {"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                "Action": "sts:AssumeRole"}]}
            self.roles[name] = self.emulator.client("iam").create_role(
                RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
        return self.roles[name]

    def fill(self, example: dict[str, Any], templates: dict[str, dict[str, Any]]) -> dict[str, Any]:
        """parameters.json: each placeholder replaced by the emulator object it stands for."""
        def declared(key: str) -> tuple[str, dict[str, Any]]:
            return next((s, t["Parameters"][key]) for s, t in templates.items()
                        if key in t.get("Parameters", {}))

        shared = {key: self.value(*declared(key), key, value)
                  for key, value in example["shared"].items()}
        stacks = {stack: {key: self.value(stack, templates[stack]["Parameters"][key], key, value)
                          for key, value in values.items()}
                  for stack, values in example["stacks"].items()}
        return {"shared": shared, "stacks": stacks}

    def value(self, stack: str, declared: dict[str, Any], key: str, example: Any) -> str:
        """The value of one parameter: a placeholder's example replaced by what it stands for."""
        if isinstance(example, str) and example.startswith("<replace: "):
            example = example[len("<replace: "):-1]
        return self.placeholder(stack, key, str(example), declared)

    def placeholder(self, stack: str, key: str, example: str, declared: dict[str, Any]) -> str:
        kind = declared["Type"]
        if kind == "AWS::EC2::VPC::Id":
            return self.vpc
        if kind == "List<AWS::EC2::Subnet::Id>":
            return ",".join(self.public_subnets if "LoadBalancer" in key else self.private_subnets)
        if kind in ("List<AWS::EC2::SecurityGroup::Id>", "AWS::EC2::SecurityGroup::Id") \
                or key == "SecurityGroupIds":  # optional: given, so both branches are run
            return self.security_group
        if key == "RouteTableIds":
            return ",".join(self.route_tables)
        if "secretsmanager" in declared.get("AllowedPattern", ""):
            return self.secret(example)
        if ROLE_ARN.match(example):
            return self.role(example)
        if "AWS::" in kind:
            pytest.fail(f"{stack}: parameter {key} has type {kind}, which the emulator test "
                        "cannot provide yet: teach tests/emulator/prerequisites.py to make one")
        return example

    def remove(self) -> None:
        self.remove_named()
        ec2 = self.emulator.client("ec2")
        ec2.delete_security_group(GroupId=self.security_group)
        for table in self.route_tables:
            for association in ec2.describe_route_tables(RouteTableIds=[table])[
                    "RouteTables"][0]["Associations"]:
                ec2.disassociate_route_table(AssociationId=association["RouteTableAssociationId"])
            ec2.delete_route_table(RouteTableId=table)
        for subnet in self.public_subnets + self.private_subnets:
            ec2.delete_subnet(SubnetId=subnet)
        ec2.delete_vpc(VpcId=self.vpc)

    def remove_named(self) -> None:
        """The secrets and roles, whose names every app of one example shares: a test that
        failed must not leave them to the next one."""
        for arn in self.secrets.values():
            self.emulator.client("secretsmanager").delete_secret(
                SecretId=arn, ForceDeleteWithoutRecovery=True)
        for name in self.roles:
            self.emulator.client("iam").delete_role(RoleName=name)
        self.secrets, self.roles = {}, {}
