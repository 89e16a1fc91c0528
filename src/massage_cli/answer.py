"""The answer to one `check` query: the condition found, warning signs, and the verdict to show."""

from __future__ import annotations

from typing import NamedTuple

from .icd10 import CodeInfo
from .matching import Index, Match, NoMatch, lookup
from .model import Action, Condition, RedFlag, Verdict
from .textclean import clean_line


class Answer(NamedTuple):
    """Everything the renderers need to answer one query."""

    query: str
    match: Match | None
    suggestions: tuple[str, ...]
    red_flags: tuple[RedFlag, ...]
    note: str = ""
    """What to know about how the query matched (a code's meaning), or ''."""
    code: CodeInfo | None = None
    """The ICD-10-CM code the query gave, as the official code set lists it."""

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

    @property
    def action(self) -> Action | None:
        """The strongest action the red flags call for (emergency over urgent), if any."""
        if not self.red_flags:
            return None
        return min((flag.action for flag in self.red_flags), key=list(Action).index)

    @property
    def headline(self) -> str:
        """What the shown verdict means; with red flags, the strongest of their own actions."""
        if self.action is not None:
            return f"Massage is not the answer. {self.action.instruction}"
        assert self.verdict is not None
        return self.verdict.headline


def answer(index: Index, query: str) -> Answer:
    """Look a query up and scan it for red flags (escape codes and control characters removed)."""
    query = clean_line(query)
    result = lookup(index, query)
    # The matched condition's name and category count as context ("sciatica" is back pain).
    context = "" if isinstance(result, NoMatch) else f"{result.condition.name} {result.condition.category}"
    flags = index.red_flag_index().detect(query, context)
    if isinstance(result, NoMatch):
        return Answer(query, None, result.suggestions, flags, result.note, result.code)
    return Answer(query, result, (), flags, result.note, result.code)
