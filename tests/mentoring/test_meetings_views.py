"""The department meeting's pages: who gets in (every URL, every role), what they show, and how forms behave.

Out of scope is 404 (another school, a department the user does not oversee, a meeting
they neither lead nor attend); visible but not theirs to run is 403 (the school admin,
an attendee who teaches); only attendees vote (403 for others who see the meeting).
"""

import datetime
import re
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone

from mentoring.models import (
    AgendaItem,
    Agreement,
    Category,
    Decision,
    DepartmentMeeting,
    Escalation,
    MentorReview,
    Vote,
)
from mentoring.selectors import meetings as selectors
from mentoring.services import meetings as services
from tests.conftest import EVERYONE
from tests.factories import StudentFactory

OVERSEERS = {"team_leader", "admin", "care_coordinator"}  # the department's meeting page
ATTENDEE = "teacher"  # marked present at the meeting: sees it, votes, runs nothing
SEES_MEETING = OVERSEERS | {ATTENDEE}
TOMORROW = timezone.localdate() + datetime.timedelta(days=1)


def accept(escalation: Escalation, meeting: DepartmentMeeting, position: int = 1, **kwargs) -> AgendaItem:
    """What escalation_accept does (another part of the app): the escalation goes onto the agenda."""
    escalation.status = Escalation.Status.ACCEPTED
    escalation.save(update_fields=["status"])
    return AgendaItem.objects.create(meeting=meeting, escalation=escalation, position=position, **kwargs)


def another_escalation(world, cycle, *, category=Category.CARE, student=None, status="accepted") -> Escalation:
    return Escalation.objects.create(
        cycle=cycle,
        student=student or StudentFactory(school=world.school, class_group=world.class_group),
        department=world.department,
        category=category,
        question=f"Vraag over {category}",
        raised_by=world.mentor,
        status=status,
        response="Beantwoord zonder vergadering." if status == "returned" else "",
    )


@pytest.fixture
def an_item(an_escalation, a_meeting) -> AgendaItem:
    return accept(an_escalation, a_meeting)


@pytest.fixture
def running(world, a_meeting, an_item) -> DepartmentMeeting:
    """The meeting in progress, the teacher and the mentor present."""
    a_meeting.status = DepartmentMeeting.Status.RUNNING
    a_meeting.started_at = timezone.now()
    a_meeting.save()
    a_meeting.attendees.set([world.teacher.staff, world.mentor.staff])
    return a_meeting


def item_of(item: AgendaItem) -> AgendaItem:
    return AgendaItem.objects.select_related("meeting__cycle", "meeting__department", "escalation__student").get(
        pk=item.pk
    )


@pytest.fixture
def voting(world, running, an_item) -> AgendaItem:
    return services.vote_open(item=item_of(an_item), actor=world.team_leader)


# --- access: every URL, every role --------------------------------------------------------------------------

GET_PAGES = ["meeting", "meeting_mode", "meeting_item", "vote", "meeting_vote_status"]
POST_PAGES = [
    "meeting_plan",
    "meeting_agenda",
    "meeting_attendance",
    "meeting_start",
    "meeting_finish",
    "meeting_item_open",
    "meeting_item_notes",
    "meeting_vote_open",
    "meeting_vote_reveal",
    "meeting_decision",
    "vote",
]


def url_for(page: str, meeting: DepartmentMeeting, item: AgendaItem) -> str:
    if page == "meeting":
        return reverse("mentoring:meeting", args=[meeting.cycle_id, meeting.department_id])
    if page in ("meeting_plan", "meeting_agenda", "meeting_attendance", "meeting_start", "meeting_finish"):
        return reverse(f"mentoring:{page}", args=[meeting.pk])
    if page == "meeting_mode":
        return reverse("mentoring:meeting_mode", args=[meeting.pk])
    return reverse(f"mentoring:{page}", args=[meeting.pk, item.pk])


