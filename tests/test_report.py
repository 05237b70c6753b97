"""The report for people (Markdown, HTML) and for machines (JSON contract, SARIF): the guide's
tables come out of the guide's example, lines point at the fields, secrets appear by name
only, manifest strings cannot write markup, and an extra section can be added."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from tests.helpers import deployment, docs, fates, sarif_schema, translate_yaml
from tests.paths import EXAMPLE, REPO
from translator import cli
from translator.api import Result, translate
from translator.context import Options
from translator.report import Code, Table, to_markdown
from translator.report_html import to_html
from translator.report_sarif import as_sarif


@pytest.fixture(scope="module")
def example() -> Result:
    return translate([str(EXAMPLE.relative_to(REPO))], Options(validate=False))


def rows(markdown: str, section: str) -> list[list[str]]:
    """The cells of a Markdown section's table."""
    lines = markdown.split(f"## {section}\n", 1)[1].split("\n## ", 1)[0].splitlines()
    table = [line for line in lines if line.startswith("| ")][1:]  # no header
    return [[cell.strip() for cell in line.strip("|").split(" | ")] for line in table]


# --- the guide's tables -------------------------------------------------------------------


def test_environment_table_gives_each_variable_its_eks_and_ecs_source(example: Result) -> None:
    table = {r[1]: (r[2], r[3]) for r in rows(example.files["report.md"], "Environment variables")}
    # the guide's "Environment Variable Mapping", row for row
    assert table["`DB_HOST`"] == ("ConfigMap backend-config key DB_HOST", "Environment")
    assert table["`DB_PASSWORD`"] == (
        "Secret backend-secrets key DB_PASSWORD, synced by ExternalSecret backend-secrets",
        "Secrets Manager -> task definition Secrets")
    assert table["`OPENAI_API_KEY`"][1] == "Secrets Manager -> task definition Secrets"
    # the guide rewrote it to Cloud Map; a Service Connect alias answers it as written
    assert table["`WEAVIATE_HOST`"] == ("value", "Environment (Service Connect alias)")


def test_env_pointers_name_the_exact_container_entry(example: Result) -> None:
    env = {v["name"]: v for s in example.report["sources"] for v in s.get("env", [])}
    assert env["DB_PASSWORD"]["to"] == \
        "workload-backend.yaml#/Resources/TaskDefinition/Properties/ContainerDefinitions/0/Secrets/0"
    secrets = example.plan.stack("workload/angel-backend/backend").resources["TaskDefinition"] \
        .properties["ContainerDefinitions"][0]["Secrets"]
    assert secrets[0]["Name"] == "DB_PASSWORD"


def test_a_config_map_key_points_at_each_environment_entry_it_was_copied_into() -> None:
    config_map = """\
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: cfg, namespace: shop}
        data: {MODE: fast}
        """
    result = translate_yaml(docs(
        config_map,
        deployment("a", container="env: [{name: X, value: x}, "
                                  "{name: MODE, valueFrom: {configMapKeyRef: {name: cfg, key: MODE}}}]"),
        deployment("b", container="envFrom: [{configMapRef: {name: cfg}}]")))
    targets = sorted(f["to"] for f in fates(result, "ConfigMap", "cfg", "/data/MODE"))
    assert targets == [
        "workload-a.yaml#/Resources/TaskDefinition/Properties/ContainerDefinitions/0/Environment/1",
        "workload-b.yaml#/Resources/TaskDefinition/Properties/ContainerDefinitions/0/Environment/0"]


def test_dns_rewrites_and_secrets_by_name(example: Result) -> None:
    markdown = example.files["report.md"]
    assert rows(markdown, "DNS rewrites") == [
        ["Deployment backend / backend", "`WEAVIATE_HOST`",
         "`weaviate.angel-backend.svc.cluster.local`", "kept: a Service Connect alias"],
        ["Deployment backend / backend", "`WEAVIATE_URL`",
         "`weaviate.angel-backend.svc.cluster.local:8080`", "kept: a Service Connect alias"],
    ]
    assert rows(markdown, "Secrets") == [[
        "angel-backend/backend-secrets", "ExternalSecret backend-secrets",
        "Secrets Manager -> task definition Secrets",
        "backend/backend: DB_PASSWORD<br>backend/backend: OPENAI_API_KEY"]]


