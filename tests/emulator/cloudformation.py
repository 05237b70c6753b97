"""Where moto's CloudFormation differs from AWS in ways the deploy scripts depend on.

`aws cloudformation deploy` goes through change sets. In moto 5.2 a stack made by a change set
neither sees the exports of other stacks (every Fn::ImportValue fails) nor publishes its own
outputs and exports; and a change set with nothing to change is refused outright, where AWS
makes it and marks it FAILED ("didn't contain changes"), the answer that
`deploy --no-fail-on-empty-changeset` turns into success. AWS also refuses to delete a stack
while another stack imports one of its exports, which is what makes the order of cleanup.sh
matter; moto deletes it anyway. AWS also refuses to update a stack so that an export another
stack imports goes away or changes value, which is what locks a re-translation that moves a
target group; moto does it anyway. A first create whose resource fails raises out of
ExecuteChangeSet in moto, where AWS rolls it back to ROLLBACK_COMPLETE, a state in which it
refuses every change set; an update that fails (a resource refused, an export in use) raises
out of it too and leaves the stack half updated, where AWS rolls it back to
UPDATE_ROLLBACK_COMPLETE: its previous template, parameters and resources again, and the stack
takes the next update. moto also updates a stack poorly: a resource whose type has no
update handler becomes None, and a resource that only refers to a changed one keeps what it
referred to. `patch` makes moto behave as AWS does in these places, for the duration of the
test session.

AWS: "You can't delete a stack if another stack references one of its outputs. You can't modify
or remove an output value that is referenced by another stack." (CloudFormation User Guide,
Fn::ImportValue, https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference-importvalue.html)
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest
from moto.cloudformation import parsing
from moto.cloudformation.exceptions import ValidationError
from moto.cloudformation.models import CloudFormationBackend, Stack
from moto.cloudformation.parsing import OutputMap, ResourceMap
from moto.cloudformation.responses import CloudFormationResponse


def _imports(node: Any) -> Iterator[Any]:
    """The argument of every Fn::ImportValue in a parsed template."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "Fn::ImportValue":
                yield value
            else:
                yield from _imports(value)
    elif isinstance(node, list):
        for item in node:
            yield from _imports(item)


def imported_names(stack: Stack) -> set[str]:
    """The export names a live stack imports, resolved against its own parameters."""
    return {parsing.clean_json(arg, stack.resource_map)
            for arg in _imports(stack.template_dict.get("Resources", {}))}


def _create_change_set(original: Any) -> Any:
    def create_change_set(self: CloudFormationBackend, *args: Any, **kwargs: Any) -> Any:
        if kwargs.get("change_set_type") == "UPDATE":
            for live in self.stacks.values():
                if live.name == kwargs["stack_name"] and live.status == "ROLLBACK_COMPLETE":
                    raise ValidationError(message=f"Stack:{live.stack_id} is in ROLLBACK_COMPLETE "
                                                  "state and can not be updated.")
        change_set_id, stack_id = original(self, *args, **kwargs)
        stack = self.stacks[stack_id]
        stack.cross_stack_resources = stack.resource_map.cross_stack_resources = self.exports
        return change_set_id, stack_id
    return create_change_set


def _in_use(backend: CloudFormationBackend, stack: Stack) -> dict[str, str]:
    """The exports `stack` publishes that another live stack imports: name -> that stack."""
    exported = {n for n, e in backend.exports.items() if e.exporting_stack_id == stack.stack_id}
    return {name: other.name for other in backend.stacks.values() if other is not stack
            for name in sorted(exported & imported_names(other))}


def _execute_change_set(original: Any) -> Any:
    def execute_change_set(self: CloudFormationBackend, change_set_name: str,
                           stack_name: str | None = None) -> None:
        change_set: Any = self.describe_change_set(change_set_name)  # it raises when there is none
        stack = change_set.stack
        updating = change_set.change_set_type != "CREATE"
        if updating:  # the update runs the check before its cleanup, and rolls back if it fails
            _CHECKS[id(stack.resource_map)] = _exports_in_use(self, stack, change_set.template_dict)
        try:
            original(self, change_set_name, stack_name)
        except Exception as failure:
            if updating:
                _rolled_back(self, stack, change_set, failure)
            else:
                stack.template = change_set.template  # kept, as AWS keeps it: GetTemplateSummary reads it
                _roll_back(stack, failure)
            return
        finally:
            _CHECKS.pop(id(stack.resource_map), None)
        stack._parse_template()
        stack.description = stack.template_dict.get("Description")
        stack.output_map = stack._create_output_map()
        _publish(self, stack)
    return execute_change_set


