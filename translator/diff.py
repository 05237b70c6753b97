"""Drift: translate the manifests again and compare with an output folder, by meaning.

Templates are read back with cfn-lint's decoder on both sides, so layout, comments, key
order, quoting and the short or long form of an intrinsic (`!Ref X` / `{Ref: X}`) never count;
what counts is every resource, parameter, condition and output, property by property, named
by JSON Pointer. Scalars compare as CloudFormation reads them (`512` equals `"512"`).
`parameters.json.example` compares as JSON, scripts and the operator README as text. The
report files name the source paths as given on the command line, so they are not compared.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any, Literal

from translator.config import RECORDED
from translator.errors import InputError
from translator.load import escape_pointer_token
from translator.report import md_code, md_text
from translator.validate import plain
from translator.write import RECORD

NOT_COMPARED = ("report.md", "report.html", "report.json", RECORDED)
TEMPLATE_FILE = re.compile(r"^[^.].*\.yaml$")  # every template the folder holds

Change = Literal["changed", "missing", "extra"]  # relative to the folder: missing from it...


@dataclass(frozen=True)
class Difference:
    file: str
    pointer: str  # JSON Pointer in the file; "" for the whole file
    change: Change
    expected: Any = None  # what the translation has
    found: Any = None  # what the folder has

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"file": self.file, "pointer": self.pointer, "change": self.change}
        if self.change != "extra":
            out["expected"] = self.expected
        if self.change != "missing":
            out["found"] = self.found
        return out


@dataclass
class Drift:
    against: str
    compared: list[str] = field(default_factory=list)
    differences: list[Difference] = field(default_factory=list)

    @property
    def same(self) -> bool:
        return not self.differences

    def as_dict(self) -> dict[str, Any]:
        return {"against": self.against, "same": self.same, "compared": self.compared,
                "notCompared": list(NOT_COMPARED),
                "differences": [d.as_dict() for d in self.differences]}


def compare(files: dict[str, str], against: Path) -> Drift:
    """Compare translated `files` (name -> text) with the folder `against`."""
    if not against.is_dir():
        raise InputError("no such folder to compare against", str(against))
    drift = Drift(str(against))
    expected = {name: text for name, text in files.items() if name not in NOT_COMPARED}
    for name, text in sorted(expected.items()):
        path = against / name
        drift.compared.append(name)
        if not path.is_file():
            drift.differences.append(Difference(name, "", "missing"))
            continue
        found = _read(path)
        if name.endswith(".yaml"):
            _tree(name, _template(text, name), _template(found, str(path)), "", drift.differences)
        elif name.endswith(".json") or name.endswith(".json.example"):
            _tree(name, _json(text, name), _json(found, str(path)), "", drift.differences)
        elif text != found:
            drift.differences.append(_text_difference(name, text, found))
    recorded = set()
    if (against / RECORD).is_file():
        recorded = set(_read(against / RECORD).split())
    templates = {p.name for p in against.iterdir() if TEMPLATE_FILE.match(p.name)}
    for name in sorted((recorded | templates) - set(expected) - set(NOT_COMPARED)):
        if (against / name).is_file():
            drift.differences.append(Difference(name, "", "extra"))
    return drift


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read: {exc}", str(path)) from None


def _template(text: str, file: str) -> Any:
    from cfnlint.decode.decode import decode_str

    template, errors = decode_str(text)
    if template is None:
        first = errors[0] if errors else None
        raise InputError(f"not a readable template: {first.message if first else 'empty'}", file,
                         int(first.linenumber) if first else None)
    return _canonical(plain(template))


def _json(text: str, file: str) -> Any:
    try:
        return _canonical(json.loads(text))
    except json.JSONDecodeError as exc:
        raise InputError(f"not JSON: {exc.msg}", file, exc.lineno, exc.colno) from None


def _canonical(value: Any) -> Any:
    """Values as CloudFormation reads them: scalars as strings, GetAtt as a list."""
    if isinstance(value, dict):
        if set(value) == {"Fn::GetAtt"} and isinstance(value["Fn::GetAtt"], str):
            return {"Fn::GetAtt": value["Fn::GetAtt"].split(".", 1)}
        return {k: _canonical(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_canonical(v) for v in value]
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return value


def _tree(file: str, expected: Any, found: Any, pointer: str, out: list[Difference]) -> None:
    if isinstance(expected, dict) and isinstance(found, dict):
        for key in expected:
            at = f"{pointer}/{escape_pointer_token(key)}"
            if key not in found:
                out.append(Difference(file, at, "missing", expected[key]))
            else:
                _tree(file, expected[key], found[key], at, out)
        for key in found:
            if key not in expected:
                out.append(Difference(file, f"{pointer}/{escape_pointer_token(key)}", "extra",
                                      found=found[key]))
    elif isinstance(expected, list) and isinstance(found, list):
        _list(file, expected, found, pointer, out)
    elif expected != found:
        out.append(Difference(file, pointer, "changed", expected, found))


def _list(file: str, expected: list[Any], found: list[Any], pointer: str,
          out: list[Difference]) -> None:
    """Align the items first, so one inserted environment variable is one extra item rather
    than every later item changed. Pointers index the folder's list; a missing item, the
    translation's."""
    keys = ([json.dumps(v, sort_keys=True) for v in expected],
            [json.dumps(v, sort_keys=True) for v in found])
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, *keys, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        paired = min(i2 - i1, j2 - j1)
        for k in range(paired):
            _tree(file, expected[i1 + k], found[j1 + k], f"{pointer}/{j1 + k}", out)
        out.extend(Difference(file, f"{pointer}/{i}", "missing", expected[i])
                   for i in range(i1 + paired, i2))
        out.extend(Difference(file, f"{pointer}/{j}", "extra", found=found[j])
                   for j in range(j1 + paired, j2))


