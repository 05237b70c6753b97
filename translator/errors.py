"""Errors that end a run with a message instead of a traceback.

Exit codes: 2 for bad input or usage (InputError), 1 for templates that fail validation
(ValidationFailed).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple


@dataclass
class InputError(Exception):
    """A problem with what the user gave us, located as precisely as we can."""

    message: str
    file: str | None = None
    line: int | None = None
    column: int | None = None
    obj: str | None = None  # "Kind/name"
    field: str | None = None  # JSON Pointer into the object

    def __str__(self) -> str:
        where = ""
        if self.file is not None:
            where = self.file
            if self.line is not None:
                where += f":{self.line}"
                if self.column is not None:
                    where += f":{self.column}"
            where += ": "
        parts = [p for p in (self.obj, self.field) if p]
        prefix = "".join(f"{p}: " for p in parts)
        return f"{where}{prefix}{self.message}"


class Source(NamedTuple):
    """Where in the input something comes from."""

    file: str
    line: int
    obj: str  # "Kind/name"
    field: str | None  # JSON Pointer into the object

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.obj}" + (f": {self.field}" if self.field else "")


@dataclass(frozen=True)
class PlanFinding:
    """What a rule set's check over all the templates of a plan found: the stack and the
    place in its template, the rule and the message (the validate stage adds the line and
    the input field behind it)."""

    stack: str  # the plan's stack key
    pointer: str
    rule: str
    message: str


@dataclass(frozen=True)
class LintFinding:
    """A validation finding in a rendered template. A failing template is never written, so
    a finding is shown at its source, the manifest's file:line: object: field, with its place
    in the template as a JSON Pointer; `line` (in the rendered text) is for tools that lint
    what --no-validate wrote."""

    template: str
    line: int
    rule: str
    severity: str
    message: str
    pointer: str = ""  # JSON Pointer into the template; "" when cfn-lint gave no path
    source: Source | None = None  # the input field behind it

    def __str__(self) -> str:
        where = f"{self.template}#{self.pointer}" if self.pointer else self.template
        if self.source is None:
            return f"{where}: {self.rule} ({self.severity}) {self.message}"
        return f"{self.source}: {self.rule} ({self.severity}) {self.message} (at {where})"


class ValidationFailed(Exception):
    """Generated templates did not pass validation; nothing was written."""

    def __init__(self, findings: list[LintFinding]) -> None:
        first = "".join(f"\n  {finding}" for finding in findings[:5])
        more = f"\n  ... and {len(findings) - 5} more" if len(findings) > 5 else ""
        super().__init__(f"{len(findings)} validation finding(s):{first}{more}")
        self.findings = findings
