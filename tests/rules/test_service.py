"""Service -> Cloud Map service the workload registers in, and the DNS rewrite of env values."""

from __future__ import annotations

import pytest

from tests.helpers import (
    container,
    deployment,
    docs,
    env_of,
    fate,
    fates,
    props,
    source,
    stack_for,
    translate_yaml,
)
from translator.api import Result
from translator.cfn import GetAtt, ImportValue, Sub

API = deployment("api", container="""
    ports:
      - {name: http, containerPort: 8080}
""")

API_SERVICE = """
apiVersion: v1
kind: Service
metadata: {name: api, namespace: shop}
spec:
  clusterIP: 10.100.0.12
  selector: {app: api}
  ports:
    - {name: http, port: 80, targetPort: http}
"""

EXTERNAL = """
apiVersion: v1
kind: Service
metadata: {name: ext-db, namespace: shop}
spec:
  type: ExternalName
  externalName: db.example.com
"""

# name -> (value as written, value expected on ECS)
VALUES = {
    "FQDN": ("http://api.shop.svc.cluster.local:80/v1", "http://api.shop.local:8080/v1"),
    "SVC": ("api.shop.svc", "api.shop.local"),
    "SHORT": ("api.shop", "api.shop.local"),
    # a bare name is an address only where the variable says so, or as a URL's host
    "BARE": ("api", "api"),
    "API_HOST": ("api", "api.shop.local"),
    "POSTGRES_DB": ("api", "api"),
    "BARE_PORT": ("api:80", "api.shop.local:8080"),
    "BARE_URL": ("http://api/x", "http://api.shop.local:8080/x"),
    "HTTPS_URL": ("https://api/x", "https://api.shop.local/x"),
    "CONN": ("Host=api;Port=80", "Host=api.shop.local;Port=80"),
    "USER_AT": ("user@api:80", "user@api.shop.local:8080"),
    "OTHER_PORT": ("api:9000", "api:9000"),
    "PREFIXED": ("apiary", "apiary"),
    "SUFFIXED": ("my-api", "my-api"),
    "LONGER_DOMAIN": ("api.shop.example.com", "api.shop.example.com"),
    "OTHER_NS": ("api.other", "api.other"),
    "MISSING": ("http://gone.shop.svc.cluster.local:80", "http://gone.shop.svc.cluster.local:80"),
    "EXT_FQDN": ("ext-db.shop.svc.cluster.local:5432", "db.example.com:5432"),
    "EXT_BARE": ("ext-db", "ext-db"),
    "EXT_ADDR": ("ext-db", "db.example.com"),
}


def _env_yaml() -> str:
    return "env:\n" + "".join(f"  - {{name: {name}, value: \"{value}\"}}\n"
                              for name, (value, _) in VALUES.items())


@pytest.fixture(scope="module")
def shop() -> Result:
    return translate_yaml(docs(API, API_SERVICE, EXTERNAL,
                               deployment("web", container=_env_yaml())), discovery="cloudmap")


def test_cloud_map_service_lives_in_the_selected_workload_stack(shop: Result) -> None:
    registry = stack_for(shop, "api").resources["CloudMapApi"]
    assert registry.type == "AWS::ServiceDiscovery::Service"
    assert registry.properties == {
        "Name": "api",
        "Description": "Kubernetes Service shop/api",
        "NamespaceId": ImportValue(Sub("${ClusterStackName}-NamespaceId")),
        "DnsConfig": {"DnsRecords": [{"Type": "A", "TTL": 10}], "RoutingPolicy": "MULTIVALUE"},
        "HealthCheckCustomConfig": {"FailureThreshold": 1},
    }
    assert "CloudMapApi" not in stack_for(shop, "web").resources


def test_ecs_service_registers_in_the_cloud_map_service(shop: Result) -> None:
    assert props(shop, "api", "Service")["ServiceRegistries"] == [
        {"RegistryArn": GetAtt("CloudMapApi", "Arn")}]
    assert "ServiceRegistries" not in props(shop, "web", "Service")


