"""ICD-10-CM codes as written on notes, and the packaged code set they are checked against."""

from __future__ import annotations

import gzip
import random
import subprocess
import sys
from importlib.resources import files

import pytest
import simple_icd_10_cm as icd
from hypothesis import given
from hypothesis import strategies as st

from massage_cli.icd10 import CODE_KEY, DATA_FILE, CodeInfo, billable_under, lookup, parse_codes, show

DATA = files("massage_cli").joinpath(DATA_FILE)


def file_rows() -> list[list[str]]:
    """The data file's lines, each split into key, billable flag and title."""
    text = gzip.decompress(DATA.read_bytes()).decode("utf-8")
    return [line.split("\t") for line in text.splitlines()]


def code_set_entry(code: str) -> CodeInfo:
    """What simple_icd_10_cm says about a dotted code (titles with white space runs made one space)."""
    return CodeInfo(code, " ".join(icd.get_description(code).split()), icd.is_leaf(code))


class TestDataFile:
    """The packaged file is small, sorted, complete and built the same way every time."""

    def test_at_most_one_megabyte(self) -> None:
        """The gzipped file takes at most 1 MB in the wheel."""
        assert len(DATA.read_bytes()) <= 1_000_000

    def test_holds_the_whole_code_set(self) -> None:
        """More than 70,000 codes are listed, most of them billable."""
        rows = file_rows()
        assert len(rows) > 70_000
        assert sum(billable == "1" for _, billable, _ in rows) > 70_000

    def test_lines_are_well_formed_and_sorted(self) -> None:
        """Every line is a code-shaped key, 0 or 1, and a clean title, in key order, each key once."""
        rows = file_rows()
        keys = [key for key, _, _ in rows]
        assert sorted(set(keys)) == keys
        assert [] == [key for key in keys if not CODE_KEY.fullmatch(key)]
        assert {"0", "1"} == {billable for _, billable, _ in rows}
        assert [] == [key for key, _, title in rows if not title or title != " ".join(title.split())]

    def test_gzip_header_has_no_timestamp(self) -> None:
        """The file is written with mtime 0, so rebuilding the same code set gives the same bytes."""
        assert b"\0\0\0\0" == DATA.read_bytes()[4:8]

    def test_ships_with_its_notice(self) -> None:
        """The public-domain notice sits beside the data in the package."""
        notice = files("massage_cli").joinpath("icd10cm_titles.NOTICE").read_text(encoding="utf-8")
        assert "public domain" in notice


class TestMatchesCodeSet:
    """The file says what simple_icd_10_cm (the April 2026 code set) says."""

    @pytest.mark.parametrize(
        ("code", "title", "billable"),
        [
            ("M25.561", "Pain in right knee", True),
            ("M75.0", "Adhesive capsulitis of shoulder", False),
            ("G56.00", "Carpal tunnel syndrome, unspecified upper limb", True),
            ("M54.5", "Low back pain", False),
            ("M54.50", "Low back pain, unspecified", True),
            ("S16.1XXD", "Strain of muscle, fascia and tendon at neck level, subsequent encounter", True),
            ("M79.7", "Fibromyalgia", True),
            ("M54", "Dorsalgia", False),
        ],
    )
    def test_known_codes(self, code: str, title: str, billable: bool) -> None:
        """Codes met in massage questions have their official title and billable flag."""
        assert CodeInfo(code, title, billable) == lookup(code)
        assert CodeInfo(code, title, billable) == code_set_entry(code)

    def test_random_sample(self) -> None:
        """2,000 codes drawn at random (seeded) have the code set's title and billable flag."""
        codes = [code for code in icd.get_all_codes(with_dots=True) if icd.is_category_or_subcategory(code)]
        sample = random.Random(20260401).sample(codes, 2000)
        assert [code_set_entry(code) for code in sample] == [lookup(code) for code in sample]

    def test_same_codes(self) -> None:
        """The file holds exactly the code set's categories and subcategories: no chapters, no blocks."""
        expected = {
            key
            for code, key in zip(icd.get_all_codes(with_dots=True), icd.get_all_codes(with_dots=False))
            if icd.is_category_or_subcategory(code)
        }
        assert expected == {key for key, _, _ in file_rows()}


class TestLookup:
    """lookup finds a code however it is written, and only real codes."""

    @pytest.mark.parametrize("written", ["M54.50", "M5450", "m54.50", "m5450"])
    def test_any_spelling(self, written: str) -> None:
        """With or without the dot, in any case, the same entry comes back."""
        assert CodeInfo("M54.50", "Low back pain, unspecified", True) == lookup(written)

    @pytest.mark.parametrize(
        "key", ["M5457", "M99999", "Z999", "A0", "knee", "", "M54.50 G89.29", "M5450\n", "\U0010ffff"]
    )
    def test_not_a_code(self, key: str) -> None:
        """Code-shaped keys missing from the code set, and anything else, give None."""
        assert None is lookup(key)

    @pytest.mark.parametrize("key", ["A00", "A000", "Z9989"])
    def test_first_and_last_lines(self, key: str) -> None:
        """The search reaches the first and the last lines of the file."""
        assert show(key) == getattr(lookup(key), "code", None)

    def test_billable_under_a_heading(self) -> None:
        """The retired code M54.5 leads to the three billable codes that replaced it."""
        assert ["M54.50", "M54.51", "M54.59"] == [info.code for info in billable_under("M54.5")]

    def test_billable_under_skips_headings(self) -> None:
        """Only billable codes are listed under a category, never the subheadings between."""
        under = billable_under("S16")
        assert 12 == len(under)
        assert all(info.billable and info.code.startswith("S16.") for info in under)

    @pytest.mark.parametrize("key", ["M54.50", "M5457", "knee", ""])
    def test_nothing_under_a_billable_or_unknown_code(self, key: str) -> None:
        """A billable code, a missing code and a non-code have nothing under them."""
        assert [] == billable_under(key)


