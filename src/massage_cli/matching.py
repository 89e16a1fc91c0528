"""Normalise what people type and find the condition, FAQ or search hits it points to."""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from .model import Condition, Faq, KnowledgeBase

_NON_WORD = re.compile(r"[^0-9a-z]+")
_CODE_QUERY = re.compile(r"^[A-Z][0-9][0-9A-Z][0-9A-Z]{0,4}$")
_CONTRACTIONS = {
    "can't": "cannot",
    "cant": "cannot",
    "won't": "will not",
    "wont": "will not",
    "i'm": "i am",
    "im": "i am",
    "i've": "i have",
    "ive": "i have",
    "it's": "it is",
    "i'd": "i would",
    "i'll": "i will",
    "doesnt": "does not",
    "dont": "do not",
    "didnt": "did not",
    "isnt": "is not",
    "arent": "are not",
    "havent": "have not",
    "hasnt": "has not",
    "couldnt": "could not",
    "wasnt": "was not",
}
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'", "\u02bc": "'"})
STOPWORDS = frozenset(
    "a an the and or of in on at to for from with my me i im is am are was were be been being "
    "have has had do does did it its this that these those some any very really so just "
    "since after before about your you our we they he she his her them their there here "
    "when while what which who how get got getting".split()
)

FUZZY_ACCEPT = 0.85
"""Similarity at or above which a typo is corrected to a single clear best match."""
FUZZY_MARGIN = 0.08
"""How far ahead of the next condition the best match must be to be taken."""
FUZZY_SUGGEST = 0.65
"""Similarity at or above which a condition is offered as a suggestion."""
MAX_QUERY = 1000
"""Characters of a query that are looked at; the rest is ignored."""


def _fold(text: str) -> str:
    """Lower case, accents removed, curly apostrophes made straight."""
    text = text[: MAX_QUERY * 4]
    if text.isascii():  # the common case, and a hot path when indexing large knowledge bases
        return text.lower().replace("`", "'")
    text = unicodedata.normalize("NFKD", text.translate(_APOSTROPHES))
    return "".join(ch for ch in text if not unicodedata.combining(ch)).lower()


def normalise(text: str) -> str:
    """Lower-case words separated by single spaces; punctuation, hyphens and accents dropped."""
    return " ".join(_NON_WORD.sub(" ", _fold(text).replace("'", "")).split())


def compact(text: str) -> str:
    """The normalised text with no spaces at all, for comparing names that differ only in spacing."""
    return normalise(text).replace(" ", "")


def expand_contractions(text: str) -> str:
    """Lower-case words with contractions spelled out (can't -> cannot, i'm -> i am)."""
    words = []
    for word in _fold(text).split():
        bare = word.strip(".,;:!?\"()[]{}")
        if bare in _CONTRACTIONS:
            words.append(_CONTRACTIONS[bare])
        elif bare.endswith("n't"):
            words.append(bare[:-3] + " not")
        else:
            words.append(word)
    return normalise(" ".join(words))


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A light stem so that plurals and simple verb forms meet (legs -> leg, hurts -> hurt)."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def tokens(text: str) -> tuple[str, ...]:
    """Stemmed words of the text, in order."""
    return tuple(stem(w) for w in expand_contractions(text).split())


def code_key(text: str) -> str | None:
    """The ICD-10-CM code a query spells (upper case, no dot), or None if it is not code-shaped."""
    key = re.sub(r"[\s.]", "", text).upper()
    return key if _CODE_QUERY.match(key) else None


@dataclass(frozen=True)
class Match:
    """The condition a query found, and how it was found."""

    condition: Condition
    matched_by: str
    """id, name, alias, icd10, fuzzy or text."""
    matched_text: str
    """The name, alias or code that matched."""
    also: tuple[Condition, ...] = ()
    """Other conditions the query also names (free text only)."""


@dataclass(frozen=True)
class NoMatch:
    """Nothing matched; the closest names, if any."""

    suggestions: tuple[str, ...]


@dataclass
class Index:
    """Lookup tables built once from a knowledge base."""

    kb: KnowledgeBase
    exact: dict[str, tuple[Condition, str, str]] = field(default_factory=dict)
    codes: dict[str, tuple[Condition, str]] = field(default_factory=dict)
    phrases: dict[str, list[tuple[tuple[str, ...], Condition, str]]] = field(default_factory=dict)
    keys: list[tuple[str, Condition, str]] = field(default_factory=list)

    @classmethod
    def build(cls, kb: KnowledgeBase) -> Index:
        index = cls(kb)
        for condition in kb.conditions:
            named = [("id", condition.id), ("name", condition.name)]
            named += [("alias", alias) for alias in condition.aliases]
            for kind, text in named:
                key = compact(text)
                if not key:
                    continue
                index.exact.setdefault(key, (condition, kind, text))
                index.keys.append((key, condition, text))
                words = tokens(text)
                if words:
                    index.phrases.setdefault(words[0], []).append((words, condition, text))
            for code in condition.icd10:
                index.codes.setdefault(code.replace(".", "").upper(), (condition, code))
        return index


