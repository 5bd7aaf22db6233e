"""Roster files for the import tests, and helpers to copy, spoil and compare them.

simple/ is the simple CSV set (semicolons, UTF-8); oneroster/ a OneRoster 1.1
bulk export (commas). Both describe the same small school: 7 staff, 3 class
groups, 3 teaching groups, 5 students, 6 enrolments, and some parents.
"""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

from school.models import (
    ClassGroup,
    Department,
    Enrollment,
    Guardian,
    Period,
    RosterImport,
    School,
    SchoolYear,
    Staff,
    Student,
    Subject,
    TeachingGroup,
    User,
)

DATA = Path(__file__).resolve().parent

MODELS = (
    School,
    User,
    SchoolYear,
    Period,
    Department,
    Department.team_leaders.through,
    Staff,
    Subject,
    ClassGroup,
    ClassGroup.mentors.through,
    TeachingGroup,
    TeachingGroup.teachers.through,
    Student,
    Enrollment,
    Guardian,
    Guardian.students.through,
)


def roster_copy(name: str, tmp_path: Path) -> Path:
    """A copy of roster_data/<name> to spoil in a test."""
    target = tmp_path / name
    shutil.copytree(DATA / name, target)
    return target


def csv_write(folder: Path, file: str, text: str, *, encoding: str = "utf-8") -> None:
    (folder / file).write_bytes(text.encode(encoding))


def csv_edit(folder: Path, file: str, old: str, new: str) -> None:
    text = (folder / file).read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {file}"
    (folder / file).write_text(text.replace(old, new, 1), encoding="utf-8")


def csv_append(folder: Path, file: str, line: str) -> None:
    with (folder / file).open("a", encoding="utf-8") as out:
        out.write(line.rstrip("\n") + "\n")


def zip_folder(folder: Path, target: Path, *, inner: str = "") -> Path:
    """Zip the folder's files; `inner` puts them in a subfolder, as zipping a folder in Explorer does."""
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.iterdir()):
            archive.write(path, f"{inner}/{path.name}" if inner else path.name)
    return target


def roster_snapshot() -> dict[str, list]:
    """Every row of every roster table, to prove that a failed import wrote nothing."""
    return {model._meta.label: sorted(map(repr, model.objects.values_list())) for model in MODELS}


def roster_counts() -> dict[str, int]:
    return {model._meta.label: model.objects.count() for model in (*MODELS, RosterImport)}
