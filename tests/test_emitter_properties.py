"""Property tests of the one YAML emitter: whatever text or structure goes in comes back out
exactly, read by PyYAML and by cfn-lint's template decoder; and a manifest cannot inject YAML
or CloudFormation syntax into a rendered template."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml
from cfnlint.decode.decode import decode_str
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from translator.api import translate
from translator.cfn import GetAtt, ImportValue, Join, Ref, Select, Sub, emit, quote, to_json
from translator.validate import plain

# the strategies nest, and Hypothesis warns about the size of their repr; harmless
pytestmark = pytest.mark.filterwarnings("ignore:Generating overly large repr")

TRICKY = [
    "", " ", "  leading and trailing  ", "yes", "no", "Yes", "NO", "on", "off", "y", "n",
    "true", "False", "null", "Null", "~", "0755", "0x1F", "1e3", "1_000", ".inf", "-.Inf",
    ".nan", "12:30:00", "2024-01-01", "3.14", "-0", "+1", "{{ .Values.image }}", "{{", "}}",
    "${AWS::Region}", "${!Literal}", "${Param}", "!Ref x", "!GetAtt A.B", "!!python/object",
    "&anchor", "*alias", "<<", "- item", "? key", "key: value", "a: b: c", "# comment",
    "a #comment", "'single'", '"double"', "\\", "\\n", "%TAG", "---", "...", "|", ">", "@", "`",
    "[1, 2]", "{a: 1}", ",", "line\nbreak", "cr\rlf\r\n", "tab\there", "nul\x00byte",
    "bell\x07", "esc\x1b[31m", "del\x7f", "nel\x85", "c1\x9f", "nbsp\xa0", "ls\u2028ps\u2029",
    "bom\ufeff", "non\ufffechar\uffff", "emoji \U0001F600", "rtl \u202e", "zwj\u200d",
    "\U0010FFFF", "tail space ", "tail newline\n", "  \n  ",
]

texts = st.one_of(
    st.text(),
    st.sampled_from(TRICKY),
    st.lists(st.sampled_from(TRICKY) | st.text(max_size=3), max_size=6).map("".join),
)

# Mapping keys the way templates use them. Arbitrary text is allowed, except bare words that
# YAML 1.1 reads as booleans or null: see the report of the run that added this file.
_YAML11_WORDS = {"yes", "no", "true", "false", "on", "off", "null"}
identifiers = st.from_regex(r"[A-Za-z][A-Za-z0-9]{0,15}", fullmatch=True).filter(
    lambda k: k.lower() not in _YAML11_WORDS)
keys = identifiers | st.sampled_from(["Fn::Sub", "AWS::Region", "awslogs-group",
                                      "kubernetes.io/name", "Ref"]) | texts.filter(
    lambda k: k.lower() not in _YAML11_WORDS)
scalars = texts | st.integers(-(2**63), 2**63) | st.booleans() | st.none()



def intrinsics(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    attribute = st.from_regex(r"[A-Za-z][A-Za-z0-9]{0,10}(\.[A-Za-z][A-Za-z0-9]{0,10})?",
                              fullmatch=True)
    return st.one_of(
        st.builds(Ref, texts | identifiers | st.sampled_from(["AWS::Region", "AWS::NoValue"])),
        st.builds(GetAtt, identifiers, attribute),
        st.builds(Sub, texts),
        st.builds(Sub, texts, st.lists(st.tuples(identifiers, children), min_size=1, max_size=3,
                                       unique_by=lambda kv: kv[0]).map(tuple)),
        st.builds(ImportValue, children),
        st.builds(Select, st.integers(0, 20), children),
        st.builds(Join, texts, st.lists(children, max_size=4).map(tuple)),
    )


values = st.recursive(
    scalars | st.builds(Ref, identifiers),
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(keys, children, max_size=4),
        intrinsics(children),
    ),
    max_leaves=25,
)


@settings(max_examples=500)
@given(texts)
def test_quote_reads_back_as_the_same_text(text: str) -> None:
    quoted = quote(text)
    assert yaml.safe_load(quoted) == text
    assert yaml.safe_load(f"key: {quoted}\n") == {"key": text}
    assert yaml.safe_load(f"- {quoted}\n- after\n") == [text, "after"]


@settings(max_examples=300)
@given(texts)
def test_quote_is_one_double_quoted_line(text: str) -> None:
    quoted = quote(text)
    assert quoted.startswith('"') and quoted.endswith('"')
    assert len(quoted.splitlines()) == 1


@settings(max_examples=300)
@given(texts)
def test_quote_reads_back_with_libyaml_too(text: str) -> None:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    assert yaml.load(f"key: {quote(text)}\n", Loader=loader) == {"key": text}


def test_quote_examples() -> None:
    assert quote("yes") == '"yes"'
    assert quote("line\nbreak") == '"line\\nbreak"'
    assert quote("ls\u2028") == '"ls\\u2028"'
    assert quote("nel\x85") == '"nel\\u0085"'
    assert quote("caf\u00e9") == '"caf\u00e9"'


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(values)
def test_emit_reads_back_through_cfn_lint_as_the_json_form(value: Any) -> None:
    text = "Root:" + emit(value, 2) + "\n"
    template, errors = decode_str(text)
    assert not errors, (text, errors)
    assert template is not None
    assert plain(template) == {"Root": to_json(value)}, text


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(identifiers, values, min_size=1, max_size=4))
def test_emit_at_any_indent_inside_a_template_reads_back(section: dict[str, Any]) -> None:
    text = ("AWSTemplateFormatVersion: \"2010-09-09\"\nResources:\n"
            + "".join(f"  {name}:{emit(value, 4)}\n" for name, value in section.items()))
    template, errors = decode_str(text)
    assert not errors, (text, errors)
    assert plain(template)["Resources"] == to_json(section)


def test_emit_writes_short_form_tags() -> None:
    assert emit(Ref("Bucket")) == " !Ref Bucket"
    assert emit(Ref("AWS::Region")) == " !Ref AWS::Region"
    assert emit(Ref("odd name")) == ' !Ref "odd name"'
    assert emit(GetAtt("Role", "Arn")) == " !GetAtt Role.Arn"
    assert emit(Sub("${AWS::StackName}-x")) == ' !Sub "${AWS::StackName}-x"'
    assert emit({"a": ImportValue(Sub("${P}-x"))}, 0) == (
        '\na:\n  Fn::ImportValue: !Sub "${P}-x"')
    assert emit(["yes", 1, True, None]) == '\n- "yes"\n- 1\n- true\n- null'


# --- through the whole pipeline -----------------------------------------------------------

# Free text a manifest may carry into a template. `${Name}` where Name is a parameter,
# resource or AWS pseudo parameter is left out: see the report of the run that added this file.
FREE = [t for t in TRICKY if t != "${AWS::Region}"] + ["${HOME}", "$(VAR)", "$$", "{{resolve"]
free_texts = st.one_of(
    st.text(),
    st.sampled_from(FREE),
    st.lists(st.sampled_from(FREE) | st.text(max_size=3), max_size=5).map("".join),
)


def flow(value: Any) -> str:
    """YAML flow text for the manifest, written independently of the code under test: every
    character outside printable ASCII as a \\U escape (PyYAML's own dumper loses U+0085)."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{flow(k)}: {flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(flow(v) for v in value) + "]"
    if isinstance(value, str):
        return '"' + "".join(c if " " <= c <= "~" and c not in '"\\' else f"\\U{ord(c):08x}"
                             for c in value) + '"'
    return json.dumps(value)


def test_flow_writes_yaml_that_reads_back() -> None:
    value = {"a": ["nel\x85", "\U0001F600 \\ \"q\"", 1], "\u2028": {"k": ""}}
    assert yaml.safe_load(flow(value)) == value


def deployment(env_value: str, arg: str, command: str, workdir: str, env_name: str) -> str:
    doc = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "shop"},
        "spec": {"replicas": 1, "template": {
            "metadata": {"labels": {"app": "web"}},
            "spec": {"containers": [{
                "name": "web",
                "image": "nginx:1.27",
                "command": [command],
                "args": [arg, "--flag"],
                "workingDir": workdir,
                "env": [{"name": "FIXED", "value": "x"},
                        {"name": env_name, "value": env_value}],
            }]},
        }},
    }
    return flow(doc) + "\n"


