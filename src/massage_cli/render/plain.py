"""Plain text: no colour, no markup, wrapped at 80 columns or a narrower terminal; safe to pipe and print."""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Sequence
from contextvars import ContextVar
from typing import TYPE_CHECKING

from ..answer import Answer
from ..matching import Hit
from ..model import Condition, Faq, KnowledgeBase, RedFlag, Source
from . import common, therapist

if TYPE_CHECKING:
    from ..citations import Citation
    from ..layers import Problem
    from ..readability import Score
    from ..screening import Screening

WIDTH = 80
"""The widest plain text: a comfortable line length, and the width the golden files pin."""
NARROWEST = 30
"""A terminal narrower than this still gets lines this long (the terminal folds them)."""

_terminal: ContextVar[int | None] = ContextVar("massage_cli_plain_terminal", default=None)


def fit_terminal(columns: int | None) -> None:
    """Fit what is rendered next to a terminal `columns` wide; None (not a terminal): 80 columns.

    The CLI runs each command in a context of its own, so this lasts until the command ends.
    """
    _terminal.set(columns)


def width() -> int:
    """The width prose is wrapped to."""
    columns = _terminal.get()
    return WIDTH if columns is None else max(NARROWEST, min(WIDTH, columns))


def _para(text: str, indent: str = "", first: str | None = None) -> str:
    return textwrap.fill(
        " ".join(text.split()),
        width(),
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


def _flag_page(answer: Answer, kb: KnowledgeBase) -> str:
    """A warning sign with no condition: the sign's own page, action first."""
    lines = [_para(common.verdict_line(answer))]
    for i, flag in enumerate(answer.red_flags):
        name = _para(flag.name)
        lines += ["", name, ("=" if i == 0 else "-") * max(len(line) for line in name.splitlines())]
        lines += [_para(f"What to do: {flag.message}"), _para(f"What it may mean: {flag.may_mean}")]
    lines += ["", *_sources(common.flag_sources(answer))]
    lines += _statement_lines(answer)
    lines += ["", _para(kb.disclaimer)]
    return "\n".join(lines) + "\n"


def _statement_lines(answer: Answer) -> list[str]:
    """The "what if" advice and the signs that did not count, each after a blank line."""
    lines = [_para(line) for line in common.if_happens_lines(answer)]
    aside = common.set_aside_line(answer)
    if aside:
        lines.append(_para(aside))
    return ["", *lines] if lines else []


def check(answer: Answer, kb: KnowledgeBase) -> str:
    """One answer as plain text."""
    if common.flag_page(answer):
        return _flag_page(answer, kb)
    lines: list[str] = []
    if answer.red_flags:
        lines += [_para(common.flag_heading(answer)), *_flags(answer.red_flags), ""]
    condition = answer.condition
    if condition is None:
        lines.append(_para(common.not_found_message(answer)))
        lines += _statement_lines(answer)
        return "\n".join(lines) + "\n"
    assert answer.verdict is not None
    lines.append(_para(common.verdict_line(answer)))
    override = common.red_flag_override(answer)
    if override:
        lines.append(_para(override))
    for extra in (common.note_line(answer), common.also_line(answer)):
        if extra:
            lines.append(_para(extra))
    lines += _statement_lines(answer)
    name = _para(condition.name)
    lines += ["", name, "=" * max(len(line) for line in name.splitlines()), _para(condition.summary)]
    for title, items in common.sections(condition):
        lines += ["", title, *_bullets(items)]
    lines += ["", _para(common.evidence_line(condition)), "", *_sources(condition.sources)]
    lines += ["", _para(common.details_line(condition))]
    clinic = common.clinic_line(kb)
    if clinic:
        lines += ["", _para(clinic)]
    lines += ["", _para(kb.disclaimer)]
    return "\n".join(lines) + "\n"


_GAP = "  "


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], required: int | None = None) -> str:
    """An aligned table; with `required` set, fitted to the terminal, or to 80 columns when not on
    one (a pipe, a file), so no line runs on (see _fitted_table)."""
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    columns = _terminal.get() or WIDTH
    if required is not None and sum(widths) + len(_GAP) * (len(widths) - 1) > columns:
        return _fitted_table(header, rows, required, columns)
    out = []
    for row in [header, *rows]:
        out.append(_GAP.join(str(cell).ljust(w) for cell, w in zip(row, widths)).rstrip())
    return "\n".join(out) + "\n"


