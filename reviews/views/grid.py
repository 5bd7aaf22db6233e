"""The entry grid: one teaching group's grades, lights and advice in one cycle (issue 3).

Thin: policy → selector or service → render. Saving a student's row serves two
clients from one URL: htmx gets the row's fragment back (200 saved, 422 invalid,
409 somebody else saved first, 403 not allowed to change), a plain form post is
redirected back to the grid (post/redirect/get), or gets the whole grid with
the row's errors when the save failed.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from school.models import Student, TeachingGroup
from school.web import safe_next_url

from .. import policies, selectors, services
from ..forms import AdvicePhraseForm
from ..models import Entry, Light, ReviewCycle
from ..selectors import Grid
from ..services import ENTRY_FIELDS, EntryConflict

ROW_TEMPLATE = "reviews/partials/grid_row.html"


# --- what one student's row shows ----------------------------------------------------------


@dataclass
class ChangeNotSaved:
    """One value the user typed that a conflict kept out: shown, and offered to apply again."""

    field: str
    label: str
    shown: str
    raw: str


@dataclass
class RowDisplay:
    """A student's row as the screen shows it: stored values, or what the user typed when it failed."""

    student: Student
    version: int
    grade: str
    light: str
    advice: str
    complete: bool
    light_label: str = ""
    state: str = ""  # "", saved, unchanged, invalid, reason, conflict, refused
    errors: dict[str, list[str]] = field(default_factory=dict)
    show_reason: bool = False
    reason: str = ""
    conflict_by: str = ""
    conflict_at: datetime.datetime | None = None
    not_saved: list[ChangeNotSaved] = field(default_factory=list)

    @property
    def needs_advice(self) -> bool:
        """Orange and red need advice: the save still succeeds, but the row is not complete."""
        return self.light in (Light.ORANGE, Light.RED) and not self.advice.strip()


def _grade_shown(grade) -> str:
    # Dutch format in the Dutch UI: 7,5 (number_format follows the active language).
    return "" if grade is None else number_format(grade, 1)


def _labels(scheme) -> dict[str, str]:
    return {Light.GREEN: scheme.green, Light.ORANGE: scheme.orange, Light.RED: scheme.red}


def _row(student: Student, entry: Entry | None, grid: Grid, **extra) -> RowDisplay:
    light = entry.light if entry else ""
    return RowDisplay(
        student=student,
        version=entry.version if entry and entry.pk else 0,
        grade=_grade_shown(entry.grade) if entry else "",
        light=light,
        advice=entry.advice if entry else "",
        complete=bool(entry and entry.pk and entry.is_complete),
        light_label=_labels(grid.scheme).get(light, ""),
        **extra,
    )


def _rows(grid: Grid, replace: RowDisplay | None = None) -> list[RowDisplay]:
    return [
        replace if replace is not None and row.student.pk == replace.student.pk else _row(row.student, row.entry, grid)
        for row in grid.rows
    ]


def _context(grid: Grid, **extra) -> dict:
    return {"grid": grid, "lights": selectors.light_styles(grid.scheme), **extra}


# --- the page ---------------------------------------------------------------------------------


def _grid_scope(request: HttpRequest, cycle_pk: int, group_pk: int) -> tuple[ReviewCycle, TeachingGroup]:
    """The cycle and group, if the user may open this grid at all (404 otherwise)."""
    cycle = policies.cycle_get_for_user(request.user, cycle_pk)
    group = policies.grid_group_get_for_user(request.user, cycle, group_pk)
    return cycle, group


def grid_page(request: HttpRequest, cycle_pk: int, group_pk: int) -> HttpResponse:
    cycle, group = _grid_scope(request, cycle_pk, group_pk)
    return _render_grid(request, selectors.entries_for_grid(cycle=cycle, group=group, viewer=request.user))


def _render_grid(request: HttpRequest, grid: Grid, *, replace: RowDisplay | None = None, status: int = 200):
    context = _context(
        grid,
        rows=_rows(grid, replace),
        phrases_url=f"{reverse('reviews:phrases')}?{urlencode({'next': request.path})}",
    )
    return render(request, "reviews/grid.html", context, status=status)


