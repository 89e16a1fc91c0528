"""Clinics layer their own YAML over the bundled knowledge base; every mistake is reported at its line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from massage_cli import knowledge
from massage_cli.cli import ExitCode
from massage_cli.knowledge import MAX_FILE_BYTES, check_layers
from massage_cli.layers import (
    Layer,
    Problem,
    bundled_path,
    files_with_problems,
    group_missing,
    problem_kind,
    summarise,
)
from massage_cli.model import Action, Evidence, EvidenceLevel, KnowledgeBase, replace

from .conftest import MINI

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "clinic.yaml"

CONDITION = """\
conditions:
  - id: ear-ache
    name: Ear ache
    aliases: [sore ear]
    icd10: [Y93.C9]
    category: joint
    verdict: may-help
    summary: Gentle massage may ease a sore ear.
    benefits: [It may ease tight ear muscles.]
    precautions: [Ask for light pressure.]
    see_a_doctor_if: [The pain lasts more than two weeks.]
    cannot_replace: [A dentist's check.]
    evidence: {level: low, summary: Small studies only.}
    sources: [{title: Test, url: "https://example.org/ear"}]
    reviewed: 2026-11-27
"""
WITH_SESSION = (
    CONDITION
    + "    session: {massage: with-changes, pressure: {max: 2}, tell_your_therapist: [Tell your therapist "
    + 'where it hurts.], sources: [{title: Test, url: "https://example.org/ear"}]}\n'
)
"""The same entry with a session block, for tests that expect no other warning."""


def write(tmp_path: Path, text: str | bytes, name: str = "clinic.yaml") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


class TestLayering:
    """Later layers add entries or replace same-id entries whole."""

    def test_example_adds_and_overrides(self, run) -> None:
        """The example clinic file adds a condition and patches neck-pain with its phone number."""
        added = run("--kb", str(EXAMPLE), "check", "sore after a massage", "--json")
        assert added.exit_code == 0, added.output
        assert "soreness-after-massage" == json.loads(added.stdout)["condition"]["id"]
        neck = json.loads(run("--kb", str(EXAMPLE), "check", "desk neck", "--json").stdout)
        assert any("555-0100" in line["text"] for line in neck["see_a_doctor_if"])
        plain = json.loads(run("check", "desk neck", "--json").stdout)
        assert not any("555-0100" in line["text"] for line in plain["see_a_doctor_if"])

    def test_example_clinic_on_handout(self, run, tmp_path) -> None:
        """The clinic's name from a layer is printed on the HTML handout."""
        target = tmp_path / "h.html"
        run("--kb", str(EXAMPLE), "check", "neck pain", "--format", "html", "-o", str(target))
        assert "Riverside Physical Therapy" in target.read_text(encoding="utf-8")

    def test_partial_layer_adds_a_condition(self, run, tmp_path) -> None:
        """A layer holding only conditions adds them to the bundled base."""
        path = write(tmp_path, CONDITION)
        result = run("--kb", str(path), "check", "sore ear", "--json")
        assert result.exit_code == 0, result.output
        assert "ear-ache" == json.loads(result.stdout)["condition"]["id"]
        assert json.loads(run("--kb", str(path), "check", "fibromyalgia", "--json").stdout)["found"]

    def test_replacement_is_whole(self, run, tmp_path) -> None:
        """Replacing an entry by id drops the old entry's aliases too."""
        path = write(
            tmp_path, CONDITION.replace("ear-ache", "fibromyalgia").replace("Ear ache", "Fibro (clinic)")
        )
        data = json.loads(run("--kb", str(path), "check", "fibromyalgia", "--json").stdout)
        assert ("Fibro (clinic)", ["sore ear"]) == (data["condition"]["name"], data["condition"]["aliases"])

    def test_no_bundled(self, run) -> None:
        """--no-bundled starts from an empty base: only the given files count."""
        result = run("--no-bundled", "--kb", str(MINI), "list", "--json")
        assert ["sore-muscle", "test-clot"] == [row["id"] for row in json.loads(result.stdout)]

    def test_no_bundled_needs_a_complete_base(self, run, tmp_path) -> None:
        """With --no-bundled, a layer without the top-level fields is an error naming them."""
        result = run("--no-bundled", "--kb", str(write(tmp_path, CONDITION)), "list")
        assert ExitCode.KNOWLEDGE_BASE == result.exit_code
        assert "no layer sets version, reviewed, disclaimer, benefits" in result.stderr

    def test_environment_variable(self, run, tmp_path, monkeypatch) -> None:
        """MASSAGE_CLI_KB adds files (path-separator list) before --kb files."""
        monkeypatch.setenv("MASSAGE_CLI_KB", str(write(tmp_path, CONDITION)))
        assert "ear-ache" == json.loads(run("check", "sore ear", "--json").stdout)["condition"]["id"]

    def test_user_config_file(self, run, tmp_path, monkeypatch) -> None:
        """A conditions.yaml in the user's config folder is a layer too."""
        config = tmp_path / "cfg"
        monkeypatch.setenv("XDG_CONFIG_HOME", str(config))
        (config / "massage-cli").mkdir(parents=True)
        (config / "massage-cli" / "conditions.yaml").write_text(CONDITION, encoding="utf-8")
        assert "ear-ache" == json.loads(run("check", "sore ear", "--json").stdout)["condition"]["id"]

    def test_missing_user_file_is_fine(self, run) -> None:
        """No user config file: nothing to report."""
        result = run("check", "fibromyalgia", "--json")
        assert result.exit_code == 0 and "" == result.stderr

    @pytest.mark.parametrize("how", ["option", "env"])
    def test_missing_named_file_is_an_error(self, run, tmp_path, monkeypatch, how: str) -> None:
        """A file named with --kb or in MASSAGE_CLI_KB that does not exist exits 3."""
        missing = str(tmp_path / "nope.yaml")
        if how == "env":
            monkeypatch.setenv("MASSAGE_CLI_KB", missing)
            result = run("check", "fibromyalgia")
        else:
            result = run("--kb", missing, "check", "fibromyalgia")
        assert ExitCode.KNOWLEDGE_BASE == result.exit_code
        assert f"{missing}: file not found" in result.stderr


class TestPaths:
    """`paths` shows the stack of files."""

    def test_lists_in_order(self, run, tmp_path) -> None:
        """Bundled, user, then --kb files, each with its status."""
        extra = write(tmp_path, CONDITION)
        rows = json.loads(
            run("--kb", str(extra), "--kb", str(tmp_path / "gone.yaml"), "paths", "--json").stdout
        )
        files = rows[:-1]  # the last row is the cache folder
        assert ["bundled", "user", "option", "option"] == [r["origin"] for r in files]
        assert ["in use", "missing (optional)", "in use", "missing (an error)"] == [
            r["status"] for r in files
        ]
        assert "cache" == rows[-1]["origin"]

    @pytest.mark.parametrize("fmt", ["plain", "markdown", "rich", "html"])
    def test_formats(self, run, fmt: str) -> None:
        """Every format shows the bundled file."""
        result = run("paths", "--format", fmt, env={"COLUMNS": "300"})
        assert result.exit_code == 0 and "conditions.yaml" in result.stdout


class TestValidate:
    """`validate` checks files and their merge, listing every problem."""

    def test_default_is_valid(self, run) -> None:
        """The active layers (the bundled file) are valid: exit 0."""
        result = run("validate")
        assert result.exit_code == 0, result.output
        assert result.stdout.startswith("VALID")

    def test_reader_streams_every_section_the_checker_checks(self) -> None:
        """The reader hands out entries of the sections the checker and the schema know, by name."""
        sections = knowledge.reader.SECTIONS
        assert sections == tuple(knowledge.checker._SECTIONS) == tuple(knowledge.SECTION_FIELDS)

    def test_lists_every_problem(self, run, tmp_path) -> None:
        """Several mistakes in one file are all listed, each at its line, exit 3."""
        text = CONDITION.replace("verdict: may-help", "verdict: maybe").replace("    summary:", "    sumary:")
        text = text.replace('"https://example.org/ear"', '"http://example.org/ear"')
        path = write(tmp_path, text)
        result = run("validate", str(path), "--json")
        assert ExitCode.KNOWLEDGE_BASE == result.exit_code
        problems = json.loads(result.stdout)["problems"]
        found = {(p["line"], p["path"], p["message"].split(" (")[0]) for p in problems}
        assert (
            7,
            "conditions[0].verdict",
            "'maybe' is not one of helps, may-help, unproven, not-a-substitute, avoid, urgent",
        ) in found
        assert (8, "conditions[0].sumary", "unknown field 'sumary'") in found
        assert (
            14,
            "conditions[0].sources[0].url",
            "'http://example.org/ear' is not an https:// address",
        ) in found
        assert (2, "conditions[0]", "missing required field 'summary'") in found

    def test_clashes_reported_with_other_mistakes(self, run, tmp_path) -> None:
        """An alias clash with the bundled file is listed together with mistakes in other entries."""
        second = (
            CONDITION.split("\n", 1)[1].replace("ear-ache", "ear-two").replace("[sore ear]", "[slipped disc]")
        )
        bad = CONDITION.replace("verdict: may-help", "verdict: maybe")
        path = write(tmp_path, bad + second.replace("Y93.C9", "Y93.C1"))
        result = run("validate", str(path), "--json")
        messages = [p["message"] for p in json.loads(result.stdout)["problems"]]
        assert any(m.startswith("'maybe' is not one of") for m in messages)
        assert any("'slipped disc' is also used by condition 'herniated-disc'" in m for m in messages)

    def test_one_screen_for_other_commands(self, run, tmp_path) -> None:
        """Other commands show at most a screen of problems and count the rest."""
        entries = "".join(
            CONDITION.split("\n", 1)[1]
            .replace("ear-ache", f"ear-{i}")
            .replace("verdict: may-help", "verdict: x")
            .replace("sore ear", f"sore ear {i}")
            .replace("Y93.C9", f"Y93.C{i % 10}")
            for i in range(30)
        )
        path = write(tmp_path, "conditions:\n" + entries)
        result = run("--kb", str(path), "check", "fibromyalgia")
        assert ExitCode.KNOWLEDGE_BASE == result.exit_code
        assert len(result.stderr.splitlines()) <= 24
        assert "more problems" in result.stderr


LOCATED = [
    # (file text, expected "line:column: path: message" fragment)
    ("conditions:\n  - id: a\n\tname: x\n", "3:1: tab character used for indentation"),
    ("conditions: [\n", "2:1: YAML syntax error"),
    ("- just\n- a list\n", "1:1: the top level of a knowledge-base file must be a mapping"),
    ("conditions: nope\n", "1:13: conditions: must be a list of entries"),
    (
        "faq:\n  - id: x\n    question: [not, text]\n    answer: a\n    sources: [{title: t, url: 'https://e.org'}]\n",
        "3:15: faq[0].question: must be text, not a list",
    ),
    (
        CONDITION.replace("aliases: [sore ear]", "aliases: sore ear"),
        "4:14: conditions[0].aliases: must be a list of text items",
    ),
    (
        CONDITION.replace("    summary: Gentle massage may ease a sore ear.\n", ""),
        "2:5: conditions[0]: missing required field 'summary'",
    ),
    (
        CONDITION.replace("    summary:", "    sumary:"),
        "8:5: conditions[0].sumary: unknown field 'sumary' (did you mean 'summary'?)",
    ),
    (
        CONDITION.replace("verdict: may-help", "verdict: maybe"),
        "7:14: conditions[0].verdict: 'maybe' is not one of helps, may-help",
    ),
    (
        CONDITION.replace("[Y93.C9]", "[Y93C9]"),
        "5:13: conditions[0].icd10[0]: 'Y93C9' is not an ICD-10-CM code",
    ),
    (
        CONDITION + CONDITION.split("\n", 1)[1],
        "16:9: conditions[1].id: duplicate id 'ear-ache' (also conditions[0] at line 2)",
    ),
    (
        CONDITION
        + CONDITION.split("\n", 1)[1]
        .replace("id: ear-ache", "id: ear-two")
        .replace("name: Ear ache", "name: Ear two")
        .replace("Y93.C9", "Y93.C1"),
        "18:15: conditions[1].aliases[0]: name or alias 'sore ear' is also used by condition 'ear-ache'",
    ),
    (
        CONDITION.replace("    name: Ear ache\n", "    name: Ear ache\n    name: Ear twice\n"),
        "4:5: conditions[0].name: duplicate key 'name' (first at line 3)",
    ),
    (
        CONDITION.replace('"https://example.org/ear"', '"http://example.org/ear"'),
        "14:34: conditions[0].sources[0].url: 'http://example.org/ear' is not an https:// address",
    ),
    (
        CONDITION.replace("reviewed: 2026-11-27", "reviewed: 27/11/2026"),
        "15:15: conditions[0].reviewed: '27/11/2026' is not an ISO date",
    ),
    (
        "conditions: !!python/object/apply:os.system ['echo hacked']\n",
        "1:13: conditions: YAML tag 'tag:yaml.org,2002:python/object/apply:os.system' is not allowed",
    ),
    (b"conditions:\n  - id: caf\xe9\n", "2:12: not UTF-8 text"),
]


class TestErrors:
    """Each kind of mistake gets its own message at its place, exit 3, and no traceback."""

    @pytest.mark.parametrize(
        ("text", "expected"), LOCATED, ids=[e.split(": ", 1)[-1][:40] for _, e in LOCATED]
    )
    def test_located_message(self, run, tmp_path, text, expected: str) -> None:
        """The message names the file, line and column, and what is wrong."""
        path = write(tmp_path, text)
        result = run("--kb", str(path), "check", "fibromyalgia")
        assert ExitCode.KNOWLEDGE_BASE == result.exit_code
        assert f"{path}:{expected}" in result.stderr, result.stderr
        assert "Traceback" not in result.stderr

    @pytest.mark.parametrize(
        ("make", "expected"),
        [
            (lambda p: p, "file not found"),
            (lambda p: (p.mkdir(), p)[1], "is a directory"),
            (lambda p: (p.write_text("", encoding="utf-8"), p)[1], "file is empty"),
            (lambda p: (p.write_text("# only a comment\n", encoding="utf-8"), p)[1], "file is empty"),
        ],
        ids=["missing", "directory", "empty", "comments only"],
    )
    def test_file_level_message(self, run, tmp_path, make, expected: str) -> None:
        """File-level problems are named with the file."""
        path = make(tmp_path / "clinic.yaml")
        result = run("--kb", str(path), "list")
        assert ExitCode.KNOWLEDGE_BASE == result.exit_code
        assert f"{path}: {expected}" in result.stderr

    def test_unreadable(self, run, tmp_path, monkeypatch) -> None:
        """A file that cannot be read is reported, not a traceback."""
        path = write(tmp_path, CONDITION)
        original = Path.read_bytes

        def deny(self: Path) -> bytes:
            if self == path:
                raise PermissionError(13, "Permission denied")
            return original(self)

        monkeypatch.setattr(Path, "read_bytes", deny)
        result = run("--kb", str(path), "list")
        assert ExitCode.KNOWLEDGE_BASE == result.exit_code
        assert f"{path}: permission denied" in result.stderr

    def test_duplicate_across_layers_names_both_files(self, run, tmp_path) -> None:
        """An alias already used by a bundled condition is refused, naming both places."""
        path = write(tmp_path, CONDITION.replace("[sore ear]", "[slipped disc]"))
        result = run("--kb", str(path), "list")
        assert ExitCode.KNOWLEDGE_BASE == result.exit_code
        assert (
            f"{path}:4:15: conditions[0].aliases[0]: name or alias 'slipped disc' is also used by condition 'herniated-disc' ("
            in result.stderr
        )
        assert "conditions.yaml:" in result.stderr

    def test_duplicate_code_across_layers(self, run, tmp_path) -> None:
        """A code already listed by a bundled condition is refused."""
        path = write(tmp_path, CONDITION.replace("[Y93.C9]", "[M79.7]"))
        result = run("--kb", str(path), "list")
        assert "ICD-10-CM code 'M79.7' is also used by condition 'fibromyalgia'" in result.stderr

    def test_python_tags_never_run(self, run, tmp_path) -> None:
        """A tag that would build a Python object is refused and never executed."""
        marker = tmp_path / "ran"
        path = write(
            tmp_path,
            f"conditions: !!python/object/apply:pathlib.Path.touch [!!python/object/apply:pathlib.Path ['{marker}']]\n",
        )
        result = run("--kb", str(path), "list")
        assert ExitCode.KNOWLEDGE_BASE == result.exit_code
        assert not marker.exists()

    def test_billion_laughs_refused_quickly(self, run, tmp_path) -> None:
        """An alias bomb is refused in well under a second of work, without expanding it."""
        lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
        for prev, name in zip("abcdefgh", "bcdefghi"):
            lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
        path = write(tmp_path, "\n".join(lines) + "\n")
        result = run("--kb", str(path), "list")
        assert ExitCode.KNOWLEDGE_BASE == result.exit_code
        assert "expands to more than" in result.stderr

    def test_size_cap(self, run, tmp_path) -> None:
        """A file above the size cap is refused before it is read."""
        path = tmp_path / "huge.yaml"
        with path.open("wb") as handle:
            handle.truncate(MAX_FILE_BYTES + 1)
        result = run("--kb", str(path), "list")
        assert ExitCode.KNOWLEDGE_BASE == result.exit_code
        assert "refused before reading" in result.stderr

    def test_markup_in_a_file_prints_literally(self, run, tmp_path) -> None:
        """A condition named like rich markup prints exactly as written."""
        path = write(tmp_path, CONDITION.replace("name: Ear ache", "name: '[bold]x[/bold]'"))
        result = run(
            "--kb", str(path), "check", "ear-ache", "--format", "rich", env={"TERM": "dumb", "COLUMNS": "100"}
        )
        assert "[bold]x[/bold]" in result.stdout

    def test_escape_sequences_are_stripped(self, run, tmp_path) -> None:
        """Escape sequences in a file never reach the terminal."""
        path = write(
            tmp_path,
            CONDITION.replace(
                "summary: Gentle massage may ease a sore ear.",
                'summary: "Gentle \\e]0;pwned\\a\\e[31mmassage"',
            ),
        )
        for fmt in ("plain", "rich", "markdown", "json", "html"):
            result = run("--kb", str(path), "check", "ear-ache", "--format", fmt)
            assert "pwned" not in result.stdout and "\x07" not in result.stdout, fmt
            assert "\x1b[31m" not in result.stdout or fmt == "rich", fmt


class TestHostileQueries:
    """Odd queries get clear handling and never echo raw control codes."""

    @pytest.mark.parametrize(
        "query",
        [
            "x" * 100_000,
            "\x1b[2J\x1b]0;title\x07neck pain",
            "[red]neck[/red]",
            "neck\udcffpain",
            "\u202eniap kcen",
            "\x00\x01\x02",
        ],
        ids=["100kB", "escapes", "markup", "undecodable", "bidi", "nul"],
    )
    def test_no_raw_control_codes(self, run, query: str) -> None:
        """The answer and the notes carry no escape or control characters."""
        for fmt in ("plain", "json"):
            result = run("check", query, "--format", fmt)
            assert result.exit_code in (0, 1), result.output
            for stream in (result.stdout, result.stderr):
                assert not any(ch in stream for ch in "\x1b\x07\x00\u202e"), fmt

    def test_batch_with_hostile_lines(self, run) -> None:
        """A batch with escape codes and markup is answered line by line, cleanly."""
        result = run("check", "--batch", "-", "--json", input="\x1b[31mneck pain\n[bold]sciatica\n")
        assert [True, True] == [json.loads(line)["found"] for line in result.stdout.splitlines()]
        assert "\x1b" not in result.stdout


def check(*paths: Path, bundled: bool = True) -> tuple[list[Problem], KnowledgeBase | None]:
    """Validate and merge the given files over the bundled one (as `validate` does)."""
    stack = [Layer(bundled_path(), "bundled")] if bundled else []
    return check_layers([*stack, *(Layer(p, "option") for p in paths)])


def merged(*paths: Path) -> KnowledgeBase:
    """The knowledge base with the given files over the bundled one; fails the test on any problem."""
    problems, kb = check(*paths)
    assert kb is not None, "\n".join(map(str, problems))
    return kb


def messages(problems: list[Problem]) -> list[str]:
    return [str(p) for p in problems]


RED_FLAG = """\
red_flags:
  - id: test-flag
    name: A test sign
    action: urgent
    may_mean: It may mean something.
    message: See a doctor today.
    phrases: [purple elbow glow]
    sources: [{title: Test, url: "https://example.org/flag"}]
"""


class TestPatch:
    """An entry with `patch: true` changes only the fields it names of a lower layer's entry."""

    def test_changes_only_named_fields(self, kb, tmp_path) -> None:
        """Every field the patch does not name stays as the bundled file has it."""
        path = write(tmp_path, "conditions:\n  - id: neck-pain\n    patch: true\n    summary: Clinic text.\n")
        assert replace(kb.condition("neck-pain"), summary="Clinic text.") == merged(path).condition(
            "neck-pain"
        )

    def test_id_only_changes_nothing(self, kb, tmp_path) -> None:
        """A patch that names only the id leaves every bundled entry exactly as it was."""
        sections = {"conditions": kb.conditions, "faq": kb.faq, "red_flags": kb.red_flags}
        text = "".join(
            f"{section}:\n" + "".join(f"  - {{id: {entry.id}, patch: true}}\n" for entry in entries)
            for section, entries in sections.items()
        )
        assert kb == merged(write(tmp_path, text))

    def test_keeps_its_place(self, kb, tmp_path) -> None:
        """A patched condition stays where the bundled file lists it."""
        path = write(tmp_path, "conditions:\n  - id: neck-pain\n    patch: true\n    summary: Clinic text.\n")
        assert [c.id for c in kb.conditions] == [c.id for c in merged(path).conditions]

    def test_lists_are_replaced_whole(self, tmp_path) -> None:
        """A list in a patch replaces the whole list (it is not added to)."""
        path = write(tmp_path, "conditions:\n  - id: neck-pain\n    patch: true\n    aliases: [neck crick]\n")
        assert ("neck crick",) == merged(path).condition("neck-pain").aliases

    def test_evidence_is_patched_as_a_whole(self, tmp_path) -> None:
        """`evidence` is replaced as one mapping, level and summary."""
        path = write(
            tmp_path,
            "conditions:\n  - id: neck-pain\n    patch: true\n"
            "    evidence: {level: moderate, summary: Two good trials.}\n",
        )
        assert (
            Evidence(EvidenceLevel.MODERATE, "Two good trials.")
            == merged(path).condition("neck-pain").evidence
        )

    def test_partial_evidence_is_incomplete(self, tmp_path) -> None:
        """A patched `evidence` without its summary is a missing field, since it replaces the whole mapping."""
        path = write(
            tmp_path, "conditions:\n  - id: neck-pain\n    patch: true\n    evidence: {level: moderate}\n"
        )
        problems, kb = check(path)
        assert kb is None
        assert [(4, "conditions[0].evidence")] == [(p.line, p.path) for p in problems]
        assert problems[0].message.startswith("missing required field 'summary'; in the patch of 'neck-pain'")

    def test_problem_names_both_files(self, tmp_path) -> None:
        """A problem in a patched field is placed in the patch and names the file the entry came from."""
        path = write(tmp_path, "conditions:\n  - id: neck-pain\n    patch: true\n    verdict: may help\n")
        (problem,) = check(path)[0]
        assert (str(path), 4, 14, "conditions[0].verdict") == problem[:4]
        assert problem.message.startswith("'may help' is not one of helps, may-help,")
        assert "(did you mean 'may-help'?); in the patch of 'neck-pain', a condition from " in problem.message
        assert problem.message.endswith(f"{bundled_path()}:{bundled_line('  - id: neck-pain')}")

    def test_result_is_checked_as_a_whole(self, tmp_path) -> None:
        """Changing the codes so that a kept code note no longer matches one is a problem of the result."""
        path = write(
            tmp_path, "conditions:\n  - id: chronic-low-back-pain\n    patch: true\n    icd10: [Y93.C9]\n"
        )
        (problem,) = check(path)[0]
        assert "conditions[0].code_notes.M54.51" == problem.path
        assert problem.message.startswith("'M54.51' is not one of this entry's icd10 codes; in the patch of")

    @pytest.mark.parametrize(
        ("section", "text", "expected"),
        [
            ("conditions", "  - id: neck-pian\n    patch: true\n    summary: x\n", "a condition"),
            ("faq", "  - id: medicar\n    patch: true\n    answer: x\n", "an FAQ entry"),
            ("red_flags", "  - id: saddle-numbnes\n    patch: true\n    message: x\n", "a red flag"),
        ],
    )
    def test_unknown_id_suggests(self, tmp_path, section: str, text: str, expected: str) -> None:
        """A patch of an id no lower layer has is an error with the closest known id."""
        path = write(tmp_path, f"{section}:\n{text}")
        (problem,) = check(path)[0]
        close = {"conditions": "neck-pain", "faq": "medicare", "red_flags": "saddle-numbness"}[section]
        assert (2, f"{section}[0].id") == (problem.line, problem.path)
        assert f"no lower layer has {expected} with this id (did you mean '{close}'?)" in problem.message

    def test_suggestions_are_bounded(self, kb, tmp_path, monkeypatch) -> None:
        """Past a budget of comparisons, unknown ids are still errors but without a suggestion."""
        monkeypatch.setattr(knowledge.merge, "SUGGESTION_BUDGET", 2 * len(kb.conditions))
        text = "".join(f"  - id: neck-pain-{i}\n    patch: true\n" for i in range(3))
        found = ["did you mean" in p.message for p in check(write(tmp_path, "conditions:\n" + text))[0]]
        assert [True, True, False] == found

    def test_unknown_id_fields_still_checked(self, tmp_path) -> None:
        """A patch of an unknown id also has its own fields checked, so every problem shows at once."""
        path = write(tmp_path, "conditions:\n  - id: neck-pian\n    patch: true\n    verdict: maybe\n")
        assert ["conditions[0].id", "conditions[0].verdict"] == [p.path for p in check(path)[0]]

    def test_faq_and_red_flag(self, kb, tmp_path) -> None:
        """FAQ entries and red flags are patched the same way."""
        path = write(
            tmp_path,
            "faq:\n  - id: medicare\n    patch: true\n    answer: Ask the clinic.\n"
            "red_flags:\n  - id: saddle-numbness\n    patch: true\n    min_age: 18\n",
        )
        base = merged(path)
        faq = next(f for f in base.faq if f.id == "medicare")
        flag = next(f for f in base.red_flags if f.id == "saddle-numbness")
        assert ("Ask the clinic.", 18) == (faq.answer, flag.min_age)
        assert next(f for f in kb.faq if f.id == "medicare").topics == faq.topics
        assert next(f for f in kb.red_flags if f.id == "saddle-numbness").phrases == flag.phrases

    def test_red_flag_patched_over_a_layer(self, tmp_path) -> None:
        """A patch can change an entry of any lower layer, not only the bundled file."""
        first = write(tmp_path, RED_FLAG, "first.yaml")
        second = write(
            tmp_path, "red_flags:\n  - id: test-flag\n    patch: true\n    action: emergency\n", "2.yaml"
        )
        flag = next(f for f in merged(first, second).red_flags if f.id == "test-flag")
        assert (Action.EMERGENCY, ("purple elbow glow",)) == (flag.action, flag.phrases)

    def test_patch_of_a_patch(self, tmp_path) -> None:
        """Two layers can patch the same entry; both changes apply."""
        first = write(
            tmp_path, "conditions:\n  - id: neck-pain\n    patch: true\n    summary: One.\n", "1.yaml"
        )
        second = write(
            tmp_path, "conditions:\n  - id: neck-pain\n    patch: true\n    name: Neck (clinic)\n", "2.yaml"
        )
        condition = merged(first, second).condition("neck-pain")
        assert ("Neck (clinic)", "One.") == (condition.name, condition.summary)

    def test_lowest_layer(self, tmp_path) -> None:
        """A patch in the lowest layer has nothing to change: an error."""
        path = write(tmp_path, "conditions:\n  - id: neck-pain\n    patch: true\n    summary: x\n")
        (problem,) = [p for p in check(path, bundled=False)[0] if p.path]
        assert (3, 5, "conditions[0].patch") == problem[1:4]
        assert "this file is the lowest layer" in problem.message

    @pytest.mark.parametrize(("value", "shown"), [("maybe", "'maybe'"), ("1", "'1'"), ('"true"', "'true'")])
    def test_patch_not_boolean(self, tmp_path, value: str, shown: str) -> None:
        """`patch` must be true or false."""
        path = write(tmp_path, f"conditions:\n  - id: neck-pain\n    patch: {value}\n    summary: x\n")
        (problem,) = check(path)[0]
        assert "conditions[0].patch" == problem.path
        assert problem.message.startswith(f"{shown} is not true or false")

    def test_patch_false_is_a_whole_entry(self, tmp_path) -> None:
        """`patch: false` is an ordinary entry: it needs every field."""
        path = write(tmp_path, "conditions:\n  - id: neck-pain\n    patch: false\n    summary: x\n")
        assert "missing required field 'name'" in messages(check(path)[0])[0]
        whole = write(tmp_path, CONDITION.replace("    name:", "    patch: false\n    name:"), "whole.yaml")
        assert "Ear ache" == merged(whole).condition("ear-ache").name

    def test_patch_needs_an_id(self, tmp_path) -> None:
        """A patch without an id cannot say what it changes."""
        path = write(tmp_path, "conditions:\n  - patch: true\n    summary: x\n")
        assert ["missing required field 'id'"] == [p.message.split(" (")[0] for p in check(path)[0]]

    def test_patch_and_entry_in_one_file(self, tmp_path) -> None:
        """A file may not both give and patch the same id."""
        text = CONDITION + "  - id: ear-ache\n    patch: true\n    summary: x\n"
        assert any("duplicate id 'ear-ache'" in m for m in messages(check(write(tmp_path, text))[0]))

    def test_clash_on_the_patched_result(self, tmp_path) -> None:
        """A patched alias that another condition uses is refused, at the patch's line."""
        path = write(
            tmp_path, "conditions:\n  - id: neck-pain\n    patch: true\n    aliases: [slipped disc]\n"
        )
        (problem,) = check(path)[0]
        assert (str(path), 4, 15, "conditions[0].aliases[0]") == problem[:4]
        assert problem.message.startswith(
            "name or alias 'slipped disc' is also used by condition 'herniated-disc'"
        )

    def test_kept_names_still_clash(self, tmp_path) -> None:
        """Names the patch does not touch still take part in the clash checks, at their own place."""
        path = write(tmp_path, CONDITION.replace("[sore ear]", "[desk neck]"))
        patch = write(tmp_path, "conditions:\n  - id: neck-pain\n    patch: true\n    summary: x\n", "p.yaml")
        (problem,) = check(path, patch)[0]
        assert "'desk neck' is also used by condition 'neck-pain'" in problem.message
        assert f"{bundled_path()}:" in problem.message

    def test_example_keeps_every_bundled_warning(self, kb) -> None:
        """The example replaces neck-pain's list whole, so it must still carry every bundled warning."""
        patched = merged(EXAMPLE).condition("neck-pain").see_a_doctor_if
        missing = [
            line
            for line in kb.condition("neck-pain").see_a_doctor_if
            if not any(p.text.startswith(line.text) and p.urgency is line.urgency for p in patched)
        ]
        assert [] == missing, "update examples/clinic.yaml to the bundled neck-pain list"

    def test_example_is_a_patch(self) -> None:
        """The example patches neck-pain instead of copying the whole entry."""
        data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
        neck = next(c for c in data["conditions"] if c["id"] == "neck-pain")
        assert {"id", "patch", "see_a_doctor_if"} == set(neck)

    def test_example_validates(self, run) -> None:
        """`massage-cli --kb examples/clinic.yaml validate` passes."""
        result = run("--kb", str(EXAMPLE), "validate")
        assert result.exit_code == 0, result.output


def bundled_line(text: str) -> int:
    """The line of the bundled file that reads exactly this."""
    return bundled_path().read_text(encoding="utf-8").splitlines().index(text) + 1


class TestAuthorsWords:
    """Messages quote what the author wrote and say what was likely meant."""

    def test_clash_quotes_the_alias_as_written(self, tmp_path) -> None:
        """A clash names the alias as written, not as compared ('slipped disc', not 'slippeddisc')."""
        path = write(tmp_path, CONDITION.replace("[sore ear]", "[Slipped-Disc]"))
        (problem,) = check(path)[0]
        assert problem.message.startswith(
            "name or alias 'Slipped-Disc' is also used by condition 'herniated-disc' as 'slipped disc' ("
        )

    def test_clash_quotes_the_code_as_written(self, tmp_path) -> None:
        """A code clash names the code with its dot."""
        path = write(tmp_path, CONDITION.replace("[Y93.C9]", "[M79.7]"))
        assert (
            "ICD-10-CM code 'M79.7' is also used by condition 'fibromyalgia' (" in messages(check(path)[0])[0]
        )

    @pytest.mark.parametrize(
        ("old", "new", "hint"),
        [
            ("verdict: may-help", "verdict: may help", "may-help"),
            ("verdict: may-help", "verdict: Not a substitute", "not-a-substitute"),
            ("verdict: may-help", "verdict: helpz", "helps"),
            ("level: low", "level: Low", "low"),
            ("level: low", "level: Very Low", "very-low"),
            ("    reviewed:", "    body_parts: [Lower Back]\n    reviewed:", "lower-back"),
            ("    reviewed:", "    body_parts: [sholder]\n    reviewed:", "shoulder"),
            ("    summary:", "    Summary:", "summary"),
            ("    see_a_doctor_if:", "    see a doctor if:", "see_a_doctor_if"),
        ],
    )
    def test_did_you_mean(self, tmp_path, old: str, new: str, hint: str) -> None:
        """A value or field name close to a known one suggests it, ignoring case, spaces and hyphens."""
        path = write(tmp_path, CONDITION.replace(old, new))
        assert any(f"(did you mean '{hint}'?)" in m for m in messages(check(path)[0]))

    def test_action_did_you_mean(self, tmp_path) -> None:
        """A red flag's action gets a suggestion too."""
        path = write(tmp_path, RED_FLAG.replace("action: urgent", "action: Emergency"))
        assert (
            "'Emergency' is not one of emergency, now, urgent, soon (did you mean 'emergency'?)"
            in messages(check(path)[0])[0]
        )

    @pytest.mark.parametrize(
        ("url", "shown"),
        [
            ("http://example.org/it's", '"http://example.org/it\'s"'),
            ('http://e.org/"x"', "'http://e.org/\"x\"'"),
            ('http://e.org/it\'s-"x"', "'http://e.org/it\\'s-\"x\"'"),
            ("http://e.org/a\\b", "'http://e.org/a\\b'"),
            ("http://e.org/it's-" + "x" * 80, "\"http://e.org/it's-" + "x" * 39 + '..."'),
        ],
        ids=["apostrophe", "double quotes", "both", "backslash", "long"],
    )
    def test_quotes_stay_readable(self, tmp_path, url: str, shown: str) -> None:
        """A value with quotes in it is shown between the other quote character, cut inside the quotes."""
        text = CONDITION.replace('"https://example.org/ear"', "'" + url.replace("'", "''") + "'")
        (problem,) = check(write(tmp_path, text))[0]
        assert f"{shown} is not an https:// address" == problem.message

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            (
                "conditions:\n  - id: x\n    name: y\n  aliases: [a]\n",
                (
                    "4:3: YAML syntax error: did not find expected '-' indicator. Likely cause: check the "
                    "indentation of this line against the line above (this line is indented 2 spaces; "
                    "line 3 above is indented 4 spaces: '    name: y')"
                ),
            ),
            (
                "conditions:\n  - id: x\n    name: y\n\n    # note\n   aliases: [a]\n",
                (
                    "6:4: YAML syntax error: did not find expected '-' indicator. Likely cause: check the "
                    "indentation of this line against the line above (this line is indented 3 spaces; "
                    "line 3 above is indented 4 spaces: '    name: y')"
                ),
            ),
            (
                "clinic:\n  name: x\n contact: y\n",
                (
                    "3:2: YAML syntax error: did not find expected key. Likely cause: check the indentation "
                    "of this line against the line above (this line is indented 1 space; line 2 above is "
                    "indented 2 spaces: '  name: x')"
                ),
            ),
            (
                "clinic:\n  name: Riverside: the clinic\n",
                (
                    "2:18: YAML syntax error: mapping values are not allowed in this context. Likely cause: "
                    "text with ': ' in it needs quotes around it, or this line is indented more than the line above"
                ),
            ),
            (
                "clinic:\n  name: 'Riverside\n",
                (
                    "3:1: YAML syntax error: found unexpected end of stream. Likely cause: the quote opened at "
                    "line 2 is never closed"
                ),
            ),
        ],
        ids=["dedented key", "dedented after comment", "dedented top key", "colon in text", "open quote"],
    )
    def test_syntax_error_cause(self, tmp_path, text: str, expected: str) -> None:
        """A parser error from a misplaced line says the likely cause and shows the line above."""
        path = write(tmp_path, text)
        assert [f"{path}:{expected}"] == [str(p)[: len(f"{path}:{expected}")] for p in check(path)[0]]

    def test_files_with_problems(self, tmp_path) -> None:
        """The files that have problems can be counted for the summary line."""
        good = write(tmp_path, CONDITION, "good.yaml")
        bad = write(
            tmp_path,
            CONDITION.replace("ear-ache", "ear-two")
            .replace("Ear ache", "Ear two")
            .replace("verdict: may-help", "verdict: x")
            .replace("sore ear", "ear two")
            .replace("Y93.C9", "Y93.C1"),
            "bad.yaml",
        )
        problems, _ = check(good, bad)
        files = [str(bundled_path()), str(good), str(bad)]
        assert [str(bad)] == files_with_problems(files, problems)


