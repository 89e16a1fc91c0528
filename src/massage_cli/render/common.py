"""What every human format shows, in the same order."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..answer import Answer
from ..model import UNKNOWN_URGENCY, Action, Condition, DoctorSign, KnowledgeBase, Source, Urgency, Verdict
from ..textclean import shorten

if TYPE_CHECKING:
    from ..citations import Citation
    from ..layers import Problem
    from ..matching import Hit

DOCTOR_TITLE = "See a doctor if"
"""The heading of the `see_a_doctor_if` section."""

SECTIONS = (
    ("benefits", "What massage can do"),
    ("precautions", "Take care"),
    ("see_a_doctor_if", DOCTOR_TITLE),
    ("cannot_replace", "What massage cannot replace"),
)


def by_urgency(condition: Condition) -> list[DoctorSign]:
    """The entry's `see_a_doctor_if` items, most urgent first (the file's order within an urgency),
    so that a reader who stops at the first line has read the most urgent one."""
    return sorted(condition.see_a_doctor_if, key=Urgency.order)


def doctor_groups(condition: Condition) -> list[tuple[str, list[str]]]:
    """The `see_a_doctor_if` signs grouped under their action, most urgent first: the action once,
    then its signs (a handout says "Call emergency services ... now:" once, not after every sign)."""
    groups: dict[str, list[str]] = {}
    for item in by_urgency(condition):
        action = item.urgency.instruction if item.urgency else UNKNOWN_URGENCY
        groups.setdefault(action, []).append(item.text)
    return list(groups.items())


TELL_TITLE = "Tell your therapist"
"""The patient's section of the entry's session block: what to tell the massage therapist."""


def sections(condition: Condition) -> list[tuple[str, tuple[str, ...]]]:
    """The advice sections of a condition, as (heading, items), in display order; 'Tell your
    therapist' after 'Take care' when the entry has a session block."""
    out = [
        (title, tuple(item.line for item in by_urgency(condition)))
        if attr == "see_a_doctor_if"
        else (title, getattr(condition, attr))
        for attr, title in SECTIONS
    ]
    tell = tell_lines(condition)
    if tell:
        out.insert(2, (TELL_TITLE, tell))
    return out


def tell_lines(condition: Condition) -> tuple[str, ...]:
    """The session block's 'Tell your therapist' sentences that 'Take care' does not already say
    (in its words, "Tell the therapist ..."): the patient reads each thing once."""
    if condition.session is None:
        return ()
    from difflib import SequenceMatcher

    said = [_plain(p) for p in condition.precautions if "therapist" in p.lower()]
    return tuple(
        line
        for line in condition.session.tell_your_therapist
        if not any(
            _plain(line) in p or SequenceMatcher(None, _plain(line), p).ratio() >= SAID_RATIO for p in said
        )
    )


SAID_RATIO = 0.85
"""How alike a 'Tell your therapist' sentence and a precaution must be to count as saying the same."""


def _plain(text: str) -> str:
    text = text.lower().replace("tell the therapist", "tell your therapist")
    return " ".join("".join(ch if ch.isalnum() else " " for ch in text).split())


def label(answer: Answer) -> str:
    """The badge of an answer: the verdict's label, or, when warning signs call for care today or
    sooner, the action's own words ("See a doctor today"), so that the badge, the headline and the
    flags use one set of urgency words."""
    assert answer.verdict is not None
    if answer.action is not None and answer.action is not Action.SOON:
        return answer.action.label
    return answer.verdict.label


def headline(answer: Answer) -> str:
    """What the badge means, in words that do not repeat it ("SEE A DOCTOR TODAY: Massage is not
    the answer.", not "... See a doctor today." twice)."""
    text = answer.headline
    said = label(answer).rstrip(".") + "."
    if answer.action is not None and text.endswith(" " + answer.action.instruction):
        instruction = answer.action.instruction
        rest = instruction[len(said) :].strip() if instruction.startswith(said) else instruction
        text = text[: -len(instruction)] + rest
    return text.strip()


def verdict_line(answer: Answer) -> str:
    """The first line of every human format: the verdict and what to do."""
    return f"{label(answer).upper()}: {headline(answer)}"


def evidence_line(condition: Condition) -> str:
    """How strong the evidence is, as one line."""
    return f"How strong the research is: {condition.evidence.level.label}. {condition.evidence.summary}"


SHOWN_CODES = 6
"""A page shows this many ICD-10-CM codes of an entry, then "and N more" (JSON lists them all)."""


