"""Records of the knowledge base: immutable named tuples (cheap to define at start-up), no I/O."""

from __future__ import annotations

import enum
from typing import Any, NamedTuple, TypeVar


class Verdict(str, enum.Enum):
    """Whether massage fits a condition, from most to least reassuring."""

    HELPS = "helps"
    MAY_HELP = "may-help"
    UNPROVEN = "unproven"
    NOT_A_SUBSTITUTE = "not-a-substitute"
    AVOID = "avoid"
    URGENT = "urgent"

    @property
    def rank(self) -> int:
        """0 for the most reassuring verdict, 5 for the most cautious."""
        return list(Verdict).index(self)

    @property
    def label(self) -> str:
        """A short badge for people."""
        return _VERDICT_LABELS[self]

    @property
    def headline(self) -> str:
        """What the verdict means, action first, in one or two short sentences."""
        return _VERDICT_HEADLINES[self]


_VERDICT_LABELS = {
    Verdict.HELPS: "Massage can help",
    Verdict.MAY_HELP: "May help, with care",
    Verdict.UNPROVEN: "No good evidence",
    Verdict.NOT_A_SUBSTITUTE: "Not a substitute for care",
    Verdict.AVOID: "Avoid massage for now",
    Verdict.URGENT: "Get medical care",
}
"""No time word in the urgent label: the entry (its summary) or the warning signs say how soon, and a
badge saying "now" above "see a doctor today" would be two answers. See Action.label."""

_VERDICT_HEADLINES = {
    Verdict.HELPS: "It is a reasonable choice and likely to ease symptoms.",
    Verdict.MAY_HELP: "It can help with care. Ask your doctor or health professional first.",
    Verdict.UNPROVEN: (
        "There is no good evidence that massage does this. Do not count on it, or pay for it, to do this."
    ),
    Verdict.NOT_A_SUBSTITUTE: (
        "Get medical care first. Massage may ease discomfort, but it does not treat the cause."
    ),
    Verdict.AVOID: "Do not massage the affected area until a doctor says it is safe.",
    Verdict.URGENT: "Massage is not the answer. The advice below says how soon to get care.",
}


class EvidenceLevel(str, enum.Enum):
    """How strong the research behind a statement is."""

    HIGH = "high"
    MODERATE = "moderate"
    LOW = "low"
    VERY_LOW = "very-low"
    EXPERT_OPINION = "expert-opinion"

    @property
    def label(self) -> str:
        """The level in plain words, for people."""
        return _EVIDENCE_LABELS[self]


_EVIDENCE_LABELS = {
    EvidenceLevel.HIGH: "strong",
    EvidenceLevel.MODERATE: "fair",
    EvidenceLevel.LOW: "weak",
    EvidenceLevel.VERY_LOW: "very weak",
    EvidenceLevel.EXPERT_OPINION: "no studies (expert advice only)",
}


class Action(str, enum.Enum):
    """What to do when a red flag is present, most urgent first."""

    EMERGENCY = "emergency"
    NOW = "now"
    """Contact your own care team now (the maternity unit, the cancer team's 24-hour line)."""
    URGENT = "urgent"
    SOON = "soon"
    """See a doctor within a few days: a sign the sources do not call urgent (a gland that stays)."""

    @property
    def instruction(self) -> str:
        """The action in plain words."""
        return _ACTION_WORDS[self]

    @property
    def label(self) -> str:
        """A short badge for an answer whose warning signs call for this action: its first words."""
        return _ACTION_LABELS[self]


_ACTION_WORDS = {
    Action.EMERGENCY: "Call emergency services or go to the emergency department now.",
    Action.NOW: "Call your care team now. If you cannot reach them, call emergency services.",
    Action.URGENT: "See a doctor today.",
    Action.SOON: "See a doctor within a few days.",
}


