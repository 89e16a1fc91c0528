"""Check one file's values and build records from them, collecting every problem with its place.

The field tables and patterns (schema.py builds the JSON Schema from the same ones), the _Checker
that checks values one by one, the entry checks of each section (conditions, faq, red_flags,
concepts), patches as written, the top level of a file, and the "did you mean" helpers.
"""

from __future__ import annotations

import calendar
import datetime as _dt
import functools
import re
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

from ..layers import Problem
from ..model import (
    BODY_PARTS,
    CONCEPT_KINDS,
    MAX_PRESSURE,
    Action,
    AvoidItem,
    Benefits,
    Clinic,
    Concept,
    Condition,
    DoctorSign,
    Evidence,
    EvidenceLevel,
    Faq,
    Massage,
    Medicine,
    Position,
    PositionRule,
    Pressure,
    RedFlag,
    Session,
    SharedSign,
    Source,
    Urgency,
    Verdict,
)
from ..statements import WHO
from ..textclean import clean_text
from .reader import STREAMED, Path_, _Doc, _fmt_path, _quote

# The patterns are written so that JSON Schema (ECMA-262 regular expressions) reads them the same
# way; schema.py uses these very strings.
KEBAB_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
ICD10_PATTERN = r"^[A-Z][0-9][0-9A-Z](?:\.[0-9A-Z]{1,4})?$"
DATE_PATTERN = r"^[0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])$"
URL_PATTERN = r"^https://[^\s/?#]+\.[^\s/?#]+(?:[/?#]\S*)?$"
_KEBAB = re.compile(KEBAB_PATTERN)
_ICD10 = re.compile(ICD10_PATTERN)
_DATE = re.compile(DATE_PATTERN)
_URL = re.compile(URL_PATTERN)
MIN_AGE_RANGE = (0, 120)
"""The ages a red flag's `min_age` may give, inclusive."""

PATCH = "patch"
"""The field that marks an entry as a change to a lower layer's entry with the same id."""

# Required and optional fields of each part of a file. The loader checks against these and
# schema.py builds the JSON Schema from them, so the two cannot disagree about field names.
CONDITION_REQUIRED = (
    "id",
    "name",
    "aliases",
    "icd10",
    "category",
    "verdict",
    "summary",
    "benefits",
    "precautions",
    "see_a_doctor_if",
    "cannot_replace",
    "evidence",
    "sources",
    "reviewed",
)
CONDITION_OPTIONAL = ("body_parts", "code_notes", "session")
SESSION_REQUIRED = ("massage", "tell_your_therapist", "sources")
SESSION_OPTIONAL = ("until", "position", "pressure", "avoid", "duration", "timing", "ask_first")
POSITION_FIELDS = ("avoid", "best", "why")
PRESSURE_REQUIRED = ("max",)
PRESSURE_OPTIONAL = ("why",)
AVOID_FIELDS = ("area", "technique", "contact", "max", "why")
NO_CONTACT = "none"
"""The one value of an avoid area's `contact`: no touch at all."""
TELL_START = "Tell your therapist"
MEDICINE_REQUIRED = ("id", "name", "names", "session")
EVIDENCE_FIELDS = ("level", "summary")
FAQ_REQUIRED = ("id", "question", "answer", "sources")
FAQ_OPTIONAL = ("topics",)
RED_FLAG_REQUIRED = ("id", "name", "action", "may_mean", "message", "sources")
RED_FLAG_OPTIONAL = (
    "phrases",
    "signs",
    "question",
    "context",
    "min_age",
    "who",
    "unless",
    "past_counts",
    "entry",
)
CONCEPT_REQUIRED = ("id", "words")
CONCEPT_OPTIONAL = ("kind",)
SIGN_REQUIRED = ("id", "text", "urgency")
DOCTOR_ITEM_FIELDS = ("text", "urgency")
"""A `see_a_doctor_if` item written in its entry; the other kind is `{sign: id}` (SIGN_REF)."""
SIGN_REF = "sign"
"""The one field of a `see_a_doctor_if` item that names a shared sign."""
SOURCE_FIELDS = ("title", "url")
BENEFITS_FIELDS = ("can_do", "cannot_do", "sources")
CLINIC_REQUIRED = ("name",)
CLINIC_OPTIONAL = ("contact",)
SECTION_FIELDS = {
    "conditions": (CONDITION_REQUIRED, CONDITION_OPTIONAL),
    "faq": (FAQ_REQUIRED, FAQ_OPTIONAL),
    "red_flags": (RED_FLAG_REQUIRED, RED_FLAG_OPTIONAL),
    "concepts": (CONCEPT_REQUIRED, CONCEPT_OPTIONAL),
    "signs": (SIGN_REQUIRED, ()),
    "medicines": (MEDICINE_REQUIRED, ()),
}
"""Each list section's (required, optional) entry fields; every entry may also carry `patch`."""
TOP_SCALARS = ("version", "reviewed", "icd10_release", "disclaimer")
TOP_FIELDS = (*TOP_SCALARS, "clinic", "benefits", *SECTION_FIELDS)


