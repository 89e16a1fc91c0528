"""The command line as people and scripts use it: commands, formats, streams and exit codes."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import typer

from massage_cli import __version__
from massage_cli.cli import ExitCode, app
from massage_cli.cli.loading import user_file
from massage_cli.render import Format
from massage_cli.screening import Reply, questions

from .conftest import MINI

FORMATS = [f.value for f in Format]
COMMANDS = sorted(c.name or c.callback.__name__ for c in app.registered_commands)


class TestCheck:
    """`check QUERY` answers one question."""

    def test_plain_answer(self, run) -> None:
        """A known condition prints its advice, verdict first, and exits 0."""
        result = run("check", "fibromyalgia", "--format", "plain")
        assert result.exit_code == 0, result.output
        verdict, rest = result.stdout.split("\n\n", 1)  # the verdict line, wrapped to 80 columns
        assert verdict.startswith("MAY HELP, WITH CARE: ")
        assert "Fibromyalgia" == rest.splitlines()[0]
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
            "if_happens",
            "set_aside",
            "also_matched",
            "sources",
            "reviewed",
            "disclaimer",
            "tell_your_therapist",
            "session",
            "clinic",
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
            assert {
                "query",
                "found",
                "verdict",
                "suggestions",
                "note",
                "code",
                "red_flags",
                "if_happens",
                "set_aside",
            } == set(data)
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
        """A folder that does not exist is an output error, said in words, and no file is left behind."""
        result = run("check", "fibromyalgia", "--json", "-o", str(tmp_path / "no" / "x.json"))
        assert ExitCode.OUTPUT == result.exit_code
        assert (
            f"massage-cli: cannot write '{tmp_path / 'no' / 'x.json'}': its folder does not exist\n"
            == result.stderr
        )
        assert [] == list(tmp_path.iterdir())

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
        rows = [line for line in result.stdout.splitlines() if not line.startswith(" ")]  # not wrapped cells
        assert len(spine) + 1 == len(rows)

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
    return python(["-m", "massage_cli", *args], cwd, env)


def python(args: list[str], cwd, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run this interpreter with ARGS as a separate process in a folder."""
    return subprocess.run(
        [sys.executable, *args],
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


_RUN_MAIN = (
    "import sys, io, contextlib\n"
    "from massage_cli.cli import main\n"
    "sys.argv = ['massage-cli', *sys.argv[1:]]\n"
    "with contextlib.redirect_stdout(io.StringIO()):\n"
    "    try:\n"
    "        main()\n"
    "    except SystemExit:\n"
    "        pass\n"
)


def start_up_probe(tmp_path, after: str, *args: str) -> str:
    """Run massage-cli ARGS in a fresh interpreter (its own cache folder), then the code `after`
    in the same process; its printed line, for looking at what start-up imported."""
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache"), "NO_COLOR": "1"}
    src = str(Path(__file__).resolve().parents[1] / "src")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [src, env.get("PYTHONPATH")]))
    proc = python(["-c", _RUN_MAIN + after, *args], tmp_path, env)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc.stdout.strip()


class TestLazyImports:
    """Start-up pays only for what a query needs: the typo matcher and word lists load on demand."""

    AFTER = (
        "from massage_cli import words\n"
        "print('rapidfuzz' in sys.modules, words.english_words.cache_info().currsize)\n"
    )

    def probe(self, tmp_path, *args: str) -> str:
        return start_up_probe(tmp_path, self.AFTER, *args)

    @pytest.mark.parametrize("query", ["fibromyalgia", "M79.7", "sore lower back"])
    def test_exact_answers_import_no_typo_matcher(self, tmp_path, query: str) -> None:
        """Names, codes and phrases are answered without importing rapidfuzz or the word list."""
        assert "False 0" == self.probe(tmp_path, "check", query, "--format", "json")

    def test_typo_imports_the_matcher(self, tmp_path) -> None:
        """A misspelt name does load the typo matcher (so the probe above can fail)."""
        assert self.probe(tmp_path, "check", "fibromyalgya", "--format", "json").startswith("True")


# --------------------------------------------------------------------------- issue 12


EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "clinic.yaml"
BROKEN_LAYER = "conditions:\n  - id: broken-entry\n    sumary: misspelt field\n"


@pytest.fixture
def broken_user_file() -> Path:
    """An invalid knowledge-base file in the user's config folder (the one `paths` shows)."""
    path = user_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(BROKEN_LAYER, encoding="utf-8")
    return path


