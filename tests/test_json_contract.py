"""Every command's JSON output keeps the contract the README documents ("JSON output").

The schemas below are that contract, written out: every documented field is required, no other
field may appear, and two tests tie the schemas to the README's wording, so the README and the
output cannot drift apart without a test failing.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from massage_cli.cli import ExitCode

README = Path(__file__).resolve().parents[1] / "README.md"
CLINIC_LAYER = Path(__file__).resolve().parents[1] / "examples" / "clinic.yaml"


def readme_section() -> str:
    """The README's "JSON output" section."""
    text = README.read_text(encoding="utf-8")
    start = text.index("## JSON output")
    return text[start : text.index("\n## ", start + 1)]


def readme_values(bullet_start: str) -> list[str]:
    """The `values` a bullet of the README's JSON section lists (say, "`matched_by` is one of")."""
    section = readme_section()
    start = section.index(f"- {bullet_start}") + len(bullet_start) + 2
    bullet = section[start : section.find("\n- ", start)]
    return sorted(set(re.findall(r"`([a-z0-9-]+)`", bullet)))


# --------------------------------------------------------------------------- the contract


def obj(**properties: Any) -> dict[str, Any]:
    """An object with exactly these fields, all required."""
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


def array(items: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "items": items}


def nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


TEXT = {"type": "string", "minLength": 1}
TEXTS = array({"type": "string"})
DATE = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
VERDICT = {"enum": readme_values("`verdict` values:")}
ACTION = {"enum": ["emergency", "now", "urgent", "soon"]}
URGENCIES = ["emergency", "now", "today", "soon", "routine"]
LEVEL = {"enum": ["high", "moderate", "low", "very-low", "expert-opinion"]}
SOURCE = obj(title=TEXT, url={"type": "string", "pattern": "^https://"})
SOURCES = array(SOURCE)
RED_FLAG = obj(id=TEXT, name=TEXT, action=ACTION, message=TEXT)
FLAG_HIT = obj(id=TEXT, name=TEXT, action=ACTION, message=TEXT, words=TEXT)
SET_ASIDE = obj(
    id=TEXT, name=TEXT, words=TEXT, reason={"enum": ["denied", "other", "past", "everyday"]}, why=TEXT
)
CONDITION = obj(id=TEXT, name=TEXT, aliases=TEXTS, icd10=TEXTS, category=TEXT, body_parts=TEXTS)
CODE = nullable(obj(code=TEXT, title={"type": "string"}, billable={"type": "boolean"}))
NOTE = {"type": ["string", "null"]}

LEVEL_0_5 = {"type": "integer", "minimum": 0, "maximum": 5}
POSITION = {"enum": ["side", "propped-up", "seated", "flat-on-back", "face-down"]}
MASSAGE = {"enum": ["yes", "with-changes", "local-only", "not-now"]}
AVOID_AREA = obj(
    area=TEXT, contact={"enum": ["none", "light"]}, max=nullable(LEVEL_0_5), why={"type": "string"}
)
AVOID_TECHNIQUE = obj(technique=TEXT, why={"type": "string"})
AVOID = {"oneOf": [AVOID_AREA, AVOID_TECHNIQUE]}
OPTIONAL_TEXT = {"type": ["string", "null"]}
SESSION = obj(
    massage=MASSAGE,
    until=OPTIONAL_TEXT,
    position=nullable(obj(avoid=array(POSITION), best=array(POSITION), why={"type": "string"})),
    pressure=nullable(obj(max=LEVEL_0_5, why={"type": "string"})),
    avoid=array(AVOID),
    duration=OPTIONAL_TEXT,
    timing=OPTIONAL_TEXT,
    ask_first=TEXTS,
    tell_your_therapist=TEXTS,
    sources=SOURCES,
)
PRESSURE_SCALE = obj(name=TEXT, levels={**TEXTS, "minItems": 6, "maxItems": 6}, credit=TEXT, url=TEXT)
FROM = array(obj(**{"from": TEXT, "text": {"type": "string"}}))

