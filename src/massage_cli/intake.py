"""A pre-session intake: the person's conditions and medicines, their answers to the warning-sign
questions that fit them, and one session plan for the therapist. Pure: the CLI asks and prints."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

from .model import Condition, Massage, Medicine, RedFlag, Session
from .screening import Outcome, Reply, choose, outcome_of, questions
from .session import Plan, combine, find_medicine

if TYPE_CHECKING:
    from .answer import Answer
    from .matching import Index


FOR_THE_THERAPIST = {
    "emergency": "Do not start. The person needs emergency care: call emergency services or go to the emergency department now.",
    "call-care-team": "Do not start. The person should call their care team now (their maternity unit or cancer team's 24-hour line). If they cannot reach them, call emergency services.",
    "see-a-doctor": "Do not start. The person should see a doctor first, today if they can.",
    "no-warning-signs": "No warning signs reported. Follow the session plan below, and stop if new signs appear.",
    "not-screened": "Warning signs not checked yet. Ask the questions below before you start.",
}
"""What each outcome tells the therapist (screening.Outcome values), action first."""


NOT_NOW = "Do not start a massage: the plan below says not now, and until when."
"""The intake's message when no warning sign is reported but a condition's rule is not now."""


@dataclass(frozen=True)
class Named:
    """One condition as the person gave it, and what it was found to be."""

    words: str
    condition: Condition | None
    """None when nothing in the knowledge base fits the words."""
    flags: tuple[RedFlag, ...] = ()
    """Warning signs the words themselves describe ("my calf is red and swollen")."""
    read_with: str = ""
    """The other words it was read with when it named nothing alone ('' : read alone)."""


@dataclass(frozen=True)
class Taken:
    """One medicine as the person gave it, and its group (None: not a group that changes a session)."""

    words: str
    medicine: Medicine | None
    taken: bool = True
    """False when the words deny it ("not on blood thinners"): it is left out of the plan."""


def _taken(medicines: Sequence[Medicine], words: str) -> Taken:
    """A medicine as given; denied words ("not on warfarin", "no blood thinners") are not taken.
    A past one ("stopped warfarin last week") still counts: its effect may last."""
    from .statements import read

    denied = any(trigger.kind == "neg" for trigger in read(words).triggers)
    return Taken(words, find_medicine(medicines, words), taken=not denied)


@dataclass(frozen=True)
class Intake:
    """What an intake found, and the plan it gives."""

    conditions: tuple[Named, ...]
    medicines: tuple[Taken, ...]
    asked: tuple[tuple[RedFlag, Reply | None], ...]
    """The warning-sign questions that fit the person, each with its answer (None: not answered)."""
    plan: Plan

    @property
    def warning_signs(self) -> tuple[RedFlag, ...]:
        """Signs answered yes or not sure, and signs the person's own words describe, most urgent first."""
        found: dict[str, RedFlag] = {}
        for flag, reply in self.asked:
            if reply in (Reply.YES, Reply.UNSURE):
                found.setdefault(flag.id, flag)
        for named in self.conditions:
            for flag in named.flags:
                found.setdefault(flag.id, flag)
        return tuple(questions(found.values()))

    @property
    def to_ask(self) -> tuple[RedFlag, ...]:
        """The questions that fit the person but were not answered: the therapist asks them."""
        return tuple(flag for flag, reply in self.asked if reply is None)

    @property
    def message(self) -> str:
        """The outcome in words for the therapist, action first. With no warning sign but a
        condition whose rule is 'not now' (a clot being treated), that comes first."""
        advice = FOR_THE_THERAPIST[self.outcome.value]
        if self.warning_signs or self.plan.massage is not Massage.NOT_NOW:
            return advice
        if self.outcome is Outcome.NOT_SCREENED:
            return f"{NOT_NOW} Ask the questions below too."
        return NOT_NOW

    @property
    def label(self) -> str:
        """The outcome as a badge: 'NO WARNING SIGNS', or 'NOT NOW' when the plan says not now."""
        if not self.warning_signs and self.plan.massage is Massage.NOT_NOW:
            return "NOT NOW"
        return self.outcome.value.upper().replace("-", " ")

    @property
    def outcome(self) -> Outcome:
        """The most urgent action of the warning signs; no warning signs only when every question
        that fits was answered no; otherwise not screened."""
        return outcome_of(self.warning_signs, screened=not self.to_ask)


def fitting_questions(
    index: Index, conditions: Sequence[str], medicines: Sequence[str] = ()
) -> tuple[RedFlag, ...]:
    """The warning-sign questions that fit all the conditions and medicines named (the general ones
    always; a blood thinner adds the signs of bleeding), in asking order: emergencies first."""
    wanted: dict[str, RedFlag] = {}
    for words in (*conditions, *medicines) or ("",):
        for flag in choose(index, words).flags:
            wanted.setdefault(flag.id, flag)
    return tuple(questions(wanted.values()))


def find(index: Index, words: str) -> Named:
    """What one condition, as the person wrote it, is in the knowledge base."""
    from .answer import answer

    found: Answer = answer(index, words)
    return Named(words, found.condition, tuple(found.red_flags))


