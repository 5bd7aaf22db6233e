"""The layer both formats share: files in a zip or folder, CSV decoding, headers, and cell checks.

Everything a spreadsheet user can get wrong is reported here with the file, the
row (the header is row 1) and the column as it is written in their file, so the
format parsers only say *what* they expect, not how to complain about it.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext_noop

from school.models import Level

from .issues import Issues

# --- messages (English msgids; translated when shown) ---------------------------------

NOT_FOUND = gettext_noop("Nothing was found at %(path)s.")
BAD_ZIP = gettext_noop("This file cannot be read as a zip file: it is damaged or it is not a zip file.")
NOT_ZIP_OR_FOLDER = gettext_noop("Give a zip file or a folder holding the CSV files, not a single file.")
ZIP_TOO_LARGE = gettext_noop("The zip file unpacks to more than %(limit)s MB; that is too large for a roster.")
TWICE = gettext_noop("The upload holds a file named %(name)s twice (%(paths)s); keep one.")
MISSING_FILE = gettext_noop("The file %(name)s is missing.")
SPREADSHEET_NOT_CSV = gettext_noop(
    "%(found)s is a spreadsheet, not a CSV file. Save it from Excel as “CSV (semicolon delimited)” as %(name)s."
)
NOT_CSV = gettext_noop(
    "This is not a CSV file (it holds binary data, for example an Excel workbook). Save it as CSV and try again."
)
UNREADABLE_CSV = gettext_noop("This file cannot be read as CSV: %(reason)s.")
EMPTY_FILE = gettext_noop("The file is empty: the first row must name the columns.")
MISSING_COLUMNS = gettext_noop("Missing column(s): %(missing)s. The first row has: %(found)s.")
EXTRA_VALUES = gettext_noop(
    "This row has %(count)s values but the first row names %(columns)s columns. "
    "Put values that contain the separator between double quotes."
)
REQUIRED = gettext_noop("This value is required.")
TOO_LONG = gettext_noop("“%(value)s” is too long: at most %(max)s characters.")
INVALID_DATE_DMY = gettext_noop("“%(value)s” is not a valid date: use day-month-year, for example 31-12-2010.")
INVALID_DATE_YMD = gettext_noop("“%(value)s” is not a valid date: use year-month-day, for example 2010-12-31.")
INVALID_YEAR = gettext_noop("“%(value)s” is not a valid school year (leerjaar): use a whole number from 1 to 8.")
INVALID_LEVEL = gettext_noop("“%(value)s” is not a known level: use one of %(choices)s.")
INVALID_EMAIL = gettext_noop("“%(value)s” is not a valid e-mail address.")
INVALID_LOGIN = gettext_noop(
    "“%(value)s” cannot be used as a login name: use letters, digits and @ . + - _ only, at most 150 characters."
)
DUPLICATE = gettext_noop("“%(value)s” appears more than once: also in row %(other)s.")
UNKNOWN_REFERENCE = gettext_noop("“%(value)s” is not in %(target)s.")

# --- reading a folder or zip ------------------------------------------------------------

SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods", ".numbers")


def _ignored(path: PurePosixPath) -> bool:
    """Files the user did not mean: macOS and Office clutter, hidden files."""
    return any(part == "__MACOSX" or part.startswith((".", "~$")) for part in path.parts)


class Source:
    """The files of one upload, found by lower-case file name wherever they sit in the zip or folder."""

    def __init__(self, files: dict[str, tuple[str, Callable[[], bytes]]]) -> None:
        self._files = files  # lower-case name → (name as the user wrote it, loader)

    @classmethod
    def open(cls, path: Path, issues: Issues) -> Source | None:
        if path.is_dir():
            entries = [(PurePosixPath(p.relative_to(path).as_posix()), p.read_bytes) for p in path.rglob("*")]
            entries = [(name, load) for name, load in entries if not (path / name).is_dir()]
            return cls._from_entries(entries, issues)
        if not path.exists():
            issues.add(NOT_FOUND, path=str(path))
            return None
        if not zipfile.is_zipfile(path):
            issues.add(BAD_ZIP if path.suffix.lower() == ".zip" else NOT_ZIP_OR_FOLDER, file=path.name)
            return None
        return cls._from_zip(path, issues)

    @classmethod
    def _from_zip(cls, path: Path, issues: Issues) -> Source | None:
        try:
            with zipfile.ZipFile(path) as archive:
                infos = [info for info in archive.infolist() if not info.is_dir()]
                # A zip bomb must not fill the worker's memory: a roster is a few MB of text.
                limit = settings.ROSTER_UPLOAD_MAX_BYTES * 4
                if sum(info.file_size for info in infos) > limit:
                    issues.add(ZIP_TOO_LARGE, file=path.name, limit=limit // (1024 * 1024))
                    return None
                contents = {
                    PurePosixPath(info.filename): archive.read(info)
                    for info in infos
                    if info.filename.lower().endswith(".csv") and not _ignored(PurePosixPath(info.filename))
                }
                others = [PurePosixPath(info.filename) for info in infos]
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, NotImplementedError):
            issues.add(BAD_ZIP, file=path.name)
            return None
        entries = [(name, (lambda name=name: contents.get(name, b""))) for name in others]
        return cls._from_entries(entries, issues)

    @classmethod
    def _from_entries(cls, entries: Iterable[tuple[PurePosixPath, Callable[[], bytes]]], issues: Issues) -> Source:
        files: dict[str, tuple[str, Callable[[], bytes]]] = {}
        seen: dict[str, list[str]] = {}
        for name, load in entries:
            if _ignored(name):
                continue
            key = name.name.lower()
            seen.setdefault(key, []).append(str(name))
            files[key] = (name.name, load)
        for key, paths in seen.items():
            if len(paths) > 1 and key.endswith(".csv"):
                issues.add(TWICE, name=files[key][0], paths=", ".join(sorted(paths)))
        return cls(files)

    def has(self, name: str) -> bool:
        return name.lower() in self._files

    def has_stem(self, name: str) -> bool:
        """Is there a file of this name in any form (leerlingen.csv, leerlingen.xlsx)?"""
        stem = name.rsplit(".", 1)[0].lower()
        return any(key.rsplit(".", 1)[0] == stem for key in self._files)

    def names(self) -> list[str]:
        return sorted(shown for shown, _load in self._files.values())

    def read(self, name: str) -> bytes:
        return self._files[name.lower()][1]()

    def require(self, names: Iterable[str], issues: Issues) -> bool:
        """Report each missing file, pointing at a spreadsheet saved under the file's name if there is one."""
        ok = True
        for name in names:
            if self.has(name):
                continue
            ok = False
            stem = name.rsplit(".", 1)[0].lower()
            spreadsheet = next((shown for key, (shown, _) in self._files.items() if key.startswith(stem + ".")), None)
            if spreadsheet and spreadsheet.lower().endswith(SPREADSHEET_SUFFIXES):
                issues.add(SPREADSHEET_NOT_CSV, file=spreadsheet, found=spreadsheet, name=name)
            else:
                issues.add(MISSING_FILE, file=name, name=name)
        return ok


