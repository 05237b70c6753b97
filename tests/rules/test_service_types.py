"""Service types: headless, NodePort, LoadBalancer (ALB or NLB) and multi-port Services."""

from __future__ import annotations

import pytest

from tests.helpers import (
    anywhere,
    deployment,
    docs,
    fate,
    fates,
    props,
    source,
    stack_for,
    translate_yaml,
)
from translator.api import Result
from translator.cfn import ImportValue, Ref, Sub

DB = deployment("db", container="""
    ports:
      - {name: sql, containerPort: 5432}
      - {name: metrics, containerPort: 9187}
""")


def service(spec: str, annotations: str = "", name: str = "db") -> str:
    meta = f"metadata:\n  name: {name}\n  namespace: shop\n"
    if annotations:
        meta += "  annotations:\n" + "".join(f"    {line}\n" for line in
                                             annotations.strip().splitlines())
    return ("apiVersion: v1\nkind: Service\n" + meta + "spec:\n  selector: {app: db}\n"
            + "".join(f"  {line}\n" for line in spec.strip().splitlines()))


def test_headless_service_is_per_task_a_records() -> None:
    result = translate_yaml(docs(DB, service("""
clusterIP: None
publishNotReadyAddresses: true
ports:
  - {name: sql, port: 5432}
""")))
    registry = props(result, "db", "CloudMapDb")
    assert registry["DnsConfig"] == {"DnsRecords": [{"Type": "A", "TTL": 10}],
                                     "RoutingPolicy": "MULTIVALUE"}
    cluster_ip = fate(result, "Service", "db", "/spec/clusterIP")
    assert cluster_ip["status"] == "mapped"
    assert cluster_ip["to"] == "workload-db.yaml#/Resources/CloudMapDb/Properties/DnsConfig"
    assert fate(result, "Service", "db", "/spec/publishNotReadyAddresses")["status"] == "lossy"


def test_headless_service_of_a_stateful_set_reports_lost_pod_names() -> None:
    stateful = ("apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: pg, namespace: shop}\n"
                "spec:\n  serviceName: db\n  selector: {matchLabels: {app: pg}}\n  template:\n"
                "    metadata: {labels: {app: pg}}\n    spec:\n      containers:\n"
                "        - {name: pg, image: postgres:16}\n")
    result = translate_yaml(docs(DB, stateful, service("clusterIP: None\nports:\n  - {port: 5432}")))
    notes = [f["note"] for f in fates(result, "Service", "db", "/metadata/name")
             if f["status"] == "lossy"]
    assert notes and notes[0].startswith("StatefulSet/pg names its pods through it")


def test_multiple_ports_with_named_target_ports() -> None:
    result = translate_yaml(docs(DB, service("""
ports:
  - {name: sql, port: 5432, targetPort: sql}
  - {name: metrics, port: 80, targetPort: metrics}
""")), discovery="cloudmap")
    assert fate(result, "Service", "db", "/spec/ports/0")["status"] == "mapped"
    metrics = fate(result, "Service", "db", "/spec/ports/1")
    assert metrics["status"] == "lossy"
    assert "clients reach 9187 instead of 80" in metrics["note"]


def test_node_port_keeps_the_in_cluster_name_and_suggests_a_load_balancer() -> None:
    result = translate_yaml(docs(DB, service("type: NodePort\nports:\n  - {port: 5432, "
                                             "nodePort: 30432}")))
    assert "CloudMapDb" in stack_for(result, "db").resources
    node_port = fate(result, "Service", "db", "/spec/type")
    assert node_port["status"] == "lossy"
    assert "type LoadBalancer (NLB)" in node_port["note"]


@pytest.fixture(scope="module")
def nlb() -> Result:
    return translate_yaml(docs(DB, service("""
type: LoadBalancer
loadBalancerSourceRanges: [10.1.0.0/16]
externalTrafficPolicy: Local
ports:
  - {name: sql, port: 5432, targetPort: sql}
  - {name: metrics, port: 9000, targetPort: metrics}
""", """
service.beta.kubernetes.io/aws-load-balancer-type: external
service.beta.kubernetes.io/aws-load-balancer-scheme: internet-facing
service.beta.kubernetes.io/aws-load-balancer-nlb-target-type: ip
service.beta.kubernetes.io/aws-load-balancer-proxy-protocol: "*"
""")))


