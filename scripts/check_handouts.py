"""Print every condition's HTML handout to PDF with headless Chromium and count the pages.

Each handout must fit on one page. This renders `massage-cli check ID --format html` for every
condition, once with the bundled knowledge base alone and once with the example clinic layer
(examples/clinic.yaml, which adds the clinic's name and contact line), prints each to PDF on A4
(and on US Letter with --paper letter) and prints a table: pages per handout and how much room the
last page has left. A tool for people, not a test: CI has no Chromium. Linux and macOS (it talks to
Chromium over a pipe on file descriptors 3 and 4).

    apt-get install chromium poppler-utils fonts-liberation fonts-dejavu-core
    python scripts/check_handouts.py                      # A4, with and without the clinic layer
    python scripts/check_handouts.py --paper a4 --paper letter
    python scripts/check_handouts.py --only sciatica --keep /tmp/handouts   # keep HTML and PDFs
    python scripts/check_handouts.py --many-flags         # only the answers to queries with many warning signs
    python scripts/check_handouts.py --intake             # the intake summaries of INTAKES (issue 17)
    python scripts/check_handouts.py --therapist          # every condition's `check ID --for therapist` page

The stylesheet's own @page rule says `size: auto` (the printer's paper); this script adds
`@page { size: A4 }` (or letter) to its copy of each page, as a print dialog does when A4 paper is
chosen. The margins are the stylesheet's own. Chromium's own header and footer (date, URL, page
numbers) are turned off, as they are by unticking "Headers and footers" in the print dialog.

Columns: pages, then "room": millimetres between the last line of text and the bottom edge of the
paper (this includes the bottom page margin). A handout on more than one page shows how many lines
spill over instead. Exit status: 0 when every handout fits one page, 1 when some do not, 2 when
Chromium cannot be found or fails.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import fcntl
import html
import json
import os
import re
import select
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
try:
    import massage_cli  # noqa: F401
except ModuleNotFoundError:  # a source checkout without `pip install -e .`
    sys.path.insert(0, str(ROOT / "src"))

from massage_cli.answer import answer
from massage_cli.knowledge import load_layers
from massage_cli.layers import Layer, bundled_path
from massage_cli.matching import Index
from massage_cli.model import KnowledgeBase
from massage_cli.render import html_out

CLINIC = ROOT / "examples" / "clinic.yaml"
PAPERS = {"a4": "A4", "letter": "Letter"}
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--no-first-run",
    "--no-default-browser-check",
)
PT_PER_MM = 72 / 25.4
WORD = re.compile(rb'<word xMin="[^"]*" yMin="([0-9.]+)" xMax="[^"]*" yMax="([0-9.]+)"')
PAGE = re.compile(rb'<page width="([0-9.]+)" height="([0-9.]+)"')


@dataclass(frozen=True)
class Variant:
    """One knowledge-base stack to render every handout with."""

    name: str
    kb: KnowledgeBase


@dataclass(frozen=True)
class Job:
    """One handout printed on one paper size."""

    variant: str
    condition_id: str
    paper: str
    html: str


@dataclass(frozen=True)
class Result:
    """How a printed handout came out."""

    pages: int
    room_mm: float | None
    """Space between the last text and the paper's bottom edge on the last page, if measured."""
    spill_lines: int | None
    """Lines of text on the pages after the first, if measured."""
    error: str = ""

    def cell(self) -> str:
        if self.error:
            return "ERROR"
        if self.pages == 1:
            return "1" if self.room_mm is None else f"1 ({self.room_mm:4.1f} mm)"
        spill = "" if self.spill_lines is None else f" (+{self.spill_lines} lines)"
        return f"{self.pages}{spill}"


def find_browser(given: str | None) -> str:
    for name in (given,) if given else BROWSERS:
        found = shutil.which(name) or (name if name and Path(name).is_file() else None)
        if found:
            return found
    print(
        "check_handouts: Chromium not found; install it (apt-get install chromium) or pass --chromium PATH",
        file=sys.stderr,
    )
    raise SystemExit(2)