# --- decoding CSV --------------------------------------------------------------------------


def decode(data: bytes) -> str | None:
    """The text of a CSV file as Excel and school systems write it, or None if it is not text.

    UTF-8 (with or without the BOM Excel adds) first, then UTF-16 ("Unicode text"),
    then Windows-1252, which Dutch Excel uses for "CSV (semicolon delimited)".
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:  # half a character at the end: not a file Excel wrote
            return None
        return None if "\x00" in text else text
    # A NUL byte anywhere, not only near the start: csv reads it into a value, and PostgreSQL refuses it in text.
    if b"\x00" in data or data.startswith(b"PK\x03\x04"):
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")  # cp1252 leaves five bytes undefined; never fail on them


def sniff_delimiter(text: str) -> str:
    """Comma, semicolon (Dutch Excel) or tab: whichever the header line uses most."""
    header = next((line for line in text.splitlines() if line.strip()), "")
    counts = {delimiter: header.count(delimiter) for delimiter in (",", ";", "\t")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def normalise_header(text: str) -> str:
    """'E-mail', 'email' and 'E mail' are one column; so are 'zorgcoördinator' and 'Zorgcoordinator'."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", text.lower())


# --- tables and rows -----------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    name: str  # as documented; shown when the column is missing
    required: bool = True  # must the header be present? (whether a value is required is per cell)
    aliases: tuple[str, ...] = ()

    def header_keys(self) -> set[str]:
        return {normalise_header(name) for name in (self.name, *self.aliases)}


