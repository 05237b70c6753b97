"""The load-balancer stack's building blocks, shared by the Ingress rule (one ALB per
IngressGroup) and LoadBalancer Services (an NLB or ALB each): the load balancer with its
security group, listeners and outputs, and the IP target group of a Service port that the
workload's ECS service registers in.

As AWS Copilot lays it out, the load-balancer stack exports only what does not change when a
workload does (the load balancer's ARN, DNS name and security group, its listeners' ARNs); a
workload's stack holds its own target groups, the listener rules (or the listener, for a
Service's load balancer) that forward to them, and the rules admitting the load balancer. A
changed port or a removed Service so changes one workload stack, and no export another stack
imports: CloudFormation refuses to change or remove one of those ("You can't modify or remove
an output value that is referenced by another stack",
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference-importvalue.html)."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mappings import security_groups
from mappings.pod.probes import health_check_grace, health_check_target
from mappings.workloads import Workload
from translator.cfn import GetAtt, Ref
from translator.context import LOAD_BALANCER_STACK, Context, export_name, import_from, pascal
from translator.models import Container, Service
from translator.plan import Append, Fragment, Output, Parameter, Resource, SetProperty, StackInfo

SSL_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"


@dataclass(frozen=True)
class Balancer:
    """One load balancer of a load-balancer stack, named by its logical-id prefix."""

    prefix: str  # "" for the Ingresses' default ALB
    type: str  # application | network
    scheme: str
    listeners: tuple[tuple[str, int], ...]  # (protocol, port)
    certificate: str | None
    ssl_redirect: int | None
    cidrs: tuple[str, ...]
    notes: tuple[str, ...]
    origin: str
    tags: tuple[tuple[str, str], ...] = ()
    ssl_policy: str = SSL_POLICY
    name: str | None = None  # load-balancer-name
    ip_address_type: str | None = None
    stack: str = LOAD_BALANCER_STACK  # its load-balancer stack (key and title)

    @property
    def stack_parameter(self) -> str:
        """The parameter of a workload stack that names this load balancer's stack: one per
        load-balancer stack ("LoadBalancerStackName" for `load-balancer`)."""
        return f"{pascal(self.stack)}StackName"

    def id(self, name: str) -> str:
        return f"{self.prefix}{name}"

    def listener_id(self, proto: str, port: int) -> str:
        return self.id(f"Listener{proto.capitalize()}{port}")

    def listener_arn(self, listener: str, stack: str) -> Any:
        """A listener's ARN from `stack`: a Ref in the load-balancer stack, else its export."""
        return Ref(listener) if stack == self.stack else import_from(
            self.stack_parameter, f"{listener}Arn")

    def forwarding_listeners(self) -> list[str]:
        """Listeners that route by the Ingress rules: all of them, except HTTP ones that
        redirect to HTTPS (ssl-redirect), as the AWS Load Balancer Controller does."""
        return [self.listener_id(proto, port) for proto, port in self.listeners
                if not (proto == "HTTP" and self.ssl_redirect is not None)]


def parse_cidrs(raw: str, notes: list[str]) -> tuple[str, ...]:
    cidrs: list[str] = []
    for cidr in raw.split(","):
        cidr = cidr.strip()
        if not cidr:
            continue
        try:
            cidrs.append(str(ipaddress.ip_network(cidr, strict=False)))
        except ValueError:
            notes.append(f"inbound-cidr {cidr!r} is not a CIDR; parameter InboundCidr used")
    return tuple(cidrs)


def _cidr_key(cidr: Any) -> str:
    """CidrIpv6 for an IPv6 range (a CidrIp of one is refused), CidrIp otherwise."""
    return "CidrIpv6" if isinstance(cidr, str) and ":" in cidr else "CidrIp"


