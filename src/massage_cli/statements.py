"""Read statements, not words: whether a mention is there, whose it is and when.

A small, dependency-free take on NegEx (Chapman et al., J Biomed Inform 2001) and ConText
(Harkema et al., J Biomed Inform 2009), written for the way patients and clinicians write:

1. The text is folded to lower case and cut into words with their places; contractions are spelled
   out ("can't" -> "cannot"), so "can't feel" and "cannot feel" are one thing.
2. Sentences end at . ! ? ; and new lines (not inside "38.5"); a "?" glued to a word ("?DVT") asks
   about it and ends nothing. Sentences split into clauses at terminators ("but", "however",
   "apart from", "except", ", just").
3. Trigger phrases are found longest first; each reaches forward or backward over a window of words
   inside its clause, and is cut short by the terminators of its kind:
   - denied: no, not, never, denies, without, free of, negative for, "Fever: no", "Fever? No.";
   - someone else's: my mum, dad, husband, friend, client... (ends where the person speaks of
     themself again: "I", "my", "me");
   - past: history of, Hx, s/p, used to, years ago, last year, since my..., had a stroke;
   - what if: what if, if I get, in case, should I worry if, can massage cause, risk of;
   - pseudo-triggers that look like one of these but are not ("no increase", "without trying",
     "not sure", "no reason", "not getting better") claim their words first.
4. Safety stands above the algorithm: a negation followed by an ability ("can't feel", "can't pee",
   "won't feed", "no longer able to control", "don't want to live") is part of the sign and is never
   read as a denial; a past event counts as the present when the clause says it is recent ("had a
   stroke this morning"); "had" alone never makes a symptom past.

`read(text)` returns a `Statement`; `Statement.reading(words)` says how the mention made of those
word positions reads. The rules are compiled on first use, so start-up stays fast.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import lru_cache
from typing import NamedTuple

from .words import _fold

MAX_TEXT = 20_000
"""Characters of a text that are read (the red-flag scan's limit)."""

# Readings of a mention, from "counts" to "set aside".
PRESENT = "present"
DENIED = "denied"
OTHER = "other"
"""Someone else's, and not happening now (family history, "my mum had a stroke")."""
PAST = "past"
WHAT_IF = "what-if"

REASONS = {
    DENIED: "you said no",
    OTHER: "someone else's, not now",
    PAST: "in the past",
    WHAT_IF: "a 'what if'",
}
"""Why a mention was set aside, in plain words."""


class Word(NamedTuple):
    """One word of the text."""

    text: str
    """Lower case, a contraction spelled out ("cannot", "not")."""
    start: int
    """Where it starts in the folded text."""
    end: int
    sentence: int


class Trigger(NamedTuple):
    """A trigger found in the text and the words it reaches."""

    kind: str
    """neg, other, past, hypo, pseudo or term."""
    first: int
    last: int
    """The trigger's own words (indexes, inclusive)."""
    scope: tuple[int, int]
    """The words it reaches (start inclusive, end exclusive)."""
    text: str


class Reading(NamedTuple):
    """How one mention reads."""

    status: str
    """present, denied, other, past or what-if."""
    other: bool = False
    """Someone else's (a present sign of someone else's still counts: the reader may be with them)."""
    uncertain: bool = False
    """Said with doubt ("I think", "maybe", "?DVT"): it still counts."""
    trigger: str = ""
    """The words that decided it, as typed (lower case)."""
    at: tuple[int, ...] = ()
    """The positions of those words."""

    @property
    def counts(self) -> bool:
        """Whether the mention counts as the person's (or a companion's) sign now."""
        return self.status == PRESENT


# --------------------------------------------------------------------------- rules


class _Lazy:
    """A regular expression compiled on first use, so that importing this module stays cheap."""

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self.pattern, self.flags = pattern, flags
        self._compiled: re.Pattern[str] | None = None

    def _get(self) -> re.Pattern[str]:
        if self._compiled is None:
            self._compiled = re.compile(self.pattern, self.flags)
        return self._compiled

    def search(self, text: str) -> re.Match[str] | None:
        return self._get().search(text)

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        return self._get().finditer(text)

    def sub(self, repl: str | Callable[[re.Match[str]], str], text: str) -> str:
        return self._get().sub(repl, text)


_NUMBER_WORDS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
}
_KIN = (
    r"mum|mom|mam|mother|mommy|mummy|ma|dad|father|daddy|pa|husband|hubby|wife|partner|boyfriend|"
    r"girlfriend|fiance|fiancee|spouse|son|daughter|child|kid|kids|children|toddler|boy|girl|brother|"
    r"sister|sibling|siblings|nan|nana|nanny|gran|granny|grandma|grandmother|grandad|granddad|grandpa|"
    r"grandfather|grandparent|grandparents|aunt|auntie|aunty|uncle|cousin|niece|nephew|friend|"
    r"neighbour|neighbor|colleague|coworker|boss|flatmate|roommate|mate|parent|parents|family|"
    r"client|patient|father in law|mother in law|stepdad|stepmum|stepmom|in laws|relative|relatives"
)
_EVENTS = (
    r"(?:mini )?stroke|strokes|tia|cva|heart attack|heart attacks|mi|dvt|clot|blood clot|clots|"
    r"blood clots|pe|pulmonary embolism|embolism|cardiac arrest|bleed|brain bleed|aneurysm|"
    r"seizure|fit|collapse|fracture|broken \w+|bypass|cancer|breast cancer|bowel cancer|prostate cancer|"
    r"lung cancer|\w+ ca|ca|tumour|tumor|leukaemia|leukemia|lymphoma|melanoma"
)
_RECENT = _Lazy(
    r"\b(?:just|today|tonight|this (?:morning|afternoon|evening|week)|last night|yesterday|now|"
    r"right now|at the moment|currently|an hour ago|(?:few|\d+|two|three) (?:minutes|mins|hours|hrs) ago|"
    r"minutes ago|hours ago|earlier|is having|are having|happening)\b"
)