def variants(layers: Sequence[Path], bundled_only: bool, with_layers: bool) -> list[Variant]:
    bundled = Layer(bundled_path(), "bundled")
    found = []
    if bundled_only:
        found.append(Variant("bundled", load_layers([bundled])))
    if with_layers:
        name = "+".join(p.stem for p in layers)
        found.append(Variant(name, load_layers([bundled, *(Layer(p, "option") for p in layers)])))
    return found


MANY_FLAGS = (
    (
        "I'm 70, fell down the stairs, my back hurts, I have a fever, numbness around my bottom, can't "
        "control my bladder, my calf is swollen and painful and I have chest pain"
    ),
    "sciatica and I cannot control my bladder and I have numbness around my bottom and a fever",
    "my neck hurts after a car crash, my arm is weak and numb, I have a headache and feel sick",
)
"""Queries that raise many warning signs at once: their handouts must fit one page too."""


INTAKES = (
    ("pregnant-30-weeks-low-back-pain", ("30 weeks pregnant", "low back pain"), ()),
    ("warfarin-knee-osteoarthritis", ("knee osteoarthritis",), ("warfarin",)),
    ("breast-cancer-swollen-arm", ("after breast cancer treatment", "swollen arm"), ()),
)
"""The intake summaries that must each print on one page: (name, conditions, medicines). Each is
printed twice: with every question that fits answered no, and with none answered (a checklist)."""


def intakes(variant: Variant) -> dict[str, str]:
    """The intake summaries of INTAKES, answered ('... answered') and not ('... to ask')."""
    from massage_cli.intake import build, fitting_questions
    from massage_cli.render.therapist import intake_page
    from massage_cli.screening import Reply

    index = Index.build(variant.kb)
    pages = {}
    for name, conditions, medicines in INTAKES:
        asked = fitting_questions(index, conditions, medicines)
        answered = build(index, conditions, medicines, {flag.id: Reply.NO for flag in asked})
        pages[f"{name} answered"] = html_out.page(intake_page(answered), variant.kb)
        pages[f"{name} to ask"] = html_out.page(intake_page(build(index, conditions, medicines)), variant.kb)
    return pages


def therapist_pages(variant: Variant, only: Sequence[str]) -> dict[str, str]:
    """Every condition's page for the therapist (`check ID --for therapist --format html`)."""
    from massage_cli.render.therapist import therapist_page

    index = Index.build(variant.kb)
    return {
        c.id: html_out.page(therapist_page(answer(index, c.id)), variant.kb)
        for c in variant.kb.conditions
        if not only or c.id in only
    }


def handouts(variant: Variant, only: Sequence[str], queries: Sequence[str] = ()) -> dict[str, str]:
    """Every condition's handout (or the ones asked for), as `massage-cli check ID --format html` makes
    it, and the handouts of `queries` (named 'query N')."""
    index = Index.build(variant.kb)
    pages = {f"query {n}": html_out.check(answer(index, q), variant.kb) for n, q in enumerate(queries, 1)}
    for condition in variant.kb.conditions:
        if queries and not only:
            break
        if only and condition.id not in only:
            continue
        result = answer(index, condition.id)
        if result.condition is None or result.condition.id != condition.id:
            shown = result.condition.id if result.condition else "nothing"
            print(f"warning: '{condition.id}' looks up {shown}", file=sys.stderr)
        pages[condition.id] = html_out.check(result, variant.kb)
    return pages


def on_paper(doc: str, paper: str) -> str:
    """The page as printed on this paper: a later @page rule sets the size, the margins stay."""
    return doc.replace("</head>", f"<style>@page {{ size: {PAPERS[paper]}; }}</style>\n</head>", 1)


