"""Ingress -> one shared ALB: listeners, IP target groups, listener rules, and the workload's
ECS service registered in its target group."""

from __future__ import annotations

import pytest

from tests.helpers import (
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
from translator.cfn import GetAtt, ImportValue, Ref, Sub

CERT = "arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555"

API = deployment("api", container="""
    ports:
      - {name: http, containerPort: 8080}
    readinessProbe:
      httpGet: {path: /ready, port: http}
      initialDelaySeconds: 45
      periodSeconds: 20
      timeoutSeconds: 4
      failureThreshold: 5
      successThreshold: 3
""")
UI = deployment("ui", container="ports: [{containerPort: 3000}]")


def service(name: str, port: int, target: int | str) -> str:
    return f"""
apiVersion: v1
kind: Service
metadata: {{name: {name}, namespace: shop}}
spec:
  selector: {{app: {name}}}
  ports:
    - {{name: http, port: {port}, targetPort: {target}}}
"""


def ingress(annotations: str, spec: str, name: str = "main") -> str:
    return (f"apiVersion: networking.k8s.io/v1\nkind: Ingress\n"
            f"metadata:\n  name: {name}\n  namespace: shop\n  annotations:\n"
            + "".join(f"    {line}\n" for line in annotations.strip().splitlines())
            + "spec:\n" + "".join(f"  {line}\n" for line in spec.strip().splitlines()))


def path(path: str, service: str, port: int, path_type: str = "Prefix") -> str:
    return (f"      - {{path: {path}, pathType: {path_type}, backend: {{service: "
            f"{{name: {service}, port: {{number: {port}}}}}}}}}\n")


@pytest.fixture(scope="module")
def alb() -> Result:
    return translate_yaml(docs(API, service("api", 80, "http"), UI, service("ui", 3000, 3000),
                               ingress(f"""
alb.ingress.kubernetes.io/scheme: internet-facing
alb.ingress.kubernetes.io/listen-ports: '[{{"HTTP": 80}}, {{"HTTPS": 443}}]'
alb.ingress.kubernetes.io/certificate-arn: {CERT}
alb.ingress.kubernetes.io/ssl-redirect: "443"
""", "ingressClassName: alb\nrules:\n  - http:\n      paths:\n"
     + path("/", "ui", 3000) + path("/api", "api", 80))))


def test_one_load_balancer_stack_between_cluster_and_workloads(alb: Result) -> None:
    assert [s.file for s in alb.plan.stacks] == [
        "cluster.yaml", "load-balancer.yaml", "workload-api.yaml", "workload-ui.yaml"]
    lb = props(alb, "load-balancer", "LoadBalancer")
    assert lb == {
        "Type": "application",
        "Scheme": "internet-facing",
        "Subnets": Ref("LoadBalancerSubnetIds"),
        "SecurityGroups": [Ref("LoadBalancerSecurityGroup")],
        "LoadBalancerAttributes": [
            {"Key": "routing.http.drop_invalid_header_fields.enabled", "Value": "true"}],
    }


def test_listeners_follow_listen_ports(alb: Result) -> None:
    resources = stack_for(alb, "load-balancer").resources
    assert sorted(k for k in resources if k.startswith("Listener")) == [
        "ListenerHttp80", "ListenerHttps443"]
    http = props(alb, "load-balancer", "ListenerHttp80")
    assert (http["Port"], http["Protocol"]) == (80, "HTTP")
    assert http["DefaultActions"] == [{"Type": "redirect", "RedirectConfig": {
        "Protocol": "HTTPS", "Port": "443", "StatusCode": "HTTP_301"}}]


def test_https_listener_uses_the_certificate_arn(alb: Result) -> None:
    https = props(alb, "load-balancer", "ListenerHttps443")
    assert (https["Port"], https["Protocol"]) == (443, "HTTPS")
    assert https["Certificates"] == [{"CertificateArn": Ref("CertificateArn")}]
    assert https["SslPolicy"] == "ELBSecurityPolicy-TLS13-1-2-2021-06"
    assert https["DefaultActions"][0]["Type"] == "fixed-response"
    assert stack_for(alb, "load-balancer").parameters["CertificateArn"].default == CERT


def test_security_group_opens_each_listener_port(alb: Result) -> None:
    group = props(alb, "load-balancer", "LoadBalancerSecurityGroup")
    assert group["SecurityGroupIngress"] == [
        {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "CidrIp": Ref("InboundCidr"),
         "Description": "HTTP listener"},
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "CidrIp": Ref("InboundCidr"),
         "Description": "HTTPS listener"},
    ]
    assert stack_for(alb, "load-balancer").parameters["InboundCidr"].default == "0.0.0.0/0"


