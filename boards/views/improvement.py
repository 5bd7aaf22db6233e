"""Improvement boards' pages (issue 6): the user's boards, one board with its cards, saving a card
(409 on a stale version, 422 on bad input), polling for changes, board sessions and check-ins.

Thin: policy → selector or service → render. htmx gets fragments; plain form posts redirect back.
Board comments and the care-board session live in care_session.py (their routes are included below).
"""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from school.policies import roles_of

from .. import policies
from ..forms_improvement import BoardCreateForm
from ..models import BoardItem
from ..selectors import improvement as selectors
from ..services import improvement as services
from . import care_session

CARD_TEMPLATE = "boards/improvement/partials/card.html"


def _errors(error: ValidationError) -> dict[str, list[str]]:
    """The messages per field; messages for the whole card under "general" (templates cannot read __all__)."""
    errors = error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}
    return {("general" if name == "__all__" else name): texts for name, texts in errors.items()}


def _staff_only(request: HttpRequest):
    """The boards pages are the staff's: anyone else gets 404."""
    if not policies.can_keep_boards(request.user):
        raise Http404
    return roles_of(request.user)


def _card_context(request, card, page_staff=None, **extra) -> dict:
    board = card.item.board
    staff = page_staff if page_staff is not None else selectors.board_page_staff(board)
    return {"card": card, "board": board, "staff_choices": staff, "statuses": BoardItem.Status.choices, **extra}


# --- the user's boards ----------------------------------------------------------------------------


def boards(request: HttpRequest) -> HttpResponse:
    roles = _staff_only(request)
    school = roles.staff.school
    form = BoardCreateForm(school=school)
    status = 200
    if request.method == "POST":
        form = BoardCreateForm(request.POST, school=school)
        if form.is_valid():
            try:
                board = services.board_create(school=school, actor=request.user, **form.cleaned_data)
            except ValidationError as error:
                for name, texts in _errors(error).items():
                    form.add_error(name if name in form.fields else None, texts)
            else:
                messages.success(request, _("Board made."))
                return redirect("boards:board", pk=board.pk)
        status = 422
    return render(
        request,
        "boards/improvement/list.html",
        {
            "boards": list(selectors.boards_for(request.user)),
            "form": form,
            "care_session_departments": list(policies.care_session_departments_for(request.user).order_by("name")),
        },
        status=status,
    )


# --- one board ------------------------------------------------------------------------------------


def _board_context(request: HttpRequest, the_board, **extra) -> dict:
    return {
        "page": selectors.board_page(board=the_board),
        "board": the_board,
        "statuses": BoardItem.Status.choices,
        "now": timezone.now(),
        "box": care_session.comment_box_for(request, the_board),
        "next_url": reverse("boards:board", args=[the_board.pk]),
        **extra,
    }


@require_GET
def board(request: HttpRequest, pk: int) -> HttpResponse:
    the_board = policies.board_get_for_user(request.user, pk)
    return render(request, "boards/improvement/board.html", _board_context(request, the_board))


@require_POST
def board_item_add(request: HttpRequest, pk: int) -> HttpResponse:
    the_board = policies.board_get_for_user(request.user, pk)
    section = request.POST.get("section", "")
    try:
        item = services.board_item_add(
            board=the_board,
            actor=request.user,
            section=section,
            text=request.POST.get("text", ""),
            measure=request.POST.get("measure", ""),
            target=request.POST.get("target", ""),
            owner=request.POST.get("owner") or None,
            due_on=request.POST.get("due_on") or None,
        )
    except ValidationError as error:
        errors = _errors(error)
        if request.htmx:
            return render(
                request,
                "boards/improvement/partials/add_errors.html",
                {"errors": errors, "section": section},
                status=422,
            )
        messages.error(request, " ".join(text for texts in errors.values() for text in texts))
        return redirect(f"{reverse('boards:board', args=[the_board.pk])}#section-{section}")
    if request.htmx:
        card = selectors.card_for(selectors.board_items(the_board).get(pk=item.pk))
        return render(request, CARD_TEMPLATE, _card_context(request, card, state="added"))
    messages.success(request, _("Card added."))
    return redirect(f"{reverse('boards:board', args=[the_board.pk])}#card-{item.pk}")


