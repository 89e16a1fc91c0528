"""Find warning signs (red flags) in what a person types.

A flag's phrase is found when every content word of the phrase appears in the query, in any order,
close together, allowing for plurals, simple verb endings and one-letter typos of words that are not
real English words ("feaver" is fever; "child" is not "chill"). A flag with `context` counts only
when one of its context phrases also appears (a history of cancer is a red flag with back pain, not
in a question about cancer care), and one with `min_age` does not count when the person states a
younger age. When unsure, flag: a needless "see a doctor" costs little; a missed cauda equina
syndrome costs a great deal.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Collection, Mapping
from functools import lru_cache
from typing import NamedTuple

from .model import Action, RedFlag
from .words import STOPWORDS, expand_contractions, is_english, stem

MAX_SCAN = 20_000
"""Characters of a query scanned for red flags (far more than any real description)."""
EXTRA_WORDS = 4
"""How many other words may stand between the words of one phrase."""
AGE_FLAG = "age-over-50"

# Words too common in back-pain talk to be "corrected" into something else by typo tolerance.
_NO_FUZZ = frozenset(
    [
        "back",
        "pain",
        "neck",
        "legs",
        "hurt",
        "hurts",
        "sore",
        "ache",
        "aches",
        "arms",
        "feet",
        "hand",
        "foot",
        "knee",
        "hips",
        "body",
        "head",
        "left",
        "right",
        "side",
        "lower",
        "upper",
        "week",
        "weeks",
        "month",
        "days",
    ]
)
# Real words that are one letter from a red-flag word: never "correct" them into one.
_REAL_WORDS = frozenset(
    [
        "never",
        "ever",
        "every",
        "cancel",
        "dancer",
        "answer",
        "crest",
        "fewer",
        "lever",
        "river",
        "cover",
        "clever",
        "ladder",
        "later",
        "water",
        "chest",
        "best",
        "rest",
        "test",
        "west",
        "nest",
        "pest",
        "lest",
        "chess",
        "cheat",
        "cheap",
        "lose",
        "lost",
        "host",
        "most",
        "post",
        "cost",
        "blister",
        "bladder",
        "leg",
        "log",
        "lug",
        "lag",
        "fell",
        "feel",
        "fall",
        "hall",
        "ball",
        "call",
        "wall",
        "tall",
        "bell",
        "well",
        "sell",
        "tell",
        "shin",
        "skin",
        "spin",
        "thin",
        "chin",
    ]
)
# Words that carry meaning in red-flag phrases and must not be dropped as stopwords.
_KEEP = frozenset(
    {"no", "not", "cannot", "both", "can", "all", "over", "down", "off", "up", "out", "on", "at", "night"}
)
_FLAG_STOPWORDS = STOPWORDS - _KEEP
# Everyday idioms whose words would otherwise read as a sign: falling asleep is not a fall.
_IDIOMS = re.compile(
    r"\b(?:fell|fall|falls|falling|fallen) (?:asleep|in love|behind|short|for it|apart|pregnant|ill|out with)\b"
    r"|\bchill(?:s|ed|ing)? out\b|\bchill pill\b"
)
_AGE = re.compile(
    r"\b(?:i am|age|aged|age of|i turned|turned)\s+(\d{2,3})\b"
    r"|\b(\d{2,3})\s*(?:years? old|yrs? old|year old|yo|y o)\b"
)


@lru_cache(maxsize=65536)
def flag_word(word: str) -> str:
    """A word reduced to a rough root: plurals, -ing and -ed removed."""
    word = stem(word)
    for ending in ("ing", "ed"):
        if word.endswith(ending) and len(word) - len(ending) >= 4:
            return word[: -len(ending)]
    return word


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def content_words(text: str) -> list[str]:
    """The meaningful words of a text, reduced to roots, in order."""
    return [flag_word(w) for w in raw_words(text)]


def raw_words(text: str, limit: int = MAX_SCAN) -> list[str]:
    """The meaningful words of a text as typed (lower case, contractions spelled out, idioms left
    out), in order."""
    text = _IDIOMS.sub(" ", expand_contractions(text, limit))
    return [w for w in text.split() if w not in _FLAG_STOPWORDS]


def _one_edit(a: str, b: str) -> bool:
    """Whether two words differ by one inserted, deleted or changed letter, or two swapped ones."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and a[diff[0]] == b[diff[1]]
            and a[diff[1]] == b[diff[0]]
        )
    short, long = sorted((a, b), key=len)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


class Phrase(NamedTuple):
    """The words of one phrasing, and the flag it raises."""

    words: tuple[str, ...]
    flag: RedFlag


def _add_variants(variants: defaultdict[str, set[str]], words: tuple[str, ...]) -> None:
    """Let each word, and each one-letter-shorter form of it, stand for the word."""
    for word in words:
        variants[word].add(word)
        if len(word) >= 5:
            for variant in _deletions(word):
                variants[variant].add(word)


