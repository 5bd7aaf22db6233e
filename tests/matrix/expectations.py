"""The expected answer of every URL to every role of the matrix world (see world.py for who is who).

`get(...)` URLs are asked with GET; `post(...)` URLs (POST-only views) with an empty POST. Each names the roles per
outcome; every role not named gets `rest` (404 unless said otherwise), and anonymous is sent to the login page
(unless `anonymous_too`, for the public pages: then anonymous gets `rest` too, or is named).

Outcomes:
- ok: GET answers 200 (204: a poll with nothing new); POST is not refused (a redirect, or 400/422 for the empty form)
- redirect: GET answers 302 somewhere other than the login page
- bad: 400
- forbidden: 403, the user knows it exists (DESIGN §4)
- not_found: 404, out of scope
- login: 302 to the login page
- answers: a public page whose status depends on the services around it (healthz): anything but a refusal

The state the world is in matters: the review cycle is in its mentor-talk phase and published to world.student's
department, the department meeting is planned, the open class meeting of 4H1 is running, and every PDF (minutes, prep
sheets, the care meeting's wall print) is ready to download; world.student has a photo.

`# BUG?` marks an answer that looks wrong against DESIGN §4: it is encoded as the code behaves today and reported.
"""

from __future__ import annotations

from dataclasses import dataclass

from .world import ROLES

OUTCOMES = ("ok", "redirect", "bad", "forbidden", "not_found", "login", "answers")


@dataclass(frozen=True)
class Expect:
    method: str
    by_role: dict[str, str]


def _expect(method: str, *, rest: str = "not_found", anonymous_too: bool = False, **named: str) -> Expect:
    assert rest in OUTCOMES, rest
    by_role = dict.fromkeys(ROLES, rest)
    if not anonymous_too:
        by_role["anonymous"] = "login"
    for outcome, roles in named.items():
        assert outcome in OUTCOMES, outcome
        for role in roles.split():
            assert role in ROLES, role
            assert role != "anonymous" or anonymous_too, "say anonymous_too=True to name anonymous"
            by_role[role] = outcome
    return Expect(method, by_role)


def get(**kwargs) -> Expect:
    return _expect("GET", **kwargs)


def post(**kwargs) -> Expect:
    return _expect("POST", **kwargs)