class TestBrokenLayer:
    """A broken layer never switches the warning signs off, and can be left out for a run."""

    @pytest.mark.parametrize("global_options", [[], ["--no-bundled"]])
    def test_red_flags_fall_back_to_the_bundled_ones(
        self, run, kb, broken_user_file, global_options: list[str]
    ) -> None:
        """red-flags shows the bundled warning signs, exit 0, with a note naming the broken file."""
        result = run(*global_options, "red-flags", "--json")
        assert result.exit_code == 0, result.output
        assert [f.id for f in kb.red_flags] == [row["id"] for row in json.loads(result.stdout)]
        assert f"{broken_user_file} is broken" in result.stderr
        assert "the warning signs shown come from the bundled knowledge base" in result.stderr

    def test_screen_falls_back_to_the_bundled_questions(self, run, kb, broken_user_file) -> None:
        """screen still knows every bundled warning sign, exit 0, with a note naming the broken file."""
        result = run("screen", "--no-prompt", "--json")
        assert result.exit_code == 0, result.output
        data = json.loads(result.stdout)
        assert ("not-screened", {f.id for f in kb.red_flags}) == (data["outcome"], set(data["answers"]))
        assert f"{broken_user_file} is broken" in result.stderr

    def test_the_layers_that_are_not_broken_are_kept(self, run, broken_user_file) -> None:
        """Only the broken file is left out: the other layers still give the warning signs."""
        result = run("--kb", str(EXAMPLE), "red-flags", "--format", "plain")
        assert result.exit_code == 0, result.output
        assert "the warning signs shown come from the files that are not broken" in result.stderr

    def test_check_still_stops(self, run, broken_user_file) -> None:
        """check exits 3 with the problems, and says how to leave the file out."""
        result = run("check", "fibromyalgia")
        assert ExitCode.KNOWLEDGE_BASE == result.exit_code
        assert f"{broken_user_file}:2:5: conditions[0]: missing 13 required fields: name, " in result.stderr
        assert "--no-user-config" in result.stderr
        assert "" == result.stdout

    def test_no_user_config_leaves_it_out(self, run, broken_user_file) -> None:
        """--no-user-config skips the user file for one run."""
        result = run("--no-user-config", "check", "fibromyalgia", "--json")
        assert result.exit_code == 0, result.output
        assert "fibromyalgia" == json.loads(result.stdout)["condition"]["id"]

    def test_no_user_config_is_in_help(self, run) -> None:
        """--help documents --no-user-config."""
        result = run("--help")
        assert result.exit_code == 0, result.output
        assert "--no-user-config" in result.stdout

    def test_paths_shows_the_file_as_broken(self, run, broken_user_file) -> None:
        """paths says the broken file is broken and how many problems it has, not 'in use'."""
        result = run("paths", "--json")
        assert result.exit_code == 0, result.output
        rows = {row["origin"]: row for row in json.loads(result.stdout)}
        assert str(broken_user_file) == rows["user"]["path"]
        assert re.fullmatch(r"broken: \d+ problems?", rows["user"]["status"]), rows["user"]
        assert "in use" == rows["bundled"]["status"]

    def test_paths_shows_the_file_left_out(self, run, broken_user_file) -> None:
        """With --no-user-config, paths lists the user file as not used, in its place in the stack."""
        result = run("--no-user-config", "paths", "--json")
        assert result.exit_code == 0, result.output
        assert [("bundled", "in use"), ("user", "not used (--no-user-config)")] == [
            (row["origin"], row["status"]) for row in json.loads(result.stdout) if row["origin"] != "cache"
        ]