# (kind, direction, window, patterns). Directions: f forward, b backward, t terminator, p pseudo,
# s self (the trigger's own words are the scope: "had a stroke").
_RULES: tuple[tuple[str, str, int, tuple[str, ...]], ...] = (
    (
        "pseudo",
        "p",
        0,
        (
            r"no increase",
            r"no change",
            r"not only",
            r"not just",
            r"not sure",
            r"not certain",
            r"not really sure",
            r"no idea",
            r"do not know",
            r"did not know",
            r"does not know",
            r"do not think it is",
            r"no (?:apparent |obvious |good |real |clear )?reason",
            r"for no \w+ reason",
            r"no cause",
            r"no warning",
            r"without (?:any )?(?:warning|reason|trying|meaning to|doing anything|a reason|cause)",
            r"not trying",
            r"not (?:been )?trying",
            r"not on purpose",
            r"no better",
            r"not (?:any )?better",
            r"not getting (?:any )?better",
            r"not improving",
            r"no improvement",
            r"not going (?:away|down)",
            r"will not go (?:away|down)",
            r"does not go (?:away|down)",
            r"did not go (?:away|down)",
            r"not gone (?:away|down)",
            r"has not gone",
            r"not stopping",
            r"will not stop",
            r"not stopped",
            r"no relief",
            r"not (?:help|helping|helped|easing|ease|eased|settling|settle|settled|resolving|resolved)",
            r"nothing (?:helps|helped|works|worked|eases)",
            r"not normal",
            r"not like (?:me|before|usual)",
            r"not long ago",
            r"no matter",
            r"cannot rule out",
            r"can not rule out",
            r"not ruled out",
            r"cannot exclude",
            r"not excluded",
            r"no doubt",
            r"not much better",
            r"no sign of (?:it )?(?:getting better|improving|stopping)",
            r"no one",
            r"(?:\d+|a|an|one|two|three|four|five|six|few|several)[- ](?:hour|day|week|month)s?[- ](?:long )?history(?: of)?",
            r"history of (?:the )?present(?:ing)? (?:illness|complaint|condition)",
            r"never (?:had|felt|experienced|got) (?:[\w/-]+ ){0,5}?(?:before|until now|till now|in my life)",
            r"never (?:had|felt|experienced) (?:anything|a \w+|one) like (?:it|this|that)",
            r"(?:i |im |i am |am )?(?:hope|hoping|pray|praying) (?:it is|its|it s|that it is|that its|this is) not",
            r"nobody",
            r"not a lot",
            r"not as much",
            r"not moving as much",
        ),
    ),
    (
        "neg",
        "f",
        20,
        (
            r"no",
            r"low (?:suspicion|probability|likelihood|risk) (?:of|for)",
            r"no (?:concern|suspicion|features|signs|clinical signs) (?:of|for)",
            r"not (?:suggestive|consistent) (?:of|with)",
            (
                r"(?:no|denies|denied|without)(?: any)? (?:thoughts?|feelings?|ideas?|ideation|plans?|"
                r"intent(?:ion)?)(?: of| that| about| to)?"
            ),
            r"not",
            r"never",
            r"nor",
            r"neither",
            r"without",
            r"denies",
            r"denied",
            r"deny",
            r"denying",
            r"free of",
            r"negative for",
            r"neg for",
            r"no signs? of",
            r"no evidence of",
            r"no history of",
            r"no hx of",
            r"no h/o",
            r"no complaints? of",
            r"no c/o",
            r"nil",
            r"absence of",
            r"do not have",
            r"does not have",
            r"did not have",
            r"have not had",
            r"has not had",
            r"have not got",
            r"has not got",
            r"have not",
            r"has not",
            r"not having",
            r"not experiencing",
            r"no more",
            r"no longer (?:have|has|get|gets|getting)",
        ),
    ),
    (
        "neg",
        "b",
        5,
        (
            r"(?:was |were |is |been |has been |have been )?ruled out",
            r"(?:was |were |is |been )?excluded",
            r"negative",
            r"neg",
            r"(?:is |was |seems |felt )?unlikely",
            r"absent",
            r"not present",
            r"(?:is |was )?denied",
            r"(?:has |have |had )?(?:gone|went) away",
            r"(?:has |have )?cleared(?: up)?",
            r"free",
            r"nad",
        ),
    ),
    ("neg", "b", 9, (r"(?:has |have |had )?(?:since )?(?:been )?resolved", r"(?:has |have )?since gone")),
    (
        "past",
        "B",
        16,
        (
            (
                r"(?:it|they|that|this|which|symptoms?|all)(?: has| have| had| is| are| was)? (?:now |since |"
                r"fully |completely |all )?(?:recovered|resolved|settled|cleared(?: up)?|gone(?: away)?|went away|"
                r"got better|better now|back to normal)"
            ),
            r"(?:fine|well|better|ok|okay|all good|all clear|no problems|symptom free|back to normal) (?:now|since)",
            r"no problems since",
            r"(?:treated|sorted|fixed) and (?:well|fine|better)",
        ),
    ),
    (
        "other",
        "f",
        12,
        (
            rf"(?:my|our|his|her|their|your|a|the)(?: [\w/-]+){{0,3}}? (?:{_KIN})",
            (
                r"(?:maternal |paternal )?(?:great[- ])?(?:mother|father|sister|brother|husband|wife|son|"
                r"daughter|grandmother|grandfather|aunt|uncle|cousin)"
            ),
            r"family history(?: of)?",
            r"fhx(?: of)?",
            r"fh(?: of)?",
            r"runs in (?:my|our|the) family",
            r"he|she|they|him",
        ),
    ),
    (
        "past",
        "f",
        5,
        (
            r"history of",
            r"hx of",
            r"hx",
            r"h/o",
            r"pmhx",
            r"pmh",
            r"past medical history(?: of)?",
            r"past history(?: of)?",
            r"previous",
            r"previously",
            r"prior",
            r"(?:an|my|his|her|the) old (?=injury|injuries|fracture|break|scar|wound|problem)",
            r"s/p",
            r"status post",
            r"used to(?: have| get| suffer from)?",
            r"once had",
            r"died(?: of| from| in| after| with)?",
            r"passed away(?: from| of| with| after)?",
            r"committed",
            r"(?:has|had|have) attempted",
            r"recovered from",
            r"survivor of",
            r"when (?:i|she|he) was (?:young|younger|little|a child|a kid|a teenager|pregnant)",
        ),
    ),
    ("past", "s", 3, (rf"(?:since|after) (?:my|his|her|their|your|the|a|an) (?:{_EVENTS})",)),
    ("past", "s", 4, (rf"(?:had|has had|have had|suffered) (?:a |an |the |two |several )?(?:{_EVENTS})",)),
    (
        "past",
        "b",
        8,
        (
            (
                r"(?:\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|a few|few|several|many|some|"
                r"couple of|a couple of) (?:years?|yrs?|months?|decades?) ago"
            ),
            r"(?:long|a long time|a while|ages) ago",
            r"years back",
            r"last year",
            r"in (?:19|20)\d\d",
            r"(?:19|20)\d\d",
            r"as a (?:child|kid|teenager|baby)",
            r"in the past",
            r"years ago",
        ),
    ),
    (
        "hypo",
        "f",
        10,
        (
            r"what if",
            (
                r"(?:return|come back|re-?attend|re-?present|seek (?:medical )?(?:help|advice|care)|call (?:us|999|"
                r"911|111|an ambulance|your doctor|your gp|the gp)|go to (?:a&e|ed|the emergency department)) "
                r"(?:if|should)"
            ),
            r"safety[- ]?net(?:ted|ting)?(?: advice)?(?: for| re| regarding| about)?",
            r"advised (?:to|that|re)",
            r"how (?:would|do|can|could|will) (?:i|you|we|one) (?:know|tell) (?:if|whether|when)",
            r"what would happen if",
            r"(?:said|says|told me|told us|advised|warned)(?: me| us| that)? if",
            (
                r"if (?:i|you|he|she|they|we|it|my|the) (?:ever |suddenly |then )?(?:get|gets|got|have|has|had|"
                r"develop|develops|start|starts|feel|feels|notice|notices|experience|experiences)"
            ),
            r"if (?:i|you) (?:ever|then)",
            r"if (?:there is|there are|there was|this happens|that happens|it happens)",
            r"in case",
            r"just in case",
            r"should i (?:be )?(?:worry|worried|concerned) (?:if|when|about getting)",
            r"when should i (?:worry|be worried|see a doctor|go)",
            r"what (?:should|do|would|can) (?:i|you|we) do if",
            r"what to do if",
            r"what happens if",
            r"what are the (?:signs|symptoms|warning signs|risks) of",
            r"(?:signs|symptoms|warning signs) (?:of|to look out for)",
            (
                r"(?:can|could|does|do|will|would|might|may) (?:a |the )?(?:massage|massages|massaging|"
                r"deep tissue|this|it|that|rubbing|pressure)(?: \w+)? (?:cause|causes|trigger|give|lead to|bring on)"
            ),
            r"(?:cause|causes|caused) (?:a |an )?(?=\w)",
            r"risks? of",
            r"chances? of",
            r"prevent|prevents|preventing|prevention of",
            r"avoid getting|to avoid|avoid|avoiding|reduce the risk of|lower the risk of|lowering the risk of",
            r"call(?: also)? for any",
            (
                r"(?:call|return|come back|report|attend|phone|ring|contact|seek|go|present|re-?present)"
                r"(?: [\w.*\[\]/]+){0,8}? if"
            ),
            r"if (?:any|t|temp|temperature|fever|there|symptoms?|signs?)",
            r"discussed",
            r"(?:\w+ )?education(?: on| about| re)?",
            r"advice (?:sheet|leaflet|given|on|about)",
            r"leaflet",
            r"explained",
            r"(?:worried|scared|afraid|frightened|nervous|anxious) (?:of|about) (?:getting|having|developing)",
            r"could i (?:get|develop)",
            r"can (?:you|people|anyone) get",
            r"is it possible to get",
            r"unless",
        ),
    ),
    (
        "uncertain",
        "f",
        10,
        (
            r"i think",
            r"i believe",
            r"maybe",
            r"might",
            r"possibly",
            r"probably",
            r"perhaps",
            r"suspected",
            r"suspect",
            r"query",
            r"r/o",
            r"rule out",
            r"could be",
            r"worried (?:it is|it's|that|about)",
            r"i wonder if",
        ),
    ),
    (
        "term",
        "t",
        0,
        (
            r"but",
            r"however",
            r"although",
            r"though",
            r"except(?: for)?",
            r"apart from",
            r"aside from",
            r"other than",
            r"besides",
            r"whereas",
        ),
    ),
    (
        "stop",
        "t",
        0,
        (
            r"and(?= (?:my|i|me|i am|now)\b)",
            r"yet",
            r"and now",
            r"now",
            r"which",
            r"who",
            r"because",
            r"so",
            r"then",
            r"still",
        ),
    ),
)
_NOW_WORDS = frozenset(
    [
        "new",
        "newly",
        "now",
        "recently",
        "currently",
        "today",
        "presents",
        "presenting",
        "presented",
        "c/o",
        "complains",
        "complaining",
    ]
)
"""Words after which a past trigger no longer reaches ("history of breast cancer, new back pain")."""
_BREAK_WORDS = frozenset(
    [
        "but",
        "however",
        "although",
        "though",
        "except",
        "apart",
        "aside",
        "other",
        "besides",
        "whereas",
        "yet",
        "and",
        "now",
        "which",
        "who",
        "because",
        "so",
        "then",
        "still",
    ]
)
"""The first words of every terminator rule: a text with none of them needs no break rules compiled."""
# Affirming words that end a denial's reach ("denies fever and has cough").
_AFFIRM = frozenset(
    {
        "has",
        "have",
        "had",
        "reports",
        "reported",
        "complains",
        "c/o",
        "presents",
        "positive",
        "describes",
        "notes",
        "noticed",
        "feels",
        "is",
        "are",
        "was",
        "got",
        "gets",
        "getting",
        "started",
        "starting",
        "developed",
    }
)
# Words in which a person speaks of themself again: someone else's reach ends there.
_SELF = frozenset({"i", "me", "my", "myself", "mine"})
# Words that may stand between a negation and an ability ("no longer able to", "do not want to").
_ABILITY_FILLER = frozenset(
    {
        "be",
        "able",
        "to",
        "want",
        "wanna",
        "longer",
        "really",
        "properly",
        "seem",
        "seems",
        "even",
        "quite",
        "fully",
        "on",
        "will",
        "would",
        "could",
        "can",
        "any",
        "a",
        "all",
        "well",
        "at",
        "weight",
        "been",
    }
)
ABILITIES = frozenset(
    [
        "control",
        "controlling",
        "hold",
        "holding",
        "pee",
        "peeing",
        "wee",
        "weeing",
        "urinate",
        "urinating",
        "empty",
        "emptying",
        "poo",
        "pooing",
        "go",
        "feel",
        "feeling",
        "felt",
        "sensation",
        "sensations",
        "move",
        "moving",
        "moved",
        "movement",
        "movements",
        "kick",
        "kicking",
        "walk",
        "walking",
        "stand",
        "standing",
        "lift",
        "lifting",
        "grip",
        "gripping",
        "raise",
        "raising",
        "straighten",
        "bear",
        "put",
        "breathe",
        "breathing",
        "breath",
        "catch",
        "speak",
        "speaking",
        "talk",
        "talking",
        "swallow",
        "swallowing",
        "see",
        "seeing",
        "wake",
        "waking",
        "woke",
        "respond",
        "responding",
        "feed",
        "feeding",
        "fed",
        "eat",
        "eating",
        "drink",
        "drinking",
        "live",
        "living",
        "be",
        "exist",
        "cope",
        "smile",
        "smiling",
        "close",
        "shut",
        "keep",
        "stop",
        "stopping",
        "make",
        "making",
        "think",
        "remember",
        "understand",
        "focus",
        "latch",
        "suck",
        "sucking",
        "cry",
        "crying",
        "heal",
        "healing",
        "healed",
        "fade",
        "fades",
        "fading",
        "improve",
        "improving",
        "ease",
        "easing",
        "settle",
        "settling",
        "shift",
        "budge",
    ]
)
"""Words after a negation that make the negation part of a sign ("can't feel", "won't feed")."""
_ANSWER_NO = frozenset(
    {"no", "none", "nope", "nah", "never", "n", "negative", "nil", "neg", "denies", "denied"}
)
_ANSWER_YES = frozenset({"yes", "y", "yeah", "yep", "yup", "positive", "present"})