MISSING: Any = object()
"""A required field that is absent (already reported)."""


class _Checker:
    """Collects every problem in one document while building its records."""

    def __init__(self, doc: _Doc, *, require: bool = True) -> None:
        self.doc = doc
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []
        """What still loads but should be fixed (`validate` shows it; the exit status stays 0)."""
        self.require = require
        """Whether a missing required field is a problem (not for a patch checked on its own)."""

    def add(self, path: Path_, message: str, *, at_key: bool = False) -> None:
        mark = self.doc.key_marks.get(path) if at_key else None
        line, column = mark or self.doc.place(path)
        self.problems.append(Problem(self.doc.file, line, column, _fmt_path(path), message))

    def warn(self, path: Path_, message: str) -> None:
        line, column = self.doc.place(path)
        self.warnings.append(Problem(self.doc.file, line, column, _fmt_path(path), message))

    def doctor_items(self, value: Any, path: Path_) -> tuple[DoctorSign, ...]:
        """`see_a_doctor_if`: each item `{text, urgency}`, `{sign: id}`, or (older files) plain text."""
        if value is MISSING:
            return ()
        if not isinstance(value, list) or not value:
            return tuple(DoctorSign(text, None) for text in self.texts(value, path))
        out = []
        for i, item in enumerate(value):
            where = (*path, i)
            if not isinstance(item, dict):
                text = self.text(item, where)
                if text:
                    self.warn(
                        where,
                        "no urgency: write the item as {text: ..., urgency: ...} with urgency one of "
                        f"{', '.join(u.value for u in Urgency)} (until then it shows 'Ask a doctor how soon.')",
                    )
                out.append(DoctorSign(text, None))
                continue
            if SIGN_REF in item:
                fields = self.fields(item, where, [SIGN_REF])
                out.append(DoctorSign("", None, self.ident(fields[SIGN_REF], (*where, SIGN_REF))))
                continue
            fields = self.fields(item, where, DOCTOR_ITEM_FIELDS)
            text = self.text(fields["text"], (*where, "text"))
            urgency = self.choice(fields["urgency"], (*where, "urgency"), Urgency)
            out.append(DoctorSign(text, urgency))
        return tuple(out)

    def mapping(self, value: Any, path: Path_, what: str) -> dict[str, Any] | None:
        if value is MISSING:
            return None
        if isinstance(value, dict):
            return value
        self.add(path, f"{what} must be a mapping (key: value lines), not {_kind(value)}")
        return None

    def fields(
        self,
        entry: dict[str, Any],
        path: Path_,
        required: Iterable[str],
        optional: Iterable[str] = (),
    ) -> dict[str, Any]:
        """Report unknown and missing fields; missing ones come back as MISSING, checked no further."""
        required = tuple(required)
        known = (*required, *optional)
        for key in entry:
            if key not in known:
                hint = _suggest(key, known)
                extra = f" (did you mean {_quote(hint)}?)" if hint else f"; known fields: {', '.join(known)}"
                self.add((*path, key), f"unknown field {_quote(key)}{extra}", at_key=True)
        if self.require:
            for key in required:
                if key not in entry:
                    self.add(path, f"missing required field {_quote(key)}")
        return {**{key: MISSING for key in required}, **entry}

    def text(self, value: Any, path: Path_, *, allow_empty: bool = False) -> str:
        if value is MISSING:
            return ""
        if isinstance(value, bool) or value is None or isinstance(value, (dict, list)):
            self.add(path, f"must be text, not {_kind(value)}")
            return ""
        text = clean_text(str(value)).strip()
        if not text and not allow_empty:
            self.add(path, "must not be empty")
        return text

    def texts(self, value: Any, path: Path_, *, allow_empty: bool = False) -> tuple[str, ...]:
        if value is MISSING:
            return ()
        if isinstance(value, str):
            self.add(path, "must be a list of text items (start each line with '- '), not a single text")
            return ()
        if not isinstance(value, list):
            self.add(path, f"must be a list, not {_kind(value)}")
            return ()
        if not value and not allow_empty:
            self.add(path, "must list at least one item")
        return tuple(self.text(item, (*path, i)) for i, item in enumerate(value))

    def date(self, value: Any, path: Path_) -> str:
        if value is MISSING:
            return ""
        text = value if isinstance(value, str) else ""
        if _DATE.match(text):
            try:
                _dt.date.fromisoformat(text)
                return text
            except ValueError:
                pass
        if _DATE.match(text):  # the shape of a date, but no such day (2026-02-30)
            year, month, _ = (int(part) for part in text.split("-"))
            days = calendar.monthrange(year, month)[1]
            self.add(
                path,
                f"{_quote(value)} is not a real date ({calendar.month_name[month]} {year} has {days} days)",
            )
        else:
            self.add(path, f"{_quote(value)} is not an ISO date (YYYY-MM-DD)")
        return ""

    def choice(self, value: Any, path: Path_, enum: Any) -> Any:
        if value is MISSING:
            return None
        for member in enum:
            if value == member.value:
                return member
        options = tuple(m.value for m in enum)
        self.add(path, f"{_quote(value)} is not one of {', '.join(options)}{_did_you_mean(value, options)}")
        return None

    def ident(self, value: Any, path: Path_) -> str:
        text = self.text(value, path)
        if text and not _KEBAB.match(text):
            self.add(path, f"{_quote(value)} is not kebab-case (lower-case words joined by '-')")
        return text

    def sources(self, value: Any, path: Path_) -> tuple[Source, ...]:
        if value is MISSING:
            return ()
        if not isinstance(value, list):
            self.add(path, f"must be a list of sources (title and url), not {_kind(value)}")
            return ()
        if not value:
            self.add(path, "must list at least one source")
        out = []
        for i, item in enumerate(value):
            entry = self.mapping(item, (*path, i), "a source")
            if entry is None:
                continue
            entry = self.fields(entry, (*path, i), SOURCE_FIELDS)
            title = self.text(entry["title"], (*path, i, "title"))
            url = self.text(entry["url"], (*path, i, "url"))
            if url and not _URL.match(url):
                self.add((*path, i, "url"), f"{_quote(url)} is not an https:// address")
            out.append(Source(title, url))
        return tuple(out)


