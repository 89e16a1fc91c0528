"""JSON: the stable, documented contract for scripts (see README, "JSON output")."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..answer import Answer
from ..matching import Hit
from ..model import (
    PRESSURE_CREDIT,
    PRESSURE_SCALE,
    PRESSURE_SOURCE_URL,
    AvoidItem,
    Condition,
    Faq,
    KnowledgeBase,
    Massage,
    RedFlag,
    Session,
    Source,
)
from ..redflags import Hit as RedFlagHit
from . import common

if TYPE_CHECKING:
    from ..citations import Citation
    from ..intake import Intake
    from ..layers import Problem
    from ..readability import Score
    from ..screening import Screening
    from ..session import Part, Plan

# JSON allows these raw inside strings, but terminals may act on them: always escape them.
_UNSAFE = re.compile("[\x7f-\x9f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def dumps(data: Any, *, indent: int | None = 2) -> str:
    """JSON text that is safe to show on a terminal, with a final newline."""
    text = json.dumps(data, ensure_ascii=False, indent=indent)
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text) + "\n"


def _sources(sources: Sequence[Source]) -> list[dict[str, str]]:
    return [{"title": s.title, "url": s.url} for s in sources]


def condition_ref(condition: Condition) -> dict[str, Any]:
    """The short description of a condition used in several outputs."""
    return {
        "id": condition.id,
        "name": condition.name,
        "aliases": list(condition.aliases),
        "icd10": list(condition.icd10),
        "category": condition.category,
        "body_parts": list(condition.body_parts),
    }


def red_flag_data(flag: RedFlag, words: str | None = None) -> dict[str, Any]:
    """A red flag as it appears in `check` output (with the words of the query that raised it)."""
    data = {"id": flag.id, "name": flag.name, "action": flag.action.value, "message": flag.message}
    if words is not None:
        data["words"] = words
    return data


def _hit_flags(hits: Sequence[RedFlagHit]) -> list[dict[str, Any]]:
    return [red_flag_data(hit.flag, hit.words) for hit in hits]


def set_aside_data(hits: Sequence[RedFlagHit]) -> list[dict[str, Any]]:
    """Sign mentions that did not count: which sign, the words, why (a key and plain words)."""
    from .common import REASONS

    return [
        {
            "id": hit.flag.id,
            "name": hit.flag.name,
            "words": hit.words,
            "reason": hit.reading.status,
            "why": REASONS.get(hit.reading.status, hit.reading.status),
        }
        for hit in hits
    ]


def _statement_data(answer: Answer) -> dict[str, Any]:
    return {
        "red_flags": _hit_flags(answer.hits) if answer.hits else [red_flag_data(f) for f in answer.red_flags],
        "if_happens": _hit_flags(answer.if_happens),
        "set_aside": set_aside_data(answer.set_aside),
    }


def code_data(answer: Answer) -> dict[str, Any] | None:
    """The ICD-10-CM code a query gave, as the code set lists it, or None."""
    if answer.code is None:
        return None
    return {"code": answer.code.code, "title": answer.code.title, "billable": answer.code.billable}


def clinic_data(kb: KnowledgeBase) -> dict[str, str] | None:
    """The clinic handing out the information, as {name, contact}, or None when no layer sets one."""
    if kb.clinic is None:
        return None
    return {"name": kb.clinic.name, "contact": kb.clinic.contact}


def check_data(answer: Answer, kb: KnowledgeBase) -> dict[str, Any]:
    """One answer as a JSON-ready mapping."""
    condition, match = answer.condition, answer.match
    if condition is None or match is None:
        page: dict[str, Any] = {}
        if answer.red_flags:  # a warning sign with no condition: the sign's own page
            page = {
                "name": answer.red_flags[0].name,
                "headline": answer.headline,
                "may_mean": answer.red_flags[0].may_mean,
                "sources": _sources([s for f in answer.red_flags for s in f.sources]),
                "disclaimer": kb.disclaimer,
            }
        return {
            "query": answer.query,
            "found": False,
            "verdict": answer.verdict.value if answer.verdict else None,
            **page,
            "suggestions": list(answer.suggestions),
            "note": answer.note,
            "code": code_data(answer),
            **_statement_data(answer),
        }
    assert answer.verdict is not None
    return {
        "query": answer.query,
        "found": True,
        "matched_by": match.matched_by,
        "matched_text": match.matched_text,
        "note": answer.note,
        "code": code_data(answer),
        "verdict": answer.verdict.value,
        "condition": condition_ref(condition),
        "summary": condition.summary,
        "benefits": list(condition.benefits),
        "precautions": list(condition.precautions),
        "see_a_doctor_if": [
            {"text": item.text, "urgency": item.urgency.value if item.urgency else None}
            for item in common.by_urgency(condition)
        ],
        "cannot_replace": list(condition.cannot_replace),
        "tell_your_therapist": list(condition.session.tell_your_therapist) if condition.session else [],
        "session": session_data(condition.session),
        "evidence": {"level": condition.evidence.level.value, "summary": condition.evidence.summary},
        **_statement_data(answer),
        "also_matched": [c.id for c in match.also],
        "sources": _sources(condition.sources),
        "reviewed": condition.reviewed,
        "disclaimer": kb.disclaimer,
        "clinic": clinic_data(kb),
    }


def check(answer: Answer, kb: KnowledgeBase) -> str:
    """One answer as indented JSON."""
    return dumps(check_data(answer, kb))


def listing_data(condition: Condition) -> dict[str, Any]:
    """One condition as `list --json` shows it."""
    return {
        **condition_ref(condition),
        "verdict": condition.verdict.value,
        "evidence_level": condition.evidence.level.value,
    }


def listing(conditions: Sequence[Condition]) -> str:
    """Conditions as an array of objects."""
    return dumps([listing_data(c) for c in conditions])


def hits(found: Sequence[Hit]) -> str:
    """Search results as an array, best first: `list` objects plus the score."""
    return dumps([{**listing_data(h.condition), "score": h.score} for h in found])


def benefits(kb: KnowledgeBase) -> str:
    """What massage can and cannot do in general."""
    return dumps(
        {
            "can_do": list(kb.benefits.can_do),
            "cannot_do": list(kb.benefits.cannot_do),
            "sources": _sources(kb.benefits.sources),
            "disclaimer": kb.disclaimer,
        }
    )


def _faq(faq: Faq) -> dict[str, Any]:
    return {
        "id": faq.id,
        "question": faq.question,
        "answer": faq.answer,
        "topics": list(faq.topics),
        "sources": _sources(faq.sources),
    }


def faq_list(kb: KnowledgeBase) -> str:
    """All questions with their answers."""
    return dumps([_faq(faq) for faq in kb.faq])


def faq_one(faq: Faq, kb: KnowledgeBase) -> str:
    """One question and its answer."""
    return dumps(_faq(faq))


def red_flags(kb: KnowledgeBase) -> str:
    """The red-flag catalogue as an array."""
    return dumps(
        [
            {
                **red_flag_data(flag),
                "may_mean": flag.may_mean,
                "question": flag.ask,
                "phrases": list(flag.phrases),
                "signs": [list(combo) for combo in flag.signs],
                "who": list(flag.who),
                "sources": _sources(flag.sources),
            }
            for flag in kb.red_flags
        ]
    )


def screening(result: Screening, kb: KnowledgeBase) -> str:
    """The outcome of a screening, with every answer: true, false, "unsure" (counts as yes) or null
    (not asked)."""
    from ..screening import Reply

    values: dict[Reply | None, bool | str | None] = {Reply.YES: True, Reply.NO: False, Reply.UNSURE: "unsure"}
    return dumps(
        {
            "outcome": result.outcome.value,
            "message": result.outcome.message,
            "red_flags": [red_flag_data(flag) for flag in (*result.flagged, *result.unsure)],
            "answers": {flag.id: values.get(reply) for flag, reply in result.answers},
            "disclaimer": kb.disclaimer,
        }
    )


def paths(rows: Sequence[dict[str, str]]) -> str:
    """The knowledge-base files as an array of {origin, path, status}."""
    return dumps(list(rows))


def validation(
    files: Sequence[str], problems: Sequence[Problem], kb: KnowledgeBase | None, limit: int | None = None
) -> str:
    """{valid, files, problems: [{file, line, column, path, message}], counts}: always every problem."""
    counts = (
        {
            "conditions": len(kb.conditions),
            "faq": len(kb.faq),
            "red_flags": len(kb.red_flags),
            "medicines": len(kb.medicines),
        }
        if kb
        else None
    )
    return dumps(
        {
            "valid": not problems,
            "files": list(files),
            "problems": [
                {"file": p.file, "line": p.line, "column": p.column, "path": p.path, "message": p.message}
                for p in problems
            ],
            "counts": counts,
        }
    )


def sources(rows: Sequence[Citation]) -> str:
    """An array of {url, title, cited_by: [{kind, id}]}, most cited first."""
    return dumps(
        [
            {"url": r.url, "title": r.title, "cited_by": [{"kind": k, "id": i} for k, i in r.cited_by]}
            for r in rows
        ]
    )


def readability(found: Sequence[Score], problems: Sequence[str]) -> str:
    """{ok, problems, scores: [{kind, id, grade}]}, hardest first."""
    return dumps(
        {
            "ok": not problems,
            "problems": list(problems),
            "scores": [{"kind": s.kind, "id": s.id, "grade": round(s.grade, 2)} for s in found],
        }
    )


def _avoid_data(item: AvoidItem) -> dict[str, Any]:
    if item.technique:
        return {"technique": item.technique, "why": item.why}
    return {
        "area": item.area,
        "contact": "none" if item.max is None else "light",
        "max": item.max,
        "why": item.why,
    }


def session_data(session: Session | None) -> dict[str, Any] | None:
    """A session block as JSON (None when the entry has none)."""
    if session is None:
        return None
    position = session.position
    return {
        "massage": session.massage.value,
        "until": session.until or None,
        "position": {
            "avoid": [p.value for p in position.avoid],
            "best": [p.value for p in position.best],
            "why": position.why,
        }
        if position
        else None,
        "pressure": {"max": session.pressure.max, "why": session.pressure.why} if session.pressure else None,
        "avoid": [_avoid_data(item) for item in session.avoid],
        "duration": session.duration or None,
        "timing": session.timing or None,
        "ask_first": list(session.ask_first),
        "tell_your_therapist": list(session.tell_your_therapist),
        "sources": _sources(session.sources),
    }


PRESSURE_SCALE_DATA = {
    "name": "Walton pressure scale",
    "levels": list(PRESSURE_SCALE),
    "credit": PRESSURE_CREDIT,
    "url": PRESSURE_SOURCE_URL,
}


def therapist_data(data: dict[str, Any]) -> dict[str, Any]:
    """`check --for therapist`: an answer's data (which always carries `session`), marked as the
    therapist's view, with the pressure scale."""
    return {"for": "therapist", **data, "pressure_scale": PRESSURE_SCALE_DATA}


