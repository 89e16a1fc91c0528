"""HTML: a self-contained, printable one-page handout (inline CSS only, nothing loaded from the network)."""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from ..answer import Answer
from ..matching import Hit
from ..model import Condition, Faq, KnowledgeBase, Source, Verdict
from ..textclean import clean_text, shorten
from . import common, therapist

if TYPE_CHECKING:
    from ..citations import Citation
    from ..layers import Problem
    from ..readability import Score
    from ..screening import Screening

# The meta tag blocks scripts, images, fonts, frames and fetches even if escaping ever failed.
_CSP = "default-src 'none'; style-src 'unsafe-inline'"

# A symbol per verdict, so the badge reads without colour (with the label and the border style).
_SYMBOLS = {
    Verdict.HELPS: "\u2714\ufe0e",  # heavy check mark; U+FE0E asks for the text glyph, not an emoji
    Verdict.MAY_HELP: "!",
    Verdict.UNPROVEN: "?",
    Verdict.NOT_A_SUBSTITUTE: "\u271a",  # heavy plus, like a medical cross: see a clinician
    Verdict.AVOID: "\u2716\ufe0e",  # heavy multiplication x
    Verdict.URGENT: "\u26a0\ufe0e",  # warning sign
}

# Dark text on a light tint with a border that differs in style and weight per verdict: the badge
# stays readable in grayscale and when a browser drops background colours on print.
# Every condition's handout must print on one A4 page, with or without a clinic layer: check with
# `python scripts/check_handouts.py` (headless Chromium) after changing this or the knowledge base.
# Floors kept while fitting: body text 10pt (never under 9.5pt), no text under 8pt, page margins
# 12mm. The @page size stays auto (the printer's paper); the script prints on A4 (and Letter).
_CSS = """
@page { size: auto; margin: 10mm; }
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body {
  font-family: "Liberation Sans", Arial, "Helvetica Neue", Helvetica, "DejaVu Sans", sans-serif;
  font-size: 10pt; line-height: 1.22; color: #111; background: #fff;
  max-width: 186mm; margin: 1.5em auto; padding: 0 1em;
}
h1 { font-size: 15pt; line-height: 1.15; margin: 0 0 2pt; }
/* The verdict badge sits beside the name when both fit on one line, below it when not. */
h1:has(+ p > .badge:only-child) { display: inline-block; margin-right: 10pt; vertical-align: middle; }
h1 + p:has(> .badge:only-child) { display: inline-block; margin: 0 0 2pt; vertical-align: middle; }
h2 {
  font-size: 10.5pt; margin: 4.5pt 0 1pt; padding-bottom: 0.5pt;
  border-bottom: 0.75pt solid #777; break-after: avoid; page-break-after: avoid;
}
p { margin: 2.5pt 0; }
ul, ol { margin: 1pt 0 0; padding-left: 13pt; }
.when { margin: 3pt 0 0; font-weight: bold; }
li { margin: 0; break-inside: avoid; page-break-inside: avoid; }
a { color: #0b3d91; }
.badge {
  display: inline-block; margin: 1pt 0 2pt; padding: 1.5pt 8pt 1.5pt 5pt;
  font-size: 11.5pt; font-weight: bold; border-radius: 3pt;
}
.badge .sym {
  display: inline-block; min-width: 1.3em; margin-right: 4pt; text-align: center;
  font-family: "DejaVu Sans", "Segoe UI Symbol", sans-serif; font-weight: bold;
}
.v-helps { color: #114d1c; background: #e6f4e8; border: 1pt solid #114d1c; }
.v-may-help { color: #463300; background: #fff6d6; border: 2pt dashed #463300; }
.v-unproven { color: #333333; background: #eeeeee; border: 2pt groove #333333; }
.v-not-a-substitute { color: #123f78; background: #e6eef9; border: 2.5pt dotted #123f78; }
.v-avoid { color: #7a1010; background: #fde8e6; border: 3pt solid #7a1010; }
.v-urgent { color: #7a0000; background: #fde2e0; border: 5pt double #7a0000; }
.headline { font-weight: bold; }
.tell { margin: 2pt 0 0; padding: 0 5pt; border-left: 2pt solid #777; }
.note { font-style: italic; }
.override { font-weight: bold; font-style: italic; border-left: 3pt solid #111; padding-left: 6pt; }
.summary { margin-top: 4pt; }
.alert {
  border: 4pt solid #8b0000; background: #fde2e0; color: #111;
  padding: 4pt 8pt 5pt; margin: 0 0 6pt; break-inside: avoid; page-break-inside: avoid;
}
.alert .alert-head { font-size: 12pt; font-weight: bold; margin: 0 0 2pt; color: #5a0000; }
.alert .sym { font-family: "DejaVu Sans", "Segoe UI Symbol", sans-serif; }
.alert ul { padding-left: 13pt; }
/* Many warning signs: their list in two columns, so the handout still fits one page. */
.alert ul.many { columns: 2; column-gap: 6mm; font-size: 9.5pt; }
/* Many "see a doctor if" signs: each action's list in two columns. */
.many-signs ul { columns: 2; column-gap: 6mm; }
.evidence { margin-top: 4pt; padding: 1.5pt 5pt; border: 0.75pt solid #999; }
.sources { font-size: 8.5pt; line-height: 1.14; }
.sources li { margin: 0 0 1.5pt; }
/* A handout's sources in two columns (not the long list of `massage-cli sources`). */
section > .sources { columns: 2; column-gap: 6mm; }
.url {
  display: block; font-family: "DejaVu Sans Mono", "Liberation Mono", monospace;
  font-size: 8pt; overflow-wrap: anywhere;
}
.details { font-size: 8.5pt; color: #333; margin-top: 4pt; }
.clinic { margin-top: 5pt; }
footer {
  margin-top: 5pt; padding-top: 2pt; border-top: 0.75pt solid #777;
  font-size: 8pt; line-height: 1.2; color: #333;
}
/* The disclaimer and the version line run on as one paragraph. */
footer p { display: inline; margin: 0; }
footer p + p { margin-left: 0.4em; }
table { border-collapse: collapse; width: 100%; font-size: 10pt; }
th, td { text-align: left; vertical-align: top; padding: 2pt 6pt 2pt 0; border-bottom: 0.5pt solid #bbb; }
th { border-bottom: 1pt solid #111; }
tr { break-inside: avoid; page-break-inside: avoid; }
@media print {
  body { max-width: none; margin: 0; padding: 0; line-height: 1.16; }
  a { color: #111; text-decoration: none; }
}
"""