def load_balancer(frag: Fragment, ctx: Context, lb: Balancer,
                  forward: Mapping[int, str] | None = None, forward_stack: str = "") -> None:
    """Declare a load balancer with its security group, listeners and outputs. Listeners
    of ports in `forward` send to that target group by default (NLB listeners must), and sit
    in `forward_stack` with it, so that no export carries a target group."""
    stack = lb.stack
    frag.stacks.append(StackInfo(stack, stack, "load-balancer", f"{ctx.app}: load balancers of "
                                 "the Ingresses and LoadBalancer Services (eks2ecs)"
                                 if stack == LOAD_BALANCER_STACK else
                                 f"{ctx.app}: the load balancer of {lb.origin} (eks2ecs)"))
    put = frag.put
    put(stack, "Parameters", "VpcId", Parameter("AWS::EC2::VPC::Id", "VPC of the load balancer"))
    put(stack, "Parameters", "LoadBalancerSubnetIds", Parameter(
        "List<AWS::EC2::Subnet::Id>",
        "Subnets of the load balancer (public ones for internet-facing)"))
    cidrs: list[Any] = list(lb.cidrs)
    if not cidrs:
        put(stack, "Parameters", lb.id("InboundCidr"), Parameter(
            "String", "Who may reach the load balancer",
            default="0.0.0.0/0" if lb.scheme == "internet-facing" else "10.0.0.0/8",
            allowed_pattern=r"^\d{1,3}(\.\d{1,3}){3}/\d{1,2}$"))
        cidrs = [Ref(lb.id("InboundCidr"))]
    ingress_rules = [{"IpProtocol": "udp" if proto == "UDP" else "tcp", "FromPort": port,
                      "ToPort": port, _cidr_key(cidr): cidr, "Description": f"{proto} listener"}
                     for proto, port in lb.listeners for cidr in cidrs]
    group = lb.id("LoadBalancerSecurityGroup")
    put(stack, "Resources", group, Resource("AWS::EC2::SecurityGroup", {
        "GroupDescription": f"{ctx.app} load balancer {lb.prefix}".rstrip(),
        "VpcId": Ref("VpcId"),
        "SecurityGroupIngress": ingress_rules,
    }, lb.origin))
    props: dict[str, Any] = {
        "Type": lb.type,
        "Scheme": lb.scheme,
        "Subnets": Ref("LoadBalancerSubnetIds"),
        "SecurityGroups": [Ref(group)],
    }
    if lb.type == "application":
        props["LoadBalancerAttributes"] = [
            {"Key": "routing.http.drop_invalid_header_fields.enabled", "Value": "true"}]
    if lb.name:
        props["Name"] = lb.name
    if lb.ip_address_type:
        props["IpAddressType"] = lb.ip_address_type
    if lb.tags:
        props["Tags"] = [{"Key": k, "Value": v} for k, v in lb.tags]
    put(stack, "Resources", lb.id("LoadBalancer"), Resource(
        "AWS::ElasticLoadBalancingV2::LoadBalancer", props, lb.origin))
    for proto, port in lb.listeners:
        default: list[dict[str, Any]] = [{"Type": "fixed-response", "FixedResponseConfig": {
            "StatusCode": "404", "ContentType": "text/plain", "MessageBody": "not found"}}]
        home = stack
        arn: Any = Ref(lb.id("LoadBalancer"))
        if forward and port in forward:
            default = [{"Type": "forward", "TargetGroupArn": Ref(forward[port])}]
            home, arn = forward_stack, import_from(lb.stack_parameter, lb.id("LoadBalancerArn"))
        listener: dict[str, Any] = {
            "LoadBalancerArn": arn,
            "Port": port,
            "Protocol": proto,
            "DefaultActions": default,
        }
        if proto in ("HTTPS", "TLS"):
            put(home, "Parameters", lb.id("CertificateArn"), Parameter(
                "String", "ACM certificate of the TLS listener", default=lb.certificate,
                example="arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-0000-0000-000000000000"))
            listener["Certificates"] = [{"CertificateArn": Ref(lb.id("CertificateArn"))}]
            listener["SslPolicy"] = lb.ssl_policy
        elif proto == "HTTP" and lb.ssl_redirect is not None:
            listener["DefaultActions"] = [{"Type": "redirect", "RedirectConfig": {
                "Protocol": "HTTPS", "Port": str(lb.ssl_redirect), "StatusCode": "HTTP_301"}}]
        logical = lb.listener_id(proto, port)
        put(home, "Resources", logical, Resource(
            "AWS::ElasticLoadBalancingV2::Listener", listener, lb.origin))
        if home == stack:
            put(stack, "Outputs", f"{logical}Arn", Output(
                Ref(logical), f"{proto} listener {port} (the workloads' rules are added to it)",
                export_name(f"{logical}Arn")))
        else:
            frag.depends.append((home, "Service", logical))
    put(stack, "Outputs", lb.id("LoadBalancerArn"), Output(
        Ref(lb.id("LoadBalancer")), "The load balancer (a Service's listeners are added to it)",
        export_name(lb.id("LoadBalancerArn"))))
    put(stack, "Outputs", lb.id("LoadBalancerDnsName"), Output(
        GetAtt(lb.id("LoadBalancer"), "DNSName"), "Point DNS records of the hosts here",
        export_name(lb.id("LoadBalancerDnsName"))))
    put(stack, "Outputs", lb.id("LoadBalancerSecurityGroupId"), Output(
        GetAtt(group, "GroupId"),
        "Security group of the load balancer (the targets' groups admit it on their ports)",
        export_name(lb.id("LoadBalancerSecurityGroupId"))))