EXPECTED: dict[str, Expect] = {
    # The audit log: the school admin (the admin of another school reads their own school's log); other staff know
    # the page exists (403); students, guardians and guests do not (404).
    "audit:events": get(
        ok="admin outsider",
        forbidden="team_leader other_team_leader mentor other_mentor teacher other_teacher care_coordinator",
    ),
    "boards:board": get(ok="admin team_leader mentor care_coordinator"),
    "boards:board_check_in": post(ok="admin team_leader mentor care_coordinator"),
    "boards:board_comment_add": post(ok="admin team_leader teacher care_coordinator", forbidden="mentor"),
    "boards:board_comment_answer": post(ok="mentor", forbidden="admin team_leader teacher care_coordinator"),
    "boards:board_item": post(ok="admin team_leader mentor care_coordinator"),
    "boards:board_item_add": post(ok="admin team_leader mentor care_coordinator"),
    "boards:board_poll": get(ok="admin team_leader mentor care_coordinator"),
    "boards:board_print": get(ok="care_coordinator", forbidden="mentor guest"),
    "boards:board_print_download": get(ok="care_coordinator", forbidden="mentor guest"),
    "boards:board_session": post(ok="admin team_leader mentor care_coordinator"),
    "boards:boards": get(not_found="student other_student guardian other_guardian guest expired_guest", rest="ok"),
    "boards:care_consent": post(ok="care_coordinator", forbidden="mentor guest"),
    "boards:care_entry": post(ok="care_coordinator", forbidden="mentor guest"),
    "boards:care_guest_invite": post(ok="care_coordinator", forbidden="mentor guest"),
    "boards:care_guest_revoke": post(ok="care_coordinator", forbidden="mentor guest"),
    "boards:care_meeting": get(ok="mentor care_coordinator guest"),
    "boards:care_meetings": get(rest="ok"),
    "boards:care_read_log": get(ok="care_coordinator", forbidden="mentor guest"),
    "boards:care_session": get(ok="admin team_leader mentor teacher care_coordinator"),
    "boards:care_session_board": get(ok="admin team_leader mentor teacher care_coordinator"),
    "boards:progress": get(ok="admin team_leader mentor care_coordinator"),
    "boards:progress_card": post(ok="mentor", forbidden="admin team_leader care_coordinator"),
    "boards:progress_discussion": get(ok="admin team_leader mentor care_coordinator"),
    "boards:progress_photo": post(ok="mentor", forbidden="admin team_leader care_coordinator"),
    "boards:progress_poll": get(ok="admin team_leader mentor care_coordinator"),
    "classmeetings:agreements": get(ok="admin team_leader mentor teacher care_coordinator student"),
    "classmeetings:close": post(ok="team_leader mentor", forbidden="admin teacher care_coordinator student"),
    "classmeetings:coach": get(ok="student other_student"),
    "classmeetings:coached": get(
        not_found="student other_student guardian other_guardian guest expired_guest", rest="ok"
    ),
    "classmeetings:coached_student": get(),
    "classmeetings:create": get(ok="team_leader mentor", not_found="outsider", rest="forbidden"),
    "classmeetings:detail": get(ok="admin team_leader mentor teacher care_coordinator student"),
    "classmeetings:excuse": post(forbidden="admin team_leader mentor teacher care_coordinator student"),
    "classmeetings:floor": get(ok="admin team_leader mentor teacher care_coordinator student"),
    "classmeetings:floor_done": post(ok="team_leader mentor", forbidden="admin teacher care_coordinator student"),
    "classmeetings:floor_grant": post(ok="team_leader mentor", forbidden="admin teacher care_coordinator student"),
    "classmeetings:floor_request": post(ok="team_leader mentor teacher student", forbidden="admin care_coordinator"),
    "classmeetings:floor_withdraw": post(forbidden="admin team_leader mentor teacher care_coordinator student"),
    "classmeetings:input": get(ok="student"),
    "classmeetings:item_close": post(ok="team_leader mentor", forbidden="admin teacher care_coordinator student"),
    "classmeetings:item_decision": post(ok="team_leader mentor", forbidden="admin teacher care_coordinator student"),
    "classmeetings:item_notes": post(ok="team_leader mentor", forbidden="admin teacher care_coordinator student"),
    "classmeetings:item_open": post(ok="team_leader mentor", forbidden="admin teacher care_coordinator student"),
    "classmeetings:item_point": post(ok="team_leader mentor", forbidden="admin teacher care_coordinator student"),
    "classmeetings:list": get(rest="ok"),
    "classmeetings:minutes": get(ok="admin team_leader mentor teacher care_coordinator", forbidden="student"),
    "classmeetings:minutes_download": get(ok="admin team_leader mentor teacher care_coordinator", forbidden="student"),
    "classmeetings:mode": get(ok="admin team_leader mentor teacher care_coordinator student"),
    "classmeetings:my_meetings": get(ok="student other_student guardian other_guardian", rest="forbidden"),
    "classmeetings:my_timeline": get(redirect="student other_student"),
    "classmeetings:representative": get(ok="mentor", not_found="outsider", rest="forbidden"),
    "classmeetings:start": post(ok="team_leader mentor", forbidden="admin teacher care_coordinator student"),
    "classmeetings:summary": get(ok="admin team_leader mentor teacher care_coordinator student guardian"),
    "classmeetings:timeline": get(ok="admin team_leader mentor care_coordinator student guardian"),
    "healthz": get(rest="answers", anonymous_too=True),
    "home": get(rest="ok"),
    "javascript-catalog": get(rest="ok", anonymous_too=True),
    "login": get(ok="anonymous", rest="redirect", anonymous_too=True),
    "logout": post(rest="login"),
    "mentoring:agreement_check": post(ok="mentor", forbidden="admin team_leader care_coordinator"),
    "mentoring:dashboard": get(ok="admin team_leader mentor care_coordinator"),
    "mentoring:dashboards": get(
        forbidden="student other_student guardian other_guardian guest expired_guest", rest="ok"
    ),
    "mentoring:department_overview": get(ok="admin team_leader care_coordinator"),
    "mentoring:escalation": get(ok="admin team_leader mentor care_coordinator"),
    "mentoring:escalation_accept": post(ok="team_leader", forbidden="admin mentor care_coordinator"),
    "mentoring:escalation_create": get(ok="mentor", forbidden="admin team_leader care_coordinator"),
    "mentoring:escalation_merge": post(ok="team_leader", forbidden="admin mentor care_coordinator"),
    "mentoring:escalation_return": post(ok="team_leader", forbidden="admin mentor care_coordinator"),
    "mentoring:escalations": get(ok="admin team_leader care_coordinator"),
    "mentoring:escalations_mine": get(
        ok="mentor other_mentor",
        forbidden="admin team_leader other_team_leader teacher other_teacher care_coordinator",
    ),
    "mentoring:inbox": get(forbidden="student other_student guardian other_guardian guest expired_guest", rest="ok"),
    "mentoring:insight": get(ok="admin team_leader care_coordinator"),
    "mentoring:meeting": get(ok="admin team_leader care_coordinator"),
    "mentoring:meeting_agenda": post(ok="team_leader", forbidden="admin care_coordinator"),
    "mentoring:meeting_attendance": post(ok="team_leader", forbidden="admin care_coordinator"),
    "mentoring:meeting_decision": post(ok="team_leader", forbidden="admin care_coordinator"),
    "mentoring:meeting_finish": post(ok="team_leader", forbidden="admin care_coordinator"),
    "mentoring:meeting_item": get(ok="admin team_leader care_coordinator"),
    "mentoring:meeting_item_notes": post(ok="team_leader", forbidden="admin care_coordinator"),
    "mentoring:meeting_item_open": post(ok="team_leader", forbidden="admin care_coordinator"),
    "mentoring:meeting_mode": get(redirect="admin team_leader care_coordinator"),
    "mentoring:meeting_plan": post(ok="team_leader", forbidden="admin care_coordinator"),
    "mentoring:meeting_start": post(ok="team_leader", forbidden="admin care_coordinator"),
    "mentoring:meeting_vote_open": post(ok="team_leader", forbidden="admin care_coordinator"),
    "mentoring:meeting_vote_reveal": post(ok="team_leader", forbidden="admin care_coordinator"),
    "mentoring:meeting_vote_status": get(redirect="admin team_leader care_coordinator"),
    "mentoring:minutes": get(ok="admin team_leader care_coordinator"),
    "mentoring:minutes_download": get(ok="admin team_leader care_coordinator"),
    "mentoring:portal": get(ok="student other_student guardian other_guardian", rest="forbidden"),
    "mentoring:portal_cycle": get(ok="student guardian"),
    "mentoring:prep_sheet": get(ok="admin team_leader mentor care_coordinator student guardian"),
    "mentoring:prep_sheets": get(ok="admin team_leader mentor care_coordinator"),
    "mentoring:prep_sheets_download": get(ok="admin team_leader mentor care_coordinator"),
    "mentoring:publish": get(ok="team_leader", forbidden="admin care_coordinator"),
    "mentoring:question": get(ok="admin team_leader mentor teacher care_coordinator"),
    "mentoring:question_answer": post(ok="teacher", forbidden="admin team_leader mentor care_coordinator"),
    "mentoring:question_ask": get(ok="mentor", forbidden="admin team_leader care_coordinator"),
    "mentoring:question_close": post(ok="mentor", forbidden="admin team_leader teacher care_coordinator"),
    "mentoring:reflection": get(ok="student"),
    "mentoring:reflection_comment": post(ok="mentor", forbidden="admin team_leader care_coordinator student"),
    "mentoring:reflection_reopen": post(ok="mentor", forbidden="admin team_leader care_coordinator student"),
    "mentoring:reflection_submit": post(ok="student"),
    "mentoring:reflection_view": get(ok="admin team_leader mentor care_coordinator", redirect="student"),
    "mentoring:reflections": get(ok="admin team_leader mentor care_coordinator"),
    "mentoring:sharing": get(ok="student other_student"),
    "mentoring:slot_delete": post(ok="mentor", forbidden="admin team_leader care_coordinator"),
    "mentoring:speed_date": get(
        ok="team_leader other_team_leader mentor other_mentor teacher other_teacher",
        forbidden="admin care_coordinator",
    ),
    "mentoring:speed_date_start": post(
        ok="team_leader",
        not_found="student other_student guardian other_guardian guest expired_guest outsider",
        rest="forbidden",
    ),
    "mentoring:student": get(ok="admin team_leader mentor care_coordinator"),
    "mentoring:talk": get(ok="admin team_leader mentor care_coordinator"),
    "mentoring:talk_agreement_add": post(ok="mentor", forbidden="admin team_leader care_coordinator"),
    "mentoring:talk_book": get(ok="mentor student guardian", forbidden="admin team_leader care_coordinator"),
    "mentoring:talk_cancel": post(ok="mentor guardian", forbidden="admin team_leader care_coordinator student"),
    "mentoring:talk_held": post(ok="mentor", forbidden="admin team_leader care_coordinator"),
    "mentoring:talk_notes": post(ok="mentor", forbidden="admin team_leader care_coordinator"),
    "mentoring:talk_slots": post(ok="mentor", forbidden="admin team_leader care_coordinator"),
    "mentoring:talk_start": post(ok="mentor", forbidden="admin team_leader care_coordinator"),
    "mentoring:talks": get(ok="admin team_leader mentor care_coordinator"),
    "mentoring:verdict": post(ok="mentor", forbidden="admin team_leader care_coordinator"),
    "mentoring:vote": get(forbidden="admin team_leader care_coordinator"),
    "password_change": get(rest="ok"),
    "password_change_done": get(rest="ok"),
    "password_reset": get(rest="ok", anonymous_too=True),
    "password_reset_complete": get(rest="ok", anonymous_too=True),
    "password_reset_confirm": get(rest="ok", anonymous_too=True),
    "password_reset_done": get(rest="ok", anonymous_too=True),
    # The school admin's privacy tools (the admin of another school sees their own school's page).
    "privacy:index": get(ok="admin outsider", rest="forbidden"),
    # The right of access: the admin exports; staff who see the student know it exists (403), the rest 404.
    "privacy:student": get(ok="admin", forbidden="team_leader mentor teacher care_coordinator"),
    "privacy:student_export_json": get(ok="admin", forbidden="team_leader mentor teacher care_coordinator"),
    "privacy:student_export_pdf": get(ok="admin", forbidden="team_leader mentor teacher care_coordinator"),
    "reviews:cycle_advance": post(
        ok="admin team_leader other_team_leader",
        forbidden="mentor other_mentor teacher other_teacher care_coordinator",
    ),
    "reviews:cycle_create": get(ok="admin team_leader other_team_leader outsider", rest="forbidden"),
    "reviews:cycle_detail": get(
        not_found="student other_student guardian other_guardian guest expired_guest outsider", rest="ok"
    ),
    "reviews:cycle_list": get(
        forbidden="student other_student guardian other_guardian guest expired_guest", rest="ok"
    ),
    "reviews:cycle_remind": post(
        ok="admin team_leader other_team_leader",
        forbidden="mentor other_mentor teacher other_teacher care_coordinator",
    ),
    # other_team_leader leads only the vwo department: world.student's (havo) group is not theirs to follow (404).
    "reviews:entry_history": get(ok="admin team_leader teacher"),
    "reviews:entry_save": post(ok="teacher", forbidden="admin team_leader"),
    "reviews:grades_import": get(ok="teacher", forbidden="admin team_leader"),
    "reviews:grid": get(ok="admin team_leader teacher"),
    "reviews:grid_bulk_green": post(ok="teacher", forbidden="admin team_leader"),
    "reviews:grid_copy_advice": post(ok="teacher", forbidden="admin team_leader"),
    "reviews:light_scheme": get(ok="admin outsider", rest="forbidden"),
    "reviews:phrases": get(forbidden="student other_student guardian other_guardian guest expired_guest", rest="ok"),
    "reviews:reminder_status": get(
        ok="admin team_leader other_team_leader",
        forbidden="mentor other_mentor teacher other_teacher care_coordinator",
    ),
    "school:class_group_detail": get(ok="admin team_leader mentor care_coordinator"),
    "school:roster_import": get(ok="admin outsider", rest="forbidden"),
    "school:roster_import_apply": post(ok="admin", not_found="outsider", rest="forbidden"),
    "school:roster_import_detail": get(ok="admin", not_found="outsider", rest="forbidden"),
    "school:student_detail": get(ok="admin team_leader mentor teacher care_coordinator student guardian"),
    "school:student_photo": get(ok="admin team_leader mentor teacher care_coordinator student guardian"),
    "school:teaching_group_detail": get(ok="admin team_leader teacher care_coordinator"),
    "set_language": get(rest="redirect", anonymous_too=True),
}

# URLs the URL conf adds only in some configurations, so the walk above never meets them under the test settings.
# Each is named here with where it is tested instead; test_every_url_has_an_entry checks the list is complete.
NOT_WALKED: dict[str, str] = {
    "oidc_authentication_init": "single sign-on (only with OIDC_RP_CLIENT_ID): public like the login page; "
    "tests/test_oidc.py",
    "oidc_authentication_callback": "single sign-on (only with OIDC_RP_CLIENT_ID): public like the login page; "
    "tests/test_oidc.py",
}
