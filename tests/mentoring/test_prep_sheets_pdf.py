"""One student's prep sheet for the mentor talk: what the PDF holds, in whose language, and what it never holds."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone, translation
from pypdf import PdfReader

from mentoring.models import Agreement, Goal, GuardianSharing, MentorTalk, PrepSheet, Reflection
from mentoring.selectors.prep_sheets import (
    family_language,
    prep_sheet_data,
    reader_language,
    supported_language,
)
from mentoring.services import prep_sheets as service
from reviews.models import Entry, Light
from tests.factories import GuardianFactory, SubjectFactory, TeachingGroupFactory, UserFactory
from tests.mentoring.test_minutes_pdf import AGREEMENT, DECISION, RATIONALE, decide

GOAL = "Een voldoende voor Nederlands"  # tests/mentoring/conftest.py's a_reflection
ACTION = "Elke dag tien minuten woordjes leren"
WENT_WELL = "Geschiedenis ging goed: ik maakte samenvattingen."
ADVICE = "Woordjes elke dag herhalen."  # a_cycle_in_speed_date's entry
HELP = "Hulp bij het plannen van mijn huiswerk."
LAST_TIME = "Elke week de planner bijwerken"
OLDER_OPEN = "Bijles wiskunde aanvragen"
NOTES = "Ouders zijn vooraf gebeld."  # the agenda item's notes (decide())


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    """Each test writes its PDFs into a folder of its own."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def a_submitted_reflection(world, a_reflection) -> Reflection:
    """world.student submitted the reflection (all six prompts, two goals)."""
    a_reflection.feeling_in_class = "Goed, ik zit naast Mo."
    a_reflection.hard_subjects = "Nederlands en Frans."
    a_reflection.help_needed = HELP
    a_reflection.last_agreements = "De planner heb ik bijgehouden."
    a_reflection.status = Reflection.Status.SUBMITTED
    a_reflection.submitted_at = timezone.now()
    a_reflection.save()
    Goal.objects.create(reflection=a_reflection, position=2, goal="Op tijd beginnen", action="Planner gebruiken")
    return a_reflection


@pytest.fixture
def a_decision(world, a_meeting, an_escalation):
    """The department meeting decided about world.student (with votes, notes, a rationale and an agreement)."""
    return decide(a_meeting, an_escalation, actor=world.team_leader)


@pytest.fixture
def last_times_agreements(world, a_previous_cycle, a_cycle_in_speed_date) -> list[Agreement]:
    """Made in last round's mentor talk (one met, one still open); this round's talk has one of its own."""
    talk = MentorTalk.objects.create(cycle=a_previous_cycle, student=world.student)
    met = Agreement.objects.create(
        student=world.student,
        talk=talk,
        text=LAST_TIME,
        owner=Agreement.Owner.STUDENT,
        due_on=datetime.date(2026, 10, 9),
        status=Agreement.Status.MET,
    )
    still_open = Agreement.objects.create(
        student=world.student,
        talk=talk,
        text=OLDER_OPEN,
        owner=Agreement.Owner.GUARDIAN,
        due_on=datetime.date(2026, 10, 16),
    )
    this_round = MentorTalk.objects.create(cycle=a_cycle_in_speed_date, student=world.student)
    Agreement.objects.create(
        student=world.student,
        talk=this_round,
        text="Een afspraak van dit gesprek",
        owner=Agreement.Owner.MENTOR,
        due_on=datetime.date(2027, 1, 15),
    )
    return [met, still_open]


def text_of(pdf: bytes) -> str:
    """The PDF's text with whitespace made single (lines wrap in table cells)."""
    assert pdf.startswith(b"%PDF")
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split())


def sheet_text(cycle, student, language="nl") -> str:
    return text_of(service.prep_sheet_pdf(cycle=cycle, student=student, language=language))


# --- what the sheet holds ------------------------------------------------------------------------------------


def test_the_sheet_holds_lights_advice_trend_goals_and_reflection(
    world, a_published_cycle, a_submitted_reflection, a_decision, last_times_agreements
):
    text = sheet_text(a_published_cycle, world.student)

    assert world.student.full_name in text
    assert "4H1" in text
    assert a_published_cycle.name in text
    assert "Nederlands" in text
    assert ADVICE in text
    assert "4,8" in text  # the grade, the Dutch way
    assert "R rood" in text  # the light's letter and word: never colour alone
    assert "↓ slechter" in text  # red now, green last round
    assert GOAL in text
    assert ACTION in text
    assert "Op tijd beginnen" in text
    assert WENT_WELL in text
    assert HELP in text
    assert DECISION in text
    assert AGREEMENT in text


