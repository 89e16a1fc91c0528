"""Every format renders every condition; text from files is never read as markup or control codes.

Golden files pin the rich and plain output at 80 columns with colour off. After an intended change,
regenerate them with:  UPDATE_GOLDEN=1 python -m pytest tests/test_render.py
"""

from __future__ import annotations

import io
import json
import os
import re
from pathlib import Path

import pytest

from massage_cli.answer import answer
from massage_cli.knowledge import load_bundled
from massage_cli.matching import Index
from massage_cli.model import replace
from massage_cli.render import Format, common, renderer

KB = load_bundled()
GOLDEN = Path(__file__).parent / "golden"
GOLDEN_CASES = [
    ("fibromyalgia", "plain"),
    ("fibromyalgia", "rich"),
    ("deep-vein-thrombosis", "plain"),
    ("broken-bone", "rich"),
]


def test_format_mapping_is_exhaustive() -> None:
    """Every Format has a renderer with every output function."""
    for fmt in Format:
        module = renderer(fmt)
        for name in (
            "check",
            "listing",
            "hits",
            "benefits",
            "faq_list",
            "faq_one",
            "red_flags",
            "screening",
            "paths",
            "validation",
            "sources",
            "readability",
            "session_listing",
            *(("intake", "therapist_data") if fmt is Format.JSON else ("page",)),
        ):
            assert callable(getattr(module, name)), (fmt, name)


