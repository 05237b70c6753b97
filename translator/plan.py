"""The ECS plan: CloudFormation stacks as data, and the ledger of every input field's fate.

Mapping rules never touch a shared plan. Each returns a `Fragment`: the stack parts it adds,
the additions it makes to resources other rules own (a Cloud Map registry on a workload's ECS
service, say), and the report entry of its object. `assemble` merges fragments in any order.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Literal

from translator.cfn import literal
from translator.errors import Source
from translator.names import stack_name
from translator.waves import RANK, Layer, levels, link

FieldStatus = Literal["mapped", "lossy", "unsupported", "ignored"]
ObjectStatus = Literal["mapped", "partial", "unsupported", "ignored"]


@dataclass(frozen=True)
class Target:
    """Where a field went: a stack and a JSON Pointer inside its template."""

    stack: str
    pointer: str


@dataclass
class FieldFate:
    path: str
    status: FieldStatus
    to: Target | None = None
    note: str | None = None
    by_engine: bool = False  # accounted for by the ledger, not claimed by a rule
    line: int | None = None  # in the source file; set when the ledger is complete


@dataclass(frozen=True)
class EnvVar:
    """One container environment variable: where its value came from on EKS and where it
    comes from on ECS (the report's table in the guide's "Environment Variable Mapping" style).
    Names and origins only, never a value."""

    container: str
    name: str
    eks: str  # "ConfigMap backend-config key DB_HOST", "Secret db key PASSWORD", "literal"
    ecs: str  # "Environment", "Secrets Manager -> task definition Secrets", why not mapped
    to: Target | None = None
    secret: str | None = None  # the Kubernetes Secret it reads, when it reads one
    secret_source: str | None = None  # where that Secret's values live: "ExternalSecret x"
    rewrites: tuple[str, ...] = ()  # "old -> new" DNS rewrites applied to the value
    aliases: tuple[str, ...] = ()  # addresses kept as written: Service Connect aliases
    reads: tuple[str, str, str] | None = None  # (kind, name, key) the value comes from


@dataclass(frozen=True)
class TaskSizing:
    """How a workload's task was sized, for the cost estimate; each a (CPU units, MiB) pair."""

    requested: tuple[int, int]  # the pod's effective requests
    needed: tuple[int, int]  # the larger of each container's request and limit: the task holds it
    by_requests: tuple[int, int]  # the Fargate size the requests alone would take on ECS
    eks_fargate: tuple[int, int]  # the size EKS on Fargate gives the pod
    without_proxy: tuple[int, int] | None = None  # the task's size were no proxy in it


@dataclass
class Entry:
    """The report entry of one input object."""

    kind: str
    api_version: str
    name: str
    namespace: str | None
    file: str
    line: int
    status: ObjectStatus = "mapped"
    reason: str | None = None
    resources: list[tuple[str, str]] = field(default_factory=list)  # (stack, logical id)
    fields: list[FieldFate] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # about the object as a whole
    env: list[EnvVar] = field(default_factory=list)  # workloads: their containers' variables
    sizing: TaskSizing | None = None  # workloads: what their pods asked for
    eks_balancer: str | None = None  # Ingresses: their EKS ALB (group's, class's, own): cost

    def mapped(self, path: str, to: Target | None = None, note: str | None = None) -> None:
        self.fields.append(FieldFate(path, "mapped", to, note))

    def lossy(self, path: str, note: str, to: Target | None = None) -> None:
        self.fields.append(FieldFate(path, "lossy", to, note))

    def unsupported(self, path: str, note: str) -> None:
        self.fields.append(FieldFate(path, "unsupported", None, note))

    def ignored(self, path: str, note: str) -> None:
        self.fields.append(FieldFate(path, "ignored", None, note))

    def produced(self, stack: str, logical_id: str) -> None:
        if (stack, logical_id) not in self.resources:
            self.resources.append((stack, logical_id))


@dataclass
class Parameter:
    type: str
    description: str
    default: Any = None
    allowed_pattern: str | None = None
    allowed_values: list[str] | None = None
    constraint_description: str | None = None
    example: str | None = None  # shown in parameters.json.example when there is no default
    # (stack key, output): deploy.sh passes that stack's output, so the value crosses stacks
    # without an export whose change or removal an importer would block
    from_output: tuple[str, str] | None = None

    def as_cfn(self) -> dict[str, Any]:
        out: dict[str, Any] = {"Type": self.type, "Description": self.description}
        if self.default is not None:
            out["Default"] = self.default
        if self.allowed_pattern is not None:
            out["AllowedPattern"] = self.allowed_pattern
        if self.allowed_values is not None:
            out["AllowedValues"] = self.allowed_values
        if self.constraint_description is not None:
            out["ConstraintDescription"] = self.constraint_description
        return out


