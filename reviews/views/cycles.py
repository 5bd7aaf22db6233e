"""Pages of the review cycle around the grid: cycles, phases, reminders, grades import, history, light words.

Thin: policy → selector or service → render. Out of scope is 404 (another
school's cycle, a group the user may not open); a page the user knows exists
but may not use is 403 (a teacher pressing "next phase", a team leader
importing grades into a group they do not teach).
"""

from __future__ import annotations

import secrets

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from audit.models import AuditEvent
from audit.services import audit_record
from school import jobs
from school.forms import add_service_errors
from school.models import TeachingGroup

from .. import policies, selectors, services, tasks
from ..forms import CycleForm, GradesApplyForm, GradesUploadForm, LightSchemeForm
from ..grades_import import GradeLine, GradesPreview, PreviewLine, grades_read
from ..models import Palette, Phase, ReminderJob, ReviewCycle

# --- cycles ---------------------------------------------------------------------------------


@require_GET
def cycle_list(request: HttpRequest) -> HttpResponse:
    # Students and parents know there are review rounds (403), but these pages are the staff's.
    if not policies.can_view_cycles(request.user):
        raise PermissionDenied
    return render(
        request,
        "reviews/cycle_list.html",
        {"cycles": selectors.cycles_for_list(request.user), "can_create": policies.can_create_cycle(request.user)},
    )


