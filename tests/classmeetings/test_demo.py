"""The demo school shows the open class meeting: a klasleider, last time's meeting closed, the next one prepared."""

import datetime
import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from classmeetings import demo as classmeetings_demo
from classmeetings import policies, selectors
from classmeetings.models import (
    ClassRepresentative,
    ItemDecision,
    MeetingItem,
    OpenClassMeeting,
    PersonalCoach,
    PreparedInput,
)
from mentoring.models import Agreement
from school import demo
from school.models import Student


@pytest.fixture
def demo_school(db) -> demo.DemoSchool:
    school = demo.demo_school_create(students=40, with_logins=False, username_prefix="k-")
    assert classmeetings_demo.demo_classmeetings_create(school, demo.DEFAULT_SEED)
    return school


def test_4h1_has_a_klasleider_and_lina_a_coach(demo_school):
    lina = demo_school.logins[demo.STUDENT].student
    representative = ClassRepresentative.objects.get(class_group=lina.class_group)
    assert representative.student.class_group_id == lina.class_group_id
    assert representative.student != lina
    coach = PersonalCoach.objects.get(student=lina, ended_at__isnull=True)
    assert coach.coach.user == demo_school.logins[demo.TEACHER]


def test_last_time_is_closed_with_decisions_and_agreements_still_to_check(demo_school):
    lina = demo_school.logins[demo.STUDENT].student
    earlier, upcoming = OpenClassMeeting.objects.filter(class_group=lina.class_group).order_by("starts_at")
    today = timezone.localdate()

    assert earlier.status == OpenClassMeeting.Status.CLOSED
    assert (today - timezone.localdate(earlier.starts_at)).days == 7 * classmeetings_demo.EARLIER_WEEKS_AGO
    assert earlier.started_at < earlier.closed_at < timezone.now() - datetime.timedelta(weeks=4)
    items = list(earlier.items.all())
    assert items
    assert all(item.status == MeetingItem.Status.CLOSED for item in items)
    assert ItemDecision.objects.filter(item__meeting=earlier).count() == len(items)
    assert all(item.points.exists() for item in items)
    lina_agreements = Agreement.objects.filter(class_item__meeting=earlier, student=lina)
    assert lina_agreements.count() == 3
    assert all(agreement.due_on < today for agreement in lina_agreements)

    # The next meeting starts with them: one checked already, the others still open.
    assert upcoming.status == OpenClassMeeting.Status.PREPARING
    assert 0 < (timezone.localdate(upcoming.starts_at) - today).days <= 7
    still_open = selectors.open_previous_agreements(upcoming)
    assert lina_agreements.filter(pk__in=still_open).count() == 3
    checked = [a for a in selectors.previous_agreements(upcoming) if a.status != Agreement.Status.OPEN]
    assert [a.status for a in checked] == [Agreement.Status.MET]
    assert upcoming.agreements_checked_at is None


def test_the_next_meeting_is_prepared(demo_school):
    lina = demo_school.logins[demo.STUDENT].student
    upcoming = OpenClassMeeting.objects.get(class_group=lina.class_group, status=OpenClassMeeting.Status.PREPARING)
    assert upcoming.students.count() == Student.objects.filter(class_group=lina.class_group, is_active=True).count()
    assert upcoming.students.filter(excused=True).count() == 2
    assert not upcoming.students.filter(excused=True, student=lina).exists()
    assert list(upcoming.extra_teachers.all()) == [demo_school.logins[demo.TEACHER].staff]
    inputs = {p.student_id: p.status for p in PreparedInput.objects.filter(meeting=upcoming)}
    representative = lina.class_group.representative.student
    assert inputs == {lina.pk: PreparedInput.Status.SUBMITTED, representative.pk: PreparedInput.Status.DRAFT}
    # The mentor, the klasleider and the invited teacher all follow it; Lina's coach reads her input.
    for login in (demo.MENTOR, demo.TEACHER, demo.STUDENT):
        assert policies.can_view_meeting(demo_school.logins[login], upcoming), login
    assert policies.can_chair(representative.user, upcoming)


def test_the_klasleider_is_the_same_student_whatever_the_size(db):
    """The first generated student of 4H1 after Lina: drawn before any size-dependent choice."""
    names = set()
    for students, prefix in ((40, "a-"), (80, "b-")):
        school = demo.demo_school_create(students=students, with_logins=False, username_prefix=prefix)
        classmeetings_demo.demo_classmeetings_create(school, demo.DEFAULT_SEED)
        representative = ClassRepresentative.objects.get(class_group__school=school.school).student
        names.add(representative.full_name)
    assert len(names) == 1
    login = demo.DEMO_LOGINS_BY_USERNAME.get(classmeetings_demo.CLASS_REPRESENTATIVE)
    if login is not None:  # school.demo lists the klasleider's login: its name is this student's
        assert names == {login.name}


def test_without_the_demo_logins_nothing_is_added(db):
    school = demo.demo_school_create(students=40, with_logins=False, username_prefix="x-")
    school.logins.pop(demo.STUDENT)
    assert classmeetings_demo.demo_classmeetings_create(school, demo.DEFAULT_SEED) is None
    assert not OpenClassMeeting.objects.exists()


def test_two_demo_schools_share_a_database(demo_school):
    other = demo.demo_school_create(students=80, with_logins=False, username_prefix="o-")
    assert classmeetings_demo.demo_classmeetings_create(other, demo.DEFAULT_SEED)
    assert OpenClassMeeting.objects.count() == 4
    assert ClassRepresentative.objects.count() == 2


@pytest.mark.django_db
def test_seed_demo_shows_the_meeting_on_each_demo_logins_home_page(client):
    out = StringIO()
    call_command("seed_demo", "--students", "40", stdout=out)
    assert "Open class meetings: 4H1 with klasleider" in out.getvalue()
    upcoming = OpenClassMeeting.objects.get(status=OpenClassMeeting.Status.PREPARING)

    assert client.login(username=demo.MENTOR, password=demo.DEMO_PASSWORD)
    html = client.get("/").content.decode()
    assert re.findall(r'data-open-previous="(\d+)"', html) == [
        str(selectors.open_previous_agreements(upcoming).count())
    ]
    assert f'data-home-chaired="{upcoming.pk}"' in html

    assert client.login(username=demo.STUDENT, password=demo.DEMO_PASSWORD)
    html = client.get("/").content.decode()
    assert f'data-home-invitation="{upcoming.pk}"' in html
    assert 'data-home-input="submitted"' in html

    username = classmeetings_demo.CLASS_REPRESENTATIVE
    if username in demo.DEMO_LOGINS_BY_USERNAME:  # the klasleider's demo login (school.demo lists it)
        assert client.login(username=username, password=demo.DEMO_PASSWORD)
        html = client.get("/").content.decode()
        assert f'data-home-chaired="{upcoming.pk}"' in html
        assert 'data-home-input="draft"' in html