def _exports_in_use(backend: CloudFormationBackend, stack: Stack,
                    template: dict[str, Any]) -> Callable[[ResourceMap], None]:
    """What refuses an update that would delete or change an export another stack imports, once
    its resources are updated and before its cleanup, as AWS fails it (and rolls it back)."""
    before = {n: e.value for n, e in backend.exports.items()
              if e.exporting_stack_id == stack.stack_id}
    in_use = _in_use(backend, stack)

    def check(resources: ResourceMap) -> None:
        after = {e.name: e.value for e in OutputMap(resources, template, stack.stack_id).exports}
        for name, user in in_use.items():
            verb = "deleted" if name not in after else "updated" if after[name] != before[name] \
                else ""
            if verb:
                raise ValidationError(message=f"Export {name} cannot be {verb} as it is in use "
                                              f"by {user}")
    return check


def _publish(backend: CloudFormationBackend, stack: Stack) -> None:
    """The stack's exports as its outputs now give them (moto publishes none for a change set)."""
    for name in [n for n, e in backend.exports.items() if e.exporting_stack_id == stack.stack_id]:
        del backend.exports[name]
    backend._validate_export_uniqueness(stack)
    for export in stack.exports:
        backend.exports[export.name] = export


def _rolled_back(backend: CloudFormationBackend, stack: Stack, change_set: Any,
                 failure: Exception) -> None:
    """An update that failed, as AWS ends it: ExecuteChangeSet succeeded, the stack went
    UPDATE_IN_PROGRESS -> UPDATE_ROLLBACK_IN_PROGRESS -> UPDATE_ROLLBACK_COMPLETE with the
    reason in its events, and it has its previous template, parameters and resources (`_undo`
    put them back); `aws cloudformation deploy` reports that the stack failed.
    "UPDATE_ROLLBACK_COMPLETE: Successful return of a stack to a working state after a failed
    stack update." (CloudFormation User Guide, stack status codes,
    https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-describing-stacks.html)"""
    reason = _reason(failure)
    stack._add_stack_event("UPDATE_ROLLBACK_IN_PROGRESS", resource_status_reason=reason)
    stack._add_stack_event("UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS")
    stack.output_map = stack._create_output_map()  # of the resources the stack has again
    _publish(backend, stack)
    stack.status = "UPDATE_ROLLBACK_COMPLETE"
    stack._add_stack_event("UPDATE_ROLLBACK_COMPLETE")
    change_set.execution_status = "EXECUTE_FAILED"
    # said where a test looks, as for a create: the CLI prints only that the stack failed
    logging.getLogger("moto").warning("stack %s rolled back: %s", stack.name, reason)


def _reason(failure: Exception) -> str:
    code = getattr(failure, "error_type", None) or type(failure).__name__
    return f"{code}: {getattr(failure, 'message', None) or failure}"


def _roll_back(stack: Stack, failure: Exception) -> None:
    """A first create that fails, as AWS runs it: the call that started it succeeded, the
    resources made so far are deleted (Retain ones kept) and the stack rests in
    ROLLBACK_COMPLETE, which `aws cloudformation deploy` reports as a failure and in which the
    stack can only be deleted."""
    reason = _reason(failure)
    stack._add_stack_event("CREATE_FAILED", resource_status_reason=reason)
    stack._add_stack_event("ROLLBACK_IN_PROGRESS", resource_status_reason=reason)
    stack.resource_map.delete()
    stack.status = "ROLLBACK_COMPLETE"
    stack._add_stack_event("ROLLBACK_COMPLETE")
    # said where a test looks: the CLI prints only that the stack failed
    logging.getLogger("moto").warning("stack %s rolled back: %s", stack.name, reason)


def _delete_stack(original: Any) -> Any:
    def delete_stack(self: CloudFormationBackend, name_or_stack_id: str) -> None:
        for stack in [s for s in self.stacks.values() if name_or_stack_id in (s.stack_id, s.name)]:
            for name, user in _in_use(self, stack).items():
                raise ValidationError(message=f"Export {name} cannot be deleted as it is in use "
                                              f"by {user}")
        original(self, name_or_stack_id)
    return delete_stack