@dataclass
class Resource:
    type: str
    properties: dict[str, Any]
    origin: str  # "Deployment/backend", shown as a comment above the resource
    depends_on: list[str] = field(default_factory=list)
    condition: str | None = None
    deletion_policy: str | None = None
    metadata: dict[str, Any] | None = None

    def as_cfn(self) -> dict[str, Any]:
        out: dict[str, Any] = {"Type": self.type}
        if self.condition:
            out["Condition"] = self.condition
        if self.depends_on:
            out["DependsOn"] = sorted(set(self.depends_on))
        if self.deletion_policy:
            out["DeletionPolicy"] = self.deletion_policy
            out["UpdateReplacePolicy"] = self.deletion_policy
        if self.metadata:
            out["Metadata"] = self.metadata
        out["Properties"] = literal(self.properties)
        return out


@dataclass
class Output:
    value: Any
    description: str
    export: Any = None

    def as_cfn(self) -> dict[str, Any]:
        out: dict[str, Any] = {"Description": self.description, "Value": self.value}
        if self.export is not None:
            out["Export"] = {"Name": self.export}
        return out


@dataclass
class StackInfo:
    key: str
    title: str  # names the CloudFormation stack (<app>-<title>) and the template file
    layer: Layer
    description: str
    run_once: bool = False  # a Job: deploy.sh can run its task once (RUN_JOBS=1)


@dataclass(frozen=True, order=True)
class Reach:
    """A connection between two workloads that the cluster allowed, which the templates must
    keep open; with `denied_by`, one that a NetworkPolicy refused, which they must keep closed.
    The rules declare them from the manifests; the validate stage checks the security groups
    of the rendered templates against them (translator.reachability)."""

    source: str  # stack key of the calling workload
    target: str  # stack key of the workload behind the Service it names
    protocol: str  # tcp | udp
    port: int  # the container port the Service targets
    why: str  # "Deployment/backend env WEAVIATE_URL names Service weaviate"
    denied_by: str = ""  # "NetworkPolicy shop/db" when the policies refuse it


Section = Literal["Parameters", "Conditions", "Resources", "Outputs"]


@dataclass(frozen=True)
class Put:
    stack: str
    section: Section
    name: str
    value: Any  # Parameter, Resource, Output or a condition


@dataclass(frozen=True)
class Append:
    """Add an item to a list property of a resource another rule owns; `field` is the input
    field it comes from (what a validation failure there names)."""

    stack: str
    resource: str
    prop: str
    item: Any
    field: str | None = None


@dataclass(frozen=True)
class SetProperty:
    """Set a property of a resource another rule owns; `prop` may be a path into nested
    properties ("DeploymentConfiguration/MinimumHealthyPercent")."""

    stack: str
    resource: str
    prop: str
    value: Any
    field: str | None = None


@dataclass(frozen=True)
class Contribution:
    """A place in a stack that an object's rule added (see `_contributions`)."""

    stack: str
    pointer: str  # into the stack's template
    entry: Entry
    field: str | None


@dataclass
class Fragment:
    entry: Entry
    stacks: list[StackInfo] = field(default_factory=list)
    puts: list[Put] = field(default_factory=list)
    appends: list[Append] = field(default_factory=list)
    sets: list[SetProperty] = field(default_factory=list)
    reaches: list[Reach] = field(default_factory=list)
    depends: list[tuple[str, str, str]] = field(default_factory=list)  # (stack, resource, on what)

    def put(self, stack: str, section: Section, name: str, value: Any) -> None:
        self.puts.append(Put(stack, section, name, value))
        if section == "Resources":
            self.entry.produced(stack, name)


@dataclass
class Stack:
    info: StackInfo
    parameters: dict[str, Parameter] = field(default_factory=dict)
    conditions: dict[str, Any] = field(default_factory=dict)
    resources: dict[str, Resource] = field(default_factory=dict)
    outputs: dict[str, Output] = field(default_factory=dict)
    file: str = ""  # set by `assemble`: named by the stack, so adding one renames none
    stack_name: str = ""
    needs: dict[str, str] = field(default_factory=dict)  # key of a stack it needs -> why

    def section(self, name: Section) -> dict[str, Any]:
        return {"Parameters": self.parameters, "Conditions": self.conditions,
                "Resources": self.resources, "Outputs": self.outputs}[name]

    def as_cfn(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "AWSTemplateFormatVersion": "2010-09-09",
            "Description": self.info.description,
        }
        if self.parameters:
            out["Parameters"] = {k: v.as_cfn() for k, v in self.parameters.items()}
        if self.conditions:
            out["Conditions"] = dict(self.conditions)
        out["Resources"] = {k: v.as_cfn() for k, v in self.resources.items()}
        if self.outputs:
            out["Outputs"] = {k: v.as_cfn() for k, v in self.outputs.items()}
        return out