def broken_file(tmp_path: Path, entries: int) -> Path:
    """A file of many entries, each with the same eleven mistakes."""
    entry = (
        "  - id: ear-{i}\n    name: Ear {i}\n    icd10: [Y93C9]\n    category: Joint\n    verdict: maybe\n"
        '    summary: ""\n    benefits: text\n    precautions: [Ask]\n    see_a_doctor_if: [x]\n'
        "    cannot_replace: [x]\n    evidence: {{level: Low, summary: x}}\n"
        '    sources: [{{title: T, url: "http://e.org/it\'s"}}]\n    reviewed: 27/11/2026\n'
        "    body_parts: [Neck]\n    sumary: x\n"
    )
    return write(
        tmp_path, "conditions:\n" + "".join(entry.format(i=i) for i in range(entries)), f"b{entries}.yaml"
    )


class TestSummarise:
    """A disaster still fits on one screen: the first problems, then counts by kind."""

    def test_few_problems_all_shown(self) -> None:
        """Up to the limit, every problem is shown and nothing is counted."""
        problems = [Problem("f", i, 1, "", "x") for i in range(50)]
        assert (problems, []) == summarise(problems)

    def test_disaster(self, tmp_path) -> None:
        """3,000 broken entries: at most 50 lines, counts that add up, kinds without places or values."""
        problems = check(broken_file(tmp_path, 3000))[0]
        shown, rest = summarise(problems)
        assert 33_000 == len(problems)
        assert len(shown) + len(rest) <= 50
        # The first line stands for the 3,000 missing aliases; every other line for one problem.
        assert (
            "3,000 conditions miss required field 'aliases' (the first is conditions[0])" == shown[0].message
        )
        assert len(problems) == 3_000 + len(shown) - 1 + sum(n for _, n in rest)
        kinds = dict(rest)
        assert (
            "conditions[*].verdict: '...' is not one of helps, may-help, unproven, not-a-substitute, avoid, urgent (did you mean '...'?)"
            in kinds
        )
        assert "conditions[*].sumary: unknown field 'sumary' (did you mean '...'?)" in kinds

    def test_many_kinds_end_with_other(self) -> None:
        """When there are more kinds than lines, the last line counts all the others together."""
        problems = [Problem("f", i, 1, f"field{i}", "x") for i in range(100)]
        shown, rest = summarise(problems, limit=20)
        assert (10, 10, ("other problems", 81)) == (len(shown), len(rest), rest[-1])

    @pytest.mark.parametrize(
        ("path", "message", "kind"),
        [
            (
                "conditions[7].verdict",
                "'maybe' is not one of a, b",
                "conditions[*].verdict: '...' is not one of a, b",
            ),
            (
                "conditions[7]",
                "missing required field 'aliases'",
                "conditions[*]: missing required field 'aliases'",
            ),
            (
                "conditions[1].id",
                "duplicate id 'x' (also conditions[0] at line 2)",
                "conditions[*].id: duplicate id '...' (also conditions[*] at line ...)",
            ),
            (
                "conditions[3].aliases[0]",
                "name or alias 'a b' is also used by condition 'c' (f.yaml:12: conditions[5].aliases[1]); each must lead to one condition",
                "conditions[*].aliases[*]: name or alias '...' is also used by condition '...' (...: conditions[*].aliases[*]); each must lead to one condition",
            ),
            ("", "YAML syntax error: x 'y'", "YAML syntax error: x '...'"),
        ],
    )
    def test_kind(self, path: str, message: str, kind: str) -> None:
        """A kind is the field and message without the place, index or value."""
        assert kind == problem_kind(Problem("f.yaml", 3, 4, path, message))


