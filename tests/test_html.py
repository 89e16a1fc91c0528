"""The HTML handout is a well-formed, self-contained page that escapes every text and links only https."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from massage_cli.answer import answer
from massage_cli.knowledge import load_bundled
from massage_cli.matching import Index
from massage_cli.model import Clinic, Condition, KnowledgeBase, Source, Verdict, replace
from massage_cli.render import Format, common, html_out, renderer

KB = load_bundled()
INDEX = Index.build(KB)
VOID = frozenset(
    ["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"]
)
FLAG_QUERY = "sciatica and I cannot control my bladder"
HOSTILE_NAME = "<script>alert(1)</script>"
HOSTILE_SUMMARY = '"><img src=x onerror=alert(1)>'


class Page(HTMLParser):
    """A parsed document: its tags in order, nesting errors, and the text a reader sees."""

    def __init__(self, doc: str) -> None:
        super().__init__(convert_charrefs=True)
        self.doc = doc
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.chunks: list[str] = []
        self.style = ""
        self.feed(doc)
        self.close()
        self.errors += [f"<{tag}> never closed" for tag in self.stack]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag not in VOID:
            self.errors.append(f"<{tag}/> is not a void element")

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            self.errors.append(f"</{tag}> closes a void element")
        elif not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if "style" in self.stack:
            self.style += data
        elif "body" in self.stack:
            self.chunks.append(data)

    @property
    def text(self) -> str:
        """The visible text with whitespace collapsed."""
        return " ".join("".join(self.chunks).split())

    def names(self) -> list[str]:
        """Tag names in document order."""
        return [tag for tag, _ in self.tags]

    def index(self, tag: str, **attrs: str) -> int:
        """Position of the first tag with this name and these attribute values."""
        for i, (name, found) in enumerate(self.tags):
            if name == tag and all(found.get(k) == v for k, v in attrs.items()):
                return i
        raise AssertionError(f"no <{tag} {attrs}>")


def parse(doc: str) -> Page:
    """A page that must be well-formed, or the test fails with its nesting errors."""
    page = Page(doc)
    assert [] == page.errors
    return page


def handout(query: str, kb: KnowledgeBase = KB) -> Page:
    """The parsed `check` handout for a query."""
    index = INDEX if kb is KB else Index.build(kb)
    return parse(html_out.check(answer(index, query), kb))


def with_condition(condition: Condition, kb: KnowledgeBase = KB) -> KnowledgeBase:
    """The knowledge base with one condition replaced (same id)."""
    return replace(kb, conditions=tuple(condition if c.id == condition.id else c for c in kb.conditions))


def all_documents() -> dict[str, str]:
    """One document from each renderer function, for the checks every page must pass."""
    return {
        "check": html_out.check(answer(INDEX, "fibromyalgia"), KB),
        "check-flag": html_out.check(answer(INDEX, FLAG_QUERY), KB),
        "check-none": html_out.check(answer(INDEX, "xyzzy plover"), KB),
        "listing": html_out.listing(KB.conditions),
        "hits": html_out.hits([]),
        "benefits": html_out.benefits(KB),
        "faq_list": html_out.faq_list(KB),
        "faq_one": html_out.faq_one(KB.faq[0], KB),
    }


DOCUMENTS = all_documents()


class TestDocument:
    """Every function returns a complete, self-contained HTML5 page."""

    def test_format_maps_to_this_module(self) -> None:
        """Format.HTML is "html" and picks the html_out module."""
        assert ("html", html_out) == (Format.HTML.value, renderer(Format.HTML))

    @pytest.mark.parametrize("name", DOCUMENTS)
    def test_complete_page(self, name: str) -> None:
        """The page has a doctype, lang, charset, CSP, a title and balanced tags."""
        doc = DOCUMENTS[name]
        page = parse(doc)
        assert doc.startswith("<!DOCTYPE html>\n")
        assert ("html", {"lang": "en"}) == page.tags[0]
        assert ("meta", {"charset": "utf-8"}) in page.tags
        policy = "default-src 'none'; style-src 'unsafe-inline'"
        csp = {"http-equiv": "Content-Security-Policy", "content": policy}
        assert ("meta", csp) in page.tags
        assert 1 == page.names().count("title")

    @pytest.mark.parametrize("name", DOCUMENTS)
    def test_nothing_external(self, name: str) -> None:
        """No scripts, no loaded resources, and links only to https sources inside <a>."""
        page = parse(DOCUMENTS[name])
        assert not {"script", "link", "img", "iframe", "object", "embed", "base", "form"} & set(page.names())
        for tag, attrs in page.tags:
            assert "src" not in attrs, tag
            assert not any(key.startswith("on") for key in attrs), (tag, attrs)
            if "href" in attrs:
                assert "a" == tag
                assert str(attrs["href"]).startswith("https://")
        assert "url(" not in page.style and "@import" not in page.style


class TestHandout:
    """`check` prints a one-page handout with everything in a fixed order."""

    @pytest.mark.parametrize("condition", KB.conditions, ids=lambda c: c.id)
    def test_every_condition(self, condition: Condition) -> None:
        """Each condition renders with its name as the one <h1> and the verdict badge."""
        result = answer(INDEX, condition.id)
        page = parse(html_out.check(result, KB))
        assert 1 == page.names().count("h1")
        assert condition.name in page.text
        assert result.verdict is not None
        assert common.label(result) in page.text
        assert page.index("h1") < page.index("span", **{"class": f"badge v-{result.verdict.value}"})

    def test_order(self) -> None:
        """The handout's parts come in the order a reader needs them, the disclaimer last."""
        condition = KB.condition("fibromyalgia")
        text = handout("fibromyalgia").text
        verdict = condition.verdict
        parts = [
            condition.name,
            verdict.label,
            verdict.headline,
            condition.summary,
            "What massage can do",
            "Take care",
            "See a doctor if",
            "What massage cannot replace",
            "How strong the research is: weak.",
            "Sources",
            "ICD-10-CM: M79.7.",
            "Clinic:",
            " ".join(KB.disclaimer.split()),
        ]
        positions = [text.find(part) for part in parts]
        assert -1 not in positions, dict(zip(parts, positions))
        assert sorted(positions) == positions

    def test_sections_are_h2_lists(self) -> None:
        """Each advice section is an <h2> followed by a <ul> with every item; "See a doctor if"
        has one <ul> for each action, under the action's words. "Tell your therapist" is one
        paragraph after "Take care": each of its sentences starts with those words."""
        condition = KB.condition("fibromyalgia")
        page = handout("fibromyalgia")
        names = [n for n in page.names() if n in ("h2", "ul")]
        groups = len(common.doctor_groups(condition))
        assert ["h2", "ul", "h2", "ul", "h2", *["ul"] * groups, "h2", "ul"] == names[: 7 + groups]
        for title, items in common.sections(condition):
            if title == common.DOCTOR_TITLE:
                continue
            for item in items:
                assert item in page.text
        lbp = handout("low-back-pain").text
        assert lbp.index("Take care") < lbp.index("Tell your therapist") < lbp.index("See a doctor if")
        for action, signs in common.doctor_groups(condition):
            assert action.rstrip(".") in page.text
            assert all(sign in page.text for sign in signs)

    @pytest.mark.parametrize("condition_id", ["fibromyalgia", "deep-vein-thrombosis", "sciatica"])
    def test_sources_show_full_url(self, condition_id: str) -> None:
        """Every source shows its title and full URL as text, and links to it."""
        page = handout(condition_id)
        hrefs = [attrs.get("href") for tag, attrs in page.tags if tag == "a"]
        for source in KB.condition(condition_id).sources:
            assert source.title in page.text
            assert source.url in page.text
            assert source.url in hrefs

    def test_red_flags_above_h1(self) -> None:
        """A red flag's warning box, with each flag's name and message, comes before the <h1>."""
        result = answer(INDEX, FLAG_QUERY)
        assert result.red_flags and result.condition is not None
        page = parse(html_out.check(result, KB))
        assert page.index("section", **{"class": "alert", "role": "alert"}) < page.index("h1")
        text = page.text
        assert text.index("WARNING:") < text.index(result.condition.name)
        for flag in result.red_flags:
            assert flag.name in text and flag.message in text
        assert common.label(result) in text
        assert "Because of the warning signs above" in text

    def test_no_flags_no_box(self) -> None:
        """Without red flags there is no warning box."""
        page = handout("fibromyalgia")
        assert "alert" not in [attrs.get("class") for _, attrs in page.tags]
        assert "WARNING" not in page.text

    def test_clinic(self) -> None:
        """The clinic's name and contact appear when the knowledge base names one."""
        kb = replace(KB, clinic=Clinic("Test Clinic", "555-0100"))
        text = handout("fibromyalgia", kb).text
        assert "Clinic: Test Clinic · 555-0100" in text
        assert "____" not in text

    def test_blank_clinic_line(self) -> None:
        """Without a clinic the handout leaves a line to stamp or write on."""
        assert "Clinic: ____" in handout("fibromyalgia").text

    def test_not_found(self) -> None:
        """A query that matches nothing gives a short page saying so."""
        page = handout("xyzzy plover")
        assert 1 == page.names().count("h1")
        assert "No condition found" in page.text
        assert "xyzzy plover" in page.text
        assert "h2" not in page.names()

    def test_not_found_with_flag(self) -> None:
        """A red flag with no condition is the flag's own page: its name as the heading, the urgent
        badge and what to do, never "No condition found"."""
        result = answer(INDEX, "my chest hurts")
        assert result.red_flags and result.condition is None
        page = parse(html_out.check(result, KB))
        flag = result.red_flags[0]
        assert (
            page.text.index(flag.name) < page.text.index(common.label(result)) < page.text.index(flag.message)
        )
        assert "No condition found" not in page.text

    def test_badges_differ_without_colour(self) -> None:
        """Each verdict's badge has its own symbol and its own border width and style, not just a colour."""
        badges = [parse(f"<body>{html_out.badge(v)}</body>") for v in Verdict]
        symbols = {page.chunks[0] for page in badges}
        labels = [page.chunks[1] for page in badges]
        style = handout("fibromyalgia").style
        rule = r"\.v-{} \{{[^}}]*border: ([0-9.]+pt [a-z]+)"
        borders = {v: re.search(rule.format(v.value), style) for v in Verdict}
        assert [v.label for v in Verdict] == labels
        assert len(Verdict) == len(symbols)
        assert len(Verdict) == len({m.group(1) for m in borders.values() if m}), borders