_TOKEN = _Lazy(r"\d+(?:[.,]\d+)?[a-z]*|[a-z]/[a-z]|[a-z]+(?:'[a-z]+)*|[?!.;:\n]|,|-")
_CONTRACTIONS = {
    "can't": ("cannot",),
    "cant": ("cannot",),
    "won't": ("will", "not"),
    "wont": ("will", "not"),
    "i'm": ("i", "am"),
    "im": ("i", "am"),
    "i've": ("i", "have"),
    "ive": ("i", "have"),
    "i'd": ("i", "would"),
    "i'll": ("i", "will"),
    "it's": ("it", "is"),
    "he's": ("he", "is"),
    "she's": ("she", "is"),
    "that's": ("that", "is"),
    "there's": ("there", "is"),
    "what's": ("what", "is"),
    "let's": ("let", "us"),
    "doesnt": ("does", "not"),
    "dont": ("do", "not"),
    "didnt": ("did", "not"),
    "isnt": ("is", "not"),
    "arent": ("are", "not"),
    "havent": ("have", "not"),
    "hasnt": ("has", "not"),
    "couldnt": ("could", "not"),
    "wouldnt": ("would", "not"),
    "shouldnt": ("should", "not"),
    "wasnt": ("was", "not"),
    "werent": ("were", "not"),
    "aint": ("is", "not"),
}
_SENTENCE_END = frozenset({".", "!", "?", ";", "\n"})