def _needs(resource: dict[str, Any]) -> set[str]:
    """The logical ids a resource refers to: its DependsOn, and Ref, Fn::GetAtt and ${X} in
    Fn::Sub anywhere in it."""
    depends = resource.get("DependsOn", [])
    return {*([depends] if isinstance(depends, str) else depends), *_refs(resource)}


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "Ref" and isinstance(value, str):
                yield value
            elif key == "Fn::GetAtt":
                yield value[0] if isinstance(value, list) else str(value).split(".")[0]
            elif key == "Fn::Sub":
                text = value[0] if isinstance(value, list) else value
                yield from re.findall(r"\$\{([A-Za-z0-9]+)[.}]", text)
                yield from _refs(value[1:] if isinstance(value, list) else [])
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


def _build_resource_diff(original: Any) -> Any:
    """CloudFormation updates what refers to a changed resource too (a replaced target group
    gives its listener rule a new ARN), and adds and updates in dependency order (DependsOn
    included); moto only what changed as text, in template order."""
    def build_resource_diff(self: ResourceMap, other_template: dict[str, Any],
                            parameters: dict[str, Any] | None = None) -> dict[str, Any]:
        actions: dict[str, Any] = original(self, other_template, parameters)
        new = other_template["Resources"]
        needs = {name: _needs(resource) & new.keys() for name, resource in new.items()}
        changed = set(actions["Modify"])
        while more := {n for n in needs if n in self._resource_json_map and n not in changed
                       and needs[n] & (changed | set(actions["Add"]))}:
            changed |= more
        ordered: list[str] = []  # what a resource needs before it

        def visit(name: str, seen: set[str]) -> None:
            if name in ordered or name in seen:
                return
            for need in sorted(needs[name]):
                visit(need, seen | {name})
            ordered.append(name)
        for name in sorted(changed | set(actions["Add"])):
            visit(name, set())
        # a change set's create is an update that adds everything: DependsOn must hold there too
        actions["Add"] = [n for n in ordered if n in actions["Add"]]
        actions["Modify"] = [n for n in ordered if n in changed]
        journal = _UPDATES.get(id(self))
        if journal is not None:  # updating: what goes is deleted after the rest is through
            journal.cleanup += [(self._parsed_resources.get(n), self._resource_json_map[n], n)
                                for n in actions["Remove"]]
            actions["Remove"] = []
        return actions
    return build_resource_diff


@dataclass
class _Journal:
    """What an update in progress did: what its cleanup phase deletes, and what a rollback
    undoes."""

    # (resource, its JSON, logical id when the template dropped it)
    cleanup: list[tuple[Any, dict[str, Any], str | None]] = field(default_factory=list)
    replaced: dict[str, Any] = field(default_factory=dict)  # logical id -> the old resource
    updated: dict[str, None] = field(default_factory=dict)  # updated in place, in that order


# ResourceMap -> its update in progress (moto serves one request at a time)
_UPDATES: dict[int, _Journal] = {}
# ResourceMap -> the check an executed update change set must pass before its cleanup phase;
# such an update rolls back when it fails
_CHECKS: dict[int, Callable[[ResourceMap], None]] = {}


def _parse_and_update_resource(original: Any) -> Any:
    """A type with no update handler in moto is replaced, as CloudFormation replaces a target
    group whose port changed: the new one first, the old one deleted in the cleanup phase
    (moto made it None)."""
    def parse_and_update_resource(logical_id: str, resource_json: dict[str, Any],
                                  resources_map: ResourceMap, account_id: str,
                                  region_name: str) -> Any:
        journal = _UPDATES.get(id(resources_map))
        model = parsing.resource_class_from_type(resource_json["Type"])
        handler = getattr(model, "MOTO", model).update_from_cloudformation_json
        if not hasattr(handler, "__isabstractmethod__"):
            updated = original(logical_id, resource_json, resources_map, account_id, region_name)
            if journal is not None:
                journal.updated[logical_id] = None
            return updated
        assert journal is not None, f"{logical_id}: replaced outside an update"
        old = journal.replaced.setdefault(logical_id, resources_map[logical_id])
        if resource_json.get("UpdateReplacePolicy") != "Retain":
            journal.cleanup.append((old, resource_json, None))
        return parsing.parse_and_create_resource(logical_id, resource_json, resources_map,
                                                 account_id, region_name)
    return parse_and_update_resource


def _update(original: Any) -> Any:
    """As CloudFormation orders an update: add and modify first, then, in the cleanup phase,
    delete what was replaced or taken out of the template (moto deletes the removed first,
    while a rule still forwards to the target group). An update change set that fails before
    its cleanup is undone (`_undo`)."""
    def update(self: ResourceMap, template: dict[str, Any],
               parameters: dict[str, Any] | None = None) -> None:
        if id(self) in _UPDATES:  # patched twice (two emulators in one session): the outer runs it
            original(self, template, parameters)
            return
        check = _CHECKS.get(id(self))
        before = (self._template, self._resource_json_map, self.input_parameters,
                  dict(self._parsed_resources))
        journal = _UPDATES[id(self)] = _Journal()
        try:
            original(self, template, parameters)
            if check is not None:
                check(self)
        except Exception:
            del _UPDATES[id(self)]
            if check is not None:
                _undo(self, journal, before, template)
            raise
        del _UPDATES[id(self)]
        _delete(self, journal.cleanup)
    return update