def _kind(value: Any) -> str:
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, (int, float)):
        return "a number"
    return "text"


def _squash(text: str) -> str:
    return re.sub(r"[\s_-]+", "", text.lower())


@functools.lru_cache(maxsize=64)
def _squashed(options: tuple[str, ...]) -> dict[str, str]:
    """Each option by its squashed form (the first wins), built once per set of options."""
    out: dict[str, str] = {}
    for option in options:
        out.setdefault(_squash(option), option)
    return out


@functools.lru_cache(maxsize=4096)
def _suggest(value: str, options: tuple[str, ...]) -> str | None:
    """The option the author most likely meant, or None when nothing is close.

    First the same text but for case, spaces, '-' and '_' ('May help' -> 'may-help'), else the
    closest spelling with a similarity of at least 0.6. The similarity is difflib's ratio (twice
    the matching characters over both lengths), computed by rapidfuzz: with thousands of options
    (the ids a patch may name) and thousands of mistakes, difflib would take minutes. Cached:
    a broken file tends to repeat the same mistake thousands of times.
    """
    same = _squashed(options).get(_squash(value))
    if same is not None:
        return same
    from rapidfuzz import fuzz, process

    best = process.extractOne(value.lower(), options, scorer=fuzz.ratio, processor=None, score_cutoff=60)
    return best[0] if best else None


def _did_you_mean(value: Any, options: tuple[str, ...]) -> str:
    hint = _suggest(value, options) if isinstance(value, str) else None
    return f" (did you mean {_quote(hint)}?)" if hint else ""