@require_http_methods(["GET", "POST"])
def cycle_create(request: HttpRequest) -> HttpResponse:
    if not policies.can_create_cycle(request.user):
        raise PermissionDenied
    form = CycleForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            cycle = services.cycle_create(
                school=request.user.school,
                actor=request.user,
                name=data["name"],
                period=data["period"],
                departments=list(data["departments"]),
                entry_deadline=data["entry_deadline"],
                speed_date_on=data["speed_date_on"],
                meeting_on=data["meeting_on"],
                talks_until=data["talks_until"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The review round “%(name)s” has started.") % {"name": cycle.name})
            return redirect("reviews:cycle_detail", pk=cycle.pk)
    return render(request, "reviews/cycle_form.html", {"form": form})


@require_GET
def cycle_detail(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = selectors.cycle_page(policies.cycle_get_for_user(request.user, pk))
    can_manage = policies.can_manage_cycle(request.user, cycle)
    context = {
        "cycle": cycle,
        "timeline": selectors.phase_timeline(cycle),
        "my_groups": selectors.teacher_groups_in_cycle(cycle=cycle, user=request.user),
        "can_manage": can_manage,
    }
    if can_manage:
        context["completion"] = selectors.cycle_completion(cycle=cycle)
        context["next_phase"] = cycle.next_phase
        context["job"] = selectors.reminder_job_latest(cycle=cycle)
        context["behind"] = len(selectors.reminder_letters(cycle=cycle)) if cycle.is_entry_open else 0
    return render(request, "reviews/cycle_detail.html", context)


def _managed_cycle(request: HttpRequest, pk: int) -> ReviewCycle:
    """A cycle the user runs: 404 when they cannot see it, 403 when they see it but do not run it."""
    cycle = policies.cycle_get_for_user(request.user, pk)
    if not policies.can_manage_cycle(request.user, cycle):
        raise PermissionDenied
    return cycle


@require_POST
def cycle_advance(request: HttpRequest, pk: int) -> HttpResponse:
    """Move the cycle one phase on. Leaving the entry phase first shows how many entries are still open."""
    cycle = _managed_cycle(request, pk)
    to_phase = request.POST.get("to_phase", "")
    if cycle.is_entry_open and to_phase == cycle.next_phase and request.POST.get("confirmed") != "yes":
        return render(
            request,
            "reviews/cycle_advance_confirm.html",
            {
                "cycle": cycle,
                "to_phase": Phase(to_phase),
                "incomplete": selectors.incomplete_entry_count(cycle=cycle),
            },
        )
    try:
        services.cycle_advance(cycle=cycle, actor=request.user, to_phase=to_phase)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("“%(name)s” is now in the phase “%(phase)s”.")
            % {"name": cycle.name, "phase": cycle.get_phase_display()},
        )
    return redirect("reviews:cycle_detail", pk=cycle.pk)


# --- reminders ---------------------------------------------------------------------------------


@require_POST
def cycle_remind(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = _managed_cycle(request, pk)
    try:
        job = services.reminder_job_create(
            cycle=cycle, actor=request.user, site_url=request.build_absolute_uri("/").rstrip("/")
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            ngettext(
                "The reminder to %(count)s teacher is being sent.",
                "The reminder to %(count)s teachers is being sent.",
                job.total,
            )
            % {"count": job.total},
        )
    return redirect(reverse("reviews:cycle_detail", args=[cycle.pk]) + "#reminders")


@require_GET
def reminder_status(request: HttpRequest, pk: int, job_pk: int) -> HttpResponse:
    """A reminder job's progress: the fragment the cycle page polls every 2 s, or a page of its own."""
    cycle = _managed_cycle(request, pk)
    job = get_object_or_404(ReminderJob.objects.select_related("requested_by"), cycle=cycle, pk=job_pk)
    # Each look sends a job again whose message never reached the broker (Redis was down).
    job = jobs.job_resend(job, tasks.reminders_send_task)
    context = {"cycle": cycle, "job": job}
    if request.htmx:
        # Once done the fragment comes back without its trigger, so the polling stops.
        return render(request, "reviews/partials/reminder_status.html", context)
    return render(request, "reviews/reminder_status.html", context)


# --- grades import -----------------------------------------------------------------------------


def _grid_url(cycle: ReviewCycle, group: TeachingGroup) -> str:
    try:
        return reverse("reviews:grid", args=[cycle.pk, group.pk])
    except NoReverseMatch:  # the grid's URL is another part of the app
        return reverse("reviews:cycle_detail", args=[cycle.pk])


def _session_key(cycle: ReviewCycle, group: TeachingGroup) -> str:
    return f"reviews:grades-import:{cycle.pk}:{group.pk}"


@require_http_methods(["GET", "POST"])
def grades_import(request: HttpRequest, pk: int, group_pk: int) -> HttpResponse:
    """Upload → check (nothing written, every problem with file, row and column) → apply, all or nothing.

    The check's result waits in the session (student, grade, the entry's version),
    so "apply" writes exactly what the teacher saw, or nothing when an entry changed since.
    """
    cycle = policies.cycle_get_for_user(request.user, pk)
    group = policies.grid_group_get_for_user(request.user, cycle, group_pk)
    if not policies.can_edit_entries(request.user, cycle, group):
        raise PermissionDenied  # they may see the grid (a team leader), not write it
    if request.method == "POST" and request.POST.get("action") == "apply":
        return _grades_apply(request, cycle, group)
    preview = apply_form = None
    if request.method == "POST":
        upload_form = GradesUploadForm(request.POST, request.FILES)
        if upload_form.is_valid():
            preview, apply_form = _grades_check(request, cycle, group, upload_form.cleaned_data["file"])
            upload_form = GradesUploadForm()
    else:
        upload_form = GradesUploadForm()
    return _grades_page(request, cycle, group, upload_form=upload_form, apply_form=apply_form, preview=preview)


def _grades_page(request: HttpRequest, cycle: ReviewCycle, group: TeachingGroup, **context) -> HttpResponse:
    return render(
        request,
        "reviews/grades_import.html",
        {"cycle": cycle, "group": group, "grid_url": _grid_url(cycle, group), **context},
    )


def _grades_check(
    request: HttpRequest, cycle: ReviewCycle, group: TeachingGroup, upload: UploadedFile
) -> tuple[GradesPreview, GradesApplyForm | None]:
    """Read the upload; when it is in order, keep its preview in the session and offer to apply it."""
    key = _session_key(cycle, group)
    preview = grades_read(cycle=cycle, teaching_group=group, name=upload.name, data=upload.read())
    request.session.pop(key, None)
    if not preview.ok:
        return preview, None
    token = secrets.token_urlsafe(16)
    request.session[key] = {
        "token": token,
        "file": preview.file,
        "lines": [[line.student.pk, str(line.after), line.version, line.row] for line in preview.lines],
    }
    return preview, GradesApplyForm(initial={"token": token}, reason_needed=not cycle.is_entry_open)


def _grades_apply(request: HttpRequest, cycle: ReviewCycle, group: TeachingGroup) -> HttpResponse:
    key = _session_key(cycle, group)
    again = redirect("reviews:grades_import", pk=cycle.pk, group_pk=group.pk)
    stored = request.session.get(key)
    if stored is None or request.POST.get("token") != stored["token"]:
        messages.error(request, _("This check is no longer current. Upload the file again."))
        return again
    apply_form = GradesApplyForm(request.POST, reason_needed=not cycle.is_entry_open)
    if not apply_form.is_valid():  # a reason was missing: the same check again, from the session
        preview = _stored_preview(stored, cycle, group)
        return _grades_page(
            request, cycle, group, upload_form=GradesUploadForm(), apply_form=apply_form, preview=preview
        )
    lines = [
        GradeLine(student_id, services.parse_grade(grade), version)
        for student_id, grade, version, _row in stored["lines"]
    ]
    try:
        changed = services.grades_import_apply(
            cycle=cycle,
            teaching_group=group,
            actor=request.user,
            grades=lines,
            reason=apply_form.cleaned_data.get("reason", ""),
        )
    except services.GradesImportConflict as conflict:
        messages.error(
            request,
            _(
                "Nothing was imported: %(who)s changed the entry of %(student)s after you checked the file. "
                "Check the file again to see the grades as they are now."
            )
            % {"who": conflict.current.updated_by or _("someone else"), "student": conflict.student.full_name},
        )
        return again
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return again
    finally:
        request.session.pop(key, None)  # applied or refused, this check is used up
    messages.success(
        request,
        ngettext(
            "Grades imported from %(file)s: %(count)s entry changed.",
            "Grades imported from %(file)s: %(count)s entries changed.",
            changed,
        )
        % {"file": stored["file"], "count": changed},
    )
    return redirect(_grid_url(cycle, group))


def _stored_preview(stored: dict, cycle: ReviewCycle, group: TeachingGroup) -> GradesPreview:
    """The checked file again (a reason was missing): rebuilt from the session, not from the upload."""
    students = policies.cycle_students(cycle).filter(enrollments__teaching_group=group).select_related("class_group")
    students = students.in_bulk([line[0] for line in stored["lines"]])
    entries = {
        entry.student_id: entry.grade for entry in group.entries.filter(cycle=cycle, student_id__in=list(students))
    }
    preview = GradesPreview(file=stored["file"])
    for student_id, grade, version, row in stored["lines"]:
        if student_id in students:
            preview.lines.append(
                PreviewLine(
                    row=row,
                    student=students[student_id],
                    before=entries.get(student_id),
                    after=services.parse_grade(grade),
                    version=version,
                )
            )
    return preview


# --- an entry's history --------------------------------------------------------------------------


@require_GET
def entry_history(request: HttpRequest, pk: int, group_pk: int, student_pk: int) -> HttpResponse:
    cycle = policies.cycle_get_for_user(request.user, pk)
    group = policies.grid_group_get_for_user(request.user, cycle, group_pk)
    student = get_object_or_404(
        policies.cycle_students(cycle).filter(enrollments__teaching_group=group).select_related("class_group"),
        pk=student_pk,
    )
    # One student's light and advice in one subject over time: a read per page load (the grid is not one).
    audit_record(
        request_or_actor=request,
        action=AuditEvent.Action.READ,
        kind=AuditEvent.Kind.ENTRY_HISTORY,
        student=student,
        summary=gettext_noop("Student's entry history read"),
    )
    scheme = selectors.light_scheme_for(cycle.school_id)
    return render(
        request,
        "reviews/entry_history.html",
        {
            "cycle": cycle,
            "group": group,
            "student": student,
            "scheme": scheme,
            "lines": selectors.entry_history(cycle=cycle, group=group, student=student),
            "grid_url": _grid_url(cycle, group),
        },
    )


# --- the school's light words ------------------------------------------------------------------------

# Offered with one click; the words a school picks are its own (DESIGN: words that help, not label).
SUGGESTIONS = (
    (gettext_lazy("on track"), gettext_lazy("attention"), gettext_lazy("action needed")),
    (gettext_lazy("going well"), gettext_lazy("watch out"), gettext_lazy("needs help")),
    (gettext_lazy("green"), gettext_lazy("orange"), gettext_lazy("red")),
)


@require_http_methods(["GET", "POST"])
def light_scheme(request: HttpRequest) -> HttpResponse:
    if not policies.can_manage_light_scheme(request.user):
        raise PermissionDenied
    school = request.user.school
    scheme = selectors.light_scheme_for(school.pk)
    if request.method == "POST":
        form = LightSchemeForm(request.POST, instance=scheme)
        if form.is_valid():
            try:
                services.light_scheme_save(
                    school=school,
                    actor=request.user,
                    **{name: form.cleaned_data[name] for name in ("green", "orange", "red", "palette")},
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The words and colours of the traffic lights are saved."))
                return redirect("reviews:light_scheme")
    elif request.htmx and "preview" in request.GET:
        # The live preview: what the form holds now, not saved.
        return render(request, "reviews/partials/light_preview.html", {"preview": _preview(request.GET, scheme)})
    else:
        initial = {}
        suggestion = request.GET.get("suggestion", "")
        if suggestion.isdigit() and int(suggestion) < len(SUGGESTIONS):
            initial = dict(zip(("green", "orange", "red"), map(str, SUGGESTIONS[int(suggestion)]), strict=True))
        form = LightSchemeForm(instance=scheme, initial=initial)
    preview = _preview(form.data, scheme) if form.is_bound else _preview({**_scheme_values(scheme), **initial}, scheme)
    return render(
        request,
        "reviews/light_scheme.html",
        {
            "form": form,
            "preview": preview,
            "suggestions": list(enumerate(SUGGESTIONS)),
            "saved": scheme.pk is not None,
        },
    )


def _scheme_values(scheme) -> dict[str, str]:
    return {"green": scheme.green, "orange": scheme.orange, "red": scheme.red, "palette": scheme.palette}


def _preview(data, scheme) -> dict[str, str]:
    """The three labels and the palette to show: what was typed, or the current words where a field is empty."""
    current = _scheme_values(scheme)
    preview = {name: (data.get(name) or "").strip()[:40] or current[name] for name in ("green", "orange", "red")}
    palette = data.get("palette") or current["palette"]
    preview["palette"] = palette if palette in Palette.values else Palette.CLASSIC
    return preview