def _delete(resources: ResourceMap, doomed: Sequence[tuple[Any, Any, str | None]]) -> None:
    """Delete resources, in passes while some still depend on others, as moto does; a logical
    id given is taken off the map."""
    doomed = list(doomed)
    while doomed:
        failed, last = [], None
        for resource, resource_json, dropped in doomed:
            try:
                if resource is not None:
                    resources._delete_resource(resource, resource_json)
            except Exception as error:  # a dependency still there: another pass
                failed.append((resource, resource_json, dropped))
                last = error
            else:
                if dropped:
                    resources._parsed_resources.pop(dropped, None)
        if len(failed) == len(doomed):
            raise last  # type: ignore[misc]
        doomed = failed


def _undo(resources: ResourceMap, journal: _Journal, before: tuple[Any, ...],
          template: dict[str, Any]) -> None:
    """Roll a failed update back, as CloudFormation does: the previous template and
    parameters again, each resource updated in place updated back (our providers and moto
    make it again from its previous properties: a new object where the type has no name to
    keep), the previous resource of each replaced one kept and the replacement deleted, and
    what the update added deleted (Retain kept, as AWS keeps it unless told otherwise). What
    it dropped or replaced was not deleted yet: that waits for the cleanup phase."""
    old_template, old_json, old_parameters, old_parsed = before
    new_json = template["Resources"]
    replacements = [(resources._parsed_resources.get(n), new_json[n], None)
                    for n in journal.replaced]
    added = [(resources._parsed_resources.pop(n), new_json[n], None) for n in new_json
             if n not in old_json and n in resources._parsed_resources]
    for name in set(resources._parsed_resources) - set(old_parsed):
        del resources._parsed_resources[name]  # a parameter the update added
    resources._parsed_resources.update(journal.replaced)
    resources._template, resources._resource_json_map = old_template, old_json
    resources.input_parameters = old_parameters
    resources.load_mapping()
    resources.load_parameters()
    resources.load_conditions()
    for name in journal.updated:
        resources._parsed_resources[name] = parsing.parse_and_update_resource(
            name, old_json[name], resources, resources._account_id, resources._region_name)
    _delete(resources, [r for r in replacements if r[0] is not None
                        and all(r[0] is not old for old in journal.replaced.values())]
            + added[::-1])


def _delete_resource(original: Any) -> Any:
    """A resource taken out of the template is kept when its DeletionPolicy says Retain (moto
    honours it only when the whole stack goes)."""
    def delete_resource(self: ResourceMap, parsed_resource: Any,
                        resource_json: dict[str, Any]) -> None:
        if resource_json.get("DeletionPolicy") != "Retain":
            original(self, parsed_resource, resource_json)
    return delete_resource


def _create_change_set_response(original: Any) -> Any:
    def create_change_set(self: CloudFormationResponse) -> Any:
        # The backend marks an empty change set FAILED, as AWS does; only UpdateStack refuses.
        self._validate_different_update = lambda *args: None  # type: ignore[method-assign]
        return original(self)
    return create_change_set


def patch(mp: pytest.MonkeyPatch) -> None:
    mp.setattr(CloudFormationResponse, "create_change_set",
               _create_change_set_response(CloudFormationResponse.create_change_set))
    for name, wrap in (("create_change_set", _create_change_set),
                       ("execute_change_set", _execute_change_set),
                       ("delete_stack", _delete_stack)):
        mp.setattr(CloudFormationBackend, name, wrap(getattr(CloudFormationBackend, name)))
    for name, wrap in (("build_resource_diff", _build_resource_diff), ("update", _update),
                       ("_delete_resource", _delete_resource)):
        mp.setattr(ResourceMap, name, wrap(getattr(ResourceMap, name)))
    mp.setattr(parsing, "parse_and_update_resource",
               _parse_and_update_resource(parsing.parse_and_update_resource))


class Complaints(logging.Handler):
    """moto's warnings, kept: it logs a resource type it cannot create ("No Moto CloudFormation
    support for ...") or an attribute it cannot resolve, and goes on as if all were well."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())