def _condition(ck: _Checker, entry: dict[str, Any], path: Path_) -> Condition | None:
    before = len(ck.problems)
    entry = ck.fields(entry, path, CONDITION_REQUIRED, CONDITION_OPTIONAL)
    evidence_path = (*path, "evidence")
    evidence_raw = ck.mapping(entry["evidence"], evidence_path, "evidence")
    evidence = None
    if evidence_raw is not None:
        evidence_raw = ck.fields(evidence_raw, evidence_path, EVIDENCE_FIELDS)
        level = ck.choice(evidence_raw["level"], (*evidence_path, "level"), EvidenceLevel)
        summary = ck.text(evidence_raw["summary"], (*evidence_path, "summary"))
        if level is not None:
            evidence = Evidence(level, summary)
    codes = ck.texts(entry["icd10"], (*path, "icd10"), allow_empty=True)
    for i, code in enumerate(codes):
        if code and not _ICD10.match(code):
            ck.add(
                (*path, "icd10", i),
                f"{_quote(code)} is not an ICD-10-CM code (like M54.50: a letter, two characters, "
                "then a dot and up to four more, upper case)",
            )
        elif code:
            _in_code_set(ck, code, (*path, "icd10", i))
    body_parts = ck.texts(entry.get("body_parts", []), (*path, "body_parts"), allow_empty=True)
    for i, part in enumerate(body_parts):
        if part and part not in BODY_PARTS:
            extra = _body_part_hint(part) or f"; known body parts: {', '.join(BODY_PARTS)}"
            ck.add((*path, "body_parts", i), f"{_quote(part)} is not a known body part{extra}")
    known_codes = None if entry["icd10"] is MISSING else codes
    code_notes = _code_notes(ck, entry.get("code_notes", MISSING), (*path, "code_notes"), known_codes)
    condition = Condition(
        id=ck.ident(entry["id"], (*path, "id")),
        name=ck.text(entry["name"], (*path, "name")),
        aliases=ck.texts(entry["aliases"], (*path, "aliases"), allow_empty=True),
        icd10=codes,
        category=ck.ident(entry["category"], (*path, "category")),
        verdict=ck.choice(entry["verdict"], (*path, "verdict"), Verdict),
        summary=ck.text(entry["summary"], (*path, "summary")),
        benefits=ck.texts(entry["benefits"], (*path, "benefits")),
        precautions=ck.texts(entry["precautions"], (*path, "precautions")),
        see_a_doctor_if=ck.doctor_items(entry["see_a_doctor_if"], (*path, "see_a_doctor_if")),
        cannot_replace=ck.texts(entry["cannot_replace"], (*path, "cannot_replace")),
        evidence=evidence,  # type: ignore[arg-type]
        sources=ck.sources(entry["sources"], (*path, "sources")),
        reviewed=ck.date(entry["reviewed"], (*path, "reviewed")),
        body_parts=body_parts,
        code_notes=code_notes,
        session=_session(ck, entry.get("session", MISSING), (*path, "session")),
    )
    if "session" not in entry and ck.require:
        ck.warn(
            path,
            "no session block: 'check --for therapist' and 'intake' say to ask the person's doctor "
            "(add session: with massage, pressure, tell_your_therapist and sources)",
        )
    _session_fits_verdict(ck, condition, (*path, "session"))
    return condition if len(ck.problems) == before else None


SESSION_FOR_VERDICT = {
    Verdict.URGENT: (Massage.NOT_NOW,),
    Verdict.AVOID: (Massage.NOT_NOW, Massage.LOCAL_ONLY),
    Verdict.HELPS: (Massage.YES, Massage.WITH_CHANGES),
}
"""The session rules each verdict allows (a verdict not listed allows any): an entry that says
'get medical care' or 'avoid massage' never tells the therapist to go ahead as usual."""


def _session_fits_verdict(ck: _Checker, condition: Condition, path: Path_) -> None:
    session, verdict = condition.session, condition.verdict
    allowed = SESSION_FOR_VERDICT.get(verdict) if verdict is not None else None
    if session is None or allowed is None or session.massage in allowed:
        return
    ck.add(
        (*path, "massage"),
        f"{_quote(session.massage.value)} does not fit the verdict {_quote(verdict.value)}: "
        f"use {' or '.join(m.value for m in allowed)}",
    )


def _pressure_level(ck: _Checker, value: Any, path: Path_) -> int | None:
    if value is MISSING:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_PRESSURE:
        ck.add(path, f"{_quote(value)} is not a pressure level from 0 to {MAX_PRESSURE} (Walton scale)")
        return None
    return value


def _positions(ck: _Checker, value: Any, path: Path_) -> tuple[Position, ...]:
    if value is MISSING:
        return ()
    names = ck.texts(value, path)
    found = (ck.choice(name, (*path, i), Position) for i, name in enumerate(names))
    return tuple(position for position in found if position is not None)


