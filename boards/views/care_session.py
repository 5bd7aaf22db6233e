"""Board comments and the care-board session ("zorgbordsessie", issue 6).

Colleagues add deepening questions and feedback to a board; its owner answers (ownership stays
with the teacher). In a department's care-board session its participants walk through all class
boards of the department one after another, full screen, and comment on each.

Thin: policy → selector or service → render. htmx gets the comments fragment; plain form posts
redirect back to the page they came from (`next`, checked to stay on this site).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_GET, require_POST

from audit.models import AuditEvent
from audit.services import audit_record
from school.web import safe_next_url

from .. import policies
from ..models import ImprovementBoard
from ..selectors import improvement as selectors
from ..services import improvement as services

COMMENTS_TEMPLATE = "boards/improvement/partials/comments.html"


def _texts(error: ValidationError) -> list[str]:
    return (
        [text for texts in error.message_dict.values() for text in texts]
        if hasattr(error, "error_dict")
        else error.messages
    )


def _back_to(request: HttpRequest, board: ImprovementBoard) -> str:
    """Where a plain form post returns: the page it came from (board page or session), else the board."""
    target = (safe_next_url(request) or "").split("#", 1)[0]
    return target or reverse("boards:board", args=[board.pk])


def comment_box_for(request: HttpRequest, board: ImprovementBoard) -> selectors.CommentBox:
    """The board's comments with what this user may do: ask (anyone reading it but its owner), answer (its owner)."""
    return selectors.comment_box(
        board=board,
        can_comment=policies.can_comment_on_board(request.user, board),
        can_answer=policies.can_answer_board_comments(request.user, board),
    )


def _box(request: HttpRequest, board: ImprovementBoard, *, status: int = 200, **extra) -> HttpResponse:
    context = {"box": comment_box_for(request, board), "next_url": _back_to(request, board), **extra}
    return render(request, COMMENTS_TEMPLATE, context, status=status)


# --- comments -------------------------------------------------------------------------------------------


@require_POST
def board_comment_add(request: HttpRequest, pk: int) -> HttpResponse:
    board = policies.board_commentable_get_for_user(request.user, pk)  # 404 out of scope
    if not policies.can_comment_on_board(request.user, board):
        raise PermissionDenied  # the owner: they answer
    text = request.POST.get("text", "")
    try:
        comment = services.board_comment_add(board=board, actor=request.user, text=text)
    except ValidationError as error:
        if request.htmx:
            return _box(request, board, status=422, add_errors=_texts(error), typed_text=text)
        messages.error(request, " ".join(_texts(error)))
        return redirect(f"{_back_to(request, board)}#comments-{board.pk}")
    if request.htmx:
        return _box(request, board, state="added", saved_pk=comment.pk)
    messages.success(request, _("Your question or feedback was added."))
    return redirect(f"{_back_to(request, board)}#comment-{comment.pk}")


@require_POST
def board_comment_answer(request: HttpRequest, pk: int) -> HttpResponse:
    comment = policies.board_comment_get_for_user(request.user, pk)  # 404 out of scope
    board = policies.board_commentable_get_for_user(request.user, comment.board_id)
    if not policies.can_answer_board_comments(request.user, board):
        raise PermissionDenied  # only the board's owner answers
    answer = request.POST.get("answer", "")
    try:
        services.board_comment_answer(comment=comment, actor=request.user, answer=answer)
    except ValidationError as error:
        if request.htmx:
            return _box(
                request,
                board,
                status=422,
                answer_error_pk=comment.pk,
                answer_errors=_texts(error),
                typed_answer=answer,
            )
        messages.error(request, " ".join(_texts(error)))
        return redirect(f"{_back_to(request, board)}#comment-{comment.pk}")
    if request.htmx:
        return _box(request, board, state="answered", saved_pk=comment.pk)
    messages.success(request, _("Your answer was saved."))
    return redirect(f"{_back_to(request, board)}#comment-{comment.pk}")


# --- the care-board session -----------------------------------------------------------------------------


@require_GET
def care_session(request: HttpRequest, dept_pk: int, position: int | None = None) -> HttpResponse:
    """One class board of the department's session: the first, the one at `position`, or `?board=<id>`."""
    department = policies.care_session_department_get_for_user(request.user, dept_pk)  # 404 out of scope
    boards = selectors.care_session_boards(department)
    index = 0
    if position is not None:
        if not 1 <= position <= len(boards):
            raise Http404
        index = position - 1
    elif request.GET.get("board"):
        ids = [board.pk for board in boards]
        try:
            index = ids.index(int(request.GET["board"]))
        except ValueError as missing:  # not a number, or not a board of this session
            raise Http404 from missing
    page = selectors.care_session_page(department=department, boards=boards, index=index)
    if page.board is not None:
        audit_record(
            request_or_actor=request,
            action=AuditEvent.Action.READ,
            kind=AuditEvent.Kind.CARE_BOARD,
            obj=page.board,
            summary=gettext_noop("Class board read in the care-board session"),
        )
    box = comment_box_for(request, page.board) if page.board is not None else None
    session_url = reverse("boards:care_session", args=[department.pk])
    return render(
        request,
        "boards/improvement/care_session.html",
        {
            "page": page,
            "board": page.board,
            "box": box,
            "can_open_board": page.board is not None and policies.can_view_board(request.user, page.board),
            "session_url": session_url,
            "next_url": f"{session_url}?board={page.board.pk}" if page.board is not None else session_url,
        },
    )


urlpatterns = [
    path("<int:pk>/comments/", board_comment_add, name="board_comment_add"),
    path("comments/<int:pk>/answer/", board_comment_answer, name="board_comment_answer"),
    path("departments/<int:dept_pk>/care-session/", care_session, name="care_session"),
    path("departments/<int:dept_pk>/care-session/<int:position>/", care_session, name="care_session_board"),
]