yaml_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "id",
                    "name",
                    "conditions",
                    "faq",
                    "verdict",
                    "aliases",
                    "icd10",
                    "x",
                    "sources",
                    "red_flags",
                    "version",
                ]
            )
            | st.text(max_size=8),
            children,
            max_size=4,
        )
    ),
    max_leaves=30,
)


class TestFuzz:
    """Random files and queries never cause a traceback, and always exit 0-3 quickly."""

    @given(st.one_of(yaml_values.map(lambda v: yaml.safe_dump(v).encode()), st.binary(max_size=400)))
    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    def test_random_layers(self, run, tmp_path, content: bytes) -> None:
        """Any bytes as a layer: exit 0, 1 or 3, never a traceback (speed is bench/run.py's job)."""
        path = tmp_path / "random.yaml"
        path.write_bytes(content)
        result = run("--kb", str(path), "check", "fibromyalgia", "--json")
        assert result.exit_code in (0, 1, 3), result.output

    @given(st.text(max_size=200))
    @settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    def test_random_queries(self, run, query: str) -> None:
        """Any query: exit 0, 1 or 2, never a traceback."""
        result = run("check", query, "--json")
        assert result.exit_code in (0, 1, 2), result.output


class TestValidateOneScreen:
    """validate fits one screen even for a disaster, and --all lists everything."""

    def disaster(self, tmp_path: Path, count: int = 300) -> Path:
        lines = ["conditions:"]
        for i in range(count):
            lines += [f"  - id: broken-{i}", f"    name: Broken {i}"]
        path = tmp_path / "disaster.yaml"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path

    def test_entries_missing_the_same_fields_are_one_line(self, run, tmp_path: Path) -> None:
        """300 entries that miss the same 12 fields are one line (not 12 lines and counts)."""
        result = run("validate", str(self.disaster(tmp_path)), "--format", "plain")
        assert ExitCode.KNOWLEDGE_BASE == result.exit_code
        lines = result.stdout.splitlines()
        assert lines[0].startswith("INVALID: 3,600 problems in 1 of 2 file(s)")
        assert [
            "INVALID: 3,600 problems in 1 of 2 file(s).",
            (
                f"  {tmp_path / 'disaster.yaml'}:2:5: 300 conditions miss 12 required fields: aliases, icd10, "
                "category, verdict, summary, benefits, precautions, see_a_doctor_if, cannot_replace, evidence, "
                "sources, reviewed (the first is conditions[0])"
            ),
        ] == lines

    def test_all_lists_every_problem(self, run, tmp_path: Path) -> None:
        """--all prints one line per problem."""
        result = run("validate", str(self.disaster(tmp_path)), "--format", "plain", "--all")
        assert 3_600 + 1 == len(result.stdout.splitlines())

    def test_json_always_lists_every_problem(self, run, tmp_path: Path) -> None:
        """JSON is for scripts: every problem, whatever the limit."""
        result = run("validate", str(self.disaster(tmp_path)), "--json")
        assert 3_600 == len(json.loads(result.stdout)["problems"])


