"""--vpc-endpoints: the network stack, deployed first, that lets private tasks work without a
NAT gateway (the migration guide's "VPC with VPC endpoints, no NAT Gateway"), and what the
endpoints cannot reach.

Fargate tasks in private subnets pull images from ECR (ecr.api, ecr.dkr, and the layers from
S3 through a gateway endpoint), send logs (logs), read secrets (secretsmanager, ssm) and open
ECS Exec sessions (ssmmessages) through interface endpoints; each sits in the task subnets
with private DNS, behind a security group that admits HTTPS from the app's task group only.
https://docs.aws.amazon.com/AmazonECS/latest/developerguide/vpc-endpoints.html
https://docs.aws.amazon.com/AmazonECR/latest/userguide/vpc-endpoints.html

Not a Kubernetes kind: the engine asks for it with the cluster stack. What no endpoint
reaches (an image on Docker Hub, a URL on the internet) is reported on the field that names it.
"""

from __future__ import annotations

import ipaddress
import re

from mappings.pod.pod_level import ECR_IMAGE
from mappings.secretsource import store_service
from mappings.security_groups import APP_GROUP
from translator.cfn import GetAtt, Ref, Sub
from translator.context import CLUSTER_STACK, Context, export_name, import_from
from translator.models import ClusterExternalSecret, ExternalSecret, Secret
from translator.plan import Fragment, Output, Parameter, Resource, StackInfo

NETWORK_STACK = "network"
ORIGIN = "eks2ecs (--vpc-endpoints)"
GROUP = "EndpointSecurityGroup"
GROUP_OUTPUT = f"{GROUP}Id"
HTTPS = 443
# Upstreams an ECR pull-through cache rule serves; any other registry needs a copy in ECR.
# https://docs.aws.amazon.com/AmazonECR/latest/userguide/pull-through-cache.html
PULL_THROUGH = frozenset({"docker.io", "registry-1.docker.io", "quay.io", "ghcr.io",
                          "registry.k8s.io", "public.ecr.aws", "registry.gitlab.com"})
ALWAYS = ("ecr.api", "ecr.dkr", "logs")  # every task pulls its image and sends its logs
# What an internet host stands for when it is not one: in-cluster and private names.
PRIVATE_SUFFIXES = (".local", ".internal", ".svc", ".cluster.local", ".localdomain")
# APIs on the internet that a variable's name or value points at without a URL (an SDK's
# default endpoint): the word, and the host the SDK calls.
KNOWN_APIS = (("openai", "api.openai.com"), ("anthropic", "api.anthropic.com"),
              ("cohere", "api.cohere.ai"), ("huggingface", "huggingface.co"),
              ("stripe", "api.stripe.com"), ("sendgrid", "api.sendgrid.com"),
              ("twilio", "api.twilio.com"), ("sentry", "sentry.io"))
URL = re.compile(r"\b(?:https?|wss?|grpcs?|amqps?|mqtts?)://(?:[^\s/@:]+(?::[^\s/@]*)?@)?"
                 r"(\[[0-9A-Fa-f:]+\]|[A-Za-z0-9.-]+)")


def services(ctx: Context) -> list[str]:
    """The interface endpoints the tasks need, by what the input makes them read."""
    found = list(ALWAYS)
    stores = {store_service(es, ctx) for es in ctx.all(ExternalSecret)}
    if any(True for _ in ctx.all(ClusterExternalSecret)):
        stores.add(None)  # its stores are read per namespace: either service
    if any(True for _ in ctx.all(Secret)) or stores & {"SecretsManager", None}:
        found.append("secretsmanager")
    if stores & {"ParameterStore", None}:  # a store not in the input may be either
        found.append("ssm")
    if ctx.options.exec_command:
        found.append("ssmmessages")
    return found


def logical_id(service: str) -> str:
    return "".join(part.capitalize() for part in service.split(".")) + "Endpoint"


