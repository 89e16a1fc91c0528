"""The JSON Schema of a knowledge-base file, so that editors can check and complete it as you type.

Draft-07, which the YAML language server (VS Code, Neovim, JetBrains) supports best. It is built
from the loader's own field lists, patterns and enums (knowledge/checker.py, model.py), so the two
cannot disagree about what a field is called or which values it takes. Sub-schemas are written out
in full rather than shared through "$ref": a draft-07 "$ref" hides the "description" beside it, and
the descriptions are what editors show.

The schema cannot check what needs more than one entry or file: duplicate ids, a name, alias or code
used by two conditions, a code note for a code the entry does not list, or whether a patch's id
exists in a lower layer. `massage-cli validate` checks those.
"""

from __future__ import annotations

import json
from typing import Any

from .knowledge import (
    BENEFITS_FIELDS,
    CLINIC_OPTIONAL,
    CLINIC_REQUIRED,
    DATE_PATTERN,
    DOCTOR_ITEM_FIELDS,
    EVIDENCE_FIELDS,
    ICD10_PATTERN,
    KEBAB_PATTERN,
    MIN_AGE_RANGE,
    PATCH,
    SECTION_FIELDS,
    SIGN_REF,
    SOURCE_FIELDS,
    TOP_FIELDS,
    URL_PATTERN,
)
from .knowledge.checker import (
    AVOID_FIELDS,
    NO_CONTACT,
    POSITION_FIELDS,
    PRESSURE_OPTIONAL,
    PRESSURE_REQUIRED,
    SESSION_OPTIONAL,
    SESSION_REQUIRED,
    TELL_START,
)
from .model import (
    BODY_PARTS,
    CONCEPT_KINDS,
    MAX_PRESSURE,
    PRESSURE_CREDIT,
    PRESSURE_SCALE,
    UNKNOWN_URGENCY,
    Action,
    EvidenceLevel,
    Massage,
    Position,
    Urgency,
    Verdict,
)
from .statements import WHO

DRAFT = "http://json-schema.org/draft-07/schema#"

# --------------------------------------------------------------------------- value kinds
# Each returns a fresh dict, so that a description can be added without touching another field.


def _text(description: str, *, allow_empty: bool = False) -> dict[str, Any]:
    # The loader takes numbers as text (`version: 2026.11`) and refuses blank text.
    out: dict[str, Any] = {"type": ["string", "number"], "description": description}
    if not allow_empty:
        out["pattern"] = r"\S"
    return out


def _texts(description: str, *, allow_empty: bool = False, item: str = "text") -> dict[str, Any]:
    out: dict[str, Any] = {
        "type": "array",
        "items": _text(f"One {item}."),
        "description": description,
    }
    if not allow_empty:
        out["minItems"] = 1
    return out


def _ident(description: str) -> dict[str, Any]:
    return {"type": "string", "pattern": KEBAB_PATTERN, "description": description}


def _date(description: str) -> dict[str, Any]:
    return {"type": "string", "pattern": DATE_PATTERN, "format": "date", "description": description}


def _enum(values: list[str], description: str) -> dict[str, Any]:
    return {"type": "string", "enum": values, "description": description}


def _sources(description: str) -> dict[str, Any]:
    source = _object(
        "A publication the facts come from.",
        {
            "title": _text("The publication's title, with its publisher."),
            "url": {
                "type": "string",
                "pattern": URL_PATTERN,
                "description": "Where to read it: the original publisher's https:// address.",
            },
        },
        SOURCE_FIELDS,
    )
    return {"type": "array", "minItems": 1, "items": source, "description": description}


def _object(
    description: str,
    properties: dict[str, dict[str, Any]],
    required: tuple[str, ...],
    optional: tuple[str, ...] = (),
) -> dict[str, Any]:
    """An object with exactly the loader's fields: unknown ones are refused, as the loader does."""
    if set(properties) != {*required, *optional}:  # pragma: no cover - caught by the tests
        raise AssertionError(f"schema fields {sorted(properties)} differ from the loader's")
    return {
        "type": "object",
        "description": description,
        "properties": properties,
        "required": list(required),
        "additionalProperties": False,
    }


def _entry(description: str, properties: dict[str, dict[str, Any]], section: str) -> dict[str, Any]:
    """A section entry: a whole entry needs every required field; a patch (patch: true) only its id."""
    required, optional = SECTION_FIELDS[section]
    out = _object(description, properties, required, optional)
    out["properties"][PATCH] = {
        "type": "boolean",
        "description": (
            "true: change an entry with this id from a lower layer (the bundled file, say): only the "
            "fields named here change, lists and evidence are replaced whole, and only `id` is "
            "required. false or left out: a whole entry, which replaces any entry with this id."
        ),
    }
    del out["required"]
    out["if"] = {"properties": {PATCH: {"const": True}}, "required": [PATCH]}
    out["then"] = {"required": ["id"]}
    out["else"] = {"required": list(required)}
    return out