def _split_word(token: str) -> tuple[str, ...]:
    """A typed word as one or more plain words ("can't" -> cannot; "dad's" -> dad)."""
    if token in _CONTRACTIONS:
        return _CONTRACTIONS[token]
    if token.endswith("n't"):
        return (token[:-3], "not")
    if token.endswith("'s"):
        return (token[:-2],)
    if "'" in token:
        head, _, tail = token.partition("'")
        return (head,) if tail in ("d", "ll", "ve", "re", "m") else (head + tail,)
    return (token,)


@lru_cache(maxsize=2)
def _compiled(breaks: bool = False) -> tuple[tuple[str, str, int, re.Pattern[str]], ...]:
    """The trigger rules as regular expressions, longest alternatives first, built on first use:
    with `breaks`, only the terminators (cheap, needed for every text); else all the others (needed
    only when a mention has to be read)."""
    out = []
    for kind, direction, window, patterns in _RULES:
        if (kind in ("term", "stop")) != breaks:
            continue
        ordered = sorted(patterns, key=len, reverse=True)
        out.append(
            (kind, direction, window, re.compile(r"(?<![\w/])(?:" + "|".join(ordered) + r")(?![\w/])"))
        )
    return tuple(out)


class Population(NamedTuple):
    """Who the text is about, as far as it says: age, pregnancy and treatment."""

    baby: bool = False
    """A baby or newborn is spoken of."""
    age_months: float | None = None
    """A baby's stated age in months ("3 week old" -> 0.7), or None."""
    age_years: int | None = None
    """A stated age in years ("I'm 72"), or None."""
    pregnant: bool = False
    weeks: int | None = None
    """Weeks of pregnancy, when stated."""
    chemo: bool = False
    """On chemotherapy now, or a weak immune system from treatment."""
    older: bool = False
    """Said to be older (65 or over, or "elderly", "my nan")."""
    very_high_bp: bool = False
    """A blood pressure reading of 180/120 or higher is given ("my bp is 190/125")."""
    high_bp: bool = False
    """A reading of 140/90 or higher is given (high in pregnancy and after a birth)."""

    def names(self) -> tuple[str, ...]:
        """The groups this text belongs to, as the catalogue's `who` names them."""
        out = []
        if self.baby:
            out.append("baby")
            if self.age_months is None or self.age_months < 3:
                out.append("baby-under-3-months")
        if self.pregnant:
            out.append("pregnant")
            if self.weeks is None or self.weeks < 37:
                out.append("pregnant-before-37-weeks")
        if self.chemo:
            out.append("chemo")
        if self.older:
            out.append("older-adult")
        if self.very_high_bp:
            out.append("blood-pressure-180-120")
        if self.high_bp:
            out.append("blood-pressure-140-90")
        return tuple(out)


