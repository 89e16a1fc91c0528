"""ICD-10-CM codes as people copy them from notes, and the official code set to check them against."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from functools import lru_cache
from typing import NamedTuple

from .words import MAX_QUERY

DATA_FILE = "icd10cm_titles.tsv.gz"
"""Every ICD-10-CM code (April 2026) with its title; built by scripts/build_icd10_titles.py."""

CODE_KEY = re.compile(r"[A-Z](?:[0-9][0-9A-Z]|[A-Z][0-9])[0-9A-Z]{0,4}")
"""A code without its dot (use fullmatch): a letter, a digit or as in QA0 a letter and a digit, 3-7 long."""

# "ICD 10 CM", "icd-10", "ICD10CM" all become one word before the text is split at hyphens.
_ICD = re.compile(r"\bicd[\s_-]*10(?:[\s_-]*cm)?\b", re.IGNORECASE)
_DASHES = str.maketrans(dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212", "-"))
_SEPARATORS = re.compile(r"[\s,;:/|&+=-]+")
_EDGES = "#()[]{}<>.'\"*"
_LABELS = frozenset(
    {"icd", "icd10", "cm", "dx", "ddx", "diag", "diagnosis", "diagnoses", "code", "codes"}
    | {"primary", "secondary", "and", "or"}
)
"""Words around the codes on a note (labels and joining words): they do not stop a text being codes."""


class CodeInfo(NamedTuple):
    """One ICD-10-CM code as the official code set lists it."""

    code: str
    """The code with its dot (M54.50)."""
    title: str
    """The official title (Low back pain, unspecified)."""
    billable: bool
    """Whether the code is complete and can go on a claim; False for a heading such as M54.5."""


def show(key: str) -> str:
    """A code key (no dot) written the usual way: M5450 -> M54.50; 3-character keys unchanged."""
    return key if len(key) <= 3 else f"{key[:3]}.{key[3:]}"


def key_of(code: str) -> str:
    """A code as written (M54.50, m54.50) as its key (M5450)."""
    return code.replace(".", "").upper()


def _key(token: str) -> str | None:
    """The code key one token spells (m54.50 -> M5450), or None if it is not code-shaped."""
    code = token.strip(_EDGES).upper()
    if len(code) > 3 and code[3] == ".":
        code = code[:3] + code[4:]
    return code if CODE_KEY.fullmatch(code) else None


def parse_codes(text: str) -> list[str] | None:
    """The code keys a query spells, in order and once each, or None if it holds anything but codes."""
    if len(text) > MAX_QUERY:  # cutting the text could cut a code short and change its meaning
        return None
    text = _ICD.sub(" icd10 ", unicodedata.normalize("NFKC", text).translate(_DASHES))
    keys: list[str] = []
    for token in _SEPARATORS.split(text):
        word = token.lower().replace("(s)", "s").strip(_EDGES)
        if not word or word in _LABELS:
            continue
        key = _key(token)
        if key is None:
            return None
        if key not in keys:
            keys.append(key)
    return keys or None


@lru_cache(maxsize=1)
def _text() -> str:
    """The packaged code list, one sorted line per code after a leading newline; read on first use."""
    import gzip  # only when a code query needs the table: off the start-up path
    from importlib.resources import files

    # Kept as one string and searched by bisection: splitting 98,000 lines into a dict costs
    # more than the rest of a code lookup, and a query needs only a line or two of it.
    return "\n" + gzip.decompress(files(__package__).joinpath(DATA_FILE).read_bytes()).decode("utf-8")


def _seek(text: str, key: str) -> int:
    """Where the first line whose code key sorts at or after `key` starts (the end if none)."""
    lo, hi = 1, len(text)  # lines before lo sort before key; lines from hi on do not
    while lo < hi:
        start = text.rfind("\n", 0, (lo + hi) // 2) + 1
        if text[start : text.find("\t", start)] < key:
            lo = text.find("\n", start) + 1
        else:
            hi = start
    return lo


def _lines_from(text: str, at: int, prefix: str) -> Iterator[CodeInfo]:
    """The codes on the lines from offset `at` on, while their keys start with `prefix`."""
    while text.startswith(prefix, at):
        end = text.find("\n", at)
        key, billable, title = text[at:end].split("\t")
        yield CodeInfo(show(key), title, billable == "1")
        at = end + 1


def lookup(key: str) -> CodeInfo | None:
    """The code set's entry for a code (with or without the dot, any case), or None if there is none."""
    key = key_of(key)
    if not CODE_KEY.fullmatch(key):
        return None
    text = _text()
    return next(_lines_from(text, _seek(text, key), key + "\t"), None)


def billable_under(key: str) -> list[CodeInfo]:
    """The billable codes under a heading, in code order (M54.5 -> M54.50, M54.51, M54.59)."""
    key = key_of(key)
    if not CODE_KEY.fullmatch(key):
        return []
    text = _text()
    return [
        info for info in _lines_from(text, _seek(text, key), key) if info.billable and info.code != show(key)
    ]