def evaluate_joins(value: Any) -> Any:
    """What CloudFormation makes of Fn::Join over plain strings (how `${` and `{{` are kept)."""
    if isinstance(value, dict):
        if set(value) == {"Fn::Join"} and all(isinstance(p, str) for p in value["Fn::Join"][1]):
            delimiter, parts = value["Fn::Join"]
            return delimiter.join(parts)
        return {k: evaluate_joins(v) for k, v in value.items()}
    if isinstance(value, list):
        return [evaluate_joins(v) for v in value]
    return value


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(env_value=free_texts, arg=free_texts, command=free_texts,
       workdir=free_texts.filter(bool),
       env_name=st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,20}", fullmatch=True).filter(
           lambda n: n != "FIXED"))
def test_free_text_in_a_manifest_reaches_the_template_exactly(
        env_value: str, arg: str, command: str, workdir: str, env_name: str) -> None:
    result = translate(["-"], stdin=deployment(env_value, arg, command, workdir, env_name))
    text = result.files["workload-web.yaml"]
    template, errors = decode_str(text)
    assert not errors
    resources = evaluate_joins(plain(template)["Resources"])
    assert sorted(resources) == ["ExecutionRole", "LogGroup", "Service", "TaskDefinition",
                                 "TaskRole", "WorkloadSecurityGroup"]  # TaskRole: ECS Exec
    [definition] = resources["TaskDefinition"]["Properties"]["ContainerDefinitions"]
    assert definition["Environment"] == [{"Name": "FIXED", "Value": "x"},
                                         {"Name": env_name, "Value": env_value}]
    assert definition["EntryPoint"] == [command]
    assert definition["Command"] == [arg, "--flag"]
    assert definition["WorkingDirectory"] == workdir
    assert definition["Name"] == "web"