class TestShow:
    """show writes a key the usual way."""

    @pytest.mark.parametrize(
        ("key", "expected"),
        [
            ("M5450", "M54.50"),
            ("M797", "M79.7"),
            ("M79", "M79"),
            ("S161XXD", "S16.1XXD"),
            ("QA00101", "QA0.0101"),
        ],
    )
    def test_dot_after_the_category(self, key: str, expected: str) -> None:
        """The dot goes after the third character; a three-character category has none."""
        assert expected == show(key)


class TestParseCodes:
    """parse_codes reads the codes people copy from notes, and nothing else."""

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("M54.50", ["M5450"]),
            ("m5450", ["M5450"]),
            ("m54.50", ["M5450"]),
            ("  M54.50  ", ["M5450"]),
            ("M54.50.", ["M5450"]),
            ("dx: M54.50", ["M5450"]),
            ("Dx - M54.50", ["M5450"]),
            ("DX:M54.50", ["M5450"]),
            ("Dx \u2013 M54.50", ["M5450"]),
            ("ICD-10: M54.50", ["M5450"]),
            ("ICD10 M54.50", ["M5450"]),
            ("ICD-10-CM M54.50", ["M5450"]),
            ("ICD-10-CM code: M54.50", ["M5450"]),
            ("icd 10 cm: m54.50", ["M5450"]),
            ("Diagnosis: M54.50", ["M5450"]),
            ("Diagnosis (ICD-10): M54.50", ["M5450"]),
            ("code M54.50", ["M5450"]),
            ("Code(s): M54.50", ["M5450"]),
            ("#M54.50", ["M5450"]),
            ("# M54.50", ["M5450"]),
            ("M54.50, M79.7", ["M5450", "M797"]),
            ("dx: M54.50; G89.29", ["M5450", "G8929"]),
            ("M54.50 and G89.29", ["M5450", "G8929"]),
            ("M54.50 / G89.29", ["M5450", "G8929"]),
            ("M54.50 M79.7", ["M5450", "M797"]),
            ("Dx: M54.50\nDx: G89.29\n", ["M5450", "G8929"]),
            ("Primary dx: M54.50; secondary dx: G89.29", ["M5450", "G8929"]),
            ("M54.50, M54.50", ["M5450"]),
            ("S16.1XXD", ["S161XXD"]),
            ("s16.1xxa", ["S161XXA"]),
            ("M54.5", ["M545"]),
            ("M54", ["M54"]),
            ("G40.-", ["G40"]),
            ("M54.5-", ["M545"]),
            ("(M79.7)", ["M797"]),
            ("QA0.0101", ["QA00101"]),
            ("\uff2d\uff15\uff14.\uff15\uff10", ["M5450"]),  # full-width characters from a PDF
        ],
    )
    def test_codes(self, text: str, expected: list[str]) -> None:
        """Labels, separators, dots and case as found on notes give the codes' keys, in order, once each."""
        assert expected == parse_codes(text)

    @pytest.mark.parametrize(
        "text",
        [
            "",
            "   ",
            "M",
            "M5",
            "knee pain",
            "my back",
            "pain",
            "hello M54.50 world",
            "knee pain M25.561",
            "M54.50 low back pain",
            "dx:",
            "ICD-10",
            "and",
            "M5.450",
            "M54.50.1",
            "L4-L5",
            "C5-6",
            "ICD-9: 724.2",
            "724.2",
            "M54.50" + " " * 1000,
        ],
    )
    def test_not_codes(self, text: str) -> None:
        """Words, anything beside the codes, half codes, and over-long texts are not a code query."""
        assert None is parse_codes(text)


class TestProperties:
    """parse_codes holds up on any text."""

    @given(st.one_of(st.text(), st.text(alphabet="M54.0 Xx,;:/-#()\n\u2013dicand")))
    def test_never_raises(self, text: str) -> None:
        """Any string gives None or a non-empty list of upper-case, dotless, code-shaped keys."""
        keys = parse_codes(text)
        assert keys is None or (keys and all(CODE_KEY.fullmatch(key) for key in keys))

    @given(st.from_regex(CODE_KEY, fullmatch=True), st.sampled_from(["", "dx: ", "ICD-10: ", "# "]))
    def test_round_trip(self, key: str, label: str) -> None:
        """A key written the usual way, in lower case, after a label, parses back to the key."""
        assert [key] == parse_codes(label + show(key).lower())


class TestLazyLoading:
    """Start-up does not pay for the code set: it is read on the first lookup."""

    PROBE = (
        "import sys\n"
        "opened = []\n"
        "sys.addaudithook(lambda event, args: event == 'open' and 'icd10cm' in str(args[0])"
        " and opened.append(1))\n"
        "from massage_cli import icd10\n"
        "print(len(opened), icd10._text.cache_info().currsize)\n"
        "icd10.parse_codes('dx: M54.50')\n"
        "print(len(opened), icd10._text.cache_info().currsize)\n"
        "icd10.lookup('M5450')\n"
        "icd10.lookup('M797')\n"
        "print(len(opened), icd10._text.cache_info().currsize)\n"
    )

    def test_read_once_on_first_lookup(self) -> None:
        """Importing and parsing read nothing; the first lookup reads the file, and later ones reuse it."""
        proc = subprocess.run(
            [sys.executable, "-c", self.PROBE], capture_output=True, text=True, timeout=60, check=False
        )
        assert "" == proc.stderr
        assert ["0 0", "0 0", "1 1"] == proc.stdout.splitlines()
