"""Which format an upload is, and reading it into a Roster."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import Path

from django.utils import timezone
from django.utils.translation import gettext_noop

from . import oneroster, simple
from .issues import Issue, Issues
from .roster import Roster
from .tables import Source

NOT_A_ROSTER = gettext_noop(
    "No roster files found. Expected the OneRoster files (%(oneroster)s) or the simple set (%(simple)s). "
    "Found: %(found)s."
)


@dataclass
class ReadResult:
    format: str  # "oneroster", "simple", or "" when it could not be told
    roster: Roster | None
    errors: list[Issue]

    @property
    def ok(self) -> bool:
        return self.roster is not None and not self.errors


def read_roster(path: Path, *, school_source_id: str = "", today: datetime.date | None = None) -> ReadResult:
    """Read and check a folder or zip in either format. Writes nothing.

    `school_source_id` picks the school in a OneRoster export (empty: the file's only school).
    """
    today = today or timezone.localdate()
    issues = Issues()
    source = Source.open(Path(path), issues)
    if source is None or issues:
        return ReadResult(format="", roster=None, errors=issues.as_list())
    if any(source.has_stem(name) for name in oneroster.MARKERS):
        fmt = oneroster.FORMAT
        roster = oneroster.OneRosterReader(source, issues, school_source_id=school_source_id, today=today).read()
    elif source.has_stem(simple.MARKER):
        fmt = simple.FORMAT
        roster = simple.SimpleReader(source, issues, today=today).read()
    else:
        issues.add(
            NOT_A_ROSTER,
            oneroster=", ".join(table.file for table in oneroster.REQUIRED),
            simple=", ".join(table.file for table in simple.REQUIRED),
            found=", ".join(source.names()) or "—",
        )
        return ReadResult(format="", roster=None, errors=issues.as_list())
    if issues:
        roster = None
    return ReadResult(format=fmt, roster=roster, errors=issues.as_list())