def _position_rule(ck: _Checker, value: Any, path: Path_) -> PositionRule | None:
    raw = ck.mapping(value, path, "position")
    if raw is None:
        return None
    raw = ck.fields(raw, path, (), POSITION_FIELDS)
    rule = PositionRule(
        avoid=_positions(ck, raw.get("avoid", MISSING), (*path, "avoid")),
        best=_positions(ck, raw.get("best", MISSING), (*path, "best")),
        why=ck.text(raw.get("why", ""), (*path, "why"), allow_empty=True),
    )
    for position in set(rule.avoid) & set(rule.best):
        ck.add((*path, "best"), f"{_quote(position.value)} is both to avoid and best")
    if not rule.avoid and not rule.best:
        ck.add(path, "must name positions to avoid or best ones (leave position out when any fits)")
    return rule


def _avoid_item(ck: _Checker, value: Any, path: Path_) -> AvoidItem | None:
    raw = ck.mapping(value, path, "an avoid item")
    if raw is None:
        return None
    raw = ck.fields(raw, path, (), AVOID_FIELDS)
    why = ck.text(raw.get("why", ""), (*path, "why"), allow_empty=True)
    if ("area" in raw) == ("technique" in raw):
        ck.add(path, "an avoid item names either an area or a technique")
        return None
    if "technique" in raw:
        for key in ("contact", "max"):
            if key in raw:
                ck.add((*path, key), f"a technique is simply not used: {_quote(key)} is for an area")
        return AvoidItem(technique=ck.text(raw["technique"], (*path, "technique")), why=why)
    area = ck.text(raw["area"], (*path, "area"))
    if ("contact" in raw) == ("max" in raw):
        ck.add(
            path,
            "an area says either 'contact: none' (no touch at all) or 'max: N' (a pressure limit); "
            "never a bare 'avoid the area'",
        )
        return None
    if "contact" in raw:
        if raw["contact"] != NO_CONTACT:
            ck.add((*path, "contact"), f"{_quote(raw['contact'])} is not 'none' (use max: N for light touch)")
        return AvoidItem(area=area, why=why)
    level = _pressure_level(ck, raw["max"], (*path, "max"))
    return AvoidItem(area=area, max=level if level is not None else 0, why=why)


def _session(ck: _Checker, value: Any, path: Path_) -> Session | None:
    """A `session` block: the therapist's rules for a condition or a medicine."""
    raw = ck.mapping(value, path, "session")
    if raw is None:
        return None
    before = len(ck.problems)
    raw = ck.fields(raw, path, SESSION_REQUIRED, SESSION_OPTIONAL)
    written = raw["massage"]
    if written is True:  # YAML reads a bare `yes` as true
        written = Massage.YES.value
    massage = ck.choice(written, (*path, "massage"), Massage)
    until = ck.text(raw.get("until", ""), (*path, "until"), allow_empty=True)
    if massage is Massage.NOT_NOW and not until:
        ck.add(path, "massage: not-now needs 'until' (when massage may start, and who decides)")
    if massage is not None and massage is not Massage.NOT_NOW and until:
        ck.add((*path, "until"), "'until' goes only with massage: not-now")
    pressure = None
    raw_pressure = ck.mapping(raw.get("pressure", MISSING), (*path, "pressure"), "pressure")
    if raw_pressure is not None:
        raw_pressure = ck.fields(raw_pressure, (*path, "pressure"), PRESSURE_REQUIRED, PRESSURE_OPTIONAL)
        level = _pressure_level(ck, raw_pressure["max"], (*path, "pressure", "max"))
        why = ck.text(raw_pressure.get("why", ""), (*path, "pressure", "why"), allow_empty=True)
        pressure = Pressure(level, why) if level is not None else None
    elif "pressure" not in raw and massage is not None and massage is not Massage.NOT_NOW and ck.require:
        ck.add(path, "missing required field 'pressure' (the most pressure that is safe, 0 to 5)")
    avoid_raw = raw.get("avoid", MISSING)
    avoid: list[AvoidItem] = []
    if avoid_raw is not MISSING:
        if not isinstance(avoid_raw, list) or not avoid_raw:
            ck.add(
                (*path, "avoid"), "must be a list of areas and techniques (leave it out when there are none)"
            )
        else:
            avoid = [
                i for i in (_avoid_item(ck, v, (*path, "avoid", n)) for n, v in enumerate(avoid_raw)) if i
            ]
    if massage is Massage.LOCAL_ONLY and not any(item.area and item.max is None for item in avoid):
        ck.add(path, "massage: local-only needs an avoid area with 'contact: none' (the area to keep off)")
    ask_first = ck.texts(raw.get("ask_first", []), (*path, "ask_first"), allow_empty=True)
    for i, question in enumerate(ask_first):
        if question and not question.endswith("?"):
            ck.add((*path, "ask_first", i), "a question to ask ends with '?'")
    tell = ck.texts(raw["tell_your_therapist"], (*path, "tell_your_therapist"))
    for i, sentence in enumerate(tell):
        if sentence and not sentence.startswith(TELL_START):
            ck.add(
                (*path, "tell_your_therapist", i), f"starts with {_quote(TELL_START)} (the patient reads it)"
            )
    session = Session(
        massage=massage,
        tell_your_therapist=tell,
        sources=ck.sources(raw["sources"], (*path, "sources")),
        until=until,
        position=_position_rule(ck, raw.get("position", MISSING), (*path, "position")),
        pressure=pressure,
        avoid=tuple(avoid),
        duration=ck.text(raw.get("duration", ""), (*path, "duration"), allow_empty=True),
        timing=ck.text(raw.get("timing", ""), (*path, "timing"), allow_empty=True),
        ask_first=ask_first,
    )
    return session if len(ck.problems) == before else None


