"""How often everyday descriptions of a condition reach its entry, and whether ordinary massage
questions raise a warning: on the development list (tuned on) and the held-out list (written by a
helper who had not seen the rules; never tuned on).

    python scripts/eval_lay.py                       # both lists
    python scripts/eval_lay.py --misses FILE.yaml    # one list, with what each miss reached
"""

from __future__ import annotations

import argparse
from pathlib import Path

import yaml

from massage_cli.answer import answer
from massage_cli.knowledge import load_bundled
from massage_cli.matching import Index

DATA = Path(__file__).resolve().parents[1] / "tests" / "data"
LISTS = [DATA / "lay_descriptions_dev.yaml", DATA / "lay_descriptions_heldout.yaml"]


def items(path: Path) -> list[dict[str, str]]:
    """The list's descriptions as {text, expected}; the development file keeps them under a key."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if isinstance(data, dict):  # the development file: its `ordinary` queries are held by the tests
        return list(data.get("lay", []))
    return list(data)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path, default=LISTS)
    parser.add_argument("--misses", action="store_true", help="list what each miss reached")
    args = parser.parse_args()
    index = Index.build(load_bundled())
    for path in args.files:
        reached = described = warned = ordinary = 0
        misses = []
        for item in items(path):
            result = answer(index, item["text"])
            if item["expected"] == "-":
                ordinary += 1
                warned += bool(result.red_flags)
                continue
            described += 1
            shown = result.match.condition.id if result.match else None
            if shown == item["expected"]:
                reached += 1
            else:
                misses.append(f"   - {item['text']!r}: {shown} (wanted {item['expected']})")
        print(f"== {path.name}: {described} descriptions, {ordinary} ordinary questions")
        if described:
            print(f"   reached their entry        {100 * reached / described:.0f}% ({reached}/{described})")
        if ordinary:
            print(f"   ordinary with a warning    {100 * warned / ordinary:.0f}% ({warned}/{ordinary})")
        if args.misses:
            print("\n".join(misses))


if __name__ == "__main__":
    main()