class TestOutputFormatFromExtension:
    """`check -o FILE` writes the format the file's extension names; --format only where it agrees."""

    @pytest.mark.parametrize(
        ("name", "start"),
        [
            ("out.html", "<!DOCTYPE html>"),
            ("out.HTM", "<!DOCTYPE html>"),
            ("out.md", "**MAY HELP, WITH CARE"),
            ("out.json", "{"),
            ("out.txt", "MAY HELP, WITH CARE: "),
        ],
    )
    def test_extension_picks_the_format(self, run, tmp_path, name: str, start: str) -> None:
        """Each known extension gets its own format."""
        result = run("check", "sciatica", "-o", str(tmp_path / name))
        assert result.exit_code == 0, result.output
        assert (tmp_path / name).read_text(encoding="utf-8").startswith(start)

    @pytest.mark.parametrize(("args", "name"), [(["--format", "plain"], "out.html"), (["--json"], "out.md")])
    def test_format_that_disagrees_is_refused(self, run, tmp_path, args: list[str], name: str) -> None:
        """A --format other than the one the extension names is a usage error: a file holds what its name says."""
        result = run("check", "sciatica", *args, "-o", str(tmp_path / name))
        assert ExitCode.USAGE == result.exit_code
        assert f"'{name}' is a " in result.stderr
        assert [] == list(tmp_path.iterdir())

    def test_rich_text_fits_a_txt_file(self, run, tmp_path) -> None:
        """--format rich with a .txt name writes the rich layout as text, without escape codes."""
        result = run("check", "sciatica", "--format", "rich", "-o", str(tmp_path / "out.txt"))
        assert result.exit_code == 0, result.output
        text = (tmp_path / "out.txt").read_text(encoding="utf-8")
        assert "Sciatica" in text
        assert "\x1b" not in text

    @pytest.mark.parametrize(
        ("args", "start"), [([], "MAY HELP, WITH CARE: "), (["--json"], "{"), (["-f", "markdown"], "**")]
    )
    def test_no_extension_takes_format_option(self, run, tmp_path, args: list[str], start: str) -> None:
        """A name without an extension gets --format's format, else plain text."""
        result = run("check", "sciatica", *args, "-o", str(tmp_path / "answer"))
        assert result.exit_code == 0, result.output
        assert (tmp_path / "answer").read_text(encoding="utf-8").startswith(start)

    @pytest.mark.parametrize("name", ["s.pdf", "out.doc", "notes.LOG"])
    @pytest.mark.parametrize("args", [[], ["--format", "plain"]])
    def test_unknown_extension_is_refused(self, run, tmp_path, name: str, args: list[str]) -> None:
        """An extension massage-cli cannot write is a usage error naming the ones it can; nothing is written."""
        result = run("check", "sciatica", *args, "-o", str(tmp_path / name))
        assert ExitCode.USAGE == result.exit_code
        suffix = "." + name.rsplit(".", 1)[1].lower()
        assert (
            f"massage-cli: cannot write a '{suffix}' file; -o FILE takes .html, .htm, .md, .markdown, .json "
            "or .txt (or a name without an extension, for plain text)\n"
        ) == result.stderr
        assert [] == list(tmp_path.iterdir())

    def test_dash_is_stdout(self, run, tmp_path, monkeypatch) -> None:
        """-o - prints the answer on stdout and creates no file named '-'."""
        monkeypatch.chdir(tmp_path)
        result = run("check", "sciatica", "-o", "-", "--json")
        assert result.exit_code == 0, result.output
        assert "sciatica" == json.loads(result.stdout)["condition"]["id"]
        assert [] == list(tmp_path.iterdir())


class TestUsageHints:
    """Common usage mistakes get the corrected command line; the exit code stays 2."""

    GLOBALS_HINT = "Global options (--kb, --no-bundled, --no-user-config) go before the command:"

    @pytest.mark.parametrize(
        ("args", "corrected"),
        [
            (["check", "sciatica", "--kb", "x.yaml"], "massage-cli --kb x.yaml check sciatica"),
            (["check", "sciatica", "--kb=x.yaml", "--json"], "massage-cli --kb=x.yaml check sciatica --json"),
            (["--no-bundled", "list", "--no-user-config"], "massage-cli --no-bundled --no-user-config list"),
        ],
    )
    def test_global_option_after_the_command(self, run, args: list[str], corrected: str) -> None:
        """A global option after the command: where it goes, and the whole corrected line."""
        result = run(*args)
        assert ExitCode.USAGE == result.exit_code
        assert f"{self.GLOBALS_HINT}\n  {corrected}\n" in result.stderr

    @pytest.mark.parametrize(
        ("args", "corrected"),
        [
            (["sciatica"], "massage-cli check sciatica"),
            (["slipped disc"], "massage-cli check 'slipped disc'"),
            (["--no-bundled", "neck", "pain"], "massage-cli --no-bundled check neck pain"),
        ],
    )
    def test_condition_without_check(self, run, args: list[str], corrected: str) -> None:
        """A condition given where the command goes: the line with 'check' put in ('neck' is no typo)."""
        result = run(*args)
        assert ExitCode.USAGE == result.exit_code
        assert f"put 'check' first:\n  {corrected}\n" in result.stderr

    def test_typo_of_a_command_keeps_its_suggestion(self, run) -> None:
        """A misspelt command is suggested as such, not turned into a query."""
        result = run("chekc", "x")
        assert ExitCode.USAGE == result.exit_code
        assert "Did you mean 'check'?" in result.stderr
        assert "put 'check' first" not in result.stderr

    def test_installed_program_adds_the_hint(self, tmp_path) -> None:
        """The real entry point (python -m massage_cli) gives the same hint and exit code."""
        proc = python_m(["check", "sciatica", "--no-bundled"], tmp_path, {**os.environ, "NO_COLOR": "1"})
        assert ExitCode.USAGE == proc.returncode, proc.stderr
        assert "massage-cli --no-bundled check sciatica" in proc.stderr
        assert "Traceback" not in proc.stderr