def _medicine(ck: _Checker, entry: dict[str, Any], path: Path_) -> Medicine | None:
    before = len(ck.problems)
    entry = ck.fields(entry, path, MEDICINE_REQUIRED)
    names = ck.texts(entry["names"], (*path, "names"))
    for i, name in enumerate(names):
        if name != name.lower():
            ck.add((*path, "names", i), f"{_quote(name)} is written in lower case (what people type)")
    session = _session(ck, entry["session"], (*path, "session"))
    medicine = Medicine(
        id=ck.ident(entry["id"], (*path, "id")),
        name=ck.text(entry["name"], (*path, "name")),
        names=names,
        session=session,  # type: ignore[arg-type]
    )
    return medicine if len(ck.problems) == before and session is not None else None


SHOWN_CODES = 3
"""How many of the billable codes under a heading its warning names."""


def _in_code_set(ck: _Checker, code: str, path: Path_) -> None:
    """A well-formed code must be in the shipped ICD-10-CM code set: an error if it is not, a
    warning if it is a heading (a claim needs one of the billable codes under it)."""
    from ..icd10 import billable_under, key_of, lookup

    info = lookup(code)
    if info is None:
        key = key_of(code)
        above = next(filter(None, (lookup(key[:end]) for end in range(len(key) - 1, 2, -1))), None)
        hint = f" (the closest code above it is {above.code}: {above.title})" if above else ""
        ck.add(path, f"{_quote(code)} is not in the ICD-10-CM code set{hint}")
        return
    if info.billable:
        return
    under = billable_under(code)
    named = ", ".join(item.code for item in under[:SHOWN_CODES])
    more = f" and {len(under) - SHOWN_CODES} more" if len(under) > SHOWN_CODES else ""
    needs = f"; a claim needs a code under it: {named}{more}" if under else ""
    ck.warn(path, f"{_quote(code)} ({info.title}) is a heading, not a billable code{needs}")


def _body_part_hint(part: str) -> str:
    """'Did you mean' for a body part: a spelling ('kneee') or an everyday word ('feet', 'tummy')."""
    hint = _did_you_mean(part, BODY_PARTS)
    if hint:
        return hint
    from ..words import body_parts_named

    named = [known for known in BODY_PARTS if known in body_parts_named(part)]
    if not named:
        return ""
    if len(named) == 1:
        return f" (did you mean {_quote(named[0])}?)"
    return f" (did you mean one of {', '.join(_quote(known) for known in named)}?)"


def _code_notes(
    ck: _Checker, value: Any, path: Path_, codes: tuple[str, ...] | None
) -> tuple[tuple[str, str], ...]:
    """Notes shown when an entry is reached by one of its codes (code: note); codes None: unknown."""
    raw = ck.mapping(value, path, "code_notes")
    if raw is None:
        return ()
    notes = []
    for code, note in raw.items():
        if codes is not None and code not in codes:
            ck.add((*path, code), f"{_quote(code)} is not one of this entry's icd10 codes", at_key=True)
            continue
        notes.append((code, ck.text(note, (*path, code))))
    return tuple(notes)