def test_report_names_the_new_dns_name(shop: Result) -> None:
    name = fate(shop, "Service", "api", "/metadata/name")
    assert name["status"] == "mapped"
    assert name["to"] == "workload-api.yaml#/Resources/CloudMapApi/Properties/Name"
    assert name["note"] == "api.shop.svc.cluster.local -> api.shop.local"
    assert fate(shop, "Service", "api", "/spec/clusterIP")["status"] == "ignored"
    assert fate(shop, "Service", "api", "/spec/selector")["note"] == \
        "resolved: selects Deployment/api"
    # and every task of the app may reach the port it targets, as every pod could
    assert sorted((r["template"], r["logicalId"])
                  for r in source(shop, "Service", "api")["resources"]) == [
        ("workload-api.yaml", "CloudMapApi"), ("workload-api.yaml", "FromAppTcp8080")]


@pytest.mark.parametrize("name", list(VALUES))
def test_dns_rewrite_of_env_values(shop: Result, name: str) -> None:
    assert env_of(container(shop, "web"))[name] == VALUES[name][1]


def test_every_rewrite_is_reported_on_its_env_field(shop: Result) -> None:
    names = list(VALUES)
    notes = {}
    for i, name in enumerate(names):
        rewrites = [f["note"] for f in fates(shop, "Deployment", "web",
                                             f"/spec/template/spec/containers/0/env/{i}")
                    if f.get("note", "").startswith("DNS rewrite")]
        notes[name] = rewrites
    assert notes["FQDN"] == ["DNS rewrite: api.shop.svc.cluster.local:80 -> api.shop.local:8080"]
    assert notes["API_HOST"] == ["DNS rewrite: api -> api.shop.local"]
    assert notes["BARE_PORT"] == ["DNS rewrite: api:80 -> api.shop.local:8080"]
    assert notes["BARE_URL"] == ["DNS rewrite: api -> api.shop.local:8080"]
    assert notes["EXT_ADDR"] == ["DNS rewrite: ext-db -> db.example.com"]
    assert notes["PREFIXED"] == notes["SUFFIXED"] == notes["OTHER_NS"] == []
    assert notes["BARE"] == notes["POSTGRES_DB"] == notes["OTHER_PORT"] == []
    assert "## DNS rewrites" in shop.files["report.md"]


def test_names_left_alone_and_services_not_in_the_input_are_lossy(shop: Result) -> None:
    names = list(VALUES)

    def lossy(name: str) -> list[str]:
        return [f["note"] for f in fates(shop, "Deployment", "web",
                                         f"/spec/template/spec/containers/0/env/{names.index(name)}")
                if f["status"] == "lossy"]
    assert lossy("POSTGRES_DB") == ["api names a Service but does not stand as an address here, "
                                    "left as written: POSTGRES_DB=api"]
    assert lossy("OTHER_PORT") == ["api:9000 names a Service but does not stand as an address "
                                   "here, left as written: OTHER_PORT=api:9000"]
    assert lossy("MISSING") == ["gone.shop.svc.cluster.local: not in the input: will not resolve "
                                "on ECS (MISSING=http://gone.shop.svc.cluster.local:80)"]
    assert lossy("API_HOST") == lossy("PREFIXED") == []


def test_a_port_given_apart_from_its_host_is_the_container_port() -> None:
    result = translate_yaml(docs(API, API_SERVICE, deployment("web", container="""
        env:
          - {name: API_HOST, value: api}
          - {name: API_PORT, value: "80"}
          - {name: OTHER_PORT, value: "80"}
    """)), discovery="cloudmap")
    env = env_of(container(result, "web"))
    assert (env["API_HOST"], env["API_PORT"], env["OTHER_PORT"]) == ("api.shop.local", "8080", "80")


def test_args_and_command_are_rewritten_and_reported() -> None:
    result = translate_yaml(docs(API, API_SERVICE, deployment("web", container="""
        command: [/bin/proxy, "--upstream=http://api.shop.svc.cluster.local:80"]
        args: [--target, "api:80", --name, api]
    """)), discovery="cloudmap")
    definition = container(result, "web")
    assert definition["EntryPoint"] == ["/bin/proxy", "--upstream=http://api.shop.local:8080"]
    assert definition["Command"] == ["--target", "api.shop.local:8080", "--name", "api"]
    assert any(f.get("note") == "DNS rewrite: api:80 -> api.shop.local:8080" for f in fates(
        result, "Deployment", "web", "/spec/template/spec/containers/0/args/1"))


