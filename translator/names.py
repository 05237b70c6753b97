"""What a Kubernetes name becomes in each AWS name the output carries.

Kubernetes allows dots in most object names and up to 253 characters; AWS names allow less,
and each its own (the limits below, each with its documentation). The builder keeps a name
as it reads when it fits, replaces what a name may not hold by `-`, shortens what is too long
to a readable head and a stable hash of the whole, and gives every object that would share a
name with another (`my-app` and `my.app`; namespace `a-b` with `c` and namespace `a` with
`b-c`) a hash of its own identity, so no two objects become one name. The report says each
rename (Context.renames). The collision check in translator.unique_names stays the net.
"""

from __future__ import annotations

import hashlib
import re

# https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cfn-using-console-create-stack-parameters.html
# letters, digits and hyphens, starting with a letter, at most 128
STACK_NAME_MAX = 128
STACK_NAME = re.compile(r"[A-Za-z][A-Za-z0-9-]{0,127}")
# https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CreateService.html and
# API_RegisterTaskDefinition.html: up to 255 letters, digits, hyphens and underscores
ECS_NAME = re.compile(r"[A-Za-z0-9_-]{1,255}")
# https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogGroup.html
LOG_GROUP_NAME = re.compile(r"[A-Za-z0-9_./#-]{1,512}")
# https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateTargetGroup.html
# and API_CreateLoadBalancer.html: at most 32 letters, digits and hyphens, not at either end
ELB_NAME = re.compile(r"(?!internal-)[A-Za-z0-9](?:[A-Za-z0-9-]{0,30}[A-Za-z0-9])?")
# https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html
ROLE_NAME = re.compile(r"[\w+=,.@-]{1,64}")
# https://docs.aws.amazon.com/cloud-map/latest/api/API_CreateService.html: DNS labels, at most
# 127 in all
_LABEL = r"(?:[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)"
CLOUD_MAP_NAME = re.compile(rf"(?=.{{1,127}}$){_LABEL}(?:\.{_LABEL})*")

HASH_LENGTH = 8
_NOT_IN_STACK_NAME = re.compile(r"[^A-Za-z0-9-]+")


def digest(identity: str) -> str:
    """A stable short hash (the same on every run and machine, unlike hash())."""
    return hashlib.sha256(identity.encode()).hexdigest()[:HASH_LENGTH]


def fit(name: str, limit: int, identity: str | None = None) -> str:
    """`name` if it is at most `limit` long, else its head and a hash of `identity` (the name
    itself by default), `limit` long in all."""
    if len(name) <= limit:
        return name
    head = name[:limit - HASH_LENGTH - 1].rstrip("-_.")
    return f"{head}-{digest(identity or name)}"


def stack_safe(name: str) -> str:
    """A name in the characters of a stack name (which ECS names, log groups and DNS labels
    all allow): runs of anything else become one `-`."""
    return _NOT_IN_STACK_NAME.sub("-", name).strip("-") or "x"


def app_prefix(namespace: str) -> str:
    """The stack-name prefix a namespace gives: a stack name starts with a letter, and a
    namespace may start with a digit (`1shop` -> `ns-1shop`)."""
    safe = stack_safe(namespace)
    return safe if safe[0].isalpha() else f"ns-{safe}"


def stack_name(app: str, title: str) -> str:
    """The CloudFormation stack name of a stack titled `title`."""
    return fit(f"{app}-{title}", STACK_NAME_MAX)


class Titles:
    """The title of each object's stack, which its ECS service, task family and log group are
    named from: readable, in stack-name characters, short enough for a stack name, and one
    per (namespace, name) of the input."""

    def __init__(self, app: str, multi_namespace: bool, known: list[tuple[str, str]]) -> None:
        # a workload stack is `<app>-<title>`; a volume stack `<app>-volume-<title>`
        self.limit = STACK_NAME_MAX - len(app) - len("-volume-")
        self.multi_namespace = multi_namespace
        self._titles: dict[tuple[str, str], str] = {}
        self.renames: dict[tuple[str, str], str] = {}  # why each renamed object is
        by_candidate: dict[str, list[tuple[str, str]]] = {}
        for key in sorted(set(known)):
            by_candidate.setdefault(self._candidate(*key), []).append(key)
        for candidate, keys in by_candidate.items():
            for key in keys:
                self._assign(key, candidate, shared=len(keys) > 1)

    def _natural(self, namespace: str, name: str) -> str:
        return f"{namespace}-{name}" if self.multi_namespace else name

    def _candidate(self, namespace: str, name: str) -> str:
        return stack_safe(self._natural(namespace, name))

    def _assign(self, key: tuple[str, str], candidate: str, shared: bool) -> str:
        identity = "/".join(key)
        if shared:
            title = f"{candidate[:self.limit - HASH_LENGTH - 1]}-{digest(identity)}"
        else:
            title = fit(candidate, self.limit, identity)
        self._titles[key] = title
        natural = self._natural(*key)
        if title != natural:
            why = [f"{natural!r} becomes {title!r}:"]
            if candidate != natural:
                why.append("AWS stack, ECS service and task family names hold letters, digits "
                           "and - only;")
            if shared:
                why.append("another object of the input has the same name in those characters, "
                           "so each gets a hash of its namespace and name;")
            elif len(candidate) > self.limit:
                why.append(f"shortened to {self.limit} characters (stack names are at most "
                           f"{STACK_NAME_MAX}) with a hash of the whole name;")
            self.renames[key] = " ".join(why).rstrip(";")
        return title

    def title(self, namespace: str, name: str) -> str:
        key = (namespace, name)
        if key not in self._titles:  # a name no object carries (a claim's volume)
            candidate = self._candidate(namespace, name)
            taken = candidate in self._titles.values()
            return self._assign(key, candidate, shared=taken)
        return self._titles[key]