def count_pages(pdf: Path) -> int:
    if shutil.which("pdfinfo"):
        out = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=False).stdout
        match = re.search(r"^Pages:\s+(\d+)", out, re.MULTILINE)
        if match:
            return int(match.group(1))
    # Chromium writes each page as its own object: count them.
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf.read_bytes()))


def measure(pdf: Path, pages: int) -> tuple[float | None, int | None]:
    """Room left on the last page (mm) and lines spilled past page 1, from pdftotext's word boxes."""
    if not shutil.which("pdftotext"):
        return None, None
    run = subprocess.run(
        ["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, check=False, timeout=60
    ).stdout
    chunks = run.split(b"<page ")[1:]
    if len(chunks) != pages:
        return None, None
    last = b"<page " + chunks[-1]
    size = PAGE.search(last)
    bottoms = [float(m.group(2)) for m in WORD.finditer(last)]
    room = (float(size.group(2)) - max(bottoms)) / PT_PER_MM if size and bottoms else None
    lines = {round(float(m.group(2))) for chunk in chunks[1:] for m in WORD.finditer(b"<page " + chunk)}
    return room, len(lines)


class Browser:
    """One headless Chromium driven over --remote-debugging-pipe (the DevTools protocol on fds 3 and 4).

    Starting Chromium once and printing every page in one tab is many times faster than one
    `chromium --print-to-pdf` per page, and prints the same: Page.printToPDF is what that flag calls.
    """

    def __init__(self, path: str, timeout: float) -> None:
        self.timeout = timeout
        self.profile = tempfile.TemporaryDirectory(prefix="chromium-profile-")
        to_browser, self._commands = os.pipe()
        self._replies, from_browser = os.pipe()

        def on_fds_3_and_4() -> None:  # in the child, before exec
            high = [fcntl.fcntl(fd, fcntl.F_DUPFD, 10) for fd in (to_browser, from_browser)]
            for target, fd in zip((3, 4), high):
                os.dup2(fd, target)

        self.log = Path(self.profile.name) / "chromium.log"
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [path, *CHROMIUM_FLAGS, "--remote-debugging-pipe", f"--user-data-dir={self.profile.name}"],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                pass_fds=(3, 4),
                # Safe here: every browser starts from the main thread before the thread pool does,
                # and the function only duplicates file descriptors.
                preexec_fn=on_fds_3_and_4,  # noqa: PLW1509
            )
        os.close(to_browser)
        os.close(from_browser)
        self._buffer = b""
        self._next_id = 0
        self._events: list[dict[str, Any]] = []
        try:
            target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
            attached = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})
            self.session: str = attached["sessionId"]
            self.call("Page.enable", session=self.session)
        except BrowserError:
            self.close()
            raise

    def _read(self) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            ready, _, _ = select.select([self._replies], [], [], self.timeout)
            chunk = os.read(self._replies, 1 << 20) if ready else b""
            if not chunk:
                why = f"no answer in {self.timeout:g}s" if not ready else "it closed the pipe"
                raise BrowserError(f"Chromium stopped responding ({why}){self._log_tail()}")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)  # type: ignore[no-any-return]

    def _log_tail(self) -> str:
        try:
            lines = self.log.read_text(encoding="utf-8", errors="replace").strip().splitlines()
        except OSError:
            return ""
        return "".join(f"\n  chromium: {line}" for line in lines[-5:])

    def call(self, method: str, params: dict[str, Any] | None = None, session: str = "") -> dict[str, Any]:
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._commands, json.dumps(message).encode() + b"\0")
        while True:
            reply = self._read()
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise BrowserError(f"{method}: {reply['error'].get('message', reply['error'])}")
                return reply.get("result", {})  # type: ignore[no-any-return]
            if "method" in reply:
                self._events.append(reply)

    def wait_for(self, event: str) -> None:
        """Wait for an event of this tab (one that came in during an earlier call counts)."""
        while True:
            for seen in self._events:
                if seen.get("method") == event and seen.get("sessionId") == self.session:
                    self._events.clear()
                    return
            self._events = [self._read()]

    def print_pdf(self, page: Path, pdf: Path) -> None:
        """Load a page and print it as Chromium's --print-to-pdf does: the page's @page size and margins."""
        self._events.clear()
        self.call("Page.navigate", {"url": page.as_uri()}, self.session)
        self.wait_for("Page.loadEventFired")
        options = {"preferCSSPageSize": True, "printBackground": True, "displayHeaderFooter": False}
        data = self.call("Page.printToPDF", options, self.session)["data"]
        pdf.write_bytes(base64.b64decode(data))

    def close(self) -> None:
        with contextlib.suppress(OSError, BrowserError):
            os.write(self._commands, json.dumps({"id": 0, "method": "Browser.close"}).encode() + b"\0")
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        for fd in (self._commands, self._replies):
            with contextlib.suppress(OSError):
                os.close(fd)
        self.profile.cleanup()