# --- saving one student's row -------------------------------------------------------------------


def _own_repeat(conflict: EntryConflict, user, values: dict[str, str]) -> bool:
    """A retried request whose first attempt did get through: the stored entry is already ours."""
    current = conflict.current
    if current.pk is None or current.updated_by_id != user.pk:
        return False
    cleaned = services.clean_entry_values(values)
    return all(getattr(current, name) == value for name, value in cleaned.items())


def _not_saved(values: dict[str, str], current: Entry, grid: Grid) -> list[ChangeNotSaved]:
    """What the user wanted that differs from the version somebody else saved."""
    cleaned = services.clean_entry_values(values)
    labels = _labels(grid.scheme)
    names = {"grade": _("Grade"), "light": _("Traffic light"), "advice": _("Advice")}
    changes = []
    for name in ENTRY_FIELDS:
        if name not in cleaned or getattr(current, name) == cleaned[name]:
            continue
        value = cleaned[name]
        if name == "grade":
            shown = _grade_shown(value) or _("no grade")
        elif name == "light":
            shown = labels.get(value) or _("no light")
        else:
            shown = value or _("no advice")
        changes.append(
            ChangeNotSaved(
                field=name, label=names[name], shown=shown, raw=_grade_shown(value) if name == "grade" else value
            )
        )
    return changes


@require_POST
def entry_save(request: HttpRequest, cycle_pk: int, group_pk: int, student_pk: int) -> HttpResponse:
    cycle, group = _grid_scope(request, cycle_pk, group_pk)
    student = get_object_or_404(
        policies.cycle_students(cycle).filter(enrollments__teaching_group=group).select_related("class_group"),
        pk=student_pk,
    )
    grid = selectors.Grid(
        cycle=cycle,
        group=group,
        rows=[],
        scheme=selectors.light_scheme_for(cycle.school_id),
        can_edit=policies.can_edit_entries(request.user, cycle, group),
    )
    if not grid.can_edit:
        # They can see this grid, so they know the entry exists: 403, not 404.
        if not request.htmx:
            raise PermissionDenied
        entry = Entry.objects.filter(cycle=cycle, teaching_group=group, student=student).first()
        row = _row(student, entry, grid, state="refused")
        return render(request, ROW_TEMPLATE, _context(grid, row=row), status=403)

    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        return HttpResponseBadRequest()
    values = {name: request.POST[name] for name in ENTRY_FIELDS if name in request.POST}
    reason = request.POST.get("reason", "")
    keep_reason = {"show_reason": "reason" in request.POST, "reason": reason}

    try:
        saved = services.entry_save(
            cycle=cycle,
            teaching_group=group,
            student=student,
            actor=request.user,
            values=values,
            version=version,
            reason=reason,
        )
    except ValidationError as error:
        errors = error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}
        entry = Entry.objects.filter(cycle=cycle, teaching_group=group, student=student).first()
        row = _row(student, entry, grid, state="reason" if "reason" in errors else "invalid", errors=errors)
        # Keep what the user typed, so nothing is lost; it is shown, not stored.
        row.version = version
        row.grade = values.get("grade", row.grade)
        row.light = values.get("light", row.light)
        row.advice = values.get("advice", row.advice)
        row.light_label = _labels(grid.scheme).get(row.light, "")
        row.show_reason = keep_reason["show_reason"] or "reason" in errors
        row.reason = reason
        return _save_answer(request, grid, row, status=422)
    except EntryConflict as conflict:
        if not _own_repeat(conflict, request.user, values):
            current = conflict.current
            row = _row(
                student,
                current,
                grid,
                state="conflict",
                conflict_by=str(current.updated_by) if current.updated_by_id else "",
                conflict_at=current.updated_at,
                not_saved=_not_saved(values, current, grid),
                **keep_reason,
            )
            return _save_answer(request, grid, row, status=409)
        saved = services.SavedEntry(entry=conflict.current, changed=False)

    row = _row(student, saved.entry, grid, state="saved" if saved.changed else "unchanged", **keep_reason)
    if request.htmx:
        return render(request, ROW_TEMPLATE, _context(grid, row=row))
    if saved.changed:
        messages.success(request, _("Saved: %(name)s.") % {"name": student.full_name})
    else:
        messages.info(request, _("Nothing changed for %(name)s.") % {"name": student.full_name})
    return redirect(f"{reverse('reviews:grid', args=[cycle.pk, group.pk])}#row-{student.pk}")