def expected(page: str, method: str, who: str) -> int:
    if page == "meeting":
        return 200 if who in OVERSEERS else 404
    if who not in SEES_MEETING:
        return 404
    if page == "vote":
        if who != ATTENDEE:
            return 403  # they know the meeting, but only attendees vote
        return 200 if method == "get" else 302
    if method == "post":
        return 302 if who == "team_leader" else 403
    return {"meeting_mode": 302, "meeting_item": 200, "meeting_vote_status": 302}[page]


CASES = [(page, "get", who) for page in GET_PAGES for who in EVERYONE] + [
    (page, "post", who) for page in POST_PAGES for who in EVERYONE
]


def snapshot(meeting: DepartmentMeeting, item: AgendaItem) -> tuple:
    meeting.refresh_from_db()
    item.refresh_from_db()
    return (
        meeting.status,
        meeting.location,
        sorted(meeting.attendees.values_list("pk", flat=True)),
        item.status,
        item.notes,
        item.timebox_minutes,
        item.votes_revealed_at,
        Vote.objects.count(),
        Decision.objects.count(),
    )


@pytest.mark.parametrize(("page", "method", "who"), CASES, ids=[f"{p}-{m}-{w}" for p, m, w in CASES])
def test_access(client, world, voting, page, method, who):
    meeting, item = voting.meeting, voting
    meeting.attendees.set([world.teacher.staff])
    url = url_for(page, meeting, item)
    before = snapshot(meeting, item)
    client.force_login(getattr(world, who))

    if method == "get":
        response = client.get(url)
    else:
        data = {"location": "B-204", "notes": "aantekening", "choice": "agree", "attendees": []}
        response = client.post(url, data)

    assert response.status_code == expected(page, method, who)
    if response.status_code in (403, 404) or method == "get":
        assert snapshot(meeting, item) == before  # a refusal changes nothing


@pytest.mark.parametrize(("page", "method"), sorted({(p, m) for p, m, _w in CASES}))
def test_anonymous_is_sent_to_login(client, world, voting, page, method):
    url = url_for(page, voting.meeting, voting)

    response = client.get(url) if method == "get" else client.post(url)

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_the_meeting_page_of_a_department_outside_the_cycle_is_404(client, world, a_cycle_in_speed_date):
    a_cycle_in_speed_date.departments.set([world.other_department])
    client.force_login(world.team_leader)

    response = client.get(reverse("mentoring:meeting", args=[a_cycle_in_speed_date.pk, world.department.pk]))

    assert response.status_code == 404


def test_a_closed_cycle_leaves_the_team_leader_reading_only(client, world, running, an_item):
    running.cycle.phase = "closed"
    running.cycle.save()
    client.force_login(world.team_leader)

    html = client.get(url_for("meeting", running, an_item)).content.decode()
    assert client.post(url_for("meeting_item_open", running, an_item)).status_code == 403
    assert reverse("mentoring:meeting_agenda", args=[running.pk]) not in html


# --- the agenda page ----------------------------------------------------------------------------------------


def test_the_agenda_page_shows_items_time_funnel_and_attendance(client, world, a_meeting, an_item):
    a_meeting.starts_at = datetime.datetime(2026, 11, 24, 15, 0, tzinfo=zoneinfo.ZoneInfo("Europe/Amsterdam"))
    a_meeting.save()
    client.force_login(world.team_leader)

    html = client.get(url_for("meeting", a_meeting, an_item)).content.decode()

    assert world.student.full_name in html
    assert "Kan Sam beter naar vmbo-t?" in html
    assert 'data-total-minutes="10"' in html
    assert "15:10" in html  # ends at: start + the timebox
    assert f'name="timebox_{an_item.pk}"' in html
    assert f'name="position_{an_item.pk}"' in html
    assert f'value="{an_item.pk}:up"' in html  # move buttons work without JavaScript
    assert 'data-funnel="on_agenda">1<' in html
    assert f'id="attendee-{world.team_leader.staff.pk}"' in html
    assert f'id="attendee-{world.teacher.staff.pk}"' in html  # teaches a student of the department
    assert f'id="attendee-{world.mentor.staff.pk}"' in html
    assert f'id="attendee-{world.other_teacher.staff.pk}"' not in html  # teaches only the other department
    assert reverse("mentoring:meeting_start", args=[a_meeting.pk]) in html
    assert reverse("mentoring:meeting_mode", args=[a_meeting.pk]) in html


