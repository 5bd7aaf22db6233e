"""CSV exports and formula injection (=, +, -, @ at the start of a cell run as a formula in Excel).

The project writes no CSV file for download today: CSV is only read (the roster and grades imports,
which store a formula as the text it is: test_imports.py). This test trips when a CSV export appears,
so that its cells get neutralised (a leading apostrophe before = + - @ tab and CR) and tested here.
"""

import re
from pathlib import Path

from django.conf import settings

WRITES_CSV = re.compile(r"csv\.(writer|DictWriter)\(|content_type\s*=\s*[\"']text/csv")


def test_no_csv_export_without_formula_neutralising():
    base = Path(settings.BASE_DIR)
    sources = [
        path
        for path in base.rglob("*.py")
        if not {".venv", "tests", "bench", "migrations", "var", "node_modules"} & set(path.relative_to(base).parts)
    ]
    writers = [str(path.relative_to(base)) for path in sources if WRITES_CSV.search(path.read_text(encoding="utf-8"))]
    assert not writers, (
        f"CSV written in {writers}: neutralise cells starting with = + - @ (and tab, CR) against formula "
        "injection and add the export to tests/hostile/test_csv_exports.py"
    )
