"""`make bench`: measure the budgets of DESIGN §6, print a table, write bench/results.json.

    python bench/run.py                 # every bench/bench_*.py
    python bench/run.py home_queries    # only bench_home_queries.py

A bench is a module bench/bench_<name>.py with `run() -> dict[str, float]`:
metric name → number, names as in DESIGN §6. Each bench runs in its own
process with its own throwaway database, migrated from scratch:

- by default a new SQLite file in a temporary folder;
- with BENCH_DATABASE_URL=postgres://…/name, a new database `bench_<name>` on
  that server (created and dropped like Django's test databases; the user needs
  CREATEDB), so the figures that DESIGN §6 asks of PostgreSQL can be measured.

The developer's own database (DATABASE_URL, .env) is never opened. A bench that
starts processes of its own (gunicorn, a Celery worker) finds its throwaway
database in the DATABASE_URL environment variable.

bench/results.json holds exactly the metrics of this run, as one flat object
sorted by name. The exit status is 1 when a bench failed or a budget was missed.
"""

from __future__ import annotations

import argparse
import importlib
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
RESULTS = BENCH_DIR / "results.json"


@dataclass(frozen=True)
class AtMost:
    limit: float

    def label(self) -> str:
        return f"≤ {self.limit:g}"

    def met(self, value: float, results: dict[str, float]) -> bool | None:
        return value <= self.limit


@dataclass(frozen=True)
class EqualTo:
    """A query count that must not grow with the data: equal to its twin measured at another size."""

    other: str

    def label(self) -> str:
        return f"= {self.other}"

    def met(self, value: float, results: dict[str, float]) -> bool | None:
        return value == results[self.other] if self.other in results else None


# DESIGN §6. Keep the names stable: results.json is compared across runs.
BUDGETS: dict[str, AtMost | EqualTo] = {
    "home_queries_small": EqualTo("home_queries_large"),
    "home_queries_large": EqualTo("home_queries_small"),
    "import_roster_2000_s": AtMost(20),
    "save_cell_p50_ms": AtMost(25),
    "load_entry_p95_ms": AtMost(250),
    "load_entry_lost_rows": AtMost(0),
    "entry_grid_queries_small": EqualTo("entry_grid_queries_large"),
    "entry_grid_queries_large": EqualTo("entry_grid_queries_small"),
    "dept_overview_p50_ms": AtMost(300),
    "dept_overview_floor_ratio": AtMost(3),
    "dept_overview_queries_small": EqualTo("dept_overview_queries_large"),
    "dept_overview_queries_large": EqualTo("dept_overview_queries_small"),
    "mentor_dashboard_p50_ms": AtMost(100),
    "prep_sheet_pdf_s": AtMost(0.5),
    "prep_batch_30_s": AtMost(15),
    "progress_board_queries_small": EqualTo("progress_board_queries_large"),
    "progress_board_queries_large": EqualTo("progress_board_queries_small"),
    "board_render_p50_ms": AtMost(100),
    "board_queries_small": EqualTo("board_queries_large"),
    "board_queries_large": EqualTo("board_queries_small"),
    "class_meeting_queries_small": EqualTo("class_meeting_queries_large"),
    "class_meeting_queries_large": EqualTo("class_meeting_queries_small"),
    "class_meeting_mode_queries_small": EqualTo("class_meeting_mode_queries_large"),
    "class_meeting_mode_queries_large": EqualTo("class_meeting_mode_queries_small"),
}

# Metric name endings → unit, for the table.
UNITS = (
    ("_ms", "ms"),
    ("_s", "s"),
    ("_ratio", "times"),
    ("_rows", "rows"),
    ("_queries_small", "queries"),
    ("_queries_large", "queries"),
)


def unit_of(metric: str) -> str:
    return next((unit for ending, unit in UNITS if metric.endswith(ending)), "")


# --- the parent: one child process per bench, then the table --------------------------------------


def bench_names(only: list[str]) -> list[str]:
    names = sorted(path.stem for path in BENCH_DIR.glob("bench_*.py"))
    if only:
        wanted = {name if name.startswith("bench_") else f"bench_{name}" for name in only}
        unknown = wanted - set(names)
        if unknown:
            raise SystemExit(f"No such bench: {', '.join(sorted(unknown))} (have: {', '.join(names)})")
        names = [name for name in names if name in wanted]
    return names