def _choices(members: Any, meaning: Any) -> str:
    """Each value and what it means, for a description: "a: first; b: second."."""
    return "; ".join(f"{m.value}: {meaning(m).rstrip('.')}" for m in members) + "."


# --------------------------------------------------------------------------- the parts of a file


def _condition() -> dict[str, Any]:
    evidence = _object(
        "How strong the research is.",
        {
            "level": _enum(
                [level.value for level in EvidenceLevel],
                "The strength of the evidence: " + _choices(EvidenceLevel, lambda m: m.label),
            ),
            "summary": _text("The evidence in plain words: what studies found, and how sure they are."),
        },
        EVIDENCE_FIELDS,
    )
    properties = {
        "id": _ident("A unique kebab-case id (low-back-pain). Used by `check ID` and by patches."),
        "name": _text("The display name."),
        "aliases": _texts(
            "Other names and everyday phrases (slipped disc); each must lead to this condition alone.",
            allow_empty=True,
            item="name or phrase",
        ),
        "icd10": {
            "type": "array",
            "items": {
                "type": "string",
                "pattern": ICD10_PATTERN,
                "description": "An ICD-10-CM code with the dot, upper case (M54.50).",
            },
            "description": (
                "ICD-10-CM codes, unique across conditions. A header code (M54.4) makes its child "
                "codes resolve here too."
            ),
        },
        "category": _ident(
            "A kebab-case group (spine, muscle, joint, nerve, injury, bone, chronic-pain, headache, "
            "wellbeing, swelling, circulation, infection, cancer, organ, pregnancy, general)."
        ),
        "verdict": _enum(
            [verdict.value for verdict in Verdict],
            "Whether massage fits, most reassuring first. " + _choices(Verdict, lambda m: m.headline),
        ),
        "summary": _text("One to three short sentences, the answer first."),
        "benefits": _texts("What massage can do here."),
        "precautions": _texts("What to watch out for."),
        "see_a_doctor_if": _doctor_items(),
        "cannot_replace": _texts("What massage cannot do or replace here."),
        "evidence": evidence,
        "sources": _sources("At least one source for the facts in this entry."),
        "reviewed": _date("The date this entry was last reviewed (YYYY-MM-DD)."),
        "body_parts": {
            "type": "array",
            "items": _enum(list(BODY_PARTS), "A place on the body."),
            "description": "Where on the body the condition sits; leave out for the whole body or a topic.",
        },
        "code_notes": {
            "type": "object",
            "propertyNames": {"pattern": ICD10_PATTERN},
            "additionalProperties": _text("The note."),
            "description": (
                "code: note, for codes of this entry's icd10 list that reach it only with an "
                "explanation (shown when someone looks the code up)."
            ),
        },
    }
    properties["session"] = _session()
    return _entry("A condition, and what massage can and cannot do for it.", properties, "conditions")


def _level(description: str) -> dict[str, Any]:
    scale = "; ".join(f"{level}: {words}" for level, words in enumerate(PRESSURE_SCALE))
    return {
        "type": "integer",
        "minimum": 0,
        "maximum": MAX_PRESSURE,
        "description": f"{description} {scale}.",
    }


