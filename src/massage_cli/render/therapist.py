"""What the therapist's views say, as format-free blocks: `check --for therapist`, `intake` and
`list --for therapist`. Each output format lays the same blocks out in its own way."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, NamedTuple

from ..model import PRESSURE_CREDIT, Condition, Massage, Session, Source, pressure_words
from ..session import NO_POSITION, NO_RULES, NO_RULES_ADVICE, Part, Plan, combine
from . import common

if TYPE_CHECKING:
    from ..answer import Answer
    from ..intake import Intake

ALERT = "alert"
"""A block shown as a warning (first, boxed)."""
CHECKLIST = "checklist"
"""A block whose items are questions to tick off."""
NUMBERED = "numbered"
"""A block whose items start with their number ('1. '), which the plan's rules refer to."""
AVOID = "avoid"
"""The areas and techniques to avoid (a page lays a long list out in two columns)."""
ANSWERS = "answers"
"""The answers given: small print."""


class Block(NamedTuple):
    """A heading with paragraphs and a list."""

    title: str
    paras: tuple[str, ...] = ()
    items: tuple[str, ...] = ()
    kind: str = ""


class Page(NamedTuple):
    """A whole view: its title, its first (badge) line, its blocks, its sources and its small print."""

    title: str
    lead: str
    blocks: tuple[Block, ...]
    sources: tuple[Source, ...]
    small: tuple[str, ...]


SESSION_GROUPS = (Massage.NOT_NOW, Massage.LOCAL_ONLY, Massage.WITH_CHANGES, Massage.YES)
"""The order `list --for therapist` groups conditions in: the strictest first."""


Refs = Mapping[str, str] | None
"""How a plan's rules name the part they come from: the number each condition or medicine has in
the page's list ('1'), or None for one condition alone (no rule says where it comes from)."""


def _from(names: Sequence[str], refs: Refs) -> str:
    """' (1, 3)': the parts a rule comes from, when a plan joins several."""
    shown = [refs.get(name, name) for name in names] if refs is not None else []
    shown = [ref for ref in shown if ref]
    return f" ({', '.join(shown)})" if shown else ""


def _and(names: Sequence[str]) -> str:
    names = list(names)
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _sentence(text: str) -> str:
    text = text.strip()
    return text if not text or text[-1] in ".?!" else text + "."


def _plan_blocks(plan: Plan, refs: Refs) -> list[Block]:
    """The plan's rules: may I work, pressure, position, areas and techniques, length and timing,
    what to ask first, each rule with the parts it comes from (see Refs)."""
    blocks = []
    work = [f"{plan.massage.label}."]
    if plan.massage is Massage.NOT_NOW:
        work += [f"Wait until {_lower_first(p.text)}{_from([p.source], refs)}" for p in plan.until]
    if plan.unknown:
        work.append(
            NO_RULES if refs is None else f"No session rules for {_and(plan.unknown)}. {NO_RULES_ADVICE}"
        )
    blocks.append(Block("Can I work?", tuple(_sentence(w) for w in work)))
    if plan.massage is not Massage.NOT_NOW:
        pressure = [f"At most {pressure_words(plan.pressure)}."]
        ruled = [p for p in plan.pressure_from if p.text and p.text != NO_RULES]
        pressure += [_sentence(p.text) + _from([p.source], refs) for p in ruled]
        if refs is not None and plan.pressure_from and not ruled:
            pressure.append(f"Set by{_from([p.source for p in plan.pressure_from], refs)}.")
        blocks.append(Block("Pressure", tuple(pressure)))
    position = _position_lines(plan, refs)
    if position:
        blocks.append(Block("Position", tuple(position)))
    if plan.avoid:
        items = []
        for limit in plan.avoid:
            item = limit.item
            what = (
                f"Do not use {_lower_first(item.what)}"
                if item.technique
                else f"{_upper_first(item.what)}: {item.rule}"
            )
            why = f" {_sentence(item.why)}" if item.why else ""
            items.append(f"{_sentence(what)}{why}{_from(limit.sources, refs)}")
        blocks.append(Block("Avoid", (), tuple(items), AVOID))
    timing = [_sentence(p.text) + _from([p.source], refs) for p in (*plan.duration, *plan.timing)]
    if timing:
        blocks.append(Block("Length and timing", (), tuple(timing)))
    if plan.ask_first:
        blocks.append(Block("Ask before you start", (), plan.ask_first, CHECKLIST))
    return blocks


def _position_lines(plan: Plan, refs: Refs) -> list[str]:
    lines = []
    if plan.best_positions:
        lines.append(f"Best: {'; '.join(p.words for p in plan.best_positions)}.")
    if plan.avoid_positions:
        grouped: dict[tuple[str, ...], list[str]] = {}
        for position, names in plan.avoid_positions:
            grouped.setdefault(names, []).append(position.words)
        avoided = [f"{'; '.join(words)}{_from(names, refs)}" for names, words in grouped.items()]
        lines.append(f"Not: {'; '.join(avoided)}.")
    if plan.avoid_positions and not plan.positions_left:
        lines.append(NO_POSITION)
    lines += [_sentence(p.text) + _from([p.source], refs) for p in plan.position_why]
    return lines


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text[:2] != text[:2].upper() else text


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def session_blocks(condition: Condition) -> list[Block]:
    """One condition's session rules as blocks."""
    return _plan_blocks(combine([(condition.name, condition.session)]), None)


