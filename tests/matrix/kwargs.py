"""For every URL name with parameters: how to fill them from the matrix world."""

from __future__ import annotations

from collections.abc import Callable

from .world import MatrixWorld

Kwargs = Callable[[MatrixWorld], dict]


def _cycle_group(w: MatrixWorld) -> dict:
    return {"cycle_pk": w.cycle.pk, "group_pk": w.teaching_group.pk}


def _cycle_class(w: MatrixWorld) -> dict:
    return {"cycle_pk": w.cycle.pk, "class_pk": w.class_group.pk}


def _cycle_student(w: MatrixWorld) -> dict:
    return {"cycle_pk": w.cycle.pk, "student_pk": w.student.pk}


def _cycle_department(w: MatrixWorld) -> dict:
    return {"cycle_pk": w.cycle.pk, "department_pk": w.department.pk}


def _cycle(w: MatrixWorld) -> dict:
    return {"cycle_pk": w.cycle.pk}


def _pk(attr: str) -> Kwargs:
    return lambda w: {"pk": getattr(w, attr).pk}


def _meeting_item(w: MatrixWorld) -> dict:
    return {"pk": w.department_meeting.pk, "item_pk": w.agenda_item.pk}


def _class_item(w: MatrixWorld) -> dict:
    return {"pk": w.class_meeting.pk, "item_pk": w.class_item.pk}


def _floor(w: MatrixWorld) -> dict:
    return {"pk": w.class_meeting.pk, "request_pk": w.floor_request.pk}