def test_prefix_path_becomes_two_path_patterns_on_the_https_listener(alb: Result) -> None:
    rules = {k: v.properties for k, v in stack_for(alb, "load-balancer").resources.items()
             if k.startswith("Rule")}
    assert sorted(rules) == ["RuleMainHttps443P10", "RuleMainHttps443P20"]
    assert rules["RuleMainHttps443P10"] == {
        "ListenerArn": Ref("ListenerHttps443"),
        "Priority": 10,
        "Conditions": [{"Field": "path-pattern",
                        "PathPatternConfig": {"Values": ["/api", "/api/*"]}}],
        "Actions": [{"Type": "forward", "TargetGroupArn": Ref("TargetGroupApi8080")}],
    }
    assert rules["RuleMainHttps443P20"]["Conditions"] == [
        {"Field": "path-pattern", "PathPatternConfig": {"Values": ["/*"]}}]
    assert rules["RuleMainHttps443P20"]["Actions"] == [
        {"Type": "forward", "TargetGroupArn": Ref("TargetGroupUi3000")}]
    assert fate(alb, "Ingress", "main", "/spec/rules/0/http/paths/1/pathType")["note"] == \
        "path-pattern /api, /api/*"


def test_target_group_health_check_comes_from_the_readiness_probe(alb: Result) -> None:
    group = props(alb, "load-balancer", "TargetGroupApi8080")
    assert group == {
        "TargetType": "ip",
        "Protocol": "HTTP",
        "Port": 8080,
        "VpcId": Ref("VpcId"),
        "HealthCheckPath": "/ready",
        "HealthCheckIntervalSeconds": 20,
        "HealthCheckTimeoutSeconds": 4,
        "HealthyThresholdCount": 3,
        "UnhealthyThresholdCount": 5,
        "Matcher": {"HttpCode": "200-399"},
        "TargetGroupAttributes": [{"Key": "deregistration_delay.timeout_seconds",
                                   "Value": "30"}],
    }


def test_target_group_without_readiness_probe_uses_defaults(alb: Result) -> None:
    group = props(alb, "load-balancer", "TargetGroupUi3000")
    assert (group["Port"], group["HealthCheckPath"], group["HealthCheckIntervalSeconds"],
            group["HealthCheckTimeoutSeconds"], group["HealthyThresholdCount"],
            group["UnhealthyThresholdCount"]) == (3000, "/", 15, 5, 2, 3)


def test_workload_service_registers_in_its_target_group(alb: Result) -> None:
    api = props(alb, "api", "Service")
    assert api["LoadBalancers"] == [{
        "ContainerName": "api", "ContainerPort": 8080,
        "TargetGroupArn": ImportValue(Sub("${LoadBalancerStackName}-TargetGroupApi8080Arn"))}]
    assert api["HealthCheckGracePeriodSeconds"] == 90  # twice the readiness initial delay
    ui = props(alb, "ui", "Service")
    assert ui["LoadBalancers"] == [{
        "ContainerName": "ui", "ContainerPort": 3000,
        "TargetGroupArn": ImportValue(Sub("${LoadBalancerStackName}-TargetGroupUi3000Arn"))}]
    assert ui["HealthCheckGracePeriodSeconds"] == 60
    assert stack_for(alb, "api").parameters["LoadBalancerStackName"].default == \
        "shop-load-balancer"


