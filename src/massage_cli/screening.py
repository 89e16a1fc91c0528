"""The red-flag screening walk-through: yes/no answers in, one of three outcomes out."""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable
from dataclasses import dataclass

from .model import Action, RedFlag


class Outcome(str, enum.Enum):
    """What the answers mean. None of them says massage is safe."""

    EMERGENCY = "emergency"
    CALL_CARE_TEAM = "call-care-team"
    """A sign whose advice is to call one's own care team now (maternity unit, cancer team)."""
    SEE_A_DOCTOR = "see-a-doctor"
    NO_WARNING_SIGNS = "no-warning-signs"

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
        "You reported no warning signs. Massage may be an option. Still check with your doctor "
        "before you start, and stop if new signs appear."
    ),
}

YES_WORDS = ("yes", "y", "yeah", "yep", "yup", "sure", "ok", "okay", "true", "1")
NO_WORDS = ("no", "n", "nah", "nope", "nay", "false", "0")
_NOT_WORD = re.compile(r"[\W_]+")


def parse_answer(text: str) -> bool | None:
    """True for a yes word, False for a no word, None for anything else (case and punctuation ignored)."""
    word = _NOT_WORD.sub("", text.casefold())
    if word in YES_WORDS:
        return True
    if word in NO_WORDS:
        return False
    return None


def questions(flags: Iterable[RedFlag]) -> list[RedFlag]:
    """The flags in the order they are asked: emergencies first, then 'call your care team now'."""
    order = list(Action)
    return sorted(flags, key=lambda f: order.index(f.action))


@dataclass(frozen=True)
class Screening:
    """The answers given and what they mean."""

    answers: tuple[tuple[RedFlag, bool | None], ...]
    """Each flag with yes (True), no (False) or not asked (None)."""

    @property
    def flagged(self) -> tuple[RedFlag, ...]:
        """The flags answered yes."""
        return tuple(flag for flag, yes in self.answers if yes)

    @property
    def outcome(self) -> Outcome:
        """The most urgent action of the signs answered yes: emergency, call the care team now, see
        a doctor; else no warning signs."""
        if any(f.action is Action.EMERGENCY for f in self.flagged):
            return Outcome.EMERGENCY
        if any(f.action is Action.NOW for f in self.flagged):
            return Outcome.CALL_CARE_TEAM
        if self.flagged:
            return Outcome.SEE_A_DOCTOR
        return Outcome.NO_WARNING_SIGNS


def screen(flags: Iterable[RedFlag], answers: Iterable[bool]) -> Screening:
    """Pair questions with answers in order; stop after the first emergency 'yes'."""
    asked = questions(flags)
    given = list(answers)
    pairs: list[tuple[RedFlag, bool | None]] = []
    stopped = False
    for i, flag in enumerate(asked):
        yes = None if stopped or i >= len(given) else given[i]
        pairs.append((flag, yes))
        stopped = stopped or (yes is True and flag.action is Action.EMERGENCY)
    return Screening(tuple(pairs))


def from_ids(flags: Iterable[RedFlag], yes_ids: Iterable[str]) -> Screening:
    """A screening where the named flags are 'yes' and every other flag is 'no'."""
    wanted = set(yes_ids)
    return Screening(tuple((flag, flag.id in wanted) for flag in questions(flags)))
