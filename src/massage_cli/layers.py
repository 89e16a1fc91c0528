"""The knowledge-base files in use, and the errors that loading them can raise (no YAML here)."""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, NamedTuple

MAX_FILE_BYTES = 32 * 1024 * 1024
"""Files larger than this are refused before parsing."""

BUNDLED_NAME = "conditions.yaml"


class Problem(NamedTuple):
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
        self.partial: Any = None
        """What of the file could still be read (for checks across files), if anything."""


SHOWN_PROBLEMS = 50
"""About how many lines `summarise` fills: a screen."""
COUNTED_KINDS = 10
"""At most this many of those lines count the problems not shown, kind by kind."""


def summarise(
    problems: Sequence[Problem], limit: int = SHOWN_PROBLEMS
) -> tuple[list[Problem], list[tuple[str, int]]]:
    """The problems to show and, for the rest, (kind, how many) with the most common kind first.

    The missing fields are grouped first (group_missing). Together they take at most `limit` lines:
    all the problems if they fit, else the first ones and up to COUNTED_KINDS lines of counts (the
    last may be "other problems").
    """
    lines = group_missing(problems)
    if len(lines) <= limit:
        return [problem for problem, _ in lines], []
    kinds = min(COUNTED_KINDS, max(1, limit // 2))
    shown = [problem for problem, _ in lines[: limit - kinds]]
    # A disaster repeats a few messages thousands of times: mask each distinct one once.
    masked: dict[tuple[str, str], str] = {}
    tally: Counter[str] = Counter()
    for problem, weight in lines[limit - kinds :]:
        key = (_INDEX.sub("[*]", problem.path), problem.message)
        kind = masked.get(key)
        if kind is None:
            kind = masked[key] = _kind(*key)
        tally[kind] += weight
    counts = tally.most_common()
    if len(counts) > kinds:
        counts = [*counts[: kinds - 1], ("other problems", sum(n for _, n in counts[kinds - 1 :]))]
    return shown, counts


_MISSING = re.compile(r"missing required field '([^']*)'")
_ENTRIES = {
    "conditions": "conditions",
    "faq": "FAQ entries",
    "red_flags": "red flags",
    "concepts": "concepts",
    "signs": "shared signs",
}
"""What a group of a section's entries is called in a line about them all."""


def group_missing(problems: Sequence[Problem]) -> list[tuple[Problem, int]]:
    """The problems as lines to show, each with how many problems it stands for.

    The 'missing required field' problems of one entry become one line ("missing 3 required
    fields: ..."), and entries of one kind that miss the same fields become one line ("3,000
    conditions miss 12 required fields: ..."), in the place of the first of them.
    """
    fields: dict[tuple[str, str], list[str]] = {}
    first: dict[tuple[str, str], Problem] = {}
    for problem in problems:
        match = _MISSING.fullmatch(problem.message)
        if match:
            key = (problem.file, problem.path)
            fields.setdefault(key, []).append(match.group(1))
            first.setdefault(key, problem)
    if not fields:
        return [(problem, 1) for problem in problems]
    groups: dict[tuple[str, str, tuple[str, ...]], list[tuple[str, str]]] = {}
    for key, names in fields.items():
        groups.setdefault((key[0], _INDEX.sub("[*]", key[1]), tuple(names)), []).append(key)
    lines: dict[tuple[str, str], tuple[Problem, int]] = {}
    for (_, masked, missed), members in groups.items():
        head = first[members[0]]
        what = (
            f"required field '{missed[0]}'"
            if len(missed) == 1
            else f"{len(missed)} required fields: {', '.join(missed)}"
        )
        if len(members) == 1:
            line = head if len(missed) == 1 else head._replace(message=f"missing {what}")
        else:
            section = masked.removesuffix("[*]")
            noun = _ENTRIES.get(section) or f"entries at {masked}"
            line = head._replace(
                path="", message=f"{len(members):,} {noun} miss {what} (the first is {head.path})"
            )
        lines[members[0]] = (line, len(members) * len(missed))
    out: list[tuple[Problem, int]] = []
    for problem in problems:
        if not _MISSING.fullmatch(problem.message):
            out.append((problem, 1))
            continue
        grouped = lines.pop((problem.file, problem.path), None)
        if grouped is not None:
            out.append(grouped)
    return out


# What changes from one instance of a mistake to the next is masked, so that instances group
# together: a quoted value or suggestion (but not a quoted name a message is about, such as the
# field in "missing required field 'aliases'", nor the "'-'" in a rule), a "file:line" place, a
# line number and a list index.
_QUOTED = re.compile(r"""(\b\w+ )?('(?:[^'\\]|\\.)*'|"[^"]*")""")
_KEPT_AFTER = {"field ", "key ", "tag ", "with ", "by "}
_INDEX = re.compile(r"\[\d+\]")
_KIND_MASKS = (
    (re.compile(r"[^\s(]+:\d+(?::\d+)?(?=[:);]|$)"), "..."),
    (re.compile(r"\bline \d+"), "line ..."),
    (_INDEX, "[*]"),
)


def _mask_quoted(match: re.Match[str]) -> str:
    before, quoted = match.group(1) or "", match.group(2)
    return before + (quoted if before in _KEPT_AFTER else "'...'")


def problem_kind(problem: Problem) -> str:
    """What kind of mistake a problem is: its field and message, without the place or the value.

    conditions[7].verdict: 'maybe' is not one of ...  ->  conditions[*].verdict: '...' is not one of ...
    """
    return _kind(_INDEX.sub("[*]", problem.path), problem.message)


def _kind(path: str, message: str) -> str:
    text = f"{path}: {message}" if path else message
    for pattern, mask in _KIND_MASKS:
        text = pattern.sub(mask, text)
    return _QUOTED.sub(_mask_quoted, text)


def files_with_problems(files: Iterable[str], problems: Iterable[Problem]) -> list[str]:
    """The files (of those given, in their order) that at least one problem is in."""
    named = {problem.file for problem in problems}
    return [name for name in files if name in named]


class Layer(NamedTuple):
    """One file in the stack of knowledge bases, and whether it must exist."""

    path: Path
    origin: str
    """Where it came from: bundled, user, env or option."""
    required: bool = True


def bundled_path() -> Path:
    """The knowledge base shipped with the package (or, in a source checkout, data/)."""
    # In an installed wheel this is what importlib.resources.files("massage_cli") resolves to;
    # asking importlib.resources only when it is not there keeps its import off the start-up path.
    packaged = Path(__file__).parent / "data" / BUNDLED_NAME
    if packaged.is_file():
        return packaged
    try:
        from importlib import resources

        candidate = resources.files("massage_cli").joinpath("data", BUNDLED_NAME)
        if candidate.is_file():
            return Path(str(candidate))
    except (ModuleNotFoundError, OSError):  # pragma: no cover - zipped or odd installs
        pass
    # An editable install or a source checkout: src/massage_cli/layers.py -> data/.
    return Path(__file__).resolve().parents[2] / "data" / BUNDLED_NAME


def xdg_folder(variable: str, default: Path) -> Path:
    """An XDG base folder: the variable's value if it is an absolute path, else the default.

    The XDG Base Directory specification says an empty or relative value is to be ignored: a
    relative one would make a folder wherever the command happens to run.
    """
    value = os.environ.get(variable, "")
    return Path(value) if value and os.path.isabs(value) else default


def env_paths(value: str | None) -> Iterator[Path]:
    """Paths listed in an environment variable, split on the platform's path separator."""
    for part in (value or "").split(os.pathsep):
        if part.strip():
            yield Path(part)