def test_load_balancer_stack_exports_what_workloads_import(alb: Result) -> None:
    outputs = stack_for(alb, "load-balancer").outputs
    assert sorted(outputs) == ["LoadBalancerDnsName", "LoadBalancerSecurityGroupId",
                               "TargetGroupApi8080Arn", "TargetGroupUi3000Arn"]
    assert outputs["TargetGroupApi8080Arn"].value == Ref("TargetGroupApi8080")
    assert outputs["TargetGroupApi8080Arn"].export == \
        Sub("${AWS::StackName}-TargetGroupApi8080Arn")
    assert outputs["LoadBalancerDnsName"].value == GetAtt("LoadBalancer", "DNSName")


def test_report_of_the_ingress(alb: Result) -> None:
    entry = source(alb, "Ingress", "main")
    assert entry["status"] == "mapped"
    backend = fate(alb, "Ingress", "main", "/spec/rules/0/http/paths/1/backend")
    assert backend["to"] == "load-balancer.yaml#/Resources/TargetGroupApi8080"
    assert backend["note"] == "api:80 -> api container api:8080"
    annotation = fate(alb, "Ingress", "main",
                      "/metadata/annotations/alb.ingress.kubernetes.io~1certificate-arn")
    assert annotation["status"] == "mapped"


def test_rule_priorities_order_exact_then_longer_prefix() -> None:
    paths = (path("/", "api", 80) + path("/api", "api", 80) + path("/api/v2", "api", 80)
             + path("/api/v2/status", "api", 80, "Exact") + path("/a", "api", 80))
    result = translate_yaml(docs(API, service("api", 80, "http"), ingress(
        "alb.ingress.kubernetes.io/scheme: internal",
        "rules:\n  - http:\n      paths:\n" + paths + "  - host: shop.example.com\n"
        "    http:\n      paths:\n" + path("/", "api", 80))))
    rules = {k: v.properties for k, v in stack_for(result, "load-balancer").resources.items()
             if k.startswith("Rule")}
    by_priority = {p["Priority"]: p["Conditions"] for p in rules.values()}
    assert sorted(by_priority) == [10, 20, 30, 40, 50, 60]
    patterns = {prio: [c.get("PathPatternConfig", c.get("HostHeaderConfig"))["Values"]
                       for c in conditions] for prio, conditions in by_priority.items()}
    assert patterns == {
        10: [["shop.example.com"], ["/*"]],  # a host rule is more specific than any path
        20: [["/api/v2/status"]],  # exact first
        30: [["/api/v2", "/api/v2/*"]],  # then longer prefixes
        40: [["/api", "/api/*"]],
        50: [["/a", "/a/*"]],
        60: [["/*"]],
    }
    assert all(p["ListenerArn"] == Ref("ListenerHttp80") for p in rules.values())


def test_defaults_without_annotations_are_an_internal_http_alb() -> None:
    result = translate_yaml(docs(UI, service("ui", 80, 3000), ingress(
        "kubernetes.io/description: none",
        "rules:\n  - http:\n      paths:\n" + path("/", "ui", 80))))
    lb = stack_for(result, "load-balancer")
    assert sorted(k for k in lb.resources if k.startswith("Listener")) == ["ListenerHttp80"]
    assert props(result, "load-balancer", "LoadBalancer")["Scheme"] == "internal"
    assert lb.parameters["InboundCidr"].default == "10.0.0.0/8"
    assert "CertificateArn" not in lb.parameters
    assert props(result, "load-balancer", "TargetGroupUi3000")["Port"] == 3000


def test_certificate_without_listen_ports_adds_https_443() -> None:
    result = translate_yaml(docs(UI, service("ui", 80, 3000), ingress(
        f"alb.ingress.kubernetes.io/certificate-arn: {CERT}",
        "rules:\n  - http:\n      paths:\n" + path("/", "ui", 80))))
    resources = stack_for(result, "load-balancer").resources
    assert sorted(k for k in resources if k.startswith("Listener")) == [
        "ListenerHttp80", "ListenerHttps443"]
    assert props(result, "load-balancer", "ListenerHttps443")["Certificates"] == [
        {"CertificateArn": Ref("CertificateArn")}]


