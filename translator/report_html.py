"""The report for people as one self-contained HTML page: inline CSS, no script, nothing
fetched. Jinja autoescapes every string, so a manifest can never write markup."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

import jinja2

from translator import __version__
from translator.plan import Plan
from translator.report import Code, People, Strong, Table, people


@cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("translator", "templates"),
        undefined=jinja2.StrictUndefined,
        autoescape=True,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.tests["code"] = lambda cell: isinstance(cell, Code)
    env.tests["strong"] = lambda cell: isinstance(cell, Strong)
    env.tests["lines"] = lambda cell: isinstance(cell, tuple)
    return env


STATUS_CLASSES = {"mapped": "ok", "ignored": "muted", "partial": "warn", "lossy": "warn",
                  "unsupported": "bad"}


def to_html(plan: Plan, extra: Sequence[Table] = ()) -> str:
    return html(people(plan, extra))


def html(report: People) -> str:
    return _environment().get_template("report.html.j2").render(
        report=report, version=__version__, status_classes=STATUS_CLASSES)