def esc(text: str) -> str:
    """Text from a file or a person, with control characters removed and HTML escaped."""
    return html.escape(clean_text(text), quote=True)


def _link(url: str) -> str:
    """A URL shown in full; a link only when it is https, so javascript: and http: are never followed."""
    shown = esc(url)
    if url.startswith("https://"):
        return f'<a class="url" href="{shown}">{shown}</a>'
    return f'<span class="url">{shown}</span>'


def _document(title: str, body: Iterable[str], footer: Iterable[str] = ()) -> str:
    """A complete HTML5 page around already-escaped body parts."""
    foot = "\n".join(footer)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">',
        '<meta name="referrer" content="no-referrer">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{title}</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        "<main>",
        *body,
        "</main>",
        *([f"<footer>\n{foot}\n</footer>"] if foot else []),
        "</body>",
        "</html>",
    ]
    return "\n".join(parts) + "\n"


def _footer(kb: KnowledgeBase) -> list[str]:
    return [
        f"<p>{esc(kb.disclaimer)}</p>",
        f"<p>Knowledge base {esc(kb.version)}, reviewed {esc(kb.reviewed)}.</p>",
    ]


def _bullets(items: Iterable[str]) -> str:
    return "<ul>\n" + "\n".join(f"<li>{esc(item)}</li>" for item in items) + "\n</ul>"


def _doctor_groups(condition: Condition) -> list[str]:
    """Each action once, then the signs it is for (the action first, and a shorter page)."""
    out = []
    for action, signs in common.doctor_groups(condition):
        out += [f'<p class="when">{esc(action.rstrip("."))}:</p>', _bullets(signs)]
    return out