class TestSchemaCommand:
    """`massage-cli schema` prints the editor schema as JSON."""

    def test_prints_the_schema(self, run) -> None:
        """The output is a draft-07 JSON Schema whose verdicts include unproven."""
        result = run("schema")
        assert result.exit_code == 0, result.output
        data = json.loads(result.stdout)
        assert "draft-07" in data["$schema"]
        assert "unproven" in json.dumps(data)


CONCEPT_LAYER = """\
concepts:
  - id: glow
    kind: site
    words: [elbow, funny bone]
  - id: purple
    words: [purple, violet]
red_flags:
  - id: purple-elbow
    name: A purple elbow
    action: urgent
    may_mean: It may mean something.
    message: See a doctor today.
    signs: [[glow, purple]]
    sources: [{title: Test, url: "https://example.org/flag"}]
"""


class TestConceptLayers:
    """A clinic layer can add concepts and signs made of them; validate checks the ids."""

    def test_layer_adds_a_sign(self, tmp_path) -> None:
        """A layer's concept combination is found in any order, and a denial sets it aside."""
        from massage_cli.redflags import RedFlagIndex

        kb = merged(write(tmp_path, CONCEPT_LAYER))
        index = RedFlagIndex.for_flags(kb.red_flags, kb.concepts)
        assert "purple-elbow" in [f.id for f in index.detect("my funny bone has gone violet")]
        assert "purple-elbow" not in [f.id for f in index.detect("my elbow is not purple")]

    def test_unknown_concept(self, tmp_path) -> None:
        """A sign that names a concept no layer defines is an error, with a suggestion."""
        text = CONCEPT_LAYER.replace("[[glow, purple]]", "[[glow, purpel]]")
        problems, kb = check(write(tmp_path, text))
        assert kb is None
        assert any("'purpel' is not a concept (did you mean 'purple'?)" in str(p) for p in problems)

    def test_patch_a_concept(self, tmp_path) -> None:
        """A patch adds words to a bundled concept."""
        path = write(tmp_path, "concepts:\n  - id: face-droops\n    patch: true\n    words: [skew]\n")
        assert ("skew",) == next(c for c in merged(path).concepts if c.id == "face-droops").words