WHO = (
    "baby",
    "baby-under-3-months",
    "pregnant",
    "pregnant-before-37-weeks",
    "chemo",
    "older-adult",
    "blood-pressure-180-120",
    "blood-pressure-140-90",
)
"""The groups a red flag's `who` may name (a baby of unknown age counts as under 3 months, and a
pregnancy of unknown length as before 37 weeks: when unsure, the more cautious reading)."""

_BABY_AGE = _Lazy(
    r"\b(\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)[\s-]*"
    r"(day|days|dy|week|weeks|wk|wks|month|months|mth|mths|mo|mos)[\s-]*old\b"
    r"|\b(\d+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)[\s-]*"
    r"(days?|weeks?|wks?|months?|mths?)\b(?=[^.?!]{0,20}\b(?:baby|babe|infant|newborn|son|daughter|boy|girl|little one)\b)"
)
_CLINICAL_AGE = _Lazy(r"\b(?:infant|baby|neonate|newborn|child)\W+(?:aged )?(\d{1,2})/(52|12)\b")
"""A baby's age as notes write it: 8/52 is eight weeks, 5/12 five months."""
_BABY = _Lazy(
    r"\b(?:baby|babies|babys|bub|newborn|new born|neonate|infant|little one|breastfed|breastfeeding my)\b"
)
_NEWBORN = _Lazy(r"\b(?:newborn|new born|neonate|just born|born (?:\w+ ){0,2}(?:days?|weeks?) ago)\b")
_AGE_YEARS = _Lazy(
    r"\b(?:i am|i'm|im|aged|age|age of|she is|he is|mum is|mom is|dad is|turned|i turned)\s+(\d{2,3})\b"
    r"|\b(\d{2,3})\s*(?:years?|yrs?|yr)[\s-]*old\b|\b(\d{2,3})\s*(?:yo|y/o|y o|y\.o\.)\b"
    r"|\b(\d{2,3})\s*(?:m|f|male|female)\b"
)
_OLDER = _Lazy(
    r"\b(?:elderly|pensioner|older person|older adult|old age|frail|my (?:nan|nana|gran|granny|grandma|"
    r"grandmother|grandad|granddad|grandpa|grandfather)|in (?:his|her|my) (?:70s|80s|90s|seventies|eighties|nineties))\b"
)
_PREGNANT = _Lazy(
    r"\b(?:pregnant|pregnancy|expecting (?:a baby|twins)|weeks gone|gestation|trimester|antenatal|"
    r"prenatal|my bump|the bump|midwife|due date|carrying twins|primigravida|multigravida|"
    r"waters (?:have |had )?(?:broken|broke|went|gone|leaking)|\d{1,2}/40|g\d\s*p\d|"
    r"(?:baby|bubba|bump) (?:is |has )?(?:kicking|moving|kicked|moved)|f(?:o)?etal movements?|reduced fm|rfm|"
    r"(?:i am|im|i'm|she is|she's|wife is|partner is|girlfriend is|at) \d{1,2}(?:\+\d)? ?(?:weeks?|wks?)|"
    r"\d{1,2} ?(?:weeks?|wks?) (?:along|gone|pregnant|gestation|of pregnancy))\b"
)
_WEEKS = _Lazy(
    r"\b(\d{1,2})(?:\s*\+\s*\d)?\s*(?:weeks?|wks?|w)(?=\d|\b)"
    r"|\b(\d{1,2})/40\b"
)
"""Weeks of pregnancy (read only when the text says it is about a pregnancy)."""
_BP_READING = _Lazy(
    r"\b(?:bp|b/p|blood pressure|pressure|reading)\b\D{0,30}?\b(\d{2,3})\s*(?:/|over)\s*(\d{2,3})\b"
    r"|\b(\d{2,3})\s*(?:/|over)\s*(\d{2,3})\s*(?:mm ?hg|bp|blood pressure)\b"
)
"""A blood pressure reading: "bp 190/125", "blood pressure is 200 over 110", "185/95 mmHg"."""
_CHEMO = _Lazy(
    r"\b(?:chemo|chemotherapy|on treatment for (?:cancer|leukaemia|leukemia|lymphoma)|neutropenic|"
    r"neutropenia|low white (?:blood )?(?:cell )?count|weak(?:ened)? immune system|immunosuppressed|"
    r"immunocompromised|having cancer treatment|cancer treatment)\b"
)


