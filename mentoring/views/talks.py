"""The mentor talk (step 4): the mentor's talk list and times, booking a time, and the talk page.

Thin: policy → selector or service → render. Out of scope is 404 (a class or student the
user does not follow, another guardian's child, a round not yet published to the family);
visible but not allowed is 403 (the team leader or school admin pressing a mentor's button,
the student pressing "book": their parent or guardian, or their mentor, chooses the time).

Times are shown in the school's time zone. Every form posts normally and works without
JavaScript; htmx refreshes the booking list (a time taken meanwhile answers 409 with the
list as it is now), saves the notes while typing, adds agreements and checks the earlier
ones in place (422 with the reason; static/js/mentoring-talks.js swaps those in).
Each load of the talk page is a read in the audit log; the saves while typing are not.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from audit.models import AuditEvent
from audit.services import audit_record
from reviews import policies as review_policies
from reviews.models import ReviewCycle
from reviews.policies import cycle_get_for_user
from school.forms import add_service_errors
from school.models import ClassGroup
from school.web import safe_next_url

from .. import policies
from ..forms_talks import AGREEMENT_CHECK_CHOICES, BookingForm, SlotSeriesForm, TalkAgreementForm
from ..models import MentorTalk, Reflection, TalkSlot
from ..selectors import talks as selectors
from ..services import talks as services

LIST_TEMPLATE = "mentoring/talks/list.html"
BOOK_TEMPLATE = "mentoring/talks/book.html"
BOOKING_PARTIAL = "mentoring/talks/partials/booking.html"
TALK_TEMPLATE = "mentoring/talks/talk.html"
AGREEMENTS_PARTIAL = "mentoring/talks/partials/agreements.html"
EARLIER_PARTIAL = "mentoring/talks/partials/earlier_agreement.html"
NOTES_PARTIAL = "mentoring/talks/partials/notes_state.html"


def _tz(request: HttpRequest):
    """The school's time zone (the user's school: the page header has loaded it already)."""
    return services.school_timezone(request.user.school)


def _render(request: HttpRequest, template: str, context: dict, *, status: int = 200) -> HttpResponse:
    """Render with times in the school's time zone (the response is rendered here, inside the override)."""
    with timezone.override(_tz(request)):
        return render(request, template, context, status=status)


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


def _error_codes(error: ValidationError) -> set[str]:
    if hasattr(error, "error_dict"):
        return {item.code for items in error.error_dict.values() for item in items}
    return {item.code for item in error.error_list}


def _talks_url(cycle_id: int, class_group_id: int) -> str:
    return reverse("mentoring:talks", args=[cycle_id, class_group_id])


def _talk_url(talk: MentorTalk) -> str:
    return reverse("mentoring:talk", args=[talk.pk])


def _booking_url(cycle_id: int, student_id: int) -> str:
    return reverse("mentoring:talk_book", args=[cycle_id, student_id])


def _student_url(cycle: ReviewCycle, student) -> str | None:
    try:
        return reverse("mentoring:student", args=[cycle.pk, student.pk])
    except NoReverseMatch:  # the student page is another part of the app
        return None


# --- the mentor's talk list and times -------------------------------------------------------------------


def _class_in_cycle(request: HttpRequest, cycle_pk: int, class_pk: int) -> tuple[ReviewCycle, ClassGroup]:
    """A round and a class the user follows that it covers: the mentor, its team leader, school-wide roles."""
    cycle = cycle_get_for_user(request.user, cycle_pk)
    class_group = policies.class_group_followed_get_for_user(request.user, class_pk)
    if not review_policies.cycle_covers_class_group(cycle, class_group):
        raise Http404
    return cycle, class_group


def _talks_page(
    request: HttpRequest, cycle: ReviewCycle, class_group: ClassGroup, *, form=None, status: int = 200
) -> HttpResponse:
    can_manage = policies.can_manage_talks(request.user, cycle, class_group)
    context = {
        "cycle": cycle,
        "class_group": class_group,
        "page": selectors.talk_list(cycle=cycle, class_group=class_group),
        "can_manage": can_manage,
        "form": (form or SlotSeriesForm()) if can_manage else None,
        "here": request.path,
    }
    return _render(request, LIST_TEMPLATE, context, status=status)


