"""The mentor dashboard's and department overview's matrix rows as HTML, built in Python.

The department overview has 400 students by 14 subjects: 5,600 template includes
would cost more than everything else on the page. The markup is the design
system's (`light light--red`, `cell--red`, `badge`); every string is escaped
(`html.escape`) and every word is translated once per request.
"""

from __future__ import annotations

import html

from django.urls import NoReverseMatch, reverse
from django.utils.formats import number_format
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from reviews.selectors import light_styles

from .models import Escalation, MentorReview
from .selectors.dashboard import Matrix, MatrixRow
from .selectors.evidence import LIGHT_RANK, Trend, trend_between

ROWS_MARKER = mark_safe("<!-- the rows of the department overview -->")
escape = html.escape


# --- URLs of other parts, reversed once per page ---------------------------------------------------------

# Stand-ins for the primary keys that vary per row: reversed once, then filled in with str.format.
_SENTINELS = (987654321001, 987654321002)


def _url_pattern(name: str, *args: int, free: int = 1) -> str | None:
    """`reverse(name, args=[*args, ?, ?])` as a format string for the `free` trailing keys; None if no such URL."""
    try:
        url = reverse(name, args=[*args, *_SENTINELS[:free]])
    except NoReverseMatch:  # another part of the app, not (yet) there: the page shows no link
        return None
    url = url.replace("{", "{{").replace("}", "}}")
    for index, sentinel in enumerate(_SENTINELS[:free]):
        url = url.replace(str(sentinel), f"{{{index}}}")
    return url


# --- the matrix as HTML ---------------------------------------------------------------------------------------


