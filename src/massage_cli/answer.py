"""The answer to one `check` query: the condition found, warning signs, and the verdict to show.

The query is read as statements first (statements.py), so that the answer follows what the person
said: a denied, past or someone else's condition is not the answer when the person names one of
their own, and a sign counts only when it is there now.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from .icd10 import CodeInfo, parse_codes
from .matching import Index, Match, NoMatch, lookup
from .model import Action, Condition, RedFlag, Verdict
from .redflags import MAX_SCAN, Hit, Scan, _deletions, flag_word
from .statements import Statement, _Lazy, read
from .textclean import clean_line
from .words import compact, content_tokens, stem


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
    hits: tuple[Hit, ...] = ()
    """The red flags with the words that raised each (same order as red_flags)."""
    if_happens: tuple[Hit, ...] = ()
    """Signs asked about as a "what if": shown as information, with no emergency banner."""
    set_aside: tuple[Hit, ...] = ()
    """Sign mentions that did not count, and why (denied, someone else's, past)."""

    @property
    def found(self) -> bool:
        """Whether a condition matched."""
        return self.match is not None

    @property
    def answered(self) -> bool:
        """Whether there is an answer: a condition, or a warning sign's own page."""
        return self.match is not None or bool(self.red_flags)

    @property
    def condition(self) -> Condition | None:
        """The condition that matched, if any."""
        return self.match.condition if self.match else None

    @property
    def verdict(self) -> Verdict | None:
        """The verdict to show: `urgent` whenever a red flag calling for care today or sooner is
        present; for signs that only call for a doctor within a few days, `avoid` (or the entry's own
        verdict when it is more cautious)."""
        own = self.match.condition.verdict if self.match else None
        if self.red_flags:
            if self.action is not Action.SOON:
                return Verdict.URGENT
            return own if own is not None and own.rank > Verdict.AVOID.rank else Verdict.AVOID
        return own

    @property
    def action(self) -> Action | None:
        """The strongest action the red flags call for (emergency, then now, then today), if any."""
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


_LONG = _Lazy(
    r"\b(?:for|over|nearly|almost|more than|past|last)\s+(?:(?:a|the|many|several|a few|few|some|two|three|"
    r"four|five|six|seven|eight|nine|ten|twelve|\d+)\s+)?(?:years?|yrs?|decades?)\b"
    r"|\b(?:for|over|more than|past|last)\s+(?:three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
    r"several|many|\d{2}|[3-9])\s+months\b|\bfor months\b|\bmonths and months\b|\bsince last year\b"
    r"|\bsince (?:19|20)\d\d\b|\bfor ages\b|\bfor a long time\b|\bon and off for\b|\byears now\b",
)
"""Words that say a problem has lasted months or years: the long-term entry fits it better."""


def answer(index: Index, query: str) -> Answer:
    """Look a query up and scan it for red flags (escape codes and control characters removed)."""
    query = clean_line(query)
    statement = read(query[:MAX_SCAN])
    result = _lookup(index, query, statement)
    # The matched condition's name and category count as context ("sciatica" is back pain).
    context = "" if isinstance(result, NoMatch) else f"{result.condition.name} {result.condition.category}"
    scan = index.red_flag_index().scan(query, context) if _may_name_a_sign(index, statement) else Scan()
    flags = tuple(hit.flag for hit in scan.flags)
    if scan.flags and isinstance(result, Match):
        result = _outside_the_sign(index, statement, result, scan.flags)
    if isinstance(result, NoMatch):
        own = _flag_entry(index, flags)
        if own is not None:
            result = own
    found = Answer(
        query, None, (), flags, hits=scan.flags, if_happens=scan.if_happens, set_aside=scan.set_aside
    )
    if isinstance(result, NoMatch):
        return found._replace(suggestions=result.suggestions, note=result.note, code=result.code)
    return found._replace(match=result, note=result.note, code=result.code)


def _may_name_a_sign(index: Index, statement: Statement) -> bool:
    """Whether any word of the text, or a one-letter typo of it, is a word of some sign, or the text
    states an age (age is a sign with back pain): if not, there is nothing to scan."""
    keys = index.sign_words()
    for word in statement.words:
        text = word.text
        if text.isdigit() and len(text) >= 2:
            return True
        for form in {text, flag_word(text)}:
            if form in keys or (len(form) >= 5 and any(d in keys for d in _deletions(form))):
                return True
    return False


def _outside_the_sign(
    index: Index, statement: Statement, result: Match, hits: tuple[Hit, ...]
) -> Match | NoMatch:
    """The condition the words name outside the warning signs' own words.

    "a temperature" in "my 3 week old baby has a temperature" names fever only through the sign:
    the sign's page answers (NoMatch). "losing weight without trying" in "my back aches and I'm
    losing weight without trying" is the sign, not the weight-loss claims page: the back pain is the
    answer. The words of the group a sign counts for ("30 weeks pregnant") are part of the sign
    when they alone would name the entry, but stay when other words name one ("pregnant, with back
    pain").
    """
    if result.matched_by in ("id", "name", "icd10", "icd10-title") or not statement.words:
        return result
    if result.condition.id in {cid for hit in hits for cid in (hit.flag.entry, hit.flag.id)}:
        return result  # the sign's own entry ("temporal arteritis")
    signs = {p for hit in hits for p in hit.where} | statement.set_aside_words()
    group = statement.group_words() if any(hit.flag.who for hit in hits) else frozenset()
    said = {statement.words[p].text for p in signs | group}
    if not set(content_tokens(result.matched_text)) <= {stem(w) for w in said}:
        return result  # found through words of its own ("heart bypass" beside "aches after my heart")
    if group:
        bare = _text(statement, signs | group)
        if not bare.strip() or not isinstance(lookup(index, bare), Match):
            return NoMatch(())
    rest = _text(statement, signs)
    again = lookup(index, rest) if rest.strip() else NoMatch(())
    return again if isinstance(again, Match) else NoMatch(())


def _flag_entry(index: Index, flags: tuple[RedFlag, ...]) -> Match | None:
    """The entry a warning sign points to (`entry`, or the entry with the sign's own id), if any."""
    for flag in flags[:1]:
        for cid in (flag.entry, flag.id):
            if not cid:
                continue
            try:
                return Match(index.condition(cid), "red-flag", flag.name)
            except KeyError:
                continue
    return None


def _lookup(index: Index, query: str, statement: Statement) -> Match | NoMatch:
    """The condition the statement is about: the person's own present one first.

    With nothing to set aside the query is looked up whole. Otherwise, in turn: the words that
    speak of the person now; those and someone else's present ones (a question asked for a mum);
    what a past event left ("since my stroke" -> after a stroke); the "what if" words. Denied words
    are never looked up, and the whole query is a last resort only when nothing is set aside but a
    "what if".
    """
    if index.exact_get(compact(query)) is not None:
        return lookup(index, query)  # a name, alias or id as typed: nothing to read
    if parse_codes(query) or not statement.has_triggers:
        return _long_term(index, lookup(index, query), query)
    aside = statement.set_aside_words()
    after = _after_entry(index, statement)
    if after is not None:
        return after
    tried: list[NoMatch] = []
    hypo = {i for t in statement.triggers if t.kind == "hypo" for i in range(t.first, t.last + 1)}
    for keep in (set(), {"other"}, {"other", "hypo"}):
        dropped = aside - _reached(statement, keep) - (hypo if "hypo" in keep else set())
        text = _text(statement, dropped)
        if not text.strip():
            continue
        result = lookup(index, text)
        if isinstance(result, Match):
            return _long_term(index, result, text)
        tried.append(result)
    asks_about_massage = bool(_MASSAGE.search(query))
    for words in _past_events(statement, skip=statement.denied_words()):
        # Nothing else named: the past event's own entry, which says what it means now ("had
        # breast cancer", "Bell's palsy 2 months ago"). An entry for a problem that is there now
        # (urgent, or avoid) only for a question about massage ("can massage help after a mini
        # stroke": a passing stroke still needs checking the same day): a stroke years ago is
        # not an emergency, and shingles last year is not a rash to keep off today.
        event = lookup(index, words)
        if isinstance(event, Match) and (
            asks_about_massage or event.condition.verdict.rank < Verdict.AVOID.rank
        ):
            return event
    return tried[0] if tried else NoMatch(())


_MASSAGE = re.compile(r"\bmassag", re.IGNORECASE)


def _after_entry(index: Index, statement: Statement) -> Match | None:
    """The entry for life after a past event ("since my stroke" -> after a stroke), when there is
    one that is not the entry for the event itself (a past clot is not a clot now)."""
    for words in _past_events(statement):
        found = lookup(index, f"after {words}")
        if not isinstance(found, Match) or found.condition.verdict is Verdict.URGENT:
            continue
        itself = lookup(index, words)
        if isinstance(itself, Match) and itself.condition.id == found.condition.id:
            continue
        return found._replace(matched_by="text", matched_text=f"after {words}")
    return None


def _reached(statement: Statement, kinds: set[str]) -> set[int]:
    """Word positions reached only by triggers of these kinds (not by a denial or a past one)."""
    if not kinds:
        return set()
    keep: set[int] = set()
    block: set[int] = set()
    for trigger in statement.triggers:
        low, high = trigger.scope
        words = set(range(low, high)) | set(range(trigger.first, trigger.last + 1))
        if trigger.kind in kinds:
            keep |= set(range(low, high))
        elif trigger.kind != "uncertain":
            block |= words
    return keep - block


def _text(statement: Statement, dropped: frozenset[int] | set[int]) -> str:
    """The query with some words left out, as typed (a code such as M54.5 stays whole)."""
    out = ""
    end = -1
    starts: set[int] = set()
    for i, word in enumerate(statement.words):
        if i in dropped or word.start in starts:
            continue
        starts.add(word.start)
        piece = statement.text[word.start : word.end]
        out += piece if word.start == end else f" {piece}"
        end = word.end
    return out.strip()


_EVENT_LEAD = r"^(?:since|after|had|has had|have had|suffered)\s+(?:a |an |the |my |his |her |their |your )?"


def _past_events(statement: Statement, skip: frozenset[int] = frozenset()) -> list[str]:
    """The words of each past event ("stroke" in "since my stroke", "had a stroke last year"),
    leaving out events whose words are in `skip` (denied: "Hx of cancer: no")."""
    out = []
    for trigger in statement.triggers:
        if trigger.kind != "past" or statement.recent(trigger):
            continue
        low, high = trigger.scope
        if skip & set(range(low, high)):
            continue
        text = re.sub(_EVENT_LEAD, "", statement.words_at(range(low, high)))
        if text:
            out.append(text)
    return out


def _long_term(index: Index, result: Match | NoMatch, text: str) -> Match | NoMatch:
    """The long-term entry for a problem said to have lasted months or years, when there is one
    on the same part of the body ("my back has hurt for years" -> chronic low back pain)."""
    if not isinstance(result, Match) or not _LONG.search(text.lower()) or "chronic" in result.condition.id:
        return result
    found = lookup(index, f"chronic {result.condition.name}")
    if (
        isinstance(found, Match)
        and "chronic" in found.condition.id
        and set(found.condition.body_parts) & set(result.condition.body_parts)
    ):
        return found._replace(matched_by="text", matched_text=result.matched_text)
    return result
