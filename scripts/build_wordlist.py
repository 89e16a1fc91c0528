"""Build src/massage_cli/english_words.txt.gz: the real English words the typo rules never "correct".

Source: SCOWL size-50 word lists as Debian packages them (wamerican and wbritish,
/usr/share/dict/american-english and british-english; licence in
src/massage_cli/english_words.LICENSE). Kept: lower-case words of letters only, 4 letters or more
(shorter words are never typo-corrected anyway). Run again when the lists change:

    apt-get download wamerican wbritish && dpkg-deb -x wamerican_*.deb d && dpkg-deb -x wbritish_*.deb d
    python scripts/build_wordlist.py d/usr/share/dict/american-english d/usr/share/dict/british-english
"""

from __future__ import annotations

import gzip
import re
import sys
from pathlib import Path

TARGET = Path(__file__).resolve().parent.parent / "src" / "massage_cli" / "english_words.txt.gz"
WORD = re.compile(r"^[a-z]{4,}$")


def main(paths: list[str]) -> None:
    words: set[str] = set()
    for path in paths:
        words |= {w for w in Path(path).read_text(encoding="utf-8").split() if WORD.match(w)}
    data = "\n".join(sorted(words)).encode("ascii")
    TARGET.write_bytes(gzip.compress(data, compresslevel=9, mtime=0))
    print(f"{len(words)} words, {TARGET.stat().st_size} bytes -> {TARGET}")


if __name__ == "__main__":
    main(sys.argv[1:])
