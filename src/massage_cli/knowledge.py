"""Find, read and validate knowledge-base YAML files, and merge their layers into one model."""

from __future__ import annotations

import datetime as _dt
import difflib
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from .model import (
    Action,
    Benefits,
    Clinic,
    Condition,
    Evidence,
    EvidenceLevel,
    Faq,
    KnowledgeBase,
    RedFlag,
    Source,
    Verdict,
)
from .textclean import clean_text

MAX_FILE_BYTES = 32 * 1024 * 1024
"""Files larger than this are refused before parsing."""

MAX_NODES = 2_000_000
"""Values allowed in one file once YAML aliases are expanded; bounds 'billion laughs' documents."""

BUNDLED_NAME = "conditions.yaml"

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_STR = "tag:yaml.org,2002:str"
_SCALAR_TAGS = {
    _STR,
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:timestamp",
}
_KEBAB = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_ICD10 = re.compile(r"^[A-Z][0-9][0-9A-Z](?:\.[0-9A-Z]{1,4})?$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_URL = re.compile(r"^https://[^\s/?#]+\.[^\s/?#]+(?:[/?#]\S*)?$")

Path_ = tuple[Any, ...]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a knowledge-base file, and where it is."""

    file: str
    line: int | None
    column: int | None
    path: str
    message: str

    def __str__(self) -> str:
        place = self.file
        if self.line is not None:
            place += f":{self.line}:{self.column or 1}"
        return f"{place}: {self.path + ': ' if self.path else ''}{self.message}"


class KnowledgeBaseError(Exception):
    """The knowledge base cannot be used; `problems` says every reason found."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class Layer:
    """One file in the stack of knowledge bases, and whether it must exist."""

    path: Path
    origin: str
    """Where it came from: bundled, user, env or option."""
    required: bool = True


# --------------------------------------------------------------------------- finding files


def bundled_path() -> Path:
    """The knowledge base shipped with the package (or, in a source checkout, data/)."""
    try:
        candidate = resources.files("massage_cli").joinpath("data", BUNDLED_NAME)
        if candidate.is_file():
            return Path(str(candidate))
    except (ModuleNotFoundError, OSError):  # pragma: no cover - zipped or odd installs
        pass
    # An editable install or a source checkout: src/massage_cli/knowledge.py -> data/.
    return Path(__file__).resolve().parents[2] / "data" / BUNDLED_NAME


# --------------------------------------------------------------------------- reading YAML


@dataclass
class _Doc:
    """A parsed file: its data and the line and column of every value in it."""

    file: str
    data: Any
    marks: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    key_marks: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    """Where each mapping key is written (for problems about the key itself)."""

    def place(self, path: Path_) -> tuple[int | None, int | None]:
        """The 1-based line and column of the value at path, or of its nearest parent."""
        for end in range(len(path), -1, -1):
            mark = self.marks.get(path[:end])
            if mark is not None:
                return mark
        return None, None


def _fmt_path(path: Path_) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


class _Reader:
    """Turns a composed YAML node tree into plain data, refusing anything unsafe."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.marks: dict[Path_, tuple[int, int]] = {}
        self.key_marks: dict[Path_, tuple[int, int]] = {}
        self.problems: list[Problem] = []
        self.visits = 0

    def problem(self, node: yaml.Node, path: Path_, message: str) -> None:
        self.problems.append(
            Problem(
                self.file,
                node.start_mark.line + 1,
                node.start_mark.column + 1,
                _fmt_path(path),
                message,
            )
        )

    def read(self, node: yaml.Node, path: Path_) -> Any:
        self.visits += 1
        if self.visits > MAX_NODES:
            raise _TooBig
        self.marks[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            if node.tag != "tag:yaml.org,2002:seq":
                self.problem(node, path, f"YAML tag {node.tag!r} is not allowed")
                return None
            return [self.read(item, (*path, i)) for i, item in enumerate(node.value)]
        return self._scalar(node, path)

    def _mapping(self, node: yaml.MappingNode, path: Path_) -> Any:
        if node.tag != "tag:yaml.org,2002:map":
            self.problem(node, path, f"YAML tag {node.tag!r} is not allowed")
            return None
        out: dict[str, Any] = {}
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                self.problem(key_node, path, "keys must be plain words (no '<<' merges or nested keys)")
                continue
            key = str(key_node.value)
            if key in seen:
                self.problem(
                    key_node,
                    (*path, key),
                    f"duplicate key {key!r} (first at line {seen[key]}); remove one",
                )
                continue
            seen[key] = key_node.start_mark.line + 1
            self.key_marks[(*path, key)] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            out[key] = self.read(value_node, (*path, key))
        return out

    def _scalar(self, node: yaml.Node, path: Path_) -> Any:
        tag, value = node.tag, node.value
        if tag not in _SCALAR_TAGS:
            self.problem(node, path, f"YAML tag {tag!r} is not allowed")
            return None
        if tag == _STR or tag == "tag:yaml.org,2002:timestamp":
            return value
        if tag == "tag:yaml.org,2002:null":
            return None
        if tag == "tag:yaml.org,2002:bool":
            return value.lower() in ("true", "yes", "on")
        if tag == "tag:yaml.org,2002:int":
            try:
                return int(value.replace("_", ""), 0)
            except ValueError:
                return value
        try:
            return float(value.replace("_", ""))
        except ValueError:
            return value


class _TooBig(Exception):
    pass


def _expanded_size(node: yaml.Node, memo: dict[int, int]) -> int:
    """How many values the node holds once every alias is expanded, without expanding any."""
    known = memo.get(id(node))
    if known is not None:
        return known
    size = 1
    if isinstance(node, yaml.SequenceNode):
        size += sum(_expanded_size(child, memo) for child in node.value)
    elif isinstance(node, yaml.MappingNode):
        size += sum(_expanded_size(k, memo) + _expanded_size(v, memo) for k, v in node.value)
    memo[id(node)] = size
    return size


def _line_of_offset(raw: bytes, offset: int) -> tuple[int, int]:
    before = raw[:offset]
    line = before.count(b"\n") + 1
    return line, offset - (before.rfind(b"\n") + 1) + 1


def read_document(path: Path, display: str | None = None) -> _Doc:
    """Read and parse one file into data with positions; KnowledgeBaseError on any problem."""
    name = display or str(path)

    def fail(message: str, line: int | None = None, column: int | None = None) -> KnowledgeBaseError:
        return KnowledgeBaseError([Problem(name, line, column, "", message)])

    try:
        if path.is_dir():
            raise fail("is a directory, not a YAML file")
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise fail(
                f"file is {size:,} bytes; the limit is {MAX_FILE_BYTES:,} bytes (refused before reading)"
            )
        raw = path.read_bytes()
    except FileNotFoundError:
        raise fail("file not found") from None
    except PermissionError:
        raise fail("permission denied: the file cannot be read") from None
    except OSError as exc:
        raise fail(f"cannot read the file: {exc.strerror or exc}") from None
    if len(raw) > MAX_FILE_BYTES:
        raise fail(f"file is larger than {MAX_FILE_BYTES:,} bytes (refused)")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line, column = _line_of_offset(raw, exc.start)
        raise fail("not UTF-8 text (save the file as UTF-8)", line, column) from None
    if not text.strip() or all(
        not ln.strip() or ln.lstrip().startswith("#") for ln in text.splitlines()
    ):
        raise fail("file is empty")
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        column = mark.column + 1 if mark else None
        message = f"YAML syntax error: {exc.problem or exc.context}"
        if mark is not None:
            bad_line = (text.splitlines()[mark.line : mark.line + 1] or [""])[0]
            if "\t" in bad_line[: mark.column + 1]:
                message = "tab character used for indentation; YAML needs spaces"
        raise fail(message, line, column) from None
    except yaml.YAMLError as exc:
        raise fail(f"YAML error: {exc}") from None
    if node is None:
        raise fail("file is empty")
    reader = _Reader(name)
    try:
        if _expanded_size(node, {}) > MAX_NODES:
            raise _TooBig
        data = reader.read(node, ())
    except _TooBig:
        raise fail(
            f"document expands to more than {MAX_NODES:,} values (too many YAML aliases?); refused"
        ) from None
    except RecursionError:
        raise fail("document is nested too deeply; refused") from None
    if reader.problems:
        raise KnowledgeBaseError(reader.problems)
    return _Doc(name, data, reader.marks, reader.key_marks)


# --------------------------------------------------------------------------- validating


MISSING: Any = object()
"""A required field that is absent (already reported)."""


class _Checker:
    """Collects every problem in one document while building its records."""

    def __init__(self, doc: _Doc) -> None:
        self.doc = doc
        self.problems: list[Problem] = []

    def add(self, path: Path_, message: str, *, at_key: bool = False) -> None:
        mark = self.doc.key_marks.get(path) if at_key else None
        line, column = mark or self.doc.place(path)
        self.problems.append(Problem(self.doc.file, line, column, _fmt_path(path), message))

    def mapping(self, value: Any, path: Path_, what: str) -> dict[str, Any] | None:
        if value is MISSING:
            return None
        if isinstance(value, dict):
            return value
        self.add(path, f"{what} must be a mapping (key: value lines), not {_kind(value)}")
        return None

    def fields(
        self,
        entry: dict[str, Any],
        path: Path_,
        required: Iterable[str],
        optional: Iterable[str] = (),
    ) -> dict[str, Any]:
        """Report unknown and missing fields; missing ones come back as MISSING, checked no further."""
        required = list(required)
        known = required + list(optional)
        for key in entry:
            if key not in known:
                hint = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
                extra = f" (did you mean {hint[0]!r}?)" if hint else f"; known fields: {', '.join(known)}"
                self.add((*path, key), f"unknown field {key!r}{extra}", at_key=True)
        for key in required:
            if key not in entry:
                self.add(path, f"missing required field {key!r}")
        return {**{key: MISSING for key in required}, **entry}

    def text(self, value: Any, path: Path_, *, allow_empty: bool = False) -> str:
        if value is MISSING:
            return ""
        if isinstance(value, bool) or value is None or isinstance(value, (dict, list)):
            self.add(path, f"must be text, not {_kind(value)}")
            return ""
        text = clean_text(str(value)).strip()
        if not text and not allow_empty:
            self.add(path, "must not be empty")
        return text

    def texts(self, value: Any, path: Path_, *, allow_empty: bool = False) -> tuple[str, ...]:
        if value is MISSING:
            return ()
        if isinstance(value, str):
            self.add(path, "must be a list of text items (start each line with '- '), not a single text")
            return ()
        if not isinstance(value, list):
            self.add(path, f"must be a list, not {_kind(value)}")
            return ()
        if not value and not allow_empty:
            self.add(path, "must list at least one item")
        return tuple(self.text(item, (*path, i)) for i, item in enumerate(value))

    def date(self, value: Any, path: Path_) -> str:
        if value is MISSING:
            return ""
        text = value if isinstance(value, str) else ""
        if _DATE.match(text):
            try:
                _dt.date.fromisoformat(text)
                return text
            except ValueError:
                pass
        self.add(path, f"{_show(value)} is not an ISO date (YYYY-MM-DD)")
        return ""

    def choice(self, value: Any, path: Path_, enum: Any) -> Any:
        if value is MISSING:
            return None
        for member in enum:
            if value == member.value:
                return member
        allowed = ", ".join(m.value for m in enum)
        self.add(path, f"{_show(value)} is not one of {allowed}")
        return None

    def ident(self, value: Any, path: Path_) -> str:
        text = self.text(value, path)
        if text and not _KEBAB.match(text):
            self.add(path, f"{_show(value)} is not kebab-case (lower-case words joined by '-')")
        return text

    def sources(self, value: Any, path: Path_) -> tuple[Source, ...]:
        if value is MISSING:
            return ()
        if not isinstance(value, list):
            self.add(path, f"must be a list of sources (title and url), not {_kind(value)}")
            return ()
        if not value:
            self.add(path, "must list at least one source")
        out = []
        for i, item in enumerate(value):
            entry = self.mapping(item, (*path, i), "a source")
            if entry is None:
                continue
            entry = self.fields(entry, (*path, i), ["title", "url"])
            title = self.text(entry["title"], (*path, i, "title"))
            url = self.text(entry["url"], (*path, i, "url"))
            if url and not _URL.match(url):
                self.add((*path, i, "url"), f"{_show(url)} is not an https:// address")
            out.append(Source(title, url))
        return tuple(out)


def _kind(value: Any) -> str:
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, (int, float)):
        return "a number"
    return "text"


def _show(value: Any) -> str:
    text = repr(clean_text(str(value)) if value is not None else None)
    return text if len(text) <= 60 else text[:57] + "...'"


_CONDITION_FIELDS = [
    "id",
    "name",
    "aliases",
    "icd10",
    "category",
    "verdict",
    "summary",
    "benefits",
    "precautions",
    "see_a_doctor_if",
    "cannot_replace",
    "evidence",
    "sources",
    "reviewed",
]


def _condition(ck: _Checker, entry: dict[str, Any], path: Path_) -> Condition | None:
    before = len(ck.problems)
    entry = ck.fields(entry, path, _CONDITION_FIELDS)
    evidence_path = (*path, "evidence")
    evidence_raw = ck.mapping(entry["evidence"], evidence_path, "evidence")
    evidence = None
    if evidence_raw is not None:
        evidence_raw = ck.fields(evidence_raw, evidence_path, ["level", "summary"])
        level = ck.choice(evidence_raw["level"], (*evidence_path, "level"), EvidenceLevel)
        summary = ck.text(evidence_raw["summary"], (*evidence_path, "summary"))
        if level is not None:
            evidence = Evidence(level, summary)
    codes = ck.texts(entry["icd10"], (*path, "icd10"), allow_empty=True)
    for i, code in enumerate(codes):
        if code and not _ICD10.match(code):
            ck.add(
                (*path, "icd10", i),
                f"{_show(code)} is not an ICD-10-CM code (like M54.50: a letter, two characters, "
                "then a dot and up to four more, upper case)",
            )
    condition = Condition(
        id=ck.ident(entry["id"], (*path, "id")),
        name=ck.text(entry["name"], (*path, "name")),
        aliases=ck.texts(entry["aliases"], (*path, "aliases"), allow_empty=True),
        icd10=codes,
        category=ck.ident(entry["category"], (*path, "category")),
        verdict=ck.choice(entry["verdict"], (*path, "verdict"), Verdict),
        summary=ck.text(entry["summary"], (*path, "summary")),
        benefits=ck.texts(entry["benefits"], (*path, "benefits")),
        precautions=ck.texts(entry["precautions"], (*path, "precautions")),
        see_a_doctor_if=ck.texts(entry["see_a_doctor_if"], (*path, "see_a_doctor_if")),
        cannot_replace=ck.texts(entry["cannot_replace"], (*path, "cannot_replace")),
        evidence=evidence,  # type: ignore[arg-type]
        sources=ck.sources(entry["sources"], (*path, "sources")),
        reviewed=ck.date(entry["reviewed"], (*path, "reviewed")),
    )
    return condition if len(ck.problems) == before else None


def _faq(ck: _Checker, entry: dict[str, Any], path: Path_) -> Faq | None:
    before = len(ck.problems)
    entry = ck.fields(entry, path, ["id", "question", "answer", "sources"], ["topics"])
    faq = Faq(
        id=ck.ident(entry["id"], (*path, "id")),
        question=ck.text(entry["question"], (*path, "question")),
        answer=ck.text(entry["answer"], (*path, "answer")),
        topics=ck.texts(entry.get("topics", []), (*path, "topics"), allow_empty=True),
        sources=ck.sources(entry["sources"], (*path, "sources")),
    )
    return faq if len(ck.problems) == before else None


def _red_flag(ck: _Checker, entry: dict[str, Any], path: Path_) -> RedFlag | None:
    before = len(ck.problems)
    fields = ["id", "name", "action", "may_mean", "message", "phrases", "sources"]
    entry = ck.fields(entry, path, fields, ["question"])
    flag = RedFlag(
        id=ck.ident(entry["id"], (*path, "id")),
        name=ck.text(entry["name"], (*path, "name")),
        action=ck.choice(entry["action"], (*path, "action"), Action),
        may_mean=ck.text(entry["may_mean"], (*path, "may_mean")),
        message=ck.text(entry["message"], (*path, "message")),
        phrases=ck.texts(entry["phrases"], (*path, "phrases")),
        sources=ck.sources(entry["sources"], (*path, "sources")),
        question=ck.text(entry.get("question", ""), (*path, "question"), allow_empty=True),
    )
    return flag if len(ck.problems) == before else None


_SECTIONS: dict[str, Callable[[_Checker, dict[str, Any], Path_], Any]] = {
    "conditions": _condition,
    "faq": _faq,
    "red_flags": _red_flag,
}
_TOP_FIELDS = ["version", "reviewed", "icd10_release", "disclaimer", "clinic", "benefits", *_SECTIONS]


@dataclass
class LayerData:
    """The validated content of one file: only the parts it sets."""

    doc: _Doc
    scalars: dict[str, str]
    benefits: Benefits | None
    clinic: Clinic | None
    entries: dict[str, list[tuple[Any, int]]]
    """Records of each section, with their index in the file's list."""

    @property
    def file(self) -> str:
        """The file's name as shown in messages."""
        return self.doc.file

    def problem(self, path: Path_, message: str) -> Problem:
        """A problem at a place in this file."""
        line, column = self.doc.place(path)
        return Problem(self.file, line, column, _fmt_path(path), message)


def validate_document(doc: _Doc) -> LayerData:
    """Check one parsed file and build its records; KnowledgeBaseError lists every problem."""
    ck = _Checker(doc)
    top = ck.mapping(doc.data, (), "the top level of a knowledge-base file")
    if top is None:
        raise KnowledgeBaseError(ck.problems)
    ck.fields(top, (), [], _TOP_FIELDS)
    scalars: dict[str, str] = {}
    for key in ("version", "icd10_release", "disclaimer"):
        if key in top:
            value = top[key]
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                value = str(value)
            scalars[key] = ck.text(value, (key,))
    if "reviewed" in top:
        scalars["reviewed"] = ck.date(top["reviewed"], ("reviewed",))
    benefits = None
    if "benefits" in top:
        raw = ck.mapping(top["benefits"], ("benefits",), "benefits")
        if raw is not None:
            raw = ck.fields(raw, ("benefits",), ["can_do", "cannot_do", "sources"])
            benefits = Benefits(
                can_do=ck.texts(raw["can_do"], ("benefits", "can_do")),
                cannot_do=ck.texts(raw["cannot_do"], ("benefits", "cannot_do")),
                sources=ck.sources(raw["sources"], ("benefits", "sources")),
            )
    clinic = None
    if "clinic" in top:
        raw = ck.mapping(top["clinic"], ("clinic",), "clinic")
        if raw is not None:
            raw = ck.fields(raw, ("clinic",), ["name"], ["contact"])
            clinic = Clinic(
                name=ck.text(raw["name"], ("clinic", "name")),
                contact=ck.text(raw.get("contact", ""), ("clinic", "contact"), allow_empty=True),
            )
    entries: dict[str, list[tuple[Any, int]]] = {}
    for section, build in _SECTIONS.items():
        if section not in top:
            continue
        items = top[section]
        if not isinstance(items, list):
            ck.add((section,), f"must be a list of entries (each starting with '- '), not {_kind(items)}")
            continue
        built = []
        seen: dict[str, int] = {}
        for i, item in enumerate(items):
            path = (section, i)
            entry = ck.mapping(item, path, "each entry")
            if entry is None:
                continue
            record = build(ck, entry, path)
            if record is None:
                continue
            if record.id in seen:
                line, _ = doc.place((section, seen[record.id]))
                ck.add(
                    (*path, "id"),
                    f"duplicate id {record.id!r} (also {section}[{seen[record.id]}] at line {line})",
                )
                continue
            seen[record.id] = i
            built.append((record, i))
        entries[section] = built
    if ck.problems:
        raise KnowledgeBaseError(ck.problems)
    return LayerData(doc, scalars, benefits, clinic, entries)


# --------------------------------------------------------------------------- merging layers


def _code_key(code: str) -> str:
    return code.replace(".", "").upper()


def merge_layers(layers: list[LayerData]) -> KnowledgeBase:
    """Stack validated layers: later ones add entries or replace same-id entries whole."""
    scalars: dict[str, str] = {}
    benefits: Benefits | None = None
    clinic: Clinic | None = None
    merged: dict[str, dict[str, tuple[Any, LayerData, int]]] = {section: {} for section in _SECTIONS}
    for layer in layers:
        scalars.update(layer.scalars)
        benefits = layer.benefits or benefits
        clinic = layer.clinic or clinic
        for section, records in layer.entries.items():
            for record, index in records:
                merged[section][record.id] = (record, layer, index)
    problems = _check_unique(merged["conditions"])
    missing = [key for key in ("version", "reviewed", "disclaimer") if key not in scalars]
    if benefits is None:
        missing.append("benefits")
    if not layers:
        problems.append(Problem("(none)", None, None, "", "no knowledge-base files to load"))
    elif missing:
        names = ", ".join(layer.file for layer in layers)
        problems.append(
            Problem(names, None, None, "", f"no layer sets {', '.join(missing)} (a base file needs them)")
        )
    if problems:
        raise KnowledgeBaseError(problems)
    assert benefits is not None
    return KnowledgeBase(
        version=scalars["version"],
        reviewed=scalars["reviewed"],
        disclaimer=scalars["disclaimer"],
        benefits=benefits,
        conditions=tuple(r for r, _, _ in merged["conditions"].values()),
        faq=tuple(r for r, _, _ in merged["faq"].values()),
        red_flags=tuple(r for r, _, _ in merged["red_flags"].values()),
        icd10_release=scalars.get("icd10_release", ""),
        clinic=clinic,
    )


def _check_unique(conditions: dict[str, tuple[Condition, LayerData, int]]) -> list[Problem]:
    """No two conditions may share a name, alias or code: each must lead to one condition."""
    from .matching import compact

    problems: list[Problem] = []
    owners: dict[tuple[str, str], tuple[str, LayerData, Path_]] = {}
    for cid, (condition, layer, index) in conditions.items():
        base: Path_ = ("conditions", index)
        keys: list[tuple[str, str, Path_]] = [
            ("name or alias", compact(condition.id), (*base, "id")),
            ("name or alias", compact(condition.name), (*base, "name")),
        ]
        keys += [("name or alias", compact(a), (*base, "aliases", j)) for j, a in enumerate(condition.aliases)]
        keys += [("ICD-10-CM code", _code_key(c), (*base, "icd10", j)) for j, c in enumerate(condition.icd10)]
        for kind, key, path in keys:
            if not key:
                continue
            other = owners.setdefault((kind, key), (cid, layer, path))
            if other[0] == cid:
                continue
            where = other[1].problem(other[2], "")
            problems.append(
                layer.problem(
                    path,
                    f"{kind} {key!r} is also used by condition {other[0]!r} "
                    f"({where.file}:{where.line}: {where.path}); each must lead to one condition",
                )
            )
    return problems


def check_layers(layers: Iterable[Layer]) -> tuple[list[Problem], KnowledgeBase | None]:
    """Every problem in every file and in their merge, and the merged base if there are none."""
    data: list[LayerData] = []
    problems: list[Problem] = []
    for layer in layers:
        if not layer.required and not layer.path.exists():
            continue
        try:
            data.append(validate_document(read_document(layer.path)))
        except KnowledgeBaseError as exc:
            problems.extend(exc.problems)
    if problems:
        return problems, None
    try:
        return [], merge_layers(data)
    except KnowledgeBaseError as exc:
        return exc.problems, None


def load_layers(layers: Iterable[Layer]) -> KnowledgeBase:
    """Read, validate and merge files in order; KnowledgeBaseError lists every problem."""
    problems, kb = check_layers(layers)
    if kb is None:
        raise KnowledgeBaseError(problems)
    return kb


def load_bundled() -> KnowledgeBase:
    """The knowledge base shipped with massage-cli."""
    return load_layers([Layer(bundled_path(), "bundled")])


def env_paths(value: str | None) -> Iterator[Path]:
    """Paths listed in an environment variable, split on the platform's path separator."""
    for part in (value or "").split(os.pathsep):
        if part.strip():
            yield Path(part)