@dataclass
class Plan:
    app: str
    stacks: list[Stack]
    entries: list[Entry]
    contributions: list[Contribution] = field(default_factory=list)
    reaches: list[Reach] = field(default_factory=list)  # what the security groups must keep

    _positions: dict[str, int] = field(default_factory=dict, init=False, repr=False, compare=False)

    def source_of(self, stack: str, pointer: str) -> Source | None:
        """The input field behind a place in a stack's template: the field mapped nearest
        above it, else the rule's addition it is in, else the object that made its resource.
        The deepest place wins; at one depth a mapped field over an addition over a resource."""
        best: tuple[int, int] = (-1, -1)
        found: tuple[Entry, str | None] | None = None

        def consider(at: str, rank: int, entry: Entry, path: str | None) -> None:
            nonlocal best, found
            if (pointer == at or pointer.startswith(at + "/")) and (len(at), rank) > best:
                best, found = (len(at), rank), (entry, path)

        for entry in self.entries:
            for fate in entry.fields:
                if fate.to is not None and fate.to.stack == stack:
                    consider(fate.to.pointer, 3, entry, fate.path)
            for key, logical in entry.resources:
                if key == stack:
                    consider(f"/Resources/{logical}", 1, entry, None)
        for added in self.contributions:
            if added.stack == stack:
                consider(added.pointer, 2, added.entry, added.field)
        if found is None:
            return None
        entry, path = found
        return Source(entry.file, _line_of(entry, path), f"{entry.kind}/{entry.name}", path)

    def stack(self, key: str) -> Stack:
        # The report looks stacks up once per field: index them, and re-index when the list
        # was changed since (a script may edit the plan).
        position = self._positions.get(key, -1)
        if not (0 <= position < len(self.stacks) and self.stacks[position].info.key == key):
            self._positions = {}
            for i, stack in enumerate(self.stacks):
                self._positions.setdefault(stack.info.key, i)
            position = self._positions.get(key, -1)
            if position < 0:
                raise PlanError(f"no stack {key!r} in the plan; its stacks are "
                                f"{', '.join(s.info.key for s in self.stacks)}")
        return self.stacks[position]

    def waves(self) -> list[list[Stack]]:
        """The stacks in deployment waves: a stack comes in the wave after the last of the
        stacks it needs, the stacks of a dependency cycle share a wave; plan order within."""
        wave = levels([s.info.key for s in self.stacks],
                      {s.info.key: sorted(s.needs) for s in self.stacks})
        out: list[list[Stack]] = [[] for _ in range(1 + max(wave.values(), default=-1))]
        for stack in self.stacks:
            out[wave[stack.info.key]].append(stack)
        return out

    def dependents(self, key: str) -> list[str]:
        """Stacks that import from stack `key` (a *StackName parameter naming it)."""
        name = self.stack(key).stack_name
        return [s.info.key for s in self.stacks if s.info.key != key
                and any(p.default == name for p in s.parameters.values())]

    def remove_stack(self, key: str) -> Stack:
        """Take a stack out of the plan with everything that points into it (the objects'
        resources and field targets there, other rules' additions); refused while another
        stack imports from it (remove those first), as CloudFormation refuses that."""
        stack, users = self.stack(key), self.dependents(key)
        if users:
            raise PlanError(f"stack {key!r} exports what {', '.join(users)} import: remove "
                            "those first (plan.remove_stack), or keep it")
        self.stacks.remove(stack)
        for other in self.stacks:  # what came after it still comes after what it needed
            if other.needs.pop(key, None) is not None:
                for on, why in stack.needs.items():
                    other.needs.setdefault(on, why)
        for entry in self.entries:
            entry.resources = [r for r in entry.resources if r[0] != key]
            entry.fields = [replace(f, to=None) if f.to is not None and f.to.stack == key
                            else f for f in entry.fields]
            entry.env = [replace(v, to=None) if v.to is not None and v.to.stack == key
                         else v for v in entry.env]
        self.contributions = [c for c in self.contributions if c.stack != key]
        return stack

    def check(self) -> None:
        """Refuse a plan a script left pointing at stacks it removed by hand."""
        for entry in self.entries:
            targets = [*(f.to for f in entry.fields), *(v.to for v in entry.env)]
            for key in {*(r[0] for r in entry.resources), *(t.stack for t in targets if t)}:
                self.stack(key)


class PlanError(KeyError):
    """A plan a script changed into one that cannot be rendered; the message says what to do.
    A KeyError for what looked a stack up by key before, with a message, not a bare key."""

    def __str__(self) -> str:
        return str(self.args[0])


class PlanConflict(Exception):
    """Two objects claimed the same CloudFormation name with different content."""

    def __init__(self, what: str, first: Entry, second: Entry) -> None:
        super().__init__(what)
        self.what, self.first, self.second = what, first, second