class Statement:
    """A text read into words, sentences, clauses and triggers."""

    def __init__(self, text: str) -> None:
        self.text = _fold(text, MAX_TEXT)
        self.words: list[Word] = []
        self._triggers: list[Trigger] | None = None
        self.asked_no: set[int] = set()
        """Sentences asked as a question and answered no ("Fever? No.")."""
        self.asked_yes: set[int] = set()
        self._end_marks: dict[int, str] = {}
        self._commas: set[int] = set()
        """Word positions that follow a comma, colon or dash."""
        self._colons: set[int] = set()
        self._terms: set[int] = set()
        self._stops: set[int] = set()
        self.clauses: list[int] = []
        """Each word's clause number."""
        self._split()
        self._joined, self._index_at, self._ends_at = self._join()
        if self.words:
            self._find_breaks()
        self.clauses = self._number_clauses()
        self._population: Population | None = None

    # -- splitting ---------------------------------------------------------------------------

    def _split(self) -> None:
        sentence = 0
        for match in _TOKEN.finditer(self.text):
            token = match.group()
            if token in _SENTENCE_END:
                if token == "?" and match.end() < len(self.text) and self.text[match.end()].isalnum():
                    # "?DVT": a query about the word, not the end of a sentence
                    self.words.append(Word("query", match.start(), match.end(), sentence))
                    continue
                if self.words and self.words[-1].sentence == sentence:
                    self._end_marks[sentence] = token
                    sentence += 1
                continue
            inside = 0 < match.start() and match.end() < len(self.text)
            if (
                token == "-"
                and inside
                and self.text[match.start() - 1].isalnum()
                and self.text[match.end()].isalnum()
            ):
                continue  # a hyphen inside a word ("1-week", "pins-and-needles") breaks nothing
            if token in (",", "-", ":"):
                self._commas.add(len(self.words))  # a break before the next word
                if token == ":":
                    self._colons.add(len(self.words))
                continue
            for word in _split_word(token):
                self.words.append(Word(word, match.start(), match.end(), sentence))
        self._answers()

    def _answers(self) -> None:
        """A question answered by the next sentence alone ("Fever? No.", "Any numbness? none")."""
        by_sentence: dict[int, list[str]] = {}
        for word in self.words:
            by_sentence.setdefault(word.sentence, []).append(word.text)
        for sentence, mark in self._end_marks.items():
            if mark != "?":
                continue
            answer = by_sentence.get(sentence + 1, [])
            first = next((i for i, w in enumerate(self.words) if w.sentence == sentence + 1), None)
            bare = 0 < len(answer) <= 2 or (first is not None and first + 1 in self._commas)  # "None - ..."
            if bare and answer[0] in _ANSWER_NO:
                self.asked_no.add(sentence)
            elif bare and answer[0] in _ANSWER_YES:
                self.asked_yes.add(sentence)

    # -- triggers ----------------------------------------------------------------------------

    def _join(self) -> tuple[str, dict[int, int], dict[int, int]]:
        """The words joined by spaces, with maps from character places back to word positions."""
        starts: list[int] = []
        position = 0
        for word in self.words:
            starts.append(position)
            position += len(word.text) + 1
        joined = " ".join(w.text for w in self.words)
        index_at = {start: i for i, start in enumerate(starts)}
        ends_at = {start + len(w.text): i for i, (start, w) in enumerate(zip(starts, self.words))}
        return joined, index_at, ends_at

    def _matches(self, breaks: bool) -> list[tuple[int, int, str, str, int]]:
        """Every rule match as (first, last, kind, direction, window), longest first claiming its words."""
        found: list[tuple[int, int, str, str, int]] = []
        for kind, direction, window, pattern in _compiled(breaks):
            for match in pattern.finditer(self._joined):
                first = self._index_at.get(match.start())
                last = self._ends_at.get(match.end())
                if first is None or last is None:
                    continue
                if any(i in self._commas for i in range(first + 1, last + 1)):
                    continue  # a trigger never spans a comma, colon or dash ("for years, back aches")
                if any(self.words[i].sentence != self.words[first].sentence for i in (last,)):
                    continue
                found.append((first, last, kind, direction, window))
        # Longest first; a pseudo-trigger or a longer trigger claims its words.
        found.sort(key=lambda t: (-(t[1] - t[0]), t[0]))
        taken: set[int] = set()
        kept = []
        for first, last, kind, direction, window in found:
            span = set(range(first, last + 1))
            if span & taken:
                continue
            taken |= span
            kept.append((first, last, kind, direction, window))
        kept.sort()
        return kept

    def _find_breaks(self) -> None:
        """Where clauses end (terminators) and where a trigger's reach stops."""
        kept = self._matches(breaks=True) if any(w.text in _BREAK_WORDS for w in self.words) else []
        self._terms = {first for first, _, kind, _, _ in kept if kind == "term"}
        self._terms |= {
            i for i in self._commas if i < len(self.words) and self.words[i].text in ("just", "only")
        }
        self._stops = {first for first, _, kind, _, _ in kept if kind == "stop"} | self._terms

    @property
    def triggers(self) -> list[Trigger]:
        """The triggers found, each with its reach (found on first use)."""
        if self._triggers is None:
            self._triggers = []
            if self.words:
                self._find_triggers()
        return self._triggers

    def _find_triggers(self) -> None:
        assert self._triggers is not None
        for first, last, kind, direction, window in self._matches(breaks=False):
            if kind == "pseudo":
                continue
            year = self.words[last].text
            if kind == "past" and year.isdigit() and len(year) == 4 and int(year) >= _this_year():
                continue  # "in 2026" is this year: not the past
            if kind == "neg" and direction == "f" and self._ability_follows(last):
                continue
            if kind == "neg" and direction == "b" and self.words[first].text in ("free",) and first == 0:
                continue
            scope = self._scope(first, last, kind, direction, window)
            text = " ".join(w.text for w in self.words[first : last + 1])
            self._triggers.append(Trigger(kind, first, last, scope, text))
        self._field_answers()

    def _number_clauses(self) -> list[int]:
        """Each word's clause number: a new clause at each sentence and each terminator."""
        out = []
        clause = 0
        for i, word in enumerate(self.words):
            if i and (word.sentence != self.words[i - 1].sentence or i in self._terms):
                clause += 1
            out.append(clause)
        return out

    def _ability_follows(self, last: int) -> bool:
        """Whether an ability follows a negation ("cannot feel", "no longer able to control")."""
        for i in range(last + 1, min(len(self.words), last + 5)):
            word = self.words[i].text
            if word in ABILITIES:
                return True
            if word not in _ABILITY_FILLER:
                return False
        return False

    def _clause_bounds(self, index: int) -> tuple[int, int]:
        """The first word and the end (exclusive) of the clause of a word: its sentence, cut at
        terminators."""
        sentence = self.words[index].sentence
        start = index
        while start > 0 and self.words[start - 1].sentence == sentence and start not in self._terms:
            start -= 1
        end = index + 1
        while end < len(self.words) and self.words[end].sentence == sentence and end not in self._terms:
            end += 1
        return start, end

    def _scope(self, first: int, last: int, kind: str, direction: str, window: int) -> tuple[int, int]:
        start, end = self._clause_bounds(first)
        if direction == "s":
            return first, last + 1
        if direction == "B":  # "... but it recovered fully": back over the whole sentence
            sentence = self.words[first].sentence
            low = first
            while low > 0 and self.words[low - 1].sentence == sentence and first - low < window:
                low -= 1
            return low, first
        if direction == "b":
            low = max(start, first - window)
            # A denial after a colon or dash reaches back only to the field's name.
            for i in range(first, low, -1):
                if i in self._commas and i != first:
                    low = i
                    break
            return low, first
        listy = kind == "hypo" and any(w.text == "any" for w in self.words[first : min(end, last + 4)])
        if listy:
            window = 40  # "if there is any new chest pain, breathlessness, calf pain..."
        stop = min(end, last + 1 + window)
        for i in range(last + 1, stop):
            word = self.words[i].text
            if i in self._stops:
                return last + 1, i
            embedded = kind == "neg" and any(
                w.text.startswith(("thought", "feeling", "idea", "plan", "intent"))
                for w in self.words[first : last + 1]
            )  # "no thoughts that life is not worth living": the whole thought is denied
            if kind == "neg" and word in _AFFIRM and i > last + 1 and not embedded:
                return last + 1, i
            if kind == "other" and word in _SELF:
                return last + 1, i
            if kind == "hypo" and i in self._commas and i > last + 1 and not listy:
                return last + 1, i
            if kind == "neg" and i in self._colons:
                return last + 1, i
            if kind == "past" and word in _NOW_WORDS:
                return last + 1, i
        return last + 1, stop

    def _field_answers(self) -> None:
        """ "Fever: no", "Numbness - none": a bare denial after a colon or dash denies the field."""
        for i, word in enumerate(self.words):
            if word.text not in _ANSWER_NO or i == 0 or i not in self._commas:
                continue
            nxt = self.words[i + 1] if i + 1 < len(self.words) else None
            if nxt is not None and nxt.sentence == word.sentence and (i + 1) not in self._commas:
                continue  # "Fever: no chills" is a forward denial, found by the rules
            low = i - 1
            while low > 0 and self.words[low - 1].sentence == word.sentence and low not in self._commas:
                low -= 1
            if low < i:
                assert self._triggers is not None
                self._triggers[:] = [t for t in self._triggers if not (t.kind == "neg" and t.first == i)]
                self._triggers.append(Trigger("neg", i, i, (low, i), word.text))

    # -- reading -----------------------------------------------------------------------------

    @property
    def has_triggers(self) -> bool:
        """Whether anything in the text could change how a mention reads."""
        return bool(self.triggers or self.asked_no)

    def reading(self, positions: Sequence[int], mention: Iterable[int] = ()) -> Reading:
        """How the mention made of these word positions reads.

        Denied when a denial reaches any of its words; else a "what if" when one reaches them;
        else past when a past trigger reaches all of them (and the clause does not say it is
        recent); someone else's when a kin word reaches them. A someone else's mention that is not
        past is present: the reader may be with that person. A trigger that is itself part of the
        mention (`mention`: all its words) is part of the sign: "no urge to pee" is not a denial.
        """
        if not positions:
            return Reading(PRESENT)
        inside = set(mention)
        covered: dict[str, Trigger] = {}
        for trigger in self.triggers:
            own_scope = trigger.scope == (trigger.first, trigger.last + 1)  # "had a stroke"
            if inside and not own_scope and any(p in inside for p in range(trigger.first, trigger.last + 1)):
                continue
            low, high = trigger.scope
            if (
                trigger.kind in ("neg", "hypo", "uncertain")
                and any(low <= p < high for p in positions)
                or trigger.kind in ("past", "other")
                and all(low <= p < high for p in positions)
            ):
                covered.setdefault(trigger.kind, trigger)
        sentence = self.words[positions[0]].sentence
        uncertain = "uncertain" in covered
        kin = next(
            (
                t
                for t in self.triggers
                if t.kind == "other" and any(t.first <= p <= t.last for p in positions)
            ),
            None,
        )
        if kin is not None:
            covered.setdefault("other", kin)  # the mention is the kin word itself ("my grandma")
        other = "other" in covered
        family = covered.get("other")
        if family is not None and family.text.startswith(("family", "fhx", "fh", "runs in")):
            return Reading(OTHER, True, uncertain, family.text, (family.first, family.last))
        if sentence in self.asked_no:
            answer = [i for i, w in enumerate(self.words) if w.sentence == sentence + 1]
            return Reading(DENIED, other, uncertain, "? no", tuple(answer))
        for kind, status in (("neg", DENIED), ("hypo", WHAT_IF), ("past", PAST)):
            found = covered.get(kind)
            if found is None or (kind == "neg" and sentence in self.asked_yes):
                continue
            if kind == "past" and self.recent(found):
                continue
            if kind == "past" and other:
                status = OTHER
            return Reading(status, other, uncertain, found.text, (found.first, found.last))
        return Reading(PRESENT, other, uncertain, covered["other"].text if other else "")

    def recent(self, trigger: Trigger) -> bool:
        """Whether words next to a past event say it is happening now ("has just had a stroke",
        "had a stroke this morning"); an explicit "years ago" is never recent."""
        if trigger.scope[1] <= trigger.first:
            # A resolution ("... but it is fine now") looks back over what it resolves: a sign that
            # went away this morning still counts (a mini-stroke needs care even when it passes).
            low, _ = trigger.scope
            return bool(_RECENT.search(" ".join(w.text for w in self.words[low : trigger.first])))
        start, end = self._clause_bounds(trigger.first)
        low = max(start, trigger.first - 3)
        high = min(end, trigger.scope[1] + 4)
        for i in range(trigger.scope[1], high):
            if i in self._commas or i in self._stops:
                high = i
                break
        return bool(_RECENT.search(" ".join(w.text for w in self.words[low:high])))

    def group_words(self) -> frozenset[int]:
        """Word positions that say who the text is about ("30 weeks pregnant", "my newborn", "on
        chemo"): part of a sign that counts only for that group."""
        out: set[int] = set()
        for pattern in (_PREGNANT, _WEEKS, _BABY, _BABY_AGE, _NEWBORN, _CHEMO, _OLDER):
            for match in pattern.finditer(self.text):
                out |= {
                    i for i, w in enumerate(self.words) if w.start < match.end() and match.start() < w.end
                }
        return frozenset(out)

    def denied_words(self) -> frozenset[int]:
        """Word positions a denial reaches ("denies neck pain, back pain")."""
        out = {i for t in self.triggers if t.kind == "neg" for i in range(*t.scope)}
        out |= {i for i, w in enumerate(self.words) if w.sentence in self.asked_no}
        return frozenset(out)

    def words_at(self, positions: Iterable[int]) -> str:
        """The text of some words, in order, as folded."""
        return " ".join(self.words[p].text for p in sorted(set(positions)))

    def typed(self, positions: Sequence[int]) -> str:
        """The stretch of the folded text from the first to the last of these words."""
        if not positions:
            return ""
        return self.text[self.words[min(positions)].start : self.words[max(positions)].end]

    def set_aside_words(self) -> frozenset[int]:
        """Word positions that do not speak of the person's own present state: reached by a denial,
        a "what if", a past trigger or someone else's, and the triggers themselves."""
        out: set[int] = set()
        for trigger in self.triggers:
            if trigger.kind == "uncertain":
                continue
            out.update(range(trigger.first, trigger.last + 1))
            low, high = trigger.scope
            out.update(range(low, high))
        for i, word in enumerate(self.words):
            if word.sentence in self.asked_no:
                out.add(i)
        return frozenset(out)

    # -- who ---------------------------------------------------------------------------------

    @property
    def population(self) -> Population:
        """Age, pregnancy and treatment as the text states them."""
        if self._population is None:
            self._population = _population(self.text)
        return self._population