def test_the_admin_reads_the_agenda_without_controls(client, world, a_meeting, an_item):
    client.force_login(world.admin)

    html = client.get(url_for("meeting", a_meeting, an_item)).content.decode()

    assert world.student.full_name in html
    assert reverse("mentoring:meeting_agenda", args=[a_meeting.pk]) not in html
    assert reverse("mentoring:meeting_start", args=[a_meeting.pk]) not in html


def test_the_page_creates_the_meeting_on_first_visit(client, world, a_cycle_in_speed_date):
    client.force_login(world.team_leader)

    response = client.get(reverse("mentoring:meeting", args=[a_cycle_in_speed_date.pk, world.department.pk]))

    assert response.status_code == 200
    assert DepartmentMeeting.objects.filter(cycle=a_cycle_in_speed_date, department=world.department).count() == 1


def test_funnel_counts(world, a_meeting, an_item, a_cycle_in_speed_date):
    cycle = a_cycle_in_speed_date
    extra = StudentFactory.create_batch(4, school=world.school, class_group=world.class_group)
    StudentFactory(school=world.school, class_group=world.other_class_group)  # another department
    MentorReview.objects.bulk_create(
        [
            MentorReview(cycle=cycle, student=world.student, verdict="needs_attention"),
            MentorReview(cycle=cycle, student=extra[0], verdict="needs_attention"),
            MentorReview(cycle=cycle, student=extra[1], verdict="clear"),
            MentorReview(cycle=cycle, student=world.other_student, verdict="needs_attention"),
        ]
    )
    another_escalation(world, cycle, student=world.student, status="pending")  # a second question, same student
    another_escalation(world, cycle, student=extra[0], status="returned")
    target = another_escalation(world, cycle, student=extra[1], status="pending")
    Escalation.objects.create(  # merged: not counted on its own
        cycle=cycle,
        student=extra[2],
        department=world.department,
        category=Category.OTHER,
        question="Dubbel",
        status="merged",
        merged_into=target,
    )

    funnel = selectors.meeting_page(meeting=a_meeting).funnel

    assert (funnel.students, funnel.needing_attention, funnel.escalated, funnel.on_agenda) == (5, 2, 3, 1)


@pytest.fixture
def three_items(world, a_meeting, an_item, a_cycle_in_speed_date) -> list[AgendaItem]:
    return [
        an_item,
        accept(another_escalation(world, a_cycle_in_speed_date), a_meeting, position=2),
        accept(another_escalation(world, a_cycle_in_speed_date), a_meeting, position=3),
    ]


def order(meeting) -> list[int]:
    return list(meeting.items.order_by("position", "pk").values_list("pk", flat=True))


def test_move_buttons_reorder_without_javascript(client, world, a_meeting, three_items):
    first, second, third = (item.pk for item in three_items)
    client.force_login(world.team_leader)
    url = reverse("mentoring:meeting_agenda", args=[a_meeting.pk])

    response = client.post(url, {"move": f"{third}:up", f"timebox_{first}": "15", f"timebox_{second}": "10"})

    assert response.status_code == 302
    assert response.url.endswith("#agenda")
    assert order(a_meeting) == [first, third, second]
    assert AgendaItem.objects.get(pk=first).timebox_minutes == 15


def test_position_numbers_reorder(client, world, a_meeting, three_items):
    first, second, third = (item.pk for item in three_items)
    client.force_login(world.team_leader)

    client.post(
        reverse("mentoring:meeting_agenda", args=[a_meeting.pk]),
        {f"position_{first}": "3", f"position_{second}": "1", f"position_{third}": "2"},
    )

    assert order(a_meeting) == [second, third, first]