@require_GET
def talks(request: HttpRequest, cycle_pk: int, class_pk: int) -> HttpResponse:
    """The talk list: every student with their time, reflection and open agreements; the times offered."""
    cycle, class_group = _class_in_cycle(request, cycle_pk, class_pk)
    return _talks_page(request, cycle, class_group)


@require_POST
def talk_slots(request: HttpRequest, cycle_pk: int, class_pk: int) -> HttpResponse:
    """Add a series of times; the page again with the reasons when it cannot (nothing is added then)."""
    cycle, class_group = _class_in_cycle(request, cycle_pk, class_pk)
    if not policies.can_manage_talks(request.user, cycle, class_group):
        raise PermissionDenied
    form = SlotSeriesForm(request.POST)
    if form.is_valid():
        try:
            slots = services.talk_slots_add(
                cycle=cycle, class_group=class_group, actor=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            with timezone.override(_tz(request)):
                first = timezone.localtime(slots[0].starts_at)
                messages.success(
                    request,
                    ngettext(
                        "%(count)s time added on %(date)s from %(start)s.",
                        "%(count)s times added on %(date)s from %(start)s.",
                        len(slots),
                    )
                    % {"count": len(slots), "date": date_format(first, "l j F"), "start": first.strftime("%H:%M")},
                )
            return redirect(_talks_url(cycle.pk, class_group.pk) + "#slots")
    return _talks_page(request, cycle, class_group, form=form, status=422)


@require_POST
def slot_delete(request: HttpRequest, pk: int) -> HttpResponse:
    slot = policies.talk_slot_get_for_user(request.user, pk)
    if not policies.can_manage_talks(request.user, slot.cycle, slot.class_group):
        raise PermissionDenied
    try:
        services.talk_slot_delete(slot=slot, actor=request.user)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("The time is taken back."))
    return redirect(_talks_url(slot.cycle_id, slot.class_group_id) + "#slots")


@require_POST
def talk_start(request: HttpRequest, cycle_pk: int, student_pk: int) -> HttpResponse:
    """A talk without an appointment: the mentor opens the student's talk page without a booked time."""
    cycle = cycle_get_for_user(request.user, cycle_pk)
    student = policies.followed_student_get_for_user(request.user, student_pk)
    if not review_policies.cycle_covers_student(cycle, student):
        raise Http404
    try:
        talk = services.talk_get_or_create(cycle=cycle, student=student, actor=request.user)
    except ValidationError as error:
        messages.error(request, _error_text(error))
        return redirect(_talks_url(cycle.pk, student.class_group_id))
    return redirect(_talk_url(talk))


# --- booking a time --------------------------------------------------------------------------------------------


def _booking_context(request: HttpRequest, cycle: ReviewCycle, student, **extra) -> dict:
    page = selectors.booking_page(cycle=cycle, student=student, tz=_tz(request))
    return {
        "cycle": cycle,
        "student": student,
        "page": page,
        "can_book": policies.can_book_talk(request.user, cycle, student),
        "is_mentor": policies.is_mentor_of(request.user, student),
        "booking_url": _booking_url(cycle.pk, student.pk),
        **extra,
    }


def _booking_answer(request: HttpRequest, cycle: ReviewCycle, student, *, status: int = 200, **extra) -> HttpResponse:
    context = _booking_context(request, cycle, student, **extra)
    template = BOOKING_PARTIAL if request.htmx else BOOK_TEMPLATE
    return _render(request, template, context, status=status)