class TestUrgencyLayers:
    """`see_a_doctor_if` items carry an urgency; files written before that still load, with a warning."""

    def test_plain_text_item_loads_with_a_warning(self, run, tmp_path) -> None:
        """A plain-text item is valid (exit 0) but `validate` warns, naming the missing urgency."""
        path = write(tmp_path, WITH_SESSION)
        result = run("validate", str(path))
        assert result.exit_code == 0, result.output
        assert result.stdout.startswith("VALID")
        assert "conditions[0].see_a_doctor_if[0]: warning: no urgency" in result.stderr
        assert f"{path}:11:" in result.stderr
        problems, warnings, kb = knowledge.check_layers_warnings(
            [Layer(bundled_path(), "bundled"), Layer(path, "option")]
        )
        assert problems == [] and kb is not None and len(warnings) == 1

    def test_plain_text_item_asks_how_soon(self, run, tmp_path) -> None:
        """It shows its text and 'Ask a doctor how soon.'; JSON gives its urgency as null."""
        path = write(tmp_path, CONDITION)
        shown = run("--kb", str(path), "check", "ear ache")
        assert "The pain lasts more than two weeks. Ask a doctor how soon." in " ".join(shown.stdout.split())
        data = json.loads(run("--kb", str(path), "check", "ear ache", "--json").stdout)
        assert data["see_a_doctor_if"] == [{"text": "The pain lasts more than two weeks.", "urgency": None}]

    def test_item_with_urgency_shows_the_shared_words(self, run, tmp_path) -> None:
        text = WITH_SESSION.replace(
            "see_a_doctor_if: [The pain lasts more than two weeks.]",
            "see_a_doctor_if: [{text: The pain lasts more than two weeks., urgency: soon}]",
        )
        path = write(tmp_path, text)
        result = run("validate", str(path))
        assert result.exit_code == 0 and "warning" not in result.stderr, result.output
        shown = " ".join(run("--kb", str(path), "check", "ear ache").stdout.split())
        assert "The pain lasts more than two weeks. See a doctor within a few days." in shown

    def test_bad_urgency_and_unknown_sign_are_errors(self, tmp_path) -> None:
        text = CONDITION.replace(
            "see_a_doctor_if: [The pain lasts more than two weeks.]",
            "see_a_doctor_if: [{text: It hurts., urgency: later}, {sign: saddle-numbnes}, {text: No urgency.}]",
        )
        found = messages(check(write(tmp_path, text))[0])
        assert any("'later' is not one of emergency, now, today, soon, routine" in m for m in found), found
        assert any("missing required field 'urgency'" in m for m in found), found
        problems, _ = check(
            write(
                tmp_path,
                text.replace("urgency: later", "urgency: today").replace(", {text: No urgency.}", ""),
                "b.yaml",
            )
        )
        assert any(
            "'saddle-numbnes' is not a shared sign (signs:) (did you mean 'saddle-numbness'?)" in m
            for m in messages(problems)
        ), problems

    def test_layer_names_a_bundled_shared_sign_and_may_patch_it(self, tmp_path) -> None:
        """An item names a shared sign from a lower layer; a patch of the sign reaches every entry."""
        text = CONDITION.replace(
            "see_a_doctor_if: [The pain lasts more than two weeks.]",
            "see_a_doctor_if: [{sign: saddle-numbness}]",
        )
        text += "signs:\n  - id: saddle-numbness\n    patch: true\n    urgency: today\n"
        kb = merged(write(tmp_path, text))
        (item,) = kb.condition("ear-ache").see_a_doctor_if
        assert item.sign == "saddle-numbness" and item.urgency is not None and item.urgency.value == "today"
        assert all(
            i.urgency is item.urgency for c in kb.conditions for i in c.see_a_doctor_if if i.sign == item.sign
        )

    def test_patch_with_plain_text_items_warns(self, tmp_path) -> None:
        patch = write(
            tmp_path, "conditions:\n  - id: neck-pain\n    patch: true\n    see_a_doctor_if: [Call us.]\n"
        )
        problems, warnings, kb = knowledge.check_layers_warnings(
            [Layer(bundled_path(), "bundled"), Layer(patch, "option")]
        )
        assert problems == [] and kb is not None
        assert [w.path for w in warnings] == ["conditions[0].see_a_doctor_if[0]"]

    def test_same_sign_two_urgencies_warns(self, tmp_path) -> None:
        """An item that says a bundled sign in the same words with another urgency gets a warning."""
        text = WITH_SESSION.replace(
            "see_a_doctor_if: [The pain lasts more than two weeks.]",
            "see_a_doctor_if: [{text: 'Numbness or tingling around your genitals, bottom or inner thighs "
            "(the area a saddle would touch)', urgency: soon}]",
        )
        path = write(tmp_path, text)
        problems, warnings, kb = knowledge.check_layers_warnings(
            [Layer(bundled_path(), "bundled"), Layer(path, "option")]
        )
        assert problems == [] and kb is not None
        (warning,) = warnings
        assert warning.path == "conditions.ear-ache.see_a_doctor_if[0]"
        assert (
            "urgency emergency in conditions.low-back-pain.see_a_doctor_if[0] but soon here"
            in warning.message
        )