class Urgency(str, enum.Enum):
    """How soon to see a doctor about a `see_a_doctor_if` sign, most urgent first."""

    EMERGENCY = "emergency"
    NOW = "now"
    """Call your own care team now (maternity unit, cancer team, surgical team); they decide where."""
    TODAY = "today"
    SOON = "soon"
    """Within a few days."""
    ROUTINE = "routine"

    @property
    def instruction(self) -> str:
        """What to do, in the same words in every entry and format."""
        return _URGENCY_WORDS[self]

    @staticmethod
    def order(item: DoctorSign) -> int:
        """Sort key: the most urgent item first; an item with no urgency (an old layer) last."""
        return list(Urgency).index(item.urgency) if item.urgency else len(Urgency)


_ACTION_LABELS = {
    Action.EMERGENCY: "Emergency",
    Action.NOW: "Call your care team now",
    Action.URGENT: "See a doctor today",
    Action.SOON: "See a doctor within a few days",
}

_URGENCY_WORDS = {
    Urgency.EMERGENCY: "Call emergency services or go to the emergency department now.",
    Urgency.NOW: _ACTION_WORDS[Action.NOW],
    Urgency.TODAY: "See a doctor today.",
    Urgency.SOON: _ACTION_WORDS[Action.SOON],
    Urgency.ROUTINE: "Tell your doctor at your next visit.",
}

UNKNOWN_URGENCY = "Ask a doctor how soon."
"""The action shown for an item written without an urgency (a clinic file from before urgencies)."""


class DoctorSign(NamedTuple):
    """One `see_a_doctor_if` item: a sign and how soon to see a doctor about it."""

    text: str
    """The sign, without time words: the action comes from `urgency`."""
    urgency: Urgency | None
    """None only for an item written as plain text (`validate` warns about it)."""
    sign: str = ""
    """The id of the shared sign (`signs:`) it is, or '' for an item written in the entry."""

    @property
    def action(self) -> str:
        """What to do about it, in words."""
        return self.urgency.instruction if self.urgency is not None else UNKNOWN_URGENCY

    @property
    def line(self) -> str:
        """The sign and the action, as every human format shows it."""
        return f"{self.text} {self.action}"


class SharedSign(NamedTuple):
    """A sign that several entries name, defined once so that its urgency cannot drift."""

    id: str
    text: str
    urgency: Urgency


class Source(NamedTuple):
    """A publication a fact comes from."""

    title: str
    url: str


class Evidence(NamedTuple):
    """How strong the evidence is, as a level and in plain words."""

    level: EvidenceLevel
    summary: str


class Massage(str, enum.Enum):
    """Whether a therapist may work, from most to least permissive (a combined plan takes the strictest)."""

    YES = "yes"
    WITH_CHANGES = "with-changes"
    LOCAL_ONLY = "local-only"
    """Work elsewhere, not on one area (an `avoid` area with no contact)."""
    NOT_NOW = "not-now"
    """No massage until the block's `until` is met."""

    @property
    def rank(self) -> int:
        """0 for yes, 3 for not now: the higher, the stricter."""
        return list(Massage).index(self)

    @property
    def label(self) -> str:
        """The rule in a few words, for the therapist."""
        return _MASSAGE_LABELS[self]


_MASSAGE_LABELS = {
    Massage.YES: "Yes, as usual",
    Massage.WITH_CHANGES: "Yes, with changes",
    Massage.LOCAL_ONLY: "Yes, but not on one area",
    Massage.NOT_NOW: "Not now",
}


class Position(str, enum.Enum):
    """How the person lies or sits on the table, in the order a plan suggests them."""

    SIDE = "side"
    PROPPED_UP = "propped-up"
    SEATED = "seated"
    FLAT_ON_BACK = "flat-on-back"
    FACE_DOWN = "face-down"

    @property
    def words(self) -> str:
        """The position in plain words."""
        return _POSITION_WORDS[self]


_POSITION_WORDS = {
    Position.SIDE: "lying on the side, with pillows",
    Position.PROPPED_UP: "propped up (half sitting)",
    Position.SEATED: "sitting",
    Position.FLAT_ON_BACK: "lying flat on the back",
    Position.FACE_DOWN: "lying face down",
}