def test_port_differing_from_target_port_is_lossy(shop: Result) -> None:
    port = fate(shop, "Service", "api", "/spec/ports/0")
    assert port["status"] == "lossy"
    assert port["note"] == ("Cloud Map A records carry no port: clients reach 8080 instead of "
                            "80; addresses naming port 80 (host:80, or a URL whose scheme "
                            "implies it) in env, command, args and ConfigMap files are "
                            "rewritten to 8080, as is X_PORT beside an X_HOST naming the Service")
    assert source(shop, "Service", "api")["status"] == "partial"


def test_external_name_makes_no_resource_and_is_lossy(shop: Result) -> None:
    entry = source(shop, "Service", "ext-db")
    assert entry["resources"] == []
    assert entry["status"] == "partial"
    spec = fate(shop, "Service", "ext-db", "/spec")
    assert spec["status"] == "lossy"
    assert spec["note"] == ("no Cloud Map record is made; env values naming this Service are "
                            "rewritten to 'db.example.com' (for other clients, a CNAME in a "
                            "Route 53 private hosted zone keeps the old name)")


def test_port_equal_to_target_port_is_mapped() -> None:
    result = translate_yaml(docs(API, """
        apiVersion: v1
        kind: Service
        metadata: {name: api, namespace: shop}
        spec:
          selector: {app: api}
          ports:
            - {port: 8080, nodePort: 30080}
    """), discovery="cloudmap")
    port = fate(result, "Service", "api", "/spec/ports/0")
    assert (port["status"], port["note"]) == ("mapped", "port 8080 stays as the container port")
    assert fate(result, "Service", "api", "/spec/ports/0/nodePort")["status"] == "ignored"


def test_target_port_naming_no_container_port_is_unsupported() -> None:
    result = translate_yaml(docs(API, """
        apiVersion: v1
        kind: Service
        metadata: {name: api, namespace: shop}
        spec:
          selector: {app: api}
          ports:
            - {port: 80, targetPort: metrics}
    """), discovery="cloudmap")
    port = fate(result, "Service", "api", "/spec/ports/0")
    assert (port["status"], port["note"]) == ("unsupported",
                                              "targetPort 'metrics' names no container port")
    assert source(result, "Service", "api")["status"] == "partial"


def test_service_selecting_nothing_is_partial_and_makes_nothing() -> None:
    result = translate_yaml(docs(API, """
        apiVersion: v1
        kind: Service
        metadata: {name: orphan, namespace: shop}
        spec:
          selector: {app: nothing}
          ports:
            - {port: 80}
    """), discovery="cloudmap")
    entry = source(result, "Service", "orphan")
    assert entry["status"] == "partial"
    assert entry["resources"] == []
    selector = fate(result, "Service", "orphan", "/spec/selector")
    assert selector["status"] == "lossy"
    assert selector["note"].startswith("selects no workload in the input")
    assert "ServiceRegistries" not in props(result, "api", "Service")


def test_service_selecting_an_untranslated_controller_names_it() -> None:
    daemon = deployment("agent", labels="app: agent").replace("kind: Deployment",
                                                               "kind: DaemonSet")
    result = translate_yaml(docs(API, daemon, """
        apiVersion: v1
        kind: Service
        metadata: {name: agent, namespace: shop}
        spec:
          selector: {app: agent}
          ports:
            - {port: 80}
    """), discovery="cloudmap")
    assert fate(result, "Service", "agent", "/spec/selector")["note"].startswith(
        "selects DaemonSet/agent, which this translation does not run as an ECS service")


def test_second_service_for_one_workload_is_an_alias_of_the_first() -> None:
    result = translate_yaml(docs(API, API_SERVICE, """
        apiVersion: v1
        kind: Service
        metadata: {name: api-v2, namespace: shop}
        spec:
          selector: {app: api}
          ports:
            - {port: 8080}
    """, deployment("web", container="""
        env:
          - {name: V2, value: "http://api-v2.shop.svc.cluster.local:8080"}
    """)), discovery="cloudmap")
    assert sorted(k for k in stack_for(result, "api").resources if k.startswith("CloudMap")) \
        == ["CloudMapApi"]
    assert len(props(result, "api", "Service")["ServiceRegistries"]) == 1
    alias = fate(result, "Service", "api-v2", "/metadata/name")
    assert alias["status"] == "lossy"
    assert env_of(container(result, "web"))["V2"] == "http://api.shop.local:8080"


