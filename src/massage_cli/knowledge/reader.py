"""Read one knowledge-base YAML file as plain data, with the line and column of every value.

A streaming reader over PyYAML's events: it refuses tags, merges and duplicate keys, bounds the file's
size (MAX_FILE_BYTES) and its expanded size (MAX_NODES), and hands out each section entry with its
own positions (_Doc) as soon as it is read. Problems name their line and column; syntax errors get a
likely cause in words.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..layers import MAX_FILE_BYTES, KnowledgeBaseError, Problem
from ..textclean import clean_text

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

Path_ = tuple[Any, ...]


SECTIONS = ("conditions", "faq", "red_flags", "concepts", "signs", "medicines")
"""The list sections of a file, whose entries are handed out one by one (checker.py checks each
section's entries, under the same names in the same order)."""


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
                    key in SECTIONS
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
