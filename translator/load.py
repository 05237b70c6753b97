"""Load Kubernetes manifests from files, folders and stdin, keeping where each object came from.

Only YAML's safe subset is read. Every object keeps its file and line, and a map from JSON
Pointer to line so that later stages can name the exact line of a field. Duplicate keys are
refused (as kubectl does), and so are alias bombs and absurd nesting.
"""

from __future__ import annotations

import dataclasses
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from translator import renderers
from translator.config import NOT_MANIFESTS
from translator.errors import InputError
from translator.write import RECORD

try:  # libyaml makes parsing several times faster where it is available
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - pure-Python fallback
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
NO_OBJECTS = "no Kubernetes objects in the input (only empty documents or comments)"
MAX_DEPTH = 64
MAX_NODES = 250_000  # per document, counting every alias expansion
# Past MAX_DEPTH the builder refuses; far past it PyYAML gives up first, by a recursion error
# or (6.0.4 and later) libyaml's own depth cap. All three read as this one message.
TOO_DEEP = f"nesting deeper than {MAX_DEPTH} levels; refused"
_PLAIN_TAGS = ("tag:yaml.org,2002:map", "tag:yaml.org,2002:seq")


@dataclass
class Manifest:
    """One Kubernetes object as written, with its origin.

    A field written as null (Helm's `volumeMounts:` with nothing after it) is left out of
    `doc`, as the API server reads it: absent. `nulls` keeps where they were, for the report.
    """

    doc: dict[str, Any]
    file: str
    line: int
    lines: dict[str, int] = field(default_factory=dict)  # JSON Pointer -> line
    nulls: tuple[str, ...] = ()  # JSON Pointers of the fields written as null

    @property
    def kind(self) -> str:
        return str(self.doc.get("kind", ""))

    @property
    def api_version(self) -> str:
        return str(self.doc.get("apiVersion", ""))

    @property
    def name(self) -> str:
        meta = self.doc.get("metadata")
        name = meta.get("name") if isinstance(meta, dict) else None
        return str(name) if name is not None else ""

    @property
    def namespace(self) -> str | None:
        meta = self.doc.get("metadata")
        ns = meta.get("namespace") if isinstance(meta, dict) else None
        return str(ns) if ns is not None else None

    @property
    def ref(self) -> str:
        return f"{self.kind}/{self.name}"

    def line_of(self, pointer: str) -> int:
        """The line of a field, or of its nearest ancestor that has one."""
        while pointer:
            if pointer in self.lines:
                return self.lines[pointer]
            pointer = pointer.rsplit("/", 1)[0]
        return self.line


def escape_pointer_token(token: str | int) -> str:
    return str(token).replace("~", "~0").replace("/", "~1")


