"""The report for people as one self-contained HTML page: inline CSS and one inline script
(search and filters), nothing fetched, and a Content-Security-Policy that lets nothing else
run or load. Jinja autoescapes every string, so a manifest can never write markup, and every
link is percent-encoded, so a file name can never become a `javascript:` URL."""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Sequence
from functools import cache
from importlib import resources
from pathlib import Path
from urllib.parse import quote

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


@cache
def _script() -> tuple[str, str]:
    """The page's script and its CSP hash (the only script the page lets run)."""
    text = resources.files("translator").joinpath("templates/report.js").read_text("utf-8")
    digest = base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")
    return text, f"sha256-{digest}"


STATUS_CLASSES = {"mapped": "ok", "ignored": "muted", "partial": "warn", "lossy": "warn",
                  "unsupported": "bad"}


def to_html(plan: Plan, extra: Sequence[Table] = (), base: str = ".") -> str:
    return html(people(plan, extra), base)


def html(report: People, base: str = ".") -> str:
    """The page, to be written in the folder `base`: its links to manifest lines are relative
    to it (links to templates name files beside the page)."""
    def href(code: Code) -> str:
        if code.to:
            file, _, pointer = code.to.partition("#")
            return f"{quote(file)}#{quote(pointer, safe='/~')}"
        if code.source is None or not Path(code.source[0]).is_file():
            return ""  # stdin, a kustomize rendering: no file to open
        file = code.source[0]  # an absolute path stays absolute, as it was given
        path = file if os.path.isabs(file) else Path(os.path.relpath(file, base)).as_posix()
        return f"{quote(path)}#L{code.source[1]}"

    tables = [*report.summary, *report.workloads, *report.sections]
    keys = [key for t in tables for key in t.keys]
    script, digest = _script()
    return _environment().get_template("report.html.j2").render(
        report=report, version=__version__, status_classes=STATUS_CLASSES, href=href,
        script=script, script_hash=digest,
        kinds=sorted({k for k, _, _ in keys if k}),
        namespaces=sorted({n for _, ns, _ in keys for n in ns.split()}),
        statuses=sorted({s for _, _, st in keys for s in st.split()}))