class RedFlagIndex:
    """Red-flag phrases prepared once for fast, typo-tolerant scanning."""

    def __init__(self, flags: tuple[RedFlag, ...], vocabulary: frozenset[str] = frozenset()) -> None:
        self.flags = flags
        self.phrases: list[Phrase] = []
        self.by_word: dict[str, list[Phrase]] = defaultdict(list)
        """Each phrase under its first word: only phrases whose first word is present are checked."""
        self.variants: Mapping[str, Collection[str]] = {}
        """A phrase word, or the word with one letter removed, to the phrase words it stands for
        (sets when built, the lists as stored when read back from the cache: no copy at start-up)."""
        self.vocabulary = vocabulary
        """Real words (from the knowledge base's own text) that are never treated as typos."""
        self.contexts: dict[str, list[tuple[str, ...]]] = {}
        """Flag id -> the words of each context phrase; one must be present for the flag to count."""

    @classmethod
    def build(cls, flags: tuple[RedFlag, ...], vocabulary: frozenset[str] = frozenset()) -> RedFlagIndex:
        index = cls(flags, vocabulary=vocabulary | _REAL_WORDS)
        variants: defaultdict[str, set[str]] = defaultdict(set)
        index.variants = variants
        for flag in flags:
            for phrase in (*flag.phrases, flag.name):
                words = tuple(dict.fromkeys(content_words(phrase)))
                if not words or (phrase == flag.name and len(words) > 4):
                    continue
                index.phrases.append(Phrase(words, flag))
                index.by_word[words[0]].append(index.phrases[-1])
                _add_variants(variants, words)
            if flag.context:
                contexts = [tuple(dict.fromkeys(content_words(c))) for c in flag.context]
                index.contexts[flag.id] = [c for c in contexts if c]
                for words in index.contexts[flag.id]:
                    _add_variants(variants, words)
        return index

    @classmethod
    def for_flags(cls, flags: tuple[RedFlag, ...]) -> RedFlagIndex:
        """The matcher for a catalogue; its own explanations count as real words, never typos."""
        vocabulary = frozenset(w for flag in flags for w in raw_words(f"{flag.may_mean} {flag.message}"))
        return cls.build(flags, vocabulary)

    def _meanings(self, raw: str) -> set[str]:
        """The phrase words a query word can stand for: itself, or a one-letter typo of one."""
        word = flag_word(raw)
        found = {word} if word in self.variants else set()
        if raw in self.vocabulary or word in self.vocabulary or raw in _NO_FUZZ or len(raw) < 4:
            return found
        typos: set[str] = set()
        for form in {raw, word}:
            for key in {form} | (_deletions(form) if len(form) >= 5 else set()):
                typos |= {p for p in self.variants.get(key, ()) if _one_edit(form, p)}
        if not typos - found:
            return found
        # A real word is what the person meant, never a typo of a sign ("child" is not "chill",
        # "tripping" is not "ripping"). A misspelling whose stem happens to be a word ("lossing",
        # stem "loss") is still read as the sign it is one letter from, through its whole form.
        if is_english(raw):
            return found
        if is_english(word):
            typos = {
                p for key in {raw} | _deletions(raw) for p in self.variants.get(key, ()) if _one_edit(raw, p)
            }
        return found | typos

    def _positions(self, words: list[str]) -> dict[str, list[int]]:
        """Each phrase word the query words stand for, with where they stand."""
        positions: dict[str, list[int]] = defaultdict(list)
        for position, word in enumerate(words):
            for meaning in self._meanings(word):
                positions[meaning].append(position)
        return positions

    def detect(self, query: str, context: str = "") -> tuple[RedFlag, ...]:
        """The red flags the query describes, emergencies first.

        `context` is more text that counts for flags needing context but raises no flag of its own
        (the name of the condition the query matched: "Sciatica" is back pain).
        """
        text = query[:MAX_SCAN]
        positions = self._positions(raw_words(text))
        found: dict[str, RedFlag] = {}
        candidates = [phrase for word in list(positions) for phrase in self.by_word.get(word, ())]
        for phrase in candidates:
            if phrase.flag.id in found or not all(w in positions for w in phrase.words):
                continue
            if _span(phrase.words, positions) <= len(phrase.words) + EXTRA_WORDS:
                found[phrase.flag.id] = phrase.flag
        age = _stated_age(text)
        if AGE_FLAG not in found and age >= 50:
            for flag in self.flags:
                if flag.id == AGE_FLAG:
                    found[flag.id] = flag
        if any(flag.context for flag in found.values()):
            present = set(positions) | set(self._positions(raw_words(context)))
            found = {
                fid: flag
                for fid, flag in found.items()
                if not flag.context or any(all(w in present for w in c) for c in self.contexts.get(fid, ()))
            }
        found = {fid: flag for fid, flag in found.items() if not (0 < age < flag.min_age)}
        order = {flag.id: i for i, flag in enumerate(self.flags)}
        return tuple(sorted(found.values(), key=lambda f: (f.action is not Action.EMERGENCY, order[f.id])))


def _span(words: tuple[str, ...], positions: dict[str, list[int]]) -> int:
    """The fewest query words that contain every phrase word (a classic minimum window)."""
    events = sorted((pos, i) for i, w in enumerate(words) for pos in positions[w])
    need = len(words)
    counts = [0] * need
    have = 0
    best = len(events) + 10**6
    left = 0
    for pos, i in events:
        counts[i] += 1
        have += counts[i] == 1
        while have == need:
            lpos, li = events[left]
            best = min(best, pos - lpos + 1)
            counts[li] -= 1
            have -= counts[li] == 0
            left += 1
    return best


def _stated_age(text: str) -> int:
    """An age the person states ("I'm 62", "62 years old"), or 0."""
    ages = [int(a or b) for a, b in _AGE.findall(expand_contractions(text, MAX_SCAN))]
    return max((a for a in ages if a <= 120), default=0)