def test_last_times_agreements_with_what_came_of_them(world, a_published_cycle, last_times_agreements):
    text = sheet_text(a_published_cycle, world.student)

    assert LAST_TIME in text
    assert "✓ nagekomen" in text
    assert OLDER_OPEN in text
    assert "Een afspraak van dit gesprek" not in text  # made this round: not last time's


def test_a_draft_reflection_is_the_students_own(world, a_published_cycle, a_reflection):
    text = sheet_text(a_published_cycle, world.student)

    assert WENT_WELL not in text
    assert GOAL not in text
    assert "Nederlands: ik heb de woordjes niet geleerd." not in text
    assert world.student.first_name in text  # "… has not submitted a reflection yet"


def test_votes_notes_rationale_and_the_escalation_never_show(world, a_published_cycle, a_decision):
    text = sheet_text(a_published_cycle, world.student)

    assert DECISION in text
    assert NOTES not in text
    assert RATIONALE not in text
    assert "Kan Sam beter naar vmbo-t?" not in text  # the escalation's question
    assert "Ik wil het zelf ook." not in text  # the evidence snapshot's student view
    assert "stem" not in text.lower()  # no silent vote
    data = prep_sheet_data(cycle=a_published_cycle, student=world.student)
    [decision] = data.decisions
    assert not hasattr(decision, "votes")


def test_the_html_escapes_what_users_wrote(world, a_published_cycle, a_submitted_reflection):
    a_submitted_reflection.went_well = '<img src="https://example.com/x.png"> & co'
    a_submitted_reflection.save()

    html = service.prep_sheet_html(cycle=a_published_cycle, student=world.student, language="nl")

    assert "&lt;img src=&quot;https://example.com/x.png&quot;&gt; &amp; co" in html
    assert '<img src="https://example.com' not in html
    assert "http" not in html.replace("https://example.com/x.png", "")  # nothing to fetch from elsewhere


def test_the_styles_are_our_own_static_files_parsed_once():
    first, second = service._stylesheets(), service._stylesheets()

    assert first is second
    assert [sheet.base_url for sheet in first] == [
        "https://leerlingbespreking.invalid/static/css/pdf.css",
        "https://leerlingbespreking.invalid/static/css/pdf-prep-sheet.css",
    ]


def test_a_student_without_lights_gets_a_sheet_that_says_so(world, a_published_cycle):
    Entry.objects.filter(cycle=a_published_cycle).delete()

    text = sheet_text(a_published_cycle, world.student)

    assert world.student.full_name in text
    assert ADVICE not in text


# --- languages -----------------------------------------------------------------------------------------------


def test_english_for_a_guardian_who_reads_english(world, a_published_cycle, a_submitted_reflection):
    world.guardian.language = "en"
    world.guardian.save()

    language = family_language(student=world.student, school=world.school)
    text = sheet_text(a_published_cycle, world.student, language)

    assert language == "en"
    assert "Preparing the mentor talk" in text
    assert "Traffic lights and advice" in text
    assert "My goals" in text
    assert "Subject" in text
    assert "Advice" in text
    assert "Grade" in text
    assert "↓ worse" in text
    assert "4.8" in text
    assert GOAL in text  # what the student wrote stays as written


def test_dutch_for_a_guardian_who_reads_dutch(world, a_published_cycle, a_submitted_reflection):
    world.guardian.language = "nl"
    world.guardian.save()

    language = family_language(student=world.student, school=world.school)
    text = sheet_text(a_published_cycle, world.student, language)

    assert language == "nl"
    assert "Vak" in text
    assert "Advies" in text
    assert "Cijfer" in text
    assert "↓ slechter" in text
    assert "4,8" in text
    assert "Subject" not in text
    assert "Grade" not in text
    with translation.override("nl"):
        assert translation.gettext("Traffic light") == "Stoplicht"


def test_an_unsupported_language_falls_back_to_the_schools(world, a_published_cycle):
    world.guardian.language = "tlh"
    world.guardian.save()

    assert family_language(student=world.student, school=world.school) == "nl"
    assert supported_language("en-gb") == "en"
    assert supported_language("") is None
    text = sheet_text(a_published_cycle, world.student, "tlh")
    assert "Advies" in text


def test_the_first_guardian_with_a_language_decides(world):
    second = GuardianFactory(school=world.school, students=[world.student])
    second.user.language = "en"
    second.user.save()

    assert family_language(student=world.student, school=world.school) == "en"

    world.guardian.language = "nl"
    world.guardian.save()
    assert family_language(student=world.student, school=world.school) == "nl"


def test_without_guardians_the_school_or_the_students_own_language(world):
    world.student.guardians.clear()
    assert family_language(student=world.student, school=world.school) == "nl"

    world.student_user.language = "en"
    world.student_user.save()
    world.student.refresh_from_db()
    assert family_language(student=world.student, school=world.school) == "en"


