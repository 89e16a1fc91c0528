"""The red-flag screening walk-through: the questions that fit, yes/no/not-sure answers in, one
outcome out."""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .model import Action, RedFlag

if TYPE_CHECKING:
    from .matching import Index


class Outcome(str, enum.Enum):
    """What the answers mean. None of them says massage is safe."""

    EMERGENCY = "emergency"
    CALL_CARE_TEAM = "call-care-team"
    """A sign whose advice is to call one's own care team now (maternity unit, cancer team)."""
    SEE_A_DOCTOR = "see-a-doctor"
    NO_WARNING_SIGNS = "no-warning-signs"
    NOT_SCREENED = "not-screened"
    """No question was answered (`--no-prompt` alone): nothing is known either way."""

    @property
    def message(self) -> str:
        """The outcome in plain words, the action first."""
        return _MESSAGES[self]


_MESSAGES = {
    Outcome.EMERGENCY: (
        "Call emergency services or go to the emergency department now. Do not get a massage."
    ),
    Outcome.CALL_CARE_TEAM: (
        "Call your care team now, such as your maternity unit or your cancer team's 24-hour line. "
        "If you cannot reach them, call emergency services. Do not get a massage."
    ),
    Outcome.SEE_A_DOCTOR: (
        "See a doctor first, today if you can. Do not get a massage until a doctor has checked you."
    ),
    Outcome.NO_WARNING_SIGNS: (
        "You reported none of the warning signs you were asked about. Massage may be an option. "
        "Still check with your doctor before you start, and stop if new signs appear."
    ),
    Outcome.NOT_SCREENED: (
        "No questions were answered, so this says nothing about warning signs. Run "
        "'massage-cli screen' to answer them, and check with your doctor before massage."
    ),
}


class Reply(str, enum.Enum):
    """One answer to one question."""

    YES = "yes"
    NO = "no"
    UNSURE = "unsure"
    """'I don't know': counts as yes, because a missed warning sign costs far more than a check."""

    @property
    def label(self) -> str:
        """The answer in plain words."""
        return {Reply.YES: "Yes", Reply.NO: "No", Reply.UNSURE: "Not sure"}[self]


UNSURE_WHY = (
    "Not sure counts as yes: it is far better to be checked and told it is nothing than to miss a "
    "warning sign. If you can, ask someone who knows you, or a nurse helpline, to help you answer."
)
"""Why 'not sure' is treated as yes, shown whenever a question was answered 'not sure'."""

YES_WORDS = ("yes", "y", "yeah", "yep", "yup", "sure", "ok", "okay", "true", "1")
NO_WORDS = ("no", "n", "nah", "nope", "nay", "false", "0")
UNSURE_WORDS = ("?", "not sure", "unsure", "don't know", "do not know", "idk", "dunno", "maybe", "no idea")
_UNSURE_KEYS = frozenset(
    {"notsure", "imnotsure", "unsure", "dontknow", "idontknow", "donotknow", "idonotknow", "idk", "dunno"}
    | {"maybe", "noidea", "notcertain", "perhaps", "possibly", "dk", "unknown"}
)
_NOT_WORD = re.compile(r"[\W_]+")


def parse_answer(text: str) -> Reply | None:
    """Yes, no or not sure from everyday words (case and punctuation ignored); None for anything else."""
    word = _NOT_WORD.sub("", text.casefold())
    if word in YES_WORDS:
        return Reply.YES
    if word in NO_WORDS:
        return Reply.NO
    if word in _UNSURE_KEYS or (not word and "?" in text):
        return Reply.UNSURE
    return None


def questions(flags: Iterable[RedFlag]) -> list[RedFlag]:
    """The flags in the order they are asked: emergencies first, then 'call your care team now'."""
    order = list(Action)
    return sorted(flags, key=lambda f: order.index(f.action))


GENERAL = ("chest-pain", "sudden-breathlessness", "stroke", "blood-clot-leg")
"""The signs asked of everyone before a massage, whatever they named: a heart attack, a clot in
the lung, a stroke, and a clot in the leg that rubbing could move."""


@dataclass(frozen=True)
class Choice:
    """The questions to ask, and what they were chosen for."""

    flags: tuple[RedFlag, ...]
    """The warning signs to ask about, in asking order."""
    topic: str = ""
    """What the questions were chosen for, in words ('Low back pain'); '' for the general ones."""
    understood: bool = True
    """False when words were given but named no condition, sign or group: the general questions."""
    total: int = 0
    """How many warning signs there are in all."""

    @property
    def everything(self) -> bool:
        """Whether every warning sign is asked."""
        return len(self.flags) == self.total


