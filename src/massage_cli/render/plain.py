"""Plain text: no colour, no markup, wrapped at 80 columns; safe to pipe and print."""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from ..answer import Answer
from ..matching import Hit
from ..model import Condition, Faq, KnowledgeBase, RedFlag, Source
from . import common

if TYPE_CHECKING:
    from ..citations import Citation
    from ..layers import Problem
    from ..readability import Score
    from ..screening import Screening

WIDTH = 80


def _para(text: str, indent: str = "", first: str | None = None) -> str:
    return textwrap.fill(
        " ".join(text.split()),
        WIDTH,
        initial_indent=indent if first is None else first,
        subsequent_indent=indent,
        break_on_hyphens=False,
    )


def _bullets(items: Iterable[str]) -> list[str]:
    return [_para(item, "    ", "  - ") for item in items]


def _sources(sources: Sequence[Source]) -> list[str]:
    lines = ["Sources"]
    for source in sources:
        lines += [_para(source.title, "    ", "  - "), f"    {source.url}"]
    return lines


def _flags(flags: Sequence[RedFlag]) -> list[str]:
    lines = []
    for flag in flags:
        lines += [_para(f"{flag.name}: {flag.message}", "    ", "  ! ")]
    return lines


def check(answer: Answer, kb: KnowledgeBase) -> str:
    """One answer as plain text."""
    lines: list[str] = []
    if answer.red_flags:
        lines += [common.flag_heading(answer), *_flags(answer.red_flags), ""]
    condition = answer.condition
    if condition is None:
        lines.append(_para(common.not_found_message(answer)))
        return "\n".join(lines) + "\n"
    assert answer.verdict is not None
    lines.append(common.verdict_line(answer))
    override = common.red_flag_override(answer)
    if override:
        lines.append(_para(override))
    for extra in (common.note_line(answer), common.also_line(answer)):
        if extra:
            lines.append(_para(extra))
    name = _para(condition.name)
    lines += ["", name, "=" * max(len(line) for line in name.splitlines()), _para(condition.summary)]
    for title, items in common.sections(condition):
        lines += ["", title, *_bullets(items)]
    lines += ["", _para(common.evidence_line(condition)), "", *_sources(condition.sources)]
    lines += ["", _para(common.details_line(condition)), "", _para(kb.disclaimer)]
    return "\n".join(lines) + "\n"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    out = []
    for row in [header, *rows]:
        out.append("  ".join(str(cell).ljust(w) for cell, w in zip(row, widths)).rstrip())
    return "\n".join(out) + "\n"


def listing(conditions: Sequence[Condition]) -> str:
    """Conditions as an aligned table."""
    rows = common.listing_rows(conditions)
    return _table([c.upper() for c in common.LISTING_COLUMNS], rows)


def hits(found: Sequence[Hit]) -> str:
    """Search results, best first."""
    rows = common.hits_rows(found)
    return _table([c.upper() for c in common.HITS_COLUMNS], rows)


def benefits(kb: KnowledgeBase) -> str:
    """What massage can and cannot do in general."""
    lines = ["What massage can do", *_bullets(kb.benefits.can_do), ""]
    lines += ["What massage cannot do", *_bullets(kb.benefits.cannot_do), ""]
    lines += [*_sources(kb.benefits.sources), "", _para(kb.disclaimer)]
    return "\n".join(lines) + "\n"


def faq_list(kb: KnowledgeBase) -> str:
    """The questions, each with the id to ask for its answer."""
    rows = [(faq.id, faq.question) for faq in kb.faq]
    return _table(("ID", "QUESTION"), rows)


def faq_one(faq: Faq, kb: KnowledgeBase) -> str:
    """One question and its answer."""
    lines = [_para(faq.question), ""]
    lines += [_para(part) for part in faq.answer.split("\n\n")]
    lines += ["", *_sources(faq.sources), "", _para(kb.disclaimer)]
    return "\n".join(lines) + "\n"


def red_flags(kb: KnowledgeBase) -> str:
    """The red-flag catalogue: each sign, what it may mean and what to do."""
    lines: list[str] = []
    for flag in kb.red_flags:
        lines += [f"{flag.name} [{flag.id}]", _para(f"Action: {flag.action.instruction}", "  ", "  ")]
        lines += [_para(flag.may_mean, "  "), _para(flag.message, "  "), ""]
    return "\n".join(lines) + _para(kb.disclaimer) + "\n"


def screening(result: Screening, kb: KnowledgeBase) -> str:
    """The outcome of a screening, the action first."""
    outcome = result.outcome
    lines = [_para(f"{outcome.value.upper().replace('-', ' ')}: {outcome.message}")]
    if result.flagged:
        lines += ["", "You said yes to:", *_flags(result.flagged)]
    lines += ["", _para(kb.disclaimer)]
    return "\n".join(lines) + "\n"


def paths(rows: Sequence[dict[str, str]]) -> str:
    """The knowledge-base files, in stacking order."""
    return _table(
        [c.upper() for c in common.PATH_COLUMNS], [[r[c] for c in common.PATH_COLUMNS] for r in rows]
    )


def validation(files: Sequence[str], problems: Sequence[Problem], kb: KnowledgeBase | None) -> str:
    """Every problem found, one a line, after a one-line verdict."""
    lines = [common.validation_summary(files, problems, kb)]
    lines += [f"  {problem}" for problem in problems]
    if not problems:
        lines += [f"  {name}" for name in files]
    return "\n".join(lines) + "\n"


def sources(rows: Sequence[Citation]) -> str:
    """Every source with the entries that cite it."""
    lines: list[str] = []
    for row in rows:
        lines += [
            _para(row.title),
            f"  {row.url}",
            _para(f"cited by: {common.cited_by(row)}", "    ", "  "),
            "",
        ]
    return "\n".join(lines)


def readability(found: Sequence[Score], problems: Sequence[str]) -> str:
    """Reading grades, hardest first, after a one-line verdict."""
    table = _table(("GRADE", "KIND", "ID"), [(f"{s.grade:.1f}", s.kind, s.id) for s in found])
    return "\n".join([common.readability_summary(problems), *[f"  {p}" for p in problems], ""]) + table
