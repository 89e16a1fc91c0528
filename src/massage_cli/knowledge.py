"""Find, read and validate knowledge-base YAML files, and merge their layers into one model."""

from __future__ import annotations

import datetime as _dt
import difflib
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .layers import MAX_FILE_BYTES, KnowledgeBaseError, Layer, Problem, bundled_path
from .model import (
    BODY_PARTS,
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

MAX_NODES = 2_000_000
"""Values allowed in one file once YAML aliases are expanded; bounds 'billion laughs' documents."""

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


_RESOLVER = yaml.resolver.Resolver()
_STD_COLLECTIONS = {None, "!", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:map"}
STREAMED: Any = object()
"""Stands in the top-level data for a section whose entries were handed out one by one."""


class _TooBig(Exception):
    pass


def _at(event: yaml.Event) -> tuple[int, int]:
    """The 1-based line and column where an event starts."""
    mark = event.start_mark
    return (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)


class _EventReader:
    """Builds plain data from a YAML event stream, refusing anything unsafe.

    Works on events rather than a node tree so that a large file never sits in memory twice:
    each entry of a section is built, handed out with its own positions, and dropped.
    """

    def __init__(self, file: str, events: Iterator[yaml.Event]) -> None:
        self.file = file
        self.events = events
        self.problems: list[Problem] = []
        self.visits = 0
        self.anchors: dict[str, tuple[Any, int]] = {}
        self.marks: dict[Path_, tuple[int, int]] = {}
        self.key_marks: dict[Path_, tuple[int, int]] = {}

    def problem(self, event: yaml.Event, path: Path_, message: str) -> None:
        line, column = _at(event)
        self.problems.append(Problem(self.file, line, column, _fmt_path(path), message))

    def expect(self, kind: type) -> yaml.Event:
        event = next(self.events)
        if not isinstance(event, kind):  # pragma: no cover - the parser guarantees the grammar
            raise yaml.YAMLError(f"unexpected {type(event).__name__}")
        return event

    def _count(self, size: int) -> None:
        self.visits += size
        if self.visits > MAX_NODES:
            raise _TooBig

    def node(self, path: Path_, event: yaml.Event | None = None) -> tuple[Any, int]:
        """Read one value (and everything under it); its data and how many values it holds."""
        event = event or next(self.events)
        self.marks[path] = _at(event)
        if isinstance(event, yaml.AliasEvent):
            value, size = self.anchors.get(event.anchor or "", (None, 1))
            if event.anchor not in self.anchors:  # pragma: no cover - the parser rejects these
                self.problem(event, path, f"unknown alias *{event.anchor}")
            self._count(size)
            return value, size
        if isinstance(event, yaml.ScalarEvent):
            self._count(1)
            value = self._scalar(event, path)
            size = 1
        elif isinstance(event, yaml.SequenceStartEvent):
            self._count(1)
            value, size = self._sequence(event, path)
        elif isinstance(event, yaml.MappingStartEvent):
            self._count(1)
            value, size = self._mapping(event, path)
        else:  # pragma: no cover - the parser guarantees the grammar
            raise yaml.YAMLError(f"unexpected {type(event).__name__}")
        if event.anchor:
            self.anchors[event.anchor] = (value, size)
        return value, size

    def _sequence(self, start: yaml.SequenceStartEvent, path: Path_) -> tuple[Any, int]:
        allowed = start.tag in _STD_COLLECTIONS
        if not allowed:
            self.problem(start, path, f"YAML tag {start.tag!r} is not allowed")
        items: list[Any] = []
        size = 1
        while not isinstance(event := next(self.events), yaml.SequenceEndEvent):
            value, n = self.node((*path, len(items)), event)
            items.append(value)
            size += n
        return (items if allowed else None), size

    def _mapping(self, start: yaml.MappingStartEvent, path: Path_) -> tuple[Any, int]:
        allowed = start.tag in _STD_COLLECTIONS
        if not allowed:
            self.problem(start, path, f"YAML tag {start.tag!r} is not allowed")
        out: dict[str, Any] = {}
        seen: dict[str, int] = {}
        size = 1
        while not isinstance(event := next(self.events), yaml.MappingEndEvent):
            key = self.key(event, path)
            value_event = next(self.events)
            if key is None or key in seen:
                if key is not None:
                    self.problem(
                        event, (*path, key), f"duplicate key {key!r} (first at line {seen[key]}); remove one"
                    )
                self.skip(value_event)
                continue
            self.key_marks[(*path, key)] = _at(event)
            seen[key] = _at(event)[0]
            value, n = self.node((*path, key), value_event)
            out[key] = value
            size += n
        return (out if allowed else None), size

    def key(self, event: yaml.Event, path: Path_) -> str | None:
        """A mapping key: a plain scalar word. Anything else is reported and skipped."""
        if isinstance(event, yaml.ScalarEvent) and event.value != "<<":
            return str(event.value)
        self.problem(event, path, "keys must be plain words (no '<<' merges or nested keys)")
        if not isinstance(event, (yaml.ScalarEvent, yaml.AliasEvent)):
            self.skip(event)
        return None

    def skip(self, event: yaml.Event) -> None:
        """Consume a value without building it."""
        depth = 0
        while True:
            if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
                depth += 1
            elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
                depth -= 1
            if depth == 0:
                return
            event = next(self.events)

    def _scalar(self, event: yaml.ScalarEvent, path: Path_) -> Any:
        tag, value = event.tag, event.value
        if tag in (None, "!"):
            tag = _RESOLVER.resolve(yaml.ScalarNode, value, (True, False)) if event.implicit[0] else _STR  # type: ignore[no-untyped-call]
        if tag not in _SCALAR_TAGS:
            self.problem(event, path, f"YAML tag {tag!r} is not allowed")
            return None
        if tag == _STR or tag == "tag:yaml.org,2002:timestamp":
            return value
        if tag == "tag:yaml.org,2002:null":
            return None
        if tag == "tag:yaml.org,2002:bool":
            return value.lower() in ("true", "yes", "on")
        try:
            return (
                int(value.replace("_", ""), 0)
                if tag == "tag:yaml.org,2002:int"
                else float(value.replace("_", ""))
            )
        except ValueError:
            return value


def _line_of_offset(raw: bytes, offset: int) -> tuple[int, int]:
    before = raw[:offset]
    line = before.count(b"\n") + 1
    return line, offset - (before.rfind(b"\n") + 1) + 1


def _read_text(path: Path, fail: Callable[..., KnowledgeBaseError]) -> str:
    """The file's text, after the checks that need no parsing."""
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
    if not any(ln.strip() and not ln.lstrip().startswith("#") for ln in text.splitlines()):
        raise fail("file is empty")
    return text


def parse_document(path: Path, display: str | None = None) -> Iterator[tuple[str, Any]]:
    """Parse a file, yielding ("entry", (section, index, doc)) for each section entry as it is
    read, then ("top", doc) for the top level and ("problems", [...]) for what the reader refused.

    File-level problems (missing, not UTF-8, syntax) raise KnowledgeBaseError.
    """
    name = display or str(path)

    def fail(message: str, line: int | None = None, column: int | None = None) -> KnowledgeBaseError:
        return KnowledgeBaseError([Problem(name, line, column, "", message)])

    text = _read_text(path, fail)
    reader = _EventReader(name, yaml.parse(text, Loader=_Loader))
    try:
        reader.expect(yaml.StreamStartEvent)
        if isinstance(next(reader.events), yaml.StreamEndEvent):
            raise fail("file is empty")
        first = next(reader.events)
        top: Any
        if isinstance(first, yaml.MappingStartEvent) and first.tag in _STD_COLLECTIONS:
            top = {}
            reader.marks[()] = _at(first)
            seen: dict[str, int] = {}
            while not isinstance(event := next(reader.events), yaml.MappingEndEvent):
                key = reader.key(event, ())
                value_event = next(reader.events)
                if key is None or key in seen:
                    if key is not None:
                        reader.problem(
                            event, (key,), f"duplicate key {key!r} (first at line {seen[key]}); remove one"
                        )
                    reader.skip(value_event)
                    continue
                seen[key] = _at(event)[0]
                reader.key_marks[(key,)] = _at(event)
                if (
                    key in _SECTIONS
                    and isinstance(value_event, yaml.SequenceStartEvent)
                    and value_event.tag in _STD_COLLECTIONS
                ):
                    reader.marks[(key,)] = _at(value_event)
                    top_marks, top_keys = reader.marks, reader.key_marks
                    index = 0
                    while not isinstance(item := next(reader.events), yaml.SequenceEndEvent):
                        reader.marks, reader.key_marks = {}, {}
                        value, _ = reader.node((key, index), item)
                        yield "entry", (key, index, _Doc(name, value, reader.marks, reader.key_marks))
                        index += 1
                    reader.marks, reader.key_marks = top_marks, top_keys
                    top[key] = STREAMED
                else:
                    top[key], _ = reader.node((key,), value_event)
        else:
            top, _ = reader.node((), first)
        reader.expect(yaml.DocumentEndEvent)
        if not isinstance(next(reader.events), yaml.StreamEndEvent):
            raise fail("the file holds more than one YAML document (remove the extra '---')")
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        column = mark.column + 1 if mark else None
        message = f"YAML syntax error: {exc.problem or exc.context}"
        if mark is not None:
            bad_line = (text.splitlines()[mark.line : mark.line + 1] or [""])[0]
            if "\t" in bad_line[: mark.column + 1]:
                message = "tab character used for indentation; YAML needs spaces"
        raise KnowledgeBaseError([*reader.problems, Problem(name, line, column, "", message)]) from None
    except yaml.YAMLError as exc:
        raise fail(f"YAML error: {exc}") from None
    except _TooBig:
        raise fail(
            f"document expands to more than {MAX_NODES:,} values (too many YAML aliases?); refused"
        ) from None
    except RecursionError:
        raise fail("document is nested too deeply; refused") from None
    yield "top", _Doc(name, top, reader.marks, reader.key_marks)
    yield "problems", reader.problems


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
    entry = ck.fields(entry, path, _CONDITION_FIELDS, ["body_parts", "code_notes"])
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
    body_parts = ck.texts(entry.get("body_parts", []), (*path, "body_parts"), allow_empty=True)
    for i, part in enumerate(body_parts):
        if part and part not in BODY_PARTS:
            hint = difflib.get_close_matches(part, BODY_PARTS, n=1, cutoff=0.6)
            extra = (
                f" (did you mean {hint[0]!r}?)" if hint else f"; known body parts: {', '.join(BODY_PARTS)}"
            )
            ck.add((*path, "body_parts", i), f"{_show(part)} is not a known body part{extra}")
    code_notes = _code_notes(ck, entry.get("code_notes", MISSING), (*path, "code_notes"), codes)
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
        body_parts=body_parts,
        code_notes=code_notes,
    )
    return condition if len(ck.problems) == before else None


def _code_notes(ck: _Checker, value: Any, path: Path_, codes: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """Notes shown when an entry is reached by one of its codes (code: note)."""
    raw = ck.mapping(value, path, "code_notes")
    if raw is None:
        return ()
    notes = []
    for code, note in raw.items():
        if code not in codes:
            ck.add((*path, code), f"{_show(code)} is not one of this entry's icd10 codes", at_key=True)
            continue
        notes.append((code, ck.text(note, (*path, code))))
    return tuple(notes)


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
    entry = ck.fields(entry, path, fields, ["question", "context", "min_age"])
    min_age = entry.get("min_age", 0)
    if isinstance(min_age, bool) or not isinstance(min_age, int) or not 0 <= min_age <= 120:
        ck.add((*path, "min_age"), f"{_show(min_age)} is not an age (a whole number from 0 to 120)")
        min_age = 0
    flag = RedFlag(
        id=ck.ident(entry["id"], (*path, "id")),
        name=ck.text(entry["name"], (*path, "name")),
        action=ck.choice(entry["action"], (*path, "action"), Action),
        may_mean=ck.text(entry["may_mean"], (*path, "may_mean")),
        message=ck.text(entry["message"], (*path, "message")),
        phrases=ck.texts(entry["phrases"], (*path, "phrases")),
        sources=ck.sources(entry["sources"], (*path, "sources")),
        question=ck.text(entry.get("question", ""), (*path, "question"), allow_empty=True),
        context=ck.texts(entry.get("context", []), (*path, "context"), allow_empty=True),
        min_age=min_age,
    )
    return flag if len(ck.problems) == before else None


_SECTIONS: dict[str, Callable[[_Checker, dict[str, Any], Path_], Any]] = {
    "conditions": _condition,
    "faq": _faq,
    "red_flags": _red_flag,
}
_TOP_FIELDS = ["version", "reviewed", "icd10_release", "disclaimer", "clinic", "benefits", *_SECTIONS]


Place = tuple[int | None, int | None, str]
"""Line, column and field path of a value."""


@dataclass
class LayerData:
    """The validated content of one file: only the parts it sets."""

    file: str
    scalars: dict[str, str]
    benefits: Benefits | None
    clinic: Clinic | None
    entries: dict[str, list[Any]]
    """Records of each section, in file order."""
    places: dict[str, list[tuple[str, str, Place]]] = field(default_factory=dict)
    """For each condition id: (kind, key, place) of its id, name, aliases and codes."""


def _condition_keys(condition: Condition, doc: _Doc, base: Path_) -> list[tuple[str, str, Place]]:
    """The names and codes that must lead to this condition alone, with where each is written."""
    from .words import compact

    named: list[tuple[str, str, Path_]] = [
        ("name or alias", compact(condition.id), (*base, "id")),
        ("name or alias", compact(condition.name), (*base, "name")),
    ]
    named += [("name or alias", compact(a), (*base, "aliases", j)) for j, a in enumerate(condition.aliases)]
    named += [("ICD-10-CM code", _code_key(c), (*base, "icd10", j)) for j, c in enumerate(condition.icd10)]
    return [(kind, key, (*doc.place(path), _fmt_path(path))) for kind, key, path in named if key]


def validate_file(path: Path, display: str | None = None) -> LayerData:
    """Read and check one file, entry by entry; KnowledgeBaseError lists every problem."""
    name = display or str(path)
    ck = _Checker(_Doc(name, None))
    entries: dict[str, list[Any]] = {}
    places: dict[str, list[tuple[str, str, Place]]] = {}
    seen: dict[tuple[str, str], tuple[int, int | None]] = {}
    reader_problems: list[Problem] = []
    top_doc = _Doc(name, None)
    for kind, item in parse_document(path, name):
        if kind == "entry":
            section, index, doc = item
            ck.doc = doc
            path_ = (section, index)
            entry = ck.mapping(doc.data, path_, "each entry")
            record = _SECTIONS[section](ck, entry, path_) if entry is not None else None
            if record is None:
                continue
            first = seen.get((section, record.id))
            if first is not None:
                ck.add(
                    (*path_, "id"),
                    f"duplicate id {record.id!r} (also {section}[{first[0]}] at line {first[1]})",
                )
                continue
            seen[(section, record.id)] = (index, doc.place(path_)[0])
            entries.setdefault(section, []).append(record)
            if section == "conditions":
                places[record.id] = _condition_keys(record, doc, path_)
        elif kind == "top":
            top_doc = item
        else:
            reader_problems = item
    ck.doc = top_doc
    scalars, benefits, clinic = _validate_top(ck, top_doc.data)
    problems = reader_problems + ck.problems
    if problems:
        error = KnowledgeBaseError(sorted(problems, key=lambda p: (p.line or 0, p.column or 0)))
        # The entries that were valid still take part in the checks across entries and files.
        error.partial = LayerData(name, scalars, benefits, clinic, entries, places)
        raise error
    return LayerData(name, scalars, benefits, clinic, entries, places)


def _validate_top(ck: _Checker, data: Any) -> tuple[dict[str, str], Benefits | None, Clinic | None]:
    """The top level: scalar fields, benefits, clinic, and the type of each section."""
    top = ck.mapping(data, (), "the top level of a knowledge-base file")
    if top is None:
        return {}, None, None
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
    for section in _SECTIONS:
        if section in top and top[section] is not STREAMED and top[section] is not None:
            ck.add(
                (section,), f"must be a list of entries (each starting with '- '), not {_kind(top[section])}"
            )
    return scalars, benefits, clinic


# --------------------------------------------------------------------------- merging layers


def _code_key(code: str) -> str:
    return code.replace(".", "").upper()


def merge_layers(layers: list[LayerData]) -> KnowledgeBase:
    """Stack validated layers: later ones add entries or replace same-id entries whole."""
    scalars: dict[str, str] = {}
    benefits: Benefits | None = None
    clinic: Clinic | None = None
    for layer in layers:
        scalars.update(layer.scalars)
        benefits = layer.benefits or benefits
        clinic = layer.clinic or clinic
    merged, owner_file = _stack(layers)
    problems = _check_unique(merged["conditions"], owner_file)
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
        conditions=tuple(merged["conditions"].values()),
        faq=tuple(merged["faq"].values()),
        red_flags=tuple(merged["red_flags"].values()),
        icd10_release=scalars.get("icd10_release", ""),
        clinic=clinic,
    )


def _stack(layers: list[LayerData]) -> tuple[dict[str, dict[str, Any]], dict[str, LayerData]]:
    """Each section's entries by id, later layers replacing earlier ones; and each condition's file."""
    merged: dict[str, dict[str, Any]] = {section: {} for section in _SECTIONS}
    owner: dict[str, LayerData] = {}
    for layer in layers:
        for section, records in layer.entries.items():
            for record in records:
                merged[section][record.id] = record
                if section == "conditions":
                    owner[record.id] = layer
    return merged, owner


def _check_unique(conditions: dict[str, Condition], owner: dict[str, LayerData]) -> list[Problem]:
    """No two conditions may share a name, alias or code: each must lead to one condition."""
    problems: list[Problem] = []
    owners: dict[tuple[str, str], tuple[str, str, Place]] = {}
    for cid in conditions:
        layer = owner[cid]
        for kind, key, place in layer.places[cid]:
            other = owners.setdefault((kind, key), (cid, layer.file, place))
            if other[0] == cid:
                continue
            line, column, path = place
            problems.append(
                Problem(
                    layer.file,
                    line,
                    column,
                    path,
                    f"{kind} {key!r} is also used by condition {other[0]!r} "
                    f"({other[1]}:{other[2][0]}: {other[2][2]}); each must lead to one condition",
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
            data.append(validate_file(layer.path))
        except KnowledgeBaseError as exc:
            problems.extend(exc.problems)
            if exc.partial is not None:
                data.append(exc.partial)
    if problems:
        merged, owner = _stack(data)
        return problems + _check_unique(merged["conditions"], owner), None
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
