"""Clinics layer their own YAML over the bundled knowledge base; every mistake is reported at its line."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from massage_cli.cli import ExitCode
from massage_cli.knowledge import MAX_FILE_BYTES

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
        """The example clinic file adds a condition and replaces neck-pain with its own text."""
        added = run("--kb", str(EXAMPLE), "check", "sore after a massage", "--json")
        assert added.exit_code == 0, added.output
        assert "soreness-after-massage" == json.loads(added.stdout)["condition"]["id"]
        neck = json.loads(run("--kb", str(EXAMPLE), "check", "desk neck", "--json").stdout)
        assert any("555-0100" in line for line in neck["see_a_doctor_if"])
        plain = json.loads(run("check", "desk neck", "--json").stdout)
        assert not any("555-0100" in line for line in plain["see_a_doctor_if"])

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
        assert ["bundled", "user", "option", "option"] == [r["origin"] for r in rows]
        assert ["in use", "missing (optional)", "in use", "missing (an error)"] == [r["status"] for r in rows]

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
        assert any("'slippeddisc' is also used by condition 'herniated-disc'" in m for m in messages)

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
        "18:15: conditions[1].aliases[0]: name or alias 'soreear' is also used by condition 'ear-ache'",
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
            f"{path}:4:15: conditions[0].aliases[0]: name or alias 'slippeddisc' is also used by condition 'herniated-disc' ("
            in result.stderr
        )
        assert "conditions.yaml:" in result.stderr

    def test_duplicate_code_across_layers(self, run, tmp_path) -> None:
        """A code already listed by a bundled condition is refused."""
        path = write(tmp_path, CONDITION.replace("[Y93.C9]", "[M79.7]"))
        result = run("--kb", str(path), "list")
        assert "ICD-10-CM code 'M797' is also used by condition 'fibromyalgia'" in result.stderr

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
        started = time.perf_counter()
        result = run("--kb", str(path), "list")
        assert time.perf_counter() - started < 30  # generous: a hang or expansion would take hours
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
        """Any bytes as a layer: exit 0, 1 or 3, never a traceback, within seconds."""
        path = tmp_path / "random.yaml"
        path.write_bytes(content)
        started = time.perf_counter()
        result = run("--kb", str(path), "check", "fibromyalgia", "--json")
        assert time.perf_counter() - started < 10
        assert result.exit_code in (0, 1, 3), result.output

    @given(st.text(max_size=200))
    @settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    def test_random_queries(self, run, query: str) -> None:
        """Any query: exit 0, 1 or 2, never a traceback."""
        result = run("check", query, "--json")
        assert result.exit_code in (0, 1, 2), result.output
