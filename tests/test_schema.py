"""The JSON Schema for editors agrees with the loader about what a knowledge-base file may hold."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from massage_cli.knowledge import (
    BENEFITS_FIELDS,
    CLINIC_OPTIONAL,
    CLINIC_REQUIRED,
    EVIDENCE_FIELDS,
    PATCH,
    SECTION_FIELDS,
    SOURCE_FIELDS,
    TOP_FIELDS,
    check_layers,
)
from massage_cli.layers import Layer, bundled_path
from massage_cli.model import BODY_PARTS, Action, EvidenceLevel, Verdict
from massage_cli.schema import build, schema_json

from .test_layers import CONDITION, EXAMPLE, RED_FLAG

SCHEMA = build()
VALIDATOR = jsonschema.Draft7Validator(SCHEMA)


class _YamlLoader(yaml.SafeLoader):
    """PyYAML's safe loader, but dates stay text: as the YAML language server (YAML 1.2) reads them."""


_YamlLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def schema_errors(text: str) -> list[str]:
    """What the schema says is wrong with a file's text."""
    data = yaml.load(text, Loader=_YamlLoader)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in VALIDATOR.iter_errors(data)]


def loader_errors(tmp_path: Path, text: str) -> list[str]:
    """What `validate` says is wrong with the file laid over the bundled one."""
    path = tmp_path / "layer.yaml"
    path.write_text(text, encoding="utf-8")
    problems, _ = check_layers([Layer(bundled_path(), "bundled"), Layer(path, "option")])
    return [str(p) for p in problems]


FAQ = """\
faq:
  - id: test-question
    question: Is this a test?
    answer: It is.
    sources: [{title: Test, url: "https://example.org/faq"}]
"""
PATCH_ONLY = "conditions:\n  - id: neck-pain\n    patch: true\n    summary: Clinic text.\n"
TOP = """\
version: "1"
reviewed: 2026-11-27
disclaimer: Not medical advice.
clinic: {name: Test clinic}
"""

GOOD = {
    "condition": CONDITION,
    "condition with body parts and notes": CONDITION.replace(
        "    reviewed:",
        "    body_parts: [neck, lower-back]\n    code_notes: {Y93.C9: A note.}\n    reviewed:",
    ),
    "faq": FAQ,
    "red flag": RED_FLAG.replace(
        "    sources:", "    min_age: 50\n    context: [after a fall]\n    sources:"
    ),
    "patch": PATCH_ONLY,
    "patch false, whole entry": CONDITION.replace("    name:", "    patch: false\n    name:"),
    "patch of evidence": "conditions:\n  - id: neck-pain\n    patch: true\n"
    "    evidence: {level: moderate, summary: Two trials.}\n",
    "top level": TOP,
    "empty section": TOP + "faq:\n",
}

BROKEN = {
    "unknown field": CONDITION.replace("    summary:", "    sumary:"),
    "unknown top-level field": TOP + "clinc: {name: x}\n",
    "bad verdict": CONDITION.replace("verdict: may-help", "verdict: may help"),
    "bad level": CONDITION.replace("level: low", "level: Low"),
    "bad body part": CONDITION.replace("    reviewed:", "    body_parts: [Neck]\n    reviewed:"),
    "http url": CONDITION.replace('"https://example.org/ear"', '"http://example.org/ear"'),
    "bad date": CONDITION.replace("reviewed: 2026-11-27", "reviewed: 27/11/2026"),
    "impossible month": CONDITION.replace("reviewed: 2026-11-27", "reviewed: 2026-13-01"),
    "missing required field": CONDITION.replace("    summary: Gentle massage may ease a sore ear.\n", ""),
    "list instead of text": CONDITION.replace("name: Ear ache", "name: [Ear, ache]"),
    "text instead of list": CONDITION.replace("aliases: [sore ear]", "aliases: sore ear"),
    "bad code": CONDITION.replace("[Y93.C9]", "[Y93C9]"),
    "bad id": CONDITION.replace("id: ear-ache", "id: Ear Ache"),
    "empty sources": CONDITION.replace(
        'sources: [{title: Test, url: "https://example.org/ear"}]', "sources: []"
    ),
    "empty text": CONDITION.replace("name: Ear ache", 'name: " "'),
    "evidence without summary": CONDITION.replace(
        "{level: low, summary: Small studies only.}", "{level: low}"
    ),
    "bad action": RED_FLAG.replace("action: urgent", "action: call 911"),
    "min_age not a number": RED_FLAG.replace("    sources:", "    min_age: sixty\n    sources:"),
    "min_age too high": RED_FLAG.replace("    sources:", "    min_age: 200\n    sources:"),
    "faq without answer": FAQ.replace("    answer: It is.\n", ""),
    "patch not boolean": PATCH_ONLY.replace("patch: true", "patch: sure"),
    "patch with a bad value": PATCH_ONLY + "    verdict: maybe\n",
    "patch with half an evidence": "conditions:\n  - id: neck-pain\n    patch: true\n    evidence: {level: low}\n",
    "patch without id": "conditions:\n  - patch: true\n    summary: x\n",
    "code note key not a code": CONDITION.replace(
        "    reviewed:", "    code_notes: {ear: A note.}\n    reviewed:"
    ),
    "clinic without name": "clinic: {contact: x}\n",
    "section not a list": "conditions: {id: x}\n",
}