def _faq(ck: _Checker, entry: dict[str, Any], path: Path_) -> Faq | None:
    before = len(ck.problems)
    entry = ck.fields(entry, path, FAQ_REQUIRED, FAQ_OPTIONAL)
    faq = Faq(
        id=ck.ident(entry["id"], (*path, "id")),
        question=ck.text(entry["question"], (*path, "question")),
        answer=ck.text(entry["answer"], (*path, "answer")),
        topics=ck.texts(entry.get("topics", []), (*path, "topics"), allow_empty=True),
        sources=ck.sources(entry["sources"], (*path, "sources")),
    )
    return faq if len(ck.problems) == before else None


def _red_flag(ck: _Checker, entry: dict[str, Any], path: Path_) -> RedFlag | None:
    before = len(ck.problems)
    entry = ck.fields(entry, path, RED_FLAG_REQUIRED, RED_FLAG_OPTIONAL)
    min_age = entry.get("min_age", 0)
    low, high = MIN_AGE_RANGE
    if isinstance(min_age, bool) or not isinstance(min_age, int) or not low <= min_age <= high:
        ck.add((*path, "min_age"), f"{_quote(min_age)} is not an age (a whole number from {low} to {high})")
        min_age = 0
    phrases = ck.texts(entry.get("phrases", []), (*path, "phrases"), allow_empty=True)
    signs = _signs(ck, entry.get("signs", []), (*path, "signs"))
    if ck.require and not phrases and not signs:
        ck.add(path, "a red flag needs 'phrases' or 'signs' (combinations of concepts) to be found")
    who = ck.texts(entry.get("who", []), (*path, "who"), allow_empty=True)
    for i, group in enumerate(who):
        if group and group not in WHO:
            ck.add(
                (*path, "who", i),
                f"{_quote(group)} is not a known group{_did_you_mean(group, WHO)}; known: {', '.join(WHO)}",
            )
    past_counts = entry.get("past_counts", False)
    if not isinstance(past_counts, bool):
        ck.add((*path, "past_counts"), f"must be true or false, not {_kind(past_counts)}")
        past_counts = False
    flag = RedFlag(
        id=ck.ident(entry["id"], (*path, "id")),
        name=ck.text(entry["name"], (*path, "name")),
        action=ck.choice(entry["action"], (*path, "action"), Action),
        may_mean=ck.text(entry["may_mean"], (*path, "may_mean")),
        message=ck.text(entry["message"], (*path, "message")),
        phrases=phrases,
        sources=ck.sources(entry["sources"], (*path, "sources")),
        question=ck.text(entry.get("question", ""), (*path, "question"), allow_empty=True),
        context=ck.texts(entry.get("context", []), (*path, "context"), allow_empty=True),
        min_age=min_age,
        signs=signs,
        who=who,
        unless=ck.texts(entry.get("unless", []), (*path, "unless"), allow_empty=True),
        past_counts=past_counts,
        entry=ck.ident(entry["entry"], (*path, "entry")) if entry.get("entry", "") != "" else "",
    )
    return flag if len(ck.problems) == before else None


def _signs(ck: _Checker, value: Any, path: Path_) -> tuple[tuple[str, ...], ...]:
    """A flag's combinations of concept ids (each a list of ids)."""
    if not isinstance(value, list):
        ck.add(path, f"must be a list of combinations (each a list of concept ids), not {_kind(value)}")
        return ()
    out = []
    for i, combo in enumerate(value):
        if not isinstance(combo, list) or not combo:
            ck.add(
                (*path, i),
                "each sign must be a list of one or more concept ids, like [face-one-side, droops]",
            )
            continue
        out.append(tuple(ck.ident(cid, (*path, i, j)) for j, cid in enumerate(combo)))
    return tuple(out)


def _concept(ck: _Checker, entry: dict[str, Any], path: Path_) -> Concept | None:
    before = len(ck.problems)
    entry = ck.fields(entry, path, CONCEPT_REQUIRED, CONCEPT_OPTIONAL)
    kind = entry.get("kind", "finding")
    if kind not in CONCEPT_KINDS:
        ck.add(
            (*path, "kind"),
            f"{_quote(kind)} is not one of {', '.join(CONCEPT_KINDS)}{_did_you_mean(kind, CONCEPT_KINDS)}",
        )
    concept = Concept(
        id=ck.ident(entry["id"], (*path, "id")),
        kind=kind if kind in CONCEPT_KINDS else "finding",
        words=ck.texts(entry["words"], (*path, "words")),
    )
    return concept if len(ck.problems) == before else None