def _parts(parts: Sequence[Part]) -> list[dict[str, str]]:
    return [{"from": part.source, "text": part.text} for part in parts]


def plan_data(plan: Plan) -> dict[str, Any]:
    """A combined session plan as JSON: each rule with the conditions and medicines it comes from."""
    return {
        "massage": plan.massage.value,
        "until": _parts(plan.until),
        # No pressure is safe while the rule is not now: null, never the scale's top.
        "pressure": {
            "max": None if plan.massage is Massage.NOT_NOW else plan.pressure,
            "from": _parts(plan.pressure_from),
        },
        "position": {
            "avoid": [{"position": p.value, "from": list(names)} for p, names in plan.avoid_positions],
            "best": [p.value for p in plan.best_positions],
            "why": _parts(plan.position_why),
        },
        "avoid": [{**_avoid_data(limit.item), "from": list(limit.sources)} for limit in plan.avoid],
        "duration": _parts(plan.duration),
        "timing": _parts(plan.timing),
        "ask_first": list(plan.ask_first),
        "tell_your_therapist": list(plan.tell_your_therapist),
        "no_rules_for": list(plan.unknown),
        "sources": _sources(plan.sources),
    }


def intake(result: Intake, kb: KnowledgeBase) -> str:
    """An intake summary as JSON."""
    outcome = result.outcome
    return dumps(
        {
            "outcome": outcome.value,
            "message": result.message,
            "warning_signs": [red_flag_data(flag) for flag in result.warning_signs],
            "answers": [
                {"id": flag.id, "question": flag.ask, "answer": reply.value if reply else None}
                for flag, reply in result.asked
            ],
            "to_ask": [{"id": flag.id, "question": flag.ask} for flag in result.to_ask],
            "conditions": [
                {
                    "words": n.words,
                    "found": n.condition is not None,
                    "condition": condition_ref(n.condition) if n.condition else None,
                    "verdict": n.condition.verdict.value if n.condition else None,
                }
                for n in result.conditions
            ],
            "medicines": [
                {
                    "words": t.words,
                    "taken": t.taken,
                    "found": t.medicine is not None,
                    "id": t.medicine.id if t.medicine else None,
                    "name": t.medicine.name if t.medicine else None,
                }
                for t in result.medicines
            ],
            "plan": plan_data(result.plan),
            "pressure_scale": PRESSURE_SCALE_DATA,
            "disclaimer": kb.disclaimer,
            "clinic": clinic_data(kb),
        }
    )


def session_listing(conditions: Sequence[Condition]) -> str:
    """Conditions grouped by session rule, strictest first: {rule: [{id, name, verdict, session}]}."""
    from .therapist import SESSION_GROUPS

    groups: dict[str, list[dict[str, Any]]] = {rule.value: [] for rule in SESSION_GROUPS}
    groups["none"] = []
    for c in conditions:
        key = c.session.massage.value if c.session else "none"
        groups[key].append({**listing_data(c), "session": session_data(c.session)})
    return dumps(groups)
