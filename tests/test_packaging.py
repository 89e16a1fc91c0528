"""The wheel carries the knowledge base, and the installed package finds it."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from massage_cli.knowledge import bundled_path

ROOT = Path(__file__).resolve().parents[1]


def test_wheel_contains_the_knowledge_base(tmp_path: Path) -> None:
    """Building the wheel puts data/conditions.yaml inside the package, byte for byte."""
    subprocess.run(
        [sys.executable, "-m", "hatchling", "build", "-t", "wheel", "-d", str(tmp_path)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = tmp_path.glob("massage_cli-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        data = archive.read("massage_cli/data/conditions.yaml")
        shipped = {
            name: archive.read(f"massage_cli/{name}")
            for name in (
                "english_words.txt.gz",
                "english_words.LICENSE",
                "icd10cm_titles.tsv.gz",
                "icd10cm_titles.NOTICE",
            )
        }
        names = set(archive.namelist())
    assert (ROOT / "data" / "conditions.yaml").read_bytes() == data
    # The word list and the code titles ship too: no network is ever needed at run time.
    for name, content in shipped.items():
        assert (ROOT / "src" / "massage_cli" / name).read_bytes() == content, name
    # Subpackages ship too: the loader is the knowledge package, one module per job, and the
    # command line is the cli package, one module per group of commands (the entry point's module).
    for module in ("__init__.py", "reader.py", "checker.py", "merge.py"):
        assert f"massage_cli/knowledge/{module}" in names, module
    for module in sorted(path.name for path in (ROOT / "src" / "massage_cli" / "cli").glob("*.py")):
        assert f"massage_cli/cli/{module}" in names, module


def test_bundled_path_exists() -> None:
    """The installed package (wheel or editable) finds its knowledge base."""
    assert bundled_path().is_file()