@require_http_methods(["GET", "POST"])
def talk_book(request: HttpRequest, cycle_pk: int, student_pk: int) -> HttpResponse:
    """Choose a time for the student's talk: the guardians and the mentor book; the student reads their booking.

    htmx gets the booking fragment back (200 booked; 409 taken meanwhile, with the list as it is now;
    422 nothing chosen); without JavaScript, a booking redirects here and an error shows the page again.
    """
    cycle, student = policies.booking_get_for_user(request.user, cycle_pk, student_pk)
    if request.method == "GET":
        return _booking_answer(request, cycle, student)
    if not policies.can_book_talk(request.user, cycle, student):
        raise PermissionDenied  # the student themselves, or a round that is closed
    slots = TalkSlot.objects.filter(cycle=cycle, class_group_id=student.class_group_id)
    form = BookingForm(request.POST, slots=slots)
    status = 422
    if form.is_valid():
        try:
            talk = services.talk_book(cycle=cycle, student=student, slot=form.cleaned_data["slot"], actor=request.user)
        except ValidationError as error:
            add_service_errors(form, error)
            status = 409 if "taken" in _error_codes(error) else 422
        else:
            with timezone.override(_tz(request)):
                start = timezone.localtime(talk.slot.starts_at)
                said = _("Booked: %(date)s at %(start)s.") % {
                    "date": date_format(start, "l j F"),
                    "start": start.strftime("%H:%M"),
                }
            if request.htmx:
                return _booking_answer(request, cycle, student, said=said)
            messages.success(request, said)
            return redirect(_booking_url(cycle.pk, student.pk))
    return _booking_answer(
        request,
        cycle,
        student,
        status=status,
        form=form,
        error=" ".join([*form.errors.get("slot", []), *form.non_field_errors()]),
    )


@require_POST
def talk_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """Cancel a booking (the time is free again): the mentor, or a guardian who may book for the student."""
    found = MentorTalk.objects.filter(pk=pk).values_list("cycle_id", "student_id").first()
    if found is None:
        raise Http404
    cycle, student = policies.booking_get_for_user(request.user, *found)
    if not policies.can_book_talk(request.user, cycle, student):
        raise PermissionDenied
    talk = get_object_or_404(MentorTalk, pk=pk)
    talk.cycle, talk.student = cycle, student
    try:
        services.talk_booking_cancel(talk=talk, actor=request.user)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("The booking is cancelled: the time is free again."))
    return redirect(safe_next_url(request) or _booking_url(cycle.pk, student.pk))


# --- the talk page -------------------------------------------------------------------------------------------


def _talk_context(request: HttpRequest, talk: MentorTalk, *, agreement_form=None) -> dict:
    page = selectors.talk_page(talk=talk)
    can_edit = policies.can_edit_talk(request.user, talk)
    reflection = page.reflection
    answers = []
    if page.reflection_submitted:
        answers = [
            (Reflection._meta.get_field(name).verbose_name, getattr(reflection, name))
            for name in Reflection.PROMPT_FIELDS
        ]
    class_group = talk.student.class_group
    return {
        "talk": talk,
        "cycle": talk.cycle,
        "student": talk.student,
        "page": page,
        "answers": answers,
        "can_edit": can_edit,
        "can_check": policies.is_mentor_of(request.user, talk.student),
        "can_see_list": class_group is not None
        and policies.class_groups_followed_by(request.user).filter(pk=class_group.pk).exists(),
        "agreement_form": (agreement_form or TalkAgreementForm()) if can_edit else None,
        "check_choices": AGREEMENT_CHECK_CHOICES,
        "student_url": _student_url(talk.cycle, talk.student),
        "here": request.path,
    }


def _edit_talk(request: HttpRequest, pk: int) -> MentorTalk:
    """A talk the user edits: 404 when they cannot see it, 403 when they see it but are not its mentor."""
    talk = policies.talk_get_for_user(request.user, pk)
    if not policies.can_edit_talk(request.user, talk):
        raise PermissionDenied
    return talk


@require_GET
def talk(request: HttpRequest, pk: int) -> HttpResponse:
    """During the talk: the agreements from earlier first, then the reflection and goals, notes, new agreements."""
    found = policies.talk_get_for_user(request.user, pk)
    # Staff only reach the talk (the student and guardians have the booking page): every look is a read.
    audit_record(
        request_or_actor=request,
        action=AuditEvent.Action.READ,
        kind=AuditEvent.Kind.MENTOR_TALK,
        obj=found,
        summary=gettext_noop("Mentor talk read"),
    )
    return _render(request, TALK_TEMPLATE, _talk_context(request, found))