def unescape_pointer_token(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def resolve_pointer(doc: Any, pointer: str) -> Any:
    """The value at a JSON Pointer; KeyError, IndexError or TypeError where there is none."""
    node = doc
    for token in pointer.split("/")[1:]:
        token = unescape_pointer_token(token)
        node = node[int(token)] if isinstance(node, list) else node[token]
    return node


def construct_scalar(constructor: yaml.constructor.BaseConstructor, node: yaml.Node,
                     file: str) -> Any:
    """The value of a scalar node, or an InputError at its place that never shows the value.

    An explicit tag the value does not fit (`!!int Hunter2`, `!!bool maybe`, `!!timestamp
    2020-13-45`) makes PyYAML's constructors fail with the value in the message (ValueError,
    KeyError, AttributeError): it may be a Secret's.
    """
    where = (file, node.start_mark.line + 1, node.start_mark.column + 1)
    try:
        return constructor.construct_object(node, deep=True)
    except yaml.constructor.ConstructorError as exc:
        raise InputError(str(exc.problem), *where) from None
    except (ValueError, KeyError, AttributeError, TypeError, OverflowError):
        raise InputError(f"the value does not fit its tag {_short_tag(node.tag)} (the value is "
                         "not shown); remove the tag or fix the value", *where) from None


def _short_tag(tag: str) -> str:
    return "!!" + tag.removeprefix("tag:yaml.org,2002:") if tag.startswith("tag:yaml.org,2002:") \
        else repr(tag)


class _Builder:
    """Turns a composed YAML node tree into Python values, recording lines per pointer."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.constructor = yaml.constructor.SafeConstructor()
        self.nodes = 0
        self.nulls: list[str] = []

    def build(self, node: yaml.Node, pointer: str, lines: dict[str, int], depth: int) -> Any:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise InputError(
                f"document expands to more than {MAX_NODES} nodes (an alias bomb?); refused",
                self.file,
                node.start_mark.line + 1,
            )
        if depth > MAX_DEPTH:
            raise InputError(TOO_DEEP, self.file, node.start_mark.line + 1)
        lines.setdefault(pointer, node.start_mark.line + 1)
        if isinstance(node, yaml.CollectionNode) and node.tag not in _PLAIN_TAGS:
            # the scalar constructor refuses unknown tags; collections are built here
            raise InputError(f"tag {node.tag!r} is not allowed (only plain YAML is read)",
                             self.file, node.start_mark.line + 1, node.start_mark.column + 1)
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, pointer, lines, depth)
        if isinstance(node, yaml.SequenceNode):
            return [
                self.build(child, f"{pointer}/{i}", lines, depth + 1)
                for i, child in enumerate(node.value)
            ]
        return construct_scalar(self.constructor, node, self.file)

    def _mapping(
        self, node: yaml.MappingNode, pointer: str, lines: dict[str, int], depth: int
    ) -> dict[str, Any]:
        written = {id(k) for k, _ in node.value}
        self.constructor.flatten_mapping(node)  # resolves YAML merge keys (<<), merged pairs first
        result: dict[str, Any] = {}
        seen: set[str] = set()
        from_merge: set[str] = set()
        for key_node, value_node in node.value:
            key = construct_scalar(self.constructor, key_node, self.file)
            if not isinstance(key, str | int | float | bool) or key is None:
                raise InputError(
                    "mapping keys must be plain scalars (an unrendered Helm or Jinja "
                    "template? render it first)", self.file, key_node.start_mark.line + 1
                )
            key = str(key) if not isinstance(key, str) else key
            if key in seen and key not in from_merge:
                raise InputError(
                    f"duplicate key {key!r} (kubectl rejects this too)",
                    self.file,
                    key_node.start_mark.line + 1,
                    key_node.start_mark.column + 1,
                )
            # A key written here overrides one merged in, as YAML says; two written are refused.
            if id(key_node) in written:
                from_merge.discard(key)
            else:
                from_merge.add(key)
            seen.add(key)
            child = f"{pointer}/{escape_pointer_token(key)}"
            lines[child] = key_node.start_mark.line + 1
            value = self.build(value_node, child, lines, depth + 1)
            if value is None:  # null: absent, as the API server reads it
                result.pop(key, None)
                if child not in self.nulls:
                    self.nulls.append(child)
            else:
                result[key] = value
        return result


def parse_text(text: str, file: str) -> Iterator[Manifest]:
    """Parse a YAML or JSON stream into manifests; `kind: List` is split into its items."""
    try:
        for node in yaml.compose_all(text, Loader=_Loader):
            if node is None:
                continue
            builder = _Builder(file)
            lines: dict[str, int] = {}
            doc = builder.build(node, "", lines, 0)
            if doc is None:
                continue
            yield from _objects(doc, file, node.start_mark.line + 1, lines, builder.nulls)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        col = mark.column + 1 if mark else None
        problem = exc.problem or exc.context or "invalid YAML"
        if "nesting depth" in problem:  # libyaml's own cap (PyYAML >= 6.0.4 bundles it)
            raise InputError(TOO_DEEP, file, line) from None
        raise InputError(f"invalid YAML: {problem}", file, line, col) from None
    except yaml.reader.ReaderError as exc:
        before = text[: exc.position]
        line, col = before.count("\n") + 1, len(before) - before.rfind("\n")
        raise InputError(f"invalid YAML: character U+{exc.character:04X} is not allowed "
                         "(control characters must be escaped in a quoted string)",
                         file, line, col) from None
    except yaml.YAMLError as exc:
        raise InputError(f"invalid YAML: {exc}", file) from None
    except RecursionError:  # the composer of PyYAML < 6.0.4, or of its pure-Python loader
        raise InputError(TOO_DEEP, file) from None


def _objects(doc: Any, file: str, line: int, lines: dict[str, int],
             nulls: list[str]) -> Iterator[Manifest]:
    if not isinstance(doc, dict) or not doc.get("kind") or not doc.get("apiVersion"):
        raise InputError(
            "not a Kubernetes object (a mapping with apiVersion and kind is expected)", file, line
        )
    for key in ("kind", "apiVersion"):
        if not isinstance(doc[key], str):
            raise InputError(f"{key} must be a string", file, lines.get(f"/{key}", line))
    if doc["kind"] == "List" or (doc["kind"].endswith("List") and "items" in doc):
        items = doc.get("items") or []
        if not isinstance(items, list):
            raise InputError("items of a List must be a list", file, lines.get("/items", line))
        for i, item in enumerate(items):
            prefix = f"/items/{i}"
            sub = {p[len(prefix) :]: n for p, n in lines.items()
                   if p == prefix or p.startswith(prefix + "/")}
            inside = [p[len(prefix):] for p in nulls if p.startswith(prefix + "/")]
            yield from _objects(item, file, lines.get(prefix, line), sub, inside)
        return
    meta = doc.get("metadata")
    if not isinstance(meta, dict) or not isinstance(meta.get("name"), str) or not meta["name"]:
        raise InputError(
            "metadata.name is required", file, lines.get("/metadata", line), obj=doc["kind"]
        )
    yield Manifest(doc=doc, file=file, line=line, lines=lines, nulls=tuple(nulls))


def _read(path: Path, shown: str) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", shown) from None
    return _decode(data, shown)


def _decode(data: bytes, shown: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(
            f"not UTF-8: byte 0x{data[exc.start]:02x} cannot be decoded", shown, line
        ) from None


def discover(sources: Iterable[str], recursive: bool = True) -> list[tuple[str, Path | None]]:
    """Expand sources into (name as shown, path) pairs; '-' stands for stdin (path None).

    A folder gives its manifest files, sorted, and those of its subfolders when `recursive`.
    A kustomize folder or a Helm chart is refused with what to run instead.
    """
    found: list[tuple[str, Path | None]] = []
    for source in sources:
        if source == "-":
            found.append(("-", None))
            continue
        path = Path(source)
        if path.exists():
            renderers.refuse_rendered(path, source, recursive)
        if path.is_dir():
            if (path / RECORD).is_file():
                raise InputError(f"is an output folder of eks2ecs (it holds {RECORD}), not "
                                 "manifests: give the folder it was translated from", source)
            # an output folder (or one being written) inside the input is eks2ecs's own
            outputs = {p.parent for p in path.rglob(RECORD)} if recursive else set()
            files = sorted(
                p for p in (path.rglob("*") if recursive else path.iterdir())
                if p.is_file() and p.suffix.lower() in MANIFEST_SUFFIXES
                and outputs.isdisjoint(p.parents)
                and p.name not in NOT_MANIFESTS  # the options file beside the manifests
            )
            if not files:
                hint = "" if recursive else " (use -R to read its subfolders)"
                raise InputError(f"no *.yaml, *.yml or *.json files in this folder{hint}", source)
            found.extend((str(p), p) for p in files)
        elif path.is_file():
            found.append((source, path))
        else:
            raise InputError("no such file or folder", source)
    return found


def load(sources: Iterable[str], stdin: str | None = None, recursive: bool = True) -> list[Manifest]:
    """Every Kubernetes object in the sources, in the order given (folders sorted by path)."""
    manifests: list[Manifest] = []
    for shown, path in discover(sources, recursive):
        if path is None:
            text = stdin if stdin is not None else _decode(sys.stdin.buffer.read(), "-")
            manifests.extend(_from_helm_sources(text))
        else:
            manifests.extend(parse_text(_read(path, shown), shown))
    return manifests


# `helm template` heads each document with the template it came from; a stream on stdin has
# no other name, so its objects are located there (chart/templates/x.yaml:12, not -:132).
_HELM_SOURCE = re.compile(r"^# Source: (\S.*?)\s*$")
_DOCUMENT_START = re.compile(r"^---(\s|$)")


def _from_helm_sources(text: str) -> list[Manifest]:
    """The objects of a stream on stdin, each at its helm `# Source:` template and its line
    counted from the line after that comment (where the document starts in the template)."""
    heads: dict[int, tuple[str, int] | None] = {}  # line -> (template, its comment's line)
    current: tuple[str, int] | None = None
    for number, written in enumerate(text.splitlines(), 1):
        if _DOCUMENT_START.match(written):
            current = None
        elif found := _HELM_SOURCE.match(written):
            current = (found.group(1), number)
        heads[number] = current

    def where(line: int | None) -> tuple[str, int | None]:
        head = heads.get(line or 0)
        return ("-", line) if head is None or line is None else (head[0], line - head[1])

    try:
        manifests = list(parse_text(text, "-"))
    except InputError as exc:
        file, at = where(exc.line)
        raise dataclasses.replace(exc, file=file, line=at) from None
    for manifest in manifests:
        head = heads.get(manifest.line)
        if head is not None:
            manifest.file, manifest.line = head[0], manifest.line - head[1]
            manifest.lines = {p: n - head[1] for p, n in manifest.lines.items()}
    return manifests


def load_kustomized(folder: str) -> list[Manifest]:
    """The objects a kustomize folder builds (`-k DIR`, as `kubectl apply -k DIR`)."""
    text, shown = renderers.kustomize(folder)
    return list(parse_text(text, shown))
