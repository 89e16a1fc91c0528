"""The therapist's session plan: one condition's or medicine's `session` block, or several joined
so that the strictest rule of each kind wins. Pure: no I/O, no printing."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from .model import (
    MAX_PRESSURE,
    AvoidItem,
    Massage,
    Medicine,
    Position,
    Session,
    Source,
)

NO_RULES_ADVICE = "Ask the person's doctor before massage, and keep pressure light."
NO_RULES = f"This condition has no session rules in the knowledge base. {NO_RULES_ADVICE}"
"""What a plan says for a condition whose layer has no session block (an older clinic file)."""
NO_RULES_PRESSURE = 2
"""The pressure limit a condition without a session block gets: cautious, not a guess at more."""
WARNING_SIGN_UNTIL = "a doctor has checked the warning sign above and says massage is safe."
"""Why a plan with a warning sign present says not now."""
NO_POSITION = "No position fits every rule. Ask the person's doctor which position is safe."


class Part(NamedTuple):
    """One rule of a plan and where it comes from (a condition's or a medicine's name)."""

    source: str
    text: str


class Limit(NamedTuple):
    """An area or technique to keep off, with every condition that asks for it."""

    item: AvoidItem
    sources: tuple[str, ...]


class Plan(NamedTuple):
    """The session plan for one person: each rule with the names it comes from."""

    massage: Massage
    until: tuple[Part, ...]
    """When massage may start, for each part that says not now."""
    pressure: int
    """The most pressure on the Walton scale: the lowest limit of all the parts."""
    pressure_from: tuple[Part, ...]
    """The parts that set that lowest limit, with their reasons ('' when they give none)."""
    avoid_positions: tuple[tuple[Position, tuple[str, ...]], ...]
    best_positions: tuple[Position, ...]
    """The positions that suit, most suitable first; empty when nothing is known to suit better."""
    position_why: tuple[Part, ...]
    avoid: tuple[Limit, ...]
    duration: tuple[Part, ...]
    timing: tuple[Part, ...]
    ask_first: tuple[str, ...]
    tell_your_therapist: tuple[str, ...]
    sources: tuple[Source, ...]
    unknown: tuple[str, ...] = ()
    """Names of the parts that had no session block (the plan was made cautious for them)."""

    @property
    def positions_left(self) -> tuple[Position, ...]:
        """The positions no rule rules out."""
        avoided = {position for position, _ in self.avoid_positions}
        return tuple(position for position in Position if position not in avoided)


def combine(parts: Sequence[tuple[str, Session | None]], *, warning_sign: bool = False) -> Plan:
    """Join the session blocks of a person's conditions and medicines: the strictest `massage`, the
    lowest pressure, every area and technique to avoid, every position to avoid, and the positions
    that suit best among those left. A part without a block (None) makes the plan cautious: with
    changes, pressure at most NO_RULES_PRESSURE, ask the doctor. With `warning_sign`, massage is not now."""
    known = [(name, session) for name, session in parts if session is not None]
    unknown = tuple(name for name, session in parts if session is None)
    massage = max((s.massage for _, s in known), key=lambda m: m.rank, default=Massage.YES)
    if unknown and massage.rank < Massage.WITH_CHANGES.rank:
        massage = Massage.WITH_CHANGES
    until = [Part(name, s.until) for name, s in known if s.massage is Massage.NOT_NOW]
    if warning_sign:
        massage = Massage.NOT_NOW
        until.insert(0, Part("warning sign", WARNING_SIGN_UNTIL))
    limits = [(name, s.pressure.max, s.pressure.why) for name, s in known if s.pressure is not None]
    limits += [(name, NO_RULES_PRESSURE, NO_RULES) for name in unknown]
    pressure = min((level for _, level, _ in limits), default=MAX_PRESSURE)
    pressure_from = tuple(Part(name, why) for name, level, why in limits if level == pressure)
    avoid_positions: dict[Position, list[str]] = {}
    for name, s in known:
        for position in s.position.avoid if s.position else ():
            _add(avoid_positions.setdefault(position, []), name)
    best = _best_positions(
        [s.position.best for _, s in known if s.position and s.position.best], avoid_positions
    )
    return Plan(
        massage=massage,
        until=tuple(until),
        pressure=pressure,
        pressure_from=pressure_from if pressure < MAX_PRESSURE else (),
        avoid_positions=tuple(
            (position, tuple(names))
            for position in Position
            for names in [avoid_positions.get(position)]
            if names
        ),
        best_positions=best,
        position_why=tuple(Part(name, s.position.why) for name, s in known if s.position and s.position.why),
        avoid=_limits(known),
        duration=tuple(Part(name, s.duration) for name, s in known if s.duration),
        timing=tuple(Part(name, s.timing) for name, s in known if s.timing),
        ask_first=_unique(question for _, s in known for question in s.ask_first),
        tell_your_therapist=_unique(sentence for _, s in known for sentence in s.tell_your_therapist),
        sources=tuple({source.url: source for _, s in known for source in s.sources}.values()),
        unknown=unknown,
    )


def _best_positions(
    wishes: list[tuple[Position, ...]], avoided: dict[Position, list[str]]
) -> tuple[Position, ...]:
    """The positions every part that names best ones agrees on, else any part's best ones, never an
    avoided one; in the order Position lists them (the side first)."""
    if not wishes:
        return ()
    allowed = [position for position in Position if position not in avoided]
    agreed = [p for p in allowed if all(p in wish for wish in wishes)]
    return tuple(agreed or [p for p in allowed if any(p in wish for wish in wishes)])


def _limits(known: Iterable[tuple[str, Session]]) -> tuple[Limit, ...]:
    """Every area and technique to avoid, once each (the same words from two parts: the stricter
    rule, both names), no-contact areas first, then pressure limits from the lowest, then techniques."""
    found: dict[str, tuple[AvoidItem, list[str]]] = {}
    for name, session in known:
        for item in session.avoid:
            key = _key(item.what) + ("#technique" if item.technique else "")
            if key not in found:
                found[key] = (item, [name])
                continue
            kept, names = found[key]
            _add(names, name)
            if _stricter(item, kept):
                found[key] = (item, names)

    def order(limit: tuple[AvoidItem, list[str]]) -> tuple[int, int]:
        item = limit[0]
        if item.technique:
            return (2, 0)
        return (0, 0) if item.max is None else (1, item.max)

    return tuple(Limit(item, tuple(names)) for item, names in sorted(found.values(), key=order))


def _stricter(item: AvoidItem, than: AvoidItem) -> bool:
    if item.technique:
        return False
    if than.max is None:
        return False
    return item.max is None or item.max < than.max


def _key(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def _add(names: list[str], name: str) -> None:
    if name not in names:
        names.append(name)


SAME_RATIO = 0.9
"""Two questions or sentences this alike (after case and punctuation) are one: the first is kept
("Any numbness around ..." and "Any new numbness around ..." from two conditions)."""


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    from difflib import SequenceMatcher

    kept: list[tuple[str, str]] = []
    for item in items:
        key = _key(item)
        if not any(
            key == other or SequenceMatcher(None, key, other).ratio() >= SAME_RATIO for other, _ in kept
        ):
            kept.append((key, item))
    return tuple(item for _, item in kept)


def find_medicine(medicines: Sequence[Medicine], words: str) -> Medicine | None:
    """The medicine group whose id, name or one of whose names the words give (case and spacing do
    not matter; 'warfarin 5mg' and 'on Eliquis' find theirs); None when no group fits."""
    wanted = f" {_key(words)} "
    for medicine in medicines:
        for name in (medicine.id, medicine.name, *medicine.names):
            if f" {_key(name)} " in wanted:
                return medicine
    # One clear typo of a one-word name ("warferin", "apixiban"), as people type drug names.
    from difflib import get_close_matches

    single = {name: m for m in medicines for name in m.names if " " not in name and len(name) >= TYPO_MIN}
    for word in wanted.split():
        if len(word) >= TYPO_MIN:
            close = get_close_matches(word, list(single), n=1, cutoff=TYPO_CUTOFF)
            if close:
                return single[close[0]]
    return None


TYPO_MIN = 6
"""Names and words shorter than this are matched only as written (too many short look-alikes)."""
TYPO_CUTOFF = 0.85