def codes_text(condition: Condition) -> str:
    """The entry's codes for people: the first six, then how many more ("" when it has none)."""
    codes = condition.icd10
    shown = ", ".join(codes[:SHOWN_CODES])
    more = len(codes) - SHOWN_CODES
    return f"{shown} and {more} more (all in --format json)" if more > 0 else shown


def details_line(condition: Condition) -> str:
    """Codes, category and review date on one line; when the first (main) code has a note, the note
    follows, so a narrow code is never shown as the entry's code without it ("M54.51 is only for...")."""
    line = f"ICD-10-CM: {codes_text(condition) or 'none'}. Category: {condition.category}. Reviewed: {condition.reviewed}."
    note = condition.code_note(condition.icd10[0]) if condition.icd10 else ""
    return f"{line} About {condition.icd10[0]}: {note}" if note else line


def flag_heading(answer: Answer) -> str:
    """The warning line shown above everything else when red flags are found."""
    if answer.action is Action.EMERGENCY:
        return "WARNING: Call emergency services or go to the emergency department now."
    if answer.action is Action.NOW:
        return "WARNING: Call your care team now, before any massage."
    if answer.action is Action.SOON:
        return "WARNING: See a doctor within a few days, before any massage."
    return "WARNING: See a doctor today, before any massage."


REASONS = {
    "denied": "you said no",
    "other": "someone else's, not now",
    "past": "in the past",
    "everyday": "an everyday cause",
}
"""Why a sign mention did not count, in plain words (JSON `set_aside[].reason` keys)."""


def set_aside_line(answer: Answer) -> str | None:
    """Signs the words mention that did not count, and why: so a reader sees why there is no warning."""
    if not answer.set_aside:
        return None
    parts = [
        f'"{shorten(hit.words, 60)}" ({REASONS.get(hit.reading.status, hit.reading.status)})'
        for hit in answer.set_aside
    ]
    return f"Not counted: {'; '.join(parts)}."


def if_happens_lines(answer: Answer) -> list[str]:
    """The advice of signs asked about as a "what if": information, not an emergency now."""
    return [f"If this happens ({hit.flag.name}): {hit.flag.message}" for hit in answer.if_happens]


def flag_page(answer: Answer) -> bool:
    """Whether the answer is a warning sign's own page: a sign counts and no condition matched."""
    return bool(answer.red_flags) and answer.condition is None


def flag_sources(answer: Answer) -> list[Source]:
    """The sources of every warning sign shown, each once, in order."""
    seen: dict[str, Source] = {}
    for flag in answer.red_flags:
        for source in flag.sources:
            seen.setdefault(source.url, source)
    return list(seen.values())


def clinic_line(kb: KnowledgeBase) -> str | None:
    """Who hands out the information and how to reach them, when a layer sets `clinic:`."""
    if kb.clinic is None:
        return None
    name = kb.clinic.name if kb.clinic.name.endswith((".", "!", "?")) else kb.clinic.name + "."
    return f"Clinic: {name} Contact: {kb.clinic.contact}" if kb.clinic.contact else f"Clinic: {name}"


def not_found_message(answer: Answer) -> str:
    """The lines for a query that matched nothing: why, when known, and the closest entries."""
    message = f"No condition found for '{shorten(answer.query, 200)}'."
    if answer.note:
        message += f" {answer.note}"
    if answer.suggestions:
        message += f" Did you mean: {', '.join(answer.suggestions)}?"
    return message


def also_line(answer: Answer) -> str | None:
    """The other conditions the words named, when the answer shows only the most cautious one."""
    if answer.match is None or not answer.match.also:
        return None
    others = ", ".join(c.name for c in answer.match.also)
    shown = answer.match.condition.verdict
    if all(c.verdict is shown for c in answer.match.also):
        return f"Your words also name: {others}. Their verdict is the same; check each one."
    return f"Your words also name: {others}. This answer is for the most cautious one; check each one."


def note_line(answer: Answer) -> str | None:
    """What to know about how a found answer matched (a code's meaning), if anything."""
    return f"Note: {answer.note}" if answer.note and answer.found else None


def for_later_line(condition: Condition) -> str:
    """Where the advice left out of a one-page handout with many warning signs can be read."""
    return (
        "What massage can do, what it cannot replace and how strong the research is are for later, "
        f"after a doctor has seen you: massage-cli check {condition.id}"
    )


def red_flag_override(answer: Answer) -> str | None:
    """Why the shown verdict differs from the condition's own, if it does."""
    if answer.red_flags and answer.condition and answer.condition.verdict is not Verdict.URGENT:
        return (
            "Because of the warning signs above, the advice below is for later. "
            "Get checked by a doctor first."
        )
    return None


