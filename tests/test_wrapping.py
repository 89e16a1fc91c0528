"""Output fits its width without cutting what people copy: paths, ids and URLs wrap, never end in '…'."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from massage_cli.cli.base import note_width, wrap_note
from massage_cli.knowledge import load_bundled

from .test_cli import start_up_probe

KB = load_bundled()
EXAMPLE = Path(__file__).parent.parent / "examples" / "clinic.yaml"
ANSI = re.compile(r"\x1b\[[0-9;]*m|\x1b\]8;[^\x1b]*\x1b\\")


def visible(text: str) -> list[str]:
    """The lines as the terminal shows them: escape sequences (colour, links) removed."""
    return ANSI.sub("", text).splitlines()


def joined(text: str) -> str:
    """All the visible characters, with rules, borders and line breaks taken out: what a folded
    path or URL reads as when its pieces are put back together."""
    return re.sub(r"[\s│┃╭╮╰╯─━┏┓┗┛┡┩┣┫╇┳┻]+", "", "".join(visible(text)))


def squeezed(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture
def long_layer(tmp_path: Path) -> Path:
    """A valid clinic layer at a path longer than 80 columns."""
    folder = tmp_path.joinpath("a-clinic-with-a-long-name", "shared-documents", "knowledge-base", "layers")
    folder.mkdir(parents=True)
    path = folder / "riverside-physiotherapy-and-massage-clinic.yaml"
    path.write_text(EXAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    assert len(str(path)) > 80
    return path


class TestRichNeverCuts:
    """Rich output folds a path, an id or a URL that does not fit; it never cuts one with '…'."""

    @pytest.mark.parametrize("columns", [40, 80])
    def test_paths_shows_each_path_whole(self, run, long_layer: Path, columns: int) -> None:
        """`paths` at 80 and 40 columns: every path is all there, and no line is longer than the width."""
        result = run("--kb", str(long_layer), "paths", "--format", "rich", env={"COLUMNS": str(columns)})
        assert result.exit_code == 0, result.output
        assert "…" not in result.stdout
        lines = visible(result.stdout)
        assert columns >= max(len(line) for line in lines)
        if "│" in result.stdout:  # a table: the path column, row after row
            column = "".join(line.split("│")[2].strip() for line in lines if line.startswith("│"))
        else:  # blocks: the indented lines under each file's origin and status
            column = "".join(line.strip() for line in lines if line.startswith("  "))
        assert squeezed(str(long_layer)) in column

    @pytest.mark.parametrize("columns", [40, 80])
    def test_validate_shows_each_path_whole(self, run, long_layer: Path, columns: int) -> None:
        """`validate` at 80 and 40 columns lists the checked files whole."""
        result = run("--kb", str(long_layer), "validate", "--format", "rich", env={"COLUMNS": str(columns)})
        assert result.exit_code == 0, result.output
        assert "…" not in result.stdout
        assert columns >= max(len(line) for line in visible(result.stdout))
        assert squeezed(str(long_layer)) in joined(result.stdout)

    @pytest.mark.parametrize("columns", [40, 80])
    def test_faq_ids_are_whole(self, run, columns: int) -> None:
        """The faq list at 80 and 40 columns: every id is whole on one line (it is what people type)."""
        result = run("faq", "--format", "rich", env={"COLUMNS": str(columns)})
        assert result.exit_code == 0, result.output
        lines = visible(result.stdout)
        assert "…" not in result.stdout
        assert columns >= max(len(line) for line in lines)
        for faq in KB.faq:
            assert any(faq.id in line.split() for line in lines), faq.id

    def test_sources_urls_are_whole(self, run) -> None:
        """`sources` at 40 columns: no URL or citing id is cut."""
        result = run("sources", "--format", "rich", env={"COLUMNS": "40"})
        assert result.exit_code == 0, result.output
        assert "…" not in result.stdout
        assert 40 >= max(len(line) for line in visible(result.stdout))

    @pytest.mark.parametrize(
        "query", ["fibromyalgia", "broken bone", "zzz and the worst headache of my life"]
    )
    def test_check_urls_are_whole(self, run, query: str) -> None:
        """`check` at 40 columns: every source URL can be read whole, folded over lines."""
        result = run("check", query, "--format", "rich", env={"COLUMNS": "40"})
        assert result.exit_code == 0, result.output
        assert "…" not in result.stdout
        assert 40 >= max(len(line) for line in visible(result.stdout))
        urls = re.findall(r"https://\S+", result.stdout.replace("\x1b\\", " "))
        assert urls  # the links carry the whole URL ...
        text = joined(result.stdout)
        for url in {u for u in re.findall(r"\x1b\]8;[^;]*;(https://[^\x1b]+)", result.stdout)}:
            assert url in text, url  # ... and so does the visible text, put back together


class TestPlainWidth:
    """Plain tables and lines keep to 80 columns when piped, unless COLUMNS says otherwise."""

    @pytest.mark.parametrize("args", [["list"], ["search", "back"], ["faq"]])
    def test_piped_tables_keep_to_80_columns(self, run, args: list[str]) -> None:
        """`list`, `search` and the faq list to a pipe: no line over 80 columns, every id whole."""
        result = run(*args, "--format", "plain")
        assert result.exit_code == 0, result.output
        lines = result.stdout.splitlines()
        assert 80 >= max(len(line) for line in lines)
        if args == ["list"]:
            assert {c.id for c in KB.conditions} <= {line.split()[0] for line in lines if line.strip()}

    def test_columns_widens_a_piped_table(self, run) -> None:
        """COLUMNS=200 lets `list` use 200 columns (and so keep every column)."""
        result = run("list", "--format", "plain", env={"COLUMNS": "200"})
        lines = result.stdout.splitlines()
        assert 80 < max(len(line) for line in lines) <= 200
        assert "ICD-10-CM" in lines[0]

    def test_faq_list_says_how_to_open_an_answer(self, run) -> None:
        """Every human format of the faq list ends by saying how to open an answer."""
        for fmt in ("plain", "rich", "markdown", "html"):
            result = run("faq", "--format", fmt, env={"COLUMNS": "100"})
            assert "massage-cli faq medicare" in result.stdout, fmt


class TestNotesWrap:
    """Notes on stderr wrap to the terminal; in a log or a pipe each stays on one line."""

    def test_wrap_keeps_words_and_indents(self) -> None:
        """A long note wraps at the width with a hanging indent; a long path is never broken."""
        path = "/a/very/long/path/" + "x" * 60 + "/conditions.yaml"
        message = (
            f"massage-cli: {path} is broken (3 problems; 'massage-cli validate' lists them) and is left out."
        )
        wrapped = wrap_note(message, 40).splitlines()
        assert all(len(line) <= 40 for line in wrapped if path not in line)
        assert any(path in line for line in wrapped)
        assert all(line.startswith("  ") for line in wrapped[1:])
        assert " ".join(message.split()) == " ".join(" ".join(wrapped).split())

    def test_indented_lines_keep_their_indent(self) -> None:
        """A problem line ('  file:3:1: ...') wraps under itself, two spaces further in."""
        wrapped = wrap_note("  clinic.yaml:3:1: " + "word " * 20, 30).splitlines()
        assert wrapped[0].startswith("  clinic.yaml") and all(line.startswith("    ") for line in wrapped[1:])

    def test_short_notes_and_no_width_are_left_alone(self) -> None:
        """A note that fits, or one for a file or pipe (width None), is printed as it is."""
        assert "massage-cli: short" == wrap_note("massage-cli: short", 80)
        long = "massage-cli: " + "word " * 40
        assert long == wrap_note(long, None)

    def test_width_follows_the_terminal(self, monkeypatch) -> None:
        """The width is COLUMNS on a terminal, and None when stderr is not a terminal."""

        class Terminal(io.StringIO):
            def isatty(self) -> bool:
                return True

        monkeypatch.setenv("COLUMNS", "57")
        assert 57 == note_width(Terminal())
        assert None is note_width(io.StringIO())


class TestRichStartUp:
    """`check --format rich` imports only what it needs (bench/run.py measures the time)."""

    AFTER = (
        "from massage_cli.matching import _PLACES\n"
        "names = ('massage_cli.screening', 'massage_cli.readability', 'gzip', 'rapidfuzz')\n"
        "print(sorted(n for n in names if n in sys.modules), _PLACES._compiled is not None)\n"
    )

    def probe(self, tmp_path: Path, *args: str) -> str:
        return start_up_probe(tmp_path, self.AFTER, *args)

    def test_rich_answer_defers_what_it_does_not_use(self, tmp_path: Path) -> None:
        """A rich answer by name, from a warm cache, loads no screening, readability, gzip or typo
        matcher, and compiles none of the free-text patterns."""
        self.probe(
            tmp_path, "check", "fibromyalgia", "--format", "rich"
        )  # builds the cache (which checks codes)
        assert "[] False" == self.probe(tmp_path, "check", "fibromyalgia", "--format", "rich")

    def test_the_probe_can_fail(self, tmp_path: Path) -> None:
        """Free text compiles the patterns and `screen` loads screening (so the probe above can fail)."""
        assert self.probe(tmp_path, "check", "my lower back is sore", "--format", "rich").endswith("True")
        assert "massage_cli.screening" in self.probe(tmp_path, "screen", "--no-prompt", "--format", "rich")
