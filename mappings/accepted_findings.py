"""checkov findings eks2ecs accepts on purpose, each with its reason written into the template
beside the resource (`Metadata: checkov: skip`), where a reviewer reads it and checkov honours
it. A finding is accepted only where the Kubernetes manifests leave no better choice; the
reason says what would lift it. Everything else checkov flags is fixed in the rules.
"""

from __future__ import annotations

from typing import Any

from translator.cfn import Ref
from translator.plan import Plan, Resource, Stack

OPEN_TO_ALL = "0.0.0.0/0"


def annotate(plan: Plan) -> None:
    for stack in plan.stacks:
        for resource in stack.resources.values():
            skips = [{"id": check, "comment": reason} for check, reason in accepted(resource, stack)]
            if skips:
                resource.metadata = {**(resource.metadata or {}), "checkov": {"skip": skips}}


def accepted(resource: Resource, stack: Stack) -> list[tuple[str, str]]:
    props = resource.properties
    if resource.type == "AWS::Logs::LogGroup" and "KmsKeyId" not in props:
        return [("CKV_AWS_158", "encrypted at rest with the CloudWatch Logs service key, as the "
                 "pod logs were on EKS; a customer-managed key needs a key policy for this log "
                 "group that the manifests cannot give")]
    if resource.type == "AWS::SecretsManager::Secret" and "KmsKeyId" not in props:
        return [("CKV_AWS_149", "encrypted with the account's aws/secretsmanager key; choosing a "
                 "customer-managed key (KmsKeyId, plus kms:Decrypt for the execution roles) is "
                 "a decision the Kubernetes Secret does not make")]
    if resource.type == "AWS::ElasticLoadBalancingV2::Listener" and _plain_http(props):
        reason = (f"plain HTTP on port {props.get('Port')}, as on EKS: it serves routes of "
                  "Ingresses without TLS (alb.ingress.kubernetes.io/certificate-arn, or spec.tls "
                  "on every Ingress of the group, would make it HTTPS)")
        return [("CKV_AWS_2", reason), ("CKV_AWS_103", reason)]
    if resource.type == "AWS::EC2::SecurityGroup" and _open_port_80(props, stack):
        return [("CKV_AWS_260", "internet-facing, as the Ingress asked: HTTP from anywhere; the "
                 "InboundCidr parameter or alb.ingress.kubernetes.io/inbound-cidrs narrows it")]
    if resource.type == "AWS::ElasticLoadBalancingV2::LoadBalancer" and not _access_logs(props):
        return [("CKV_AWS_91", "the Ingress does not turn on access logs, which need an S3 "
                 "bucket whose policy lets Elastic Load Balancing write (access_logs.s3.* in "
                 "alb.ingress.kubernetes.io/load-balancer-attributes)")]
    return []


def _plain_http(listener: dict[str, Any]) -> bool:
    redirects = any(a.get("Type") == "redirect" for a in listener.get("DefaultActions", []))
    return listener.get("Protocol") == "HTTP" and not redirects


def _open_port_80(group: dict[str, Any], stack: Stack) -> bool:
    for rule in group.get("SecurityGroupIngress", []):
        cidr = rule.get("CidrIp")
        if isinstance(cidr, Ref) and cidr.name in stack.parameters:
            cidr = stack.parameters[cidr.name].default
        if cidr == OPEN_TO_ALL and rule.get("FromPort", 0) <= 80 <= rule.get("ToPort", 65535):
            return True
    return False


def _access_logs(balancer: dict[str, Any]) -> bool:
    return any(a.get("Key") == "access_logs.s3.enabled" and a.get("Value") == "true"
               for a in balancer.get("LoadBalancerAttributes", []))