def validation_summary(files: Sequence[str], problems: Sequence[Problem], kb: KnowledgeBase | None) -> str:
    """One line that says whether the files are valid, how many have problems, and what they hold."""
    if problems:
        from ..layers import files_with_problems

        bad = len(files_with_problems(files, problems))
        where = f"{bad} of {len(files)} file(s)" if bad else f"the merge of {len(files)} file(s)"
        return f"INVALID: {len(problems):,} problem{'s' if len(problems) != 1 else ''} in {where}."
    assert kb is not None
    return (
        f"VALID: {len(files)} file(s); {len(kb.conditions)} conditions, {len(kb.faq)} FAQ answers, "
        f"{len(kb.red_flags)} red flags, {len(kb.medicines)} medicine groups."
    )


def problem_lines(problems: Sequence[Problem], limit: int | None) -> list[str]:
    """The problems as lines: all of them, or (with a limit) the first ones and then counts by kind."""
    if limit is None:
        return [str(p) for p in problems]
    from ..layers import summarise

    shown, more = summarise(problems, limit)
    return [str(p) for p in shown] + [f"{n:,} more: {kind}" for kind, n in more]


PATH_COLUMNS = ("origin", "path", "status")


def faq_hint(kb: KnowledgeBase) -> str:
    """How to open an answer, under the list of questions."""
    example = next((faq.id for faq in kb.faq if faq.id == "medicare"), kb.faq[0].id if kb.faq else "medicare")
    return f"To read an answer: massage-cli faq ID (for example: massage-cli faq {example}), or a topic word."


def cited_by(citation: Citation) -> str:
    """The entries citing a source, as 'kind:id' items."""
    return ", ".join(kind if kind == entry else f"{kind}:{entry}" for kind, entry in citation.cited_by)


def readability_summary(problems: Sequence[str]) -> str:
    """Whether the reading level meets the target, in one line."""
    from ..readability import CEILING, TARGET_MEDIAN  # only `validate --readability` needs these

    if problems:
        return (
            f"TOO HARD: {len(problems)} problem(s). Aim for grade {TARGET_MEDIAN:g} or lower: "
            "short sentences, everyday words."
        )
    return (
        f"OK: the median entry reads at grade {TARGET_MEDIAN:g} or lower, and none above grade {CEILING:g}."
    )


LISTING_COLUMNS = ("ID", "Name", "Verdict", "Evidence", "Category", "Body parts", "ICD-10-CM")
HITS_COLUMNS = ("ID", "Name", "Verdict", "Score")


LISTING_REQUIRED = 3
"""ID, Name and Verdict stay at any width; the columns after them are dropped, last first, to fit."""


def fit_widths(
    natural: Sequence[int], minimums: Sequence[int], required: int, width: int, gap: int, edge: int
) -> list[int] | None:
    """Column widths for a table `width` wide, or None when not even the required columns fit.

    Columns after the first `required` are dropped, last first, until the rest fit at their
    `minimums`; then the widest columns are narrowed (never the first: it is what people type)
    until the table fits. `gap` is the space each column adds around its text (padding and a
    rule), `edge` the space the table adds once (its outer rules).
    """
    for count in range(len(natural), required - 1, -1):
        if sum(minimums[:count]) + gap * count + edge <= width:
            widths = list(natural[:count])
            while count > 1 and sum(widths) + gap * count + edge > width:
                widest = max(range(1, count), key=lambda i: widths[i] - minimums[i])
                widths[widest] -= 1
            return widths
    return None


NARROWEST_CELL = 12
"""A column that wraps its text is not made narrower than this (unless its text is shorter)."""


def readable_minimum(cells: Sequence[str], header: str = "") -> int:
    """The narrowest a column can wrap to and stay readable: its longest word, at least NARROWEST_CELL."""
    texts = [header, *cells]
    longest = max((len(t) for t in texts), default=0)
    longest_word = max((len(w) for t in texts for w in t.split()), default=0)
    return min(longest, max(NARROWEST_CELL, longest_word))


def listing_rows(conditions: Sequence[Condition]) -> list[tuple[str, ...]]:
    """One row of text cells per condition, in LISTING_COLUMNS order."""
    return [
        (
            c.id,
            c.name,
            c.verdict.value,
            c.evidence.level.label,
            c.category,
            ", ".join(c.body_parts),
            codes_text(c),
        )
        for c in conditions
    ]


def hits_rows(found: Sequence[Hit]) -> list[tuple[str, ...]]:
    """One row of text cells per search hit, in HITS_COLUMNS order."""
    return [(h.condition.id, h.condition.name, h.condition.verdict.value, f"{h.score:g}") for h in found]
