"""Reading level of the patient-facing text, scored with textstat (an optional dependency)."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from .model import Condition, Faq, KnowledgeBase, RedFlag, Session

TARGET_MEDIAN = 6.0
"""US health bodies ask for a 6th-8th grade reading level: the median entry must be at most this."""
CEILING = 8.0
"""No single entry may score above this grade."""


class ReadabilityUnavailable(Exception):
    """textstat is not installed."""


def condition_text(condition: Condition) -> str:
    """Everything a patient reads about a condition, as one text."""
    parts = [
        condition.summary,
        *condition.benefits,
        *condition.precautions,
        *(item.line for item in condition.see_a_doctor_if),
        *condition.cannot_replace,
        condition.evidence.summary,
        *(condition.session.tell_your_therapist if condition.session else ()),
    ]
    return " ".join(_sentence(p) for p in parts)


def session_text(session: Session) -> str:
    """What the therapist reads in a session block (the patient's lines are in condition_text)."""
    parts = [session.until, session.duration, session.timing, *session.ask_first]
    parts += [session.pressure.why] if session.pressure else []
    parts += [session.position.why] if session.position else []
    parts += [f"{item.what}: {item.why}" if item.why else item.what for item in session.avoid]
    return " ".join(_sentence(p) for p in parts if p)


def faq_text(faq: Faq) -> str:
    """The answer a patient reads."""
    return faq.answer


def red_flag_text(flag: RedFlag) -> str:
    """What a patient reads when a red flag is raised or listed."""
    return " ".join(_sentence(p) for p in (flag.may_mean, flag.message))


def _sentence(text: str) -> str:
    """List items are sentences to a reader: end each with a full stop for the scorer."""
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else text + "."


class Score(NamedTuple):
    """One entry's reading grade."""

    kind: str
    """condition, faq or red-flag."""
    id: str
    grade: float


def grader() -> Callable[[str], float]:
    """textstat's Flesch-Kincaid grade, or ReadabilityUnavailable when textstat is missing."""
    try:
        import textstat
    except ImportError:
        raise ReadabilityUnavailable(
            "reading-level scores need textstat: pip install textstat "
            "(from a checkout of massage-cli: pip install '.[authoring]')"
        ) from None
    return textstat.flesch_kincaid_grade  # type: ignore[no-any-return]


def scores(kb: KnowledgeBase, grade: Callable[[str], float] | None = None) -> list[Score]:
    """Every patient-facing entry's grade, hardest first."""
    grade = grade or grader()
    found = [Score("condition", c.id, grade(condition_text(c))) for c in kb.conditions]
    found += [Score("faq", f.id, grade(faq_text(f))) for f in kb.faq]
    found += [Score("red-flag", f.id, grade(red_flag_text(f))) for f in kb.red_flags]
    found += [Score("session", c.id, grade(session_text(c.session))) for c in kb.conditions if c.session]
    found += [Score("medicine", m.id, grade(session_text(m.session))) for m in kb.medicines]
    return sorted(found, key=lambda s: (-s.grade, s.kind, s.id))


def gate(found: list[Score]) -> list[str]:
    """Why the text is too hard to read, entry by entry; empty when it meets the targets."""
    problems = []
    for kind in sorted({s.kind for s in found}):
        grades = sorted(s.grade for s in found if s.kind == kind)
        middle = len(grades) // 2
        median = grades[middle] if len(grades) % 2 else (grades[middle - 1] + grades[middle]) / 2
        if median > TARGET_MEDIAN:
            problems.append(f"{kind} entries: median grade {median:.1f} is above {TARGET_MEDIAN:g}")
    for s in found:
        if s.grade > CEILING:
            problems.append(f"{s.kind} {s.id!r}: grade {s.grade:.1f} is above {CEILING:g}")
    return problems