def _fitted_table(header: Sequence[str], rows: Sequence[Sequence[str]], required: int, columns: int) -> str:
    """A table for a terminal `columns` wide: the first column whole, the others wrapped, and the
    columns after `required` dropped (last first) until the rest fit; one entry a block if even
    the required columns do not fit."""
    cells = [[str(row[i]) for row in rows] for i in range(len(header))]
    natural = [max(len(t) for t in [header[i], *cells[i]]) for i in range(len(header))]
    minimums = [natural[0]] + [common.readable_minimum(cells[i], header[i]) for i in range(1, len(header))]
    widths = common.fit_widths(natural, minimums, required, columns, len(_GAP), -len(_GAP))
    if widths is None:
        return _stacked(header, rows, required)
    keep = len(widths)
    out = []
    for row in [header, *rows]:
        wrapped = [[str(row[0])]] + [
            textwrap.wrap(str(row[i]), widths[i], break_long_words=False, break_on_hyphens=False) or [""]
            for i in range(1, keep)
        ]
        for n in range(max(len(w) for w in wrapped)):
            parts = [(w[n] if n < len(w) else "").ljust(widths[i]) for i, w in enumerate(wrapped)]
            out.append(_GAP.join(parts).rstrip())
    return "\n".join(out) + "\n"


def _stacked(header: Sequence[str], rows: Sequence[Sequence[str]], required: int) -> str:
    """One block per row for a very narrow terminal: the first cell whole, then the other required ones."""
    out: list[str] = []
    for row in rows:
        out += [""] if out else []
        out.append(str(row[0]))
        out += [_para(f"{header[i].capitalize()}: {row[i]}", "    ", "  ") for i in range(1, required)]
    return "\n".join(out) + "\n"


def listing(conditions: Sequence[Condition]) -> str:
    """Conditions as an aligned table (on a narrow terminal: ID, name and verdict first)."""
    rows = common.listing_rows(conditions)
    return _table([c.upper() for c in common.LISTING_COLUMNS], rows, common.LISTING_REQUIRED)


def hits(found: Sequence[Hit]) -> str:
    """Search results, best first."""
    rows = common.hits_rows(found)
    return _table([c.upper() for c in common.HITS_COLUMNS], rows, common.LISTING_REQUIRED)


def benefits(kb: KnowledgeBase) -> str:
    """What massage can and cannot do in general."""
    lines = ["What massage can do", *_bullets(kb.benefits.can_do), ""]
    lines += ["What massage cannot do", *_bullets(kb.benefits.cannot_do), ""]
    lines += [*_sources(kb.benefits.sources), "", _para(kb.disclaimer)]
    return "\n".join(lines) + "\n"


def faq_list(kb: KnowledgeBase) -> str:
    """The questions, each with the id to ask for its answer."""
    rows = [(faq.id, faq.question) for faq in kb.faq]
    return _table(("ID", "QUESTION"), rows, 2) + "\n" + _para(common.faq_hint(kb)) + "\n"


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
    from ..screening import UNSURE_WHY

    outcome = result.outcome
    lines = [_para(f"{outcome.value.upper().replace('-', ' ')}: {outcome.message}")]
    if result.flagged:
        lines += ["", "You said yes to:", *_flags(result.flagged)]
    if result.unsure:
        lines += ["", "You were not sure about:", *_flags(result.unsure), _para(UNSURE_WHY, "  ", "  ")]
    lines += ["", _para(kb.disclaimer)]
    return "\n".join(lines) + "\n"


def paths(rows: Sequence[dict[str, str]]) -> str:
    """The knowledge-base files, in stacking order."""
    return _table(
        [c.upper() for c in common.PATH_COLUMNS], [[r[c] for c in common.PATH_COLUMNS] for r in rows]
    )


def validation(
    files: Sequence[str], problems: Sequence[Problem], kb: KnowledgeBase | None, limit: int | None = None
) -> str:
    """The problems found, one a line, after a one-line verdict (with a limit: then counts by kind)."""
    lines = [common.validation_summary(files, problems, kb)]
    lines += [f"  {line}" for line in common.problem_lines(problems, limit)]
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


_MARKERS = {therapist.ALERT: "  ! ", therapist.CHECKLIST: "  [ ] ", therapist.NUMBERED: "  "}


def page(view: therapist.Page, kb: KnowledgeBase) -> str:
    """A therapist's view (check --for therapist, intake) as plain text."""
    lines = [_para(view.lead), "", _para(view.title), "=" * min(width(), len(view.title))]
    for block in view.blocks:
        lines.append("")
        if block.title:
            lines.append(_para(block.title.upper() if block.kind == therapist.ALERT else block.title))
        lines += [_para(text) for text in block.paras]
        marker = _MARKERS.get(block.kind, "  - ")
        hang = " " * (len(marker) + (3 if block.kind == therapist.NUMBERED else 0))
        lines += [_para(item, hang, marker) for item in block.items]
    if view.sources:
        lines += ["", *_sources(view.sources)]
    lines += ["", *(_para(text) for text in view.small)]
    clinic = common.clinic_line(kb)
    lines += ["", *([_para(clinic)] if clinic else []), _para(kb.disclaimer)]
    return "\n".join(lines) + "\n"


def session_listing(conditions: Sequence[Condition]) -> str:
    """Conditions grouped by session rule, strictest first."""
    out = []
    for title, members in therapist.listing_groups(conditions):
        out += [f"{title.upper()} ({len(members)})"]
        out += [_para(f"{c.id}: {therapist.session_summary(c)}", "      ", "  - ") for c in members]
        out.append("")
    return "\n".join(out)