def target_group(frag: Fragment, ctx: Context, workload: Workload, svc: Service,
                 container: Container, number: int, lb: Balancer, prefix: str,
                 props: dict[str, Any], field: str) -> str:
    """An IP target group for a Service port (of load balancer `lb`) in the workload's stack,
    the workload's ECS service registered in it, and the rule that lets the load balancer
    reach that port (and the health-check port) of the workload's tasks; `field` is the input
    field that asks. The caller attaches it to the load balancer in the same stack (a listener
    rule, or a listener), and the ECS service waits for that: ECS refuses a target group that
    no load balancer forwards to."""
    ns = ctx.namespace_of(svc)
    name = f"{ns}-{svc.name}" if ctx.multi_namespace else svc.name
    logical = f"TargetGroup{prefix}{pascal(name)}{number}"
    group = {
        "TargetType": "ip", "Port": number, "VpcId": Ref("VpcId"),
        **health_check_target(container, number), **props,  # annotations win
        "TargetGroupAttributes": [{"Key": "deregistration_delay.timeout_seconds",
                                   "Value": "30"}],
    }
    security_groups.vpc_parameter(frag, workload.stack)
    frag.put(workload.stack, "Resources", logical, Resource(
        "AWS::ElasticLoadBalancingV2::TargetGroup", group, f"Service/{svc.name}"))
    frag.put(workload.stack, "Parameters", lb.stack_parameter, Parameter(
        "String", "Name of the stack that holds the load balancer",
        default=ctx.stack_name(lb.stack)))
    frag.appends.append(Append(workload.stack, "Service", "LoadBalancers", {
        "ContainerName": container.name, "ContainerPort": number,
        "TargetGroupArn": Ref(logical)}, field))
    frag.sets.append(SetProperty(workload.stack, "Service", "HealthCheckGracePeriodSeconds",
                                 health_check_grace(container), field))
    _admit_balancer(frag, workload, lb, group, number)
    return logical


def _admit_balancer(frag: Fragment, workload: Workload, lb: Balancer, props: dict[str, Any],
                    number: int) -> None:
    """The load balancer's group may reach the target port and the health-check port, in the
    workload's stack (with its target groups, so no other workload's stack changes)."""
    protocol = "udp" if props.get("Protocol") == "UDP" else "tcp"
    ports = [(protocol, number)]
    check = props.get("HealthCheckPort")
    if isinstance(check, str) and check.isdigit() and int(check) != number:
        ports.append(("tcp", int(check)))  # health checks are TCP or HTTP
    source = import_from(lb.stack_parameter, lb.id("LoadBalancerSecurityGroupId"))
    kind = "network" if lb.type == "network" else "application"
    for proto, port in ports:
        security_groups.admit(
            frag, workload.stack, f"From{lb.id('LoadBalancer')}{proto.capitalize()}{port}",
            proto, port, source, f"{proto} {port} from the {kind} load balancer "
            f"{lb.prefix or 'of the Ingresses'}".rstrip(), workload.obj.ref)