class TestSchemaItself:
    """The schema is a valid draft-07 schema built from the loader's own lists."""

    def test_is_valid_draft_07(self) -> None:
        """jsonschema accepts it as a draft-07 schema."""
        assert "http://json-schema.org/draft-07/schema#" == SCHEMA["$schema"]
        jsonschema.Draft7Validator.check_schema(SCHEMA)

    def test_json_text(self) -> None:
        """schema_json() is the same schema as JSON text, ending with a newline."""
        text = schema_json()
        assert SCHEMA == json.loads(text) and text.endswith("}\n")

    def test_fields_are_the_loaders(self) -> None:
        """Every object lists exactly the fields the loader knows, with the same required ones."""
        top = SCHEMA["properties"]
        assert set(TOP_FIELDS) == set(top)
        for section, (required, optional) in SECTION_FIELDS.items():
            entry = top[section]["items"]
            assert {*required, *optional, PATCH} == set(entry["properties"]), section
            assert list(required) == entry["else"]["required"], section
            assert ["id"] == entry["then"]["required"], section
        condition = top["conditions"]["items"]["properties"]
        assert list(EVIDENCE_FIELDS) == condition["evidence"]["required"]
        assert list(SOURCE_FIELDS) == condition["sources"]["items"]["required"]
        assert set(BENEFITS_FIELDS) == set(top["benefits"]["properties"])
        assert (set(CLINIC_REQUIRED), {*CLINIC_REQUIRED, *CLINIC_OPTIONAL}) == (
            set(top["clinic"]["required"]),
            set(top["clinic"]["properties"]),
        )

    def test_enums_are_the_models(self) -> None:
        """Verdicts, evidence levels, actions and body parts come from model.py."""
        condition = SCHEMA["properties"]["conditions"]["items"]["properties"]
        flag = SCHEMA["properties"]["red_flags"]["items"]["properties"]
        assert [v.value for v in Verdict] == condition["verdict"]["enum"]
        assert [v.value for v in EvidenceLevel] == condition["evidence"]["properties"]["level"]["enum"]
        assert [v.value for v in Action] == flag["action"]["enum"]
        assert list(BODY_PARTS) == condition["body_parts"]["items"]["enum"]

    def test_every_field_has_a_description(self) -> None:
        """Editors show a description for every field at every depth."""
        missing = [path for path, node in _fields(SCHEMA, "") if not node.get("description")]
        assert [] == missing

    def test_unknown_fields_refused_everywhere(self) -> None:
        """Every object with fixed fields refuses others, as the loader does."""
        open_objects = [
            path
            for path, node in _fields(SCHEMA, "")
            if "properties" in node and node.get("additionalProperties") is not False
        ]
        assert [] == open_objects


def _fields(node: dict[str, Any], path: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every field schema under a node (properties and list items), with its path."""
    for name, child in node.get("properties", {}).items():
        yield f"{path}.{name}", child
        yield from _fields(child, f"{path}.{name}")
    if isinstance(node.get("items"), dict):
        yield f"{path}[]", node["items"]
        yield from _fields(node["items"], f"{path}[]")
    for i, choice in enumerate(node.get("anyOf", [])):
        yield f"{path}|{i}", choice
        yield from _fields(choice, f"{path}|{i}")


class TestFilesAgainstSchema:
    """The project's own files pass the schema."""

    @pytest.mark.parametrize("path", [bundled_path(), EXAMPLE], ids=["bundled", "example"])
    def test_valid(self, path: Path) -> None:
        """The bundled knowledge base and the example clinic layer are valid."""
        assert [] == schema_errors(path.read_text(encoding="utf-8"))


class TestSchemaAgreesWithLoader:
    """For each file, the schema and `validate` give the same answer: valid or not."""

    @pytest.mark.parametrize("text", GOOD.values(), ids=GOOD.keys())
    def test_both_accept(self, tmp_path, text: str) -> None:
        """A good file passes both."""
        assert ([], []) == (schema_errors(text), loader_errors(tmp_path, text))

    @pytest.mark.parametrize("text", BROKEN.values(), ids=BROKEN.keys())
    def test_both_refuse(self, tmp_path, text: str) -> None:
        """A broken file fails both."""
        assert schema_errors(text), "the schema accepts it"
        assert loader_errors(tmp_path, text), "the loader accepts it"