KWARGS: dict[str, Kwargs] = {
    "password_reset_confirm": lambda w: {"uidb64": "MQ", "token": "set-password"},
    # school
    "school:student_detail": _pk("student"),
    "school:student_photo": _pk("student"),
    "school:class_group_detail": _pk("class_group"),
    "school:teaching_group_detail": _pk("teaching_group"),
    "school:roster_import_detail": _pk("roster_import"),
    "school:roster_import_apply": _pk("roster_import"),
    # reviews
    "reviews:grid": _cycle_group,
    "reviews:entry_save": lambda w: {**_cycle_group(w), "student_pk": w.student.pk},
    "reviews:grid_bulk_green": _cycle_group,
    "reviews:grid_copy_advice": _cycle_group,
    "reviews:cycle_detail": _pk("cycle"),
    "reviews:cycle_advance": _pk("cycle"),
    "reviews:cycle_remind": _pk("cycle"),
    "reviews:reminder_status": lambda w: {"pk": w.cycle.pk, "job_pk": w.reminder.pk},
    "reviews:grades_import": lambda w: {"pk": w.cycle.pk, "group_pk": w.teaching_group.pk},
    "reviews:entry_history": lambda w: {"pk": w.cycle.pk, "group_pk": w.teaching_group.pk, "student_pk": w.student.pk},
    # mentoring
    "mentoring:dashboard": _cycle_class,
    "mentoring:verdict": _cycle_student,
    "mentoring:department_overview": _cycle_department,
    "mentoring:question_ask": lambda w: {**_cycle_student(w), "group_pk": w.teaching_group.pk},
    "mentoring:question": _pk("question"),
    "mentoring:question_answer": _pk("question"),
    "mentoring:question_close": _pk("question"),
    "mentoring:speed_date": _cycle,
    "mentoring:speed_date_start": _cycle_department,
    "mentoring:student": _cycle_student,
    "mentoring:escalation_create": _cycle_student,
    "mentoring:escalations": _cycle_department,
    "mentoring:escalations_mine": _cycle,
    "mentoring:escalation": _pk("escalation"),
    "mentoring:escalation_accept": _pk("escalation"),
    "mentoring:escalation_return": _pk("escalation"),
    "mentoring:escalation_merge": _pk("escalation"),
    "mentoring:meeting": _cycle_department,
    "mentoring:meeting_plan": _pk("department_meeting"),
    "mentoring:meeting_agenda": _pk("department_meeting"),
    "mentoring:meeting_attendance": _pk("department_meeting"),
    "mentoring:meeting_start": _pk("department_meeting"),
    "mentoring:meeting_finish": _pk("department_meeting"),
    "mentoring:meeting_mode": _pk("department_meeting"),
    "mentoring:meeting_item": _meeting_item,
    "mentoring:meeting_item_open": _meeting_item,
    "mentoring:meeting_item_notes": _meeting_item,
    "mentoring:vote": _meeting_item,
    "mentoring:meeting_vote_open": _meeting_item,
    "mentoring:meeting_vote_status": _meeting_item,
    "mentoring:meeting_vote_reveal": _meeting_item,
    "mentoring:meeting_decision": _meeting_item,
    "mentoring:insight": _cycle_department,
    "mentoring:minutes": _pk("department_meeting"),
    "mentoring:minutes_download": _pk("department_meeting"),
    "mentoring:publish": _cycle_department,
    "mentoring:portal_cycle": _cycle_student,
    "mentoring:reflection": _cycle,
    "mentoring:reflection_submit": _cycle,
    "mentoring:reflections": _cycle_class,
    "mentoring:reflection_view": _pk("reflection"),
    "mentoring:reflection_comment": _pk("reflection"),
    "mentoring:reflection_reopen": _pk("reflection"),
    "mentoring:talks": _cycle_class,
    "mentoring:talk_slots": _cycle_class,
    "mentoring:slot_delete": _pk("slot"),
    "mentoring:talk_start": _cycle_student,
    "mentoring:talk_book": _cycle_student,
    "mentoring:talk": _pk("talk"),
    "mentoring:talk_cancel": _pk("talk"),
    "mentoring:talk_notes": _pk("talk"),
    "mentoring:talk_held": _pk("talk"),
    "mentoring:talk_agreement_add": _pk("talk"),
    "mentoring:agreement_check": _pk("agreement"),
    "mentoring:prep_sheets": _cycle_class,
    "mentoring:prep_sheets_download": _cycle_class,
    "mentoring:prep_sheet": _cycle_student,
    # boards
    "boards:board": _pk("board"),
    "boards:board_item_add": _pk("board"),
    "boards:board_item": _pk("board_item"),
    "boards:board_poll": _pk("board"),
    "boards:board_session": _pk("board"),
    "boards:board_check_in": _pk("board_session"),
    "boards:board_comment_add": _pk("board"),
    "boards:board_comment_answer": _pk("board_comment"),
    "boards:care_session": lambda w: {"dept_pk": w.department.pk},
    "boards:care_session_board": lambda w: {"dept_pk": w.department.pk, "position": 1},
    "boards:care_meeting": _pk("care_meeting"),
    "boards:care_entry": _pk("care_meeting"),
    "boards:care_consent": _pk("care_meeting"),
    "boards:care_guest_invite": _pk("care_meeting"),
    "boards:care_guest_revoke": _pk("care_guest"),
    "boards:care_read_log": _pk("care_meeting"),
    "boards:progress": lambda w: {"class_pk": w.class_group.pk},
    "boards:progress_poll": lambda w: {"class_pk": w.class_group.pk},
    "boards:progress_discussion": lambda w: {"class_pk": w.class_group.pk},
    "boards:progress_card": lambda w: {"student_pk": w.student.pk},
    "boards:progress_photo": lambda w: {"student_pk": w.student.pk},
    "boards:board_print": lambda w: {"kind": "care", "pk": w.care_meeting.pk},
    "boards:board_print_download": lambda w: {"kind": "care", "pk": w.care_meeting.pk},
    # classmeetings
    "classmeetings:create": lambda w: {"class_pk": w.class_group.pk},
    "classmeetings:detail": _pk("class_meeting"),
    "classmeetings:excuse": _pk("class_meeting"),
    "classmeetings:input": _pk("class_meeting"),
    "classmeetings:agreements": _pk("class_meeting"),
    "classmeetings:timeline": lambda w: {"student_pk": w.student.pk},
    "classmeetings:start": _pk("class_meeting"),
    "classmeetings:close": _pk("class_meeting"),
    "classmeetings:mode": _pk("class_meeting"),
    "classmeetings:floor": _pk("class_meeting"),
    "classmeetings:floor_withdraw": _floor,
    "classmeetings:floor_grant": _floor,
    "classmeetings:floor_done": _floor,
    "classmeetings:item_open": _class_item,
    "classmeetings:item_close": _class_item,
    "classmeetings:item_point": _class_item,
    "classmeetings:item_notes": _class_item,
    "classmeetings:item_decision": _class_item,
    "classmeetings:floor_request": _class_item,
    "classmeetings:minutes": _pk("class_meeting"),
    "classmeetings:minutes_download": _pk("class_meeting"),
    "classmeetings:summary": lambda w: {"item_pk": w.class_item.pk},
    "classmeetings:coached_student": lambda w: {"student_pk": w.student.pk},
    "classmeetings:representative": lambda w: {"class_pk": w.class_group.pk},
    # privacy
    "privacy:student": _pk("student"),
    "privacy:student_export_json": _pk("student"),
    "privacy:student_export_pdf": _pk("student"),
}

# Query strings some pages need to answer at all.
QUERY: dict[str, str] = {
    "boards:board_poll": "since=2000-01-01T00:00:00Z",
    "boards:progress_poll": "since=2000-01-01T00:00:00Z",
}