class TestCodeSet:
    """Every ICD-10-CM code a layer lists is checked against the shipped code set."""

    def test_a_code_that_does_not_exist_is_an_error(self, tmp_path) -> None:
        """A well-formed code the code set lacks is refused, with the closest real code above it."""
        path = write(tmp_path, CONDITION.replace("[Y93.C9]", "[M99.999]"))
        assert [
            (
                f"{path}:5:13: conditions[0].icd10[0]: 'M99.999' is not in the ICD-10-CM code set "
                "(the closest code above it is M99.9: Biomechanical lesion, unspecified)"
            )
        ] == messages(check(path)[0])

    def test_validate_refuses_it(self, run, tmp_path) -> None:
        """validate says INVALID (exit 3) for a made-up code."""
        path = write(tmp_path, CONDITION.replace("[Y93.C9]", "[M99.999]"))
        result = run("validate", str(path), "--format", "plain")
        assert ExitCode.KNOWLEDGE_BASE == result.exit_code, result.output
        assert "'M99.999' is not in the ICD-10-CM code set" in result.stdout

    def test_check_does_not_answer_from_the_layer(self, run, tmp_path) -> None:
        """`check M99.999` with such a layer stops with exit 3, and answers nothing from it."""
        path = write(tmp_path, CONDITION.replace("[Y93.C9]", "[M99.999]"))
        result = run("--kb", str(path), "check", "M99.999", "--json")
        assert ExitCode.KNOWLEDGE_BASE == result.exit_code, result.output
        assert "" == result.stdout
        assert "'M99.999' is not in the ICD-10-CM code set" in result.stderr

    def test_a_heading_is_a_warning(self, run, tmp_path) -> None:
        """A code that exists but cannot be billed loads, with a warning naming the codes under it."""
        path = write(tmp_path, CONDITION.replace("[Y93.C9]", "[Y93.C]"))
        result = run("validate", str(path), "--format", "plain")
        assert ExitCode.OK == result.exit_code, result.output
        assert [
            (
                f"{path}:5:13: conditions[0].icd10[0]: warning: 'Y93.C' (Activities involving computer "
                "technology and electronic devices) is a heading, not a billable code; a claim needs a code "
                "under it: Y93.C1, Y93.C2, Y93.C9"
            )
        ] == [line for line in result.stderr.splitlines() if ".icd10" in line]

    def test_a_heading_with_many_codes_names_three(self, tmp_path) -> None:
        """A heading with many codes under it names the first three and counts the others."""
        path = write(tmp_path, CONDITION.replace("[Y93.C9]", "[S16]"))
        stack = [Layer(bundled_path(), "bundled"), Layer(path, "option")]
        problems, warnings, kb = knowledge.check_layers_warnings(stack)
        assert kb is not None, problems
        assert [
            (
                "'S16' (Injury of muscle, fascia and tendon at neck level) is a heading, not a billable code; "
                "a claim needs a code under it: S16.1XXA, S16.1XXD, S16.1XXS and 9 more"
            )
        ] == [w.message for w in warnings if "icd10" in w.path]

    def test_a_patch_that_sets_a_heading_is_warned(self, tmp_path) -> None:
        """A patch's codes are checked too: a heading it sets gets the warning, at the patch."""
        path = write(
            tmp_path, "conditions:\n  - id: fibromyalgia\n    patch: true\n    icd10: [M79.7, Y93.C]\n"
        )
        stack = [Layer(bundled_path(), "bundled"), Layer(path, "option")]
        problems, warnings, _kb = knowledge.check_layers_warnings(stack)
        assert [] == problems
        assert [("conditions[0].icd10[1]", 4)] == [(w.path, w.line) for w in warnings if w.file == str(path)]

    def test_every_bundled_code_is_billable(self, kb) -> None:
        """The bundled file gives no code warnings: each of its codes is in the code set and billable."""
        from massage_cli.icd10 import lookup

        assert [] == [
            code for c in kb.conditions for code in c.icd10 if not getattr(lookup(code), "billable", False)
        ]


