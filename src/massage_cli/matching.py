"""Normalise what people type and find the condition, FAQ or search hits it points to."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from functools import lru_cache
from typing import NamedTuple

from .icd10 import CodeInfo, parse_codes, show
from .icd10 import key_of as code_key_of
from .model import Condition, Faq, KnowledgeBase, Verdict
from .redflags import RedFlagIndex
from .statements import _Lazy  # a pattern compiled on first use: an exact name needs none of these
from .words import (  # noqa: F401 (re-exported)
    MAX_QUERY,
    STOPWORDS,
    body_parts_named,
    compact,
    content_tokens,
    expand_contractions,
    is_english,
    normalise,
    other_body_part,
    stem,
    tokens,
)

# The end of a bone is its "head" in code titles ("radial head", "head of femur"): not the head.
_BONE_HEADS = _Lazy(
    r"\b(?:radial|femoral|humeral|fibular|metatarsal|metacarpal|ulnar|talar|pancreatic)\s+heads?\b"
    r"|\bheads?\s+of\s+(?:the\s+)?\w+",
    re.IGNORECASE,
)

ICD10_RELEASE = "April 2026"
"""The code set the shipped titles come from (scripts/build_icd10_titles.py)."""

# Figures of speech whose words would otherwise name a condition ("wound up" is tense, not a wound;
# hay fever is an allergy, not a fever).
_IDIOMS = _Lazy(
    r"\bwound up\b|\b(?:fell|fall|falls|falling) asleep\b|\b(?:hay|cabin|spring) fever\b", re.IGNORECASE
)
# Places that name one body part with the word of another: the back of the heel is the heel, and
# an arm lifted above the head says nothing about the head.
_PLACES = _Lazy(
    r"\b(?:the |at the |in the )?back of (?:the |my |your |his |her |their )?"
    r"(heels?|ankles?|legs?|knees?|neck|head|hands?|thighs?|calf|calves|arms?|throat|eyes?|skull)\b"
    r"|\b(?:above|over) (?:my|your|his|her|their|the) heads?\b",
    re.IGNORECASE,
)

FUZZY_ACCEPT = 0.85
"""Similarity at or above which a typo is corrected to a single clear best match."""
FUZZY_MARGIN = 0.08
"""How far ahead of the next condition the best match must be to be taken."""
FUZZY_SUGGEST = 0.75
"""Similarity at or above which a condition is offered as a suggestion."""


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
    code: CodeInfo | None = None
    """The ICD-10-CM code the query gave, as the official code set lists it."""


class NoMatch(NamedTuple):
    """Nothing matched; the closest names, if any."""

    suggestions: tuple[str, ...]
    note: str = ""
    """Why nothing matched, when there is more to say (a retired or heading code), or ''."""
    code: CodeInfo | None = None
    """The ICD-10-CM code the query gave, as the official code set lists it."""


RETIRED_CODES = {
    "M545": (
        "M54.5 is no longer a billable ICD-10-CM code. Since 1 October 2021 it is split into "
        "M54.50 (low back pain, unspecified), M54.51 (vertebrogenic low back pain) and "
        "M54.59 (other low back pain). Ask for the new code; the entries it now leads to are suggested."
    ),
}
"""Codes still written on notes that the code set no longer allows, keyed without the dot
(CMS, FY2022 ICD-10-CM update: https://www.cms.gov/medicare/coding-billing/icd-10-codes)."""


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
        self.parts: dict[str, list[str]] = {}
        """Body part -> ids of the conditions that sit there, in knowledge-base order."""
        self.by_id: dict[str, Condition] = {}
        self._flags: RedFlagIndex | None = None
        self._sign_words: frozenset[str] | None = None
        self._typos: _TypoIndex | None = None

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
            for part in condition.body_parts:
                index.parts.setdefault(part, []).append(condition.id)
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

    def ids_at(self, part: str) -> list[str]:
        """Ids of the conditions on this part of the body."""
        return self.parts.get(part, [])

    def condition(self, condition_id: str) -> Condition:
        """The condition with this id."""
        return self.by_id[condition_id]

    def red_flag_index(self) -> RedFlagIndex:
        """The red-flag matcher for this knowledge base (built on first use)."""
        if self._flags is None:
            self._flags = RedFlagIndex.for_flags(self.kb.red_flags, self.kb.concepts)
        return self._flags

    def sign_words(self) -> frozenset[str]:
        """Every word (and one-letter-shorter form) of every sign: a query with none of them names
        no sign, and needs no scan."""
        if self._sign_words is None:
            self._sign_words = frozenset(self.red_flag_index().variants)
        return self._sign_words

    def typo_index(self) -> _TypoIndex:
        """Every name and alias prepared for typo matching and word overlap (built on first use)."""
        if self._typos is None:
            self._typos = _TypoIndex(self.all_keys())
        return self._typos


GENERIC = frozenset(
    [
        "pain",
        "painful",
        "ache",
        "aching",
        "achy",
        "hurt",
        "hurting",
        "sore",
        "soreness",
        "tight",
        "stiff",
        "problem",
        "issue",
        "bad",
        "condition",
        "syndrome",
        "disease",
        "disorder",
        "massage",
        "help",
        "can",
        "will",
        "should",
        "ok",
        "okay",
        "safe",
        "get",
        "have",
        "after",
        "from",
        "work",
        "new",
        "old",
        "long",
        "term",
        "chronic",
        "left",
        "right",
        "side",
        "both",
    ]
)
"""Words too common to say which condition is meant: sharing only these is no reason to suggest."""

# What people wrap around the words that matter ("does massage help with ...", "... is killing me").
_FILLER_PATTERN = (
    r"^(?:(?:please|hi|hello|hey|so|ok|okay|um|also)\s+)*"
    r"(?:(?:does|do|can|will|would|could|is|are|should)\s+(?:a\s+)?(?:massages?|massage therapy)\s+"
    r"(?:really\s+)?(?:help|work|good|ok|okay|safe|bad)(?:\s+(?:with|for|if|when))?"
    r"(?:\s+(?:i|you)\s+(?:have|has|got|get))?(?:\s+(?:a|an|my|the))?\s+"
    r"|(?:is\s+it|it\s+is|are\s+they)\s+(?:ok|okay|safe|fine|good|alright|bad)\s+to\s+(?:get|have|book)\s+"
    r"(?:a\s+)?massages?\s+(?:with|for|if|when|during|after)\s+(?:i\s+(?:have|had|am|got)\s+)?(?:a\s+|an\s+|my\s+)?"
    r"|(?:massages?|massage therapy)\s+(?:for|with|during|after|on)\s+(?:a\s+|an\s+|my\s+)?"
    r"|(?:what|how)\s+about\s+(?:a\s+|an\s+|my\s+)?"
    r"|i\s+(?:think\s+i\s+)?(?:have|has|had|got|get|am\s+having|suffer\s+from|ve\s+got)\s+(?:got\s+)?(?:a\s+|an\s+|some\s+)?"
    r"|(?:i\s+am|im)\s+(?:suffering\s+from|having|dealing\s+with)\s+(?:a\s+|an\s+)?"
    r")+"
)
_FILLER_END_PATTERN = r"\s+(?:is|are)\s+killing\s+me.*$|\s+(?:please|thanks|thank you)$"


@lru_cache(maxsize=1)
def _filler() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """The question frames, compiled on first use (an exact name never needs them)."""
    return re.compile(_FILLER_PATTERN), re.compile(_FILLER_END_PATTERN)


def strip_filler(query: str) -> str:
    """The words that carry meaning: question frames and padding removed, word order kept."""
    text = expand_contractions(query[:MAX_QUERY])
    frames, endings = _filler()
    core = endings.sub("", frames.sub("", text)).strip()
    return core or text


def lookup(index: Index, query: str) -> Match | NoMatch:
    """Find the condition a query names: by id, name, alias, code, free text, body part, then typo."""
    query = query[:MAX_QUERY]
    key = compact(query)
    if not key:
        return NoMatch(())
    hit = index.exact_get(key)
    if hit is not None:
        return Match(index.condition(hit[0]), hit[1], hit[2])
    codes = parse_codes(query)
    if codes:
        return _by_codes(index, codes)
    query = _PLACES.sub(lambda m: f" {m.group(1)} " if m.group(1) else " overhead ", _IDIOMS.sub(" ", query))
    core = strip_filler(query)
    hit = index.exact_get(compact(core)) if core else None
    if hit is not None:  # the name, inside a question or sentence: found in text, not as typed
        return Match(index.condition(hit[0]), "text", hit[2])
    found = _free_text(index, query) or _any_order(index, core)
    if found is not None:
        return found
    named = body_parts_named(core)
    rest = [w for w in _content(tokens(core)) if w not in GENERIC and not body_parts_named(w)]
    if named and not rest:
        return _body_part(index, core, named)
    typo = _fuzzy(index, core, named)
    if isinstance(typo, Match) or not named:
        return typo
    return _body_part(index, core, named)


def _most_cautious(index: Index, found: dict[str, tuple[int, int, str]], how: str) -> Match:
    """Several conditions named: show the most cautious one, so a warning is never hidden."""
    ranked = sorted(
        ((index.condition(cid), words, length, text) for cid, (words, length, text) in found.items()),
        key=lambda item: (item[0].verdict.rank, item[1], item[2]),
        reverse=True,
    )
    chosen, _, _, text = ranked[0]
    return Match(chosen, how, text, tuple(item[0] for item in ranked[1:]))


def _free_text(index: Index, query: str) -> Match | None:
    """Conditions whose name or alias appears, word for word, inside a longer query. A name that
    lies inside a longer one found there ("burn" inside "healed burn scar") is not counted."""
    words = tokens(query)
    spans: list[tuple[int, int, str, str]] = []
    for start, word in enumerate(words):
        for phrase, cid, text in index.phrases_for(word):
            if words[start : start + len(phrase)] == phrase:
                spans.append((start, start + len(phrase), cid, text))
    found: dict[str, tuple[int, int, str]] = {}
    for start, end, cid, text in spans:
        if any(
            s <= start and end <= e and (e - s) > (end - start) for s, e, other, _ in spans if other != cid
        ):
            continue
        score = (end - start, len(text))
        best = found.get(cid)
        if best is None or score > best[:2]:
            found[cid] = (*score, text)
    return _most_cautious(index, found, "text") if found else None


def _content(words: Iterable[str]) -> list[str]:
    return [w for w in dict.fromkeys(words) if w not in STOPWORDS]


def _any_order(index: Index, query: str) -> Match | None:
    """Names and aliases of two or more words whose words all appear close together, in any order
    ("my lower back is sore" names "sore lower back")."""
    words = tokens(query)
    where: dict[str, list[int]] = {}
    for position, word in enumerate(words):
        where.setdefault(word, []).append(position)
    found: dict[str, tuple[int, int, str]] = {}
    for word in dict.fromkeys(words):
        for phrase, cid, text in index.phrases_for(word):
            wanted = _content(phrase)
            if len(wanted) < 2 or not all(w in where for w in wanted):
                continue
            spots = sorted(min(where[w]) for w in wanted)
            if spots[-1] - spots[0] > len(wanted) + 3:
                continue  # the words are too far apart to be one phrase
            score = (len(wanted), len(text))
            best = found.get(cid)
            if best is None or score > best[:2]:
                found[cid] = (*score, text)
    return _most_cautious(index, found, "text") if found else None


def _body_part(index: Index, query: str, named: frozenset[str]) -> Match | NoMatch:
    """A query that names a body part and nothing more specific: the general entry for that part
    (the one with the alias '<part word> pain'), or else a short menu of the entries there."""
    found: dict[str, tuple[int, int, str]] = {}
    for word in dict.fromkeys(tokens(query)):
        if body_parts_named(word):
            for general in (f"{word} pain", f"{word}ache", f"sore {word}"):
                hit = index.exact_get(compact(general))
                if hit is not None and set(index.condition(hit[0]).body_parts) & named:
                    found.setdefault(hit[0], (1, len(general), hit[2]))
                    break
    if found:
        return _most_cautious(index, found, "body-part")
    return NoMatch(_suggest(index, query, named))


class _TypoIndex:
    """Names and aliases as rapidfuzz choices, and the words of each, built once per process."""

    def __init__(self, keys: Iterable[tuple[str, str, str]]) -> None:
        rows = list(keys)
        self.choices = [key for key, _, _ in rows]
        self.owners = [(cid, text) for _, cid, text in rows]
        self.single = [
            i for i, (_, _, text) in enumerate(rows) if " " not in text.strip() and len(rows[i][0]) >= 5
        ]
        self.words: dict[str, set[str]] = {}
        """A meaningful word of a name or alias -> the condition ids whose names use it."""
        for _, cid, text in rows:
            for word in _content(tokens(text)):
                if word not in GENERIC:
                    self.words.setdefault(word, set()).add(cid)

    def ranked(self, query: str) -> list[tuple[float, str, str]]:
        """Condition ids by how closely any of their names resembles the query, best first."""
        from rapidfuzz import fuzz, process

        best: dict[str, tuple[float, str, str]] = {}

        def take(found: Iterable[tuple[str, float, int]], offset: list[int] | None = None) -> None:
            for _, score, i in found:
                cid, text = self.owners[offset[i] if offset is not None else i]
                if cid not in best or score / 100 > best[cid][0]:
                    best[cid] = (score / 100, cid, text)

        cutoff = FUZZY_SUGGEST * 100
        take(process.extract(compact(query), self.choices, scorer=fuzz.ratio, score_cutoff=cutoff, limit=50))
        # A real English word is what the person meant ("sprained", "ankle"), never a typo of a name.
        parts = [
            w for w in normalise(query).split() if len(w) >= 5 and w not in STOPWORDS and not is_english(w)
        ]
        if len(parts) > 1 or (parts and compact(query) != parts[0]):
            singles = [self.choices[i] for i in self.single]
            for part in parts:
                take(
                    process.extract(part, singles, scorer=fuzz.ratio, score_cutoff=cutoff, limit=20),
                    self.single,
                )
        return sorted(best.values(), key=lambda item: item[0], reverse=True)


def _fuzzy(index: Index, query: str, named: frozenset[str]) -> Match | NoMatch:
    # A query that names a body part is never answered, or offered, a condition of another part.
    ranked = [
        item
        for item in index.typo_index().ranked(query)
        if not other_body_part(named, index.condition(item[1]).body_parts)
    ]
    if ranked and ranked[0][0] >= FUZZY_ACCEPT:
        runner_up = ranked[1][0] if len(ranked) > 1 else 0.0
        if ranked[0][0] - runner_up >= FUZZY_MARGIN:
            return Match(index.condition(ranked[0][1]), "fuzzy", ranked[0][2])
    return NoMatch(_suggest(index, query, named, ranked))


def _suggest(
    index: Index, query: str, named: frozenset[str], ranked: list[tuple[float, str, str]] | None = None
) -> tuple[str, ...]:
    """At most three names to offer, by meaning before spelling: the body part the query names,
    the meaningful words it shares, then how it is spelt. Never another body part, and never an
    urgent condition on spelling alone."""
    typos = index.typo_index()
    if ranked is None:
        ranked = index.typo_index().ranked(query)
    spelling = {cid: score for score, cid, _ in ranked}
    shared: dict[str, int] = {}
    for word in _content(tokens(query)):
        for cid in typos.words.get(word, ()):
            shared[cid] = shared.get(cid, 0) + 1
    at_part = [cid for part in sorted(named) for cid in index.ids_at(part)]
    candidates = dict.fromkeys([*at_part, *shared, *spelling])
    scored: list[tuple[tuple[bool, int, bool, int, float], str]] = []
    for cid in candidates:
        condition = index.condition(cid)
        if other_body_part(named, condition.body_parts):
            continue
        on_part = bool(named & set(condition.body_parts))
        if named and not (on_part or shared.get(cid)):
            continue  # a query about one part of the body: only that part, or shared words
        if condition.verdict is Verdict.URGENT and not (on_part or shared.get(cid)):
            continue  # never offer a frightening answer because of spelling alone
        # Within a body part: entries sharing the query's words, then ordinary before urgent ones,
        # then entries of that part alone before those spread over many parts, then spelling.
        key = (
            on_part,
            shared.get(cid, 0),
            condition.verdict is not Verdict.URGENT,
            -len(condition.body_parts),
            spelling.get(cid, 0.0),
        )
        scored.append((key, condition.name))
    scored.sort(key=lambda item: item[0], reverse=True)
    return tuple(name for _, name in scored[:3])


def _by_codes(index: Index, codes: list[str]) -> Match | NoMatch:
    """The answer to one or more codes copied from a note. Several codes: the most cautious entry
    they lead to, with the others named (as when words name several conditions), so that a
    warning is never hidden behind a milder code."""
    results = [_by_code(index, code) for code in codes]
    if len(results) == 1:
        return results[0]
    found = [r for r in results if isinstance(r, Match)]
    missed = [show(code) for code, r in zip(codes, results) if isinstance(r, NoMatch)]
    note = f"No entry for {', '.join(missed)}." if missed else ""
    if not found:
        names = tuple(dict.fromkeys(n for r in results if isinstance(r, NoMatch) for n in r.suggestions))
        return NoMatch(names[:3], note)
    found.sort(key=lambda m: m.condition.verdict.rank, reverse=True)
    chosen = found[0]
    also = tuple(dict.fromkeys(m.condition for m in found[1:] if m.condition.id != chosen.condition.id))
    return chosen._replace(also=also, note=" ".join(n for n in (chosen.note, note) if n))


def _by_code(index: Index, code: str) -> Match | NoMatch:
    """The entry a code leads to: the code itself, the codes under a heading, the code's official
    title, or a code above it."""
    from .icd10 import lookup as official

    info = official(code)
    found = index.code_get(code)
    if found is None and len(code) == 7:
        found = index.code_get(code[:6])  # the same injury with another 7th character
    if found is not None:
        condition = index.condition(found[0])
        note = condition.code_note(found[1])
        if len(code) == 7 and code != code_key_of(found[1]):
            note = (
                f"{show(code)} is the same injury as {found[1]}, for a different kind of visit "
                f"(the last character). {note}"
            ).strip()
        return Match(condition, "icd10", found[1], note=note, code=info)
    under = list(dict.fromkeys(index.codes_starting(code)))
    if code in RETIRED_CODES:
        return NoMatch(tuple(index.condition(cid).name for cid in under[:3]), RETIRED_CODES[code], info)
    if len(under) == 1:
        note = f"{show(code)} is a heading code; the exact codes under it lead to this entry."
        return Match(index.condition(under[0]), "icd10", show(code), note=note, code=info)
    if under:
        note = f"{show(code)} is a heading code; the exact codes under it lead to several entries."
        return NoMatch(tuple(index.condition(cid).name for cid in under[:3]), note, info)
    if info is None:
        note = f"{show(code)} is not a code in the ICD-10-CM code set ({ICD10_RELEASE})."
        return NoMatch(_code_suggestions(index, code), note)
    # A real code the knowledge base does not list: answer from its official title.
    kind = "" if info.billable else " (a heading, not a billable code)"
    note = f"{info.code} is '{info.title}'{kind}. No entry lists this code; this answer comes from its title."
    # External causes (V-Y: how an injury happened) say nothing about the condition itself.
    place = _BONE_HEADS.sub(" ", info.title)
    named = body_parts_named(place)
    by_title = None if code[0] in "VWXY" else _free_text(index, info.title) or _any_order(index, info.title)
    # A title that names a body part is never answered with an entry of another part (an ACL
    # sprain of the knee is not a back sprain).
    if by_title is not None and not other_body_part(named, by_title.condition.body_parts):
        return Match(by_title.condition, "icd10-title", info.title, by_title.also, note, info)
    for end in range(len(code) - 1, 2, -1):
        found = index.code_get(code[:end])
        if found is not None:
            return Match(index.condition(found[0]), "icd10", found[1], note=note, code=info)
    # Titles name anatomy ("radial head"), so a body part in one only offers a menu, never an answer.
    suggestions = _suggest(index, place, named) if named else _code_suggestions(index, code)
    note = f"{info.code} is '{info.title}'{kind}. No entry lists this code."
    return NoMatch(suggestions, note, info)


def _code_suggestions(index: Index, code: str) -> tuple[str, ...]:
    """Conditions listing more specific codes under the query (M54.5 -> M54.50, M54.51), or else
    conditions in the same category (the first three characters)."""
    ids = index.codes_starting(code) or index.codes_starting(code[:3])
    return tuple(index.condition(cid).name for cid in list(dict.fromkeys(ids))[:3])


# --------------------------------------------------------------------------- full-text search


def _words(texts: Iterable[str]) -> set[str]:
    return {w for text in texts for w in content_tokens(text)}


class Hit(NamedTuple):
    """A search result and its score."""

    condition: Condition
    score: float


_FIELD_WEIGHTS = (3.0, 2.0, 1.0)
"""A word in the name counts more than one in an alias, which counts more than one in the advice."""
_K1, _B = 1.2, 0.75  # the usual BM25 constants


def _fields(condition: Condition) -> tuple[list[str], list[str], list[str]]:
    """The words of a condition's name, its aliases and its advice, as search sees them."""
    advice = [
        condition.summary,
        *condition.benefits,
        *condition.precautions,
        *(item.line for item in condition.see_a_doctor_if),
        *condition.cannot_replace,
        condition.evidence.summary,
    ]
    return (
        content_tokens(f"{condition.name} {condition.id}"),
        content_tokens(" ".join([*condition.aliases, condition.category])),
        content_tokens(" ".join(advice)),
    )


def search(kb: KnowledgeBase, text: str) -> list[Hit]:
    """Conditions ranked BM25-style: rare words count more than common ones, a word in a name more
    than in an alias or the advice, and covering more of the query more. Hits that share only
    generic words ("pain", "sore") are dropped, so a query of generic words alone finds nothing
    (see `only_generic`)."""
    words = list(dict.fromkeys(content_tokens(text[:MAX_QUERY])))
    wanted = [w for w in words if w not in GENERIC]
    if not wanted:
        return []
    docs = [(condition, _fields(condition)) for condition in kb.conditions]
    average = [max(1.0, sum(len(f[i]) for _, f in docs) / max(1, len(docs))) for i in range(3)]
    frequency = {w: sum(1 for _, f in docs if any(w in field for field in f)) for w in words}
    hits = []
    for condition, fields in docs:
        score = 0.0
        covered = 0
        for word in words:
            if not frequency[word]:
                continue
            rarity = math.log(1 + (len(docs) - frequency[word] + 0.5) / (frequency[word] + 0.5))
            part = 0.0
            for weight, field, avg in zip(_FIELD_WEIGHTS, fields, average):
                count = field.count(word)
                if count:
                    part += weight * count * (_K1 + 1) / (count + _K1 * (1 - _B + _B * len(field) / avg))
            score += rarity * part
            covered += part > 0 and word in wanted
        if covered:
            hits.append(Hit(condition, round(score * covered / len(wanted), 3)))
    # Ties go to the entry whose name is most about the words (fewest other words in it).
    return sorted(hits, key=lambda h: (-h.score, len(_fields(h.condition)[0]), h.condition.id))


def only_generic(text: str) -> bool:
    """Whether a search has words, all of them generic ("pain", "sore"): too general to rank by."""
    words = content_tokens(text[:MAX_QUERY])
    return bool(words) and all(w in GENERIC for w in words)


# --------------------------------------------------------------------------- FAQ


def find_faq(kb: KnowledgeBase, topic: str) -> Faq | None:
    """The question a topic points to: by id, then by topic words and question words."""
    key = compact(topic)
    for faq in kb.faq:
        if compact(faq.id) == key:
            return faq
    wanted = set(content_tokens(topic[:MAX_QUERY]))
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


def faq_typos(kb: KnowledgeBase, topic: str) -> dict[str, str]:
    """Typed words that are clear typos of a word of the questions, their ids or topics
    ("medicaire" -> "medicare"), by the rules `check` uses: one clear best match at FUZZY_ACCEPT or
    above, and never a real English word or a short one."""
    vocabulary = {
        w for faq in kb.faq for text in (faq.id, faq.question, *faq.topics) for w in normalise(text).split()
    }
    typed = [
        w
        for w in dict.fromkeys(normalise(topic[:MAX_QUERY]).split())
        if len(w) >= 5 and w not in vocabulary and w not in STOPWORDS and not is_english(w)
    ]
    if not typed:
        return {}
    from rapidfuzz import fuzz, process  # only for a topic no question matches

    choices = sorted(vocabulary)
    found = {}
    for word in typed:
        ranked = process.extract(word, choices, scorer=fuzz.ratio, limit=2)
        best = ranked[0][1] / 100 if ranked else 0.0
        runner_up = ranked[1][1] / 100 if len(ranked) > 1 else 0.0
        if best >= FUZZY_ACCEPT and best - runner_up >= FUZZY_MARGIN:
            found[word] = ranked[0][0]
    return found