def _read_together(index: Index, named: list[Named]) -> tuple[Named, ...]:
    """A part that names nothing alone is read with each other part ("swollen arm" with "after
    breast cancer treatment" finds lymphedema): a condition not named already is kept. A part that
    only speaks of what is not there now (denied, past, someone else's, a "what if": "no
    numbness", "fever: no") and reads as the other part's own condition says more about that
    condition, and is no unknown condition. A part with such words is read only after the other,
    so that "fever: no" never reads as a fever."""
    from .answer import answer
    from .statements import read as read_statement

    found_ids = {n.condition.id for n in named if n.condition}

    def read(n: Named) -> Named:
        statement = read_statement(n.words)
        not_now = statement.has_triggers and all(t.kind != "uncertain" for t in statement.triggers)
        readings = []
        for other in named:
            if other is not n:
                texts = [f"{other.words}, {n.words}"] + (
                    [] if statement.has_triggers else [f"{n.words} {other.words}"]
                )
                readings += [(other, answer(index, text).condition) for text in texts]
        for other, together in readings:
            if together is not None and together.id not in found_ids:
                found_ids.add(together.id)
                return Named(n.words, together, n.flags, read_with=other.words)
        for other, together in readings:
            if (
                not_now
                and together is not None
                and other.condition is not None
                and together.id == other.condition.id
            ):
                return Named(n.words, together, n.flags, read_with=other.words)
        return n

    return tuple(n if n.condition is not None else read(n) for n in named)


def build(
    index: Index,
    conditions: Sequence[str],
    medicines: Sequence[str],
    answers: Mapping[str, Reply] | Iterable[Reply] = (),
    asked: Sequence[RedFlag] | None = None,
) -> Intake:
    """The intake for these conditions and medicines. `answers` are by sign id (a file) or in the
    order of `asked` (a terminal); `asked` defaults to the questions that fit the conditions."""
    named = _read_together(index, [find(index, words) for words in conditions])
    taken = tuple(_taken(index.kb.medicines, words) for words in medicines)
    fitting = tuple(asked) if asked is not None else fitting_questions(index, conditions, medicines)
    if isinstance(answers, Mapping):
        # A sign answered in a file counts even when it is not among the questions that fit.
        extra = tuple(f for f in questions(index.kb.red_flags) if f.id in answers and f not in fitting)
        fitting = tuple(questions((*fitting, *extra)))
        replies = {flag.id: answers.get(flag.id) for flag in fitting}
    else:
        replies = dict(zip((flag.id for flag in fitting), answers))
    pairs = tuple((flag, replies.get(flag.id)) for flag in fitting)
    parts = [
        (n.condition.name if n.condition else n.words, n.condition.session if n.condition else None)
        for n in named
    ]
    parts += [
        (t.medicine.name if t.medicine else t.words, t.medicine.session if t.medicine else None)
        for t in taken
        if t.taken
    ]
    unfinished = Intake(named, taken, pairs, combine([]))
    plan = combine(_unique_parts(parts), warning_sign=bool(unfinished.warning_signs))
    return Intake(named, taken, pairs, plan)


def _unique_parts(parts: list[tuple[str, Session | None]]) -> list[tuple[str, Session | None]]:
    """Each condition or medicine once, however many times it was named."""
    seen: dict[str, tuple[str, Session | None]] = {}
    for name, session in parts:
        seen.setdefault(name, (name, session))
    return list(seen.values())


MAX_ANSWERS_BYTES = 1_000_000
"""An answers file larger than this is refused (an intake is a few lines)."""
ANSWERS_FIELDS = ("conditions", "medicines", "answers")


class AnswersError(ValueError):
    """An answers file that cannot be used; the message says why, in one line."""


class AnswersFile(NamedTuple):
    conditions: tuple[str, ...]
    medicines: tuple[str, ...]
    answers: dict[str, Reply]


def read_answers(text: str, known: Iterable[str]) -> AnswersFile:
    """An answers file (YAML or JSON): `conditions` and `medicines` (lists of text, or one text)
    and `answers` (warning-sign id: yes, no or not sure). Nothing in it is run or interpreted
    beyond plain data."""
    import yaml

    from .screening import parse_answer

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise AnswersError(f"is not valid YAML or JSON{where}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise AnswersError("must be a mapping with conditions, medicines and answers")
    unknown = [str(key) for key in data if key not in ANSWERS_FIELDS]
    if unknown:
        raise AnswersError(f"has unknown field '{unknown[0]}'; known fields: {', '.join(ANSWERS_FIELDS)}")
    lists = {key: _texts(data.get(key), key) for key in ("conditions", "medicines")}
    raw = data.get("answers") or {}
    if not isinstance(raw, dict):
        raise AnswersError("answers must be a mapping of warning-sign id to yes, no or not sure")
    ids = set(known)
    answers: dict[str, Reply] = {}
    for key, value in raw.items():
        if key not in ids:
            raise AnswersError(
                f"answers: unknown warning sign '{key}' ('massage-cli red-flags --json' lists the ids)"
            )
        reply = {True: Reply.YES, False: Reply.NO}.get(value) if isinstance(value, bool) else None
        reply = reply or (parse_answer(str(value)) if value is not None else None)
        if reply is None:
            raise AnswersError(f"answers: '{key}' is not yes, no or not sure")
        answers[key] = reply
    return AnswersFile(lists["conditions"], lists["medicines"], answers)


def _texts(value: object, key: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, (str, int, float)) for v in value):
        raise AnswersError(f"{key} must be a list of text")
    return tuple(str(v).strip() for v in value if str(v).strip())
