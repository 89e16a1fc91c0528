"""Rich: panels, coloured verdict badges and links for a terminal. All data goes in as Text, never markup."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich import box
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.constrain import Constrain
from rich.measure import Measurement
from rich.padding import Padding
from rich.panel import Panel
from rich.segment import Segment
from rich.style import Style
from rich.table import Table
from rich.text import Text

from ..answer import Answer
from ..model import Condition, Faq, KnowledgeBase, Source, Verdict
from . import common, therapist

if TYPE_CHECKING:
    from ..citations import Citation
    from ..layers import Problem
    from ..matching import Hit
    from ..readability import Score
    from ..screening import Screening

VERDICT_STYLES = {
    Verdict.HELPS: "bold white on green",
    Verdict.MAY_HELP: "bold black on yellow",
    Verdict.UNPROVEN: "bold white on grey35",
    Verdict.NOT_A_SUBSTITUTE: "bold white on dark_orange3",
    Verdict.AVOID: "bold white on red",
    Verdict.URGENT: "bold white on red3",
}


READING_WIDTH = 100
"""Panels and prose stop here on a wide terminal: longer lines are hard to read."""


def _readable(*parts: RenderableType) -> Constrain:
    """Parts stacked, no wider than READING_WIDTH."""
    return Constrain(Group(*parts), READING_WIDTH)


def badge(verdict: Verdict, label: str | None = None) -> Text:
    """The verdict as a coloured label (`label`: the answer's own words for it, see common.label)."""
    return Text(f" {(label or verdict.label).upper()} ", style=VERDICT_STYLES[verdict], no_wrap=True)


def whole(text: str, style: str | Style = "") -> Text:
    """Text that is never cut: a path, an id or a URL longer than the line is folded onto the next."""
    return Text(text, style=style, overflow="fold")


def _link(url: str) -> Text:
    """A URL, clickable where the terminal supports links, never cut."""
    return whole(url, Style(color="blue", link=url))


class _Items:
    """Items after a marker, with a hanging indent: wrapped lines stay under the item's text.
    A word longer than the line (a URL, a path) is folded, never cut. (Cheaper than a table grid,
    which measures every cell: this is on the start-up path of `check`.)"""

    def __init__(self, items: Sequence[Text], marker: str = "•") -> None:
        self.items = items
        self.marker = marker

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        indent = len(self.marker) + 1
        width = max(1, options.max_width - indent)
        first, rest = Segment(self.marker + " "), Segment(" " * indent)
        for item in self.items:
            for n, line in enumerate(item.wrap(console, width, overflow="fold")):
                yield first if n == 0 else rest
                yield from line.render(console)
                yield Segment.line()

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        indent = len(self.marker) + 1
        longest = max((line.cell_len for item in self.items for line in item.split()), default=0)
        return Measurement(indent + 1, indent + longest).clamp(max_width=options.max_width)


def _bullets(items: Sequence[str]) -> _Items:
    """A list with hanging indents, so wrapped lines stay under their bullet."""
    return _Items([whole(item) for item in items])


def _heading(title: str) -> Text:
    return Text(title, style="bold underline")


def _sources(sources: Sequence[Source]) -> _Items:
    """Each source's title, and its URL whole on a line of its own (folded when longer)."""
    return _Items(
        [Text.assemble(source.title, "\n", _link(source.url), overflow="fold") for source in sources]
    )


class _FlagPanel:
    """The red warning panel. Its title is the instruction when the whole of it fits; on a narrower
    terminal the title is just WARNING and the instruction opens the body, so it is never cut."""

    def __init__(self, answer: Answer) -> None:
        self.heading = common.flag_heading(answer)
        self.flags = answer.red_flags

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        # A panel shows a title of up to its width less 4 cells (the corners and a space each side).
        fits = Text(self.heading).cell_len <= options.max_width - 4
        title, _, instruction = self.heading.partition(": ")
        body = Text()
        if fits:
            title = self.heading
        else:
            body.append(instruction + "\n\n", style="bold")
        for i, flag in enumerate(self.flags):
            body.append(("\n\n" if i else "") + flag.name, style="bold")
            body.append("\n" + flag.message)
        yield Panel(
            body,
            title=Text(title, style="bold white on red"),
            title_align="left",
            border_style="bold red",
        )


def _statement_texts(answer: Answer) -> list[Text]:
    """The "what if" advice and the signs that did not count."""
    texts = [Text(line, style="italic") for line in common.if_happens_lines(answer)]
    aside = common.set_aside_line(answer)
    if aside:
        texts.append(Text(aside, style="dim"))
    return texts


def _flag_page(answer: Answer, kb: KnowledgeBase) -> RenderableType:
    """A warning sign with no condition: the sign's own page, action first."""
    assert answer.verdict is not None
    body: list[RenderableType] = [Text(common.verdict_line(answer), style="bold")]
    for flag in answer.red_flags:
        body += [Text(""), Text(flag.name, style="bold"), Text("What to do: " + flag.message)]
        body.append(Text("What it may mean: " + flag.may_mean))
    body += [Text(""), _heading("Sources"), _sources(common.flag_sources(answer))]
    statement = _statement_texts(answer)
    if statement:
        body += [Text(""), *statement]
    heading = Text.assemble(
        badge(answer.verdict, common.label(answer)), Text(" " + answer.red_flags[0].name, style="bold")
    )
    border = VERDICT_STYLES[answer.verdict].split(" on ")[-1]
    panel = Panel(Group(*body), title=heading, title_align="left", border_style=border)
    return _readable(panel, Text(kb.disclaimer, style="dim"))


def check(answer: Answer, kb: KnowledgeBase) -> RenderableType:
    """One answer as a panel (with a red warning panel above it when needed)."""
    if common.flag_page(answer):
        return _flag_page(answer, kb)
    parts: list[RenderableType] = []
    if answer.red_flags:
        parts.append(_FlagPanel(answer))
    condition = answer.condition
    if condition is None:
        parts += [Text(common.not_found_message(answer)), *_statement_texts(answer)]
        return _readable(*parts)
    assert answer.verdict is not None
    body: list[RenderableType] = [Text(common.verdict_line(answer), style="bold")]
    override = common.red_flag_override(answer)
    if override:
        body.append(Text(override, style="bold red"))
    for extra in (common.note_line(answer), common.also_line(answer)):
        if extra:
            body.append(Text(extra, style="italic"))
    body += _statement_texts(answer)
    body += [Text(""), Text(condition.summary)]
    for title, items in common.sections(condition):
        body += [Text(""), _heading(title), _bullets(items)]
    body += [Text(""), Text(common.evidence_line(condition), style="italic")]
    body += [Text(""), _heading("Sources"), _sources(condition.sources)]
    body += [Text(""), Text(common.details_line(condition), style="dim")]
    # The badge comes first so that a long name, cut to fit, never hides it.
    heading = Text.assemble(
        badge(answer.verdict, common.label(answer)), Text(" " + condition.name, style="bold")
    )
    border = VERDICT_STYLES[answer.verdict].split(" on ")[-1]
    parts.append(Panel(Group(*body), title=heading, title_align="left", border_style=border))
    clinic = common.clinic_line(kb)
    if clinic:
        parts.append(Text(clinic, style="bold"))
    parts.append(Text(kb.disclaimer, style="dim"))
    return _readable(*parts)


class _FittedTable:
    """A table that fits the terminal: the first column (the id people type) is never cut, the
    others wrap, and the columns after the required ones are dropped, last first, until the rest
    fit; one entry a block when not even the required columns fit."""

    def __init__(self, header: Sequence[str], rows: Sequence[Sequence[Text]], required: int) -> None:
        self.header = header
        self.rows = rows
        self.required = required

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        columns = range(len(self.header))
        cells = [[row[i].plain for row in self.rows] for i in columns]
        natural = [max(len(t) for t in [self.header[i], *cells[i]]) for i in columns]
        # A column of no-wrap cells (the verdict badges) keeps its whole width, like the first.
        whole_width = [
            i == 0 or bool(self.rows) and all(row[i].no_wrap for row in self.rows) for i in columns
        ]
        minimums = [
            natural[i] if whole_width[i] else common.readable_minimum(cells[i], self.header[i])
            for i in columns
        ]
        # No outer rules, and no padding at the outer edges: each column adds a space either side and
        # a divider, less one divider and two spaces for the table (so 80 columns hold the id, a
        # name and a whole badge). Rich's own narrowing ignores minimum widths (and then crops the
        # table), so the widths are set here.
        widths = common.fit_widths(natural, minimums, self.required, options.max_width, 3, -3)
        if widths is None:
            yield self._stacked()
            return
        table = Table(header_style="bold", box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
        for i, width in enumerate(widths):
            table.add_column(self.header[i], no_wrap=whole_width[i], width=width)
        for row in self.rows:
            table.add_row(*row[: len(widths)])
        yield table

    def _stacked(self) -> Table:
        grid = Table.grid(padding=(0, 0, 0, 2))
        grid.add_column(overflow="fold")
        for i, row in enumerate(self.rows):
            grid.add_row(Text(row[0].plain, style="bold", overflow="fold"))
            for cell in row[1 : self.required]:
                grid.add_row(Padding(cell, (0, 0, 0, 2), expand=False))  # wrapped lines keep the indent
            if i < len(self.rows) - 1:
                grid.add_row("")
        return grid


def listing(conditions: Sequence[Condition]) -> RenderableType:
    """Conditions as a table that fits the terminal (ID, name and verdict always; the id never cut)."""
    rows = [
        (
            Text(c.id),
            Text(c.name),
            badge(c.verdict),
            Text(c.evidence.level.label),
            Text(c.category),
            Text(", ".join(c.body_parts)),
            Text(common.codes_text(c)),
        )
        for c in conditions
    ]
    return _FittedTable(common.LISTING_COLUMNS, rows, common.LISTING_REQUIRED)


def hits(found: Sequence[Hit]) -> RenderableType:
    """Search results as a table, best first."""
    rows = [
        (Text(h.condition.id), Text(h.condition.name), badge(h.condition.verdict), Text(f"{h.score:g}"))
        for h in found
    ]
    return _FittedTable(common.HITS_COLUMNS, rows, common.LISTING_REQUIRED)


def benefits(kb: KnowledgeBase) -> RenderableType:
    """What massage can and cannot do in general."""
    body = Group(
        _heading("What massage can do"),
        _bullets(kb.benefits.can_do),
        Text(""),
        _heading("What massage cannot do"),
        _bullets(kb.benefits.cannot_do),
        Text(""),
        _heading("Sources"),
        _sources(kb.benefits.sources),
    )
    return _readable(
        Panel(body, title=Text("Massage: benefits and limits", style="bold"), title_align="left"),
        Text(kb.disclaimer, style="dim"),
    )


def faq_list(kb: KnowledgeBase) -> RenderableType:
    """The questions as a table (the id never cut), then how to open an answer."""
    rows = [(Text(faq.id), Text(faq.question)) for faq in kb.faq]
    return Group(_FittedTable(("ID", "Question"), rows, 2), whole(common.faq_hint(kb), "dim"))


def faq_one(faq: Faq, kb: KnowledgeBase) -> RenderableType:
    """One question and its answer."""
    body = Group(Text(faq.answer), Text(""), _heading("Sources"), _sources(faq.sources))
    return _readable(
        Panel(body, title=Text(faq.question, style="bold"), title_align="left"),
        Text(kb.disclaimer, style="dim"),
    )


def red_flags(kb: KnowledgeBase) -> RenderableType:
    """The red-flag catalogue as a table."""
    table = Table("Warning sign", "What to do", "What it may mean", header_style="bold", show_lines=True)
    for flag in kb.red_flags:
        style = "bold white on red" if flag.action.value == "emergency" else "bold black on yellow"
        table.add_row(
            Text(flag.name, style="bold"), Text(flag.action.instruction, style=style), Text(flag.may_mean)
        )
    return _readable(table, Text(kb.disclaimer, style="dim"))


_OUTCOME_STYLES = {
    "emergency": "bold white on red",
    "call-care-team": "bold white on red",
    "see-a-doctor": "bold black on yellow",
    "no-warning-signs": "bold white on blue",
    "not-screened": "bold white on blue",
}
"""By `Outcome` value: screening.py is not imported until `screen` runs (start-up of `check`)."""


def screening(result: Screening, kb: KnowledgeBase) -> RenderableType:
    """The outcome of a screening as a panel."""
    outcome = result.outcome
    body: list[RenderableType] = [Text(outcome.message, style="bold")]
    if result.flagged:
        body += [
            Text(""),
            _heading("You said yes to"),
            _bullets([f"{f.name}: {f.message}" for f in result.flagged]),
        ]
    if result.unsure:
        from ..screening import UNSURE_WHY

        body += [
            Text(""),
            _heading("You were not sure about"),
            _bullets([f"{f.name}: {f.message}" for f in result.unsure]),
            Text(UNSURE_WHY),
        ]
    heading = Text(
        f" {outcome.value.upper().replace('-', ' ')} ",
        style=_OUTCOME_STYLES.get(outcome.value, "bold white on red"),
    )
    border = _OUTCOME_STYLES.get(outcome.value, "on red").split(" on ")[-1]
    return _readable(
        Panel(Group(*body), title=heading, title_align="left", border_style=border),
        Text(kb.disclaimer, style="dim"),
    )


class _Paths:
    """The knowledge-base files: a table when the paths have room, else one block per file (origin
    and status, then the path on its own lines). A path is folded, never cut."""

    PATH_ROOM = 30
    """Narrower than this, a path column would fold every path into many pieces: blocks instead."""

    def __init__(self, rows: Sequence[dict[str, str]]) -> None:
        self.rows = rows

    @staticmethod
    def _style(status: str) -> str:
        if "error" in status or status.startswith("broken"):
            return "red"
        return "dim" if "missing" in status or "not used" in status else ""

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        rest = sum(max(len(r[c]) for r in self.rows) for c in ("origin", "status")) if self.rows else 0
        longest = max((len(r["path"]) for r in self.rows), default=0)
        if options.max_width - rest - 10 >= min(longest, self.PATH_ROOM):
            table = Table(header_style="bold")
            for column in common.PATH_COLUMNS:
                table.add_column(
                    column.capitalize(), no_wrap=column != "path", ratio=1 if column == "path" else None
                )
            for row in self.rows:
                status = Text(row["status"], style=self._style(row["status"]))
                table.add_row(Text(row["origin"]), whole(row["path"]), status)
            yield table
            return
        for i, row in enumerate(self.rows):
            yield Text.assemble(
                (row["origin"], "bold"), ": ", (row["status"], self._style(row["status"])), overflow="fold"
            )
            yield Padding(whole(row["path"]), (0, 0, 1 if i < len(self.rows) - 1 else 0, 2))


def paths(rows: Sequence[dict[str, str]]) -> RenderableType:
    """The knowledge-base files as a table (or blocks, on a narrow terminal)."""
    return _Paths(rows)


def validation(
    files: Sequence[str], problems: Sequence[Problem], kb: KnowledgeBase | None, limit: int | None = None
) -> RenderableType:
    """The verdict, then the problems (with a limit: then counts by kind)."""
    summary = whole(common.validation_summary(files, problems, kb), "bold red" if problems else "bold green")
    items = common.problem_lines(problems, limit) or list(files)
    return Group(summary, _bullets(items))


def sources(rows: Sequence[Citation]) -> RenderableType:
    """Every source with the entries that cite it, as a table."""
    table = Table("Source", "Cited by", header_style="bold", show_lines=True)
    for row in rows:
        table.add_row(
            Text.assemble(row.title, "\n", _link(row.url), overflow="fold"), whole(common.cited_by(row))
        )
    return Constrain(table, READING_WIDTH)


def readability(found: Sequence[Score], problems: Sequence[str]) -> RenderableType:
    """Reading grades, hardest first, grades above 8 highlighted."""
    table = Table("Grade", "Kind", "ID", header_style="bold")
    for s in found:
        style = "bold red" if s.grade > 10 else "yellow" if s.grade > 8 else ""
        table.add_row(Text(f"{s.grade:.1f}", style=style), Text(s.kind), whole(s.id))
    summary = whole(common.readability_summary(problems), "bold red" if problems else "bold green")
    return Group(summary, _bullets(list(problems)), table) if problems else Group(summary, table)


def page(view: therapist.Page, kb: KnowledgeBase) -> RenderableType:
    """A therapist's view (check --for therapist, intake) for a terminal."""
    parts: list[RenderableType] = []
    body: list[RenderableType] = [Text(view.lead, style="bold")]
    for block in view.blocks:
        if block.kind == therapist.ALERT:
            alert = Text()
            for text in block.paras:
                alert.append(text + "\n\n", style="bold")
            alert.append("\n".join(block.items))
            title = Text(block.title, style="bold white on red")
            parts.append(Panel(alert, title=title, title_align="left", border_style="bold red"))
            continue
        body.append(Text(""))
        if block.title:
            body.append(_heading(block.title))
        body += [whole(text) for text in block.paras]
        if block.items:
            if block.kind == therapist.NUMBERED:
                body += [whole(item) for item in block.items]
            else:
                marker = "\u2610" if block.kind == therapist.CHECKLIST else "\u2022"
                body.append(_Items([whole(item) for item in block.items], marker))
    if view.sources:
        body += [Text(""), _heading("Sources"), _sources(view.sources)]
    body += [Text(""), *(Text(text, style="dim") for text in view.small)]
    parts.append(Panel(Group(*body), title=Text(view.title, style="bold"), title_align="left"))
    clinic = common.clinic_line(kb)
    if clinic:
        parts.append(Text(clinic, style="bold"))
    parts.append(Text(kb.disclaimer, style="dim"))
    return _readable(*parts)


def session_listing(conditions: Sequence[Condition]) -> RenderableType:
    """Conditions grouped by session rule, strictest first."""
    parts: list[RenderableType] = []
    for title, members in therapist.listing_groups(conditions):
        parts.append(_heading(f"{title} ({len(members)})"))
        items = [Text.assemble((c.id, "bold"), f": {therapist.session_summary(c)}") for c in members]
        parts += [_Items(items), Text("")]
    return _readable(*parts)