def test_each_workload_sits_beside_its_resources(example: Result) -> None:
    markdown = example.files["report.md"]
    backend = markdown.split("### workload-backend.yaml\n", 1)[1].split("\n### ", 1)[0]
    assert "| Deployment angel-backend/backend | `examples/k8s/backend.yaml:21` | partial | " \
        "`WorkloadSecurityGroup (AWS::EC2::SecurityGroup)`<br>" \
        "`LogGroup (AWS::Logs::LogGroup)`<br>`ExecutionRole (AWS::IAM::Role)`<br>" \
        "`ExecuteCommandPolicy (AWS::IAM::Policy)`<br>" \
        "`TaskDefinition (AWS::ECS::TaskDefinition)`<br>`Service (AWS::ECS::Service)` |" in backend
    assert "| HorizontalPodAutoscaler angel-backend/backend-hpa |" in backend
    nothing = rows(markdown, "Workloads: Kubernetes -> CloudFormation")
    assert ["Namespace angel-backend", "`examples/k8s/namespace.yaml:1`", "mapped",
            "Cloud Map domain angel-backend.local; stacks named angel-backend-&lt;name>"] in nothing


def test_every_lossy_and_unsupported_field_is_listed_at_its_own_line(example: Result) -> None:
    listed = rows(example.files["report.md"], "Needs a human")
    expected = [(s, f) for s in example.report["sources"] for f in s["fields"]
                if f["status"] in ("lossy", "unsupported")]
    assert len(listed) == len(expected) > 0
    for row in listed:
        file, line = row[1].strip("`").rsplit(":", 1)
        text = (REPO / file).read_text().splitlines()[int(line) - 1]
        if row[2] != "(object)":  # the field's line, or its nearest ancestor's when defaulted
            tokens = [t.replace("~1", "/").replace("~0", "~")
                      for t in row[2].strip("`").split("/")[1:]]
            assert any(f"{t}:" in text for t in tokens) or text.lstrip().startswith("- "), \
                (row, text)
    limits = next(r for r in listed if r[0] == "Deployment angel-backend/backend"
                  and r[2] == "`/spec/template/spec/containers/0/resources/limits/cpu`")
    assert limits[3:] == ["lossy", "Fargate caps CPU at the task size, not per container"]


# --- machines: JSON and SARIF -------------------------------------------------------------


def test_report_json_keeps_its_contract_with_lines_and_env(example: Result, report_schema: Any) -> None:
    report = example.report
    jsonschema.validate(report, report_schema)
    assert all("line" in f for s in report["sources"] for f in s["fields"])


def test_sarif_is_valid_and_has_one_result_per_lossy_or_unsupported_field(example: Result) -> None:
    sarif = as_sarif(example.plan)
    jsonschema.Draft4Validator(sarif_schema()).validate(sarif)
    results = sarif["runs"][0]["results"]
    fields = [(s, f) for s in example.report["sources"] for f in s["fields"]
              if f["status"] in ("lossy", "unsupported")]
    objects = [s for s in example.report["sources"] if s["status"] == "unsupported"]
    assert len(results) == len(fields) + len(objects) == 9
    located = {(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
                r["locations"][0]["physicalLocation"]["region"]["startLine"], r["ruleId"])
               for r in results}
    for source, field in fields:
        assert (source["file"], field["line"], f"{field['status']}-field") in located
    fingerprints = [r["partialFingerprints"]["eks2ecsField/v1"] for r in results]
    assert len(set(fingerprints)) == len(fingerprints)


