"""Measure how the tool reads statements, on labelled corpora (tests/data/statements/*.yaml).

    python scripts/eval_statements.py                         # every corpus, a summary each
    python scripts/eval_statements.py tests/data/statements/heldout.yaml --per-flag
    python scripts/eval_statements.py --json                  # figures for notes and tests
    python scripts/eval_statements.py --misses                # every case it gets wrong
    python scripts/eval_statements.py --combine heldout tests/data/statements/heldout*.yaml

For each case (see tests/data/statements/README.md):
- recall: each flag in `raise` must be raised (counted, not only shown as a "what if");
- false alarms: a flag in `not_raise` that is raised; for `sign: none`, any flag raised;
- entry: when the case names an entry (or null), the answer shows that entry (or none).

It uses only `answer(index, text).red_flags` and `.condition`, so it measures an older checkout as
well (`PYTHONPATH=/path/to/old/src python scripts/eval_statements.py`), for before-and-after figures.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import yaml

from massage_cli.answer import answer
from massage_cli.knowledge import load_bundled
from massage_cli.matching import Index

CORPORA = Path(__file__).resolve().parent.parent / "tests" / "data" / "statements"
SET_ASIDE = ("denied", "other", "past", "what-if")


def load(path: Path) -> list[dict[str, Any]]:
    """The cases of one corpus file."""
    return list(yaml.safe_load(path.read_text(encoding="utf-8"))["cases"])


def evaluate(cases: list[dict[str, Any]], index: Index) -> dict[str, Any]:
    """Recall, false alarms and entries reached, per flag and in all."""
    hits: defaultdict[str, list[int]] = defaultdict(lambda: [0, 0])  # flag -> [raised, wanted]
    alarms: defaultdict[str, list[int]] = defaultdict(lambda: [0, 0])  # flag -> [raised, mentions]
    everyday = [0, 0]
    entries = [0, 0]
    misses: list[dict[str, Any]] = []
    for case in cases:
        result = answer(index, case["text"])
        raised = {flag.id for flag in result.red_flags}
        wrong: list[str] = []
        for flag in case.get("raise") or ():
            hits[flag][1] += 1
            if flag in raised:
                hits[flag][0] += 1
            else:
                wrong.append(f"missed {flag}")
        for flag in case.get("not_raise") or ():
            alarms[flag][1] += 1
            if flag in raised:
                alarms[flag][0] += 1
                wrong.append(f"false alarm {flag}")
        if case.get("sign") == "none":
            everyday[1] += 1
            if raised:
                everyday[0] += 1
                wrong.append(f"everyday sentence raised {sorted(raised)}")
        if "entry" in case:
            entries[1] += 1
            got = result.condition.id if result.condition else None
            if got == case["entry"]:
                entries[0] += 1
            else:
                wrong.append(f"entry {got} (wanted {case['entry']})")
        if wrong:
            misses.append({"id": case["id"], "text": case["text"], "problems": wrong})
    recall_raised = sum(v[0] for v in hits.values())
    recall_wanted = sum(v[1] for v in hits.values())
    alarm_raised = sum(v[0] for v in alarms.values())
    alarm_mentions = sum(v[1] for v in alarms.values())
    return {
        "cases": len(cases),
        "recall": _ratio(recall_raised, recall_wanted),
        "false_alarms": _ratio(alarm_raised, alarm_mentions),
        "everyday_flagged": _ratio(*everyday),
        "entry_reached": _ratio(*entries),
        "per_flag": {
            flag: {
                "recall": _ratio(*hits[flag]) if flag in hits else None,
                "false_alarms": _ratio(*alarms[flag]) if flag in alarms else None,
            }
            for flag in sorted({*hits, *alarms})
        },
        "misses": misses,
    }


def _ratio(part: int, whole: int) -> dict[str, Any]:
    return {"n": whole, "k": part, "rate": round(part / whole, 3) if whole else None}


def _pct(r: dict[str, Any] | None) -> str:
    if not r or r["rate"] is None:
        return "-"
    return f"{r['rate'] * 100:.0f}% ({r['k']}/{r['n']})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--per-flag", action="store_true", help="a line per flag")
    parser.add_argument("--misses", action="store_true", help="every case with a problem")
    parser.add_argument("--json", action="store_true", help="the figures as JSON")
    parser.add_argument("--combine", metavar="NAME", help="measure the files as one corpus called NAME")
    args = parser.parse_args(argv)
    files = args.files or sorted(CORPORA.glob("*.yaml"))
    index = Index.build(load_bundled())
    if args.combine:
        report = {args.combine: evaluate([case for path in files for case in load(path)], index)}
    else:
        report = {path.stem: evaluate(load(path), index) for path in files}
    if args.json:
        if not args.misses:
            for figures in report.values():
                figures.pop("misses")
        print(json.dumps(report, indent=2))
        return 0
    for name, figures in report.items():
        print(f"== {name}: {figures['cases']} cases")
        print(f"   recall (present signs raised)      {_pct(figures['recall'])}")
        print(f"   false alarms (denied/other/past/if) {_pct(figures['false_alarms'])}")
        print(f"   everyday sentences flagged          {_pct(figures['everyday_flagged'])}")
        print(f"   entry reached                       {_pct(figures['entry_reached'])}")
        if args.per_flag:
            print(f"   {'flag':28} {'recall':>16} {'false alarms':>16}")
            for flag, row in figures["per_flag"].items():
                print(f"   {flag:28} {_pct(row['recall']):>16} {_pct(row['false_alarms']):>16}")
        if args.misses:
            for miss in figures["misses"]:
                print(f"   - {miss['id']}: {miss['text']!r}")
                for problem in miss["problems"]:
                    print(f"       {problem}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