@dataclass(frozen=True)
class Table:
    file: str
    columns: tuple[Column, ...]


def read_table(source: Source, table: Table, issues: Issues) -> list[Row] | None:
    """The table's rows, or None when the file cannot be read or misses columns (reported)."""
    text = decode(source.read(table.file))
    if text is None:
        issues.add(NOT_CSV, file=table.file)
        return None
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(text)))
    except csv.Error as exc:
        issues.add(UNREADABLE_CSV, file=table.file, reason=str(exc))
        return None
    header_index = next((i for i, record in enumerate(records) if any(v.strip() for v in record)), None)
    if header_index is None:
        issues.add(EMPTY_FILE, file=table.file, row=1)
        return None
    header = [value.strip() for value in records[header_index]]
    positions = _column_positions(table, header)
    missing = [column.name for column in table.columns if column.required and column.name not in positions]
    if missing:
        found = ", ".join(value for value in header if value) or "—"
        issues.add(MISSING_COLUMNS, file=table.file, row=header_index + 1, missing=", ".join(missing), found=found)
        return None
    headers = {name: header[index] for name, index in positions.items()}
    rows = []
    for number, record in enumerate(records[header_index + 1 :], start=header_index + 2):
        if not any(value.strip() for value in record):
            continue  # Excel leaves rows of empty cells at the end
        if len(record) > len(header) and any(value.strip() for value in record[len(header) :]):
            # Reported, but read as far as the header goes: skipping it would add errors elsewhere.
            issues.add(EXTRA_VALUES, file=table.file, row=number, count=len(record), columns=len(header))
        values = {name: record[index].strip() if index < len(record) else "" for name, index in positions.items()}
        rows.append(Row(file=table.file, number=number, values=values, headers=headers, issues=issues))
    return rows


def _column_positions(table: Table, header: list[str]) -> dict[str, int]:
    by_key = {}
    for index, value in enumerate(header):
        by_key.setdefault(normalise_header(value), index)
    positions = {}
    for column in table.columns:
        index = next((by_key[key] for key in column.header_keys() if key in by_key), None)
        if index is not None:
            positions[column.name] = index
    return positions


LEVEL_ALIASES = {
    **{level.value: level.value for level in Level},
    "mavo": Level.VMBO,
    "vmbot": Level.VMBO,
    "vmbotl": Level.VMBO,
    "vmbogl": Level.VMBO,
    "vmbok": Level.VMBO,
    "vmbokb": Level.VMBO,
    "vmbob": Level.VMBO,
    "vmbobb": Level.VMBO,
    "kader": Level.VMBO,
    "basis": Level.VMBO,
    "tl": Level.VMBO,
    "atheneum": Level.VWO,
    "gymnasium": Level.VWO,
    "primaironderwijs": Level.PO,
    "basisonderwijs": Level.PO,
}
LEVEL_CHOICES = ", ".join(level.value for level in Level)
YEARS = range(1, 9)  # ClassGroup.year and Student.year validators
_DMY = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$")
_YMD = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_LIST_SEPARATORS = re.compile(r"[,;\s]+")
_LOGIN_NAME = re.compile(r"^[\w.@+-]{1,150}$")


