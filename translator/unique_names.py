"""Every name the output gives AWS belongs to one object: two objects that would share a
stack, an ECS service, a task family, a log group, a Cloud Map service, a secret (or any name
in NAMED) fail the translation, naming both with file and line.

The rules and the plan build the names; this is the net under them. Without it, namespace
`a-b` with Deployment `c` and namespace `a` with Deployment `b-c` both became stack
`eks2ecs-a-b-c`, deploy.sh deployed that stack twice and one workload was gone, exit 0. Names
are compared as CloudFormation would resolve them: parameters by their defaults,
`${AWS::StackName}` by the stack's name, and whatever cannot be known (another parameter, an
attribute) as a value of that stack alone, so a collision reported is a real one. Export
names need no check of their own: they are `<stack name>-<output>` (context.export_name).
"""

from __future__ import annotations

import itertools
import json
import re
from typing import Any

from translator.cfn import GetAtt, ImportValue, Join, Ref, Sub, to_json
from translator.errors import InputError
from translator.plan import Entry, Fragment, Plan, PlanConflict, Stack

# CloudFormation type -> (its name property, what the name is, the property naming the scope
# it must be unique in, if narrower than the account and region)
NAMED: dict[str, tuple[str, str, str | None]] = {
    "AWS::ECS::Cluster": ("ClusterName", "ECS cluster", None),
    "AWS::ECS::Service": ("ServiceName", "ECS service", "Cluster"),
    "AWS::ECS::TaskDefinition": ("Family", "task definition family", None),
    "AWS::Logs::LogGroup": ("LogGroupName", "log group", None),
    "AWS::ServiceDiscovery::PrivateDnsNamespace": ("Name", "Cloud Map namespace", "Vpc"),
    "AWS::ServiceDiscovery::Service": ("Name", "Cloud Map service", "NamespaceId"),
    "AWS::SecretsManager::Secret": ("Name", "Secrets Manager secret", None),
    "AWS::IAM::Role": ("RoleName", "IAM role", None),
    "AWS::ElasticLoadBalancingV2::LoadBalancer": ("Name", "load balancer", None),
    "AWS::ElasticLoadBalancingV2::TargetGroup": ("Name", "target group", None),
    "AWS::EC2::SecurityGroup": ("GroupName", "security group", "VpcId"),
    "AWS::Scheduler::Schedule": ("Name", "schedule", "GroupName"),
}
_VARIABLE = re.compile(r"\$\{([^}!][^}]*)\}")


Owner = Entry | str  # an object, or what eks2ecs makes for no one object ("the shared ...")


def label(owner: Owner) -> str:
    """An object as the report names it, with its place."""
    if isinstance(owner, str):
        return owner
    namespace = f"{owner.namespace}/" if owner.namespace else ""
    return f"{owner.kind} {namespace}{owner.name} ({owner.file}:{owner.line})"


def shared_error(what: str, *owners: Owner) -> InputError:
    """Two owners would make one thing: located at the later object, naming the other."""
    objects = sorted((o for o in owners if isinstance(o, Entry)), key=lambda e: (e.file, e.line))
    others: list[Owner] = [o for o in owners if isinstance(o, str)]
    last = objects[-1]
    first = [*others, *objects[:-1]][0]
    fix = "rename one of them" if isinstance(first, Entry) else f"rename the {last.kind}"
    return InputError(f"becomes {what}, as {label(first)} does: one would replace the other on "
                      f"deploy; {fix}", last.file, last.line, obj=f"{last.kind}/{last.name}")


def conflict_error(conflict: PlanConflict) -> InputError:
    first: Owner = conflict.first if conflict.first.kind else "eks2ecs's cluster stack"
    return shared_error(conflict.what, first, conflict.second)


def check(plan: Plan, fragments: list[Fragment]) -> None:
    """Raise an InputError for the first two objects that share an AWS name (all the names
    they share, in one message)."""
    declared: dict[str, list[Entry]] = {}
    made: dict[tuple[str, str], Entry] = {}
    for frag in fragments:
        for info in frag.stacks:
            declared.setdefault(info.key, []).append(frag.entry)
        for put in frag.puts:
            if put.section == "Resources":
                made.setdefault((put.stack, put.name), frag.entry)
    claims: dict[tuple[str, str, str], list[Owner]] = {}  # (what, scope, name) -> owners
    for stack in plan.stacks:
        owners = [e for e in declared[stack.info.key] if e.kind]
        # a stack no object or several declare (the cluster, the load balancers) is eks2ecs's
        shared = f"eks2ecs's shared {stack.info.title} stack"
        owner: Owner = owners[0] if len(owners) == 1 else shared
        claims.setdefault(("CloudFormation stack", "", stack.stack_name), []).append(owner)
        for logical, resource in stack.resources.items():
            if resource.type not in NAMED or NAMED[resource.type][0] not in resource.properties:
                continue
            prop, what, scope = NAMED[resource.type]
            name = resolve(resource.properties[prop], stack)
            within = resolve(resource.properties.get(scope), stack) if scope else ""
            maker = made.get((stack.info.key, logical))
            claims.setdefault((what, within, name), []).append(
                maker if maker is not None and maker.kind else shared)
    shared_names: dict[tuple[int, int], list[str]] = {}
    pairs: dict[tuple[int, int], tuple[Owner, Owner]] = {}
    for (what, _, name), owners_of_name in claims.items():
        for first, second in itertools.pairwise(owners_of_name):
            pair = (id(first), id(second))
            pairs[pair] = (first, second)
            shared_names.setdefault(pair, []).append(f"{what} {name!r}")
    if not shared_names:
        return
    pair = min(shared_names, key=lambda p: sorted(_place(o) for o in pairs[p]))
    names = shared_names[pair]
    what = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
    raise shared_error(what, *pairs[pair])


def _place(owner: Owner) -> tuple[str, int]:
    return ("", 0) if isinstance(owner, str) else (owner.file, owner.line)


def resolve(value: Any, stack: Stack) -> str:
    """A name as CloudFormation would make it in this stack, as far as the template says."""
    if isinstance(value, str):
        return value
    if isinstance(value, Ref):
        return _variable(value.name, {}, stack)
    if isinstance(value, Sub):
        variables = dict(value.variables)
        return _VARIABLE.sub(lambda m: _variable(m.group(1), variables, stack),
                             value.template).replace("${!", "${")
    if isinstance(value, ImportValue):
        return f"{{import {resolve(value.name, stack)}}}"
    if isinstance(value, Join) and isinstance(value.values, tuple):
        return value.delimiter.join(resolve(v, stack) for v in value.values)
    if isinstance(value, GetAtt):
        return f"{{{stack.stack_name} {value.resource}.{value.attribute}}}"
    return f"{{{stack.stack_name} {json.dumps(to_json(value), sort_keys=True)}}}"


def _variable(name: str, variables: dict[str, Any], stack: Stack) -> str:
    if name in variables:
        return resolve(variables[name], stack)
    if name == "AWS::StackName":
        return stack.stack_name
    parameter = stack.parameters.get(name)
    if parameter is not None and isinstance(parameter.default, str) and parameter.default:
        return parameter.default
    return f"{{{stack.stack_name} {name}}}"  # known to this stack alone
