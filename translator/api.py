"""The library API: one call runs the whole pipeline.

    from translator import translate, Options
    result = translate(["k8s/"], Options(app_name="shop"))
    result.files["workload-backend.yaml"]; result.report["summary"]; result.write("cfn/")

load -> models + map (translator.mapper) -> render -> validate -> report; `write` is
separate so scripts can inspect the result first.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from translator import (
    balancers,
    cost,
    deployplan,
    load,
    mapper,
    reachability,
    render,
    report,
    report_html,
    rules,
    suppress,
    validate,
    write,
)
from translator.context import Options
from translator.cost import Estimate
from translator.errors import InputError, LintFinding, ValidationFailed
from translator.plan import Plan
from translator.progress import Hook
from translator.suppress import Suppressions


@dataclass
class Result:
    plan: Plan
    files: dict[str, str]  # file name -> text, everything `write` puts in the output folder
    findings: list[LintFinding] = field(default_factory=list)
    cost: Estimate | None = None  # None when there is no price table for the region
    suppressions: Suppressions | None = None
    network: reachability.Analysis | None = None  # the paths the security groups must keep
    warnings: list[str] = field(default_factory=list)  # what deploys, but not as usual

    @property
    def report(self) -> dict[str, Any]:
        parsed: dict[str, Any] = json.loads(self.files["report.json"])
        return parsed

    @property
    def templates(self) -> dict[str, str]:
        return {s.file: self.files[s.file] for s in self.plan.stacks}

    def write(self, out: str | Path, force: bool = False) -> None:
        write.write(self.files, Path(out), force)


def translate(sources: Sequence[str], options: Options | None = None,
              stdin: str | None = None, progress: Hook | None = None) -> Result:
    """Translate manifests (files, folders, '-' for stdin) into CloudFormation.

    `progress`, if given, is called with (stage, done, total) as the run advances.
    Raises InputError for bad input and ValidationFailed when a template does not pass.
    """
    manifests = load.load(sources, stdin=stdin)
    if not manifests:
        raise InputError(load.NO_OBJECTS, ", ".join(sources))
    return translate_manifests(manifests, options, progress)


def translate_manifests(manifests: Sequence[load.Manifest], options: Options | None = None,
                        progress: Hook | None = None) -> Result:
    """Translate objects already read (from `translator.live.read`, say) into CloudFormation."""
    if not manifests:
        raise InputError(load.NO_OBJECTS)
    options = options or Options()
    if progress is not None:
        progress("objects loaded", len(manifests), len(manifests))
    return finish(mapper.build_plan(list(manifests), options), options, progress)


def finish(plan: Plan, options: Options | None = None, progress: Hook | None = None) -> Result:
    """Render, report and validate a plan: what `translate` does after mapping, and what a
    migration script calls again after adjusting `result.plan`."""
    options = options or Options()
    plan.check()
    estimate = cost.from_options(plan, options)
    suppressions = suppress.apply(plan, options.ignore)
    network = reachability.check(plan)
    counts = [balancers.Count(*c) for c in rules.installed().balancer_counts(plan)]
    files = render.render(plan, _report_files(
        plan, options.report_dir,
        [deployplan.table(plan), balancers.table(plan, counts), network.table(),
         *cost.tables(estimate, options.region), *suppress.tables(suppressions)],
        {"deploy": {"waves": [[s.stack_name for s in wave] for wave in plan.waves()]},
         "loadBalancers": balancers.as_dict(plan, counts), "network": network.as_dict(),
         "cost": estimate.as_dict() if estimate else None,
         "suppressions": suppressions.as_dict()}), options.environments)
    if progress is not None:
        progress("templates rendered", len(plan.stacks), len(plan.stacks))
    findings: list[LintFinding] = []
    network = network.with_texts(files)
    if options.validate:
        findings = validate.validate(plan, files, options.region, progress, network)
        if findings:
            raise ValidationFailed(findings)
    return Result(plan, files, findings, estimate, suppressions, network,
                  deployplan.inline_warnings(plan, files))


def _report_files(plan: Plan, report_dir: str, extra: Sequence[report.Table],
                  extra_json: dict[str, Any]) -> dict[str, str]:
    """The report files written beside the templates (in `report_dir`, which the HTML page's
    links to manifests start from); `extra` sections (cost, suppressions) come after the
    built-in ones, `extra_json` adds top-level keys."""
    for_people = report.people(plan, extra)  # Markdown and HTML render the same tables
    return {
        "report.md": report.markdown(for_people),
        "report.json": report.to_json(plan, extra_json),
        "report.html": report_html.html(for_people, report_dir),
    }


def tag_all(plan: Plan, tags: dict[str, str], region: str = "us-east-1") -> list[str]:
    """Add `tags` to every resource whose CloudFormation type has a `Tags` property (keeping tags
    already there); returns "template#LogicalId" of the resources that take no `Tags`."""
    from cfnlint.schema import PROVIDER_SCHEMA_MANAGER

    untaggable = []
    for stack in plan.stacks:
        for logical, resource in stack.resources.items():
            schema = PROVIDER_SCHEMA_MANAGER.get_resource_schema(region, resource.type).schema
            shape = schema.get("properties", {}).get("Tags", {}).get("type")
            if shape == "array":
                have = resource.properties.setdefault("Tags", [])
                keys = {t["Key"] for t in have}
                have.extend({"Key": k, "Value": v} for k, v in sorted(tags.items()) if k not in keys)
            elif shape == "object":
                have_map = resource.properties.setdefault("Tags", {})
                for key, value in sorted(tags.items()):
                    have_map.setdefault(key, value)
            else:
                untaggable.append(f"{stack.file}#{logical}")
    return untaggable