def test_across_namespaces_names_carry_the_namespace_and_bare_names_stay() -> None:
    result = translate_yaml(docs(
        deployment("api", namespace="a", container="ports: [{containerPort: 8080}]"),
        """
        apiVersion: v1
        kind: Service
        metadata: {name: api, namespace: a}
        spec:
          selector: {app: api}
          ports:
            - {port: 8080}
        """,
        deployment("web", namespace="b", container="""
            env:
              - {name: BARE, value: api}
              - {name: QUALIFIED, value: "http://api.a:8080"}
        """)), discovery="cloudmap")
    assert props(result, "a-api", "CloudMapApi")["Name"] == "api.a"
    assert stack_for(result, "cluster").parameters["DnsNamespaceName"].default == "eks2ecs.local"
    assert env_of(container(result, "b-web")) == {
        "BARE": "api",  # a bare name resolves only in its own namespace
        "QUALIFIED": "http://api.a.eks2ecs.local:8080",
    }


def test_dns_namespace_option_changes_the_rewritten_domain() -> None:
    result = translate_yaml(docs(API, API_SERVICE, deployment("web", container="""
        env:
          - {name: URL, value: "http://api:80"}
    """)), dns_namespace="internal.example", discovery="cloudmap")
    assert env_of(container(result, "web"))["URL"] == "http://api.internal.example:8080"
    assert stack_for(result, "cluster").parameters["DnsNamespaceName"].default == \
        "internal.example"


# --- ports the containers do not declare ---------------------------------------------------

UNDECLARED = deployment("front", container="""
    readinessProbe: {httpGet: {path: /ready, port: 8080}}
    livenessProbe: {tcpSocket: {port: 9090}}
""") + """---
apiVersion: v1
kind: Service
metadata: {name: frontend, namespace: shop}
spec:
  type: LoadBalancer
  selector: {app: front}
  ports:
    - {name: http, port: 80, targetPort: 8080}
"""


@pytest.fixture(scope="module")
def undeclared() -> Result:
    return translate_yaml(UNDECLARED, discovery="cloudmap")  # validated: no E9104


def test_a_service_target_port_the_container_does_not_declare_is_mapped(undeclared: Result) -> None:
    """bank-of-anthos' frontend declares no ports; its LoadBalancer Service targets 8080,
    which Kubernetes routes to anyway: the task maps it, and the load balancer sends there."""
    assert container(undeclared, "front")["PortMappings"] == [
        {"ContainerPort": 8080, "Protocol": "tcp"}, {"ContainerPort": 9090, "Protocol": "tcp"}]
    [balancer] = props(undeclared, "front", "Service")["LoadBalancers"]
    assert (balancer["ContainerName"], balancer["ContainerPort"]) == ("front", 8080)
    assert "container front declares no port 8080, yet Service frontend port 80 targets it: it " \
           "is mapped, as Kubernetes reaches it" in source(undeclared, "Deployment", "front")["notes"]
    assert "container front declares no port 9090, yet its liveness probe checks it: it is " \
           "mapped, as Kubernetes reaches it" in source(undeclared, "Deployment", "front")["notes"]


def test_target_port_0_means_the_port_itself() -> None:
    """Helm renders `targetPort: 0` for Jaeger's ports: the API server reads it as the port."""
    result = translate_yaml(deployment("jaeger", container="ports: [{containerPort: 5775, "
                                       "protocol: UDP}, {containerPort: 16686}]") + """---
apiVersion: v1
kind: Service
metadata: {name: jaeger-agent, namespace: shop}
spec:
  selector: {app: jaeger}
  ports:
    - {name: zk-compact-trft, port: 5775, targetPort: 0, protocol: UDP}
    - {name: http-query, port: 16686, targetPort: 0}
""", discovery="cloudmap")
    for i, port in enumerate((5775, 16686)):
        [fate_] = fates(result, "Service", "jaeger-agent", f"/spec/ports/{i}")
        assert fate_["status"] == "mapped", fate_
        assert fate_["note"] == f"port {port} stays as the container port"
        assert fate_["to"] == ("workload-jaeger.yaml#/Resources/TaskDefinition/Properties/"
                               f"ContainerDefinitions/0/PortMappings/{i}")