def _shared_sign(ck: _Checker, entry: dict[str, Any], path: Path_) -> SharedSign | None:
    before = len(ck.problems)
    entry = ck.fields(entry, path, SIGN_REQUIRED)
    sign = SharedSign(
        id=ck.ident(entry["id"], (*path, "id")),
        text=ck.text(entry["text"], (*path, "text")),
        urgency=ck.choice(entry["urgency"], (*path, "urgency"), Urgency),
    )
    return sign if len(ck.problems) == before else None


_SECTIONS: dict[str, Callable[[_Checker, dict[str, Any], Path_], Any]] = {
    "conditions": _condition,
    "faq": _faq,
    "red_flags": _red_flag,
    "concepts": _concept,
    "signs": _shared_sign,
    "medicines": _medicine,
}
_WHAT = {
    "conditions": "a condition",
    "faq": "an FAQ entry",
    "red_flags": "a red flag",
    "concepts": "a concept",
    "signs": "a shared sign",
    "medicines": "a medicine",
}


class _Patch(NamedTuple):
    """An entry with `patch: true`: the fields it sets, to lay over a lower layer's entry of its id."""

    id: str
    section: str
    position: int
    """Its index in the section."""
    fields: dict[str, Any]
    """The fields as written, `id` included and `patch` left out; checked once laid over the entry."""
    doc: _Doc


def _entry(ck: _Checker, section: str, index: int, doc: _Doc) -> Any:
    """One entry of a section: its record, a _Patch to apply later, or None if it has problems."""
    path = (section, index)
    entry = ck.mapping(doc.data, path, "each entry")
    if entry is None:
        return None
    if PATCH in entry:
        flag = entry.pop(PATCH)
        if not isinstance(flag, bool):
            ck.add(
                (*path, PATCH),
                f"{_quote(flag)} is not true or false (patch: true changes only the fields the entry names)",
            )
            return None
        if flag:
            return _patch(ck, section, index, entry, doc)
    return _SECTIONS[section](ck, entry, path)


def _patch(ck: _Checker, section: str, index: int, entry: dict[str, Any], doc: _Doc) -> _Patch | None:
    """The checks a patch gets on its own: it names an id. Its fields are checked once applied."""
    path = (section, index)
    if "id" not in entry:
        ck.add(path, "missing required field 'id' (a patch names the id of the entry it changes)")
        return None
    before = len(ck.problems)
    ident = ck.ident(entry["id"], (*path, "id"))
    return _Patch(ident, section, index, entry, doc) if len(ck.problems) == before else None


def _validate_top(ck: _Checker, data: Any) -> tuple[dict[str, str], Benefits | None, Clinic | None]:
    """The top level: scalar fields, benefits, clinic, and the type of each section."""
    top = ck.mapping(data, (), "the top level of a knowledge-base file")
    if top is None:
        return {}, None, None
    ck.fields(top, (), [], TOP_FIELDS)
    scalars: dict[str, str] = {}
    for key in TOP_SCALARS:
        if key not in top:
            continue
        if key == "reviewed":
            scalars[key] = ck.date(top[key], (key,))
            continue
        value = top[key]
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        scalars[key] = ck.text(value, (key,))
    benefits = None
    if "benefits" in top:
        raw = ck.mapping(top["benefits"], ("benefits",), "benefits")
        if raw is not None:
            raw = ck.fields(raw, ("benefits",), BENEFITS_FIELDS)
            benefits = Benefits(
                can_do=ck.texts(raw["can_do"], ("benefits", "can_do")),
                cannot_do=ck.texts(raw["cannot_do"], ("benefits", "cannot_do")),
                sources=ck.sources(raw["sources"], ("benefits", "sources")),
            )
    clinic = None
    if "clinic" in top:
        raw = ck.mapping(top["clinic"], ("clinic",), "clinic")
        if raw is not None:
            raw = ck.fields(raw, ("clinic",), CLINIC_REQUIRED, CLINIC_OPTIONAL)
            clinic = Clinic(
                name=ck.text(raw["name"], ("clinic", "name")),
                contact=ck.text(raw.get("contact", ""), ("clinic", "contact"), allow_empty=True),
            )
    for section in _SECTIONS:
        if section in top and top[section] is not STREAMED and top[section] is not None:
            ck.add(
                (section,), f"must be a list of entries (each starting with '- '), not {_kind(top[section])}"
            )
    return scalars, benefits, clinic
