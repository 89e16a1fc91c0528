"""Build src/massage_cli/icd10cm_titles.tsv.gz: every ICD-10-CM code with its title and billable flag.

Source: the April 2026 ICD-10-CM code set (tabular list and code list) as simple-icd-10-cm 1.5.0
packages it. ICD-10-CM is published by CDC/NCHS and is in the public domain (see
src/massage_cli/icd10cm_titles.NOTICE). Kept: categories, subcategories and codes with a 7th
character; chapters and blocks are left out. One line per code, sorted by key:

    KEY<TAB>B<TAB>Title        M5450<TAB>1<TAB>Low back pain, unspecified

KEY is the code without its dot, B is 1 for a billable code (a leaf of the tree) and 0 for a
heading. Runs of white space in a title become one space (a few 7th-character titles hold a tab).
Run again when the code set changes (install the new simple-icd-10-cm first):

    pip install '.[test]' && python scripts/build_icd10_titles.py
"""

from __future__ import annotations

import gzip
from pathlib import Path

import simple_icd_10_cm as icd

TARGET = Path(__file__).resolve().parent.parent / "src" / "massage_cli" / "icd10cm_titles.tsv.gz"


def rows() -> dict[str, tuple[bool, str]]:
    """Code key -> (billable, title) for every category and subcategory in the code set."""
    found: dict[str, tuple[bool, str]] = {}
    # The two lists run in step; icd.remove_dot scans the whole list for every code (minutes).
    for code, key in zip(icd.get_all_codes(with_dots=True), icd.get_all_codes(with_dots=False)):
        # A few categories (B99, M99, Z68 ...) are also the name of their own block: keep the code.
        if icd.is_category_or_subcategory(code):
            found[key] = (icd.is_leaf(code), " ".join(icd.get_description(code).split()))
    return found


def main() -> None:
    table = rows()
    text = "".join(f"{key}\t{int(billable)}\t{title}\n" for key, (billable, title) in sorted(table.items()))
    TARGET.write_bytes(gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0))
    billable = sum(b for b, _ in table.values())
    print(f"{len(table)} codes ({billable} billable), {TARGET.stat().st_size} bytes -> {TARGET}")


if __name__ == "__main__":
    main()