# Service Connect (the default): name -> the value on ECS. The callers write `api` most, so
# that is the alias; other forms of the name become it, no port changes (the proxy answers
# the Service's port 80 and forwards to 8080).
CONNECTED = {**{name: value for name, (value, _) in VALUES.items()},
             "FQDN": "http://api:80/v1", "SVC": "api", "SHORT": "api",
             "EXT_FQDN": "db.example.com:5432", "EXT_ADDR": "db.example.com"}


@pytest.fixture(scope="module")
def connected() -> Result:
    return translate_yaml(docs(API, API_SERVICE, EXTERNAL,
                               deployment("web", container=_env_yaml())))


def test_service_connect_values_stay_as_written(connected: Result) -> None:
    assert env_of(container(connected, "web")) == CONNECTED


def test_service_connect_serves_the_service_port_on_the_named_port_mapping(
        connected: Result) -> None:
    config = props(connected, "api", "Service")["ServiceConnectConfiguration"]
    assert config["Enabled"] is True
    assert config["Namespace"] == ImportValue(Sub("${ClusterStackName}-NamespaceArn"))
    assert config["Services"] == [{"PortName": "http", "DiscoveryName": "api-80",
                                   "ClientAliases": [{"Port": 80, "DnsName": "api"}]}]
    assert config["LogConfiguration"]["Options"]["awslogs-stream-prefix"] == "service-connect"
    assert container(connected, "api")["PortMappings"] == [
        {"ContainerPort": 8080, "Protocol": "tcp", "Name": "http"}]
    # every ECS service is a client; the caller serves nothing
    web = props(connected, "web", "Service")["ServiceConnectConfiguration"]
    assert web["Enabled"] is True and "Services" not in web
    port = fate(connected, "Service", "api", "/spec/ports/0")
    assert (port["status"], port["to"]) == ("mapped", "workload-api.yaml#/Resources/Service/"
                                            "Properties/ServiceConnectConfiguration/Services/0")
    assert port["note"].startswith("Service Connect alias api:80 -> container port 8080")
    # Jobs and the other non-clients still find it on Cloud Map
    assert props(connected, "api", "Service")["ServiceRegistries"] == [
        {"RegistryArn": GetAtt("CloudMapApi", "Arn")}]


def test_service_connect_reports_the_aliases_and_the_forms_it_rewrote(connected: Result) -> None:
    def notes(name: str) -> list[str]:
        i = list(VALUES).index(name)
        return [f["note"] for f in fates(connected, "Deployment", "web",
                                         f"/spec/template/spec/containers/0/env/{i}")
                if f.get("note")]
    assert notes("FQDN") == ["DNS rewrite: api.shop.svc.cluster.local:80 -> api:80",
                             "api:80: a Service Connect alias, kept as written"]
    assert notes("BARE_URL") == ["api: a Service Connect alias, kept as written"]
    assert notes("POSTGRES_DB") == []  # not an address, and nothing to say
    assert notes("MISSING") == ["gone.shop.svc.cluster.local: not in the input: will not "
                                "resolve on ECS (MISSING=http://gone.shop.svc.cluster.local:80)"]