def lookup(index: Index, query: str) -> Match | NoMatch:
    """Find the condition a query names: by id, name, alias, code, free text, then typo."""
    key = compact(query[:MAX_QUERY])
    if not key:
        return NoMatch(())
    hit = index.exact.get(key)
    if hit is not None:
        return Match(hit[0], hit[1], hit[2])
    code = code_key(query[:MAX_QUERY])
    if code is not None:
        for end in range(len(code), 2, -1):
            found = index.codes.get(code[:end])
            if found is not None:
                return Match(found[0], "icd10", found[1])
        return NoMatch(_code_suggestions(index, code))
    text_match = _free_text(index, query[:MAX_QUERY])
    if text_match is not None:
        return text_match
    return _fuzzy(index, query[:MAX_QUERY])


def _free_text(index: Index, query: str) -> Match | None:
    """Conditions whose name or alias appears, word for word, inside a longer query."""
    words = tokens(query)
    found: dict[str, tuple[int, int, Condition, str]] = {}
    for start, word in enumerate(words):
        for phrase, condition, text in index.phrases.get(word, ()):
            if words[start : start + len(phrase)] == phrase:
                score = (len(phrase), len(text))
                best = found.get(condition.id)
                if best is None or score > best[:2]:
                    found[condition.id] = (*score, condition, text)
    if not found:
        return None
    # Several conditions named: show the most cautious one, so a warning is never hidden.
    ranked = sorted(
        found.values(), key=lambda item: (item[2].verdict.rank, item[0], item[1]), reverse=True
    )
    best = ranked[0]
    return Match(best[2], "text", best[3], tuple(item[2] for item in ranked[1:]))


def _similarity(a: str, b: str) -> float:
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    if matcher.real_quick_ratio() < FUZZY_SUGGEST or matcher.quick_ratio() < FUZZY_SUGGEST:
        return 0.0
    return matcher.ratio()


def _ranked(index: Index, query: str) -> list[tuple[float, Condition, str]]:
    """Conditions by how closely any of their names resembles the query, best first."""
    whole = compact(query)
    parts = [compact(w) for w in normalise(query).split() if len(w) >= 5 and w not in STOPWORDS]
    best: dict[str, tuple[float, Condition, str]] = {}
    for key, condition, text in index.keys:
        if abs(len(key) - len(whole)) > len(whole):
            score = 0.0
        else:
            score = _similarity(whole, key)
        if len(parts) > 1 and " " not in text.strip() and len(key) >= 5:
            score = max([score] + [_similarity(p, key) for p in parts])
        if score and (condition.id not in best or score > best[condition.id][0]):
            best[condition.id] = (score, condition, text)
    return sorted(best.values(), key=lambda item: item[0], reverse=True)


def _fuzzy(index: Index, query: str) -> Match | NoMatch:
    ranked = _ranked(index, query)
    if ranked and ranked[0][0] >= FUZZY_ACCEPT:
        runner_up = ranked[1][0] if len(ranked) > 1 else 0.0
        if ranked[0][0] - runner_up >= FUZZY_MARGIN:
            return Match(ranked[0][1], "fuzzy", ranked[0][2])
    return NoMatch(tuple(c.name for score, c, _ in ranked[:3] if score >= FUZZY_SUGGEST))


def _code_suggestions(index: Index, code: str) -> tuple[str, ...]:
    """Conditions whose codes share the query's category (the first three characters)."""
    names = [c.name for key, (c, _) in index.codes.items() if key[:3] == code[:3]]
    return tuple(dict.fromkeys(names))[:3]


def suggest(index: Index, query: str) -> tuple[str, ...]:
    """Up to three condition names close to the query."""
    result = _fuzzy(index, query)
    return result.suggestions if isinstance(result, NoMatch) else (result.condition.name,)


# --------------------------------------------------------------------------- full-text search


def _words(texts: Iterable[str]) -> set[str]:
    return {w for text in texts for w in tokens(text) if w not in STOPWORDS}


@dataclass(frozen=True)
class Hit:
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