def test_an_adult_who_keeps_it_private_gets_their_own_language(world):
    world.guardian.language = "en"
    world.guardian.save()
    world.student.date_of_birth = datetime.date(2000, 1, 1)
    world.student.save()

    assert family_language(student=world.student, school=world.school) == "nl"  # the student's: the school's

    GuardianSharing.objects.create(student=world.student, guardians_may_see=True)
    world.student.refresh_from_db()
    assert family_language(student=world.student, school=world.school) == "en"


def test_the_reader_language(world):
    world.guardian.language = "en"
    world.guardian.save()
    world.mentor.language = "en"
    world.mentor.save()

    assert reader_language(user=world.guardian, student=world.student, school=world.school) == "en"
    assert reader_language(user=world.student_user, student=world.student, school=world.school) == "nl"
    # Staff read the sheet the family gets in the school's language, whatever their own.
    assert reader_language(user=world.mentor, student=world.student, school=world.school) == "nl"


# --- keeping the sheet ---------------------------------------------------------------------------------------


def test_storing_again_replaces_the_file(world, a_published_cycle, a_submitted_reflection):
    first = service.prep_sheet_store(cycle=a_published_cycle, student=world.student, language="nl")
    old_name = first.file.name
    assert old_name.startswith("prep-sheets/")
    assert default_storage.exists(old_name)

    second = service.prep_sheet_store(cycle=a_published_cycle, student=world.student, language="nl")

    assert second.pk == first.pk
    assert PrepSheet.objects.count() == 1
    assert second.file.name != old_name
    assert not default_storage.exists(old_name)
    with second.file.open("rb") as handle:
        assert GOAL in text_of(handle.read())


def test_one_sheet_per_language(world, a_published_cycle):
    service.prep_sheet_store(cycle=a_published_cycle, student=world.student, language="nl")
    service.prep_sheet_store(cycle=a_published_cycle, student=world.student, language="en")

    assert sorted(PrepSheet.objects.values_list("language", flat=True)) == ["en", "nl"]


# --- queries -------------------------------------------------------------------------------------------------


def add_subjects(world, cycle, count: int) -> None:
    for n in range(count):
        subject = SubjectFactory(school=world.school, code=f"x{n}", name=f"Extra vak {n}")
        group = TeachingGroupFactory(
            school=world.school,
            school_year=world.class_group.school_year,
            subject=subject,
            name=f"4H-x{n}",
            students=[world.student],
        )
        Entry.objects.create(
            cycle=cycle, teaching_group=group, student=world.student, light=Light.ORANGE, grade=Decimal("5.6")
        )


def test_the_sheet_takes_the_same_queries_however_many_subjects(
    world,
    a_published_cycle,
    a_submitted_reflection,
    a_decision,
    last_times_agreements,
    django_assert_num_queries,
):
    with django_assert_num_queries(12):
        small = prep_sheet_data(cycle=a_published_cycle, student=world.student)

    add_subjects(world, a_published_cycle, 13)
    Goal.objects.create(reflection=a_submitted_reflection, position=3, goal="Meer lezen")

    with django_assert_num_queries(12):
        large = prep_sheet_data(cycle=a_published_cycle, student=world.student)
    assert (len(small.subjects), len(large.subjects)) == (1, 14)
    assert len(large.goals) == 3


def test_a_guardian_made_in_another_way_still_counts(world):
    """Guardians come from the roster; one without a user language does not block the next."""
    user = UserFactory(school=world.school, language="")
    GuardianFactory(school=world.school, user=user, students=[world.student])

    assert family_language(student=world.student, school=world.school) == "nl"


def test_an_open_agreement_of_an_open_class_meeting_comes_back_on_the_sheet(world, a_published_cycle):
    """Made at the class's open meeting (not in a round): still open, so the talk checks it; checked, it is gone."""
    from classmeetings.models import MeetingItem, OpenClassMeeting

    meeting = OpenClassMeeting.objects.create(
        school=world.school, class_group=world.class_group, starts_at=timezone.now() - datetime.timedelta(days=20)
    )
    item = MeetingItem.objects.create(meeting=meeting, student=world.student, planned_minutes=5)
    open_one = Agreement.objects.create(
        student=world.student,
        class_item=item,
        text="Elke week mijn planner bijwerken",
        owner=Agreement.Owner.STUDENT,
        due_on=datetime.date(2026, 12, 4),
    )
    Agreement.objects.create(
        student=world.student,
        class_item=item,
        text="Een afspraak die al is nagekomen",
        owner=Agreement.Owner.STUDENT,
        due_on=datetime.date(2026, 11, 20),
        status=Agreement.Status.MET,
        checked_at=timezone.now() - datetime.timedelta(days=30),
    )

    text = sheet_text(a_published_cycle, world.student)

    assert open_one.text in text
    assert "Een afspraak die al is nagekomen" not in text