class TestUntrustedText:
    """Text from the knowledge base or the user is shown as text, never as markup."""

    def test_hostile_condition_is_escaped(self) -> None:
        """A name and summary made of HTML show literally and create no tags."""
        hostile = replace(KB.condition("fibromyalgia"), name=HOSTILE_NAME, summary=HOSTILE_SUMMARY)
        kb = with_condition(hostile)
        doc = html_out.check(answer(Index.build(kb), "fibromyalgia"), kb)
        page = parse(doc)
        assert "script" not in page.names() and "img" not in page.names()
        assert HOSTILE_NAME in page.text and HOSTILE_SUMMARY in page.text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in doc
        assert "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;" in doc
        assert f"<title>{'&lt;script&gt;alert(1)&lt;/script&gt;'}:" in doc

    def test_hostile_query_is_escaped(self) -> None:
        """The query echoed on a not-found page is escaped."""
        doc = html_out.check(answer(INDEX, HOSTILE_SUMMARY), KB)
        page = parse(doc)
        assert "img" not in page.names()
        assert HOSTILE_SUMMARY in page.text

    def test_only_https_is_linked(self) -> None:
        """http: and javascript: URLs are shown as text but never become links."""
        sources = (
            Source("Plain http", "http://example.com/plain"),
            Source("Script", "javascript:alert(1)"),
            Source("Spaced", " https://example.com/spaced"),
            Source("Quoted", 'https://example.com/"onmouseover="alert(1)'),
        )
        condition = replace(KB.condition("fibromyalgia"), sources=sources)
        kb = with_condition(condition)
        page = handout("fibromyalgia", kb)
        hrefs = [attrs.get("href") for _, attrs in page.tags if "href" in attrs]
        assert ['https://example.com/"onmouseover="alert(1)'] == hrefs
        for source in sources:
            assert source.url.strip() in page.text

    def test_control_characters_removed(self) -> None:
        """Escape codes and bidi overrides in the knowledge base do not reach the page."""
        condition = replace(KB.condition("fibromyalgia"), summary="a\x1b[31mred\x07\u202eevil")
        kb = with_condition(condition)
        doc = html_out.check(answer(Index.build(kb), "fibromyalgia"), kb)
        assert "\x1b" not in doc and "\x07" not in doc and "\u202e" not in doc
        assert "aredevil" in parse(doc).text