def test_htmx_gets_the_agenda_fragment(client, world, a_meeting, three_items):
    first, second, third = (item.pk for item in three_items)
    client.force_login(world.team_leader)

    response = client.post(
        reverse("mentoring:meeting_agenda", args=[a_meeting.pk]),
        {"move": f"{first}:down", f"timebox_{first}": "20"},
        HTTP_HX_REQUEST="true",
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section class="section agenda" id="agenda"')
    assert "<html" not in html
    assert 'data-total-minutes="40"' in html
    assert order(a_meeting) == [second, first, third]


def test_a_bad_timebox_is_refused_with_a_message_and_changes_nothing(client, world, a_meeting, three_items):
    first, second, third = (item.pk for item in three_items)
    client.force_login(world.team_leader)
    url = reverse("mentoring:meeting_agenda", args=[a_meeting.pk])

    response = client.post(url, {"move": f"{third}:up", f"timebox_{first}": "200"}, follow=True)
    fragment = client.post(url, {f"timebox_{first}": "0"}, HTTP_HX_REQUEST="true").content.decode()

    assert "120" in response.content.decode()
    assert 'role="alert"' in fragment
    assert "120" in fragment
    assert order(a_meeting) == [first, second, third]
    assert set(a_meeting.items.values_list("timebox_minutes", flat=True)) == {10}


def test_attendance_form(client, world, a_meeting, an_item):
    client.force_login(world.team_leader)
    url = reverse("mentoring:meeting_attendance", args=[a_meeting.pk])

    response = client.post(url, {"attendees": [world.teacher.staff.pk, world.mentor.staff.pk]})
    assert response.status_code == 302
    assert set(a_meeting.attendees.all()) == {world.teacher.staff, world.mentor.staff}

    client.post(url, {"attendees": [world.teacher.staff.pk, world.outsider.staff.pk]})
    assert set(a_meeting.attendees.all()) == {world.teacher.staff, world.mentor.staff}  # nothing half written


def test_plan_form(client, world, a_meeting, an_item):
    client.force_login(world.team_leader)
    url = reverse("mentoring:meeting_plan", args=[a_meeting.pk])

    bad = client.post(url, {"starts_at": "dinsdag", "location": "B-204"})
    assert bad.status_code == 200
    assert 'aria-invalid="true"' in bad.content.decode()
    a_meeting.refresh_from_db()
    assert a_meeting.location == ""

    client.post(url, {"starts_at": "2026-11-24T15:00", "location": "B-204"})
    a_meeting.refresh_from_db()
    assert (timezone.localtime(a_meeting.starts_at).hour, a_meeting.location) == (15, "B-204")


def test_start_goes_to_meeting_mode(client, world, a_meeting, an_item):
    client.force_login(world.team_leader)

    response = client.post(reverse("mentoring:meeting_start", args=[a_meeting.pk]))

    assert response.url == reverse("mentoring:meeting_mode", args=[a_meeting.pk])
    a_meeting.refresh_from_db()
    assert a_meeting.status == "running"


# --- meeting mode -------------------------------------------------------------------------------------------


def test_meeting_mode_goes_to_the_open_item_or_the_first_waiting(client, world, running, three_items):
    first, second, _third = three_items
    client.force_login(world.team_leader)
    url = reverse("mentoring:meeting_mode", args=[running.pk])

    assert client.get(url).url == reverse("mentoring:meeting_item", args=[running.pk, first.pk])
    services.item_open(item=item_of(second), actor=world.team_leader)
    assert client.get(url).url == reverse("mentoring:meeting_item", args=[running.pk, second.pk])


def test_meeting_mode_all_decided_offers_finish(client, world, running, an_item):
    services.item_open(item=item_of(an_item), actor=world.team_leader)
    services.decision_record(item=item_of(an_item), actor=world.team_leader, text="Blijft", rationale="Waarom")
    client.force_login(world.team_leader)

    response = client.get(reverse("mentoring:meeting_mode", args=[running.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert reverse("mentoring:meeting_finish", args=[running.pk]) in html
    assert "Blijft" in html
    response = client.post(reverse("mentoring:meeting_finish", args=[running.pk]))
    running.refresh_from_db()
    assert running.status == "finished"


def test_finish_refused_while_items_are_open(client, world, running, an_item):
    client.force_login(world.team_leader)

    response = client.post(reverse("mentoring:meeting_finish", args=[running.pk]), follow=True)

    running.refresh_from_db()
    assert running.status == "running"
    assert 'class="alert alert--error"' in response.content.decode()


def test_the_item_page_is_the_shared_screen(client, world, running, an_item):
    services.item_open(item=item_of(an_item), actor=world.team_leader)
    client.force_login(world.team_leader)

    html = client.get(reverse("mentoring:meeting_item", args=[running.pk, an_item.pk])).content.decode()

    assert 'class="meeting-screen"' in html  # large type: html.mode-meeting is set by the script
    assert "mentoring-meetings.js" in html
    assert "Kan Sam beter naar vmbo-t?" in html
    assert "Overstappen na periode 2." in html
    assert "4,8" in html  # the grade, Dutch format
    assert "light--red" in html
    assert 'data-timer data-now="' in html
    assert 'data-minutes="10"' in html
    assert "data-started=" in html
    assert 'hx-trigger="keyup changed delay:800ms, change"' in html
    assert 'name="agreements-TOTAL_FORMS" value="3"' in html
    assert 'name="rationale"' in html
    assert reverse("mentoring:meeting_decision", args=[running.pk, an_item.pk]) in html


def test_an_attendee_sees_the_shared_screen_without_controls(client, world, running, an_item):
    services.item_open(item=item_of(an_item), actor=world.team_leader)
    client.force_login(world.teacher)

    html = client.get(reverse("mentoring:meeting_item", args=[running.pk, an_item.pk])).content.decode()

    assert world.student.full_name in html
    assert reverse("mentoring:meeting_decision", args=[running.pk, an_item.pk]) not in html
    assert reverse("mentoring:meeting_item_notes", args=[running.pk, an_item.pk]) not in html
    assert reverse("mentoring:meeting", args=[running.cycle_id, running.department_id]) not in html  # 404 for them


def test_prev_and_next(client, world, running, three_items):
    first, second, third = three_items
    client.force_login(world.team_leader)

    html = client.get(reverse("mentoring:meeting_item", args=[running.pk, second.pk])).content.decode()

    assert re.search(
        rf'rel="prev" data-key-prev href="{reverse("mentoring:meeting_item", args=[running.pk, first.pk])}"', html
    )
    assert re.search(
        rf'rel="next" data-key-next href="{reverse("mentoring:meeting_item", args=[running.pk, third.pk])}"', html
    )


def test_an_item_of_another_meeting_is_404(client, world, running, an_item, a_cycle_in_speed_date):
    other = DepartmentMeeting.objects.create(cycle=a_cycle_in_speed_date, department=world.other_department)
    client.force_login(world.admin)

    assert client.get(reverse("mentoring:meeting_item", args=[other.pk, an_item.pk])).status_code == 404


def test_notes_autosave_and_plain_save(client, world, running, an_item):
    services.item_open(item=item_of(an_item), actor=world.team_leader)
    client.force_login(world.team_leader)
    url = reverse("mentoring:meeting_item_notes", args=[running.pk, an_item.pk])

    fragment = client.post(url, {"notes": "Ouders zijn positief"}, HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200
    assert "<html" not in fragment.content.decode()
    assert AgendaItem.objects.get(pk=an_item.pk).notes == "Ouders zijn positief"

    plain = client.post(url, {"notes": "Ouders zijn positief; mentor belt"})
    assert plain.status_code == 302
    assert plain.url.endswith("#notes")
    assert AgendaItem.objects.get(pk=an_item.pk).notes == "Ouders zijn positief; mentor belt"


def test_open_item_button(client, world, running, an_item):
    client.force_login(world.team_leader)

    client.post(reverse("mentoring:meeting_item_open", args=[running.pk, an_item.pk]))

    assert AgendaItem.objects.get(pk=an_item.pk).status == "discussing"


# --- the silent vote ----------------------------------------------------------------------------------------

SECRET = "GEHEIM-COMMENTAAR-4711"


def cast(world, item, who, choice, comment=""):
    services.vote_cast(item=item_of(item), actor=getattr(world, who), choice=choice, comment=comment)


def test_votes_are_secret_in_every_page_until_revealed(client, world, voting):
    meeting = voting.meeting
    cast(world, voting, "teacher", "disagree", SECRET)
    cast(world, voting, "mentor", "agree", "MENTOR-EIGEN-TOELICHTING")
    disagree_label = str(Vote.Choice.DISAGREE.label)
    pages = {
        "team_leader": [
            reverse("mentoring:meeting_item", args=[meeting.pk, voting.pk]),
            reverse("mentoring:meeting", args=[meeting.cycle_id, meeting.department_id]),
        ],
        "admin": [reverse("mentoring:meeting_item", args=[meeting.pk, voting.pk])],
        "mentor": [
            reverse("mentoring:meeting_item", args=[meeting.pk, voting.pk]),
            reverse("mentoring:vote", args=[meeting.pk, voting.pk]),  # the mentor's own vote page
        ],
    }
    for who, urls in pages.items():
        client.force_login(getattr(world, who))
        for url in urls:
            html = client.get(url).content.decode()
            assert SECRET not in html, (who, url)
            assert "data-tally" not in html, (who, url)
            if url.endswith("/vote/"):
                # The mentor's own vote page: their own vote (to them only), the buttons, nobody else's vote.
                assert re.findall(r'value="(\w+)"[^>]*aria-pressed="true"', html) == ["agree"]
            else:
                assert disagree_label not in html, (who, url)
                assert "MENTOR-EIGEN-TOELICHTING" not in html, (who, url)
        status = client.get(
            reverse("mentoring:meeting_vote_status", args=[meeting.pk, voting.pk]), HTTP_HX_REQUEST="true"
        ).content.decode()
        assert SECRET not in status
        assert disagree_label not in status
        assert re.search(r"data-votes-cast>2<", status)

    services.vote_reveal(item=item_of(voting), actor=world.team_leader)
    client.force_login(world.team_leader)
    html = client.get(reverse("mentoring:meeting_item", args=[meeting.pk, voting.pk])).content.decode()
    assert SECRET in html
    assert 'data-tally="agree">1<' in html
    assert 'data-tally="disagree">1<' in html


def test_the_vote_page_casts_and_changes_the_own_vote(client, world, voting):
    client.force_login(world.teacher)
    url = reverse("mentoring:vote", args=[voting.meeting_id, voting.pk])

    page = client.get(url).content.decode()
    assert "Kan Sam beter naar vmbo-t?" in page
    assert 'name="choice" value="agree"' in page

    assert client.post(url, {"choice": "agree", "comment": "eerst"}).status_code == 302
    assert client.post(url, {"choice": "abstain"}).status_code == 302
    vote = Vote.objects.get()
    assert (vote.voter, vote.choice, vote.comment) == (world.teacher.staff, "abstain", "")
    assert 'aria-pressed="true"' in client.get(url).content.decode()

    bad = client.post(url, {"choice": "ja"})
    assert bad.status_code == 200
    assert Vote.objects.get().choice == "abstain"


def test_the_vote_page_when_no_vote_is_open(client, world, running, an_item):
    client.force_login(world.teacher)
    url = reverse("mentoring:vote", args=[running.pk, an_item.pk])

    assert 'name="choice"' not in client.get(url).content.decode()
    response = client.post(url, {"choice": "agree"}, follow=True)
    assert response.redirect_chain == [(url, 302)]
    assert "alert--error" in response.content.decode()
    assert not Vote.objects.exists()


def test_a_non_attendee_who_sees_the_meeting_may_not_vote(client, world, voting):
    client.force_login(world.team_leader)

    response = client.post(reverse("mentoring:vote", args=[voting.meeting_id, voting.pk]), {"choice": "agree"})

    assert response.status_code == 403
    assert not Vote.objects.exists()


def test_vote_status_polls_then_refreshes_after_the_reveal(client, world, voting):
    client.force_login(world.team_leader)
    url = reverse("mentoring:meeting_vote_status", args=[voting.meeting_id, voting.pk])

    polling = client.get(url, HTTP_HX_REQUEST="true")
    assert 'hx-trigger="every 3s"' in polling.content.decode()
    assert "data-votes-cast>0<" in polling.content.decode()

    services.vote_reveal(item=item_of(voting), actor=world.team_leader)
    done = client.get(url, HTTP_HX_REQUEST="true")
    assert done.headers["HX-Refresh"] == "true"


def test_the_waiting_vote_page_reloads_when_the_vote_opens(client, world, running, an_item):
    client.force_login(world.teacher)
    url = reverse("mentoring:meeting_vote_status", args=[running.pk, an_item.pk]) + "?waiting=1"
    assert f'hx-get="{url}"' in client.get(reverse("mentoring:vote", args=[running.pk, an_item.pk])).content.decode()

    assert client.get(url, HTTP_HX_REQUEST="true").status_code == 204
    services.vote_open(item=item_of(an_item), actor=world.team_leader)
    assert client.get(url, HTTP_HX_REQUEST="true").headers["HX-Refresh"] == "true"


def test_open_and_reveal_buttons(client, world, running, an_item):
    client.force_login(world.team_leader)
    base = [running.pk, an_item.pk]

    client.post(reverse("mentoring:meeting_vote_open", args=base))
    assert AgendaItem.objects.get(pk=an_item.pk).status == "voting"
    html = client.get(reverse("mentoring:meeting_item", args=base)).content.decode()
    assert reverse("mentoring:vote", args=base) in html
    assert reverse("mentoring:meeting_vote_reveal", args=base) in html

    client.post(reverse("mentoring:meeting_vote_reveal", args=base))
    item = AgendaItem.objects.get(pk=an_item.pk)
    assert item.status == "discussing"
    assert item.votes_revealed_at is not None


# --- the decision form --------------------------------------------------------------------------------------


def decision_data(**overrides) -> dict:
    data = {
        "text": "Sam blijft op havo.",
        "rationale": "Alleen Nederlands is rood.",
        "agreements-TOTAL_FORMS": "3",
        "agreements-INITIAL_FORMS": "0",
        "agreements-MIN_NUM_FORMS": "0",
        "agreements-MAX_NUM_FORMS": "12",
        "agreements-0-text": "Bijles Nederlands",
        "agreements-0-owner": "mentor",
        "agreements-0-owner_staff": "",
        "agreements-0-due_on": TOMORROW.isoformat(),
        "agreements-1-text": "",
        "agreements-1-owner": "",
        "agreements-1-due_on": "",
        "agreements-2-text": "",
        "agreements-2-owner": "",
        "agreements-2-due_on": "",
    }
    return data | overrides


@pytest.fixture
def discussing(world, running, an_item) -> AgendaItem:
    return services.item_open(item=item_of(an_item), actor=world.team_leader)


@pytest.mark.parametrize(
    ("overrides", "error_on"),
    [
        ({"text": ""}, "id_text_error"),
        ({"rationale": ""}, "id_rationale_error"),
        ({"agreements-0-due_on": "2020-01-01"}, "id_agreements-0-due_on_error"),
        ({"agreements-0-owner": "directeur"}, "id_agreements-0-owner_error"),
        ({"agreements-0-text": ""}, "id_agreements-0-text_error"),
        ({"agreements-1-text": "Half ingevuld"}, "id_agreements-1-owner_error"),
    ],
    ids=["no-text", "no-rationale", "past-date", "bad-owner", "row-without-text", "half-a-row"],
)
def test_a_bad_decision_shows_its_error_and_writes_nothing(client, world, discussing, overrides, error_on):
    client.force_login(world.team_leader)

    response = client.post(
        reverse("mentoring:meeting_decision", args=[discussing.meeting_id, discussing.pk]), decision_data(**overrides)
    )

    assert response.status_code == 200
    assert f'id="{error_on}' in response.content.decode()
    assert not Decision.objects.exists()
    assert not Agreement.objects.exists()
    assert AgendaItem.objects.get(pk=discussing.pk).status == "discussing"


def test_a_decision_closes_the_item_and_moves_on(client, world, discussing, django_capture_on_commit_callbacks):
    client.force_login(world.team_leader)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("mentoring:meeting_decision", args=[discussing.meeting_id, discussing.pk]),
            decision_data(**{"agreements-0-owner_staff": str(world.mentor.staff.pk)}),
        )

    assert response.url == reverse("mentoring:meeting_mode", args=[discussing.meeting_id])
    decision = Decision.objects.get()
    assert decision.text == "Sam blijft op havo."
    [agreement] = decision.agreements.all()
    assert (agreement.text, agreement.owner, agreement.owner_staff) == (
        "Bijles Nederlands",
        "mentor",
        world.mentor.staff,
    )
    assert AgendaItem.objects.get(pk=discussing.pk).status == "decided"

    html = client.get(reverse("mentoring:meeting_item", args=[discussing.meeting_id, discussing.pk])).content.decode()
    assert "Sam blijft op havo." in html
    assert "Bijles Nederlands" in html
    assert f'data-decision="{decision.pk}"' in html
    assert reverse("mentoring:meeting_decision", args=[discussing.meeting_id, discussing.pk]) not in html


def test_a_decision_on_a_waiting_item_is_refused(client, world, running, an_item):
    client.force_login(world.team_leader)

    response = client.post(reverse("mentoring:meeting_decision", args=[running.pk, an_item.pk]), decision_data())

    assert response.status_code == 302
    assert not Decision.objects.exists()


# --- markup: strict CSP, labels -----------------------------------------------------------------------------


def check_markup(html: str, url: str) -> None:
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), url
    assert not re.search(r"<style\b", html), url
    assert not re.search(r"\sstyle=", html), url
    assert not re.search(r"\son[a-z]+=", html), url
    fields = re.findall(r'<(?:input(?![^>]*type="hidden")|textarea|select)[^>]*\sid="([^"]+)"', html)
    for field_id in fields:
        assert f'for="{field_id}"' in html, (url, field_id)


def test_pages_have_no_inline_code_and_every_input_a_label(client, world, voting, a_cycle_in_speed_date):
    meeting = voting.meeting
    accept(another_escalation(world, a_cycle_in_speed_date), meeting, position=2)
    item_url = reverse("mentoring:meeting_item", args=[meeting.pk, voting.pk])
    client.force_login(world.teacher)
    vote_url = reverse("mentoring:vote", args=[meeting.pk, voting.pk])
    check_markup(client.get(vote_url).content.decode(), vote_url)
    client.force_login(world.team_leader)
    for url in (reverse("mentoring:meeting", args=[meeting.cycle_id, meeting.department_id]), item_url):
        check_markup(client.get(url).content.decode(), url)

    services.vote_reveal(item=item_of(voting), actor=world.team_leader)
    html = client.get(item_url).content.decode()
    assert 'name="agreements-0-due_on"' in html  # the decision form
    check_markup(html, item_url)
    services.decision_record(item=item_of(voting), actor=world.team_leader, text="Blijft", rationale="Waarom")
    mode_url = reverse("mentoring:meeting_mode", args=[meeting.pk])
    check_markup(client.get(mode_url, follow=True).content.decode(), mode_url)