@dataclass
class Row:
    """One data row; its checks report problems against this file, row and column."""

    file: str
    number: int
    values: dict[str, str]
    headers: dict[str, str]
    issues: Issues

    def __getitem__(self, column: str) -> str:
        return self.values.get(column, "")

    def report(self, column: str, message: str, **params) -> None:
        self.issues.add(message, file=self.file, row=self.number, column=self.headers.get(column, column), **params)

    def text(self, column: str, *, required: bool = False, max_length: int | None = None) -> str:
        value = self[column]
        if required and not value:
            self.report(column, REQUIRED)
        elif max_length is not None and len(value) > max_length:
            self.report(column, TOO_LONG, value=value, max=max_length)
            return value[:max_length]
        return value

    def date(self, column: str, *, day_first: bool = True) -> datetime.date | None:
        value = self[column]
        if not value:
            return None
        if match := _DMY.match(value):
            day, month, year = match.groups()
        elif match := _YMD.match(value):
            year, month, day = match.groups()
        else:
            day = month = year = "0"
        try:
            return datetime.date(int(year), int(month), int(day))
        except ValueError:
            self.report(column, INVALID_DATE_DMY if day_first else INVALID_DATE_YMD, value=value)
            return None

    def year(self, column: str, value: str | None = None) -> int | None:
        value = self[column] if value is None else value
        if not value:
            return None
        if value.isdigit() and int(value) in YEARS:  # "4" and "04" alike
            return int(value)
        self.report(column, INVALID_YEAR, value=value)
        return None

    def level(self, column: str) -> str:
        value = self[column]
        if not value:
            return ""
        level = LEVEL_ALIASES.get(normalise_header(value))
        if level is None:
            self.report(column, INVALID_LEVEL, value=value, choices=LEVEL_CHOICES)
            return ""
        return str(level)

    def email(self, column: str, *, required: bool = False) -> str:
        value = self.text(column, required=required, max_length=254).lower()
        if value:
            try:
                validate_email(value)
            except ValidationError:
                self.report(column, INVALID_EMAIL, value=value)
                return ""
        return value

    def login_name(self, column: str, value: str) -> str:
        """A value (e-mail or username) that becomes User.username: it must pass Django's validator."""
        if value and not _LOGIN_NAME.match(value):
            self.report(column, INVALID_LOGIN, value=value)
            return ""
        return value

    def split(self, column: str) -> list[str]:
        """A cell holding several values: 'JNS, PTR', 'JNS;PTR' or 'JNS PTR'."""
        return [value for value in _LIST_SEPARATORS.split(self[column]) if value]

    def reference(
        self, column: str, value: str, known: Iterable[str], target: str, key: Callable[[str], str] = str
    ) -> bool:
        """Is `value` (compared as key(value)) one of `known`? If not, say it is not in `target`."""
        if key(value) in known:
            return True
        self.report(column, UNKNOWN_REFERENCE, value=value, target=target)
        return False


def report_duplicates(
    rows: Iterable[Row],
    column: str | Callable[[Row], str],
    key: Callable[[str], str] = str,
) -> set[str]:
    """Report every row whose value another row has too, naming the other row; returns the duplicate keys.

    `column` is a column name, or a function choosing the column per row (when a
    value comes from one column or, if that is empty, another).
    """
    first: dict[str, tuple[Row, str]] = {}
    duplicates: set[str] = set()
    for row in rows:
        name = column(row) if callable(column) else column
        value = row[name]
        if not value:
            continue
        k = key(value)
        if k not in first:
            first[k] = (row, name)
            continue
        original, original_name = first[k]
        if k not in duplicates:
            duplicates.add(k)
            original.report(original_name, DUPLICATE, value=original[original_name], other=row.number)
        row.report(name, DUPLICATE, value=value, other=original.number)
    return duplicates


def max_length(model: type, field: str) -> int:
    return model._meta.get_field(field).max_length
