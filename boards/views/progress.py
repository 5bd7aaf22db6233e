"""The student progress board of a class group (issue 6): the board, saving one card (409 when somebody
saved first, 422 on bad input, 403 for those who may look but not write) and a 3-second poll that
returns the cards changed since the page's last look (or 204); a mentor's photo upload or removal from a
card (422 with the reason when refused); and the monthly discussion of the notable cards, one at a time.

Thin: policy → selector or service → render. htmx gets the card fragment; plain form posts redirect back.
Each load of the board and of a discussion card is one read in the audit log (the class as the record);
the poll is not.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_GET, require_POST

from audit.models import AuditEvent
from audit.services import audit_record

from .. import policies
from ..models import ProgressCard
from ..selectors import progress as selectors
from ..services import photos as photo_services
from ..services import progress as services

CARD_TEMPLATE = "boards/progress/partials/card.html"
FORM_FIELDS = services.CARD_FIELDS


def _board_context(request: HttpRequest, board: selectors.ProgressBoard, **extra) -> dict:
    return {
        "board": board,
        "blank": request.GET.get("blank") == "1",
        "since": board.now.isoformat(),
        **extra,
    }


@require_GET
def progress_page(request: HttpRequest, class_pk: int) -> HttpResponse:
    class_group = policies.progress_board_get_for_user(request.user, class_pk)
    board = selectors.progress_board(
        class_group=class_group, viewer=request.user, filter=request.GET.get("filter", "")
    )
    # One event per page load, the class as the record; the 3-second poll is not a read of its own.
    audit_record(
        request_or_actor=request,
        action=AuditEvent.Action.READ,
        kind=AuditEvent.Kind.PROGRESS_BOARD,
        obj=class_group,
        summary=gettext_noop("Class's progress board read"),
    )
    return render(request, "boards/progress/board.html", _board_context(request, board))


def _typed(card: selectors.CardView, values: dict) -> selectors.CardView:
    """The card with what the user typed on top (unsaved), to show it back with its errors."""
    shown = ProgressCard(
        pk=card.card.pk,
        student=card.student,
        version=card.card.version,
        internship_placed=card.card.internship_placed,
        tests_behind=card.card.tests_behind,
        attendance_concern=card.card.attendance_concern,
        notable=card.card.notable,
        updated_at=card.card.updated_at,
        updated_by=card.card.updated_by,
    )
    raw = values.get("internship_placed")
    if raw in services.INTERNSHIP_VALUES:
        shown.internship_placed = services.INTERNSHIP_VALUES[raw]
    if "attendance_concern" in values:
        shown.attendance_concern = values["attendance_concern"] in services.TRUE_VALUES
    if "notable" in values:
        shown.notable = values["notable"]
    card.card = shown
    card.typed_tests_behind = values.get("tests_behind", "")
    return card


@require_POST
def progress_card_save(request: HttpRequest, student_pk: int) -> HttpResponse:
    student = policies.progress_card_student_get_for_user(request.user, student_pk)
    board_url = reverse("boards:progress", args=[student.class_group_id])
    can_update = policies.can_update_progress_cards(request.user, student.class_group)
    if not can_update:
        # They can see the board, so they know the card exists: 403, not 404.
        if not request.htmx:
            raise PermissionDenied
        card = selectors.progress_card_view(student=student)
        context = {"c": card, "can_update": False, "state": "refused"}
        return render(request, CARD_TEMPLATE, context, status=403)
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        return HttpResponseBadRequest()
    values = {name: request.POST[name] for name in FORM_FIELDS if name in request.POST}
    try:
        services.progress_card_save(student=student, actor=request.user, values=values, version=version)
    except ValidationError as error:
        card = _typed(selectors.progress_card_view(student=student), values)
        context = {"c": card, "can_update": True, "state": "invalid", "errors": error.message_dict}
        if request.htmx:
            return render(request, CARD_TEMPLATE, context, status=422)
        board = selectors.progress_board(class_group=student.class_group, viewer=request.user)
        board.cards = [card if c.student.pk == student.pk else c for c in board.cards]
        return render(
            request,
            "boards/progress/board.html",
            _board_context(request, board, failed_pk=student.pk, **context),
            status=422,
        )
    except services.ProgressCardConflict as conflict:
        card = selectors.progress_card_view(student=student)
        context = {
            "c": card,
            "can_update": True,
            "state": "conflict",
            "conflict_by": conflict.current.updated_by,
            "conflict_at": conflict.current.updated_at,
        }
        if request.htmx:
            return render(request, CARD_TEMPLATE, context, status=409)
        board = selectors.progress_board(class_group=student.class_group, viewer=request.user)
        return render(
            request,
            "boards/progress/board.html",
            _board_context(request, board, failed_pk=student.pk, **context),
            status=409,
        )
    if request.htmx:
        card = selectors.progress_card_view(student=student)
        return render(request, CARD_TEMPLATE, {"c": card, "can_update": True, "state": "saved"})
    messages.success(request, _("Saved the card of %(name)s.") % {"name": student.full_name})
    return redirect(f"{board_url}#progress-card-{student.pk}")


@require_GET
def progress_poll(request: HttpRequest, class_pk: int) -> HttpResponse:
    class_group = policies.progress_board_get_for_user(request.user, class_pk)
    since = parse_datetime(request.GET.get("since", ""))
    if since is None or timezone.is_naive(since):
        return HttpResponseBadRequest()
    now = timezone.now()
    cards = selectors.progress_cards_changed_since(class_group=class_group, since=since)
    if not cards:
        return HttpResponse(status=204)
    context = {
        "cards": cards,
        "since": now.isoformat(),
        "class_group": class_group,
        "can_update": policies.can_update_progress_cards(request.user, class_group),
    }
    return render(request, "boards/progress/partials/changes.html", context)


def _int_or_none(raw: str | None) -> int | None:
    try:
        return int(raw) if raw else None
    except ValueError:
        return None


@require_POST
def progress_photo(request: HttpRequest, student_pk: int) -> HttpResponse:
    """Upload (multipart, field `photo`) or remove (`remove=1`) a student's photo from their card."""
    student = policies.progress_card_student_get_for_user(request.user, student_pk)
    if not policies.can_update_progress_cards(request.user, student.class_group):
        # They can see the board, so they know the card exists: 403, not 404.
        if not request.htmx:
            raise PermissionDenied
        card = selectors.progress_card_view(student=student)
        return render(request, CARD_TEMPLATE, {"c": card, "can_update": False, "state": "refused"}, status=403)
    removing = request.POST.get("remove") == "1"
    try:
        if removing:
            photo_services.student_photo_remove(student=student, actor=request.user)
        else:
            photo_services.student_photo_replace(
                student=student, actor=request.user, upload=request.FILES.get(photo_services.PHOTO_FIELD)
            )
    except ValidationError as error:
        card = selectors.progress_card_view(student=student)
        context = {"c": card, "can_update": True, "state": "photo_invalid", "errors": error.message_dict}
        if request.htmx:
            return render(request, CARD_TEMPLATE, context, status=422)
        board = selectors.progress_board(class_group=student.class_group, viewer=request.user)
        return render(
            request,
            "boards/progress/board.html",
            _board_context(request, board, failed_pk=student.pk, **context),
            status=422,
        )
    state = "photo_removed" if removing else "photo_saved"
    if request.htmx:
        card = selectors.progress_card_view(student=student)
        return render(request, CARD_TEMPLATE, {"c": card, "can_update": True, "state": state})
    if removing:
        messages.success(request, _("Removed the photo of %(name)s.") % {"name": student.full_name})
    else:
        messages.success(request, _("Saved the new photo of %(name)s.") % {"name": student.full_name})
    board_url = reverse("boards:progress", args=[student.class_group_id])
    return redirect(f"{board_url}#progress-card-{student.pk}")