def test_healthcheck_annotations_override_the_readiness_probe() -> None:
    result = translate_yaml(docs(API, service("api", 80, "http"), ingress("""
alb.ingress.kubernetes.io/healthcheck-path: /healthz
alb.ingress.kubernetes.io/success-codes: "200"
""", "rules:\n  - http:\n      paths:\n" + path("/api", "api", 80))))
    group = props(result, "load-balancer", "TargetGroupApi8080")
    assert group["HealthCheckPath"] == "/healthz"
    assert group["Matcher"] == {"HttpCode": "200"}
    assert group["HealthCheckIntervalSeconds"] == 20  # timings still from the probe


def test_target_group_timeout_stays_below_the_interval() -> None:
    quick = deployment("api", container="""
        ports: [{containerPort: 8080}]
        readinessProbe:
          tcpSocket: {port: 8080}
          periodSeconds: 5
          timeoutSeconds: 10
    """)
    result = translate_yaml(docs(quick, service("api", 8080, 8080), ingress(
        "alb.ingress.kubernetes.io/scheme: internal",
        "rules:\n  - http:\n      paths:\n" + path("/", "api", 8080))))
    group = props(result, "load-balancer", "TargetGroupApi8080")
    assert (group["HealthCheckIntervalSeconds"], group["HealthCheckTimeoutSeconds"]) == (5, 4)
    assert group["HealthCheckPath"] == "/"  # a TCP probe has no path


def test_inbound_cidrs_replace_the_parameter() -> None:
    result = translate_yaml(docs(UI, service("ui", 80, 3000), ingress(
        "alb.ingress.kubernetes.io/inbound-cidrs: 10.1.0.0/16, 192.168.1.7/24",
        "rules:\n  - http:\n      paths:\n" + path("/", "ui", 80))))
    assert "InboundCidr" not in stack_for(result, "load-balancer").parameters
    rules = props(result, "load-balancer", "LoadBalancerSecurityGroup")["SecurityGroupIngress"]
    assert [r["CidrIp"] for r in rules] == ["10.1.0.0/16", "192.168.1.0/24"]


def test_what_does_not_map_is_reported() -> None:
    result = translate_yaml(docs(UI, service("ui", 80, 3000), ingress("""
alb.ingress.kubernetes.io/target-type: instance
alb.ingress.kubernetes.io/waf-acl-id: abc
""", "ingressClassName: nginx\ntls:\n  - hosts: [shop.example.com]\n    secretName: shop-tls\n"
     "rules:\n  - http:\n      paths:\n" + path("/", "ui", 80) + path("/x", "missing", 80))))
    prefix = "/metadata/annotations/alb.ingress.kubernetes.io~1"
    assert fate(result, "Ingress", "main", prefix + "waf-acl-id")["status"] == "unsupported"
    assert "lossy" in [f["status"] for f in source(result, "Ingress", "main")["fields"]
                       if f["path"] == prefix + "target-type"]
    assert fate(result, "Ingress", "main", "/spec/tls")["status"] == "mapped"  # HTTPS on 443
    assert fate(result, "Ingress", "main", "/spec/ingressClassName")["status"] == "lossy"
    missing = fate(result, "Ingress", "main", "/spec/rules/0/http/paths/1/backend")
    assert (missing["status"], missing["note"]) == ("unsupported",
                                                    "Service missing is not in the input")
    rules = [v.properties for k, v in stack_for(result, "load-balancer").resources.items()
             if k.startswith("Rule")]
    assert [r["Conditions"][0]["PathPatternConfig"]["Values"] for r in rules] == [["/*"]]
    assert source(result, "Ingress", "main")["status"] == "partial"


def test_rules_route_on_http_and_https_when_there_is_no_redirect() -> None:
    result = translate_yaml(docs(API, service("api", 80, 8080), ingress(
        f"alb.ingress.kubernetes.io/listen-ports: '[{{\"HTTP\": 80}}, {{\"HTTPS\": 443}}]'\n"
        f"alb.ingress.kubernetes.io/certificate-arn: {CERT}",
        "rules:\n  - http:\n      paths:\n" + path("/", "api", 80))))
    rules = {k: v.properties["ListenerArn"]
             for k, v in stack_for(result, "load-balancer").resources.items() if k.startswith("Rule")}
    assert rules == {"RuleMainHttp80P10": Ref("ListenerHttp80"),
                     "RuleMainHttps443P10": Ref("ListenerHttps443")}