class TestEnvironmentPaths:
    """Paths in MASSAGE_CLI_KB have `~` and $VARIABLES expanded."""

    @pytest.mark.parametrize("written", ["~/layers/clinic.yaml", "$CLINIC_LAYERS/clinic.yaml"])
    def test_expanded(self, run, tmp_path, written: str) -> None:
        """The layer is found and used."""
        (tmp_path / "layers").mkdir()
        target = tmp_path / "layers" / "clinic.yaml"
        target.write_text(EXAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
        env = {"HOME": str(tmp_path), "CLINIC_LAYERS": str(tmp_path / "layers"), "MASSAGE_CLI_KB": written}
        result = run("paths", "--json", env=env)
        assert result.exit_code == 0, result.output
        assert {"origin": "env", "path": str(target), "status": "in use"} in json.loads(result.stdout)
        result = run("check", "neck pain", "--json", env=env)
        assert result.exit_code == 0, result.output
        assert "Riverside Physical Therapy (example)" == json.loads(result.stdout)["clinic"]["name"]


class TestScreenAnswers:
    """`screen` understands the everyday ways of saying yes and no."""

    def test_piped_everyday_words(self, run, kb) -> None:
        """Piped answers such as 'nah', 'Nope!' and 'no.' are understood."""
        count = len(questions(kb.red_flags))
        words = ["nah", "Nope!", "no.", "NAY", "false", "0", "n"]
        answers = "".join(f"{words[i % len(words)]}\n" for i in range(count))
        result = run("screen", "--all", "--json", input=answers)
        assert result.exit_code == 0, result.output
        assert "no-warning-signs" == json.loads(result.stdout)["outcome"]

    def test_piped_blank_lines_are_skipped(self, run, kb) -> None:
        """Piped, blank lines are skipped (not read as 'no'), and running out of answers exits 2."""
        count = len(questions(kb.red_flags))
        result = run("screen", "--all", "--json", input="\n\n" + "n\n\n" * (count - 1))
        assert ExitCode.USAGE == result.exit_code
        assert f"got {count - 1}, question {count} is" in result.stderr

    def test_piped_unknown_word_lists_the_words(self, run) -> None:
        """An answer that is neither exits 2 and names the words understood."""
        result = run("screen", input="perchance\n")
        assert ExitCode.USAGE == result.exit_code
        assert "answer 1 'perchance' is not yes, no or not sure (yes: yes y yeah" in result.stderr

    def test_terminal_asks_again_after_blank_or_unknown(self, kb, monkeypatch) -> None:
        """On a terminal, a blank or unknown answer asks the same question again."""
        from massage_cli.cli import screen

        flags = questions(kb.red_flags)
        replies = iter(["", "perchance", "nah", *["no"] * (len(flags) - 1)])
        asked: list[str] = []

        def read(prompt) -> str:
            asked.append(str(prompt))
            return next(replies)

        monkeypatch.setattr(sys, "stderr", io.StringIO())
        assert [Reply.NO] * len(flags) == screen._ask_on_terminal(flags, read)
        assert 3 == asked.count(asked[0])
        assert "Please answer yes, no or not sure" in sys.stderr.getvalue()

    def test_terminal_end_of_input_is_a_usage_error(self, kb, monkeypatch) -> None:
        """On a terminal, end of input (Ctrl-D) stops with exit 2."""
        from massage_cli.cli import screen

        def read(prompt) -> str:
            raise EOFError

        monkeypatch.setattr(sys, "stderr", io.StringIO())
        with pytest.raises(typer.Exit) as stopped:
            screen._ask_on_terminal(questions(kb.red_flags), read)
        assert ExitCode.USAGE == stopped.value.exit_code

    @pytest.mark.parametrize("ask", ["_ask_on_terminal", "_ask_topic"])
    def test_terminal_end_of_input_message_starts_on_a_new_line(self, kb, monkeypatch, ask: str) -> None:
        """After Ctrl-D at a prompt (the cursor still after it), the message starts on a new line."""
        from massage_cli.cli import screen

        def read(prompt) -> str:
            sys.stderr.write(str(prompt))  # as the terminal shows it, with no newline
            raise EOFError

        monkeypatch.setattr(sys, "stderr", io.StringIO())
        args = (questions(kb.red_flags), read) if ask == "_ask_on_terminal" else (read,)
        with pytest.raises(typer.Exit):
            getattr(screen, ask)(*args)
        prompt, message = sys.stderr.getvalue().splitlines()[-2:]
        assert (True, "massage-cli: screening stopped before every question was answered") == (
            prompt.endswith(") "),
            message,
        )

    def test_terminal_not_sure_is_an_answer_with_the_reason(self, kb, monkeypatch) -> None:
        """On a terminal, "I don't know" is taken (not asked again), and the reason it counts as yes is shown."""
        from massage_cli.cli import screen

        flags = questions(kb.red_flags)
        monkeypatch.setattr(sys, "stderr", io.StringIO())
        assert [Reply.UNSURE] == screen._ask_on_terminal(flags, lambda prompt: "I don't know")
        assert "Not sure counts as yes" in sys.stderr.getvalue()


class TestBatchNotFound:
    """In a human-format batch, every line that matches nothing says so, in place."""

    @pytest.mark.parametrize("fmt", ["plain", "markdown"])
    def test_each_unmatched_line_has_a_block(self, run, fmt: str) -> None:
        """Each unmatched query gets a not-found block naming it, between the answers."""
        lines = "xyzzy plover\nfibromyalgia\nquux frobnicate\n"
        result = run("check", "--batch", "-", "--format", fmt, input=lines)
        assert ExitCode.NOT_FOUND == result.exit_code
        out = result.stdout
        first = out.index("No condition found for 'xyzzy plover'.")
        second = out.index("No condition found for 'quux frobnicate'.")
        assert first < out.index("Fibromyalgia") < second


class TestProgress:
    """Long work shows progress on a terminal, and nothing anywhere else."""

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    def test_batch_off_a_terminal_prints_no_progress(self, run) -> None:
        """A 600-line batch with stderr not a terminal writes nothing to stderr but the answers' notes."""
        result = run("check", "--batch", "-", "--json", input="fibromyalgia\nneck pain\n" * 300)
        assert result.exit_code == 0, result.output
        assert 600 == len(result.stdout.splitlines())
        assert "" == result.stderr

    @pytest.mark.parametrize(
        ("count", "stderr_tty", "stdout_tty", "expected"),
        [
            (600, True, False, True),
            (499, True, False, False),
            (600, False, False, False),
            (600, True, True, False),  # the answers scrolling past are the progress
        ],
    )
    def test_batch_progress_decision(
        self, count: int, stderr_tty: bool, stdout_tty: bool, expected: bool
    ) -> None:
        """A bar only for a long batch, with stderr on a terminal and stdout not."""
        from massage_cli.cli.check import wants_progress

        stream = {True: self.Terminal(), False: io.StringIO()}
        assert expected == wants_progress(count, stream[stderr_tty], stream[stdout_tty])

    def test_progress_bar_draws_on_a_terminal(self, monkeypatch) -> None:
        """On a terminal the bar goes to stderr, every item still comes through in order, stdout untouched."""
        from massage_cli.cli import check

        terminal, out = self.Terminal(), io.StringIO()
        monkeypatch.setattr(sys, "stderr", terminal)
        monkeypatch.setattr(sys, "stdout", out)
        items = list(range(600))
        assert items == list(check._with_progress(items))
        assert "Answering" in terminal.getvalue()
        assert "" == out.getvalue()

    def test_cache_status_decision(self, tmp_path, monkeypatch) -> None:
        """A status while large layers are parsed into a cold cache, on a terminal only."""
        from massage_cli.cli.loading import wants_cache_status
        from massage_cli.layers import Layer, bundled_path
        from massage_cli.store import open_index

        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
        big = tmp_path / "big.yaml"
        padding = "# padding to make a large layer\n" * 40_000
        big.write_text(bundled_path().read_text(encoding="utf-8") + padding, encoding="utf-8")
        large = [Layer(big, "option")]
        small = [Layer(bundled_path(), "bundled")]
        assert (True, False, False) == (
            wants_cache_status(large, self.Terminal()),
            wants_cache_status(large, io.StringIO()),
            wants_cache_status(small, self.Terminal()),
        )
        open_index(large)  # builds the cache
        assert False is wants_cache_status(large, self.Terminal())
        monkeypatch.setenv("MASSAGE_CLI_NO_CACHE", "1")
        assert True is wants_cache_status(large, self.Terminal())