class TestManyWarningSigns:
    """A query with many warning signs still prints on one page: the advice for later is left out."""

    QUERY = (
        "I'm 70, fell down the stairs, my back hurts, I have a fever, numbness around my bottom, can't "
        "control my bladder, my calf is swollen and painful and I have chest pain"
    )

    def test_every_sign_is_there_and_the_advice_for_later_is_not(self) -> None:
        """Every sign and its message stay; 'What massage can do', 'cannot replace' and the evidence go,
        with the command that shows them."""
        result = answer(INDEX, self.QUERY)
        assert len(result.red_flags) >= html_out.MANY_FLAGS_IN_COLUMNS and result.condition is not None
        doc = html_out.check(result, KB)
        page = parse(doc)
        text = page.text
        for flag in result.red_flags:
            assert flag.name in text and flag.message in text
        assert "<h2>What massage can do</h2>" not in doc and "<h2>What massage cannot replace</h2>" not in doc
        assert 'class="evidence"' not in doc
        assert "<h2>Take care</h2>" in doc and "<h2>See a doctor if</h2>" in doc
        assert f"massage-cli check {result.condition.id}" in text
        assert ("ul", {"class": "many"}) in page.tags

    def test_one_sign_keeps_the_whole_answer(self) -> None:
        """With one warning sign the handout keeps every section, as before."""
        result = answer(INDEX, "swollen painful calf after a long flight")
        assert 1 == len(result.red_flags)
        doc = html_out.check(result, KB)
        assert "<h2>What massage can do</h2>" in doc and 'class="evidence"' in doc


def test_handout_says_each_action_once(run) -> None:
    """The handout's "See a doctor if" names each action once, then its signs, most urgent first
    (a shorter page, and the action first)."""
    page = run("check", "low back pain", "--format", "html").stdout
    actions = re.findall(r'<p class="when">([^<]+):</p>', page)
    assert actions[0] == "Call emergency services or go to the emergency department now"
    assert len(actions) == len(set(actions))
    assert "See a doctor today" in actions
