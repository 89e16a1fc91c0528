"""Find warning signs (red flags) in what a person types."""

from __future__ import annotations

from .model import RedFlag


def detect(flags: tuple[RedFlag, ...], query: str) -> tuple[RedFlag, ...]:
    """The red flags whose phrasings appear in the query."""
    return ()
