"""The demo school shows the speed-date alive: verdicts, questions, escalations, an agenda, last year's decisions."""

import pytest

from mentoring import demo as mentoring_demo
from mentoring.models import (
    AgendaItem,
    Decision,
    Escalation,
    MentorReview,
    MentorTalk,
    Publication,
    Question,
    Reflection,
    TalkSlot,
)
from reviews import demo as reviews_demo
from reviews.models import ReviewCycle
from school import demo


@pytest.fixture
def demo_school(db) -> demo.DemoSchool:
    school = demo.demo_school_create(students=200, with_logins=False, username_prefix="m-")
    reviews_demo.demo_cycles_create(school, demo.DEFAULT_SEED)
    return school


def snapshot() -> list[tuple]:
    return [
        *Escalation.objects.order_by("student__number", "cycle__name").values_list(
            "student__number", "category", "status"
        ),
        *Question.objects.order_by("pk").values_list("student__number", "addressed_to__code", "status"),
    ]


def test_a_few_students_of_two_hundred_are_escalated_and_most_are_on_the_agenda(demo_school):
    line = mentoring_demo.demo_mentoring_create(demo_school, demo.DEFAULT_SEED)

    assert "escalations" in line
    this_year = Escalation.objects.exclude(cycle__phase="closed")
    assert 3 <= this_year.count() <= 8  # the reference school discussed 5 of 200
    current = this_year.filter(cycle__name=reviews_demo.CURRENT_NAME)
    assert current.filter(status=Escalation.Status.PENDING).exists()
    assert AgendaItem.objects.filter(escalation__in=current).count() == current.filter(status="accepted").count()
    # Each escalation carries the evidence it was raised with.
    assert all(e.evidence["subjects"] for e in current)


def test_the_demo_mentor_has_read_most_of_their_class_and_asked_the_demo_teacher(demo_school):
    mentoring_demo.demo_mentoring_create(demo_school, demo.DEFAULT_SEED)
    mentor, docent = demo_school.logins[demo.MENTOR], demo_school.logins[demo.TEACHER]

    marked = MentorReview.objects.filter(reviewed_by=mentor).count()
    class_size = mentor.staff.mentor_of.get().students.count()
    assert 0.5 * class_size <= marked < class_size  # work left to do
    assert Question.objects.filter(asked_by=mentor, addressed_to=docent.staff, status="open").exists()
    assert Question.objects.filter(asked_by=mentor, status="answered").exists()


def test_last_years_decisions_with_agreements(demo_school):
    mentoring_demo.demo_mentoring_create(demo_school, demo.DEFAULT_SEED)

    decisions = Decision.objects.filter(item__meeting__cycle__phase="closed")
    assert decisions.count() == 2
    assert all(decision.agreements.count() == 2 and decision.rationale for decision in decisions)


def test_the_demo_is_the_same_every_time(db):
    snapshots = []
    for prefix in ("a-", "b-"):
        school = demo.demo_school_create(students=80, with_logins=False, username_prefix=prefix)
        reviews_demo.demo_cycles_create(school, demo.DEFAULT_SEED)
        mentoring_demo.demo_mentoring_create(school, demo.DEFAULT_SEED)
        snapshots.append(snapshot())
        Escalation.objects.all().delete()
        Question.objects.all().delete()
    assert snapshots[0] == snapshots[1]
    assert snapshots[0]


def test_vwo_is_at_the_mentor_talks_published_with_reflections_and_booked_slots(demo_school):
    mentoring_demo.demo_mentoring_create(demo_school, demo.DEFAULT_SEED)
    vwo = ReviewCycle.objects.get(school=demo_school.school, name=reviews_demo.VWO_NAME)
    adam = demo_school.logins[demo.STUDENT_VWO].student

    assert Publication.objects.filter(cycle=vwo).exists()
    assert Decision.objects.filter(item__meeting__cycle=vwo).count() == 2
    assert Reflection.objects.filter(cycle=vwo, status="submitted").count() > 10
    # Adam has a draft to finish, and no talk booked yet: his mother can choose a slot.
    assert Reflection.objects.get(cycle=vwo, student=adam).status == "draft"
    assert not MentorTalk.objects.filter(cycle=vwo, student=adam).exists()
    assert TalkSlot.objects.filter(cycle=vwo, class_group=adam.class_group, talk__isnull=True).exists()
    assert MentorTalk.objects.filter(cycle=vwo).count() > 10