def test_nlb_with_a_listener_per_port(nlb: Result) -> None:
    lb = props(nlb, "load-balancer", "SvcDbLoadBalancer")
    assert (lb["Type"], lb["Scheme"]) == ("network", "internet-facing")
    listener = anywhere(nlb, "SvcDbListenerTcp9000")
    assert listener["Port"] == 9000
    assert listener["Protocol"] == "TCP"
    assert listener["DefaultActions"] == [{"Type": "forward",
                                           "TargetGroupArn": Ref("TargetGroupSvcDbDb9187")}]
    group = anywhere(nlb, "TargetGroupSvcDbDb9187")
    assert (group["TargetType"], group["Protocol"], group["Port"]) == ("ip", "TCP", 9187)
    assert group["HealthCheckProtocol"] == "TCP"
    rules = props(nlb, "load-balancer", "SvcDbLoadBalancerSecurityGroup")["SecurityGroupIngress"]
    assert {r["CidrIp"] for r in rules} == {"10.1.0.0/16"}


def test_nlb_target_groups_are_registered_on_the_ecs_service(nlb: Result) -> None:
    assert props(nlb, "db", "Service")["LoadBalancers"] == [
        {"ContainerName": "db", "ContainerPort": 5432, "TargetGroupArn": Ref("TargetGroupSvcDbDb5432")},
        {"ContainerName": "db", "ContainerPort": 9187, "TargetGroupArn": Ref("TargetGroupSvcDbDb9187")},
    ]
    # the listeners that forward to them sit beside them, on the load balancer's export; the
    # ECS service waits for them (ECS refuses a target group no load balancer forwards to)
    db = stack_for(nlb, "db").resources
    assert db["SvcDbListenerTcp9000"].properties["LoadBalancerArn"] == ImportValue(
        Sub("${LoadBalancerStackName}-SvcDbLoadBalancerArn"))
    assert {"SvcDbListenerTcp5432", "SvcDbListenerTcp9000"} <= set(db["Service"].depends_on)


def test_nlb_report(nlb: Result) -> None:
    kind = fate(nlb, "Service", "db", "/spec/type")
    assert kind["to"] == "load-balancer.yaml#/Resources/SvcDbLoadBalancer"
    ports = [f.get("to") for f in fates(nlb, "Service", "db", "/spec/ports/1")]
    assert "workload-db.yaml#/Resources/SvcDbListenerTcp9000" in ports
    proxy = "/metadata/annotations/service.beta.kubernetes.io~1aws-load-balancer-proxy-protocol"
    assert fate(nlb, "Service", "db", proxy)["status"] == "unsupported"
    assert fate(nlb, "Service", "db", "/spec/externalTrafficPolicy")["status"] == "ignored"
    assert source(nlb, "Service", "db")["status"] == "partial"


def test_http_ports_without_annotations_get_an_alb() -> None:
    web = deployment("db", container="ports: [{name: http, containerPort: 8080}]")
    result = translate_yaml(docs(web, service("type: LoadBalancer\nports:\n  - {name: http, "
                                              "port: 80, targetPort: http}")))
    assert props(result, "load-balancer", "SvcDbLoadBalancer")["Type"] == "application"
    group = anywhere(result, "TargetGroupSvcDbDb8080")
    assert (group["Protocol"], group["Matcher"]) == ("HTTP", {"HttpCode": "200-399"})
    assert anywhere(result, "SvcDbListenerHttp80")["DefaultActions"][0][
        "Type"] == "forward"


def test_cluster_networking_fields_are_ignored_with_why() -> None:
    result = translate_yaml(docs(DB, service("""
clusterIP: 10.100.0.9
clusterIPs: [10.100.0.9]
ipFamilies: [IPv4]
ipFamilyPolicy: SingleStack
internalTrafficPolicy: Cluster
sessionAffinity: None
ports:
  - {name: sql, port: 5432}
""")))
    for name in ("clusterIPs", "ipFamilies", "ipFamilyPolicy", "internalTrafficPolicy"):
        assert fate(result, "Service", "db", f"/spec/{name}")["status"] == "ignored"
    assert fate(result, "Service", "db", "/spec/sessionAffinity")["status"] == "mapped"
    assert source(result, "Service", "db")["status"] == "mapped"


def test_nlb_with_a_certificate_gets_tls_listeners_on_the_ssl_ports() -> None:
    cert = "arn:aws:acm:us-east-1:123456789012:certificate/abc"
    result = translate_yaml(docs(DB, service("""
type: LoadBalancer
ports:
  - {name: sql, port: 5432}
  - {name: metrics, port: 443, targetPort: metrics}
""", f"""
service.beta.kubernetes.io/aws-load-balancer-type: nlb
service.beta.kubernetes.io/aws-load-balancer-ssl-cert: {cert}
service.beta.kubernetes.io/aws-load-balancer-ssl-ports: "443"
""")))
    lb = stack_for(result, "db")  # a Service's listeners sit with its target groups
    assert lb.resources["SvcDbListenerTls443"].properties["Certificates"] == [
        {"CertificateArn": Ref("SvcDbCertificateArn")}]
    assert lb.parameters["SvcDbCertificateArn"].default == cert
    assert "SvcDbListenerTcp5432" in lb.resources