def _sources(sources: Sequence[Source]) -> list[str]:
    if not sources:
        return []
    items = [f"<li>{esc(s.title)}<br>{_link(s.url)}</li>" for s in sources]
    return ["<section>", "<h2>Sources</h2>", '<ol class="sources">', *items, "</ol>", "</section>"]


MANY_FLAGS = 2
"""With this many warning signs the handout leaves out the advice for later (what massage can do,
what it cannot replace, the evidence) and says where to find it, so that it fits one page."""
MANY_FLAGS_IN_COLUMNS = 4
"""With this many, the warning signs are listed in two columns."""


def _flags(answer: Answer) -> list[str]:
    if not answer.red_flags:
        return []
    items = [f"<li><strong>{esc(f.name)}</strong>: {esc(f.message)}</li>" for f in answer.red_flags]
    symbol = f'<span class="sym" aria-hidden="true">{_SYMBOLS[Verdict.URGENT]}</span>'
    head = f"{symbol} {esc(common.flag_heading(answer))}"
    return [
        '<section class="alert" role="alert">',
        f'<p class="alert-head">{head}</p>',
        '<ul class="many">' if len(answer.red_flags) >= MANY_FLAGS_IN_COLUMNS else "<ul>",
        *items,
        "</ul>",
        "</section>",
    ]


def badge(verdict: Verdict, label: str | None = None) -> str:
    """The verdict as a badge: symbol, label (`label`: the answer's own, see common.label) and a
    border style of its own."""
    symbol = _SYMBOLS[verdict]
    return (
        f'<span class="badge v-{esc(verdict.value)}">'
        f'<span class="sym" aria-hidden="true">{symbol}</span>{esc(label or verdict.label)}</span>'
    )


def _clinic(kb: KnowledgeBase) -> str:
    if kb.clinic is None:
        return '<p class="clinic">Clinic: ______________________________________________</p>'
    contact = f" &middot; {esc(kb.clinic.contact)}" if kb.clinic.contact else ""
    return f'<p class="clinic">Clinic: <strong>{esc(kb.clinic.name)}</strong>{contact}</p>'


def _statement_html(answer: Answer) -> list[str]:
    """The "what if" advice and the signs that did not count."""
    lines = [f'<p class="note">{esc(line)}</p>' for line in common.if_happens_lines(answer)]
    aside = common.set_aside_line(answer)
    if aside:
        lines.append(f'<p class="note">{esc(aside)}</p>')
    return lines


def _flag_page(answer: Answer, kb: KnowledgeBase) -> str:
    """A warning sign with no condition: the sign's own page, action first."""
    assert answer.verdict is not None
    first = answer.red_flags[0]
    body = [
        f"<h1>{esc(first.name)}</h1>",
        f"<p>{badge(answer.verdict, common.label(answer))}</p>",
        f'<p class="headline">{esc(common.headline(answer))}</p>',
    ]
    for i, flag in enumerate(answer.red_flags):
        if i:
            body.append(f"<h2>{esc(flag.name)}</h2>")
        body += [
            f"<p><strong>What to do:</strong> {esc(flag.message)}</p>",
            f"<p><strong>What it may mean:</strong> {esc(flag.may_mean)}</p>",
        ]
    body += [*_statement_html(answer), *_sources(common.flag_sources(answer)), _clinic(kb)]
    return _document(f"{esc(first.name)}: {esc(common.label(answer))} &ndash; massage-cli", body, _footer(kb))


MANY_SIGNS = 12
"""With this many 'see a doctor if' signs, each action's signs are listed in two columns (one page)."""
KEPT_WITH_MANY_FLAGS = ("Take care", "See a doctor if")
"""The sections a handout with many warning signs keeps: what to avoid, and when to get care."""