def test_a_default_backend_keeps_the_https_redirect() -> None:
    result = translate_yaml(docs(API, service("api", 80, 8080), ingress(
        f"alb.ingress.kubernetes.io/listen-ports: '[{{\"HTTP\": 80}}, {{\"HTTPS\": 443}}]'\n"
        f"alb.ingress.kubernetes.io/certificate-arn: {CERT}\n"
        "alb.ingress.kubernetes.io/ssl-redirect: '443'",
        "defaultBackend: {service: {name: api, port: {number: 80}}}")))
    http = props(result, "load-balancer", "ListenerHttp80")["DefaultActions"]
    https = props(result, "load-balancer", "ListenerHttps443")["DefaultActions"]
    assert http[0]["Type"] == "redirect"
    assert https == [{"Type": "forward", "TargetGroupArn": Ref("TargetGroupApi8080")}]


def test_two_paths_to_one_service_attach_its_target_group_once() -> None:
    result = translate_yaml(docs(API, service("api", 80, 8080), ingress(
        "alb.ingress.kubernetes.io/scheme: internal",
        "rules:\n  - http:\n      paths:\n" + path("/a", "api", 80) + path("/b", "api", 80))))
    assert len(props(result, "api", "Service")["LoadBalancers"]) == 1


def test_ingress_groups_share_an_alb_and_different_groups_get_their_own() -> None:
    group = "alb.ingress.kubernetes.io/group.name: {}"
    result = translate_yaml(docs(
        API, service("api", 80, "http"), UI, service("ui", 3000, 3000),
        ingress(group.format("public") + "\nalb.ingress.kubernetes.io/scheme: internet-facing",
                "rules:\n  - http:\n      paths:\n" + path("/", "ui", 3000), name="shop"),
        ingress(group.format("public"), "rules:\n  - http:\n      paths:\n"
                + path("/api", "api", 80), name="api"),
        ingress(group.format("admin"), "rules:\n  - http:\n      paths:\n"
                + path("/admin", "api", 80), name="admin")))
    lb = stack_for(result, "load-balancer")
    balancers = sorted(k for k, r in lb.resources.items()
                       if r.type == "AWS::ElasticLoadBalancingV2::LoadBalancer")
    assert balancers == ["AdminLoadBalancer", "PublicLoadBalancer"]
    assert lb.resources["PublicLoadBalancer"].properties["Scheme"] == "internet-facing"
    assert lb.resources["AdminLoadBalancer"].properties["Scheme"] == "internal"
    shared = {r.properties["ListenerArn"] for k, r in lb.resources.items()
              if k.startswith(("RuleShop", "RuleApi"))}
    assert shared == {Ref("PublicListenerHttp80")}
    # a target group belongs to one load balancer: api has one per ALB
    assert {"TargetGroupPublicApi8080", "TargetGroupAdminApi8080"} <= set(lb.resources)
    assert len(props(result, "api", "Service")["LoadBalancers"]) == 2
    assert fate(result, "Ingress", "admin", "/metadata/annotations/"
                "alb.ingress.kubernetes.io~1group.name")["to"] == \
        "load-balancer.yaml#/Resources/AdminLoadBalancer"


def test_health_check_annotations_and_grpc_backends() -> None:
    result = translate_yaml(docs(API, service("api", 80, "http"), ingress(f"""
alb.ingress.kubernetes.io/backend-protocol-version: GRPC
alb.ingress.kubernetes.io/certificate-arn: {CERT}
alb.ingress.kubernetes.io/healthcheck-port: "9000"
alb.ingress.kubernetes.io/healthcheck-protocol: HTTP
alb.ingress.kubernetes.io/healthcheck-interval-seconds: "30"
alb.ingress.kubernetes.io/healthcheck-timeout-seconds: "6"
alb.ingress.kubernetes.io/healthy-threshold-count: "4"
alb.ingress.kubernetes.io/unhealthy-threshold-count: "7"
alb.ingress.kubernetes.io/success-codes: "0-99"
""", "rules:\n  - http:\n      paths:\n" + path("/", "api", 80))))
    group = props(result, "load-balancer", "TargetGroupApi8080")
    assert group["ProtocolVersion"] == "GRPC"
    assert group["Matcher"] == {"GrpcCode": "0-99"}
    assert group["HealthCheckPath"] == "/AWS.ALB/healthcheck"
    assert (group["HealthCheckPort"], group["HealthCheckProtocol"]) == ("9000", "HTTP")
    assert (group["HealthCheckIntervalSeconds"], group["HealthCheckTimeoutSeconds"]) == (30, 6)
    assert (group["HealthyThresholdCount"], group["UnhealthyThresholdCount"]) == (4, 7)
    # ALB serves GRPC behind HTTPS only (E9114): the rule is on the HTTPS listener alone
    rules = [r.properties for r in stack_for(result, "load-balancer").resources.values()
             if r.type == "AWS::ElasticLoadBalancingV2::ListenerRule"]
    assert [r["ListenerArn"] for r in rules] == [Ref("ListenerHttps443")]