def _session() -> dict[str, Any]:
    positions = {"type": "array", "items": _enum([p.value for p in Position], "A position.")}
    position = _object(
        "How the person should and should not lie; leave out when any position is fine.",
        {
            "avoid": {**positions, "description": "Positions not to use."},
            "best": {**positions, "description": "Positions that suit best (never one to avoid)."},
            "why": _text("Why, in one sentence.", allow_empty=True),
        },
        (),
        POSITION_FIELDS,
    )
    pressure = _object(
        "The most pressure that is safe.",
        {
            "max": _level("A level of the Walton pressure scale."),
            "why": _text("Why not more.", allow_empty=True),
        },
        PRESSURE_REQUIRED,
        PRESSURE_OPTIONAL,
    )
    avoid_item = _object(
        "An area (with `contact: none` or a pressure `max`) or a technique not to use.",
        {
            "area": _text("A place on the body."),
            "technique": _text("A technique, tool or treatment not to use."),
            "contact": _enum([NO_CONTACT], "none: no touch at all on the area."),
            "max": _level("The most pressure on the area."),
            "why": _text("Why.", allow_empty=True),
        },
        (),
        AVOID_FIELDS,
    )
    avoid_item["oneOf"] = [
        {
            "required": ["area", "contact"],
            "not": {"anyOf": [{"required": ["max"]}, {"required": ["technique"]}]},
        },
        {
            "required": ["area", "max"],
            "not": {"anyOf": [{"required": ["contact"]}, {"required": ["technique"]}]},
        },
        {
            "required": ["technique"],
            "not": {"anyOf": [{"required": [k]} for k in ("area", "contact", "max")]},
        },
    ]
    out = _object(
        "How a massage therapist adapts the session. " + PRESSURE_CREDIT,
        {
            "massage": _enum(
                [m.value for m in Massage],
                "Whether to work: " + _choices(Massage, lambda m: m.label) + " A verdict of urgent needs "
                "not-now; avoid needs not-now or local-only; helps needs yes or with-changes.",
            ),
            "until": _text("With not-now only: when massage may start, and who decides."),
            "position": position,
            "pressure": pressure,
            "avoid": {
                "type": "array",
                "minItems": 1,
                "items": avoid_item,
                "description": "Areas and techniques.",
            },
            "duration": _text("How long a session should be.", allow_empty=True),
            "timing": _text("When to give it, or not.", allow_empty=True),
            "ask_first": {
                "type": "array",
                "items": {"type": "string", "pattern": r"\?\s*$", "description": "A question."},
                "description": "What the therapist asks before starting; each ends with '?'.",
            },
            "tell_your_therapist": {
                "type": "array",
                "minItems": 1,
                "items": {"type": "string", "pattern": f"^{TELL_START}", "description": "A sentence."},
                "description": f"Sentences for the person, each starting '{TELL_START}'.",
            },
            "sources": _sources("The pages that support this block's rules."),
        },
        SESSION_REQUIRED,
        SESSION_OPTIONAL,
    )
    out["if"] = {"properties": {"massage": {"const": Massage.NOT_NOW.value}}}
    out["then"] = {"required": ["until"]}
    out["else"] = {"not": {"required": ["until"]}, "required": ["pressure"]}
    return out


def _medicine() -> dict[str, Any]:
    properties = {
        "id": _ident("A unique kebab-case id (blood-thinners)."),
        "name": _text("The display name."),
        "names": _texts("What people type, lower case: generic and brand names.", item="name"),
        "session": _session(),
    }
    return _entry("A kind of medicine that changes a session (intake --medicine).", properties, "medicines")


def _faq() -> dict[str, Any]:
    properties = {
        "id": _ident("A unique kebab-case id."),
        "question": _text("The question, as people ask it."),
        "answer": _text("The answer in plain words, the answer first."),
        "topics": _texts(
            "Words a person may type to find this question (faq TOPIC).", allow_empty=True, item="topic"
        ),
        "sources": _sources("At least one source for the answer."),
    }
    return _entry("A common question about massage and its answer.", properties, "faq")


def _red_flag() -> dict[str, Any]:
    low, high = MIN_AGE_RANGE
    properties = {
        "id": _ident("A unique kebab-case id."),
        "name": _text("The warning sign, in plain words."),
        "action": _enum(
            [action.value for action in Action],
            "What to do when the sign is present. " + _choices(Action, lambda m: m.instruction),
        ),
        "may_mean": _text("What the sign can mean."),
        "message": _text("What to do, the action first."),
        "phrases": _texts(
            "The everyday ways people describe the sign. A phrase is found when all its words appear "
            "close together in a query, in any order.",
            item="phrase",
        ),
        "sources": _sources("At least one source."),
        "question": _text("The yes/no question `screen` asks about this sign.", allow_empty=True),
        "context": _texts(
            "Phrases of which one must also appear before the sign counts; empty: it always counts.",
            allow_empty=True,
            item="phrase",
        ),
        "min_age": {
            "type": "integer",
            "minimum": low,
            "maximum": high,
            "description": "When set, a stated age below it means the sign does not count.",
        },
        "signs": {
            "type": "array",
            "items": {
                "type": "array",
                "minItems": 1,
                "items": {"type": "string", "pattern": KEBAB_PATTERN, "description": "A concept id."},
                "description": "Concept ids that must all be named in one clause, in any order.",
            },
            "description": (
                "Combinations of concepts (see `concepts`): the sign is there when every concept of "
                "one combination is named in one clause ('one side of my face wouldn't move' is "
                "[face, face-droops]). A flag needs phrases, signs or both."
            ),
        },
        "who": {
            "type": "array",
            "items": _enum(list(WHO), "A group of people the text can say it is about."),
            "description": "The sign counts only for these groups (a baby, pregnancy, chemotherapy...).",
        },
        "unless": _texts(
            "Everyday look-alikes: a mention in a clause that also says one of these does not count.",
            allow_empty=True,
            item="phrase",
        ),
        "past_counts": {
            "type": "boolean",
            "description": "Whether a past mention still counts (past cancer with new back pain).",
        },
        "entry": _ident(
            "The condition shown with the sign when the words name no other condition of their own "
            "(left out: the sign's own page)."
        ),
    }
    return _entry("A warning sign that needs medical care, not massage.", properties, "red_flags")