PRESSURE_SCALE = (
    "a still hold, no pressure",
    "light lotioning (the lightest moving touch)",
    "heavy lotioning (firmer, still light)",
    "ordinary Swedish (relaxation) pressure",
    "deep pressure",
    "very deep pressure",
)
"""The words of each level of the Walton pressure scale, 0 to 5 (in our words)."""
PRESSURE_CREDIT = (
    "Pressure levels 0-5: the Walton pressure scale (Tracy Walton, Medical Conditions and Massage "
    "Therapy, 2011; after MacDonald and Nelson)."
)
PRESSURE_SOURCE_URL = "https://www.tracywalton.com/writing-and-publications/"
MAX_PRESSURE = len(PRESSURE_SCALE) - 1


def pressure_words(level: int) -> str:
    """A pressure level with its words: '2 of 5: heavy lotioning (firmer, still light)'."""
    return f"{level} of {MAX_PRESSURE}: {PRESSURE_SCALE[level]}"


class PositionRule(NamedTuple):
    """Positions to keep away from and those that suit best, and why."""

    avoid: tuple[Position, ...] = ()
    best: tuple[Position, ...] = ()
    why: str = ""


class Pressure(NamedTuple):
    """The most pressure that is safe, on the Walton scale."""

    max: int
    why: str = ""


class AvoidItem(NamedTuple):
    """An area to keep off (no contact, or a pressure limit) or a technique not to use."""

    area: str = ""
    technique: str = ""
    max: int | None = None
    """For an area: the most pressure on it; None: no contact at all."""
    why: str = ""

    @property
    def what(self) -> str:
        """The area or the technique."""
        return self.area or self.technique

    @property
    def rule(self) -> str:
        """What to do, in words."""
        if self.technique:
            return "do not use"
        if self.max is None:
            return "no contact"
        return f"pressure {pressure_words(self.max)} at most"


class Session(NamedTuple):
    """How a therapist adapts a session for one condition or medicine."""

    massage: Massage
    tell_your_therapist: tuple[str, ...]
    sources: tuple[Source, ...]
    until: str = ""
    position: PositionRule | None = None
    pressure: Pressure | None = None
    avoid: tuple[AvoidItem, ...] = ()
    duration: str = ""
    timing: str = ""
    ask_first: tuple[str, ...] = ()


class Medicine(NamedTuple):
    """A kind of medicine that changes how a session is given (blood thinners)."""

    id: str
    name: str
    names: tuple[str, ...]
    """What people type: generic and brand names, lower case."""
    session: Session


class Condition(NamedTuple):
    """One condition and what massage can and cannot do for it."""

    id: str
    name: str
    aliases: tuple[str, ...]
    icd10: tuple[str, ...]
    """ICD-10-CM codes with the dot, as written in the knowledge base."""
    category: str
    verdict: Verdict
    summary: str
    benefits: tuple[str, ...]
    precautions: tuple[str, ...]
    see_a_doctor_if: tuple[DoctorSign, ...]
    cannot_replace: tuple[str, ...]
    evidence: Evidence
    sources: tuple[Source, ...]
    reviewed: str
    """ISO date of the last review."""
    body_parts: tuple[str, ...] = ()
    """Where on the body the condition sits, from BODY_PARTS; empty for the whole body or a topic."""
    code_notes: tuple[tuple[str, str], ...] = ()
    """(code as written, note) for codes that reach this entry only with an explanation."""
    session: Session | None = None
    """How a therapist adapts a session; None only in a layer written before session blocks."""

    def code_note(self, code: str) -> str:
        """The note for one of this entry's codes, or ''."""
        return next((note for listed, note in self.code_notes if listed == code), "")