def assemble(app: str, fragments: list[Fragment]) -> Plan:
    stacks: dict[str, Stack] = {}
    declared: dict[str, Entry] = {}  # stack key -> the object that declared it first
    for frag in fragments:
        for info in frag.stacks:
            known = stacks.get(info.key)
            if known is None:
                stacks[info.key] = Stack(info)
                declared[info.key] = frag.entry
            elif known.info != info:
                raise PlanConflict(f"CloudFormation stack '{stack_name(app, info.title)}'",
                                   declared[info.key], frag.entry)
    put_by: dict[tuple[str, str, str], Entry] = {}
    for frag in fragments:
        for put in frag.puts:
            section = stacks[put.stack].section(put.section)
            if put.name in section and section[put.name] != put.value:
                title = stacks[put.stack].info.title
                raise PlanConflict(f"{put.section[:-1].lower()} {put.name} of CloudFormation "
                                   f"stack '{stack_name(app, title)}'",
                                   put_by[(put.stack, put.section, put.name)], frag.entry)
            section[put.name] = put.value
            put_by.setdefault((put.stack, put.section, put.name), frag.entry)
    before = {(key, name): list(r.properties) for key, s in stacks.items()
              for name, r in s.resources.items()}
    for frag in fragments:
        for add in frag.appends:
            items = stacks[add.stack].resources[add.resource].properties.setdefault(add.prop, [])
            if add.item not in items:  # two Ingress paths to one Service attach it once
                items.append(add.item)
        for change in frag.sets:
            *parents, leaf = change.prop.split("/")
            node = stacks[change.stack].resources[change.resource].properties
            for part in parents:
                node = node[part]
            node[leaf] = change.value
        for stack_key, name, on in frag.depends:  # as_cfn writes each once
            stacks[stack_key].resources[name].depends_on.append(on)
    for (key, name), original in before.items():
        # properties other rules added come after the owner's, sorted, whatever the rule order
        resource = stacks[key].resources[name]
        added = sorted(set(resource.properties) - set(original))
        resource.properties = {k: resource.properties[k] for k in original + added}
    ordered = sorted(stacks.values(), key=lambda s: (RANK[s.info.layer], s.info.title))
    for stack in ordered:
        # `workload-` keeps a workload named `cluster` or `secrets` off another stack's file
        prefix = "workload-" if stack.info.layer == "workload" else ""
        stack.file = f"{prefix}{stack.info.title}.yaml"
        stack.stack_name = stack_name(app, stack.info.title)
    for stack in ordered:
        for resource in stack.resources.values():
            _sort_lists(resource.properties)
        stack.resources = dict(sorted(stack.resources.items()))
        stack.parameters = dict(sorted(stack.parameters.items()))
        stack.outputs = dict(sorted(stack.outputs.items()))
    reaches = sorted({r for frag in fragments for r in frag.reaches})
    needs = link({s.info.key: s.info.layer for s in ordered},
                 [(r.source, r.target, r.why) for r in reaches if not r.denied_by])
    for stack in ordered:
        stack.needs = needs[stack.info.key]
    return Plan(app, ordered, [f.entry for f in fragments], _contributions(stacks, fragments),
                reaches)


def _contributions(stacks: dict[str, Stack], fragments: list[Fragment]) -> list[Contribution]:
    """What each object's rule added to stacks beyond its own resources (which the entry
    lists): parameters, conditions and outputs it declared, and items appended to or
    properties set on other rules' resources."""
    out = []
    for frag in fragments:
        if not frag.entry.kind:  # the cluster foundation comes from no object
            continue
        for put in frag.puts:
            if put.section != "Resources":
                out.append(Contribution(put.stack, f"/{put.section}/{put.name}", frag.entry, None))
        for add in frag.appends:
            items = stacks[add.stack].resources[add.resource].properties[add.prop]
            out.append(Contribution(add.stack, f"/Resources/{add.resource}/Properties/{add.prop}/"
                                    f"{items.index(add.item)}", frag.entry, add.field))
        for change in frag.sets:
            out.append(Contribution(change.stack, f"/Resources/{change.resource}/Properties/"
                                    f"{change.prop}", frag.entry, change.field))
    return out


def _line_of(entry: Entry, path: str | None) -> int:
    """The line of a field of the entry's object, or of its nearest ancestor the ledger has."""
    lines = {fate.path: fate.line for fate in entry.fields if fate.line is not None}
    probe = path or ""
    while probe:
        if probe in lines:
            return lines[probe]
        probe = probe.rsplit("/", 1)[0]
    return entry.line


def _sort_lists(props: dict[str, Any]) -> None:
    """Appended items arrive in rule order; sort them so output does not depend on it."""
    for key in ("ServiceRegistries", "LoadBalancers"):
        if key in props:
            props[key] = sorted(props[key], key=repr)
