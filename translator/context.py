"""What mapping rules may read: every input object, the options, and the naming scheme."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from translator.cfn import ImportValue, Sub
from translator.config import DISCOVERY as DISCOVERY  # the rules read these here
from translator.config import HEALTH_CHECKS as HEALTH_CHECKS
from translator.config import Environment, Override
from translator.errors import InputError
from translator.load import Manifest
from translator.models import KubeObject
from translator.names import Titles, app_prefix, stack_name

T = TypeVar("T", bound=KubeObject)

CLUSTER_STACK = "cluster"
SECRETS_STACK = "secrets"
LOAD_BALANCER_STACK = "load-balancer"


# What each naming option becomes, and so must be (checked before anything is built: a name
# reaches the templates, deploy.sh and cleanup.sh).
# https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cfn-using-console-create-stack-parameters.html
# stack names: letters, digits and hyphens, starting with a letter, at most 128 in all
APP_NAME = re.compile(r"[A-Za-z][A-Za-z0-9-]{0,63}")  # leaves room for "-<workload title>"
# https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CreateCluster.html
CLUSTER_NAME = re.compile(r"[A-Za-z0-9_-]{1,255}")
# the Cloud Map private DNS namespace is a Route 53 hosted zone: a DNS domain of labels
DNS_LABEL_ANY_CASE = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
DNS_DOMAIN = re.compile(rf"(?=.{{1,253}}$){DNS_LABEL_ANY_CASE}(?:\.{DNS_LABEL_ANY_CASE})*")
NAME_RULES = {
    "app_name": ("--name", APP_NAME, "prefixes every CloudFormation stack name: letters, "
                 "digits and -, starting with a letter, at most 64"),
    "cluster_name": ("--cluster-name", CLUSTER_NAME, "is the ECS cluster name: letters, digits, "
                     "- and _, at most 255"),
    "dns_namespace": ("--dns-namespace", DNS_DOMAIN, "is the Cloud Map private DNS domain: "
                      "dot-separated labels of letters, digits and - (not at either end of a "
                      "label), each at most 63, at most 253 in all"),
}


@dataclass(frozen=True)
class Options:
    """Choices a user can make; every one has a default that follows the input."""

    app_name: str | None = None  # prefix of stack names; default: the Kubernetes namespace
    cluster_name: str | None = None  # default: <app>-cluster
    dns_namespace: str | None = None  # default: <namespace>.local
    validate: bool = True
    region: str = "us-east-1"  # region cfn-lint checks resource types against
    prices: str | None = None  # a price-table file over the region's bundled one (cost estimate)
    eks_node_cost: float | None = None  # monthly EKS node bill, instead of pricing pods as Fargate
    ignore: tuple[str, ...] = ()  # suppression rules (translator.suppress) for --strict
    namespace: str = "default"  # of objects that name none (helm/kustomize output), as kubectl
    # ReadWriteOnce volumeClaimTemplates: shared EFS (default) or an ECS-managed EBS volume
    rwo_volumes: Literal["efs", "ebs"] = "efs"
    # how probes become checks where the eks2ecs.io/health-check annotation says nothing
    health_check: str = "auto"
    exec_command: bool = True  # ECS Exec on every ECS service (`aws ecs execute-command`)
    vpc_endpoints: bool = False  # a network stack of VPC endpoints, for tasks without a NAT
    report_dir: str = "."  # the folder report.html goes to: its manifest links are relative to it
    selector: str | None = None  # -l: the workloads to translate, by label (translator.select)
    only: tuple[str, ...] = ()  # --only KIND/NAME: more workloads to translate
    environments: tuple[Environment, ...] = ()  # parameters.ENV.json files to write
    workloads: tuple[Override, ...] = ()  # per-workload overrides (mappings.overrides)
    discovery: str = "serviceconnect"  # how tasks find Services (mappings.discovery)

    def __post_init__(self) -> None:
        if self.health_check not in HEALTH_CHECKS:
            raise InputError(f"--health-check {self.health_check!r} is none of "
                             f"{', '.join(HEALTH_CHECKS)}")
        if self.discovery not in DISCOVERY:
            raise InputError(f"--discovery {self.discovery!r} is none of {', '.join(DISCOVERY)}")
        for attribute, (flag, rule, becomes) in NAME_RULES.items():
            value = getattr(self, attribute)
            if value is not None and not rule.fullmatch(value):
                raise InputError(f"{flag} {value!r} {becomes}")


def pascal(name: str) -> str:
    """A CloudFormation logical-id part from a Kubernetes name ("orders-db" -> "OrdersDb").

    Names that differ only in punctuation collide; `assemble` reports that as an input error.
    """
    words = re.split(r"[^A-Za-z0-9]+", name)
    base = "".join(w[:1].upper() + w[1:] for w in words if w) or "X"
    if not base[0].isalpha():
        base = "N" + base
    return base


def workload_stack(namespace: str, name: str) -> str:
    return f"workload/{namespace}/{name}"


def export_name(name: str) -> Sub:
    """Outputs are exported as <stack name>-<output name>."""
    return Sub(f"${{AWS::StackName}}-{name}")


def import_from(stack_param: str, name: str) -> ImportValue:
    """Import output `name` of the stack whose name is in parameter `stack_param`."""
    return ImportValue(Sub(f"${{{stack_param}}}-{name}"))


@dataclass
class Source:
    manifest: Manifest
    model: KubeObject


class Context:
    def __init__(self, sources: list[Source], options: Options,
                 unmapped: list[Manifest] | None = None,
                 left_out: dict[tuple[str, str, str], str] | None = None) -> None:
        self.sources = sources
        self.options = options
        self.unmapped = unmapped or []  # manifests no rule reads (kinds still to come)
        # (kind, namespace, name) -> why -l/--only left it out: not there to refer to, though
        # the input has it
        self.left_out = left_out or {}
        self.namespaces = sorted({self.namespace_of(s.model) for s in sources
                                  if not s.model.cluster_scoped()}) or [options.namespace]
        self.multi_namespace = len(self.namespaces) > 1
        default_app = "eks2ecs" if self.multi_namespace else app_prefix(self.namespaces[0])
        self.app = options.app_name or default_app
        self.cluster_name = options.cluster_name or f"{self.app}-cluster"
        only = self.namespaces[0]
        self.dns_domain = options.dns_namespace or (
            f"{self.app}.local" if self.multi_namespace else f"{only}.local"
        )
        self._memo: dict[str, Any] = {}
        self.titles = Titles(self.app, self.multi_namespace, [
            (self.namespace_of(s.model), s.model.name) for s in sources
            if not s.model.cluster_scoped()])
        self._by_key = {(type(s.model).__name__, self.namespace_of(s.model), s.model.name): s
                        for s in sources}

    def memo(self, key: str, compute: Callable[[], Any]) -> Any:
        """Derived views of the input (such as the DNS rewrites), computed once per run."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    def namespace_of(self, obj: KubeObject) -> str:
        """The object's namespace; one that names none is in the --namespace default."""
        return obj.metadata.namespace or self.options.namespace

    def manifests(self, namespace: str) -> Iterator[Manifest]:
        """Every manifest of a namespace, with or without a rule (for cross-references)."""
        for manifest in [s.manifest for s in self.sources] + self.unmapped:
            if (manifest.namespace or self.options.namespace) == namespace:
                yield manifest

    def all(self, model: type[T]) -> Iterator[T]:
        for source in self.sources:
            if type(source.model) is model:
                yield source.model

    def find(self, model: type[T], namespace: str, name: str) -> T | None:
        source = self._by_key.get((model.__name__, namespace, name))
        return source.model if source else None  # type: ignore[return-value]

    def manifest(self, obj: KubeObject) -> Manifest:
        key = (type(obj).__name__, self.namespace_of(obj), obj.name)
        return self._by_key[key].manifest

    def manifest_at(self, file: str, line: int) -> Manifest:
        """The manifest that starts at file:line (a rule's entry), to locate its fields."""
        return next(s.manifest for s in self.sources
                    if (s.manifest.file, s.manifest.line) == (file, line))

    # --- names shared by the rules, so a rule never guesses another rule's names ---

    def workload_title(self, namespace: str, name: str) -> str:
        """The title of an object's stack (translator.names.Titles)."""
        return self.titles.title(namespace, name)

    def stack_name(self, title: str) -> str:
        return stack_name(self.app, title)

    def rename(self, namespace: str, name: str) -> str | None:
        """Why the object's AWS names are not its Kubernetes name, if they are not."""
        return self.titles.renames.get((namespace, name))

    def cloud_map_name(self, namespace: str, service: str) -> str:
        return f"{service}.{namespace}" if self.multi_namespace else service

