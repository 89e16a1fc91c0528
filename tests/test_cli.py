"""The command line as people and scripts use it: commands, formats, streams and exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from massage_cli import __version__
from massage_cli.cli import ExitCode, app
from massage_cli.render import Format

from .conftest import MINI

FORMATS = [f.value for f in Format]
COMMANDS = sorted(c.name or c.callback.__name__ for c in app.registered_commands)


class TestCheck:
    """`check QUERY` answers one question."""

    def test_plain_answer(self, run) -> None:
        """A known condition prints its advice, verdict first, and exits 0."""
        result = run("check", "fibromyalgia", "--format", "plain")
        assert result.exit_code == 0, result.output
        first, _, name = result.stdout.splitlines()[:3]
        assert first.startswith("MAY HELP, WITH CARE: ")
        assert "Fibromyalgia" == name
        for heading in (
            "What massage can do",
            "Take care",
            "See a doctor if",
            "What massage cannot replace",
            "Sources",
            "How strong the research is: ",
        ):
            assert heading in result.stdout
        assert "" == result.stderr

    def test_json_contract(self, run, kb) -> None:
        """The JSON answer has every documented field."""
        result = run("check", "fibromyalgia", "--json")
        assert result.exit_code == 0, result.output
        data = json.loads(result.stdout)
        expected = {
            "query",
            "found",
            "matched_by",
            "matched_text",
            "note",
            "code",
            "verdict",
            "condition",
            "summary",
            "benefits",
            "precautions",
            "see_a_doctor_if",
            "cannot_replace",
            "evidence",
            "red_flags",
            "also_matched",
            "sources",
            "reviewed",
            "disclaimer",
        }
        assert expected == set(data)
        assert {"id", "name", "aliases", "icd10", "category", "body_parts"} == set(data["condition"])
        assert ("fibromyalgia", True, "id") == (data["condition"]["id"], data["found"], data["matched_by"])
        assert {"level", "summary"} == set(data["evidence"])
        assert all(set(s) == {"title", "url"} for s in data["sources"])
        assert kb.disclaimer == data["disclaimer"]

    def test_not_found(self, run) -> None:
        """An unknown query exits 1, with suggestions on stderr and nothing on stdout."""
        result = run("check", "xyzzy plover quux", "--format", "plain")
        assert result.exit_code == ExitCode.NOT_FOUND
        assert "" == result.stdout
        assert "no condition matches" in result.stderr

    def test_not_found_json(self, run) -> None:
        """Not found in JSON: found false and a list of suggestions, exit 1."""
        result = run("check", "fibromialgya", "--json")
        data = json.loads(result.stdout)
        assert result.exit_code in (0, 1)
        if result.exit_code == 1:
            assert {"query", "found", "suggestions", "note", "code", "red_flags"} == set(data)
            assert "Fibromyalgia" in data["suggestions"]

    def test_typo_note_goes_to_stderr(self, run) -> None:
        """A corrected typo is shown, with a note on stderr, so stdout stays clean JSON."""
        result = run("check", "fibromyalga", "--json")
        assert result.exit_code == 0, result.output
        assert "fibromyalgia" == json.loads(result.stdout)["condition"]["id"]
        assert "showing Fibromyalgia for 'fibromyalga'" in result.stderr

    @pytest.mark.parametrize("fmt", FORMATS)
    def test_every_format(self, run, fmt: str) -> None:
        """Every format prints something and exits 0."""
        result = run("check", "neck pain", "--format", fmt)
        assert result.exit_code == 0, result.output
        assert "Neck" in result.stdout or "neck" in result.stdout

    def test_default_format_off_a_terminal_is_plain(self, run) -> None:
        """Without --format, output that is not a terminal is plain text with no escape codes."""
        result = run("check", "fibromyalgia")
        assert "\x1b" not in result.stdout
        assert "\nFibromyalgia\n" in result.stdout

    def test_explicit_rich_when_piped(self, run) -> None:
        """--format rich renders a panel even when piped, with colour."""
        result = run("check", "fibromyalgia", "--format", "rich")
        assert "╭" in result.stdout and "\x1b[" in result.stdout

    def test_rich_follows_no_color(self, run) -> None:
        """NO_COLOR removes colour from rich output."""
        result = run("check", "fibromyalgia", "--format", "rich", env={"NO_COLOR": "1"})
        assert "╭" in result.stdout
        assert "\x1b[32m" not in result.stdout and "\x1b[42m" not in result.stdout

    def test_json_and_other_format_conflict(self, run) -> None:
        """--json with another --format is a usage error."""
        result = run("check", "fibromyalgia", "--json", "--format", "plain")
        assert ExitCode.USAGE == result.exit_code
        assert "cannot be used together" in result.stderr

    def test_query_or_batch_required(self, run) -> None:
        """check without a query or --batch is a usage error (exit 2)."""
        result = run("check")
        assert ExitCode.USAGE == result.exit_code

    def test_words_need_no_quotes(self, run) -> None:
        """Several words without quotes are one query."""
        result = run("check", "stiff", "neck", "--json")
        assert result.exit_code == 0, result.output
        assert ("stiff neck", "neck-pain") == (
            json.loads(result.stdout)["query"],
            json.loads(result.stdout)["condition"]["id"],
        )

    @pytest.mark.parametrize("query", ["", "   ", "\t"])
    def test_empty_query_is_usage_error(self, run, query: str) -> None:
        """An empty or blank query is a usage error with a hint."""
        result = run("check", query)
        assert ExitCode.USAGE == result.exit_code
        assert "the query is empty" in result.stderr

    def test_bad_format_is_usage_error(self, run) -> None:
        """An unknown format name is a usage error."""
        assert ExitCode.USAGE == run("check", "x", "--format", "yaml").exit_code


class TestOutputFile:
    """`check -o FILE` writes the answer to a file instead of stdout."""

    def test_html_handout(self, run, tmp_path) -> None:
        """--format html -o writes a complete page and says where on stderr."""
        target = tmp_path / "handout.html"
        result = run("check", "fibromyalgia", "--format", "html", "-o", str(target))
        assert result.exit_code == 0, result.output
        assert "" == result.stdout
        assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
        assert "wrote" in result.stderr

    def test_unwritable_target(self, run, tmp_path) -> None:
        """A folder that does not exist is a usage error, and no file is left behind."""
        result = run("check", "fibromyalgia", "--json", "-o", str(tmp_path / "no" / "x.json"))
        assert ExitCode.USAGE == result.exit_code
        assert "cannot write" in result.stderr

    def test_html_batch_refused(self, run) -> None:
        """A handout is one page: --format html with --batch is a usage error."""
        result = run("check", "--batch", "-", "--format", "html", input="neck pain\n")
        assert ExitCode.USAGE == result.exit_code


class TestBatch:
    """`check --batch` answers many questions, in order."""

    def test_json_lines_in_order(self, run, tmp_path) -> None:
        """With --json, each input line gives one JSON object, in input order; any miss exits 1."""
        path = tmp_path / "queries.txt"
        path.write_text("fibromyalgia\n\nslipped disc\nnot a condition at all qq\nM54.2\n", encoding="utf-8")
        result = run("check", "--batch", str(path), "--json")
        assert ExitCode.NOT_FOUND == result.exit_code
        rows = [json.loads(line) for line in result.stdout.splitlines()]
        assert ["fibromyalgia", "slipped disc", "not a condition at all qq", "M54.2"] == [
            r["query"] for r in rows
        ]
        assert [True, True, False, True] == [r["found"] for r in rows]

    def test_stdin_all_found(self, run) -> None:
        """'-' reads stdin; exit 0 when every query is found."""
        result = run("check", "--batch", "-", "--format", "plain", input="fibromyalgia\nneck pain\n")
        assert result.exit_code == 0, result.output
        assert result.stdout.count("Sources") == 2

    def test_missing_batch_file(self, run, tmp_path) -> None:
        """A batch file that does not exist is a usage error with a clear message."""
        result = run("check", "--batch", str(tmp_path / "nope.txt"))
        assert ExitCode.USAGE == result.exit_code
        assert "not found" in result.stderr

    def test_non_utf8_line_is_replaced_and_reported(self, run, tmp_path) -> None:
        """Undecodable bytes are replaced, the line is still answered, and stderr says which line."""
        path = tmp_path / "q.txt"
        path.write_bytes(b"fibromyalgia\nneck pain \xff\xfe\n")
        result = run("check", "--batch", str(path), "--json")
        assert 2 == len(result.stdout.splitlines())
        assert "line 2: not valid UTF-8" in result.stderr


class TestList:
    """`list` shows conditions with filters."""

    def test_json_array(self, run, kb) -> None:
        """JSON is an array with one object per condition."""
        result = run("list", "--json")
        assert result.exit_code == 0, result.output
        data = json.loads(result.stdout)
        assert len(kb.conditions) == len(data)
        assert {
            "id",
            "name",
            "aliases",
            "icd10",
            "category",
            "body_parts",
            "verdict",
            "evidence_level",
        } == set(data[0])

    def test_filter_by_verdict(self, run, kb) -> None:
        """--verdict keeps only those verdicts (repeatable)."""
        result = run("list", "--verdict", "avoid", "--verdict", "urgent", "--json")
        data = json.loads(result.stdout)
        expected = sorted(c.id for c in kb.conditions if c.verdict.value in ("avoid", "urgent"))
        assert expected == sorted(row["id"] for row in data)

    def test_filter_by_category(self, run, kb) -> None:
        """--category keeps only that category."""
        result = run("list", "--category", "spine", "--format", "plain")
        assert result.exit_code == 0, result.output
        spine = [c for c in kb.conditions if c.category == "spine"]
        assert len(spine) + 1 == len(result.stdout.splitlines())

    def test_unknown_category(self, run) -> None:
        """An unknown category is a usage error that lists the known ones."""
        result = run("list", "--category", "nonsense")
        assert ExitCode.USAGE == result.exit_code
        assert "known:" in result.stderr

    def test_no_rows_exits_1(self, run) -> None:
        """Filters that leave nothing exit 1."""
        result = run("--no-bundled", "--kb", str(MINI), "list", "--verdict", "avoid")
        assert ExitCode.NOT_FOUND == result.exit_code

    @pytest.mark.parametrize("fmt", FORMATS)
    def test_every_format(self, run, fmt: str) -> None:
        """Every format lists every condition."""
        result = run("list", "--format", fmt, env={"COLUMNS": "200"})
        assert result.exit_code == 0, result.output
        assert "fibromyalgia" in result.stdout


class TestSearch:
    """`search` ranks conditions by the words given."""

    @pytest.mark.parametrize("fmt", FORMATS)
    def test_hits(self, run, fmt: str) -> None:
        """A word in a name finds that condition first."""
        result = run("search", "sciatica", "--format", fmt)
        assert result.exit_code == 0, result.output
        assert "sciatica" in result.stdout

    def test_no_hits(self, run) -> None:
        """No hits exits 1 with a message on stderr."""
        result = run("search", "xylophone", "zeppelin")
        assert ExitCode.NOT_FOUND == result.exit_code
        assert "nothing matches" in result.stderr


class TestBenefitsAndFaq:
    """`benefits` and `faq` print general information."""

    @pytest.mark.parametrize("fmt", FORMATS)
    def test_benefits(self, run, kb, fmt: str) -> None:
        """Benefits show what massage can and cannot do."""
        result = run("benefits", "--format", fmt)
        assert result.exit_code == 0, result.output
        assert kb.benefits.can_do[0].split()[0] in result.stdout

    @pytest.mark.parametrize("fmt", FORMATS)
    def test_faq_list(self, run, kb, fmt: str) -> None:
        """faq without a topic lists every question."""
        result = run("faq", "--format", fmt)
        assert result.exit_code == 0, result.output
        for entry in kb.faq:
            assert entry.id in result.stdout

    @pytest.mark.parametrize(
        ("topic", "expected"),
        [("medicare", "medicare"), ("insurance", "insurance"), ("diagnosis code", "code")],
    )
    def test_faq_topic(self, run, topic: str, expected: str) -> None:
        """A topic word shows the matching answer."""
        result = run("faq", topic, "--json")
        assert result.exit_code == 0, result.output
        data = json.loads(result.stdout)
        assert expected in (data["id"] + " " + data["question"]).lower()

    def test_faq_unknown_topic(self, run) -> None:
        """An unknown topic exits 1."""
        result = run("faq", "xylophone")
        assert ExitCode.NOT_FOUND == result.exit_code


class TestHelpAndVersion:
    """Every command explains itself."""

    @pytest.mark.parametrize("command", COMMANDS)
    @pytest.mark.parametrize("flag", ["-h", "--help"])
    def test_help(self, run, command: str, flag: str) -> None:
        """Each command has help under -h and --help."""
        result = run(command, flag)
        assert result.exit_code == 0, result.output
        assert "Usage:" in result.stdout

    def test_version(self, run) -> None:
        """--version prints the version."""
        result = run("--version")
        assert result.exit_code == 0
        assert f"massage-cli {__version__}\n" == result.stdout

    def test_unknown_command(self, run) -> None:
        """An unknown command is a usage error."""
        assert ExitCode.USAGE == run("chekc", "x").exit_code


def python_m(args: list[str], cwd, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run `python -m massage_cli ARGS` as a separate process in a folder."""
    return subprocess.run(
        [sys.executable, "-m", "massage_cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


class TestProcess:
    """The installed program, run as a separate process."""

    def test_python_dash_m(self, tmp_path) -> None:
        """`python -m massage_cli` works from any folder."""
        env = {**os.environ, "NO_COLOR": "1"}
        proc = python_m(["check", "fibromyalgia", "--json"], tmp_path, env)
        assert proc.returncode == 0, proc.stderr
        assert "fibromyalgia" == json.loads(proc.stdout)["condition"]["id"]
        assert "Traceback" not in proc.stderr

    def test_completion_lists_condition_names(self, tmp_path) -> None:
        """Shell completion offers names and aliases for `check`, and prints nothing else."""
        env = {
            **os.environ,
            "_MASSAGE_CLI_COMPLETE": "complete_bash",
            "COMP_WORDS": "massage-cli check fibro",
            "COMP_CWORD": "2",
        }
        proc = python_m([], tmp_path, env)
        assert proc.returncode == 0, proc.stderr
        words = proc.stdout.splitlines()
        assert "fibromyalgia" in words
        assert all(w.lower().startswith("fibro") for w in words)
        assert "" == proc.stderr


class TestLazyImports:
    """Start-up pays only for what a query needs: the typo matcher and word lists load on demand."""

    PROBE = (
        "import sys, io, contextlib\n"
        "from massage_cli.cli import main\n"
        "sys.argv = ['massage-cli', *sys.argv[1:]]\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try:\n"
        "        main()\n"
        "    except SystemExit:\n"
        "        pass\n"
        "from massage_cli import words\n"
        "print('rapidfuzz' in sys.modules, words.english_words.cache_info().currsize)\n"
    )

    def probe(self, tmp_path, *args: str) -> str:
        env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache"), "NO_COLOR": "1"}
        proc = subprocess.run(
            [sys.executable, "-c", self.PROBE, *args],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
            check=False,
        )
        assert "Traceback" not in proc.stderr, proc.stderr
        return proc.stdout.strip()

    @pytest.mark.parametrize("query", ["fibromyalgia", "M79.7", "sore lower back"])
    def test_exact_answers_import_no_typo_matcher(self, tmp_path, query: str) -> None:
        """Names, codes and phrases are answered without importing rapidfuzz or the word list."""
        assert "False 0" == self.probe(tmp_path, "check", query, "--format", "json")

    def test_typo_imports_the_matcher(self, tmp_path) -> None:
        """A misspelt name does load the typo matcher (so the probe above can fail)."""
        assert self.probe(tmp_path, "check", "fibromyalgya", "--format", "json").startswith("True")