def _save_answer(request: HttpRequest, grid: Grid, row: RowDisplay, *, status: int) -> HttpResponse:
    """The failed row: its fragment for htmx, or the whole grid with it for a plain form."""
    if request.htmx:
        return render(request, ROW_TEMPLATE, _context(grid, row=row), status=status)
    full = selectors.entries_for_grid(cycle=grid.cycle, group=grid.group, viewer=request.user)
    return _render_grid(request, full, replace=row, status=status)


# --- bulk actions ------------------------------------------------------------------------------


def _bulk(request: HttpRequest, cycle_pk: int, group_pk: int, action, done_message) -> HttpResponse:
    cycle, group = _grid_scope(request, cycle_pk, group_pk)
    if not policies.can_edit_entries(request.user, cycle, group):
        raise PermissionDenied
    try:
        count = action(cycle=cycle, teaching_group=group, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if count:
            messages.success(request, done_message(count))
        else:
            messages.info(request, _("Nothing to fill in: every field it would fill already has a value."))
    return redirect("reviews:grid", cycle_pk=cycle.pk, group_pk=group.pk)


@require_POST
def grid_bulk_green(request: HttpRequest, cycle_pk: int, group_pk: int) -> HttpResponse:
    return _bulk(
        request,
        cycle_pk,
        group_pk,
        services.entries_fill_green,
        lambda count: (
            ngettext("%(count)s empty light set to green.", "%(count)s empty lights set to green.", count)
            % {"count": count}
        ),
    )


@require_POST
def grid_copy_advice(request: HttpRequest, cycle_pk: int, group_pk: int) -> HttpResponse:
    return _bulk(
        request,
        cycle_pk,
        group_pk,
        services.entries_copy_previous_advice,
        lambda count: (
            ngettext(
                "Last cycle's advice copied for %(count)s student: check that it still fits.",
                "Last cycle's advice copied for %(count)s students: check that it still fits.",
                count,
            )
            % {"count": count}
        ),
    )


# --- the phrase bank ------------------------------------------------------------------------------


def phrases(request: HttpRequest) -> HttpResponse:
    """A teacher's own advice phrases: list, add, delete, move up or down."""
    if not policies.can_keep_phrases(request.user):
        raise PermissionDenied
    back = safe_next_url(request, fallback="")
    here = f"{reverse('reviews:phrases')}?{urlencode({'next': back})}" if back else reverse("reviews:phrases")
    form = AdvicePhraseForm()
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "add":
            form = AdvicePhraseForm(request.POST)
            if form.is_valid():
                try:
                    services.advice_phrase_create(owner=request.user, text=form.cleaned_data["text"])
                except ValidationError as error:
                    form.add_error(None, error)
                else:
                    messages.success(request, _("Phrase added."))
                    return redirect(here)
        elif action in ("delete", "up", "down"):
            try:
                pk = int(request.POST.get("phrase", ""))
            except ValueError:
                return HttpResponseBadRequest()
            phrase = policies.advice_phrase_get_for_user(request.user, pk)
            if action == "delete":
                services.advice_phrase_delete(owner=request.user, phrase=phrase)
                messages.success(request, _("Phrase deleted."))
            else:
                services.advice_phrase_move(owner=request.user, phrase=phrase, offset=-1 if action == "up" else 1)
            return redirect(here)
        else:
            return HttpResponseBadRequest()
    return render(
        request,
        "reviews/phrases.html",
        {"form": form, "phrases": list(policies.advice_phrases_of(request.user)), "back": back},
    )