BODY_PARTS = (
    "head",
    "face",
    "jaw",
    "neck",
    "shoulder",
    "arm",
    "elbow",
    "wrist",
    "hand",
    "chest",
    "breast",
    "upper-back",
    "lower-back",
    "belly",
    "pelvis",
    "groin",
    "buttock",
    "hip",
    "thigh",
    "knee",
    "leg",
    "calf",
    "shin",
    "ankle",
    "foot",
    "heel",
    "skin",
    "whole-body",
)
"""The places on the body a condition's `body_parts` may name (README, "Knowledge base")."""


class Faq(NamedTuple):
    """A common question about massage and its answer."""

    id: str
    question: str
    answer: str
    topics: tuple[str, ...]
    """Words a person may type to find this question."""
    sources: tuple[Source, ...]


class RedFlag(NamedTuple):
    """A warning sign in what a person says that needs medical care, not massage."""

    id: str
    name: str
    action: Action
    may_mean: str
    message: str
    phrases: tuple[str, ...]
    """Everyday ways people describe the sign."""
    sources: tuple[Source, ...]
    question: str = ""
    """The yes/no question `screen` asks about this sign."""
    context: tuple[str, ...] = ()
    """Phrases of which one must also appear (anywhere) before the sign counts; empty: always counts."""
    min_age: int = 0
    """When set, a stated age below it means the sign does not count (no stated age: it counts)."""
    signs: tuple[tuple[str, ...], ...] = ()
    """Combinations of concept ids: the sign is there when every concept of one combination is
    named in one clause, in any order."""
    who: tuple[str, ...] = ()
    """Groups (statements.WHO) the sign counts for; empty: everyone."""
    unless: tuple[str, ...] = ()
    """Everyday look-alikes: a mention in a clause that also says one of these does not count."""
    past_counts: bool = False
    """Whether a past mention still counts (past cancer with new back pain)."""
    entry: str = ""
    """The condition to show with the sign when the words name no other ('' : the sign's own page)."""

    @property
    def ask(self) -> str:
        """The screening question, or one made from the name when the file gives none."""
        return self.question or f"Do you have this: {self.name}?"


CONCEPT_KINDS = ("finding", "site", "onset", "setting")
"""What a concept names. Only a finding's words decide whether a mention is denied, past or
someone else's: in "s/p knee replacement, wound red and leaking" the replacement is past, the
red wound is now."""


class Concept(NamedTuple):
    """A class of words that mean one thing in a warning sign ("one side of the face")."""

    id: str
    kind: str
    """One of CONCEPT_KINDS."""
    words: tuple[str, ...]
    """Each word or short phrase once; plurals, -ing and -ed forms and one-letter typos are found."""


class Benefits(NamedTuple):
    """What massage can and cannot do in general."""

    can_do: tuple[str, ...]
    cannot_do: tuple[str, ...]
    sources: tuple[Source, ...]


class Clinic(NamedTuple):
    """Who hands out the information (set in a clinic's layer file)."""

    name: str
    contact: str = ""
    """A phone number, address or web page, as the clinic writes it."""


class KnowledgeBase(NamedTuple):
    """Everything the tool knows, merged from all layers."""

    version: str
    reviewed: str
    disclaimer: str
    benefits: Benefits
    conditions: tuple[Condition, ...]
    faq: tuple[Faq, ...]
    red_flags: tuple[RedFlag, ...] = ()
    icd10_release: str = ""
    clinic: Clinic | None = None
    concepts: tuple[Concept, ...] = ()
    shared_signs: tuple[SharedSign, ...] = ()
    """Shared `see_a_doctor_if` signs, which entries name by id."""
    medicines: tuple[Medicine, ...] = ()
    """Medicines that change a session (for `intake --medicine`)."""

    def condition(self, condition_id: str) -> Condition:
        """The condition with this id; KeyError if there is none."""
        for condition in self.conditions:
            if condition.id == condition_id:
                return condition
        raise KeyError(condition_id)


_Record = TypeVar("_Record", bound=tuple[Any, ...])


def replace(record: _Record, **changes: Any) -> _Record:
    """A copy of a record with some fields changed."""
    return record._replace(**changes)  # type: ignore[attr-defined, no-any-return]
