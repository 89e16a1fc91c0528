"""Find, read and validate knowledge-base YAML files, and merge their layers into one model."""

from __future__ import annotations

import datetime as _dt
import enum
import functools
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import yaml

from .layers import MAX_FILE_BYTES, KnowledgeBaseError, Layer, Problem, bundled_path
from .statements import WHO
from .model import (
    CONCEPT_KINDS,
    Concept,
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
# The patterns are written so that JSON Schema (ECMA-262 regular expressions) reads them the same
# way; schema.py uses these very strings.
KEBAB_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
ICD10_PATTERN = r"^[A-Z][0-9][0-9A-Z](?:\.[0-9A-Z]{1,4})?$"
DATE_PATTERN = r"^[0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])$"
URL_PATTERN = r"^https://[^\s/?#]+\.[^\s/?#]+(?:[/?#]\S*)?$"
_KEBAB = re.compile(KEBAB_PATTERN)
_ICD10 = re.compile(ICD10_PATTERN)
_DATE = re.compile(DATE_PATTERN)
_URL = re.compile(URL_PATTERN)
MIN_AGE_RANGE = (0, 120)
"""The ages a red flag's `min_age` may give, inclusive."""

PATCH = "patch"
"""The field that marks an entry as a change to a lower layer's entry with the same id."""

# Required and optional fields of each part of a file. The loader checks against these and
# schema.py builds the JSON Schema from them, so the two cannot disagree about field names.
CONDITION_REQUIRED = (
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
)
CONDITION_OPTIONAL = ("body_parts", "code_notes")
EVIDENCE_FIELDS = ("level", "summary")
FAQ_REQUIRED = ("id", "question", "answer", "sources")
FAQ_OPTIONAL = ("topics",)
RED_FLAG_REQUIRED = ("id", "name", "action", "may_mean", "message", "sources")
RED_FLAG_OPTIONAL = (
    "phrases",
    "signs",
    "question",
    "context",
    "min_age",
    "who",
    "unless",
    "past_counts",
    "entry",
)
CONCEPT_REQUIRED = ("id", "words")
CONCEPT_OPTIONAL = ("kind",)
SOURCE_FIELDS = ("title", "url")
BENEFITS_FIELDS = ("can_do", "cannot_do", "sources")
CLINIC_REQUIRED = ("name",)
CLINIC_OPTIONAL = ("contact",)
SECTION_FIELDS = {
    "conditions": (CONDITION_REQUIRED, CONDITION_OPTIONAL),
    "faq": (FAQ_REQUIRED, FAQ_OPTIONAL),
    "red_flags": (RED_FLAG_REQUIRED, RED_FLAG_OPTIONAL),
    "concepts": (CONCEPT_REQUIRED, CONCEPT_OPTIONAL),
}
"""Each list section's (required, optional) entry fields; every entry may also carry `patch`."""
TOP_SCALARS = ("version", "reviewed", "icd10_release", "disclaimer")
TOP_FIELDS = (*TOP_SCALARS, "clinic", "benefits", *SECTION_FIELDS)

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
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")


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
            self.problem(start, path, f"YAML tag {_quote(start.tag)} is not allowed")
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
            self.problem(start, path, f"YAML tag {_quote(start.tag)} is not allowed")
        out: dict[str, Any] = {}
        seen: dict[str, int] = {}
        size = 1
        while not isinstance(event := next(self.events), yaml.MappingEndEvent):
            key = self.key(event, path)
            value_event = next(self.events)
            if key is None or key in seen:
                if key is not None:
                    self.problem(
                        event,
                        (*path, key),
                        f"duplicate key {_quote(key)} (first at line {seen[key]}); remove one",
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
            self.problem(event, path, f"YAML tag {_quote(tag)} is not allowed")
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
                            event,
                            (key,),
                            f"duplicate key {_quote(key)} (first at line {seen[key]}); remove one",
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
            else:
                message += _syntax_hint(exc, text.splitlines(), mark.line)
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


_INDENT_PROBLEMS = (
    "did not find expected '-' indicator",
    "did not find expected key",
    "expected <block end>",
)


def _syntax_hint(exc: yaml.MarkedYAMLError, lines: list[str], index: int) -> str:
    """The likely cause of a parser error, in words, for the errors a misplaced line gives."""
    problem = exc.problem or ""
    if problem.startswith(_INDENT_PROBLEMS):
        return ". Likely cause: check the indentation of this line against the line above" + _above(
            lines, index
        )
    if problem.startswith("mapping values are not allowed"):
        return (
            ". Likely cause: text with ': ' in it needs quotes around it, or this line is indented "
            "more than the line above" + _above(lines, index)
        )
    if "quoted scalar" in (exc.context or "") and exc.context_mark is not None:
        return f". Likely cause: the quote opened at line {exc.context_mark.line + 1} is never closed"
    return ""


def _above(lines: list[str], index: int) -> str:
    """Both lines' indentation, and the line above as written (blank and comment lines skipped)."""
    here = lines[index] if index < len(lines) else ""
    for above in range(min(index, len(lines)) - 1, -1, -1):
        text = lines[above].rstrip()
        if text.strip() and not text.lstrip().startswith("#"):
            return (
                f" (this line is indented {_indent(here)}; line {above + 1} above is indented "
                f"{_indent(text)}: {_quote(text, limit=80)})"
            )
    return ""


def _indent(line: str) -> str:
    width = len(line) - len(line.lstrip(" "))
    return f"{width} space{'s' if width != 1 else ''}"


# --------------------------------------------------------------------------- validating


MISSING: Any = object()
"""A required field that is absent (already reported)."""


class _Checker:
    """Collects every problem in one document while building its records."""

    def __init__(self, doc: _Doc, *, require: bool = True) -> None:
        self.doc = doc
        self.problems: list[Problem] = []
        self.require = require
        """Whether a missing required field is a problem (not for a patch checked on its own)."""

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
        required = tuple(required)
        known = (*required, *optional)
        for key in entry:
            if key not in known:
                hint = _suggest(key, known)
                extra = f" (did you mean {_quote(hint)}?)" if hint else f"; known fields: {', '.join(known)}"
                self.add((*path, key), f"unknown field {_quote(key)}{extra}", at_key=True)
        if self.require:
            for key in required:
                if key not in entry:
                    self.add(path, f"missing required field {_quote(key)}")
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
        self.add(path, f"{_quote(value)} is not an ISO date (YYYY-MM-DD)")
        return ""

    def choice(self, value: Any, path: Path_, enum: Any) -> Any:
        if value is MISSING:
            return None
        for member in enum:
            if value == member.value:
                return member
        options = tuple(m.value for m in enum)
        self.add(path, f"{_quote(value)} is not one of {', '.join(options)}{_did_you_mean(value, options)}")
        return None

    def ident(self, value: Any, path: Path_) -> str:
        text = self.text(value, path)
        if text and not _KEBAB.match(text):
            self.add(path, f"{_quote(value)} is not kebab-case (lower-case words joined by '-')")
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
            entry = self.fields(entry, (*path, i), SOURCE_FIELDS)
            title = self.text(entry["title"], (*path, i, "title"))
            url = self.text(entry["url"], (*path, i, "url"))
            if url and not _URL.match(url):
                self.add((*path, i, "url"), f"{_quote(url)} is not an https:// address")
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


def _quote(value: Any, limit: int = 60) -> str:
    """A value as the author wrote it, quoted so the message stays readable.

    Like repr, it picks the quote character the text does not contain (escaping only when it holds
    both), but it leaves backslashes and other characters as written, and cuts long text inside
    the quotes so that they always match.
    """
    if value is None:
        return "an empty value"
    if isinstance(value, bool):
        return "true" if value else "false"
    text = clean_text(str(value))
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    if "'" not in text:
        return f"'{text}'"
    if '"' not in text:
        return f'"{text}"'
    return "'" + text.replace("'", "\\'") + "'"


def _squash(text: str) -> str:
    return re.sub(r"[\s_-]+", "", text.lower())


@functools.lru_cache(maxsize=64)
def _squashed(options: tuple[str, ...]) -> dict[str, str]:
    """Each option by its squashed form (the first wins), built once per set of options."""
    out: dict[str, str] = {}
    for option in options:
        out.setdefault(_squash(option), option)
    return out


@functools.lru_cache(maxsize=4096)
def _suggest(value: str, options: tuple[str, ...]) -> str | None:
    """The option the author most likely meant, or None when nothing is close.

    First the same text but for case, spaces, '-' and '_' ('May help' -> 'may-help'), else the
    closest spelling with a similarity of at least 0.6. The similarity is difflib's ratio (twice
    the matching characters over both lengths), computed by rapidfuzz: with thousands of options
    (the ids a patch may name) and thousands of mistakes, difflib would take minutes. Cached:
    a broken file tends to repeat the same mistake thousands of times.
    """
    same = _squashed(options).get(_squash(value))
    if same is not None:
        return same
    from rapidfuzz import fuzz, process

    best = process.extractOne(value.lower(), options, scorer=fuzz.ratio, processor=None, score_cutoff=60)
    return best[0] if best else None


def _did_you_mean(value: Any, options: tuple[str, ...]) -> str:
    hint = _suggest(value, options) if isinstance(value, str) else None
    return f" (did you mean {_quote(hint)}?)" if hint else ""


def _condition(ck: _Checker, entry: dict[str, Any], path: Path_) -> Condition | None:
    before = len(ck.problems)
    entry = ck.fields(entry, path, CONDITION_REQUIRED, CONDITION_OPTIONAL)
    evidence_path = (*path, "evidence")
    evidence_raw = ck.mapping(entry["evidence"], evidence_path, "evidence")
    evidence = None
    if evidence_raw is not None:
        evidence_raw = ck.fields(evidence_raw, evidence_path, EVIDENCE_FIELDS)
        level = ck.choice(evidence_raw["level"], (*evidence_path, "level"), EvidenceLevel)
        summary = ck.text(evidence_raw["summary"], (*evidence_path, "summary"))
        if level is not None:
            evidence = Evidence(level, summary)
    codes = ck.texts(entry["icd10"], (*path, "icd10"), allow_empty=True)
    for i, code in enumerate(codes):
        if code and not _ICD10.match(code):
            ck.add(
                (*path, "icd10", i),
                f"{_quote(code)} is not an ICD-10-CM code (like M54.50: a letter, two characters, "
                "then a dot and up to four more, upper case)",
            )
    body_parts = ck.texts(entry.get("body_parts", []), (*path, "body_parts"), allow_empty=True)
    for i, part in enumerate(body_parts):
        if part and part not in BODY_PARTS:
            extra = _did_you_mean(part, BODY_PARTS) or f"; known body parts: {', '.join(BODY_PARTS)}"
            ck.add((*path, "body_parts", i), f"{_quote(part)} is not a known body part{extra}")
    known_codes = None if entry["icd10"] is MISSING else codes
    code_notes = _code_notes(ck, entry.get("code_notes", MISSING), (*path, "code_notes"), known_codes)
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


def _code_notes(
    ck: _Checker, value: Any, path: Path_, codes: tuple[str, ...] | None
) -> tuple[tuple[str, str], ...]:
    """Notes shown when an entry is reached by one of its codes (code: note); codes None: unknown."""
    raw = ck.mapping(value, path, "code_notes")
    if raw is None:
        return ()
    notes = []
    for code, note in raw.items():
        if codes is not None and code not in codes:
            ck.add((*path, code), f"{_quote(code)} is not one of this entry's icd10 codes", at_key=True)
            continue
        notes.append((code, ck.text(note, (*path, code))))
    return tuple(notes)


def _faq(ck: _Checker, entry: dict[str, Any], path: Path_) -> Faq | None:
    before = len(ck.problems)
    entry = ck.fields(entry, path, FAQ_REQUIRED, FAQ_OPTIONAL)
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
    entry = ck.fields(entry, path, RED_FLAG_REQUIRED, RED_FLAG_OPTIONAL)
    min_age = entry.get("min_age", 0)
    low, high = MIN_AGE_RANGE
    if isinstance(min_age, bool) or not isinstance(min_age, int) or not low <= min_age <= high:
        ck.add((*path, "min_age"), f"{_quote(min_age)} is not an age (a whole number from {low} to {high})")
        min_age = 0
    phrases = ck.texts(entry.get("phrases", []), (*path, "phrases"), allow_empty=True)
    signs = _signs(ck, entry.get("signs", []), (*path, "signs"))
    if ck.require and not phrases and not signs:
        ck.add(path, "a red flag needs 'phrases' or 'signs' (combinations of concepts) to be found")
    who = ck.texts(entry.get("who", []), (*path, "who"), allow_empty=True)
    for i, group in enumerate(who):
        if group and group not in WHO:
            ck.add((*path, "who", i), f"{_quote(group)} is not a known group{_did_you_mean(group, WHO)}; known: {', '.join(WHO)}")
    past_counts = entry.get("past_counts", False)
    if not isinstance(past_counts, bool):
        ck.add((*path, "past_counts"), f"must be true or false, not {_kind(past_counts)}")
        past_counts = False
    flag = RedFlag(
        id=ck.ident(entry["id"], (*path, "id")),
        name=ck.text(entry["name"], (*path, "name")),
        action=ck.choice(entry["action"], (*path, "action"), Action),
        may_mean=ck.text(entry["may_mean"], (*path, "may_mean")),
        message=ck.text(entry["message"], (*path, "message")),
        phrases=phrases,
        sources=ck.sources(entry["sources"], (*path, "sources")),
        question=ck.text(entry.get("question", ""), (*path, "question"), allow_empty=True),
        context=ck.texts(entry.get("context", []), (*path, "context"), allow_empty=True),
        min_age=min_age,
        signs=signs,
        who=who,
        unless=ck.texts(entry.get("unless", []), (*path, "unless"), allow_empty=True),
        past_counts=past_counts,
        entry=ck.ident(entry["entry"], (*path, "entry")) if entry.get("entry", "") != "" else "",
    )
    return flag if len(ck.problems) == before else None


def _signs(ck: _Checker, value: Any, path: Path_) -> tuple[tuple[str, ...], ...]:
    """A flag's combinations of concept ids (each a list of ids)."""
    if not isinstance(value, list):
        ck.add(path, f"must be a list of combinations (each a list of concept ids), not {_kind(value)}")
        return ()
    out = []
    for i, combo in enumerate(value):
        if not isinstance(combo, list) or not combo:
            ck.add((*path, i), "each sign must be a list of one or more concept ids, like [face-one-side, droops]")
            continue
        out.append(tuple(ck.ident(cid, (*path, i, j)) for j, cid in enumerate(combo)))
    return tuple(out)


def _concept(ck: _Checker, entry: dict[str, Any], path: Path_) -> Concept | None:
    before = len(ck.problems)
    entry = ck.fields(entry, path, CONCEPT_REQUIRED, CONCEPT_OPTIONAL)
    kind = entry.get("kind", "finding")
    if kind not in CONCEPT_KINDS:
        ck.add((*path, "kind"), f"{_quote(kind)} is not one of {', '.join(CONCEPT_KINDS)}{_did_you_mean(kind, CONCEPT_KINDS)}")
    concept = Concept(
        id=ck.ident(entry["id"], (*path, "id")),
        kind=kind if kind in CONCEPT_KINDS else "finding",
        words=ck.texts(entry["words"], (*path, "words")),
    )
    return concept if len(ck.problems) == before else None


_SECTIONS: dict[str, Callable[[_Checker, dict[str, Any], Path_], Any]] = {
    "conditions": _condition,
    "faq": _faq,
    "red_flags": _red_flag,
    "concepts": _concept,
}
_WHAT = {"conditions": "a condition", "faq": "an FAQ entry", "red_flags": "a red flag", "concepts": "a concept"}


class _Patch(NamedTuple):
    """An entry with `patch: true`: the fields it sets, to lay over a lower layer's entry of its id."""

    id: str
    section: str
    position: int
    """Its index in the section."""
    fields: dict[str, Any]
    """The fields as written, `id` included and `patch` left out; checked once laid over the entry."""
    doc: _Doc


def _entry(ck: _Checker, section: str, index: int, doc: _Doc) -> Any:
    """One entry of a section: its record, a _Patch to apply later, or None if it has problems."""
    path = (section, index)
    entry = ck.mapping(doc.data, path, "each entry")
    if entry is None:
        return None
    if PATCH in entry:
        flag = entry.pop(PATCH)
        if not isinstance(flag, bool):
            ck.add(
                (*path, PATCH),
                f"{_quote(flag)} is not true or false (patch: true changes only the fields the entry names)",
            )
            return None
        if flag:
            return _patch(ck, section, index, entry, doc)
    return _SECTIONS[section](ck, entry, path)


def _patch(ck: _Checker, section: str, index: int, entry: dict[str, Any], doc: _Doc) -> _Patch | None:
    """The checks a patch gets on its own: it names an id. Its fields are checked once applied."""
    path = (section, index)
    if "id" not in entry:
        ck.add(path, "missing required field 'id' (a patch names the id of the entry it changes)")
        return None
    before = len(ck.problems)
    ident = ck.ident(entry["id"], (*path, "id"))
    return _Patch(ident, section, index, entry, doc) if len(ck.problems) == before else None


Place = tuple[int | None, int | None, str]
"""Line, column and field path of a value."""


class _Key(NamedTuple):
    """A name, alias or code that must lead to one condition alone, and where it is written."""

    kind: str
    key: str
    """As compared: a name without case, spaces or punctuation, a code without its dot."""
    written: str
    """As the file writes it."""
    field: str
    file: str
    line: int | None
    column: int | None
    where: Path_
    """The field path; formatted only when a clash is reported (most keys never are)."""

    @property
    def path(self) -> str:
        """The field path as problems show it (conditions[3].aliases[1])."""
        return _fmt_path(self.where)


@dataclass
class LayerData:
    """The validated content of one file: only the parts it sets."""

    file: str
    scalars: dict[str, str]
    benefits: Benefits | None
    clinic: Clinic | None
    entries: dict[str, list[Any]]
    """Records (and patches) of each section, in file order."""
    keys: dict[str, list[_Key]] = field(default_factory=dict)
    """For each condition id: its id, name, aliases and codes, with where each is written."""
    lines: dict[tuple[str, str], int | None] = field(default_factory=dict)
    """The line of each entry, by (section, id)."""
    complete: bool = True
    """False when some of the file could not be used (the entries that were valid still count)."""


def _condition_keys(
    condition: Condition, doc: _Doc, base: Path_, only: Iterable[str] | None = None
) -> list[_Key]:
    """The names and codes that must lead to this condition alone (of the fields in `only`, if given)."""
    from .icd10 import key_of
    from .words import compact

    named: list[tuple[str, str, str, str, Path_]] = [
        ("name or alias", compact(condition.id), condition.id, "id", (*base, "id")),
        ("name or alias", compact(condition.name), condition.name, "name", (*base, "name")),
    ]
    named += [
        ("name or alias", compact(a), a, "aliases", (*base, "aliases", j))
        for j, a in enumerate(condition.aliases)
    ]
    named += [
        ("ICD-10-CM code", key_of(c), c, "icd10", (*base, "icd10", j)) for j, c in enumerate(condition.icd10)
    ]
    wanted = None if only is None else set(only)
    return [
        _Key(kind, key, written, name, doc.file, *doc.place(path), path)
        for kind, key, written, name, path in named
        if key and (wanted is None or name in wanted)
    ]


def validate_file(path: Path, display: str | None = None) -> LayerData:
    """Read and check one file, entry by entry; KnowledgeBaseError lists every problem.

    Patches (`patch: true`) are only checked for their id here: the rest needs the entry they change.
    """
    name = display or str(path)
    ck = _Checker(_Doc(name, None))
    entries: dict[str, list[Any]] = {}
    keys: dict[str, list[_Key]] = {}
    lines: dict[tuple[str, str], int | None] = {}
    seen: dict[tuple[str, str], tuple[int, int | None]] = {}
    reader_problems: list[Problem] = []
    top_doc = _Doc(name, None)
    for kind, item in parse_document(path, name):
        if kind == "entry":
            section, index, doc = item
            ck.doc = doc
            path_ = (section, index)
            record = _entry(ck, section, index, doc)
            if record is None:
                continue
            first = seen.get((section, record.id))
            if first is not None:
                ck.add(
                    (*path_, "id"),
                    f"duplicate id {_quote(record.id)} (also {section}[{first[0]}] at line {first[1]})",
                )
                continue
            line = doc.place(path_)[0]
            seen[(section, record.id)] = (index, line)
            lines[(section, record.id)] = line
            entries.setdefault(section, []).append(record)
            if section == "conditions" and not isinstance(record, _Patch):
                keys[record.id] = _condition_keys(record, doc, path_)
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
        error.partial = LayerData(name, scalars, benefits, clinic, entries, keys, lines, complete=False)
        raise error
    return LayerData(name, scalars, benefits, clinic, entries, keys, lines)


def _validate_top(ck: _Checker, data: Any) -> tuple[dict[str, str], Benefits | None, Clinic | None]:
    """The top level: scalar fields, benefits, clinic, and the type of each section."""
    top = ck.mapping(data, (), "the top level of a knowledge-base file")
    if top is None:
        return {}, None, None
    ck.fields(top, (), [], TOP_FIELDS)
    scalars: dict[str, str] = {}
    for key in TOP_SCALARS:
        if key not in top:
            continue
        if key == "reviewed":
            scalars[key] = ck.date(top[key], (key,))
            continue
        value = top[key]
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        scalars[key] = ck.text(value, (key,))
    benefits = None
    if "benefits" in top:
        raw = ck.mapping(top["benefits"], ("benefits",), "benefits")
        if raw is not None:
            raw = ck.fields(raw, ("benefits",), BENEFITS_FIELDS)
            benefits = Benefits(
                can_do=ck.texts(raw["can_do"], ("benefits", "can_do")),
                cannot_do=ck.texts(raw["cannot_do"], ("benefits", "cannot_do")),
                sources=ck.sources(raw["sources"], ("benefits", "sources")),
            )
    clinic = None
    if "clinic" in top:
        raw = ck.mapping(top["clinic"], ("clinic",), "clinic")
        if raw is not None:
            raw = ck.fields(raw, ("clinic",), CLINIC_REQUIRED, CLINIC_OPTIONAL)
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


def merge_layers(layers: list[LayerData]) -> KnowledgeBase:
    """Stack validated layers: later ones add entries, replace same-id entries whole, or patch them."""
    scalars: dict[str, str] = {}
    benefits: Benefits | None = None
    clinic: Clinic | None = None
    for layer in layers:
        scalars.update(layer.scalars)
        benefits = layer.benefits or benefits
        clinic = layer.clinic or clinic
    stack = _stack(layers)
    problems = stack.problems + _check_unique(stack) + _check_concepts(stack)
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
        conditions=tuple(stack.merged["conditions"].values()),
        faq=tuple(stack.merged["faq"].values()),
        red_flags=tuple(stack.merged["red_flags"].values()),
        icd10_release=scalars.get("icd10_release", ""),
        clinic=clinic,
        concepts=tuple(stack.merged["concepts"].values()),
    )


SUGGESTION_BUDGET = 20_000_000
"""Id comparisons (about two seconds) spent on "did you mean" for patches of unknown ids in one
stack. Each costs as many as the lower layers have ids, so 30,000 bad patches over a 10,000-entry
layer would otherwise take minutes; past the budget the error stays, without the suggestion."""


@dataclass
class _Stack:
    """The layers laid over each other, and what went wrong while patching."""

    merged: dict[str, dict[str, Any]]
    """Each section's records by id, in the order their ids first appeared."""
    keys: dict[str, list[_Key]]
    """Each condition's names and codes, from whichever file wrote each."""
    origin: dict[tuple[str, str], str]
    """'file:line' of the whole entry behind each (section, id)."""
    problems: list[Problem]
    files: dict[str, int] = field(default_factory=dict)
    """Each file's place in the stack, lowest first."""
    suggestions: int = field(default_factory=lambda: SUGGESTION_BUDGET)
    """How many more id comparisons "did you mean" may make for patches of unknown ids."""


def _stack(layers: list[LayerData]) -> _Stack:
    """Each section's entries by id: later layers add entries, replace them whole, or patch them."""
    stack = _Stack({section: {} for section in _SECTIONS}, {}, {}, [])
    for position, layer in enumerate(layers):
        stack.files.setdefault(layer.file, position)
        # The ids a patch in this layer could have meant, for "did you mean": lower layers' only.
        lower = {section: tuple(records) for section, records in stack.merged.items()}
        gaps = not all(below.complete for below in layers[:position])
        for section, records in layer.entries.items():
            for record in records:
                if isinstance(record, _Patch):
                    _apply(stack, record, lower[section], lowest=position == 0, gaps=gaps)
                    continue
                stack.merged[section][record.id] = record
                line = layer.lines.get((section, record.id))
                stack.origin[(section, record.id)] = f"{layer.file}:{line}" if line else layer.file
                if section == "conditions":
                    stack.keys[record.id] = layer.keys[record.id]
    return stack


def _apply(stack: _Stack, patch: _Patch, lower: tuple[str, ...], *, lowest: bool, gaps: bool) -> None:
    """Lay a patch over the entry it names and check the result as a whole entry."""
    section, path, what = patch.section, (patch.section, patch.position), _WHAT[patch.section]
    ck = _Checker(patch.doc)
    # Only a lower layer can hold this id: validate_file keeps one entry per id in a file.
    base = stack.merged[section].get(patch.id)
    if lowest:
        ck.add(
            (*path, PATCH),
            f"'patch: true' changes {what} of a lower layer, but this file is the lowest layer; "
            "give the whole entry (without 'patch') instead",
            at_key=True,
        )
        stack.problems += ck.problems
        return
    if base is None:
        if not gaps:  # when a lower file could not be read in full, the entry may be in what was lost
            hint = ""
            if stack.suggestions >= len(lower):
                stack.suggestions -= len(lower)
                hint = _did_you_mean(patch.id, lower)
            ck.add(
                (*path, "id"), f"patch of {_quote(patch.id)}: no lower layer has {what} with this id{hint}"
            )
        # The fields it sets are still checked on their own, so that every problem shows at once.
        ck.require = False
        _SECTIONS[section](ck, patch.fields, path)
        stack.problems += ck.problems
        return
    record = _SECTIONS[section](ck, {**_raw(base), **patch.fields}, path)
    origin = stack.origin[(section, patch.id)]
    note = f"; in the patch of {_quote(patch.id)}, {what} from {origin}"
    stack.problems += [problem._replace(message=problem.message + note) for problem in ck.problems]
    if record is None:
        return
    stack.merged[section][patch.id] = record
    if section == "conditions":
        changed = set(patch.fields) - {"id"}
        kept = [key for key in stack.keys[patch.id] if key.field not in changed]
        stack.keys[patch.id] = kept + _condition_keys(record, patch.doc, path, changed)


def _raw(value: Any) -> Any:
    """A record as the plain data a file holds, to lay a patch's fields over."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Condition):
        return {
            **{key: _raw(item) for key, item in value._asdict().items()},
            "code_notes": dict(value.code_notes),
        }
    if isinstance(value, tuple) and hasattr(value, "_asdict"):
        return {key: _raw(item) for key, item in value._asdict().items()}
    if isinstance(value, tuple):
        return [_raw(item) for item in value]
    return value


def _check_concepts(stack: _Stack) -> list[Problem]:
    """Every concept a red flag's signs name, and the entry it points to, must exist in some layer."""
    known = tuple(stack.merged["concepts"])
    problems = []
    for flag in stack.merged["red_flags"].values():
        if flag.entry and flag.entry not in stack.merged["conditions"]:
            where = stack.origin.get(("red_flags", flag.id), "")
            file, _, line = where.rpartition(":")
            hint = _did_you_mean(flag.entry, tuple(stack.merged["conditions"]))
            problems.append(
                Problem(
                    file or where,
                    int(line) if line.isdigit() else None,
                    None,
                    f"red_flags.{flag.id}.entry",
                    f"{_quote(flag.entry)} is not a condition id{hint}",
                )
            )
        for combo in flag.signs:
            for cid in combo:
                if cid not in stack.merged["concepts"] and cid not in WHO:
                    where = stack.origin.get(("red_flags", flag.id), "")
                    file, _, line = where.rpartition(":")
                    problems.append(
                        Problem(
                            file or where,
                            int(line) if line.isdigit() else None,
                            None,
                            f"red_flags.{flag.id}.signs",
                            f"{_quote(cid)} is not a concept{_did_you_mean(cid, known)}",
                        )
                    )
    return problems


def _check_unique(stack: _Stack) -> list[Problem]:
    """No two conditions may share a name, alias or code: each must lead to one condition."""
    problems: list[Problem] = []
    owners: dict[tuple[str, str], tuple[str, _Key]] = {}
    # In the order they were written, lowest layer first, so that the later of two is the one
    # reported: the clash is in the layer that brought it in (a patched entry keeps its old place).
    written = sorted(
        ((cid, key) for cid in stack.merged["conditions"] for key in stack.keys[cid]),
        key=lambda item: (stack.files.get(item[1].file, len(stack.files)), item[1].line or 0),
    )
    for cid, key in written:
        other_id, other = owners.setdefault((key.kind, key.key), (cid, key))
        if other_id == cid:
            continue
        as_written = f" as {_quote(other.written)}" if other.written != key.written else ""
        problems.append(
            Problem(
                key.file,
                key.line,
                key.column,
                key.path,
                f"{key.kind} {_quote(key.written)} is also used by condition {_quote(other_id)}{as_written} "
                f"({other.file}:{other.line}: {other.path}); each must lead to one condition",
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
            # A file that could not be read at all still holds its place in the stack.
            data.append(exc.partial or LayerData(str(layer.path), {}, None, None, {}, complete=False))
    if problems:
        stack = _stack(data)
        return _in_order(problems + stack.problems + _check_unique(stack), data), None
    try:
        return [], merge_layers(data)
    except KnowledgeBaseError as exc:
        return _in_order(exc.problems, data), None


def _in_order(problems: list[Problem], layers: list[LayerData]) -> list[Problem]:
    """Problems file by file in stacking order, then by line (problems of no one file last)."""
    order = {layer.file: i for i, layer in enumerate(layers)}
    return sorted(problems, key=lambda p: (order.get(p.file, len(order)), p.line or 0, p.column or 0))


def load_layers(layers: Iterable[Layer]) -> KnowledgeBase:
    """Read, validate and merge files in order; KnowledgeBaseError lists every problem."""
    problems, kb = check_layers(layers)
    if kb is None:
        raise KnowledgeBaseError(problems)
    return kb


def load_bundled() -> KnowledgeBase:
    """The knowledge base shipped with massage-cli."""
    return load_layers([Layer(bundled_path(), "bundled")])