class BrowserError(Exception):
    """Chromium failed or stopped answering."""


def print_all(browser: Browser, jobs: Sequence[Job], work: Path) -> dict[Job, Result]:
    """Print each job's page in this browser, one after the other."""
    results = {}
    for job in jobs:
        stem = f"{job.variant}-{job.paper}-{job.condition_id}"
        page = work / f"{stem}.html"
        pdf = work / f"{stem}.pdf"
        page.write_text(on_paper(job.html, job.paper), encoding="utf-8")
        try:
            browser.print_pdf(page, pdf)
        except BrowserError as exc:
            results[job] = Result(0, None, None, str(exc))
            continue
        pages = count_pages(pdf)
        room, spill = measure(pdf, pages)
        results[job] = Result(pages, room, spill)
    return results


def visible_text(doc: str) -> str:
    """The text a reader sees in the body, whitespace collapsed."""
    body = doc.split("<body>", 1)[-1]
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def table(rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--paper",
        action="append",
        choices=sorted(PAPERS),
        help="paper size to print on; repeat for several (default: a4)",
    )
    parser.add_argument(
        "--kb",
        action="append",
        type=Path,
        metavar="FILE",
        help=f"layer(s) stacked on the bundled file for the second run (default: {CLINIC.relative_to(ROOT)})",
    )
    parser.add_argument("--no-layer", action="store_true", help="only the bundled knowledge base")
    parser.add_argument("--layer-only", action="store_true", help="only the run with the layer(s)")
    parser.add_argument("--only", action="append", default=[], metavar="ID", help="check only these ids")
    parser.add_argument(
        "--many-flags",
        action="store_true",
        help="check the handouts of queries with many warning signs (MANY_FLAGS) instead of every condition",
    )
    parser.add_argument("--intake", action="store_true", help="check the intake summaries of INTAKES instead")
    parser.add_argument(
        "--therapist", action="store_true", help="check every condition's page for the therapist instead"
    )
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="browsers printing at once")
    parser.add_argument("--chromium", metavar="PATH", help="the browser to print with")
    parser.add_argument("--timeout", type=float, default=60, help="seconds to wait for Chromium (default 60)")
    parser.add_argument("--keep", type=Path, metavar="DIR", help="keep every HTML and PDF in DIR")
    parser.add_argument("--failures", action="store_true", help="list only handouts over one page")
    parser.add_argument(
        "--longest",
        type=int,
        default=None,
        metavar="N",
        help="list the N longest handouts (default 10 if any fail)",
    )
    args = parser.parse_args(argv)
    if args.no_layer and args.layer_only:
        parser.error("--no-layer and --layer-only leave nothing to check")

    browser = find_browser(args.chromium)
    papers: list[str] = args.paper or ["a4"]
    found = variants(args.kb or [CLINIC], not args.layer_only, not args.no_layer)
    if args.intake:
        docs = {v.name: intakes(v) for v in found}
    elif args.therapist:
        docs = {v.name: therapist_pages(v, args.only) for v in found}
    else:
        docs = {v.name: handouts(v, args.only, MANY_FLAGS if args.many_flags else ()) for v in found}
    ids = sorted({cid for pages in docs.values() for cid in pages})
    for n, query in enumerate(MANY_FLAGS if args.many_flags else (), 1):
        print(f"query {n}: {query}")
    for unknown in sorted(set(args.only) - set(ids)):
        print(f"check_handouts: no condition '{unknown}'", file=sys.stderr)
    if not ids:
        print("check_handouts: no condition to check", file=sys.stderr)
        return 2
    jobs = [
        Job(v.name, cid, paper, docs[v.name][cid])
        for v in found
        for paper in papers
        for cid in ids
        if cid in docs[v.name]
    ]

    version = subprocess.run([browser, "--version"], capture_output=True, text=True, check=False).stdout
    count = max(1, min(args.jobs, len(jobs)))
    name = (version.strip().splitlines() or [browser])[0]
    print(f"Printing {len(jobs)} handouts with {name} ({count} at a time)")
    results: dict[Job, Result] = {}
    with tempfile.TemporaryDirectory(prefix="handouts-") as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        browsers: list[Browser] = []
        try:
            for _ in range(count):
                browsers.append(Browser(browser, args.timeout))
            shares = [jobs[i::count] for i in range(count)]
            with ThreadPoolExecutor(max_workers=count) as pool:
                for done in pool.map(print_all, browsers, shares, [work] * count):
                    results.update(done)
        except BrowserError as exc:
            print(f"check_handouts: {exc}", file=sys.stderr)
            return 2
        finally:
            for each in browsers:
                each.close()
    if args.keep:
        print(f"HTML and PDF files kept in {args.keep}")

    by_key = {(j.variant, j.paper, j.condition_id): r for j, r in results.items()}
    columns = [(v.name, p) for v in found for p in papers]
    header = ["id", *(f"{name} {PAPERS[p]}" for name, p in columns)]
    rows = []
    for cid in ids:
        cells = [by_key.get((name, p, cid)) for name, p in columns]
        if args.failures and all(c is None or (c.pages == 1 and not c.error) for c in cells):
            continue
        rows.append([cid, *(c.cell() if c else "-" for c in cells)])
    print()
    if rows:
        print(table([header, *rows]))
    else:
        print("(no handout over one page)")
    errors = [(j, r) for j, r in results.items() if r.error]
    for job, result in errors:
        print(f"error: {job.variant} {job.paper} {job.condition_id}: {result.error}", file=sys.stderr)

    print()
    failed = False
    for name, p in columns:
        printed = [(cid, by_key[(name, p, cid)]) for cid in ids if (name, p, cid) in by_key]
        ones = [cid for cid, r in printed if r.pages == 1 and not r.error]
        over = [cid for cid, r in printed if r.pages != 1 or r.error]
        failed = failed or bool(over)
        tightest = min(
            (r.room_mm for _, r in printed if r.pages == 1 and r.room_mm is not None), default=None
        )
        room = f"; least room left {tightest:.1f} mm" if tightest is not None else ""
        print(f"{name} ({PAPERS[p]}): {len(ones)} of {len(printed)} on one {PAPERS[p]} page{room}")
        if over:
            print(f"  over one page: {', '.join(over)}")

    longest = args.longest if args.longest is not None else (10 if failed else 0)
    if longest:
        sizes = sorted(
            (
                (len(visible_text(doc)), name, cid)
                for name, pages in docs.items()
                for cid, doc in pages.items()
            ),
            reverse=True,
        )
        seen: set[str] = set()
        print("\nLongest handouts (characters of visible text):")
        for chars, name, cid in sizes:
            if cid in seen:
                continue
            seen.add(cid)
            print(f"  {chars:6d}  {cid} ({name})")
            if len(seen) >= longest:
                break
    if errors:
        return 2
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
