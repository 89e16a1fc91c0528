"""Words as the matchers see them: folded case and accents, contractions spelled out, light stems."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

MAX_QUERY = 1000
"""Characters of a query that are looked at; the rest is ignored."""

_NON_WORD = re.compile(r"[^0-9a-z]+")
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
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "of",
        "in",
        "on",
        "at",
        "to",
        "for",
        "from",
        "with",
        "my",
        "me",
        "i",
        "im",
        "is",
        "am",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "have",
        "has",
        "had",
        "do",
        "does",
        "did",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "some",
        "any",
        "very",
        "really",
        "so",
        "just",
        "since",
        "after",
        "before",
        "about",
        "your",
        "you",
        "our",
        "we",
        "they",
        "he",
        "she",
        "his",
        "her",
        "them",
        "their",
        "there",
        "here",
        "when",
        "while",
        "what",
        "which",
        "who",
        "how",
        "get",
        "got",
        "getting",
    ]
)


def _fold(text: str, limit: int = MAX_QUERY * 4) -> str:
    """Lower case, accents removed, curly apostrophes made straight; the first `limit` characters."""
    text = text[:limit]
    if text.isascii():  # the common case, and a hot path when indexing large knowledge bases
        return text.lower().replace("`", "'")
    text = unicodedata.normalize("NFKD", text.translate(_APOSTROPHES))
    return "".join(ch for ch in text if not unicodedata.combining(ch)).lower()


def normalise(text: str, limit: int = MAX_QUERY * 4) -> str:
    """Lower-case words separated by single spaces; punctuation, hyphens and accents dropped."""
    return " ".join(_NON_WORD.sub(" ", _fold(text, limit).replace("'", "")).split())


def compact(text: str) -> str:
    """The normalised text with no spaces at all, for comparing names that differ only in spacing."""
    return normalise(text).replace(" ", "")


def expand_contractions(text: str, limit: int = MAX_QUERY * 4) -> str:
    """Lower-case words with contractions spelled out (can't -> cannot, i'm -> i am)."""
    words = []
    for word in _fold(text, limit).split():
        bare = word.strip('.,;:!?"()[]{}')
        if bare in _CONTRACTIONS:
            words.append(_CONTRACTIONS[bare])
        elif bare.endswith("n't"):
            words.append(bare[:-3] + " not")
        else:
            words.append(word)
    return normalise(" ".join(words), limit)


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A light stem so that plurals and simple verb forms meet (legs -> leg, hurts -> hurt)."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


_BODY_WORDS: dict[str, tuple[str, ...]] = {
    "head": ("head",),
    "scalp": ("head",),
    "temple": ("head",),
    "forehead": ("head",),
    "face": ("face",),
    "facial": ("face",),
    "cheek": ("face",),
    "jaw": ("jaw",),
    "tmj": ("jaw",),
    "teeth": ("jaw",),
    "tooth": ("jaw",),
    "neck": ("neck",),
    "shoulder": ("shoulder",),
    "arm": ("arm",),
    "forearm": ("arm",),
    "elbow": ("elbow",),
    "wrist": ("wrist",),
    "hand": ("hand",),
    "finger": ("hand",),
    "thumb": ("hand",),
    "chest": ("chest",),
    "rib": ("chest",),
    "breast": ("breast",),
    "back": ("upper-back", "lower-back"),
    "spine": ("upper-back", "lower-back"),
    "lumbar": ("lower-back",),
    "tailbone": ("lower-back",),
    "coccyx": ("lower-back",),
    "belly": ("belly",),
    "stomach": ("belly",),
    "tummy": ("belly",),
    "abdomen": ("belly",),
    "abdominal": ("belly",),
    "pelvis": ("pelvis",),
    "pelvic": ("pelvis",),
    "groin": ("groin",),
    "buttock": ("buttock",),
    "bum": ("buttock",),
    "glute": ("buttock",),
    "hip": ("hip",),
    "thigh": ("thigh",),
    "hamstring": ("thigh",),
    "knee": ("knee",),
    "kneecap": ("knee",),
    "leg": ("leg", "calf", "shin", "thigh"),
    "calf": ("calf",),
    "calve": ("calf",),
    "shin": ("shin",),
    "ankle": ("ankle",),
    "foot": ("foot",),
    "feet": ("foot",),
    "toe": ("foot",),
    "heel": ("heel",),
    "skin": ("skin",),
}
"""Everyday words (stemmed) for places on the body, to the body_parts they name."""

ANYWHERE = frozenset({"skin", "whole-body"})
"""Body parts that can be anywhere: such an entry never belongs to "another" body part."""


def body_parts_named(text: str) -> frozenset[str]:
    """The body parts a text names ("my knees hurt" -> knee)."""
    return frozenset(part for word in tokens(text) for part in _BODY_WORDS.get(word, ()))


def other_body_part(named: frozenset[str], parts: tuple[str, ...]) -> bool:
    """Whether an entry sits only on parts of the body other than those named."""
    return bool(named and parts and not (named & set(parts)) and not (ANYWHERE & set(parts)))


@lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """Real English words of 4+ letters (SCOWL size 50), loaded on first use: never typos."""
    from importlib.resources import files

    data = files(__package__).joinpath("english_words.txt.gz").read_bytes()
    import gzip  # only when a word is one letter from a sign word: off the start-up path

    return frozenset(gzip.decompress(data).decode("ascii").split("\n"))


def is_english(word: str) -> bool:
    """Whether a lower-case word is a real English word (then it is what the person meant)."""
    return word in english_words()


def tokens(text: str) -> tuple[str, ...]:
    """Stemmed words of the text, in order."""
    if "'" not in text and "`" not in text and text.isascii():
        # The common case, and hot when indexing large knowledge bases: with no apostrophe and no
        # contraction word there is nothing to spell out, and normalising alone gives the same words.
        words = normalise(text).split()
        if not any(w in _CONTRACTIONS for w in words):
            return tuple(stem(w) for w in words)
    return tuple(stem(w) for w in expand_contractions(text).split())


def content_tokens(text: str) -> list[str]:
    """Stemmed words of the text without stopwords (checked before stemming: 'does' is not 'doe')."""
    return [stem(w) for w in expand_contractions(text).split() if w not in STOPWORDS]
