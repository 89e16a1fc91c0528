"""Make text from files or people safe to print on a terminal."""

from __future__ import annotations

import re

# CSI, OSC and other escape sequences, then any control or bidi-override characters left over.
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI: colours, cursor moves
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC: titles, hyperlinks
    r"|\x1b[PX^_][^\x1b]*(?:\x1b\\)?"  # DCS, SOS, PM, APC
    r"|\x1b[@-Z\\-_]?"  # two-byte escapes, or a bare ESC
)
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_LINE_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def clean_text(text: str) -> str:
    """Remove escape sequences and control characters, keeping newlines and tabs."""
    return _CONTROLS.sub("", _ESCAPES.sub("", text))


def clean_line(text: str) -> str:
    """Like clean_text, but also turns newlines and tabs into spaces (for one-line echoes)."""
    return _LINE_CONTROLS.sub(" ", _ESCAPES.sub("", text))


def shorten(text: str, limit: int = 60) -> str:
    """Clean text for a one-line echo and cut it to at most `limit` characters."""
    line = " ".join(clean_line(text).split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def one_line(text: str, limit: int) -> str:
    """Like shorten, but every space kept as written (an indentation hint counts them)."""
    line = clean_line(text).rstrip()
    return line if len(line) <= limit else line[: limit - 1] + "…"