@require_POST
def talk_notes(request: HttpRequest, pk: int) -> HttpResponse:
    """Save the notes: htmx while typing (a short "saved" note back), or the Save button."""
    found = _edit_talk(request, pk)
    error = ""
    try:
        services.talk_notes_save(talk=found, actor=request.user, notes=request.POST.get("notes", ""))
    except ValidationError as exc:
        error = _error_text(exc)
    if request.htmx:
        return _render(
            request,
            NOTES_PARTIAL,
            {"error": error, "saved_at": timezone.now()},
            status=422 if error else 200,
        )
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("The notes are saved."))
    return redirect(_talk_url(found) + "#notes")


@require_POST
def talk_held(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark the talk held, or take that back (held=0)."""
    found = _edit_talk(request, pk)
    held = request.POST.get("held", "1") != "0"
    services.talk_held(talk=found, actor=request.user, held=held)
    messages.success(request, _("The talk is marked as held.") if held else _("The talk is no longer marked as held."))
    return redirect(_talk_url(found) + "#held")


@require_POST
def talk_agreement_add(request: HttpRequest, pk: int) -> HttpResponse:
    """A new agreement: htmx gets the list and an empty form (or the form with its errors, 422)."""
    found = _edit_talk(request, pk)
    form = TalkAgreementForm(request.POST)
    said = ""
    if form.is_valid():
        try:
            services.talk_agreement_add(talk=found, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            said = _("The agreement is added. It comes back at the next round's talk.")
            if not request.htmx:
                messages.success(request, said)
                return redirect(_talk_url(found) + "#agreements")
            form = None
    status = 422 if form is not None and form.errors else 200
    if request.htmx:
        context = {**_talk_context(request, found, agreement_form=form), "said": said}
        return _render(request, AGREEMENTS_PARTIAL, context, status=status)
    return _render(request, TALK_TEMPLATE, _talk_context(request, found, agreement_form=form), status=status)


@require_POST
def agreement_check(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark an open agreement met / partly met / not met: the student's mentor. htmx gets the agreement's row back."""
    agreement = policies.agreement_get_for_user(request.user, pk)
    if not policies.can_check_agreement(request.user, agreement):
        raise PermissionDenied  # they follow the student (team leader, school admin) but only the mentor checks
    error, said = "", ""
    try:
        services.agreement_check(agreement=agreement, actor=request.user, status=request.POST.get("status", ""))
    except ValidationError as exc:
        error = _error_text(exc)
    else:
        said = _("Agreement checked: %(status)s.") % {"status": agreement.get_status_display()}
    if request.htmx:
        context = {
            "agreement": selectors.agreement_for_row(agreement.pk),
            "can_check": True,
            "check_choices": AGREEMENT_CHECK_CHOICES,
            "error": error,
            "said": said,
            "here": (safe_next_url(request) or "").split("#")[0],
        }
        return _render(request, EARLIER_PARTIAL, context, status=422 if error else 200)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, said)
    return redirect(safe_next_url(request) or reverse("mentoring:dashboards"))


urlpatterns = [
    path("cycles/<int:cycle_pk>/classes/<int:class_pk>/talks/", talks, name="talks"),
    path("cycles/<int:cycle_pk>/classes/<int:class_pk>/talks/slots/", talk_slots, name="talk_slots"),
    path("slots/<int:pk>/delete/", slot_delete, name="slot_delete"),
    path("cycles/<int:cycle_pk>/students/<int:student_pk>/talk/start/", talk_start, name="talk_start"),
    path("my/cycles/<int:cycle_pk>/students/<int:student_pk>/talk/", talk_book, name="talk_book"),
    path("talks/<int:pk>/", talk, name="talk"),
    path("talks/<int:pk>/cancel/", talk_cancel, name="talk_cancel"),
    path("talks/<int:pk>/notes/", talk_notes, name="talk_notes"),
    path("talks/<int:pk>/held/", talk_held, name="talk_held"),
    path("talks/<int:pk>/agreements/", talk_agreement_add, name="talk_agreement_add"),
    path("agreements/<int:pk>/check/", agreement_check, name="agreement_check"),
]