def test_a_job_calls_through_cloud_map_and_a_udp_port_stays_there() -> None:
    """Standalone tasks cannot be Service Connect clients, and the proxy carries TCP only."""
    result = translate_yaml(docs(deployment("dns", container="""
    ports:
      - {containerPort: 53, protocol: UDP}
      - {containerPort: 8053}
"""), """
apiVersion: v1
kind: Service
metadata: {name: dns, namespace: shop}
spec:
  selector: {app: dns}
  ports:
    - {name: udp, port: 53, protocol: UDP}
    - {name: admin, port: 80, targetPort: 8053}
""", deployment("web", container="""
    env:
      - {name: DNS_ADDR, value: "dns:53"}
      - {name: ADMIN_URL, value: "http://dns/admin"}
"""), """
apiVersion: batch/v1
kind: Job
metadata: {name: probe, namespace: shop}
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: probe
          image: curlimages/curl:8
          env:
            - {name: ADMIN_URL, value: "http://dns/admin"}
"""))
    assert props(result, "dns", "Service")["ServiceConnectConfiguration"]["Services"] == [{
        "PortName": "port-8053", "DiscoveryName": "dns-80",
        "ClientAliases": [{"Port": 80, "DnsName": "dns"}]}]
    assert env_of(container(result, "web")) == {"DNS_ADDR": "dns.shop.local:53",
                                                "ADMIN_URL": "http://dns/admin"}
    assert env_of(container(result, "probe")) == {"ADMIN_URL": "http://dns.shop.local:8053/admin"}
    assert "ServiceConnectConfiguration" not in str(stack_for(result, "probe").resources)


def test_a_discovery_name_another_cloud_map_service_has_gets_a_hash() -> None:
    """Service `api`'s port 80 would be discovery name `api-80`, the Cloud Map name of the
    Service `api-80`: names must be unique in the namespace, so it is made unique."""
    result = translate_yaml(docs(API, API_SERVICE, deployment("other", container="""
    ports:
      - {name: http, containerPort: 8080}
"""), """
apiVersion: v1
kind: Service
metadata: {name: api-80, namespace: shop}
spec:
  selector: {app: other}
  ports:
    - {name: http, port: 80, targetPort: http}
"""))
    [api] = props(result, "api", "Service")["ServiceConnectConfiguration"]["Services"]
    [other] = props(result, "other", "Service")["ServiceConnectConfiguration"]["Services"]
    cloud_map = {r.properties["Name"] for s in result.plan.stacks for r in s.resources.values()
                 if r.type == "AWS::ServiceDiscovery::Service"}
    assert cloud_map == {"api", "api-80"}
    assert api["DiscoveryName"].startswith("api-80-") and len(api["DiscoveryName"]) == 15
    assert other["DiscoveryName"] == "api-80-80"
    assert {api["DiscoveryName"], other["DiscoveryName"]}.isdisjoint(cloud_map)


def test_with_service_connect_a_second_service_has_its_own_alias_unless_its_port_is_served() -> None:
    """Service Connect serves each Service's ports (Cloud Map took only one name per ECS
    service); a Service on a container port another Service already serves stays on Cloud Map,
    where the workload registers under the first one's name."""
    second = """
        apiVersion: v1
        kind: Service
        metadata: {name: NAME, namespace: shop}
        spec:
          selector: {app: api}
          ports:
            - {port: 9000, targetPort: 8080}
    """
    result = translate_yaml(docs(API, API_SERVICE, second.replace("NAME", "api-v2"),
                                 deployment("web", container="""
        env:
          - {name: V2, value: "http://api-v2:9000"}
    """)))
    services = props(result, "api", "Service")["ServiceConnectConfiguration"]["Services"]
    assert [(s["DiscoveryName"], s["ClientAliases"]) for s in services] == [
        ("api-80", [{"Port": 80, "DnsName": "api"}])]
    # api-v2 targets 8080 too: Cloud Map, under api's name, with the container port
    assert env_of(container(result, "web"))["V2"] == "http://api.shop.local:8080"
    other = translate_yaml(docs(deployment("api", container="""
    ports:
      - {name: http, containerPort: 8080}
      - {name: admin, containerPort: 9090}
"""), API_SERVICE, second.replace("NAME", "admin").replace("targetPort: 8080",
                                                            "targetPort: admin"),
        deployment("web", container="""
        env:
          - {name: ADMIN, value: "http://admin:9000"}
    """)))
    services = props(other, "api", "Service")["ServiceConnectConfiguration"]["Services"]
    assert [(s["PortName"], s["DiscoveryName"], s["ClientAliases"]) for s in services] == [
        ("admin", "admin-9000", [{"Port": 9000, "DnsName": "admin"}]),
        ("http", "api-80", [{"Port": 80, "DnsName": "api"}])]
    assert env_of(container(other, "web"))["ADMIN"] == "http://admin:9000"
