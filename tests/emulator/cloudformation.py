"""Where moto's CloudFormation differs from AWS in ways the deploy scripts depend on.

`aws cloudformation deploy` goes through change sets. In moto 5.2 a stack made by a change set
neither sees the exports of other stacks (every Fn::ImportValue fails) nor publishes its own
outputs and exports; and a change set with nothing to change is refused outright, where AWS
makes it and marks it FAILED ("didn't contain changes"), the answer that
`deploy --no-fail-on-empty-changeset` turns into success. AWS also refuses to delete a stack
while another stack imports one of its exports, which is what makes the order of cleanup.sh
matter; moto deletes it anyway. A first create whose resource fails raises out of
ExecuteChangeSet in moto, where AWS rolls it back to ROLLBACK_COMPLETE, a state in which it
refuses every change set. `patch` makes moto behave as AWS does in these places, for the
duration of the test session.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
from moto.cloudformation import parsing
from moto.cloudformation.exceptions import ValidationError
from moto.cloudformation.models import CloudFormationBackend, Stack
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


def _execute_change_set(original: Any) -> Any:
    def execute_change_set(self: CloudFormationBackend, change_set_name: str,
                           stack_name: str | None = None) -> None:
        change_set = self.describe_change_set(change_set_name)
        stack = change_set.stack
        try:
            original(self, change_set_name, stack_name)
        except Exception as failure:
            if change_set.change_set_type != "CREATE":
                raise
            stack.template = change_set.template  # kept, as AWS keeps it: GetTemplateSummary reads it
            _roll_back(stack, failure)
            return
        stack._parse_template()
        stack.description = stack.template_dict.get("Description")
        stack.output_map = stack._create_output_map()
        for name in [n for n, e in self.exports.items() if e.exporting_stack_id == stack.stack_id]:
            del self.exports[name]
        self._validate_export_uniqueness(stack)
        for export in stack.exports:
            self.exports[export.name] = export
    return execute_change_set


def _roll_back(stack: Stack, failure: Exception) -> None:
    """A first create that fails, as AWS runs it: the call that started it succeeded, the
    resources made so far are deleted (Retain ones kept) and the stack rests in
    ROLLBACK_COMPLETE, which `aws cloudformation deploy` reports as a failure and in which the
    stack can only be deleted."""
    code = getattr(failure, "error_type", None) or type(failure).__name__
    reason = f"{code}: {getattr(failure, 'message', None) or failure}"
    stack._add_stack_event("CREATE_FAILED", resource_status_reason=reason)
    stack._add_stack_event("ROLLBACK_IN_PROGRESS", resource_status_reason=reason)
    stack.resource_map.delete()
    stack.status = "ROLLBACK_COMPLETE"
    stack._add_stack_event("ROLLBACK_COMPLETE")
    # said where a test looks: the CLI prints only that the stack failed
    logging.getLogger("moto").warning("stack %s rolled back: %s", stack.name, reason)


def _delete_stack(original: Any) -> Any:
    def delete_stack(self: CloudFormationBackend, name_or_stack_id: str) -> None:
        doomed = [s for s in self.stacks.values() if name_or_stack_id in (s.stack_id, s.name)]
        for stack in doomed:
            exported = {e.name for e in stack.exports}
            for other in self.stacks.values():
                in_use = sorted(exported & imported_names(other)) if other is not stack else []
                if in_use:
                    raise ValidationError(message=f"Export {in_use[0]} cannot be deleted as it "
                                                  f"is in use by {other.name}")
        original(self, name_or_stack_id)
    return delete_stack


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


class Complaints(logging.Handler):
    """moto's warnings, kept: it logs a resource type it cannot create ("No Moto CloudFormation
    support for ...") or an attribute it cannot resolve, and goes on as if all were well."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())