@require_POST
def board_item(request: HttpRequest, pk: int) -> HttpResponse:
    item = policies.board_item_get_for_user(request.user, pk)
    if request.POST.get("action") == "delete":
        services.board_item_delete(item=item, actor=request.user)
        if request.htmx:
            return HttpResponse("")
        messages.success(request, _("Card deleted."))
        return redirect("boards:board", pk=item.board_id)
    if request.POST.get("action") == "measure":
        return _measure(request, item)
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        return HttpResponseBadRequest()
    values = {name: request.POST[name] for name in services.ITEM_FIELDS if name in request.POST}
    try:
        saved = services.board_item_save(item=item, actor=request.user, values=values, version=version)
    except ValidationError as error:
        card = selectors.card_for(selectors.board_items(item.board).get(pk=item.pk))
        context = _card_context(request, card, state="invalid", errors=_errors(error), typed=values)
        return _answer(request, item, context, status=422)
    except services.BoardItemConflict as conflict:
        card = selectors.card_for(selectors.board_items(item.board).get(pk=conflict.current.pk))
        context = _card_context(request, card, state="conflict", typed=values)
        return _answer(request, item, context, status=409)
    card = selectors.card_for(selectors.board_items(item.board).get(pk=saved.pk))
    if request.htmx:
        return render(request, CARD_TEMPLATE, _card_context(request, card, state="saved"))
    messages.success(request, _("Card saved."))
    return redirect(f"{reverse('boards:board', args=[item.board_id])}#card-{item.pk}")


def _measure(request: HttpRequest, item: BoardItem) -> HttpResponse:
    try:
        services.measurement_add(
            item=item,
            actor=request.user,
            measured_on=request.POST.get("measured_on", ""),
            value=request.POST.get("value", ""),
        )
    except ValidationError as error:
        card = selectors.card_for(selectors.board_items(item.board).get(pk=item.pk))
        return _answer(request, item, _card_context(request, card, state="invalid", errors=_errors(error)), status=422)
    card = selectors.card_for(selectors.board_items(item.board).get(pk=item.pk))
    if request.htmx:
        return render(request, CARD_TEMPLATE, _card_context(request, card, state="saved"))
    messages.success(request, _("Measurement added."))
    return redirect(f"{reverse('boards:board', args=[item.board_id])}#card-{item.pk}")


def _answer(request: HttpRequest, item: BoardItem, context: dict, *, status: int) -> HttpResponse:
    """A failed save: the card's fragment for htmx, the card alone on a page for a plain form."""
    template = CARD_TEMPLATE if request.htmx else "boards/improvement/card_page.html"
    return render(request, template, context, status=status)


@require_GET
def board_poll(request: HttpRequest, pk: int) -> HttpResponse:
    """Cards changed since `since` as hx-swap-oob fragments, or 204 when nothing changed."""
    the_board = policies.board_get_for_user(request.user, pk)
    since = parse_datetime(request.GET.get("since", "") or "")
    if since is None:
        return HttpResponseBadRequest()
    if timezone.is_naive(since):
        since = timezone.make_aware(since, datetime.UTC)
    if the_board.updated_at <= since:
        return HttpResponse(status=204)
    cards = selectors.changed_cards(board=the_board, since=since)
    staff = selectors.board_page_staff(the_board)
    return render(
        request,
        "boards/improvement/partials/changes.html",
        {"cards": cards, "board": the_board, "staff_choices": staff, "statuses": BoardItem.Status.choices},
    )


# --- sessions ---------------------------------------------------------------------------------------


@require_POST
def board_session(request: HttpRequest, pk: int) -> HttpResponse:
    the_board = policies.board_get_for_user(request.user, pk)
    try:
        services.board_session_start(
            board=the_board,
            actor=request.user,
            held_on=request.POST.get("held_on", ""),
            attendee_ids=request.POST.getlist("attendees"),
            changes=request.POST.get("changes", ""),
        )
    except ValidationError as error:
        context = _board_context(request, the_board, session_errors=_errors(error))
        return render(request, "boards/improvement/board.html", context, status=422)
    messages.success(request, _("Board session started."))
    return redirect(f"{reverse('boards:board', args=[the_board.pk])}#session")


@require_POST
def board_check_in(request: HttpRequest, pk: int) -> HttpResponse:
    session = policies.board_session_get_for_user(request.user, pk)
    if not policies.can_keep_boards(request.user):
        raise PermissionDenied
    try:
        services.check_in(
            session=session, actor=request.user, mood=request.POST.get("mood", ""), note=request.POST.get("note", "")
        )
    except ValidationError as error:
        messages.error(request, " ".join(text for texts in _errors(error).values() for text in texts))
        return redirect(f"{reverse('boards:board', args=[session.board_id])}#session")
    messages.success(request, _("Thanks for checking in."))
    return redirect(f"{reverse('boards:board', args=[session.board_id])}#session")


urlpatterns = [
    path("", boards, name="boards"),
    path("<int:pk>/", board, name="board"),
    path("<int:pk>/items/", board_item_add, name="board_item_add"),
    path("items/<int:pk>/", board_item, name="board_item"),
    path("<int:pk>/changes/", board_poll, name="board_poll"),
    path("<int:pk>/sessions/", board_session, name="board_session"),
    path("sessions/<int:pk>/check-in/", board_check_in, name="board_check_in"),
    *care_session.urlpatterns,  # board comments and the care-board session
]