def choose(index: Index, about: str = "", everything: bool = False) -> Choice:
    """The questions that fit what the person named: the general ones, the signs the condition's
    own 'see a doctor if' list names and those that lead to it, signs named in the words, and the
    signs of a group the words name (pregnant, a baby, chemotherapy). Every sign with `everything`."""
    flags = questions(index.kb.red_flags)
    if everything:
        return Choice(tuple(flags), "every warning sign", total=len(flags))
    from .answer import answer
    from .statements import read

    wanted = set(GENERAL)
    topic = ""
    understood = not about.strip()
    if about.strip():
        found = answer(index, about)
        wanted |= {hit.flag.id for hit in (*found.hits, *found.if_happens)}
        population = read(about).population
        groups = set(population.names())
        wanted |= {flag.id for flag in flags if set(flag.who) & groups}
        condition = found.condition
        if condition is not None:
            topic = condition.name
            wanted |= {flag.id for flag in flags if flag.entry == condition.id}
            scanner = index.red_flag_index()
            context = f"{condition.name} {condition.category}"
            for sign in condition.see_a_doctor_if:
                scan = scanner.scan(sign.text, context)
                wanted |= {hit.flag.id for hit in (*scan.flags, *scan.if_happens)}
        elif found.red_flags:
            topic = found.red_flags[0].name
        understood = bool(topic or groups)
        age = population.age_years
        if age is not None:
            wanted -= {flag.id for flag in flags if age < flag.min_age}
    chosen = tuple(flag for flag in flags if flag.id in wanted)
    return Choice(chosen or tuple(flags), topic, understood, total=len(flags))


@dataclass(frozen=True)
class Screening:
    """The answers given and what they mean."""

    answers: tuple[tuple[RedFlag, Reply | None], ...]
    """Each flag with yes, no, not sure, or None when it was not asked."""

    @property
    def flagged(self) -> tuple[RedFlag, ...]:
        """The flags answered yes."""
        return tuple(flag for flag, reply in self.answers if reply is Reply.YES)

    @property
    def unsure(self) -> tuple[RedFlag, ...]:
        """The flags answered 'not sure' (they count as yes)."""
        return tuple(flag for flag, reply in self.answers if reply is Reply.UNSURE)

    @property
    def asked(self) -> tuple[tuple[RedFlag, Reply], ...]:
        """The questions answered, in order, with their answers."""
        return tuple((flag, reply) for flag, reply in self.answers if reply is not None)

    @property
    def outcome(self) -> Outcome:
        """The most urgent action of the signs answered yes or not sure: emergency, call the care
        team now, see a doctor; else no warning signs (or not screened when nothing was answered)."""
        return outcome_of((*self.flagged, *self.unsure), screened=bool(self.asked))


def outcome_of(signs: Iterable[RedFlag], *, screened: bool) -> Outcome:
    """The most urgent action of the signs present: emergency, call the care team now, see a
    doctor; with none, no warning signs when `screened`, else not screened."""
    actions = {flag.action for flag in signs}
    if Action.EMERGENCY in actions:
        return Outcome.EMERGENCY
    if Action.NOW in actions:
        return Outcome.CALL_CARE_TEAM
    if actions:
        return Outcome.SEE_A_DOCTOR
    return Outcome.NO_WARNING_SIGNS if screened else Outcome.NOT_SCREENED


def stops(flag: RedFlag, reply: Reply) -> bool:
    """Whether this answer ends the walk-through: yes or not sure to an emergency sign."""
    return reply is not Reply.NO and flag.action is Action.EMERGENCY


def screen(flags: Iterable[RedFlag], answers: Iterable[Reply], asked: Sequence[RedFlag] = ()) -> Screening:
    """Pair the asked questions (default: every flag) with answers in order; stop after the first
    emergency 'yes' or 'not sure'. Every flag is in the result, None where it was not asked."""
    every = questions(flags)
    order = list(asked) if asked else every
    given = list(answers)
    replies: dict[str, Reply] = {}
    for flag, reply in zip(order, given):
        replies[flag.id] = reply
        if stops(flag, reply):
            break
    return Screening(tuple((flag, replies.get(flag.id)) for flag in every))


def from_ids(flags: Iterable[RedFlag], yes_ids: Iterable[str]) -> Screening:
    """A screening where the named flags are 'yes' and every other flag was not asked."""
    wanted = set(yes_ids)
    return Screening(tuple((flag, Reply.YES if flag.id in wanted else None) for flag in questions(flags)))