CHECK_FOUND = obj(
    query={"type": "string"},
    found={"const": True},
    matched_by={"enum": readme_values("`matched_by` is one of")},
    matched_text=TEXT,
    note=NOTE,
    code=CODE,
    verdict=VERDICT,
    condition=CONDITION,
    summary=TEXT,
    benefits=TEXTS,
    precautions=TEXTS,
    see_a_doctor_if=array(obj(text=TEXT, urgency={"enum": [*URGENCIES, None]})),
    cannot_replace=TEXTS,
    evidence=obj(level=LEVEL, summary=TEXT),
    red_flags=array(FLAG_HIT),
    if_happens=array(FLAG_HIT),
    set_aside=array(SET_ASIDE),
    also_matched=TEXTS,
    sources=SOURCES,
    reviewed=DATE,
    disclaimer=TEXT,
    clinic=nullable(obj(name=TEXT, contact={"type": "string"})),
    tell_your_therapist=TEXTS,
    session=nullable(SESSION),
)
_NOT_FOUND_TAIL = {
    "suggestions": TEXTS,
    "note": NOTE,
    "code": CODE,
    "if_happens": array(FLAG_HIT),
    "set_aside": array(SET_ASIDE),
}
CHECK_NOT_FOUND = obj(
    query={"type": "string"},
    found={"const": False},
    verdict={"type": "null"},
    red_flags={"type": "array", "maxItems": 0},
    **_NOT_FOUND_TAIL,
)
CHECK_FLAG_PAGE = obj(
    query={"type": "string"},
    found={"const": False},
    verdict={"const": "urgent"},
    name=TEXT,
    headline=TEXT,
    may_mean=TEXT,
    sources=SOURCES,
    disclaimer=TEXT,
    red_flags={**array(FLAG_HIT), "minItems": 1},
    **_NOT_FOUND_TAIL,
)
CHECK = {"oneOf": [CHECK_FOUND, CHECK_NOT_FOUND, CHECK_FLAG_PAGE]}
THERAPIST_MARK = {"for": {"const": "therapist"}, "pressure_scale": PRESSURE_SCALE}
CHECK_THERAPIST = {
    "oneOf": [
        obj(**CHECK_FOUND["properties"], **THERAPIST_MARK),
        obj(**CHECK_NOT_FOUND["properties"], **THERAPIST_MARK),
        obj(**CHECK_FLAG_PAGE["properties"], **THERAPIST_MARK),
    ]
}
PLAN = obj(
    massage=MASSAGE,
    until=FROM,
    pressure=obj(max=nullable(LEVEL_0_5), **{"from": FROM}),
    position=obj(avoid=array(obj(position=POSITION, **{"from": TEXTS})), best=array(POSITION), why=FROM),
    avoid=array(
        {
            "oneOf": [
                obj(**AVOID_AREA["properties"], **{"from": TEXTS}),
                obj(**AVOID_TECHNIQUE["properties"], **{"from": TEXTS}),
            ]
        }
    ),
    duration=FROM,
    timing=FROM,
    ask_first=TEXTS,
    tell_your_therapist=TEXTS,
    no_rules_for=TEXTS,
    sources=SOURCES,
)
OUTCOME = {"enum": ["emergency", "call-care-team", "see-a-doctor", "no-warning-signs", "not-screened"]}
INTAKE = obj(
    outcome=OUTCOME,
    message=TEXT,
    warning_signs=array(RED_FLAG),
    answers=array(obj(id=TEXT, question=TEXT, answer={"enum": ["yes", "no", "unsure", None]})),
    to_ask=array(obj(id=TEXT, question=TEXT)),
    conditions=array(
        obj(words=TEXT, found={"type": "boolean"}, condition=nullable(CONDITION), verdict=nullable(VERDICT))
    ),
    medicines=array(
        obj(
            words=TEXT,
            taken={"type": "boolean"},
            found={"type": "boolean"},
            id=OPTIONAL_TEXT,
            name=OPTIONAL_TEXT,
        )
    ),
    plan=PLAN,
    pressure_scale=PRESSURE_SCALE,
    disclaimer=TEXT,
    clinic=nullable(obj(name=TEXT, contact={"type": "string"})),
)
LIST_ITEM = obj(**CONDITION["properties"], verdict=VERDICT, evidence_level=LEVEL)
SESSION_GROUP = array(obj(**LIST_ITEM["properties"], session=nullable(SESSION)))
LIST_THERAPIST = obj(
    **{"not-now": SESSION_GROUP, "local-only": SESSION_GROUP, "with-changes": SESSION_GROUP},
    yes=SESSION_GROUP,
    none=SESSION_GROUP,
)
SEARCH_ITEM = obj(**LIST_ITEM["properties"], score={"type": "number"})
RED_FLAG_ENTRY = obj(
    **RED_FLAG["properties"],
    may_mean=TEXT,
    question={"type": ["string", "null"]},
    phrases=TEXTS,
    signs=array(TEXTS),
    who=TEXTS,
    sources=SOURCES,
)
SCREEN = obj(
    outcome={"enum": ["emergency", "call-care-team", "see-a-doctor", "no-warning-signs", "not-screened"]},
    message=TEXT,
    red_flags=array(RED_FLAG),
    answers={
        "type": "object",
        "additionalProperties": {"oneOf": [{"type": ["boolean", "null"]}, {"const": "unsure"}]},
    },
    disclaimer=TEXT,
)
BENEFITS = obj(can_do=TEXTS, cannot_do=TEXTS, sources=SOURCES, disclaimer=TEXT)
FAQ = obj(id=TEXT, question=TEXT, answer=TEXT, topics=TEXTS, sources=SOURCES)
PROBLEM = obj(
    file=TEXT,
    line={"type": ["integer", "null"]},
    column={"type": ["integer", "null"]},
    path={"type": "string"},
    message=TEXT,
)
VALIDATE = obj(
    valid={"type": "boolean"},
    files=TEXTS,
    problems=array(PROBLEM),
    counts=nullable(
        obj(
            conditions={"type": "integer"},
            faq={"type": "integer"},
            red_flags={"type": "integer"},
            medicines={"type": "integer"},
        )
    ),
)
PATH_ROW = obj(origin={"enum": ["bundled", "user", "env", "option", "cache"]}, path=TEXT, status=TEXT)
SOURCE_ROW = obj(url=TEXT, title=TEXT, cited_by=array(obj(kind=TEXT, id=TEXT)))