@lru_cache(maxsize=1)
def _this_year() -> int:
    import datetime

    return datetime.date.today().year


def _number(text: str) -> int:
    return int(text) if text.isdigit() else _NUMBER_WORDS.get(text, 0)


def _population(text: str) -> Population:
    baby = bool(_BABY.search(text))
    months: float | None = None
    for match in _BABY_AGE.finditer(text):
        amount = _number(match.group(1) or match.group(3) or "0")
        unit = (match.group(2) or match.group(4) or "").rstrip("s")
        if not amount:
            continue
        if unit in ("day", "dy"):
            months = amount / 30.4
        elif unit in ("week", "wk"):
            months = amount / 4.35
        elif unit in ("month", "mth", "mo"):
            months = float(amount)
        if months is not None and months <= 24:
            baby = True
    for clinical in _CLINICAL_AGE.finditer(text):
        amount = int(clinical.group(1))
        months = amount / 4.35 if clinical.group(2) == "52" else float(amount)
        baby = True
    if _NEWBORN.search(text):
        baby, months = True, 0.0 if months is None else months
    years: int | None = None
    for match in _AGE_YEARS.finditer(text):
        value = next((int(g) for g in match.groups() if g), 0)
        if 10 <= value <= 120:
            years = max(years or 0, value)
    pregnant = bool(_PREGNANT.search(text))
    weeks: int | None = None
    stated = _WEEKS.search(text)
    if stated and pregnant:
        value = int(stated.group(1) or stated.group(2))
        weeks = value if 4 <= value <= 43 else None
    chemo = bool(_CHEMO.search(text)) and not re.search(
        r"\b(?:had|finished|after|since|years? ago|used to have)\b[^.?!]{0,30}\b(?:chemo|chemotherapy)\b"
        r"|\b(?:chemo|chemotherapy)\b[^.?!]{0,20}\b(?:years? ago|finished|ended|in (?:19|20)\d\d)\b",
        text,
    )
    older = (years is not None and years >= 65) or bool(_OLDER.search(text))
    return Population(
        baby,
        months,
        years,
        pregnant,
        weeks,
        chemo,
        older,
        _bp_at_least(text, 180, 120),
        _bp_at_least(text, 140, 90),
    )


def _bp_at_least(text: str, top_line: int, bottom_line: int) -> bool:
    """A stated reading at or above either line: 180/120 is the AHA's crisis line, 140/90 high
    blood pressure in pregnancy (NICE NG133)."""
    for match in _BP_READING.finditer(text):
        top, bottom = (int(g) for g in (match.group(1, 2) if match.group(1) else match.group(3, 4)))
        if 40 <= bottom < top <= 300 and (top >= top_line or bottom >= bottom_line):
            return True
    return False


@lru_cache(maxsize=4096)
def read(text: str) -> Statement:
    """A text read as statements (cached: the same text is read once)."""
    return Statement(text)