def _urgency(description: str) -> dict[str, Any]:
    return _enum([u.value for u in Urgency], f"{description} {_choices(Urgency, lambda u: u.instruction)}")


def _doctor_items() -> dict[str, Any]:
    written = _object(
        "A sign written here, and how soon to see a doctor about it.",
        {
            "text": _text("The sign, without time words: the action comes from `urgency`."),
            "urgency": _urgency("How soon; the renderers write the action from it."),
        },
        DOCTOR_ITEM_FIELDS,
    )
    shared = _object(
        "A sign defined once in `signs` (any layer), named by its id.",
        {SIGN_REF: _ident("The id of a shared sign.")},
        (SIGN_REF,),
    )
    older = _text(
        "Plain text, as written before urgencies: still loads, but `validate` warns, and it shows "
        f"'{UNKNOWN_URGENCY}'."
    )
    return {
        "type": "array",
        "minItems": 1,
        "items": {
            "anyOf": [written, shared, older],
            "description": "{text, urgency}, {sign: id}, or (files from before urgencies) plain text.",
        },
        "description": "When to see a doctor instead of or before massage (never empty), each with an urgency.",
    }


def _shared_sign() -> dict[str, Any]:
    properties = {
        "id": _ident("A unique kebab-case id, named by `see_a_doctor_if` items as {sign: id}."),
        "text": _text("The sign, without time words."),
        "urgency": _urgency("How soon, the same in every entry that names the sign."),
    }
    return _entry(
        "A sign several entries name, defined once so its urgency cannot drift.", properties, "signs"
    )


def _concept() -> dict[str, Any]:
    properties = {
        "id": _ident("A unique kebab-case id, named by red flags' signs."),
        "kind": _enum(
            list(CONCEPT_KINDS),
            "finding (the default): its words decide whether a mention is denied, past or someone "
            "else's; site, onset and setting words only set the scene.",
        ),
        "words": _texts(
            "Each word or short phrase once, with everyday synonyms; plurals, -ing and -ed forms and "
            "one-letter typos are found without listing them.",
            item="word",
        ),
    }
    return _entry("A class of everyday words that mean one thing in a warning sign.", properties, "concepts")


def build() -> dict[str, Any]:
    """The JSON Schema of one knowledge-base file (any layer: every top-level field is optional)."""
    benefits = _object(
        "What massage can and cannot do in general.",
        {
            "can_do": _texts("What massage can do."),
            "cannot_do": _texts("What massage cannot do."),
            "sources": _sources("At least one source."),
        },
        BENEFITS_FIELDS,
    )
    clinic = _object(
        "The clinic handing out the information (printed on handouts).",
        {
            "name": _text("The clinic's name."),
            "contact": _text(
                "A phone number, address or web page, as the clinic writes it.", allow_empty=True
            ),
        },
        CLINIC_REQUIRED,
        CLINIC_OPTIONAL,
    )

    def section(entry: dict[str, Any], description: str) -> dict[str, Any]:
        return {"type": ["array", "null"], "items": entry, "description": description}

    top = _object(
        "A massage-cli knowledge-base file: the bundled one or a layer over it. A layer holds only "
        "the parts it changes.",
        {
            "version": _text("The knowledge base's version."),
            "reviewed": _date("When the whole file was last reviewed (YYYY-MM-DD)."),
            "icd10_release": _text("The ICD-10-CM release the codes were checked against."),
            "disclaimer": _text("Shown under every answer."),
            "clinic": clinic,
            "benefits": benefits,
            "conditions": section(
                _condition(), "Conditions: added, replaced whole by id, or patched (patch: true)."
            ),
            "faq": section(_faq(), "Common questions: added, replaced whole by id, or patched."),
            "red_flags": section(_red_flag(), "Warning signs: added, replaced whole by id, or patched."),
            "concepts": section(_concept(), "Word classes for red flags' signs: added, replaced or patched."),
            "signs": section(
                _shared_sign(), "Shared `see_a_doctor_if` signs: added, replaced whole by id, or patched."
            ),
            "medicines": section(_medicine(), "Medicines that change a session: added, replaced or patched."),
        },
        (),
        TOP_FIELDS,
    )
    return {
        "$schema": DRAFT,
        "title": "massage-cli knowledge base",
        **top,
    }


def schema_json() -> str:
    """The schema as JSON text, for `massage-cli schema > massage-cli.schema.json`."""
    return json.dumps(build(), indent=2, ensure_ascii=False) + "\n"