def test_a_grpc_backend_without_an_https_listener_is_not_routed_and_says_why() -> None:
    """It was a GRPC target group behind HTTP:80, which ALB refuses (fixture ingress-group)."""
    result = translate_yaml(docs(API, service("api", 80, "http"), ingress(
        "alb.ingress.kubernetes.io/backend-protocol-version: HTTP2",
        "rules:\n  - http:\n      paths:\n" + path("/", "api", 80))))
    balancer = stack_for(result, "load-balancer").resources
    assert not [r for r in balancer.values() if r.type in (
        "AWS::ElasticLoadBalancingV2::ListenerRule", "AWS::ElasticLoadBalancingV2::TargetGroup")]
    assert "LoadBalancers" not in props(result, "api", "Service")
    (entry,) = [e for e in result.plan.entries if e.kind == "Ingress"]
    fates = {f.path: f for f in entry.fields}
    assert fates["/spec/rules/0/http/paths/0/path"].status == "lossy"
    assert "only behind an HTTPS listener" in (fates["/spec/rules/0/http/paths/0/path"].note or "")


def test_default_backend_is_every_forwarding_listener_default_action() -> None:
    result = translate_yaml(docs(UI, service("ui", 80, 3000), ingress(
        "alb.ingress.kubernetes.io/scheme: internal",
        "defaultBackend:\n  service: {name: ui, port: {number: 80}}")))
    assert props(result, "load-balancer", "ListenerHttp80")["DefaultActions"] == [
        {"Type": "forward", "TargetGroupArn": Ref("TargetGroupUi3000")}]
    backend = fates(result, "Ingress", "main", "/spec/defaultBackend")
    assert [f["to"] for f in backend if f["status"] == "mapped"][-1] == \
        "load-balancer.yaml#/Resources/ListenerHttp80/Properties/DefaultActions"


def test_nginx_ingress_becomes_alb_rules_and_reports_what_is_lost() -> None:
    result = translate_yaml(docs(UI, service("ui", 80, 3000), ingress("""
nginx.ingress.kubernetes.io/rewrite-target: /$2
nginx.ingress.kubernetes.io/configuration-snippet: "more_set_headers 'X: y';"
nginx.ingress.kubernetes.io/proxy-body-size: 8m
cert-manager.io/cluster-issuer: letsencrypt
""", "ingressClassName: nginx\nrules:\n  - host: shop.example.com\n    http:\n      paths:\n"
     + path("/ui(/|$)(.*)", "ui", 80, "ImplementationSpecific"))))
    rule = props(result, "load-balancer", "RuleMainHttp80P10")
    assert rule["Conditions"][0] == {"Field": "host-header",
                                     "HostHeaderConfig": {"Values": ["shop.example.com"]}}
    nginx = "/metadata/annotations/nginx.ingress.kubernetes.io~1"
    rewrite = fate(result, "Ingress", "main", nginx + "rewrite-target")
    assert rewrite["status"] == "lossy" and "cannot rewrite the path" in rewrite["note"]
    assert fate(result, "Ingress", "main", nginx + "proxy-body-size")["status"] == "lossy"
    assert "ACM" in fate(result, "Ingress", "main",
                         "/metadata/annotations/cert-manager.io~1cluster-issuer")["note"]
    assert any("regular expression" in f["note"] for f in fates(
        result, "Ingress", "main", "/spec/rules/0/http/paths/0/path") if f["status"] == "lossy")
    assert fate(result, "Ingress", "main", "/spec/ingressClassName")["status"] == "lossy"
    assert fate(result, "Ingress", "main", "/spec/rules/0/host")["to"] == \
        "load-balancer.yaml#/Resources/RuleMainHttp80P10/Properties/Conditions/0"