SCHEMAS = {
    "check": CHECK,
    "list": array(LIST_ITEM),
    "search": array(SEARCH_ITEM),
    "red-flags": array(RED_FLAG_ENTRY),
    "screen": SCREEN,
    "check --for therapist": CHECK_THERAPIST,
    "intake": INTAKE,
    "list --for therapist": LIST_THERAPIST,
    "benefits": BENEFITS,
    "faq": array(FAQ),
    "faq TOPIC": FAQ,
    "validate": VALIDATE,
    "paths": array(PATH_ROW),
    "sources": array(SOURCE_ROW),
}

UNDOCUMENTED: set[str] = set()
"""Fields the output has and the README does not name: none. Add one only with a reason."""


# --------------------------------------------------------------------------- the outputs


def errors(schema: dict[str, Any], data: Any) -> list[str]:
    """Every way the data breaks the schema, each with where it is."""
    validator = Draft202012Validator(schema)
    return [
        f"{'/'.join(map(str, e.absolute_path)) or '(top)'}: {e.message}" for e in validator.iter_errors(data)
    ]


CASES = [
    ("check", ["check", "fibromyalgia", "--json"], ExitCode.OK),
    ("check", ["check", "M54.41", "--json"], ExitCode.OK),
    ("check", ["check", "knee", "--json"], ExitCode.OK),
    ("check", ["check", "R05.1", "--json"], ExitCode.NOT_FOUND),
    ("check", ["check", "swollen painful calf after a long flight", "--json"], ExitCode.OK),
    ("check", ["--kb", str(CLINIC_LAYER), "check", "neck pain", "--json"], ExitCode.OK),
    ("check", ["check", "xyzzy plover quux", "--json"], ExitCode.NOT_FOUND),
    ("list", ["list", "--json"], ExitCode.OK),
    ("search", ["search", "back", "pain", "--json"], ExitCode.OK),
    ("red-flags", ["red-flags", "--json"], ExitCode.OK),
    ("screen", ["screen", "--no-prompt", "--json"], ExitCode.OK),
    ("check --for therapist", ["check", "lymphedema", "--for", "therapist", "--json"], ExitCode.OK),
    ("check --for therapist", ["check", "deep vein thrombosis", "--for", "therapist", "--json"], ExitCode.OK),
    (
        "check --for therapist",
        ["check", "xyzzy plover quux", "--for", "therapist", "--json"],
        ExitCode.NOT_FOUND,
    ),
    (
        "intake",
        ["intake", "-c", "30 weeks pregnant", "-c", "low back pain", "-m", "warfarin", "--json"],
        ExitCode.OK,
    ),
    ("intake", ["intake", "-c", "cancer care", "-c", "zzqx", "-m", "vitamin q", "--json"], ExitCode.OK),
    ("list --for therapist", ["list", "--for", "therapist", "--json"], ExitCode.OK),
    ("screen", ["screen", "--yes", "fever-chills", "--json"], ExitCode.OK),
    ("benefits", ["benefits", "--json"], ExitCode.OK),
    ("faq", ["faq", "--json"], ExitCode.OK),
    ("faq TOPIC", ["faq", "medicare", "--json"], ExitCode.OK),
    ("validate", ["validate", "--json"], ExitCode.OK),
    ("paths", ["paths", "--json"], ExitCode.OK),
    ("sources", ["sources", "--json"], ExitCode.OK),
]