def _text_difference(file: str, expected: str, found: str) -> Difference:
    want, have = expected.splitlines(), found.splitlines()
    line = next((i for i, (a, b) in enumerate(zip(want, have, strict=False)) if a != b),
                min(len(want), len(have)))
    return Difference(file, f"line {line + 1}", "changed",
                      want[line] if line < len(want) else None,
                      have[line] if line < len(have) else None)


def _show(value: Any, limit: int = 80) -> str:
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    text = json.dumps(text) if isinstance(value, str) else text
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _where(d: Difference) -> str:
    if d.pointer.startswith("line "):
        return f"{d.file}:{d.pointer[len('line '):]}"
    return f"{d.file}#{d.pointer}" if d.pointer else d.file


def _what(d: Difference, folder: str) -> str:
    if d.change == "changed":
        return f"{_show(d.expected)} in the translation, {_show(d.found)} in {folder}"
    if d.change == "missing":
        return f"in the translation, not in {folder}" + (f": {_show(d.expected)}" if d.pointer else "")
    return f"in {folder}, not in the translation" + (f": {_show(d.found)}" if d.pointer else "")


def to_text(drift: Drift) -> str:
    lines = [f"{_where(d)}: {d.change}: {_what(d, drift.against)}" for d in drift.differences]
    lines.append(_verdict(drift))
    return "\n".join(lines) + "\n"


def _verdict(drift: Drift) -> str:
    if drift.same:
        return (f"eks2ecs: {drift.against} matches the translation "
                f"({len(drift.compared)} files compared)")
    files = len({d.file for d in drift.differences})
    return (f"eks2ecs: {len(drift.differences)} difference(s) in {files} file(s): "
            f"{drift.against} is not what the manifests translate to")


def to_markdown(drift: Drift) -> str:
    lines = [f"# eks2ecs diff: {drift.against}", "", _verdict(drift)[len("eks2ecs: "):] + ".", ""]
    if drift.differences:
        lines += ["| where | change | translation | folder |", "|---|---|---|---|"]
        for d in drift.differences:
            expected = _show(d.expected) if d.change != "extra" else ""
            found = _show(d.found) if d.change != "missing" else ""
            lines.append(f"| {md_code(_where(d))} | {d.change} | {md_text(expected)} | "
                         f"{md_text(found)} |")
        lines.append("")
    lines.append(f"Not compared: {', '.join(NOT_COMPARED)} (they name source paths as given).")
    return "\n".join(lines) + "\n"


def to_json(drift: Drift) -> str:
    return json.dumps(drift.as_dict(), indent=2, ensure_ascii=False) + "\n"
