"""Markdown: a printable handout with the same content as plain text."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..answer import Answer
from ..matching import Hit
from ..model import Condition, Faq, KnowledgeBase, Source
from . import common, therapist

if TYPE_CHECKING:
    from ..citations import Citation
    from ..layers import Problem
    from ..readability import Score
    from ..screening import Screening

_SPECIAL = re.compile(r"([\\`*_\[\]<>#|!~])")


def esc(text: str) -> str:
    """Text with Markdown's special characters escaped, on one line."""
    return _SPECIAL.sub(r"\\\1", " ".join(text.split()))


def _bullets(items: Sequence[str]) -> list[str]:
    return [f"- {esc(item)}" for item in items]


def _sources(sources: Sequence[Source]) -> list[str]:
    return ["## Sources", ""] + [f"- {esc(s.title)}: <{s.url}>" for s in sources]


def _statement_lines(answer: Answer) -> list[str]:
    """The "what if" advice and the signs that did not count, as paragraphs."""
    lines = [f"*{esc(line)}*" for line in common.if_happens_lines(answer)]
    aside = common.set_aside_line(answer)
    if aside:
        lines.append(f"*{esc(aside)}*")
    return [item for line in lines for item in (line, "")]


def _flag_page(answer: Answer, kb: KnowledgeBase) -> str:
    """A warning sign with no condition: the sign's own page, action first."""
    lines = [f"**{esc(common.verdict_line(answer))}**", ""]
    for i, flag in enumerate(answer.red_flags):
        lines += [f"{'#' if i == 0 else '##'} {esc(flag.name)}", ""]
        lines += [
            f"**What to do:** {esc(flag.message)}",
            "",
            f"**What it may mean:** {esc(flag.may_mean)}",
            "",
        ]
    lines += [*_sources(common.flag_sources(answer)), "", *_statement_lines(answer)]
    lines.append(f"*{esc(kb.disclaimer)}*")
    return "\n".join(lines) + "\n"


def check(answer: Answer, kb: KnowledgeBase) -> str:
    """One answer as Markdown."""
    if common.flag_page(answer):
        return _flag_page(answer, kb)
    lines: list[str] = []
    if answer.red_flags:
        lines += [f"> **{esc(common.flag_heading(answer))}**", ">"]
        lines += [f"> - **{esc(f.name)}**: {esc(f.message)}" for f in answer.red_flags]
        lines.append("")
    condition = answer.condition
    if condition is None:
        lines += [esc(common.not_found_message(answer)), "", *_statement_lines(answer)]
        return "\n".join(lines).rstrip("\n") + "\n"
    assert answer.verdict is not None
    lines += [f"**{esc(common.verdict_line(answer))}**", ""]
    lines += [f"# {esc(condition.name)}", ""]
    override = common.red_flag_override(answer)
    if override:
        lines += [f"*{esc(override)}*", ""]
    for extra in (common.note_line(answer), common.also_line(answer)):
        if extra:
            lines += [f"*{esc(extra)}*", ""]
    lines += _statement_lines(answer)
    lines += [esc(condition.summary), ""]
    for title, items in common.sections(condition):
        lines += [f"## {title}", "", *_bullets(items), ""]
    lines += [f"**{esc(common.evidence_line(condition))}**", "", *_sources(condition.sources), ""]
    lines += [f"*{esc(common.details_line(condition))}*", ""]
    clinic = common.clinic_line(kb)
    if clinic:
        lines += [f"**{esc(clinic)}**", ""]
    lines.append(f"*{esc(kb.disclaimer)}*")
    return "\n".join(lines) + "\n"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(esc(str(cell)) for cell in row) + " |" for row in rows]
    return "\n".join(out) + "\n"


def listing(conditions: Sequence[Condition]) -> str:
    """Conditions as a Markdown table."""
    rows = common.listing_rows(conditions)
    return _table(common.LISTING_COLUMNS, rows)


def hits(found: Sequence[Hit]) -> str:
    """Search results as a Markdown table."""
    rows = common.hits_rows(found)
    return _table(common.HITS_COLUMNS, rows)


def benefits(kb: KnowledgeBase) -> str:
    """What massage can and cannot do in general."""
    lines = ["# What massage can do", "", *_bullets(kb.benefits.can_do), ""]
    lines += ["# What massage cannot do", "", *_bullets(kb.benefits.cannot_do), ""]
    lines += [*_sources(kb.benefits.sources), "", f"*{esc(kb.disclaimer)}*"]
    return "\n".join(lines) + "\n"


def faq_list(kb: KnowledgeBase) -> str:
    """The questions as a table."""
    table = _table(("ID", "Question"), [(faq.id, faq.question) for faq in kb.faq])
    return f"{table}\n{esc(common.faq_hint(kb))}\n"