@pytest.mark.parametrize(("condition_id", "fmt"), GOLDEN_CASES)
def test_golden(run, condition_id: str, fmt: str) -> None:
    """Rendered output matches the pinned golden file."""
    result = run("check", condition_id, "--format", fmt, env={"TERM": "dumb", "COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    path = GOLDEN / f"check-{condition_id}.{fmt}.txt"
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(result.stdout, encoding="utf-8")
    assert path.read_text(encoding="utf-8") == result.stdout


INTAKE_EXAMPLES = sorted((Path(__file__).resolve().parents[1] / "examples" / "intake").glob("*.yaml"))


@pytest.mark.parametrize("example", INTAKE_EXAMPLES, ids=lambda p: p.stem)
def test_intake_golden(run, example: Path) -> None:
    """The intake summaries of the examples (issue 17's three cases) match their pinned text."""
    result = run("intake", "--answers", str(example), "--format", "plain", env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    path = GOLDEN / f"intake-{example.stem}.plain.txt"
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(result.stdout, encoding="utf-8")
    assert path.read_text(encoding="utf-8") == result.stdout
    assert "NO WARNING SIGNS" in result.stdout


def shown_verdict(condition_id: str):
    """The verdict `check` shows for an id: the condition's own, or urgent if the words raise a red flag."""
    return answer(Index.build(KB), condition_id).verdict


def shown_label(condition_id: str) -> str:
    """The badge `check` shows for an id: the verdict's label, or the warning signs' action."""
    return common.label(answer(Index.build(KB), condition_id))


@pytest.mark.parametrize("condition", KB.conditions, ids=lambda c: c.id)
@pytest.mark.parametrize("fmt", ["plain", "markdown", "json"])
def test_every_condition_renders(run, condition, fmt: str) -> None:
    """Each condition renders in each text format with its name, summary and verdict."""
    result = run("check", condition.id, "--format", fmt)
    assert result.exit_code == 0, result.output
    verdict = shown_verdict(condition.id)
    if fmt == "json":
        data = json.loads(result.stdout)
        assert (condition.id, verdict.value) == (data["condition"]["id"], data["verdict"])
        assert condition.summary == data["summary"]
    else:
        flat = " ".join(result.stdout.replace("\\", "").split())
        assert condition.name.split()[0] in flat
        assert " ".join(condition.summary.split()[:4]) in flat
        assert shown_label(condition.id).upper() in flat


@pytest.mark.parametrize("condition", KB.conditions, ids=lambda c: c.id)
def test_every_condition_renders_rich(run, condition) -> None:
    """Each condition renders as a rich panel with its verdict badge."""
    result = run("check", condition.id, "--format", "rich", env={"TERM": "dumb", "COLUMNS": "100"})
    assert result.exit_code == 0, result.output
    assert shown_label(condition.id).upper() in result.stdout


class TestUntrustedText:
    """Text from YAML is printed exactly, never as markup, escape codes or control characters."""

    HOSTILE = "[bold]x[/bold] \x1b[31mred\x1b[0m \x07bell \u202eevil"

    def _answer(self):
        condition = replace(KB.conditions[0], name="[bold]x[/bold]", summary=self.HOSTILE, id="hostile")
        kb = replace(KB, conditions=(condition,))
        return answer(Index.build(kb), "hostile"), kb

    @pytest.mark.parametrize("fmt", list(Format))
    def test_markup_printed_literally(self, fmt: Format) -> None:
        """A name written as rich markup prints exactly as written."""
        result, kb = self._answer()
        out = renderer(fmt).check(result, kb)
        if fmt is Format.RICH:
            from rich.console import Console

            console = Console(width=100, color_system=None, record=True, file=io.StringIO())
            console.print(out)
            out = console.export_text()
        if fmt is Format.MARKDOWN:
            assert "\\[bold\\]x\\[/bold\\]" in out
        else:
            assert "[bold]x[/bold]" in out

    def test_loader_strips_control_characters(self, tmp_path) -> None:
        """Escape sequences and control characters in a file never reach the model."""
        from massage_cli.knowledge import Layer, load_layers

        text = (Path(__file__).parent / "fixtures" / "mini.yaml").read_text(encoding="utf-8")
        text = text.replace("Massage can ease a sore muscle.", '"Ease \\e[31mred\\e[0m \\x07 \\u202e ok"')
        path = tmp_path / "kb.yaml"
        path.write_text(text, encoding="utf-8")
        kb = load_layers([Layer(path, "option")])
        summary = kb.condition("sore-muscle").summary
        assert "Ease red   ok" == summary


def test_readme_example_is_real(run) -> None:
    """The example answer in the README is exactly what the program prints."""
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    marker = "$ massage-cli check fibromyalgia --format plain\n"
    shown = readme[readme.index(marker) + len(marker) :].split("```", 1)[0]
    assert shown == run("check", "fibromyalgia", "--format", "plain").stdout


CLINIC_LAYER = Path(__file__).resolve().parents[1] / "examples" / "clinic.yaml"
CLINIC_NAME = "Riverside Physical Therapy (example)"
CLINIC_CONTACT = "Phone 555-0100, Mon-Fri 8am-6pm"
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]|\x1b\]8;[^\x1b]*\x1b\\")


def visible(text: str) -> list[str]:
    """The lines of terminal output as they look, escape codes removed."""
    return ANSI.sub("", text).splitlines()


class TestClinicContact:
    """The clinic's name and contact, set in a layer, reach every format of `check`."""

    @pytest.mark.parametrize("fmt", ["plain", "rich", "markdown", "html"])
    def test_human_formats_show_it(self, run, fmt: str) -> None:
        """The contact is printed (the terminal may fold the line; the words are all there)."""
        result = run("--kb", str(CLINIC_LAYER), "check", "neck pain", "--format", fmt, env={"COLUMNS": "100"})
        assert result.exit_code == 0, result.output
        flat = " ".join(" ".join(visible(result.stdout)).split())
        assert CLINIC_NAME in flat and CLINIC_CONTACT in flat

    def test_plain_puts_it_just_before_the_disclaimer(self, run, kb) -> None:
        """In plain text the clinic line comes after the details and right before the disclaimer."""
        result = run("--kb", str(CLINIC_LAYER), "check", "neck pain", "--format", "plain")
        assert result.exit_code == 0, result.output
        blocks = result.stdout.split("\n\n")
        disclaimer = next(i for i, b in enumerate(blocks) if b.startswith(kb.disclaimer.split()[0] + " "))
        assert f"Clinic: {CLINIC_NAME}. Contact: {CLINIC_CONTACT}" == " ".join(blocks[disclaimer - 1].split())

    def test_json_has_name_and_contact(self, run) -> None:
        """JSON carries clinic: {name, contact}."""
        result = run("--kb", str(CLINIC_LAYER), "check", "neck pain", "--json")
        assert result.exit_code == 0, result.output
        assert {"name": CLINIC_NAME, "contact": CLINIC_CONTACT} == json.loads(result.stdout)["clinic"]

    def test_json_without_a_clinic_is_null(self, run) -> None:
        """Without a clinic layer, JSON says clinic: null and text formats print no clinic line."""
        result = run("check", "neck pain", "--json")
        assert result.exit_code == 0, result.output
        assert None is json.loads(result.stdout)["clinic"]
        assert "Clinic:" not in run("check", "neck pain", "--format", "plain").stdout


class TestFitsTheTerminal:
    """Output fits the terminal: ids are never cut, text wraps to it, and wide screens keep a reading width."""

    @pytest.mark.parametrize("columns", [40, 60, 80, 100, 120, 200])
    def test_rich_list_fits_and_keeps_ids_names_and_verdicts(self, run, columns: int) -> None:
        """At any width every line fits, each id starts a line whole, and each verdict badge is on one
        line (at 80 columns as a column of the table, below that in one block per entry)."""
        result = run("list", "--format", "rich", env={"COLUMNS": str(columns), "NO_COLOR": "1"})
        assert result.exit_code == 0, result.output
        lines = visible(result.stdout)
        assert columns >= max(len(line) for line in lines)
        starts = {line.split()[0] for line in lines if line.strip()}
        for condition in KB.conditions:
            assert condition.id in starts, condition.id
            assert any(f" {condition.verdict.label.upper()} " in line for line in lines), condition.id
        if columns >= 80:  # a table, not blocks
            assert any(line.startswith(("ID ", "ID\t")) for line in lines)

    def test_rich_list_blocks_keep_their_indent(self, run) -> None:
        """At 40 columns each entry is a block, and a name that wraps keeps its indent."""
        result = run("list", "--format", "rich", env={"COLUMNS": "40", "NO_COLOR": "1"})
        lines = visible(result.stdout)
        at = lines.index(next(line for line in lines if line.startswith("  Disc degeneration")))
        assert lines[at + 1].startswith("  ") and lines[at + 1].strip() == "disease)"

    @pytest.mark.parametrize(
        ("columns", "headers"),
        [
            (80, ["ID", "Name", "Verdict"]),
            (200, ["ID", "Name", "Verdict", "Evidence", "Category", "Body parts", "ICD-10-CM"]),
        ],
    )
    def test_rich_list_drops_columns_as_the_width_shrinks(
        self, run, columns: int, headers: list[str]
    ) -> None:
        """Narrower, ICD-10-CM, Body parts, Category and Evidence go first; ID, Name and Verdict stay."""
        result = run("list", "--format", "rich", env={"COLUMNS": str(columns), "NO_COLOR": "1"})
        assert result.exit_code == 0, result.output
        header = visible(result.stdout)[0]
        assert headers == re.split(r"\s{2,}", header.strip())

    def test_column_fitting_rule(self) -> None:
        """Columns narrow to their minimums (the first never), then optional ones drop, last first."""
        from massage_cli.render.common import fit_widths

        natural, minimums = [10, 30, 20, 8], [10, 12, 12, 8]
        assert [10, 30, 20, 8] == fit_widths(natural, minimums, 2, 80, 2, 0)
        assert [10, 20, 20, 8] == fit_widths(natural, minimums, 2, 66, 2, 0)
        assert [10, 12, 12, 8] == fit_widths(natural, minimums, 2, 50, 2, 0)
        assert [10, 16, 17] == fit_widths(natural, minimums, 2, 49, 2, 0)
        assert [10, 12] == fit_widths(natural, minimums, 2, 26, 2, 0)
        assert None is fit_widths(natural, minimums, 2, 25, 2, 0)

    @pytest.mark.parametrize("env", [{"NO_COLOR": "1"}, {"TERM": "dumb"}])
    def test_plain_wraps_to_a_narrow_terminal(self, run, env: dict[str, str]) -> None:
        """Plain text wraps to COLUMNS=40, the verdict line too (only a URL may run longer)."""
        result = run("check", "sciatica", env={**env, "COLUMNS": "40"})
        assert result.exit_code == 0, result.output
        lines = result.stdout.splitlines()
        assert lines[0].startswith("MAY HELP, WITH CARE: ")
        assert [] == [line for line in lines if len(line) > 40 and "https://" not in line]

    @pytest.mark.parametrize(
        "query", ["sciatica", "my back hurts and I have a fever", "zzz and the worst headache of my life"]
    )
    def test_plain_verdict_and_warning_lines_wrap_to_80(self, run, query: str) -> None:
        """Piped, the verdict line and the warning line wrap at 80 columns like the rest."""
        result = run("check", query, "--format", "plain")
        assert result.exit_code == 0, result.output
        assert [] == [
            line for line in result.stdout.splitlines() if len(line) > 80 and "https://" not in line
        ]

    def test_plain_list_fits_a_narrow_terminal(self, run) -> None:
        """Plain `list` at 40 columns: every line fits, and every id is whole on a line of its own."""
        result = run("list", env={"NO_COLOR": "1", "COLUMNS": "40"})
        assert result.exit_code == 0, result.output
        lines = result.stdout.splitlines()
        assert 40 >= max(len(line) for line in lines)
        assert {c.id for c in KB.conditions} <= set(lines)

    def test_plain_keeps_80_columns_on_a_wide_terminal(self, run) -> None:
        """Plain text is not stretched past 80 columns (a comfortable reading width)."""
        wide = run("check", "sciatica", "--format", "plain", env={"COLUMNS": "200"}).stdout
        assert run("check", "sciatica", "--format", "plain", env={"COLUMNS": "80"}).stdout == wide

    def test_rich_reading_width_is_capped(self, run) -> None:
        """At 200 columns the answer panel stops at 100."""
        result = run("check", "fibromyalgia", "--format", "rich", env={"COLUMNS": "200", "NO_COLOR": "1"})
        assert result.exit_code == 0, result.output
        assert 100 == max(len(line) for line in visible(result.stdout))

    @pytest.mark.parametrize("columns", [30, 40, 60, 100])
    def test_warning_instruction_is_never_cut(self, run, columns: int) -> None:
        """The warning panel always shows the whole instruction, in its title or its first lines."""
        query = "swollen painful calf after a long flight"
        result = run("check", query, "--format", "rich", env={"COLUMNS": str(columns), "NO_COLOR": "1"})
        lines = visible(result.stdout)
        assert columns >= max(len(line) for line in lines)
        flat = " ".join(re.sub("[╭╮╰╯│─]", " ", " ".join(lines)).split())
        assert "See a doctor today, before any massage." in flat


class TestManyCodes:
    """An entry with many codes (deep vein thrombosis has dozens) shows six, then how many more."""

    @pytest.mark.parametrize("fmt", ["plain", "markdown", "html"])
    def test_page_shows_six_codes_and_a_count(self, run, kb, fmt: str) -> None:
        """The handout and the plain answer name six codes and say how many more; JSON lists all."""
        condition = next(c for c in kb.conditions if c.id == "deep-vein-thrombosis")
        assert len(condition.icd10) > 6
        out = run("check", "deep-vein-thrombosis", "--format", fmt).stdout
        assert condition.icd10[5] in out and condition.icd10[6] not in out
        assert f"and {len(condition.icd10) - 6} more" in " ".join(out.split())
        listed = json.loads(run("check", "deep-vein-thrombosis", "--json").stdout)["condition"]["icd10"]
        assert listed == list(condition.icd10)

    def test_few_codes_are_all_shown(self, run) -> None:
        """Six or fewer codes are shown as they are, with no count."""
        out = run("check", "fibromyalgia", "--format", "plain").stdout
        assert "ICD-10-CM: M79.7." in out and "more" not in out.split("ICD-10-CM:")[1].split(".")[1]


def test_main_code_is_never_shown_without_its_note(run) -> None:
    """Chronic low back pain's only code, M54.51, is a narrow scan-based code (review 2026-12 part 1
    W6): every page that shows it as the entry's code also says what it is only for."""
    for fmt in ("plain", "markdown", "html"):
        out = " ".join(run("check", "chronic back pain", "--format", fmt).stdout.split())
        assert "M54.51" in out and "M54.50" in out and "G89.29" in out, fmt


@pytest.mark.parametrize("query", ["low back pain", "fever", "pregnancy back pain", "knee replacement"])
def test_see_a_doctor_if_is_most_urgent_first(run, query: str) -> None:
    """A reader who stops at the first line has read the most urgent one (second look, part 1 #21)."""
    items = json.loads(run("check", query, "--json").stdout)["see_a_doctor_if"]
    order = ["emergency", "now", "today", "soon", "routine", None]
    ranks = [order.index(item["urgency"]) for item in items]
    assert ranks == sorted(ranks)
    plain = run("check", query, "--format", "plain").stdout
    assert plain.index(items[0]["text"][:30]) < plain.index(items[-1]["text"][:30])


class TestAlsoNamed:
    """When the words name several entries, the note says why this one is shown (review part 1 K17)."""

    def test_different_verdicts_show_the_most_cautious(self, run) -> None:
        """Gout (avoid) is shown before low back pain (helps), and the note says so."""
        out = " ".join(run("check", "gout and low back pain", "--format", "plain").stdout.split())
        assert "This answer is for the most cautious one" in out

    def test_same_verdicts_do_not_claim_caution(self, run) -> None:
        """Two entries with the same verdict: no claim that the one shown is the more cautious."""
        out = " ".join(
            run("check", "I have fibromyalgia and tension headaches", "--format", "plain").stdout.split()
        )
        assert "Their verdict is the same" in out and "most cautious" not in out


def test_tell_your_therapist_says_nothing_twice() -> None:
    """The patient's 'Tell your therapist' leaves out what 'Take care' already says to tell the
    therapist, and keeps what it does not (or what it says to tell someone else)."""
    condition = KB.condition("low-back-pain")
    assert condition.session is not None
    session = replace(condition.session, tell_your_therapist=("Tell your therapist about your pacemaker.",))
    told = replace(
        condition,
        precautions=("Tell the therapist about your pacemaker.",),
        session=session,
    )
    assert common.tell_lines(told) == ()
    other = replace(told, precautions=("Tell your doctor about your pacemaker.",))
    assert common.tell_lines(other) == ("Tell your therapist about your pacemaker.",)