def test_an_object_no_rule_maps_is_one_sarif_error_at_its_line() -> None:
    result = translate_yaml("""\
        apiVersion: apps/v1
        kind: ReplicaSet
        metadata: {name: migrate}
        spec: {template: {spec: {containers: [{name: m, image: m}]}}}
        """)
    sarif = as_sarif(result.plan)
    jsonschema.Draft4Validator(sarif_schema()).validate(sarif)
    [only] = [r for r in sarif["runs"][0]["results"] if "ReplicaSet/migrate" in r["message"]["text"]]
    assert only["ruleId"] == "unsupported-object" and only["level"] == "error"
    assert only["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "stdin"
    assert only["locations"][0]["physicalLocation"]["region"]["startLine"] == 1


def test_items_accepted_with_ignore_stay_in_sarif_marked_suppressed(example: Result) -> None:
    result = translate([str(EXAMPLE.relative_to(REPO))],
                       Options(validate=False, ignore=("PersistentVolumeClaim/weaviate-data",)))
    sarif = as_sarif(result.plan, result.suppressions)
    jsonschema.Draft4Validator(sarif_schema()).validate(sarif)
    results = sarif["runs"][0]["results"]
    assert len(results) == len(as_sarif(example.plan)["runs"][0]["results"])
    suppressed = [r for r in results if "suppressions" in r]
    assert [r["message"]["text"].split(":")[0] for r in suppressed] == [
        "PersistentVolumeClaim/angel-backend/weaviate-data /spec/resources/requests/storage"]
    assert suppressed[0]["suppressions"] == [{
        "kind": "external", "status": "accepted",
        "justification": "--ignore PersistentVolumeClaim/weaviate-data"}]


# --- safety ---------------------------------------------------------------------------------


HOSTILE = "</td><script>alert(1)</script>|`x`"


def test_secret_values_appear_in_no_report_format() -> None:
    result = translate_yaml(docs(
        """\
        apiVersion: v1
        kind: Secret
        metadata: {name: db, namespace: shop}
        data: {PASSWORD: c2VjcmV0LXZhbHVlLTQyMQ==}
        stringData: {TOKEN: plain-token-value-987}
        """,
        deployment(container="""\
            env:
              - name: PASSWORD
                valueFrom: {secretKeyRef: {name: db, key: PASSWORD}}
              - name: TOKEN
                valueFrom: {secretKeyRef: {name: db, key: TOKEN}}
            """)))
    outputs = [*result.files.values(), json.dumps(as_sarif(result.plan))]
    for text in outputs:
        for value in ("c2VjcmV0LXZhbHVlLTQyMQ==", "secret-value-421", "plain-token-value-987"):
            assert value not in text
    secrets = rows(result.files["report.md"], "Secrets")
    assert secrets[0][:2] == ["shop/db", "manifest (values not copied)"]
    assert "web/web: PASSWORD<br>web/web: TOKEN" in secrets[0][3]


def test_manifest_strings_cannot_write_markup() -> None:
    result = translate_yaml(deployment(
        container=f"""\
            volumeMounts:
              - name: scratch
                mountPath: "{HOSTILE}"
            """))  # no such volume: the mount is reported, path and all
    html = result.files["report.html"]
    assert html.count("<script") == 1  # the page's own, which the CSP hash names
    assert "&lt;/td&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in html
    markdown = result.files["report.md"]
    assert "<script" not in markdown
    row = next(r for r in rows(markdown, "Needs a human") if "volumeMounts" in r[2])
    assert len(row) == 5  # the | in the path did not split the row


MARKDOWN_BREAKOUTS = ["a``b<img src=x onerror=alert(1)>", "cr\rbreaks\r\nrows", "`lead",
                      "[click](javascript:alert(2))", "![pixel](http://example.com/p.png)",
                      "*loud* snake_case | pipe \\"]


def test_no_manifest_string_escapes_its_markdown_cell() -> None:
    # parsed as a viewer does (CommonMark, GFM tables, raw HTML allowed): two backticks closed
    # the code span of a key, and a carriage return ended the table row
    from markdown_it import MarkdownIt

    widgets = [f"apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: {json.dumps(t)}\n"
               for t in MARKDOWN_BREAKOUTS]  # a row each, the name in a text cell
    keys = "".join(f"  {json.dumps(t)}: $LEFT_{i}\n" for i, t in enumerate(MARKDOWN_BREAKOUTS))
    config = f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n{keys}"
    result = translate(["-"], Options(validate=False), stdin=docs(*widgets, config))
    html = MarkdownIt("commonmark", {"html": True}).enable("table").render(
        result.files["report.md"])
    section = html.split("<h2>Needs a human</h2>")[1].split("<h2>")[0]
    for tag in ("<img", "<a ", "<strong>"):
        assert tag not in section
    rows = section.split("</thead>")[1].split("<tr>")[1:]
    assert len(rows) == 2 * len(MARKDOWN_BREAKOUTS)
    assert all(row.count("<td>") == 5 for row in rows)
    cells = [[c.split("</td>")[0] for c in row.split("<td>")[1:]] for row in rows]
    one_line = [t.replace("\r\n", " ").replace("\r", " ") for t in MARKDOWN_BREAKOUTS]
    assert sorted(c[0] for c in cells if c[0].startswith("Widget ")) == sorted(
        f"Widget {html_escape(t)}" for t in one_line)
    assert sorted(c[2] for c in cells if c[0] == "ConfigMap default/cfg") == sorted(
        f"<code>/data/{html_escape(t.replace('~', '~0').replace('/', '~1'))}</code>"
        for t in one_line)


def html_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def test_the_html_page_fetches_nothing() -> None:
    html = to_html(translate([str(EXAMPLE)], Options(validate=False)).plan)
    page, script = re.sub(r"<script>(.*?)</script>", "", html, flags=re.S), \
        re.findall(r"<script>(.*?)</script>", html, flags=re.S)
    assert len(script) == 1 and "fetch" not in script[0] and "XMLHttpRequest" not in script[0]
    for external in ("<link", "<script", "<img", "<iframe", "src=", "@import", "url(", 'href="http'):
        assert external not in page  # price sources are shown as text, never fetched


# --- the extra-section hook -----------------------------------------------------------------


def test_another_stage_can_add_a_section_to_markdown_and_html(example: Result) -> None:
    cost = Table("Cost per month", ("line", "EKS", "ECS"),
                 [("control plane", "$73.00", Code("$0.00")), ("<b>x</b>", "1", "2")],
                 intro="Prices of us-east-1.", anchor="cost")
    markdown = to_markdown(example.plan, [cost])
    assert rows(markdown, "Cost per month") == [["control plane", "$73.00", "`$0.00`"],
                                                ["&lt;b>x&lt;/b>", "1", "2"]]
    html = to_html(example.plan, [cost])
    assert '<section id="cost">' in html and '<a href="#cost">Cost per month</a>' in html
    assert "&lt;b&gt;x&lt;/b&gt;" in html


# --- the command line -----------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["md", "html", "json", "sarif"])
def test_report_command_writes_each_format(fmt: str, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / f"report.{fmt}"
    assert cli.main(["report", str(EXAMPLE), "--format", fmt, "-o", str(out)]) == 0
    text = out.read_text()
    assert capsys.readouterr().out == ""
    if fmt in ("json", "sarif"):
        json.loads(text)
    assert {"md": "# eks2ecs report", "html": "<!DOCTYPE html>", "json": '"version": 1',
            "sarif": '"version": "2.1.0"'}[fmt] in text


# --- what needs a human, first ------------------------------------------------------------


def _many_services(count: int) -> str:
    probe = "livenessProbe:\n  exec: {command: [\"true\"]}\n  timeoutSeconds: 1\n"
    return "---\n".join(deployment(f"svc-{n:03}", container=probe) for n in range(count))


def test_the_report_leads_with_what_needs_a_human_grouped_by_rule() -> None:
    result = translate(["-"], Options(validate=False), stdin=_many_services(40))
    text = result.files["report.md"]
    assert text.index("### Needs a human, by rule") < text.index("### Objects by status")
    first = text.split("### Needs a human, by rule", 1)[1].split("### Objects by status")[0]
    grouped = rows(f"## first\n{first}", "first")
    timeout = [r for r in grouped if "livenessProbe/timeoutSeconds" in r[0]]
    assert timeout == [["`Deployment:/spec/template/spec/containers/*/livenessProbe/"
                        "timeoutSeconds`", "lossy", "40",
                        "shop/svc-000, shop/svc-001, shop/svc-002, shop/svc-003, shop/svc-004 "
                        "and 35 more", "1 is outside ECS's 2-60; 2 used"]]
    counts = [int(r[2]) for r in grouped]
    assert counts == sorted(counts, reverse=True)
    html = result.files["report.html"]
    assert html.index("Needs a human, by rule") < html.index("Objects by status")


def test_the_page_runs_only_its_own_script_and_fetches_nothing() -> None:
    """The one inline script is the one the Content-Security-Policy's hash allows; nothing
    else may load (default-src 'none'), so a page opened offline is the whole report."""
    import base64
    import hashlib

    html = translate([str(EXAMPLE)], Options(validate=False)).files["report.html"]
    script = re.search(r"<script>(.*?)</script>", html, re.S)
    assert script is not None
    digest = base64.b64encode(hashlib.sha256(script.group(1).encode()).digest()).decode()
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', html)
    assert policy is not None
    assert policy.group(1).startswith("default-src 'none'; ")
    assert f"script-src 'sha256-{digest}'" in policy.group(1)


def test_links_are_percent_encoded_and_relative_to_the_page(tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """A manifest named like a URL scheme stays a relative path; templates are beside the page."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "k8s").mkdir()
    (tmp_path / "k8s" / "javascript:alert(1) #x.yaml").write_text(deployment())
    html = translate(["k8s"], Options(validate=False, report_dir="cfn")).files["report.html"]
    assert 'href="../k8s/javascript%3Aalert%281%29%20%23x.yaml#L1"' in html
    assert 'href="javascript' not in html
    assert 'href="workload-web.yaml#/Resources/TaskDefinition"' in html