def test_cost_counts_the_service_load_balancer_on_both_sides(nlb: Result) -> None:
    lines = {line.item: line for line in nlb.cost.lines}
    assert "Application Load Balancer" not in lines
    service_lbs = lines["Service load balancers"]
    assert service_lbs.eks == service_lbs.ecs > 0
    assert service_lbs.sizing == "1 LoadBalancer Service, one NLB or ALB each on EKS and ECS"


def test_a_second_service_of_a_workload_accounts_for_its_fields_too() -> None:
    alias = service("clusterIP: 10.100.0.7\nsessionAffinity: ClientIP\nports:\n  - {port: 5432}",
                    name="db-ro")
    result = translate_yaml(docs(DB, service("ports:\n  - {port: 5432}"), alias))
    assert fate(result, "Service", "db-ro", "/spec/clusterIP")["status"] == "ignored"
    assert fate(result, "Service", "db-ro", "/spec/sessionAffinity")["status"] == "lossy"
    assert not [f for f in source(result, "Service", "db-ro")["fields"]
                if f["status"] == "unsupported"]


RANGES = "/metadata/annotations/service.beta.kubernetes.io~1load-balancer-source-ranges"
NLB_PORTS = """
type: LoadBalancer
ports:
  - {name: sql, port: 5432, targetPort: sql}
"""


def _inbound(result: Result) -> set[object]:
    rules = props(result, "load-balancer", "SvcDbLoadBalancerSecurityGroup")["SecurityGroupIngress"]
    return {r["CidrIp"] for r in rules}


def test_the_source_ranges_annotation_opens_the_load_balancer_as_the_field_does() -> None:
    result = translate_yaml(docs(DB, service(NLB_PORTS, """
service.beta.kubernetes.io/load-balancer-source-ranges: "203.0.113.0/24, 198.51.100.7/32"
""")))
    assert _inbound(result) == {"203.0.113.0/24", "198.51.100.7/32"}  # not 0.0.0.0/0
    assert "SvcDbInboundCidr" not in stack_for(result, "load-balancer").parameters
    assert fate(result, "Service", "db", RANGES) == {
        "path": RANGES, "status": "mapped", "note": "as spec.loadBalancerSourceRanges would",
        "to": "load-balancer.yaml#/Resources/SvcDbLoadBalancerSecurityGroup/Properties/"
              "SecurityGroupIngress"}


def test_spec_load_balancer_source_ranges_wins_over_the_annotation() -> None:
    result = translate_yaml(docs(DB, service(NLB_PORTS + "loadBalancerSourceRanges: [10.1.0.0/16]",
                                             "service.beta.kubernetes.io/load-balancer-source-"
                                             "ranges: 203.0.113.0/24")))
    assert _inbound(result) == {"10.1.0.0/16"}
    assert fate(result, "Service", "db", RANGES)["status"] == "ignored"


def test_a_controller_annotation_no_rule_reads_is_unsupported_not_ignored() -> None:
    """A controller acted on it on EKS, so it is reported as not done here; an annotation of
    no known controller stays ignored."""
    result = translate_yaml(docs(DB.replace("  name: db\n", "  name: db\n  annotations:\n"
                                            "    alb.ingress.kubernetes.io/healthcheck-path: /h\n"
                                            "    example.com/team: data\n", 1),
                                 service("ports: [{port: 5432}]", """
service.beta.kubernetes.io/aws-load-balancer-backend-protocol: tcp
nginx.ingress.kubernetes.io/affinity: cookie
""")))
    for kind, key, who in (
            ("Service", "service.beta.kubernetes.io~1aws-load-balancer-backend-protocol",
             "the AWS cloud provider or Load Balancer Controller"),
            ("Service", "nginx.ingress.kubernetes.io~1affinity", "ingress-nginx"),
            ("Deployment", "alb.ingress.kubernetes.io~1healthcheck-path",
             "the AWS Load Balancer Controller")):
        assert fate(result, kind, "db", f"/metadata/annotations/{key}") == {
            "path": f"/metadata/annotations/{key}", "status": "unsupported",
            "note": f"{who} acted on this annotation on EKS; no rule maps what it did"}
    assert fate(result, "Deployment", "db", "/metadata/annotations/example.com~1team")[
        "status"] == "ignored"