def child_environment(database_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.base"
    # Set here, so neither a shell variable nor .env can point a bench at real data.
    env["DATABASE_URL"] = database_url
    # A fresh machine has no SECRET_KEY; base settings demand one when DEBUG is off. DEBUG stays off
    # unless asked for: timings should be those of production, without query logging.
    env.setdefault("SECRET_KEY", "bench-only-secret-key")
    env.setdefault("DEBUG", "0")
    env.setdefault("LOG_LEVEL", "WARNING")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")]))
    return env


def run_in_child(name: str) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix=f"{name}-") as folder:
        database_url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        result_file = Path(folder) / "result.json"
        command = [sys.executable, str(Path(__file__).resolve()), "--child", name, "--result-file", str(result_file)]
        completed = subprocess.run(command, env=child_environment(database_url), cwd=ROOT, check=False)
        if completed.returncode != 0 or not result_file.exists():
            raise RuntimeError(f"{name} failed (exit status {completed.returncode})")
        return json.loads(result_file.read_text())


def format_value(value: float) -> str:
    if float(value).is_integer():
        return f"{int(value)}"
    return f"{value:.3g}" if abs(value) < 100 else f"{value:.0f}"


def table(results: dict[str, float]) -> tuple[str, int]:
    """The table, and how many metrics missed their budget."""
    rows = [("metric", "value", "unit", "budget", "within budget")]
    missed = 0
    for metric in sorted(results):
        value, budget = results[metric], BUDGETS.get(metric)
        met = budget.met(value, results) if budget else None
        missed += met is False
        rows.append(
            (
                metric,
                format_value(value),
                unit_of(metric),
                budget.label() if budget else "",
                "" if budget is None else {True: "yes", False: "NO", None: "n/a"}[met],
            )
        )
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    lines = []
    for index, row in enumerate(rows):
        cells = [
            cell.rjust(width) if column == 1 else cell.ljust(width)
            for column, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
        if index == 0:
            lines.append("  ".join("-" * width for width in widths))
    return "\n".join(lines), missed


def main_parent(only: list[str]) -> int:
    names = bench_names(only)
    results: dict[str, float] = {}
    failed = []
    for name in names:
        print(f"== {name}", flush=True)
        started = time.monotonic()
        try:
            figures = run_in_child(name)
        except RuntimeError as error:
            print(f"!! {error}", flush=True)
            failed.append(name)
            continue
        clash = set(figures) & set(results)
        if clash:
            print(f"!! {name} reports metrics another bench reported already: {', '.join(sorted(clash))}")
            failed.append(name)
        results.update(figures)
        print(f"   {name} took {time.monotonic() - started:.1f} s", flush=True)

    text, missed = table(results)
    print()
    print(text)
    RESULTS.write_text(json.dumps(dict(sorted(results.items())), indent=2) + "\n")
    print(f"\nWrote {RESULTS.relative_to(ROOT)} ({len(results)} metrics from {len(names) - len(failed)} benches).")
    if failed:
        print(f"Failed: {', '.join(failed)}")
    if missed:
        print(f"Over budget: {missed} metric(s).")
    return 1 if failed or missed else 0


# --- the child: one bench in its own database ------------------------------------------------------


def use_throwaway_database(name: str) -> Callable[[], None]:
    """Create and migrate this bench's database; returns the function that drops it again."""
    from django.db import connection

    settings_dict = connection.settings_dict
    if connection.vendor == "sqlite":
        # The parent chose a new file in a new temporary folder: that file is the throwaway database.
        settings_dict["TEST"]["NAME"] = settings_dict["NAME"]
    else:
        settings_dict["TEST"]["NAME"] = name
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    url = urlsplit(os.environ["DATABASE_URL"])
    if connection.vendor != "sqlite":
        os.environ["DATABASE_URL"] = url._replace(path=f"/{settings_dict['NAME']}").geturl()
    print(f"   database: {connection.vendor} {settings_dict['NAME']}", flush=True)
    return lambda: connection.creation.destroy_test_db(old_name, verbosity=0)


def main_child(name: str, result_file: Path) -> int:
    import django

    django.setup()
    from django.conf import settings

    # As Django's test runner does: the test client calls itself "testserver".
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    drop_database = use_throwaway_database(name)
    try:
        module = importlib.import_module(f"bench.{name}")
        figures = module.run()
    finally:
        drop_database()
    bad = {key: value for key, value in figures.items() if not is_number(value)}
    if bad:
        raise TypeError(f"{name}.run() must return numbers; got {bad!r}")
    result_file.write_text(json.dumps(figures))
    return 0


def is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("only", nargs="*", help="run only these benches (e.g. home_queries)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--result-file", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return main_child(args.child, args.result_file)
    return main_parent(args.only)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main(sys.argv[1:]))