class MatrixMarkup:
    """Renders a matrix's rows: every variable part escaped, every constant part (lights, trends) built once."""

    def __init__(self, matrix: Matrix, *, show_class: bool = False, link_classes: bool = False) -> None:
        cycle = matrix.cycle
        self.matrix = matrix
        self.show_class = show_class
        self.columns = [column.subject_id for column in matrix.columns]
        # Each 'ask' link says which subject it is about, for a screen reader's list of links.
        self.ask_subject = {
            column.subject_id: f'<span class="visually-hidden"> ({escape(column.name)})</span>'
            for column in matrix.columns
        }

        def hidden(text: str) -> str:
            return f'<span class="visually-hidden">{escape(text)}</span>'

        def spoken(css: str, shown: str, said: str) -> str:
            return f'<span class="{css}" role="img" aria-label="{escape(said)}">{shown}</span>'

        lights = {
            style.value: spoken(f"light light--{style.value}", escape(style.letter), style.label)
            for style in light_styles(matrix.scheme)
        }
        no_light, up, down = _("No light yet"), _("better than last round"), _("worse than last round")
        lights[""] = spoken("light light--none", "&ndash;", no_light)
        marks = {
            Trend.BETTER: spoken("mx-mark mx-mark--better", "&uarr;", up),
            Trend.WORSE: spoken("mx-mark mx-mark--worse", "&darr;", down),
        }
        # The start of a cell for every (previous light, light): its tint, light and trend mark, built once.
        self.cell_start = {
            (
                before,
                light,
            ): f'<td class="mx-c{f" cell--{light}" if light else ""}"><span class="mx-cell" tabindex="0">'
            f'{light_html}{marks.get(trend_between(before, light), "")}<span class="mx-tip">'
            for before in (None, "", *LIGHT_RANK)
            for light, light_html in lights.items()
        }
        # (gettext outside the f-strings: makemessages does not look inside them.)
        better, same, worse, none = _("better"), _("the same"), _("worse"), _("nothing to compare with")
        self.row_trend = {
            Trend.BETTER: f'<span class="mx-trend mx-trend--better"><span aria-hidden="true">&uarr;</span> '
            f"{escape(better)}</span>",
            Trend.SAME: f'<span class="mx-trend mx-trend--same"><span aria-hidden="true">=</span> '
            f"{escape(same)}</span>",
            Trend.WORSE: f'<span class="mx-trend mx-trend--worse"><span aria-hidden="true">&darr;</span> '
            f"{escape(worse)}</span>",
            None: f'<span class="muted" aria-hidden="true">&ndash;</span>{hidden(none)}',
        }
        clear, attention, not_yet = (
            MentorReview.Verdict.CLEAR.label,
            MentorReview.Verdict.NEEDS_ATTENTION.label,
            _("not yet"),
        )
        self.verdict = {
            MentorReview.Verdict.CLEAR: f'<span class="badge badge--success"><span aria-hidden="true">&#10003;</span> '
            f"{escape(str(clear))}</span>",
            MentorReview.Verdict.NEEDS_ATTENTION: f'<span class="badge badge--warning"><span aria-hidden="true">!'
            f"</span> {escape(str(attention))}</span>",
            "": f'<span class="muted">{escape(not_yet)}</span>',
        }
        escalation = escape(_("Escalation"))
        self.escalation = {
            status: f'<span class="badge mx-escalation mx-escalation--{status}">'
            f"{escalation}: {escape(str(label))}</span>"
            for status, label in Escalation.Status.choices
        }
        self.grade_word = escape(_("Grade"))
        self.ask_word = escape(_("Ask the teacher"))
        self.student_url = _url_pattern("mentoring:student", cycle.pk)
        self.ask_url = _url_pattern("mentoring:question_ask", cycle.pk, free=2)
        self.class_url = _url_pattern("mentoring:dashboard", cycle.pk) if link_classes else None
        self._grades: dict = {}
        self._questions: dict[tuple[int, int, int], str] = {}

    def grade(self, grade: str) -> str:
        """8,5 in Dutch: number_format once per distinct grade (there are at most 91)."""
        shown = self._grades.get(grade)
        if shown is None:
            shown = self._grades[grade] = number_format(float(grade), 1)
        return shown

    def cells(self, row: MatrixRow) -> str:
        ask = self.ask_url if row.can_mark else None
        cell_start, grade_word, grade_text = self.cell_start, self.grade_word, self.grade
        cells = row.cells
        parts = []
        for subject_id in self.columns:
            cell = cells.get(subject_id)
            if cell is None:
                parts.append('<td class="mx-c"></td>')
                continue
            parts.append(cell_start.get((cell.previous_light, cell.light)) or cell_start[None, ""])
            if cell.grade is not None:
                parts.append(f'<span class="mx-g">{grade_word} {grade_text(cell.grade)}</span>')
            if cell.advice:
                parts.append(f'<span class="mx-a">{escape(cell.advice)}</span>')
            if ask is not None:
                parts.append(
                    f'<a class="mx-ask" href="{ask.format(row.student_id, cell.group_id)}">{self.ask_word}'
                    f"{self.ask_subject[subject_id]}</a>"
                )
            parts.append("</span></span></td>")
        return "".join(parts)

    def questions(self, row: MatrixRow) -> str:
        key = (row.questions_open, row.questions_answered, row.agreements_open)
        shown = self._questions.get(key)
        if shown is None:
            parts = []
            if row.agreements_open:
                text = ngettext(
                    "%(count)s open agreement from last time",
                    "%(count)s open agreements from last time",
                    row.agreements_open,
                )
                parts.append(
                    f'<span class="mx-q mx-q--agreement">{escape(text % {"count": row.agreements_open})}</span>'
                )
            if row.questions_open:
                text = ngettext("%(count)s open question", "%(count)s open questions", row.questions_open)
                parts.append(f'<span class="mx-q">{escape(text % {"count": row.questions_open})}</span>')
            if row.questions_answered:
                text = ngettext("%(count)s answer to read", "%(count)s answers to read", row.questions_answered)
                text %= {"count": row.questions_answered}
                parts.append(f'<span class="mx-q mx-q--answered">{escape(text)}</span>')
            shown = self._questions[key] = " ".join(parts)
        return shown

    def row(self, row: MatrixRow) -> str:
        """The row's cells from the student's name to the follow-up column (the verdict form is the template's)."""
        name = escape(row.name)
        if self.student_url:
            name = f'<a href="{self.student_url.format(row.student_id)}">{name}</a>'
        note = f'<span class="mx-note">{escape(row.note)}</span>' if row.note else ""
        parts = [f'<th scope="row" class="mx-name">{name}{note}</th>']
        if self.show_class:
            class_name = escape(row.class_name)
            if self.class_url and row.class_id is not None:
                class_name = f'<a href="{self.class_url.format(row.class_id)}">{class_name}</a>'
            parts.append(f'<td class="mx-class">{class_name}</td>')
        parts.append(self.cells(row))
        parts.append(
            f'<td class="num mx-n{" mx-n--red" if row.red else ""}">{row.red}</td>'
            f'<td class="num mx-n{" mx-n--orange" if row.orange else ""}">{row.orange}</td>'
            f'<td class="mx-trendcol">{self.row_trend[row.trend]}</td>'
            f'<td class="mx-verdict">{self.verdict.get(row.verdict, "")}</td>'
            f'<td class="mx-follow">{self.questions(row)}{self.escalation.get(row.escalation, "")}</td>'
        )
        return "".join(parts)

    def rows(self) -> list[str]:
        """Every shown row as a `<tr>`: the department overview's table body, one string per student."""
        return [f'<tr id="student-{row.student_id}" class="mx-row">{self.row(row)}</tr>' for row in self.matrix.rows]

    def fill(self) -> None:
        """Render each shown row onto it (`row.html`), for the dashboard's row template."""
        for row in self.matrix.rows:
            row.html = mark_safe(self.row(row))  # noqa: S308 - built from escaped values above


# --- shared page context ------------------------------------------------------------------------------------