def test_name_address_type_tags_and_ssl_policy_annotations() -> None:
    result = translate_yaml(docs(UI, service("ui", 80, 3000), ingress("""
alb.ingress.kubernetes.io/load-balancer-name: shop-public
alb.ingress.kubernetes.io/ip-address-type: dualstack
alb.ingress.kubernetes.io/tags: team=shop, cost-center=42
alb.ingress.kubernetes.io/certificate-arn: arn:aws:acm:us-east-1:123456789012:certificate/a
alb.ingress.kubernetes.io/ssl-policy: ELBSecurityPolicy-TLS13-1-2-Res-2021-06
""", "rules:\n  - http:\n      paths:\n" + path("/", "ui", 80))))
    lb = props(result, "load-balancer", "LoadBalancer")
    assert (lb["Name"], lb["IpAddressType"]) == ("shop-public", "dualstack")
    assert lb["Tags"] == [{"Key": "cost-center", "Value": "42"}, {"Key": "team", "Value": "shop"}]
    assert props(result, "load-balancer", "ListenerHttps443")["SslPolicy"] == \
        "ELBSecurityPolicy-TLS13-1-2-Res-2021-06"


def test_use_annotation_backends_become_redirect_and_fixed_response_actions() -> None:
    result = translate_yaml(docs(UI, service("ui", 80, 3000), ingress("""
alb.ingress.kubernetes.io/actions.legacy: >-
  {"type": "redirect", "redirectConfig": {"host": "new.example.com", "statusCode": "HTTP_301"}}
alb.ingress.kubernetes.io/actions.maintenance: >-
  {"Type": "fixed-response", "FixedResponseConfig": {"ContentType": "text/plain",
  "StatusCode": "503", "MessageBody": "back soon"}}
alb.ingress.kubernetes.io/actions.weighted: >-
  {"type": "forward", "forwardConfig": {"targetGroups": [{"serviceName": "ui"}]}}
""", "rules:\n  - http:\n      paths:\n"
     "      - {path: /old, pathType: Prefix, backend: {service: {name: legacy, port: "
     "{name: use-annotation}}}}\n"
     "      - {path: /shop, pathType: Prefix, backend: {service: {name: maintenance, port: "
     "{name: use-annotation}}}}\n"
     "      - {path: /w, pathType: Prefix, backend: {service: {name: weighted, port: "
     "{name: use-annotation}}}}\n" + path("/", "ui", 80))))
    rules = {r.properties["Conditions"][0]["PathPatternConfig"]["Values"][0]:
             r.properties["Actions"] for k, r in stack_for(result, "load-balancer").resources.items()
             if k.startswith("Rule")}
    assert rules["/old"] == [{"Type": "redirect", "RedirectConfig": {
        "Host": "new.example.com", "StatusCode": "HTTP_301"}}]
    assert rules["/shop"] == [{"Type": "fixed-response", "FixedResponseConfig": {
        "ContentType": "text/plain", "MessageBody": "back soon", "StatusCode": "503"}}]
    assert "/w" not in rules
    weighted = fate(result, "Ingress", "main", "/spec/rules/0/http/paths/2/backend")
    assert weighted["status"] == "unsupported" and "weighted forwards" in weighted["note"]