def therapist_page(answer: Answer) -> Page:
    """`check --for therapist`: the verdict, the session rules, the warning signs to ask about
    (the entry's 'see a doctor if' lines, most urgent first), and the sources."""
    condition = answer.condition
    assert condition is not None
    blocks: list[Block] = []
    if answer.red_flags:
        blocks.append(
            Block(
                common.flag_heading(answer),
                (),
                tuple(f"{f.name}: {f.message}" for f in answer.red_flags),
                ALERT,
            )
        )
    blocks.append(Block("", (condition.summary,)))
    blocks += session_blocks(condition)
    signs = tuple(item.line for item in common.by_urgency(condition))
    if signs:
        blocks.append(Block("Stop and send for care if", (), signs))
    session = condition.session
    sources = _unique_sources([*(session.sources if session else ()), *condition.sources])
    return Page(
        f"{condition.name}: for the massage therapist",
        common.verdict_line(answer),
        tuple(blocks),
        sources,
        (PRESSURE_CREDIT, common.details_line(condition)),
    )


def _unique_sources(sources: Sequence[Source]) -> tuple[Source, ...]:
    return tuple({source.url: source for source in sources}.values())


def intake_page(intake: Intake) -> Page:
    """The intake summary: warning signs first (stop here), the conditions and medicines named,
    then the combined plan; questions not yet answered as a checklist."""
    from ..screening import Outcome, Reply

    outcome = intake.outcome
    blocks: list[Block] = []
    signs = intake.warning_signs
    if signs:
        blocks.append(
            Block(
                "STOP: do not start the massage",
                (intake.message,),
                tuple(f"{f.name}: {f.message}" for f in signs),
                ALERT,
            )
        )
    answered = [(flag, reply) for flag, reply in intake.asked if reply is not None]
    if intake.to_ask:
        blocks.append(
            Block(
                "Ask these before you start. Any yes or not sure: do not start, the person needs care first",
                (),
                tuple(flag.ask for flag in intake.to_ask),
                CHECKLIST,
            )
        )
    named: list[str] = []
    refs: dict[str, str] = {"warning sign": ""}

    def number(name: str) -> str:
        ref = refs.setdefault(name, str(len(refs)))
        return f"{ref}. "

    for n in intake.conditions:
        if n.condition is None:
            named.append(
                f"{number(n.words)}\u201c{n.words}\u201d: not in the knowledge base. Treated with caution."
            )
            continue
        c = n.condition
        if c.name in refs:  # named again, or words that only say more about it ("no numbness")
            continue
        rule = c.session.massage.label if c.session else "no session rules"
        read = f" (\u201c{n.words}\u201d, read with \u201c{n.read_with}\u201d)" if n.read_with else ""
        named.append(f"{number(c.name)}{c.name}{read}: {c.verdict.label.lower()}. Session: {rule.lower()}.")
    for t in intake.medicines:
        if not t.taken:
            named.append(f"\u201c{t.words}\u201d: not taken.")
        elif t.medicine is None:
            named.append(
                f"{number(t.words)}\u201c{t.words}\u201d: a medicine not in the list. Ask what it is for. "
                "Treated with caution."
            )
        else:
            named.append(f"{number(t.medicine.name)}{t.words}: {t.medicine.name.lower()}.")
    if named:
        blocks.append(Block("Conditions and medicines", (), tuple(named), NUMBERED))
    blocks += _plan_blocks(intake.plan, refs if len(refs) > 2 else None)
    if answered:
        said = {Reply.YES: "Yes", Reply.UNSURE: "Not sure", Reply.NO: "No"}
        paras = []
        for reply, word in said.items():
            names = [flag.name for flag, given in answered if given is reply]
            if names:
                paras.append(f"{word} ({len(names)}): {'; '.join(names)}.")
        if outcome is Outcome.NO_WARNING_SIGNS:
            paras.append("Stop if new signs appear.")
        blocks.append(Block("Warning-sign answers", tuple(paras), (), ANSWERS))
    lead = f"{intake.label}: {intake.message}"
    return Page(
        "Intake summary for the massage therapist",
        lead,
        tuple(blocks),
        intake.plan.sources,
        (PRESSURE_CREDIT, "Nothing from this intake is stored unless it is saved with -o."),
    )


def listing_groups(conditions: Sequence[Condition]) -> list[tuple[str, list[Condition]]]:
    """`list --for therapist`: conditions grouped by session rule, strictest first (those without
    a block last, under 'No session rules')."""
    groups: list[tuple[str, list[Condition]]] = []
    for rule in SESSION_GROUPS:
        members = [c for c in conditions if c.session and c.session.massage is rule]
        if members:
            groups.append((rule.label, members))
    missing = [c for c in conditions if c.session is None]
    if missing:
        groups.append(("No session rules", missing))
    return groups


def session_summary(condition: Condition) -> str:
    """One line for a listing: the pressure limit and the number of areas to avoid."""
    session: Session | None = condition.session
    if session is None:
        return "ask the doctor"
    if session.massage is Massage.NOT_NOW:
        return f"until {_lower_first(session.until)}"
    parts = []
    if session.pressure is not None:
        parts.append(f"pressure max {session.pressure.max}")
    if session.avoid:
        parts.append(f"avoid {len(session.avoid)}")
    if session.position and session.position.avoid:
        parts.append("not " + ", ".join(p.value for p in session.position.avoid))
    return "; ".join(parts)


__all__ = ["Block", "Page", "Part", "intake_page", "listing_groups", "therapist_page"]
