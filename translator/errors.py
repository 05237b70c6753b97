"""Errors that end a run with a message instead of a traceback.

Exit codes: 2 for bad input or usage (InputError), 1 for templates that fail validation
(ValidationFailed).
"""

from __future__ import annotations

from dataclasses import dataclass


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


@dataclass(frozen=True)
class LintFinding:
    template: str
    line: int
    rule: str
    severity: str
    message: str

    def __str__(self) -> str:
        return f"{self.template}:{self.line}: {self.rule} ({self.severity}) {self.message}"


class ValidationFailed(Exception):
    """Generated templates did not pass validation; nothing was written."""

    def __init__(self, findings: list[LintFinding]) -> None:
        super().__init__(f"{len(findings)} validation finding(s)")
        self.findings = findings