def test_conditions_annotation_adds_header_and_query_conditions() -> None:
    result = translate_yaml(docs(UI, service("ui", 80, 3000), ingress("""
alb.ingress.kubernetes.io/conditions.ui: >-
  [{"field": "http-header", "httpHeaderConfig": {"httpHeaderName": "X-Canary",
  "values": ["yes"]}}, {"field": "query-string", "queryStringConfig": {"values":
  [{"key": "beta", "value": "1"}]}}]
""", "rules:\n  - http:\n      paths:\n" + path("/", "ui", 80))))
    conditions = props(result, "load-balancer", "RuleMainHttp80P10")["Conditions"]
    assert conditions[1:] == [
        {"Field": "http-header", "HttpHeaderConfig": {"HttpHeaderName": "X-Canary",
                                                      "Values": ["yes"]}},
        {"Field": "query-string", "QueryStringConfig": {"Values": [{"Key": "beta",
                                                                    "Value": "1"}]}}]
    annotation = "/metadata/annotations/alb.ingress.kubernetes.io~1conditions.ui"
    assert fate(result, "Ingress", "main", annotation)["status"] == "mapped"


def test_a_malformed_conditions_annotation_is_reported_and_the_rule_kept() -> None:
    result = translate_yaml(docs(UI, service("ui", 80, 3000), ingress(
        "alb.ingress.kubernetes.io/conditions.ui: '[{\"field\": \"cookie\"}]'",
        "rules:\n  - http:\n      paths:\n" + path("/", "ui", 80))))
    assert len(props(result, "load-balancer", "RuleMainHttp80P10")["Conditions"]) == 1
    annotation = "/metadata/annotations/alb.ingress.kubernetes.io~1conditions.ui"
    assert fate(result, "Ingress", "main", annotation)["status"] == "unsupported"


NGINX_TLS = ("ingressClassName: nginx\ntls:\n  - hosts: [shop.example.com]\n    secretName: "
             "shop-tls\nrules:\n  - host: shop.example.com\n    http:\n      paths:\n"
             + path("/", "ui", 3000))


def test_an_nginx_ingress_with_tls_gets_https_with_a_required_certificate_and_a_redirect(
) -> None:
    """ingress-nginx served the TLS hosts on 443 (cert-manager's secret) and redirected HTTP
    there: the ALB does the same with an ACM certificate the operator must name."""
    result = translate_yaml(docs(UI, service("ui", 3000, 3000), ingress(
        "cert-manager.io/cluster-issuer: letsencrypt", NGINX_TLS)))
    lb = stack_for(result, "load-balancer")
    assert lb.parameters["CertificateArn"].default is None  # required
    https = lb.resources["ListenerHttps443"].properties
    assert (https["Protocol"], https["Certificates"]) == (
        "HTTPS", [{"CertificateArn": Ref("CertificateArn")}])
    http = lb.resources["ListenerHttp80"]
    assert http.properties["DefaultActions"] == [{"Type": "redirect", "RedirectConfig": {
        "Protocol": "HTTPS", "Port": "443", "StatusCode": "HTTP_301"}}]
    assert http.metadata is None  # no checkov skip: nothing is served over plain HTTP
    rules = [r.properties["ListenerArn"] for k, r in lb.resources.items() if k.startswith("Rule")]
    assert rules == [Ref("ListenerHttps443")]
    tls = fate(result, "Ingress", "main", "/spec/tls")
    assert (tls["status"], tls["to"]) == ("mapped", "load-balancer.yaml#/Parameters/CertificateArn")
    assert "shop.example.com" in tls["note"] and "HTTP redirects to HTTPS" in tls["note"]


def test_a_group_that_also_serves_plain_http_keeps_http_forwarding_with_a_true_reason() -> None:
    result = translate_yaml(docs(UI, service("ui", 3000, 3000), ingress("", NGINX_TLS),
                                 API, service("api", 80, "http"), ingress(
        "kubernetes.io/ingress.class: nginx",
        "rules:\n  - host: api.example.com\n    http:\n      paths:\n" + path("/", "api", 80),
        name="plain")))
    lb = stack_for(result, "load-balancer")
    http = lb.resources["ListenerHttp80"]
    assert http.properties["DefaultActions"][0]["Type"] == "fixed-response"  # no redirect
    [skip, _] = http.metadata["checkov"]["skip"]
    assert "names no certificate" not in skip["comment"]
    assert skip["comment"].startswith("plain HTTP on port 80, as on EKS: it serves routes of "
                                      "Ingresses without TLS")
    assert "ListenerHttps443" in lb.resources
