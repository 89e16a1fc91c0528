"""The answer to one `check` query: the condition found, warning signs, and the verdict to show."""

from __future__ import annotations

from typing import NamedTuple

from .matching import Index, Match, NoMatch, lookup
from .model import Condition, RedFlag, Verdict
from .textclean import clean_line


class Answer(NamedTuple):
    """Everything the renderers need to answer one query."""

    query: str
    match: Match | None
    suggestions: tuple[str, ...]
    red_flags: tuple[RedFlag, ...]

    @property
    def found(self) -> bool:
        """Whether a condition matched."""
        return self.match is not None

    @property
    def condition(self) -> Condition | None:
        """The condition that matched, if any."""
        return self.match.condition if self.match else None

    @property
    def verdict(self) -> Verdict | None:
        """The verdict to show: `urgent` whenever a red flag is present."""
        if self.red_flags:
            return Verdict.URGENT
        return self.match.condition.verdict if self.match else None


def answer(index: Index, query: str) -> Answer:
    """Look a query up and scan it for red flags (escape codes and control characters removed)."""
    query = clean_line(query)
    result = lookup(index, query)
    flags = index.red_flag_index().detect(query)
    if isinstance(result, NoMatch):
        return Answer(query, None, result.suggestions, flags)
    return Answer(query, result, (), flags)