def foundation(frag: Fragment, ctx: Context) -> None:
    if not ctx.options.vpc_endpoints:
        return
    names = services(ctx)
    frag.stacks.append(StackInfo(
        NETWORK_STACK, NETWORK_STACK, "network",
        f"{ctx.app}: VPC endpoints for tasks without a NAT gateway ({', '.join(names)}, S3 "
        "gateway), deployed first (eks2ecs)"))
    put = frag.put
    put(NETWORK_STACK, "Parameters", "VpcId", Parameter(
        "AWS::EC2::VPC::Id", "VPC the tasks run in (the VPC EKS used)"))
    put(NETWORK_STACK, "Parameters", "SubnetIds", Parameter(
        "List<AWS::EC2::Subnet::Id>", "The task subnets (the workload stacks' SubnetIds): one "
        "endpoint interface in each, one subnet per Availability Zone"))
    put(NETWORK_STACK, "Parameters", "RouteTableIds", Parameter(
        "CommaDelimitedList", "Route tables of the task subnets, for the S3 gateway endpoint "
        "(image layers come from S3)", example="rtb-0123456789abcdef0,rtb-0fedcba9876543210"))
    put(NETWORK_STACK, "Resources", GROUP, Resource("AWS::EC2::SecurityGroup", {
        "GroupDescription": f"VPC endpoints of {ctx.app}: HTTPS from the tasks of the app only (the "
                            "rule is in the cluster stack, which holds their group)",
        "VpcId": Ref("VpcId"),
    }, ORIGIN))
    for name in names:
        put(NETWORK_STACK, "Resources", logical_id(name), Resource("AWS::EC2::VPCEndpoint", {
            "VpcEndpointType": "Interface",
            "ServiceName": Sub(f"com.amazonaws.${{AWS::Region}}.{name}"),
            "VpcId": Ref("VpcId"),
            "SubnetIds": Ref("SubnetIds"),
            "SecurityGroupIds": [Ref(GROUP)],
            "PrivateDnsEnabled": True,
        }, ORIGIN))
    put(NETWORK_STACK, "Resources", "S3GatewayEndpoint", Resource("AWS::EC2::VPCEndpoint", {
        "VpcEndpointType": "Gateway",
        "ServiceName": Sub("com.amazonaws.${AWS::Region}.s3"),
        "VpcId": Ref("VpcId"),
        "RouteTableIds": Ref("RouteTableIds"),
    }, ORIGIN))
    put(NETWORK_STACK, "Outputs", GROUP_OUTPUT, Output(
        GetAtt(GROUP, "GroupId"), "Security group of the VPC endpoints",
        export_name(GROUP_OUTPUT)))
    _admit_tasks(frag, ctx)


def _admit_tasks(frag: Fragment, ctx: Context) -> None:
    """The endpoints' rule, in the cluster stack beside the task group it names (the network
    stack is deployed before that group exists)."""
    frag.put(CLUSTER_STACK, "Parameters", "NetworkStackName", Parameter(
        "String", "Name of the stack that holds the VPC endpoints",
        default=ctx.stack_name(NETWORK_STACK)))
    frag.put(CLUSTER_STACK, "Resources", "EndpointsFromTasks", Resource(
        "AWS::EC2::SecurityGroupIngress", {
            "GroupId": import_from("NetworkStackName", GROUP_OUTPUT),
            "IpProtocol": "tcp", "FromPort": HTTPS, "ToPort": HTTPS,
            "SourceSecurityGroupId": GetAtt(APP_GROUP, "GroupId"),
            "Description": "HTTPS to the VPC endpoints from every task of the app",
        }, ORIGIN))


# --- what no endpoint reaches ---------------------------------------------------------------


def image_outside(image: str, parameter: str, ctx: Context) -> str | None:
    """Why the endpoints cannot pull `image`, the default of `parameter` (None: a private
    ECR image, which they can)."""
    if not ctx.options.vpc_endpoints or ECR_IMAGE.match(image):
        return None
    first = image.split("/", 1)[0]
    registry = first if "/" in image and ("." in first or ":" in first or first == "localhost") \
        else "docker.io"
    copy = (f"an ECR pull-through cache rule for {registry}" if registry in PULL_THROUGH
            else f"push a copy: pull-through caches do not serve {registry}")
    return (f"pulled from {registry}, which the VPC endpoints do not reach (they reach private "
            f"ECR only): move the image to ECR ({copy}) and set parameter {parameter} to it, "
            "or keep a NAT gateway")


def named_apis(text: str, ctx: Context) -> list[str]:
    """The internet APIs a variable's name or value names (OPENAI_API_KEY, text2vec-openai)."""
    if not ctx.options.vpc_endpoints:
        return []
    lowered = text.lower()
    return [host for word, host in KNOWN_APIS if word in lowered]


def internet_hosts(value: str, ctx: Context) -> list[str]:
    """The hosts on the internet that `value` calls (its URLs, and the APIs it names), when
    --vpc-endpoints is on."""
    if not ctx.options.vpc_endpoints:
        return []
    found = []
    for match in URL.finditer(value):
        host = match[1].strip("[]").lower().rstrip(".")
        if "." not in host and ":" not in host:
            continue  # a Service or another in-cluster short name
        if host.endswith(PRIVATE_SUFFIXES) or host.endswith("." + ctx.dns_domain):
            continue
        try:
            if not ipaddress.ip_address(host).is_global:
                continue
        except ValueError:
            pass
        found.append(host)
    return list(dict.fromkeys(found + named_apis(value, ctx)))


def internet_note(host: str, where: str) -> str:
    if host.endswith(".amazonaws.com"):
        return (f"calls {host} ({where}): with --vpc-endpoints it needs an endpoint of its own "
                "(com.amazonaws.<region>.<service>) in the network stack, or a NAT gateway")
    return (f"calls {host} on the internet ({where}): no VPC endpoint reaches it; keep a NAT "
            "gateway (or a proxy) for it")

