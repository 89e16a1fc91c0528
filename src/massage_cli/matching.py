"""Normalise what people type and find the condition, FAQ or search hits it points to."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import NamedTuple

from .model import Condition, Faq, KnowledgeBase
from .redflags import RedFlagIndex
from .words import (  # noqa: F401 (re-exported)
    MAX_QUERY,
    STOPWORDS,
    body_parts_named,
    compact,
    expand_contractions,
    is_english,
    normalise,
    other_body_part,
    stem,
    tokens,
)

# Figures of speech whose words would otherwise name a condition ("wound up" is tense, not a wound).
_IDIOMS = re.compile(r"\bwound up\b|\b(?:fell|fall|falls|falling) asleep\b", re.IGNORECASE)

_CODE_QUERY = re.compile(r"^[A-Z][0-9][0-9A-Z][0-9A-Z]{0,4}$")

FUZZY_ACCEPT = 0.85
"""Similarity at or above which a typo is corrected to a single clear best match."""
FUZZY_MARGIN = 0.08
"""How far ahead of the next condition the best match must be to be taken."""
FUZZY_SUGGEST = 0.75
"""Similarity at or above which a condition is offered as a suggestion."""


def code_key_of(code: str) -> str:
    """A code as written in a file (M54.50) as its key (M5450)."""
    return code.replace(".", "").upper()


def code_key(text: str) -> str | None:
    """The ICD-10-CM code a query spells (upper case, no dot), or None if it is not code-shaped."""
    key = re.sub(r"[\s.]", "", text).upper()
    return key if _CODE_QUERY.match(key) else None


class Match(NamedTuple):
    """The condition a query found, and how it was found."""

    condition: Condition
    matched_by: str
    """id, name, alias, icd10, fuzzy or text."""
    matched_text: str
    """The name, alias or code that matched."""
    also: tuple[Condition, ...] = ()
    """Other conditions the query also names (free text only)."""
    note: str = ""
    """What the person should know about how it matched (a code's meaning), or ''."""


class NoMatch(NamedTuple):
    """Nothing matched; the closest names, if any."""

    suggestions: tuple[str, ...]
    note: str = ""
    """Why nothing matched, when there is more to say (a retired or heading code), or ''."""


RETIRED_CODES = {
    "M545": (
        "M54.5 is no longer a billable ICD-10-CM code. Since 1 October 2021 it is split into "
        "M54.50 (low back pain, unspecified), M54.51 (vertebrogenic low back pain) and "
        "M54.59 (other low back pain). Ask for the new code; the answers it now leads to are below."
    ),
}
"""Codes still written on notes that the code set no longer allows, keyed without the dot
(CMS, FY2022 ICD-10-CM update: https://www.cms.gov/medicare/coding-billing/icd-10-codes)."""


def show_code(key: str) -> str:
    """A code key (no dot) written the usual way: M5450 -> M54.50."""
    return key if len(key) <= 3 else f"{key[:3]}.{key[3:]}"


class Index:
    """Lookup tables built once from a knowledge base, holding condition ids.

    `store.StoreIndex` offers the same methods backed by the on-disk cache, so that a lookup in a
    large knowledge base reads only the rows it needs.
    """

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self.exact: dict[str, tuple[str, str, str]] = {}
        """Compact name or alias -> (condition id, id/name/alias, the text as written)."""
        self.codes: dict[str, tuple[str, str]] = {}
        """Code without the dot -> (condition id, the code as written)."""
        self.phrases: dict[str, list[tuple[tuple[str, ...], str, str]]] = {}
        """First word -> (all words, condition id, text) of each name and alias."""
        self.keys: list[tuple[str, str, str]] = []
        """(compact key, condition id, text) of every name and alias, for typo matching."""
        self.by_id: dict[str, Condition] = {}
        self._flags: RedFlagIndex | None = None

    @classmethod
    def build(cls, kb: KnowledgeBase) -> Index:
        index = cls(kb)
        for condition in kb.conditions:
            index.by_id[condition.id] = condition
            named = [("id", condition.id), ("name", condition.name)]
            named += [("alias", alias) for alias in condition.aliases]
            for kind, text in named:
                key = compact(text)
                if not key:
                    continue
                index.exact.setdefault(key, (condition.id, kind, text))
                index.keys.append((key, condition.id, text))
                words = tokens(text)
                if words:
                    index.phrases.setdefault(words[0], []).append((words, condition.id, text))
            for code in condition.icd10:
                index.codes.setdefault(code_key_of(code), (condition.id, code))
        for condition in kb.conditions:
            for code in condition.icd10:
                # Any 7th character (initial visit, later visit, after-effect) of a listed code
                # reaches the same entry: S39.012D finds the entry listing S39.012A.
                key = code_key_of(code)
                if len(key) == 7:
                    index.codes.setdefault(key[:6], (condition.id, code))
        return index

    def exact_get(self, key: str) -> tuple[str, str, str] | None:
        """The condition a whole name or alias names."""
        return self.exact.get(key)

    def code_get(self, code: str) -> tuple[str, str] | None:
        """The condition listing exactly this code (no dot, upper case)."""
        return self.codes.get(code)

    def codes_starting(self, prefix: str) -> list[str]:
        """Ids of conditions with a code in this category, in code order."""
        return [cid for key, (cid, _) in sorted(self.codes.items()) if key.startswith(prefix)]

    def phrases_for(self, word: str) -> list[tuple[tuple[str, ...], str, str]]:
        """Names and aliases whose first word is this one."""
        return self.phrases.get(word, [])

    def all_keys(self) -> Iterable[tuple[str, str, str]]:
        """Every (compact key, condition id, text), for typo matching."""
        return self.keys

    def condition(self, condition_id: str) -> Condition:
        """The condition with this id."""
        return self.by_id[condition_id]

    def red_flag_index(self) -> RedFlagIndex:
        """The red-flag matcher for this knowledge base (built on first use)."""
        if self._flags is None:
            self._flags = RedFlagIndex.for_flags(self.kb.red_flags)
        return self._flags


def lookup(index: Index, query: str) -> Match | NoMatch:
    """Find the condition a query names: by id, name, alias, code, free text, then typo."""
    key = compact(query[:MAX_QUERY])
    if not key:
        return NoMatch(())
    hit = index.exact_get(key)
    if hit is not None:
        return Match(index.condition(hit[0]), hit[1], hit[2])
    code = code_key(query[:MAX_QUERY])
    if code is not None:
        return _by_code(index, code)
    query = _IDIOMS.sub(" ", query[:MAX_QUERY])
    text_match = _free_text(index, query)
    if text_match is not None:
        return text_match
    return _fuzzy(index, query)


def _free_text(index: Index, query: str) -> Match | None:
    """Conditions whose name or alias appears, word for word, inside a longer query."""
    words = tokens(query)
    found: dict[str, tuple[int, int, str]] = {}
    for start, word in enumerate(words):
        for phrase, cid, text in index.phrases_for(word):
            if words[start : start + len(phrase)] == phrase:
                score = (len(phrase), len(text))
                best = found.get(cid)
                if best is None or score > best[:2]:
                    found[cid] = (*score, text)
    if not found:
        return None
    # Several conditions named: show the most cautious one, so a warning is never hidden.
    ranked = sorted(
        ((index.condition(cid), words, length, text) for cid, (words, length, text) in found.items()),
        key=lambda item: (item[0].verdict.rank, item[1], item[2]),
        reverse=True,
    )
    chosen, _, _, text = ranked[0]
    return Match(chosen, "text", text, tuple(item[0] for item in ranked[1:]))


class _Similarity:
    """Similarity of many strings to one query, reusing difflib's work on the query side."""

    def __init__(self, query: str) -> None:
        import difflib

        self.length = len(query)
        self.matcher = difflib.SequenceMatcher(None, "", query, autojunk=False)

    def __call__(self, text: str) -> float:
        total = len(text) + self.length
        if not total or 2 * min(len(text), self.length) / total < FUZZY_SUGGEST:
            return 0.0  # the lengths alone rule it out
        self.matcher.set_seq1(text)
        if self.matcher.quick_ratio() < FUZZY_SUGGEST:
            return 0.0
        return self.matcher.ratio()


def _ranked(index: Index, query: str) -> list[tuple[float, str, str]]:
    """Condition ids by how closely any of their names resembles the query, best first."""
    whole = _Similarity(compact(query))
    # A real English word is what the person meant ("sprained", "ankle"), never a typo of a name.
    parts = [
        _Similarity(compact(w))
        for w in normalise(query).split()
        if len(w) >= 5 and w not in STOPWORDS and not is_english(w)
    ]
    best: dict[str, tuple[float, str, str]] = {}
    for key, cid, text in index.all_keys():
        score = whole(key)
        if len(parts) > 1 and len(key) >= 5 and " " not in text.strip():
            score = max([score] + [part(key) for part in parts])
        if score and (cid not in best or score > best[cid][0]):
            best[cid] = (score, cid, text)
    return sorted(best.values(), key=lambda item: item[0], reverse=True)


def _fuzzy(index: Index, query: str) -> Match | NoMatch:
    named = body_parts_named(query)
    # A query that names a body part is never answered, or offered, a condition of another part.
    ranked = [
        item for item in _ranked(index, query) if not other_body_part(named, index.condition(item[1]).body_parts)
    ]
    if ranked and ranked[0][0] >= FUZZY_ACCEPT:
        runner_up = ranked[1][0] if len(ranked) > 1 else 0.0
        if ranked[0][0] - runner_up >= FUZZY_MARGIN:
            return Match(index.condition(ranked[0][1]), "fuzzy", ranked[0][2])
    return NoMatch(tuple(index.condition(cid).name for score, cid, _ in ranked[:3] if score >= FUZZY_SUGGEST))


def _by_code(index: Index, code: str) -> Match | NoMatch:
    """The entry a code leads to: the code itself, the codes under a heading, or a code above it."""
    found = index.code_get(code)
    if found is not None:
        condition = index.condition(found[0])
        note = condition.code_note(found[1])
        if len(code) == 7 and code != code_key_of(found[1]):
            note = (
                f"{show_code(code)} is the same injury as {found[1]}, for a different kind of visit "
                f"(the last character). {note}"
            ).strip()
        return Match(condition, "icd10", found[1], note=note)
    under = list(dict.fromkeys(index.codes_starting(code)))
    if code in RETIRED_CODES:
        return NoMatch(tuple(index.condition(cid).name for cid in under[:3]), RETIRED_CODES[code])
    if len(under) == 1:
        note = f"{show_code(code)} is a heading code; the exact codes under it lead to this entry."
        return Match(index.condition(under[0]), "icd10", show_code(code), note=note)
    if under:
        note = f"{show_code(code)} is a heading code; the exact codes under it lead to several entries."
        return NoMatch(tuple(index.condition(cid).name for cid in under[:3]), note)
    for end in range(len(code) - 1, 2, -1):
        found = index.code_get(code[:end])
        if found is not None:
            return Match(index.condition(found[0]), "icd10", found[1])
    return NoMatch(_code_suggestions(index, code))


def _code_suggestions(index: Index, code: str) -> tuple[str, ...]:
    """Conditions listing more specific codes under the query (M54.5 -> M54.50, M54.51), or else
    conditions in the same category (the first three characters)."""
    ids = index.codes_starting(code) or index.codes_starting(code[:3])
    return tuple(index.condition(cid).name for cid in list(dict.fromkeys(ids))[:3])


# --------------------------------------------------------------------------- full-text search


def _words(texts: Iterable[str]) -> set[str]:
    return {w for text in texts for w in tokens(text) if w not in STOPWORDS}


class Hit(NamedTuple):
    """A search result and its score."""

    condition: Condition
    score: float


def search(kb: KnowledgeBase, text: str) -> list[Hit]:
    """Conditions ranked by how many of the query's words appear in their names and advice."""
    wanted = [w for w in dict.fromkeys(tokens(text[:MAX_QUERY])) if w not in STOPWORDS]
    if not wanted:
        return []
    hits = []
    for condition in kb.conditions:
        names = _words([condition.id, condition.name, *condition.aliases, condition.category])
        summary = _words([condition.summary])
        advice = _words(
            [
                *condition.benefits,
                *condition.precautions,
                *condition.see_a_doctor_if,
                *condition.cannot_replace,
                condition.evidence.summary,
            ]
        )
        score = 0.0
        matched = 0
        for word in wanted:
            weight = 3.0 if word in names else 2.0 if word in summary else 1.0 if word in advice else 0.0
            score += weight
            matched += weight > 0
        if matched:
            # Conditions that contain every word come first.
            hits.append(Hit(condition, score + 10.0 * (matched == len(wanted))))
    return sorted(hits, key=lambda h: (-h.score, h.condition.name))


# --------------------------------------------------------------------------- FAQ


def find_faq(kb: KnowledgeBase, topic: str) -> Faq | None:
    """The question a topic points to: by id, then by topic words and question words."""
    key = compact(topic)
    for faq in kb.faq:
        if compact(faq.id) == key:
            return faq
    wanted = {w for w in tokens(topic[:MAX_QUERY]) if w not in STOPWORDS}
    if not wanted:
        return None
    best: tuple[float, Faq] | None = None
    for faq in kb.faq:
        topic_words = _words(faq.topics)
        question_words = _words([faq.question])
        score = sum(2.0 if w in topic_words else 1.0 if w in question_words else 0.0 for w in wanted)
        if score and (best is None or score > best[0]):
            best = (score, faq)
    return best[1] if best else None