def check(answer: Answer, kb: KnowledgeBase) -> str:
    """One answer as a printable patient handout, on one page (with many warning signs, the
    advice for later is left out, with the command that shows it)."""
    if common.flag_page(answer):
        return _flag_page(answer, kb)
    body = _flags(answer)
    condition = answer.condition
    if condition is None:
        body += [
            "<h1>No condition found</h1>",
            f"<p>{esc(common.not_found_message(answer))}</p>",
            f"<p>You asked about: &ldquo;{esc(shorten(answer.query, 200))}&rdquo;</p>",
            *_statement_html(answer),
        ]
        return _document("No condition found &ndash; massage-cli", body, _footer(kb))
    assert answer.verdict is not None
    verdict = answer.verdict
    body += [
        f"<h1>{esc(condition.name)}</h1>",
        f"<p>{badge(verdict, common.label(answer))}</p>",
        f'<p class="headline">{esc(common.headline(answer))}</p>',
    ]
    override = common.red_flag_override(answer)
    if override:
        body.append(f'<p class="override">{esc(override)}</p>')
    for extra in (common.note_line(answer), common.also_line(answer)):
        if extra:
            body.append(f'<p class="note">{esc(extra)}</p>')
    body += _statement_html(answer)
    body.append(f'<p class="summary">{esc(condition.summary)}</p>')
    later = len(answer.red_flags) >= MANY_FLAGS
    for title, items in common.sections(condition):
        if later and title not in KEPT_WITH_MANY_FLAGS:
            continue
        if title == common.DOCTOR_TITLE:
            many = len(condition.see_a_doctor_if) >= MANY_SIGNS
            body += [
                '<section class="many-signs">' if many else "<section>",
                f"<h2>{esc(title)}</h2>",
                *_doctor_groups(condition),
                "</section>",
            ]
            continue
        if title == common.TELL_TITLE:  # each sentence starts with the title: one short paragraph
            body.append(f'<p class="tell">{esc(" ".join(items))}</p>')
            continue
        body += ["<section>", f"<h2>{esc(title)}</h2>", _bullets(items), "</section>"]
    if later:
        body.append(f'<p class="note">{esc(common.for_later_line(condition))}</p>')
    else:
        body.append(f'<p class="evidence">{esc(common.evidence_line(condition))}</p>')
    body += _sources(condition.sources)
    body += [f'<p class="details">{esc(common.details_line(condition))}</p>', _clinic(kb)]
    title = f"{esc(condition.name)}: {esc(common.label(answer))} &ndash; massage-cli"
    return _document(title, body, _footer(kb))


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A table of plain-text cells (escaped here)."""
    head = "<tr>" + "".join(f"<th>{esc(h)}</th>" for h in header) + "</tr>"
    lines = ["<tr>" + "".join(f"<td>{esc(str(cell))}</td>" for cell in row) + "</tr>" for row in rows]
    return "\n".join(["<table>", "<thead>", head, "</thead>", "<tbody>", *lines, "</tbody>", "</table>"])


def listing(conditions: Sequence[Condition]) -> str:
    """Conditions as an HTML table."""
    rows = common.listing_rows(conditions)
    table = _table(common.LISTING_COLUMNS, rows)
    return _document("Conditions &ndash; massage-cli", ["<h1>Conditions</h1>", table])


def hits(found: Sequence[Hit]) -> str:
    """Search results, best first, as an HTML table."""
    rows = common.hits_rows(found)
    body = ["<h1>Search results</h1>"]
    body.append(_table(common.HITS_COLUMNS, rows) if rows else "<p>No conditions found.</p>")
    return _document("Search results &ndash; massage-cli", body)


def benefits(kb: KnowledgeBase) -> str:
    """What massage can and cannot do in general."""
    body = [
        "<h1>What massage can and cannot do</h1>",
        "<section>",
        "<h2>What massage can do</h2>",
        _bullets(kb.benefits.can_do),
        "</section>",
        "<section>",
        "<h2>What massage cannot do</h2>",
        _bullets(kb.benefits.cannot_do),
        "</section>",
        *_sources(kb.benefits.sources),
        _clinic(kb),
    ]
    return _document("What massage can and cannot do &ndash; massage-cli", body, _footer(kb))


def faq_list(kb: KnowledgeBase) -> str:
    """The questions, each with the id to ask for its answer."""
    table = _table(("ID", "Question"), [(faq.id, faq.question) for faq in kb.faq])
    body = ["<h1>Common questions</h1>", table, f"<p>{esc(common.faq_hint(kb))}</p>"]
    return _document("Common questions &ndash; massage-cli", body, _footer(kb))


def faq_one(faq: Faq, kb: KnowledgeBase) -> str:
    """One question and its answer."""
    body = [f"<h1>{esc(faq.question)}</h1>"]
    body += [f"<p>{esc(part)}</p>" for part in faq.answer.split("\n\n") if part.strip()]
    body += [*_sources(faq.sources), _clinic(kb)]
    return _document(f"{esc(faq.question)} &ndash; massage-cli", body, _footer(kb))


def red_flags(kb: KnowledgeBase) -> str:
    """The warning signs, each with what to do, as a printable page."""
    body = ["<h1>Warning signs: get care before any massage</h1>"]
    for flag in kb.red_flags:
        body += [
            "<section>",
            f"<h2>{esc(flag.name)}</h2>",
            f'<p class="headline">{esc(flag.action.instruction)}</p>',
            f"<p>{esc(flag.may_mean)}</p>",
            f"<p>{esc(flag.message)}</p>",
            "</section>",
        ]
    body.append(_clinic(kb))
    return _document("Warning signs &ndash; massage-cli", body, _footer(kb))


def screening(result: Screening, kb: KnowledgeBase) -> str:
    """The outcome of a screening as a printable page, with each question asked and its answer."""
    from ..screening import UNSURE_WHY

    outcome = result.outcome
    body = [f"<h1>Screening: {esc(outcome.value.replace('-', ' '))}</h1>"]
    body.append(f'<p class="headline">{esc(outcome.message)}</p>')
    if result.flagged:
        items = [f"<li><strong>{esc(f.name)}</strong>: {esc(f.message)}</li>" for f in result.flagged]
        body += ["<section>", "<h2>You said yes to</h2>", "<ul>", *items, "</ul>", "</section>"]
    if result.unsure:
        items = [f"<li><strong>{esc(f.name)}</strong>: {esc(f.message)}</li>" for f in result.unsure]
        body += ["<section>", "<h2>You were not sure about</h2>", f"<p>{esc(UNSURE_WHY)}</p>"]
        body += ["<ul>", *items, "</ul>", "</section>"]
    body += ["<section>", "<h2>Your answers</h2>", *_screening_answers(result), "</section>"]
    body.append(_clinic(kb))
    return _document("Screening &ndash; massage-cli", body, _footer(kb))


def _screening_answers(result: Screening) -> list[str]:
    """Each question asked with its answer, and how many were not asked."""
    asked = result.asked
    lines = (
        [_table(("Question", "Answer"), [(flag.ask, reply.label) for flag, reply in asked])] if asked else []
    )
    left = len(result.answers) - len(asked)
    if not asked:
        lines.append("<p>No questions were asked.</p>")
    elif left:
        lines.append(
            f"<p>{left} other warning signs were not asked about "
            "(<code>massage-cli screen --all</code> asks about every one).</p>"
        )
    return lines


def paths(rows: Sequence[dict[str, str]]) -> str:
    """The knowledge-base files as an HTML table."""
    table = _table(
        [c.capitalize() for c in common.PATH_COLUMNS], [[r[c] for c in common.PATH_COLUMNS] for r in rows]
    )
    return _document("Knowledge-base files &ndash; massage-cli", ["<h1>Knowledge-base files</h1>", table])


def validation(
    files: Sequence[str], problems: Sequence[Problem], kb: KnowledgeBase | None, limit: int | None = None
) -> str:
    """The verdict and the problems as a page (with a limit: then counts by kind)."""
    body = [f"<h1>{esc(common.validation_summary(files, problems, kb))}</h1>"]
    body.append(_bullets(common.problem_lines(problems, limit) or list(files)))
    return _document("Validation &ndash; massage-cli", body)


def sources(rows: Sequence[Citation]) -> str:
    """Every source with the entries that cite it, as a page a reviewer can work through."""
    items = [
        f"<li>{esc(r.title)}<br>{_link(r.url)}<br>Cited by: {esc(common.cited_by(r))}</li>" for r in rows
    ]
    body = ["<h1>Sources</h1>", '<ol class="sources">', *items, "</ol>"]
    return _document("Sources &ndash; massage-cli", body)


def readability(found: Sequence[Score], problems: Sequence[str]) -> str:
    """Reading grades, hardest first."""
    body = [f"<h1>{esc(common.readability_summary(problems))}</h1>"]
    if problems:
        body.append(_bullets(problems))
    body.append(_table(("Grade", "Kind", "ID"), [(f"{s.grade:.1f}", s.kind, s.id) for s in found]))
    return _document("Reading level &ndash; massage-cli", body)


_PAGE_CSS = """
@page { margin: 8mm; }
body { font-size: 9.5pt; }
@media print { body { line-height: 1.12; } }
section > .sources { font-size: 8pt; line-height: 1.1; }
section > .sources .url { display: inline; margin-left: 0.3em; }
.lead { font-weight: bold; font-size: 10.5pt; margin: 2pt 0 3pt; }
.row { margin: 2pt 0; }
.plan h2 { margin-top: 2.5pt; }
ul.numbered { list-style: none; padding-left: 0; }
ul.checklist { list-style: none; padding-left: 2pt; columns: 2; column-gap: 5mm; font-size: 8.5pt; line-height: 1.15; }
ul.checklist li::before { content: "\\2610\\00a0"; font-family: "DejaVu Sans", sans-serif; }
.answers { font-size: 8.5pt; }
ul.avoid { columns: 2; column-gap: 6mm; padding-left: 11pt; font-size: 8.5pt; line-height: 1.15; }
.small { font-size: 8pt; color: #333; margin: 1.5pt 0; }
"""


def page(view: therapist.Page, kb: KnowledgeBase) -> str:
    """A therapist's view (check --for therapist, intake) as a printable page: a block without a
    list is one line ('Pressure: ...'), a block with one is a heading and its list."""
    body = [f"<h1>{esc(view.title)}</h1>", f'<p class="lead">{esc(view.lead)}</p>']
    for block in view.blocks:
        if block.kind == therapist.ALERT:
            symbol = f'<span class="sym" aria-hidden="true">{_SYMBOLS[Verdict.URGENT]}</span>'
            body += [
                '<section class="alert" role="alert">',
                f'<p class="alert-head">{symbol} {esc(block.title)}</p>',
                *(f"<p>{esc(text)}</p>" for text in block.paras),
                _bullets(block.items) if block.items else "",
                "</section>",
            ]
            continue
        kind = f" {esc(block.kind)}" if block.kind else ""
        if not block.items:
            title = f"<strong>{esc(block.title)}:</strong> " if block.title else ""
            body.append(f'<p class="row{kind}">{title}{esc(" ".join(block.paras))}</p>')
            continue
        body.append('<section class="plan">')
        if block.title:
            body.append(f"<h2>{esc(block.title)}</h2>")
        body += [f"<p>{esc(text)}</p>" for text in block.paras]
        items = "\n".join(f"<li>{esc(item)}</li>" for item in block.items)
        body += [f'<ul class="{esc(block.kind)}">' if block.kind else "<ul>", items, "</ul>", "</section>"]
    if view.sources:  # title and address run on, so a long list takes fewer lines
        cited = [f"<li>{esc(s.title)} {_link(s.url)}</li>" for s in view.sources]
        body += ["<section>", "<h2>Sources</h2>", '<ol class="sources">', *cited, "</ol>", "</section>"]
    # A page for the therapist: the clinic in the small print, and no blank line to write one on.
    clinic = common.clinic_line(kb)
    body.append(f'<p class="small">{esc(" ".join((*view.small, *([clinic] if clinic else []))))}</p>')
    return _document(f"{esc(view.title)} &ndash; massage-cli", body, _footer(kb)).replace(
        "</style>", _PAGE_CSS + "</style>", 1
    )


def session_listing(conditions: Sequence[Condition]) -> str:
    """Conditions grouped by session rule, strictest first, one table each."""
    body = ["<h1>Conditions by session rule</h1>"]
    for title, members in therapist.listing_groups(conditions):
        rows = "\n".join(
            f"<tr><td>{esc(c.id)}</td><td>{esc(c.name)}</td><td>{esc(therapist.session_summary(c))}</td></tr>"
            for c in members
        )
        body += [
            f"<h2>{esc(title)} ({len(members)})</h2>",
            f"<table>\n<tr><th>ID</th><th>Name</th><th>Session</th></tr>\n{rows}\n</table>",
        ]
    return _document("Conditions by session rule &ndash; massage-cli", body)