class TestWholeReplacement:
    """An entry with a lower layer's id replaces it whole: validate says so and points at patch."""

    FIBRO = CONDITION.replace("id: ear-ache", "id: fibromyalgia").replace("[sore ear]", "[sore fibro ear]")

    def test_validate_warns(self, run, tmp_path) -> None:
        """A complete entry with a bundled id is valid, with a warning that names the bundled entry."""
        path = write(tmp_path, self.FIBRO)
        result = run("validate", str(path), "--format", "plain")
        assert ExitCode.OK == result.exit_code, result.output
        line = bundled_line("  - id: fibromyalgia")
        assert (
            f"{path}:2:5: conditions[0]: warning: replaces the whole condition 'fibromyalgia' from "
            f"{bundled_path()}:{line}: add 'patch: true' to change only the fields given here, or "
            "'patch: false' to say the replacement is meant"
        ) in result.stderr.splitlines()

    def test_patch_false_says_it_is_meant(self, run, tmp_path) -> None:
        """`patch: false` replaces the entry on purpose: no warning."""
        path = write(
            tmp_path, self.FIBRO.replace("  - id: fibromyalgia\n", "  - id: fibromyalgia\n    patch: false\n")
        )
        result = run("validate", str(path), "--format", "plain")
        assert ExitCode.OK == result.exit_code, result.output
        assert "replaces the whole" not in result.stderr

    def test_a_new_id_is_not_warned(self, run, tmp_path) -> None:
        """An entry of its own (an id no lower layer has) gets no such warning."""
        result = run("validate", str(write(tmp_path, CONDITION)), "--format", "plain")
        assert "replaces the whole" not in result.stderr

    def test_few_fields_suggest_a_patch(self, tmp_path) -> None:
        """A bundled id with two of its fields: one problem that suggests 'patch: true', not 12 lines."""
        path = write(tmp_path, "conditions:\n  - id: neck-pain\n    name: Sore neck\n")
        line = bundled_line("  - id: neck-pain")
        assert [
            (
                f"{path}:2:5: conditions[0]: gives 2 of the 14 required fields of a condition, and 'neck-pain' "
                f"is the id of one from {bundled_path()}:{line}: add 'patch: true' to change only the fields "
                "given here (without it, the entry replaces that one whole and needs all 14)"
            )
        ] == messages(check(path)[0])

    def test_a_nearly_whole_entry_lists_what_it_misses(self, tmp_path) -> None:
        """An entry that gives most fields was meant whole: each missing field is listed, no patch hint."""
        path = write(tmp_path, self.FIBRO.replace("    summary: Gentle massage may ease a sore ear.\n", ""))
        assert [f"{path}:2:5: conditions[0]: missing required field 'summary'"] == messages(check(path)[0])

    def test_a_new_id_with_few_fields_lists_them(self, tmp_path) -> None:
        """Without a lower entry of its id there is nothing to patch: the missing fields are listed."""
        path = write(tmp_path, "conditions:\n  - id: ear-thing\n    name: Ear thing\n")
        assert 12 == sum("missing required field" in m for m in messages(check(path)[0]))


