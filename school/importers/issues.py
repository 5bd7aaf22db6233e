"""Import errors that name the file, row and column, translated when shown.

An issue stores its English msgid and parameters, not translated text: the job
row keeps them as JSON and the page renders them in the reader's language.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from django.utils.translation import gettext, gettext_noop

# Enough to fix a whole file's worth of one mistake; more only buries the first ones.
MAX_ISSUES = 200

TOO_MANY = gettext_noop("There are more errors; only the first %(count)s are shown. Fix these and try again.")


@dataclass(frozen=True)
class Issue:
    message: str  # an English msgid marked with gettext_noop
    params: dict[str, Any] = field(default_factory=dict)
    file: str = ""
    row: int | None = None  # 1-based as a spreadsheet counts: the header is row 1
    column: str = ""

    @property
    def text(self) -> str:
        return gettext(self.message) % self.params

    @property
    def location(self) -> str:
        if self.file and self.row and self.column:
            return gettext("%(file)s, row %(row)s, column “%(column)s”") % self._where()
        if self.file and self.row:
            return gettext("%(file)s, row %(row)s") % self._where()
        return self.file

    def _where(self) -> dict[str, Any]:
        return {"file": self.file, "row": self.row, "column": self.column}

    def __str__(self) -> str:
        return f"{self.location}: {self.text}" if self.location else self.text

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Issue:
        return cls(**{key: data[key] for key in ("message", "params", "file", "row", "column") if key in data})


class Issues:
    """Collects issues up to MAX_ISSUES, so one run reports (nearly) everything wrong."""

    def __init__(self, cap: int = MAX_ISSUES) -> None:
        self.cap = cap
        self._items: list[Issue] = []
        self.dropped = 0

    def add(self, message: str, *, file: str = "", row: int | None = None, column: str = "", **params: Any) -> None:
        if len(self._items) >= self.cap:
            self.dropped += 1
            return
        self._items.append(Issue(message=message, params=params, file=file, row=row, column=column))

    def as_list(self) -> list[Issue]:
        if self.dropped:
            return [*self._items, Issue(message=TOO_MANY, params={"count": self.cap})]
        return list(self._items)

    def __iter__(self) -> Iterator[Issue]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items) + self.dropped

    def __bool__(self) -> bool:
        return bool(self._items)