@require_GET
def progress_discussion(request: HttpRequest, class_pk: int) -> HttpResponse:
    """The monthly discussion: the notable cards one at a time, full screen (?card=<student> or ?position=<n>)."""
    class_group = policies.progress_board_get_for_user(request.user, class_pk)
    discussion = selectors.progress_discussion(
        class_group=class_group,
        viewer=request.user,
        student_pk=_int_or_none(request.GET.get("card")),
        position=_int_or_none(request.GET.get("position")),
    )
    # Each card is a page load of its own: one event each, the class as the record and the card's student.
    audit_record(
        request_or_actor=request,
        action=AuditEvent.Action.READ,
        kind=AuditEvent.Kind.PROGRESS_BOARD,
        obj=class_group,
        student=discussion.current.student if discussion.current is not None else None,
        summary=gettext_noop("Class's progress board read in the monthly discussion"),
    )
    context = {"discussion": discussion, "blank": request.GET.get("blank") == "1"}
    return render(request, "boards/progress/discussion.html", context)


urlpatterns = [
    path("progress/<int:class_pk>/", progress_page, name="progress"),
    path("progress/<int:class_pk>/changes/", progress_poll, name="progress_poll"),
    path("progress/<int:class_pk>/discussion/", progress_discussion, name="progress_discussion"),
    path("progress/cards/<int:student_pk>/", progress_card_save, name="progress_card"),
    path("progress/cards/<int:student_pk>/photo/", progress_photo, name="progress_photo"),
]
