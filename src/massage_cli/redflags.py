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

from .model import Action, Concept, RedFlag
from .statements import OTHER, PAST, PRESENT, WHAT_IF, WHO, Reading, Statement, read
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
    {
        "no",
        "not",
        "cannot",
        "both",
        "can",
        "all",
        "over",
        "down",
        "off",
        "up",
        "out",
        "on",
        "at",
        "night",
        "just",
        "when",
        "after",
    }
)
_FLAG_STOPWORDS = STOPWORDS - _KEEP
# Everyday idioms whose words would otherwise read as a sign: falling asleep is not a fall.
_IDIOMS = re.compile(
    r"\b(?:fell|fall|falls|falling|fallen) (?:asleep|in love|behind|short|for it|apart|pregnant|ill|out with)\b"
    r"|\bchill(?:s|ed|ing)? out\b|\bchill pill\b"
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


EXACT = "="
"""A concept word written "=legs" stands for that form only (no plural, -ing or typo folding): "legs"
is both legs, "leg" is one."""


class Member(NamedTuple):
    """The words of one member of a concept class, and the concept's id."""

    words: tuple[str, ...]
    concept: str


class Hit(NamedTuple):
    """A red flag and the mention of it in the text."""

    flag: RedFlag
    words: str
    """The words of the text that raised it, as typed (lower case)."""
    reading: Reading
    """How the mention reads: present, denied, someone else's, past or a "what if"."""
    where: tuple[int, ...] = ()
    """The positions of the mention's words in the statement."""


class Scan(NamedTuple):
    """What a scan of one text found."""

    flags: tuple[Hit, ...] = ()
    """Signs that count, emergencies first."""
    if_happens: tuple[Hit, ...] = ()
    """Signs asked about as a "what if": their advice is information, with no emergency banner."""
    set_aside: tuple[Hit, ...] = ()
    """Sign mentions that did not count: denied, someone else's and over, or past."""


EVERYDAY = Reading("everyday", trigger="")
"""The reading of a mention next to one of its flag's everyday look-alikes (`unless`)."""


def _add_variants(variants: defaultdict[str, set[str]], words: tuple[str, ...]) -> None:
    """Let each word, and each one-letter-shorter form of it, stand for the word."""
    for word in words:
        variants[word].add(word)
        if len(word) >= 5:
            for variant in _deletions(word):
                variants[variant].add(word)


class RedFlagIndex:
    """Red-flag phrases and concepts prepared once for fast, typo-tolerant scanning."""

    def __init__(
        self,
        flags: tuple[RedFlag, ...],
        vocabulary: frozenset[str] = frozenset(),
        concepts: tuple[Concept, ...] = (),
    ) -> None:
        self.flags = flags
        self.concepts = {c.id: c for c in concepts}
        self.phrases: list[Phrase] = []
        self.by_word: dict[str, list[Phrase]] = defaultdict(list)
        """Each phrase under its first word: only phrases whose first word is present are checked."""
        self.members: list[Member] = []
        self.member_by_word: dict[str, list[Member]] = defaultdict(list)
        self.variants: Mapping[str, Collection[str]] = {}
        """A phrase word, or the word with one letter removed, to the phrase words it stands for
        (sets when built, the lists as stored when read back from the cache: no copy at start-up)."""
        self.vocabulary = vocabulary
        """Real words (from the knowledge base's own text) that are never treated as typos."""
        self.contexts: dict[str, list[tuple[str, ...]]] = {}
        """Flag id -> the words of each context phrase; one must be present for the flag to count."""
        self._combos: dict[str, list[tuple[RedFlag, list[str], frozenset[str]]]] | None = None
        """Concept id -> the sign combinations that start with it (built on first use)."""

    @classmethod
    def build(
        cls,
        flags: tuple[RedFlag, ...],
        vocabulary: frozenset[str] = frozenset(),
        concepts: tuple[Concept, ...] = (),
    ) -> RedFlagIndex:
        index = cls(flags, vocabulary=vocabulary | _REAL_WORDS, concepts=concepts)
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
        used = {cid for flag in flags for combo in flag.signs for cid in combo}
        for concept in concepts:
            if concept.id not in used:
                continue
            for text in concept.words:
                exact = text.startswith(EXACT)  # "=legs": this form only, not "leg"
                words = (
                    (EXACT + text[1:].strip().lower(),)
                    if exact
                    else tuple(dict.fromkeys(content_words(text)))
                )
                if exact or strong_words(words):
                    index.members.append(Member(words, concept.id))
                    index.member_by_word[words[0]].append(index.members[-1])
                    if not exact:
                        _add_variants(variants, words)
        return index

    @classmethod
    def for_flags(cls, flags: tuple[RedFlag, ...], concepts: tuple[Concept, ...] = ()) -> RedFlagIndex:
        """The matcher for a catalogue; its own explanations count as real words, never typos."""
        vocabulary = frozenset(w for flag in flags for w in raw_words(f"{flag.may_mean} {flag.message}"))
        return cls.build(flags, vocabulary, concepts)

    def _meanings(self, raw: str) -> set[str]:
        """The phrase words a query word can stand for: itself, or a one-letter typo of one."""
        word = flag_word(raw)
        found = {word} if word in self.variants else set()
        if raw[:1].isdigit() and ("." in raw or "," in raw):
            whole = raw.replace(",", ".").split(".")[0]  # "38.3" is a reading of 38
            if whole in self.variants:
                found.add(whole)
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
            positions[EXACT + word.lower()].append(position)
        return positions

    def detect(self, query: str, context: str = "") -> tuple[RedFlag, ...]:
        """The red flags that count in the query, emergencies first (see `scan`)."""
        return tuple(hit.flag for hit in self.scan(query, context).flags)

    def scan(self, query: str, context: str = "") -> Scan:
        """The red flags the query describes, read as statements.

        Each mention of a sign is read in its clause: denied, someone else's and over, past (unless
        the flag says a past sign counts) and "what if" mentions do not count; they are returned
        with the reason. `context` is more text that counts for flags needing context but raises
        no flag of its own (the name of the condition the query matched: "Sciatica" is back pain).
        """
        statement = read(query[:MAX_SCAN])
        text_words = statement.words
        keep = _content_positions(statement)
        positions = self._positions([text_words[i].text for i in keep])
        clause_of = [statement.clauses[i] for i in keep]
        mentions: dict[str, list[tuple[list[int], list[int]]]] = defaultdict(list)
        """Flag id -> (every word position of a mention, the positions of its finding words)."""
        for word in list(positions):
            for phrase in self.by_word.get(word, ()):
                for spot in _windows(phrase.words, positions, clause_of, len(phrase.words) + EXTRA_WORDS):
                    where = sorted(keep[k] for k in spot)
                    mentions[phrase.flag.id].append((where, where))
        if self.members:
            self._signs(positions, clause_of, keep, mentions, statement)
        # An age is read only when the text has a number (the population patterns cost start-up).
        age = (statement.population.age_years or 0) if _has_digits(statement) else 0
        counted: dict[str, Hit] = {}
        if_happens: dict[str, Hit] = {}
        set_aside: dict[str, Hit] = {}
        by_id = {flag.id: flag for flag in self.flags}
        for flag_id, found in mentions.items():
            flag = by_id[flag_id]
            signs = {p for where, _ in found for p in where}
            if flag.context and not self._has_context(flag_id, statement, positions, keep, context, signs):
                continue
            if 0 < age < flag.min_age or (flag.who and not set(flag.who) & set(statement.population.names())):
                continue
            hidden = self._hidden(flag, statement) if flag.unless else set()
            for where, finding in sorted(found, key=lambda m: m[0]):
                reading = self._read(statement, flag, where, finding, hidden)
                words = statement.typed(where if reading.counts else [*where, *reading.at])
                hit = Hit(flag, words, reading, tuple(where))
                if hit.reading.counts:
                    counted.setdefault(flag_id, hit)
                elif hit.reading.status == WHAT_IF:
                    if_happens.setdefault(flag_id, hit)
                else:
                    set_aside.setdefault(flag_id, hit)
        if AGE_FLAG not in counted and age >= 50 and AGE_FLAG in by_id:
            flag = by_id[AGE_FLAG]
            if not flag.context or self._has_context(AGE_FLAG, statement, positions, keep, context):
                counted[AGE_FLAG] = Hit(flag, str(age), Reading(PRESENT))
        order = {flag.id: i for i, flag in enumerate(self.flags)}
        rank = list(Action).index

        def ranked(hits: dict[str, Hit], drop: Collection[str] = ()) -> tuple[Hit, ...]:
            kept = [h for fid, h in hits.items() if fid not in drop]
            return tuple(sorted(kept, key=lambda h: (rank(h.flag.action), order[h.flag.id])))

        return Scan(
            ranked(counted),
            ranked(if_happens, counted),
            ranked(set_aside, {*counted, *if_happens}),
        )

    def _has_context(
        self,
        flag_id: str,
        statement: Statement,
        positions: dict[str, list[int]],
        keep: list[int],
        context: str,
        signs: set[int] = frozenset(),  # type: ignore[assignment]
    ) -> bool:
        """Whether one of the flag's context phrases is said and not denied ("denies neck pain, back
        pain" gives no back context), or is in the matched condition's name. A negation inside the
        phrase is part of it ("without dieting")."""
        contexts = self.contexts.get(flag_id, ())
        if context:
            named = set(self._positions(raw_words(context)))
            if any(all(w in named for w in c) for c in contexts):
                return True
        # A denial that is part of the sign ("hand not working") denies no context.
        negations = [
            t for t in statement.triggers if t.kind == "neg" and not signs & set(range(t.first, t.last + 1))
        ]
        denied = {i for t in negations for i in range(*t.scope)}
        denied |= {i for i, w in enumerate(statement.words) if w.sentence in statement.asked_no}
        own = {i for t in statement.triggers if t.kind == "neg" for i in range(t.first, t.last + 1)}
        anywhere = [0] * len(keep)
        for words in contexts:
            for spot in _windows(words, positions, anywhere, len(keep) + 1):
                where = {keep[k] for k in spot}
                if where & own or not where <= denied:
                    return True
        return False

    def _signs(
        self,
        positions: dict[str, list[int]],
        clause_of: list[int],
        keep: list[int],
        mentions: dict[str, list[tuple[list[int], list[int]]]],
        statement: Statement,
    ) -> None:
        """Add the mentions made of concept combinations: every concept named in one clause. A
        concept named like a group of people (WHO: baby, pregnant, chemo...) is met when the text
        says the person is in it, anywhere."""
        named: dict[str, list[tuple[int, list[int]]]] = defaultdict(list)
        """Concept id -> (clause, word positions) of each member found."""
        for word in list(positions):
            for member in self.member_by_word.get(word, ()):
                for spot in _windows(member.words, positions, clause_of, len(member.words) + EXTRA_WORDS):
                    named[member.concept].append((clause_of[spot[0]], [keep[k] for k in spot]))
        if not named:
            return
        groups: set[str] | None = None  # read only when a combination needs a group
        for flag, combo, needs in self._combos_with(named):
            if needs:
                if groups is None:
                    groups = set(statement.population.names())
                if not needs <= groups:
                    continue
            clauses = set.intersection(*({c for c, _ in named[cid]} for cid in combo))
            for clause in sorted(clauses):
                where: list[int] = []
                finding: list[int] = []
                for cid in combo:
                    spot = min((p for c, p in named[cid] if c == clause), key=len)
                    where += spot
                    if self.concepts[cid].kind == "finding":
                        finding += spot
                mentions[flag.id].append((sorted(set(where)), sorted(set(finding or where))))

    def _combos_with(self, named: Mapping[str, object]) -> list[tuple[RedFlag, list[str], frozenset[str]]]:
        """The combinations whose every word concept is named: (flag, word concepts, groups needed)."""
        if self._combos is None:
            self._combos = defaultdict(list)
            for flag in self.flags:
                for full in flag.signs:
                    combo = [cid for cid in full if cid not in WHO]
                    if combo:  # indexed under its first concept: checked only when that one is named
                        self._combos[combo[0]].append((flag, combo, frozenset(full) - set(combo)))
        return [
            entry
            for cid in named
            for entry in self._combos.get(cid, ())
            if all(other in named for other in entry[1])
        ]

    def _read(
        self, statement: Statement, flag: RedFlag, where: list[int], finding: list[int], hidden: set[int]
    ) -> Reading:
        """How one mention of a flag reads, with the flag's own rules above the statement's."""
        if statement.clauses[where[0]] in hidden:
            return EVERYDAY
        reading = statement.reading(finding, where)
        if reading.status == PAST and flag.past_counts and not reading.other:
            reading = reading._replace(status=PRESENT)
        if reading.counts and reading.other and flag.context and not self._context_is_theirs(flag, statement):
            # A risk that goes with the back pain of the same person: someone else's risk ("my
            # grandma had cancer") does not count with the reader's own back pain.
            reading = reading._replace(status=OTHER)
        return reading

    def _context_is_theirs(self, flag: RedFlag, statement: Statement) -> bool:
        """Whether a word of the flag's context lies where someone else's words reach."""
        reached = {i for t in statement.triggers if t.kind == "other" for i in range(*t.scope)}
        for i in reached:
            word = flag_word(statement.words[i].text)
            if any(word in words for words in self.contexts.get(flag.id, ())):
                return True
        return False

    def _hidden(self, flag: RedFlag, statement: Statement) -> set[int]:
        """The clauses that say one of the flag's everyday look-alikes, word for word ("breathless
        when I run", "hay fever", "since having my kids")."""
        words = [flag_word(w.text) for w in statement.words]
        out: set[int] = set()
        for phrase in _unless_words(flag.unless):
            n = len(phrase)
            for i in range(len(words) - n + 1):
                if words[i : i + n] == list(phrase):
                    out.add(statement.clauses[i])
        return out


@lru_cache(maxsize=1024)
def _unless_words(phrases: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
    """Each look-alike as its words (contractions spelled out, roots), for a word-for-word match."""
    return tuple(
        tuple(flag_word(w.text) for w in read(phrase).words) for phrase in phrases if read(phrase).words
    )


_WEAK = frozenset(
    [
        "not",
        "no",
        "cannot",
        "can",
        "all",
        "out",
        "on",
        "off",
        "down",
        "over",
        "at",
        "will",
        "would",
        "do",
        "does",
        "did",
        "be",
        "there",
        "that",
        "who",
        "it",
    ]
)
"""Words that cannot stand for a sign on their own (a member "end it" would be just "end")."""


def strong_words(words: tuple[str, ...]) -> bool:
    """Whether a member's words say something on their own: one word not in _WEAK."""
    return any(w not in _WEAK for w in words)


def _content_positions(statement: Statement) -> list[int]:
    """The positions of the words that carry meaning: not stopwords, not inside an idiom."""
    words = statement.words
    joined = " ".join(w.text for w in words)
    idiom: set[int] = set()
    if _IDIOMS.search(joined):
        starts = []
        at = 0
        for w in words:
            starts.append(at)
            at += len(w.text) + 1
        for match in _IDIOMS.finditer(joined):
            idiom |= {i for i, s in enumerate(starts) if match.start() <= s < match.end()}
    return [i for i, w in enumerate(words) if w.text not in _FLAG_STOPWORDS and i not in idiom]


_NEGATION_LEADS = frozenset(
    ["cannot", "no", "not", "will", "unable", "lost", "loss", "never", "without", "can"]
)
"""First words of a phrase that say an ability or a feeling is gone: such phrases keep their order."""


def _windows(
    words: tuple[str, ...], positions: dict[str, list[int]], clause_of: list[int], limit: int
) -> list[list[int]]:
    """Each place in one clause where all the words stand within `limit` words: the positions. A
    phrase that starts with a negation ("cannot feel", "no feeling", "will not feed"), or whose later
    words are particles ("dropped on", "came off"), keeps its order: "feeling in my backside ... I
    can't sit" is not "can't feel", and "dropping things ... on the thumb side" is not "dropped on"."""
    if not all(w in positions for w in words):
        return []
    ordered = words[0] in _NEGATION_LEADS or any(w in _WEAK for w in words[1:])
    out = []
    for anchor in positions[words[0]]:
        clause = clause_of[anchor]
        spot = [anchor]
        for word in words[1:]:
            near = [p for p in positions[word] if clause_of[p] == clause and (not ordered or p > spot[-1])]
            if not near:
                break
            spot.append(min(near, key=lambda p: abs(p - anchor)))
        else:
            if max(spot) - min(spot) + 1 <= limit:
                out.append(spot)
    return out


def _has_digits(statement: Statement) -> bool:
    return any(w.text[:1].isdigit() for w in statement.words)