def faq_one(faq: Faq, kb: KnowledgeBase) -> str:
    """One question and its answer."""
    lines = [f"# {esc(faq.question)}", ""]
    for part in faq.answer.split("\n\n"):
        lines += [esc(part), ""]
    lines += [*_sources(faq.sources), "", f"*{esc(kb.disclaimer)}*"]
    return "\n".join(lines) + "\n"


def red_flags(kb: KnowledgeBase) -> str:
    """The red-flag catalogue as Markdown."""
    lines = ["# Warning signs: get care before any massage", ""]
    for flag in kb.red_flags:
        lines += [f"## {esc(flag.name)}", "", f"**{esc(flag.action.instruction)}**", ""]
        lines += [esc(flag.may_mean), "", esc(flag.message), ""]
    lines.append(f"*{esc(kb.disclaimer)}*")
    return "\n".join(lines) + "\n"


def screening(result: Screening, kb: KnowledgeBase) -> str:
    """The outcome of a screening as Markdown."""
    from ..screening import UNSURE_WHY

    outcome = result.outcome
    lines = [f"**{esc(outcome.value.upper().replace('-', ' '))}: {esc(outcome.message)}**", ""]
    if result.flagged:
        lines += ["You said yes to:", ""]
        lines += [f"- **{esc(f.name)}**: {esc(f.message)}" for f in result.flagged]
        lines.append("")
    if result.unsure:
        lines += ["You were not sure about:", ""]
        lines += [f"- **{esc(f.name)}**: {esc(f.message)}" for f in result.unsure]
        lines += ["", esc(UNSURE_WHY), ""]
    lines.append(f"*{esc(kb.disclaimer)}*")
    return "\n".join(lines) + "\n"


def paths(rows: Sequence[dict[str, str]]) -> str:
    """The knowledge-base files as a table."""
    return _table(
        [c.capitalize() for c in common.PATH_COLUMNS], [[r[c] for c in common.PATH_COLUMNS] for r in rows]
    )


def validation(
    files: Sequence[str], problems: Sequence[Problem], kb: KnowledgeBase | None, limit: int | None = None
) -> str:
    """The verdict and the problems as a list (with a limit: then counts by kind)."""
    lines = [f"**{esc(common.validation_summary(files, problems, kb))}**", ""]
    lines += [f"- {esc(line)}" for line in common.problem_lines(problems, limit)] or [
        f"- {esc(name)}" for name in files
    ]
    return "\n".join(lines) + "\n"


def sources(rows: Sequence[Citation]) -> str:
    """Every source with the entries that cite it, as a table."""
    return _table(("Source", "URL", "Cited by"), [(r.title, r.url, common.cited_by(r)) for r in rows])


def readability(found: Sequence[Score], problems: Sequence[str]) -> str:
    """Reading grades, hardest first."""
    head = [f"**{esc(common.readability_summary(problems))}**", "", *[f"- {esc(p)}" for p in problems], ""]
    return "\n".join(head) + _table(
        ("Grade", "Kind", "ID"), [(f"{s.grade:.1f}", s.kind, s.id) for s in found]
    )


def page(view: therapist.Page, kb: KnowledgeBase) -> str:
    """A therapist's view (check --for therapist, intake) as Markdown."""
    lines = [f"# {esc(view.title)}", "", f"**{esc(view.lead)}**", ""]
    for block in view.blocks:
        if block.title:
            lines += [f"## {esc(block.title)}", ""]
        for text in block.paras:
            lines += [f"**{esc(text)}**" if block.kind == therapist.ALERT else esc(text), ""]
        marker = {therapist.CHECKLIST: "- [ ] ", therapist.NUMBERED: ""}.get(block.kind, "- ")
        lines += [f"{marker}{esc(item)}" for item in block.items]
        if block.items:
            lines.append("")
    if view.sources:
        lines += [*_sources(view.sources), ""]
    for text in view.small:
        lines += [f"*{esc(text)}*", ""]
    clinic = common.clinic_line(kb)
    lines += [*([esc(clinic), ""] if clinic else []), f"*{esc(kb.disclaimer)}*"]
    return "\n".join(lines) + "\n"


def session_listing(conditions: Sequence[Condition]) -> str:
    """Conditions grouped by session rule, strictest first, one table each."""
    out = []
    for title, members in therapist.listing_groups(conditions):
        out += [f"## {esc(title)} ({len(members)})", ""]
        out.append(
            _table(["ID", "Name", "Session"], [[c.id, c.name, therapist.session_summary(c)] for c in members])
        )
        out.append("")
    return "\n".join(out)