class TestEveryCommand:
    """Each command's JSON matches its schema."""

    @pytest.mark.parametrize(("name", "args", "code"), CASES, ids=[" ".join(c[1]) for c in CASES])
    def test_matches_the_contract(self, run, name: str, args: list[str], code: ExitCode) -> None:
        """The output is one JSON document that matches the command's schema."""
        result = run(*args)
        assert code == result.exit_code, result.output
        assert [] == errors(SCHEMAS[name], json.loads(result.stdout))

    def test_batch_lines(self, run) -> None:
        """check --batch --json prints one object a line, each a found or a not-found answer."""
        lines = "fibromyalgia\nxyzzy plover\nM54.41\nswollen painful calf\n"
        result = run("check", "--batch", "-", "--json", input=lines)
        assert ExitCode.NOT_FOUND == result.exit_code, result.output
        rows = [json.loads(line) for line in result.stdout.splitlines()]
        assert 4 == len(rows)
        assert [[]] * 4 == [errors(CHECK, row) for row in rows]

    def test_screen_not_asked_is_null(self, run) -> None:
        """After an emergency yes, the questions not asked are null in `answers`."""
        result = run("screen", "--json", input="yes\n")
        assert result.exit_code == 0, result.output
        data = json.loads(result.stdout)
        assert [] == errors(SCREEN, data)
        assert ("emergency", None) == (data["outcome"], list(data["answers"].values())[-1])

    def test_screen_unsure_is_a_string(self, run) -> None:
        """A 'not sure' answer is "unsure" in `answers`, and its sign is in `red_flags`."""
        result = run("screen", "sciatica", "--json", input="no\nnot sure\n")
        assert result.exit_code == 0, result.output
        data = json.loads(result.stdout)
        assert [] == errors(SCREEN, data)
        assert [False, "unsure"] == [v for v in data["answers"].values() if v is not None]
        assert ["bladder-bowel"] == [flag["id"] for flag in data["red_flags"]]

    def test_validate_with_problems(self, run, tmp_path) -> None:
        """An invalid file gives valid false, every problem with its place, and counts null."""
        bad = tmp_path / "bad.yaml"
        bad.write_text("conditions:\n  - id: x\n", encoding="utf-8")
        result = run("validate", str(bad), "--json")
        assert ExitCode.KNOWLEDGE_BASE == result.exit_code
        data = json.loads(result.stdout)
        assert [] == errors(VALIDATE, data)
        assert (False, None) == (data["valid"], data["counts"])

    def test_search_objects_are_list_objects_plus_score(self, run) -> None:
        """search --json objects are list --json objects with a score added."""
        listed = {row["id"]: row for row in json.loads(run("list", "--json").stdout)}
        for hit in json.loads(run("search", "back", "pain", "--json").stdout):
            score = hit.pop("score")
            assert isinstance(score, (int, float))
            assert listed[hit["id"]] == hit


# --------------------------------------------------------------------------- the README


def documented_fields() -> set[str]:
    """The field names the README's JSON section gives: keys in its examples, and {"a", "b"} lists."""
    section = readme_section()
    names = set(re.findall(r'"([a-z_0-9-]+)"\s*:', section))
    for group in re.findall(r"\{([^{}:]*)\}", section):
        names |= set(re.findall(r'"([a-z_0-9-]+)"', group))
    names |= set(re.findall(r'plus\s+`?"([a-z_0-9-]+)"', section))
    return names


def schema_fields(schema: Any) -> set[str]:
    """Every field name any object in a schema has."""
    if isinstance(schema, list):
        return set().union(*(schema_fields(item) for item in schema))
    if not isinstance(schema, dict):
        return set()
    names = set(schema.get("properties", {}))
    return names.union(*(schema_fields(value) for value in schema.values()))


class TestReadme:
    """The README and the schemas name the same fields and values."""

    def test_values_come_from_the_readme(self) -> None:
        """The verdicts and match kinds the schemas allow are the ones the README lists."""
        assert ["avoid", "helps", "may-help", "not-a-substitute", "unproven", "urgent"] == VERDICT["enum"]
        assert {"id", "name", "alias", "icd10", "fuzzy", "text"} <= set(
            CHECK_FOUND["properties"]["matched_by"]["enum"]
        )

    def test_the_readme_names_only_real_fields(self) -> None:
        """Every field the README documents is in the output's schema."""
        assert set() == documented_fields() - schema_fields(list(SCHEMAS.values()))

    def test_every_field_is_documented(self) -> None:
        """Every field in the output is named in the README's JSON section, or listed in UNDOCUMENTED."""
        missing = schema_fields(list(SCHEMAS.values())) - documented_fields()
        assert set() == missing - UNDOCUMENTED, "document these in the README's JSON output section"