class TestGroupedMissingFields:
    """Missing fields are grouped in summaries: by entry, then entries that miss the same ones."""

    def test_one_entry_one_line(self, run, tmp_path) -> None:
        """An entry that misses three fields gets one line naming them."""
        text = CONDITION
        for field in (
            "summary: Gentle massage may ease a sore ear.",
            "benefits: [It may ease tight ear muscles.]",
        ):
            text = text.replace(f"    {field}\n", "")
        result = run("validate", str(write(tmp_path, text)), "--format", "plain")
        assert [
            "INVALID: 2 problems in 1 of 2 file(s).",
            f"  {tmp_path / 'clinic.yaml'}:2:5: conditions[0]: missing 2 required fields: summary, benefits",
        ] == result.stdout.splitlines()

    def test_all_lists_each(self, run, tmp_path) -> None:
        """--all lists every missing field on its own line, as JSON does."""
        text = CONDITION.replace("    summary: Gentle massage may ease a sore ear.\n", "").replace(
            "    benefits: [It may ease tight ear muscles.]\n", ""
        )
        result = run("validate", str(write(tmp_path, text)), "--format", "plain", "--all")
        assert 3 == len(result.stdout.splitlines())

    def test_groups_by_the_fields_missed(self) -> None:
        """Entries that miss different fields are different lines; each line counts what it stands for."""
        problems = [
            Problem("f", 2, 5, "conditions[0]", "missing required field 'a'"),
            Problem("f", 2, 5, "conditions[0]", "missing required field 'b'"),
            Problem("f", 3, 9, "conditions[0].verdict", "'x' is not one of y"),
            Problem("f", 5, 5, "conditions[1]", "missing required field 'a'"),
            Problem("f", 5, 5, "conditions[1]", "missing required field 'b'"),
            Problem("f", 8, 5, "conditions[2]", "missing required field 'a'"),
            Problem("f", 9, 7, "conditions[2].sources[0]", "missing required field 'url'"),
        ]
        assert [
            (
                Problem(
                    "f", 2, 5, "", "2 conditions miss 2 required fields: a, b (the first is conditions[0])"
                ),
                4,
            ),
            (problems[2], 1),
            (problems[5], 1),
            (problems[6], 1),
        ] == group_missing(problems)

    def test_other_commands_group_too(self, run, tmp_path) -> None:
        """A command other than validate shows the grouped line, and nothing is left to count."""
        lines = ["conditions:"] + [f"  - id: broken-{i}\n    name: Broken {i}" for i in range(300)]
        path = write(tmp_path, "\n".join(lines) + "\n")
        result = run("--kb", str(path), "check", "fibromyalgia")
        assert ExitCode.KNOWLEDGE_BASE == result.exit_code
        assert [
            "massage-cli: the knowledge base cannot be used:",
            (
                f"  {path}:2:5: 300 conditions miss 12 required fields: aliases, icd10, category, verdict, "
                "summary, benefits, precautions, see_a_doctor_if, cannot_replace, evidence, sources, reviewed "
                "(the first is conditions[0])"
            ),
        ] == result.stderr.splitlines()

    def test_many_kinds_still_counted(self, run, tmp_path) -> None:
        """Thousands of entries with many kinds of mistake: the first lines, then counts by kind."""
        result = run("validate", str(broken_file(tmp_path, 300)), "--format", "plain")
        lines = result.stdout.splitlines()
        assert len(lines) <= 52
        assert any(" more: conditions[*].verdict: '...' is not one of" in line for line in lines)


class TestDatesAndBodyParts:
    """A date that does not exist and an everyday body-part word are named for what they are."""

    def test_no_such_day(self, tmp_path) -> None:
        """2026-02-30 has the shape of a date, but February has 28 days that year."""
        path = write(tmp_path, CONDITION.replace("reviewed: 2026-11-27", "reviewed: 2026-02-30"))
        assert [
            f"{path}:15:15: conditions[0].reviewed: '2026-02-30' is not a real date (February 2026 has 28 days)"
        ] == messages(check(path)[0])

    def test_leap_year(self, tmp_path) -> None:
        """2028-02-29 is a real date."""
        path = write(tmp_path, CONDITION.replace("reviewed: 2026-11-27", "reviewed: 2028-02-29"))
        assert [] == check(path)[0]

    def test_not_a_date_shape(self, tmp_path) -> None:
        """Text that is not YYYY-MM-DD at all is still 'not an ISO date'."""
        path = write(tmp_path, CONDITION.replace("reviewed: 2026-11-27", "reviewed: 27/11/2026"))
        assert "'27/11/2026' is not an ISO date (YYYY-MM-DD)" in messages(check(path)[0])[0]

    @pytest.mark.parametrize(
        ("written", "hint"),
        [
            ("feet", "(did you mean 'foot'?)"),
            ("knees", "(did you mean 'knee'?)"),
            ("tummy", "(did you mean 'belly'?)"),
            ("backs", "(did you mean one of 'upper-back', 'lower-back'?)"),
        ],
    )
    def test_everyday_body_part(self, tmp_path, written: str, hint: str) -> None:
        """A plural or everyday word for a body part suggests the vocabulary word."""
        path = write(
            tmp_path, CONDITION.replace("    reviewed:", f"    body_parts: [{written}]\n    reviewed:")
        )
        assert [f"'{written}' is not a known body part {hint}"] == [p.message for p in check(path)[0]]


FLAG_QUERY = "numbness around my bottom and I can't control my bladder"


class TestBrokenLayerKeepsWarnings:
    """A broken layer stops `check` (exit 3), but not before the bundled red flags have had their say."""

    def broken(self, tmp_path: Path) -> Path:
        return write(tmp_path, "conditions:\n  - id: x\n    name: X\n   aliases: []\n")

    def test_warning_before_the_error(self, run, tmp_path) -> None:
        """The emergency warning comes first on stderr, then the problem; stdout stays empty; exit 3."""
        result = run("--kb", str(self.broken(tmp_path)), "check", FLAG_QUERY)
        assert ExitCode.KNOWLEDGE_BASE == result.exit_code
        assert "" == result.stdout
        lines = result.stderr.splitlines()
        assert (
            "massage-cli: WARNING: Call emergency services or go to the emergency department now." == lines[0]
        )
        assert lines[1].startswith("  ! Numbness around the genitals or bottom (saddle area): ")
        assert lines.index("massage-cli: the knowledge base cannot be used:") > 2

    def test_no_warning_without_a_sign(self, run, tmp_path) -> None:
        """An ordinary question gets only the problem."""
        result = run("--kb", str(self.broken(tmp_path)), "check", "sore neck")
        assert ExitCode.KNOWLEDGE_BASE == result.exit_code
        assert result.stderr.startswith("massage-cli: the knowledge base cannot be used:\n")

    def test_batch_names_the_line(self, run, tmp_path) -> None:
        """In a batch, each warning names the line it is for."""
        result = run(
            "--kb",
            str(self.broken(tmp_path)),
            "check",
            "--batch",
            "-",
            "--json",
            input=f"sore neck\n{FLAG_QUERY}\n",
        )
        assert ExitCode.KNOWLEDGE_BASE == result.exit_code
        assert "" == result.stdout
        assert result.stderr.startswith("massage-cli: line 2: WARNING: Call emergency services")

    def test_without_the_bundled_file(self, run, tmp_path) -> None:
        """--no-bundled leaves the bundled entries out, not its warning signs."""
        result = run("--no-bundled", "--kb", str(self.broken(tmp_path)), "check", FLAG_QUERY)
        assert ExitCode.KNOWLEDGE_BASE == result.exit_code
        assert result.stderr.startswith("massage-cli: WARNING: ")


class TestProblemsOutsideValidate:
    """Other commands print a problem as validate does, spaces and all."""

    def test_indentation_hint_keeps_its_spaces(self, run, tmp_path) -> None:
        """The quoted line above keeps the four spaces of indentation the hint talks about."""
        path = write(tmp_path, "conditions:\n  - id: x\n    name: X\n   aliases: []\n")
        result = run("--kb", str(path), "check", "sore neck")
        assert ExitCode.KNOWLEDGE_BASE == result.exit_code
        assert (
            "(this line is indented 3 spaces; line 3 above is indented 4 spaces: '    name: X')"
            in result.stderr
        )
        validate = run("validate", str(path), "--format", "plain")
        assert result.stderr.splitlines()[1] in validate.stdout.splitlines()
