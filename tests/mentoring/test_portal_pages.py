"""What the portal shows students and guardians, and what it never shows; the publish page; the sharing choice.

Students and guardians read the lights, grades, advice, trend and decisions (with rationale and
agreements) of a published round, and the goals once submitted. The teachers' internal work stays
internal: questions to teachers, the escalation's text, the meeting's notes and the votes.
"""

import datetime
import re
from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from mentoring.models import (
    AgendaItem,
    Agreement,
    Category,
    Decision,
    DepartmentMeeting,
    Escalation,
    GuardianSharing,
    MentorTalk,
    Publication,
    Question,
    Reflection,
    Vote,
)
from mentoring.selectors.portal import portal_home_sections, publications_for
from reviews.models import Entry, LightScheme, Palette, Phase, ReviewCycle
from school.policies import roles_of
from tests.factories import PeriodFactory

ADULT_BIRTHDAY = datetime.date(2000, 1, 1)


@pytest.fixture
def english(world):
    for user in world.users().values():
        user.language = "en"
        user.save(update_fields=["language"])


def reverse_or_none(name: str, args=()) -> str | None:
    """Links to pages other parts of the app build: checked once those parts are there."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def page_of(client, user, cycle, student) -> str:
    client.force_login(user)
    response = client.get(reverse("mentoring:portal_cycle", args=[cycle.pk, student.pk]))
    assert response.status_code == 200
    return response.content.decode()


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture
def a_decision(world, a_published_cycle) -> Decision:
    """The department meeting decided about world.student after a silent vote, with notes and an agreement."""
    cycle = a_published_cycle
    meeting = DepartmentMeeting.objects.create(cycle=cycle, department=world.department, status="finished")
    escalation = Escalation.objects.create(
        cycle=cycle,
        student=world.student,
        department=world.department,
        category=Category.PROMOTION,
        question="GEHEIM-vraag: kan Sam naar vmbo-t?",
        proposal="GEHEIM-voorstel: overstappen.",
        student_view="GEHEIM-stem van de leerling.",
        status=Escalation.Status.DECIDED,
        raised_by=world.mentor,
    )
    item = AgendaItem.objects.create(
        meeting=meeting,
        escalation=escalation,
        position=1,
        status=AgendaItem.Status.DECIDED,
        notes="GEHEIM-notitie: de docent van wiskunde twijfelt.",
    )
    Vote.objects.create(item=item, voter=world.teacher.staff, choice="disagree", comment="GEHEIM-stemreden")
    decision = Decision.objects.create(
        item=item,
        student=world.student,
        text="Sam blijft op havo, met bijles Nederlands.",
        rationale="De cijfers voor de andere vakken zijn voldoende.",
        votes={"agree": 2, "disagree": 1, "abstain": 0},
        evidence={"student_view": "GEHEIM-bewijsstuk"},
        decided_by=world.team_leader,
    )
    Agreement.objects.create(
        student=world.student,
        decision=decision,
        text="Twee keer per week bijles Nederlands volgen.",
        owner=Agreement.Owner.STUDENT,
        due_on=datetime.date(2027, 1, 15),
    )
    Question.objects.create(
        cycle=cycle,
        student=world.student,
        teaching_group=world.teaching_group,
        addressed_to=world.teacher.staff,
        asked_by=world.mentor,
        text="GEHEIM-vraag aan de vakdocent: maakt Sam het huiswerk?",
    )
    return decision


# --- the feedback of one round -----------------------------------------------------------------------------


def test_the_student_reads_light_grade_advice_and_trend(client, world, a_published_cycle, english):
    html = page_of(client, world.student_user, a_published_cycle, world.student)

    assert "Your feedback in Ronde 1" in html
    assert "Nederlands" in html
    assert "Woordjes elke dag herhalen." in html  # the teacher's advice
    assert "4.8" in html
    assert "light--red" in html  # the light, with its letter and words (components/traffic_light.html)
    assert "worse" in html  # red now, green in the previous round
    assert "compared with Ronde 0" in html


def test_grades_are_in_dutch_format_in_the_dutch_ui(client, world, a_published_cycle):
    html = page_of(client, world.student_user, a_published_cycle, world.student)

    assert '<html lang="nl">' in html
    assert "4,8" in html


def test_the_schools_light_words_and_palette_are_used(client, world, a_published_cycle):
    LightScheme.objects.create(
        school=world.school, green="op koers", orange="let op", red="actie nodig", palette=Palette.BLUE_ORANGE
    )

    html = page_of(client, world.student_user, a_published_cycle, world.student)

    assert "actie nodig" in html
    assert "palette-blue_orange" in html


def test_decisions_are_shown_but_never_votes_notes_or_internal_questions(client, world, a_decision):
    for user in (world.student_user, world.guardian):
        html = page_of(client, user, a_decision.item.meeting.cycle, world.student)

        assert "Sam blijft op havo, met bijles Nederlands." in html
        assert "De cijfers voor de andere vakken zijn voldoende." in html  # the rationale is fine to show
        assert "Twee keer per week bijles Nederlands volgen." in html
        assert "GEHEIM" not in html  # questions, escalation text, notes, votes, evidence: none of it
        assert "stemreden" not in html


def test_the_silent_votes_tally_never_shows(client, world, a_decision, english):
    text = text_of(page_of(client, world.guardian, a_decision.item.meeting.cycle, world.student))

    assert "Silent vote" not in text
    assert "disagree" not in text.lower()


def test_decisions_of_another_round_stay_on_their_own_page(client, world, a_decision, a_previous_cycle):
    Publication.objects.create(cycle=a_previous_cycle, department=world.department)

    html = page_of(client, world.student_user, a_previous_cycle, world.student)

    assert "Sam blijft op havo" not in html


def test_a_student_without_lights_reads_a_calm_note(client, world, a_published_cycle, english):
    Entry.objects.filter(cycle=a_published_cycle).delete()

    html = page_of(client, world.student_user, a_published_cycle, world.student)

    assert "The teachers have entered no traffic lights in this round." in html
    assert "did not need to decide anything about you" in html


# --- reflection, goals and the talk ------------------------------------------------------------------------------


def test_the_student_sees_their_draft_and_the_way_to_write(client, world, a_reflection, english):
    html = page_of(client, world.student_user, a_reflection.cycle, world.student)

    assert "Only you can see your draft" in html
    assert "Een voldoende voor Nederlands" in html
    reflection_url = reverse_or_none("mentoring:reflection", [a_reflection.cycle.pk])
    if reflection_url:
        assert f'href="{reflection_url}"' in html
        assert "Write your reflection and goals" in html


def test_the_guardian_sees_goals_only_once_submitted_and_never_the_reflection(client, world, a_reflection, english):
    html = page_of(client, world.guardian, a_reflection.cycle, world.student)
    assert "Een voldoende voor Nederlands" not in html
    assert "has not yet submitted their goals" in html

    a_reflection.status = Reflection.Status.SUBMITTED
    a_reflection.submitted_at = timezone.now()
    a_reflection.save()
    html = page_of(client, world.guardian, a_reflection.cycle, world.student)

    assert "Een voldoende voor Nederlands" in html
    assert "Elke dag tien minuten woordjes leren" in html
    assert "Geschiedenis ging goed" not in html  # the reflection itself is the student's and the mentor's
    assert "ik heb de woordjes niet geleerd" not in html


def test_the_student_reads_the_mentors_comment_once_submitted(client, world, a_reflection, english):
    a_reflection.status = Reflection.Status.SUBMITTED
    a_reflection.submitted_at = timezone.now()
    a_reflection.mentor_comment = "Mooi plan, Sam!"
    a_reflection.save()

    html = page_of(client, world.student_user, a_reflection.cycle, world.student)

    assert "Mooi plan, Sam!" in html
    assert "Your mentor&#x27;s comment" in html or "Your mentor's comment" in html


def test_the_guardian_is_offered_a_talk_slot_and_the_prep_sheet(client, world, a_published_cycle, english):
    html = page_of(client, world.guardian, a_published_cycle, world.student)

    book_url = reverse_or_none("mentoring:talk_book", [a_published_cycle.pk, world.student.pk])
    sheet_url = reverse_or_none("mentoring:prep_sheet", [a_published_cycle.pk, world.student.pk])
    if book_url:
        assert f'href="{book_url}"' in html
        assert "Choose a talk slot" in html
    if sheet_url:
        assert f'href="{sheet_url}"' in html


def test_the_student_is_not_offered_slot_booking(client, world, a_published_cycle, english):
    html = page_of(client, world.student_user, a_published_cycle, world.student)

    assert "Choose a talk slot" not in html
    sheet_url = reverse_or_none("mentoring:prep_sheet", [a_published_cycle.pk, world.student.pk])
    if sheet_url:
        assert f'href="{sheet_url}"' in html


def test_a_booked_talk_shows_its_time_and_place_but_not_its_notes(client, world, a_talk_slot, english):
    talk = MentorTalk.objects.create(
        cycle=a_talk_slot.cycle,
        student=world.student,
        slot=a_talk_slot,
        booked_by=world.guardian,
        booked_at=timezone.now(),
        notes="GEHEIM-gespreksnotitie",
    )
    Agreement.objects.create(
        student=world.student, talk=talk, text="Planner bijhouden", owner="student", due_on=datetime.date(2027, 1, 8)
    )

    html = page_of(client, world.guardian, a_talk_slot.cycle, world.student)

    assert "Lokaal 1.04" in html
    assert "Planner bijhouden" in html
    assert "GEHEIM" not in html
    assert "Change the talk slot" in html or not reverse_or_none(
        "mentoring:talk_book", [a_talk_slot.cycle.pk, world.student.pk]
    )


def test_a_closed_round_offers_no_writing_and_no_booking(client, world, a_reflection, english):
    cycle = a_reflection.cycle
    cycle.phase = Phase.CLOSED
    cycle.save()

    student_html = page_of(client, world.student_user, cycle, world.student)
    guardian_html = page_of(client, world.guardian, cycle, world.student)

    assert "Write your reflection and goals" not in student_html
    assert "Choose a talk slot" not in guardian_html


# --- the start page ------------------------------------------------------------------------------------------------


def test_before_publishing_the_start_page_says_who_publishes_when(client, world, a_cycle_in_speed_date, english):
    client.force_login(world.student_user)

    html = client.get(reverse("mentoring:portal")).content.decode()

    assert "Nothing published yet" in html
    assert "team leader publishes the feedback after the department meeting" in html
    assert "Ronde 1" not in html


def test_the_student_lists_published_rounds_newest_first(client, world, a_published_cycle, a_previous_cycle):
    Publication.objects.create(cycle=a_previous_cycle, department=world.department)
    client.force_login(world.student_user)

    html = client.get(reverse("mentoring:portal")).content.decode()

    newer = reverse("mentoring:portal_cycle", args=[a_published_cycle.pk, world.student.pk])
    older = reverse("mentoring:portal_cycle", args=[a_previous_cycle.pk, world.student.pk])
    assert newer in html
    assert older in html
    assert html.index(newer) < html.index(older)


def test_an_unpublished_round_is_not_listed(client, world, a_published_cycle, a_previous_cycle):
    client.force_login(world.student_user)

    html = client.get(reverse("mentoring:portal")).content.decode()

    assert "Ronde 1" in html
    assert reverse("mentoring:portal_cycle", args=[a_previous_cycle.pk, world.student.pk]) not in html


def test_the_guardian_sees_each_child_with_their_rounds(client, world, a_published_cycle):
    client.force_login(world.guardian)

    html = client.get(reverse("mentoring:portal")).content.decode()

    assert world.student.full_name in html
    assert reverse("mentoring:portal_cycle", args=[a_published_cycle.pk, world.student.pk]) in html
    assert world.other_student.full_name not in html


def test_the_other_guardian_does_not_see_this_round(client, world, a_published_cycle):
    client.force_login(world.other_guardian)

    html = client.get(reverse("mentoring:portal")).content.decode()

    assert world.other_student.full_name in html
    assert "Ronde 1" not in html  # published to havo only; their child is in vwo
    assert world.student.full_name not in html


def test_an_adult_student_sees_the_sharing_choice_prominently(client, world, a_published_cycle, english):
    world.student.date_of_birth = ADULT_BIRTHDAY
    world.student.save()
    client.force_login(world.student_user)

    html = client.get(reverse("mentoring:portal")).content.decode()

    assert "you decide what your parents or guardians see" in html
    assert "You have not chosen yet" in html
    assert f'href="{reverse("mentoring:sharing")}"' in html


def test_a_minor_sees_no_sharing_choice(client, world, a_published_cycle, english):
    client.force_login(world.student_user)

    html = client.get(reverse("mentoring:portal")).content.decode()

    assert reverse("mentoring:sharing") not in html


def test_the_guardian_of_an_adult_child_who_does_not_share_reads_why(client, world, a_published_cycle, english):
    world.student.date_of_birth = ADULT_BIRTHDAY
    world.student.save()
    client.force_login(world.guardian)

    html = client.get(reverse("mentoring:portal")).content.decode()

    assert f"{world.student.first_name} is 18 or older and decides" in html
    assert reverse("mentoring:portal_cycle", args=[a_published_cycle.pk, world.student.pk]) not in html


# --- the sharing choice ----------------------------------------------------------------------------------------------


def test_a_minor_reads_that_guardians_see_it_until_18(client, world, english):
    client.force_login(world.student_user)

    html = client.get(reverse("mentoring:sharing")).content.decode()

    assert "Until you are 18" in html
    assert '<form method="post" action="' + reverse("mentoring:sharing") not in html


def test_an_adult_says_no_and_the_guardian_loses_access(client, world, a_published_cycle, english):
    world.student.date_of_birth = ADULT_BIRTHDAY
    world.student.save()
    GuardianSharing.objects.create(student=world.student, guardians_may_see=True)
    client.force_login(world.student_user)
    html = client.get(reverse("mentoring:sharing")).content.decode()
    assert 'value="yes" checked' in html or re.search(r'value="yes"[^>]*checked', html)

    response = client.post(reverse("mentoring:sharing"), {"guardians_may_see": "no"}, follow=True)

    assert "Saved: only you see your feedback and goals." in response.content.decode()
    client.force_login(world.guardian)
    url = reverse("mentoring:portal_cycle", args=[a_published_cycle.pk, world.student.pk])
    assert client.get(url).status_code == 404


def test_an_empty_choice_is_refused_with_a_clear_message(client, world, english):
    world.student.date_of_birth = ADULT_BIRTHDAY
    world.student.save()
    client.force_login(world.student_user)

    response = client.post(reverse("mentoring:sharing"), {"guardians_may_see": "maybe"})

    assert response.status_code == 200
    assert "Choose yes or no." in response.content.decode()
    assert not GuardianSharing.objects.exists()


# --- publishing ---------------------------------------------------------------------------------------------------


def test_the_confirm_page_says_who_will_see_what(client, world, a_cycle_in_speed_date, english):
    client.force_login(world.team_leader)

    html = client.get(reverse("mentoring:publish", args=[a_cycle_in_speed_date.pk, world.department.pk])).content
    text = text_of(html.decode())

    assert "1 student of Bovenbouw havo and their parents or guardians will see" in text
    assert "the traffic light, the grade and the teacher's advice" in text.replace("&#x27;", "'")
    assert "trend" in text
    assert "decisions" in text
    assert "never see the questions to teachers" in text
    assert "Publish feedback to students and guardians" in text


def test_publishing_goes_to_the_meeting_page_with_a_note(client, world, a_cycle_in_speed_date, english):
    client.force_login(world.team_leader)
    url = reverse("mentoring:publish", args=[a_cycle_in_speed_date.pk, world.department.pk])

    response = client.post(url)

    assert response.status_code == 302
    assert response.url == reverse("mentoring:meeting", args=[a_cycle_in_speed_date.pk, world.department.pk])
    assert Publication.objects.get().published_by == world.team_leader
    page = client.get(url).content.decode()
    assert "is published to the students and guardians of Bovenbouw havo" in page
    assert "This feedback was published on" in page
    assert '<button type="submit" class="btn btn--primary">' not in page


def test_publishing_twice_says_so(client, world, a_cycle_in_speed_date, english):
    client.force_login(world.team_leader)
    url = reverse("mentoring:publish", args=[a_cycle_in_speed_date.pk, world.department.pk])
    client.post(url)

    response = client.post(url, follow=True)

    assert "was already published to Bovenbouw havo; nothing has changed" in response.content.decode()
    assert Publication.objects.count() == 1


def test_publishing_in_the_entry_phase_explains_and_writes_nothing(client, world, a_cycle_in_speed_date, english):
    a_cycle_in_speed_date.phase = Phase.ENTRY
    a_cycle_in_speed_date.save()
    client.force_login(world.team_leader)
    url = reverse("mentoring:publish", args=[a_cycle_in_speed_date.pk, world.department.pk])

    assert "still entering traffic lights" in client.get(url).content.decode()
    response = client.post(url, follow=True)

    assert response.redirect_chain[-1][0] == url
    assert "still entering traffic lights" in response.content.decode()
    assert not Publication.objects.exists()


def test_publishing_goes_back_to_a_safe_next_only(client, world, a_cycle_in_speed_date):
    client.force_login(world.team_leader)
    url = reverse("mentoring:publish", args=[a_cycle_in_speed_date.pk, world.department.pk])

    assert client.post(url, {"next": "/mentoring/"}).url == "/mentoring/"
    assert client.post(url, {"next": "https://evil.example/"}).url.startswith("/mentoring/cycles/")


# --- the team leader's snippet and the home page ------------------------------------------------------------------


def test_the_publish_state_snippet(world, a_cycle_in_speed_date, english):
    from django.utils import translation

    with translation.override("en"):
        before = render_to_string(
            "mentoring/portal/partials/publish_state.html",
            {"cycle": a_cycle_in_speed_date, "department": world.department, "publication": None},
        )
        publication = Publication.objects.create(cycle=a_cycle_in_speed_date, department=world.department)
        after = render_to_string(
            "mentoring/portal/partials/publish_state.html",
            {"cycle": a_cycle_in_speed_date, "department": world.department, "publication": publication},
        )

    assert "Not yet published" in before
    assert reverse("mentoring:publish", args=[a_cycle_in_speed_date.pk, world.department.pk]) in before
    assert "Published to students and guardians" in after
    assert reverse("mentoring:publish", args=[a_cycle_in_speed_date.pk, world.department.pk]) not in after


def test_publications_for_several_cards_in_one_query(
    world, a_cycle_in_speed_date, a_previous_cycle, django_assert_num_queries
):
    publication = Publication.objects.create(cycle=a_cycle_in_speed_date, department=world.department)
    Publication.objects.create(cycle=a_previous_cycle, department=world.other_department)
    pairs = [
        (a_cycle_in_speed_date.pk, world.department.pk),
        (a_cycle_in_speed_date.pk, world.other_department.pk),
        (a_previous_cycle.pk, world.department.pk),
    ]

    with django_assert_num_queries(1):
        found = publications_for(pairs)

    assert found == {(a_cycle_in_speed_date.pk, world.department.pk): publication}


def test_the_home_section_leads_students_and_guardians_to_their_feedback(client, world, a_published_cycle):
    assert portal_home_sections(world.mentor, roles_of(world.mentor)) == []
    (section,) = portal_home_sections(world.guardian, roles_of(world.guardian))

    html = render_to_string(section.template, {"section": section.context})

    assert reverse("mentoring:portal_cycle", args=[a_published_cycle.pk, world.student.pk]) in html
    assert reverse("mentoring:portal") in html


def test_every_portal_page_keeps_the_strict_csp(client, world, a_decision, a_reflection):
    """No inline script, style attribute or on…= handler (a strict CSP follows)."""
    cycle = a_decision.item.meeting.cycle
    world.other_student.date_of_birth = ADULT_BIRTHDAY
    world.other_student.save()
    pages = [
        (world.student_user, reverse("mentoring:portal")),
        (world.student_user, reverse("mentoring:portal_cycle", args=[cycle.pk, world.student.pk])),
        (world.student_user, reverse("mentoring:sharing")),
        (world.other_student_user, reverse("mentoring:sharing")),
        (world.other_student_user, reverse("mentoring:portal")),
        (world.guardian, reverse("mentoring:portal")),
        (world.guardian, reverse("mentoring:portal_cycle", args=[cycle.pk, world.student.pk])),
        (world.team_leader, reverse("mentoring:publish", args=[cycle.pk, world.department.pk])),
    ]
    for user, url in pages:
        client.force_login(user)
        html = client.get(url).content.decode()
        assert " style=" not in html, url
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), url
        assert not re.search(r"\son[a-z]+=", html), url


def test_a_round_of_the_same_department_in_another_year_is_listed_too(client, world, a_published_cycle):
    """Published rounds stay readable later on (history), as policies.published_cycles_for says."""
    old = ReviewCycle.objects.create(
        school=world.school,
        period=PeriodFactory(school=world.school, school_year=world.class_group.school_year, name="Oud"),
        name="Ronde oud",
        entry_deadline=datetime.date(2025, 11, 20),
        phase=Phase.CLOSED,
    )
    old.departments.set([world.department])
    Publication.objects.create(cycle=old, department=world.department)
    Entry.objects.create(
        cycle=old, teaching_group=world.teaching_group, student=world.student, light="green", grade=Decimal("7.0")
    )
    client.force_login(world.student_user)

    html = client.get(reverse("mentoring:portal")).content.decode()

    assert reverse("mentoring:portal_cycle", args=[old.pk, world.student.pk]) in html
