"""The boards in the demo school (seed_demo, make run).

Registered with school.demo's extension hook (BoardsConfig.ready), after the review rounds
and the mentoring data exist:

- Improvement boards: every class of the upper-school havo department has its mentor's class
  board (so the team leader can walk them in a care-board session); 4H1's board is full —
  concerns, goals with six weeks of measurements, actions (one overdue, one in progress, one
  done), successes, ideas and agreements, two stand-up sessions with check-ins, and colleagues'
  questions, one answered by the mentor and one still open. The havo department has its own
  board, and the English teachers keep a team board.
- A care meeting about two siblings, led by the care coordinator: the mentor takes part, an
  attendance officer is a guest until a month from now, consent is recorded for both children,
  and the board has their check-ins, successes and what each will work on next.
- 4H1's progress board: a card for every student, a handful notable (internship not placed,
  tests behind, an attendance concern, a note), some stale, some changed this week.

Deterministic by the seed; rows are written directly (no e-mails, no read-log entries).
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.db.models import Count
from django.utils import timezone

from school.demo import CARE_COORDINATOR, MENTOR, TEACHER, TEAM_LEADER_HAVO, DemoSchool
from school.models import ClassGroup, Department, Student, User

from .models import (
    BoardComment,
    BoardItem,
    BoardSession,
    CareConsent,
    CareEntry,
    CareGuest,
    CareMeeting,
    CheckIn,
    ImprovementBoard,
    Measurement,
    Mood,
    ProgressCard,
    ProgressCardChange,
)
from .services.care import consent_giver_for

HAVO = "Bovenbouw havo"
MENTOR_CLASS = "4H1"
Section = BoardItem.Section
Status = BoardItem.Status

# The mentor's class board: (section, text, extra fields). Owners and dates are filled in below.
CLASS_BOARD_ITEMS = (
    (Section.CONCERN, "Na de toetsweek is de sfeer in de klas gespannen; een paar leerlingen haken af.", {}),
    (Section.CONCERN, "Veel leerlingen leveren het profielwerkstukplan te laat in.", {}),
    (
        Section.GOAL,
        "Meer leerlingen leveren hun huiswerk op tijd in.",
        {"measure": "% op tijd ingeleverd (Magister)", "target": "85%"},
    ),
    (
        Section.GOAL,
        "Iedereen weet bij wie hij terechtkan met een vraag.",
        {"measure": "leerlingen die een vertrouwenspersoon noemen", "target": "30 van 30"},
    ),
    (Section.ACTION, "Huiswerkplanner introduceren in het mentoruur.", {"status": Status.DONE}),
    (Section.ACTION, "Gesprek met de drie leerlingen die afhaken.", {"status": Status.DOING}),
    (Section.ACTION, "Inhaalrooster toetsen afspreken met de sectie wiskunde.", {"status": Status.OPEN, "late": True}),
    (Section.SUCCESS, "Het klassenuitje heeft de groep dichter bij elkaar gebracht.", {}),
    (Section.SUCCESS, "Vier leerlingen hebben hun achterstand bij wiskunde ingehaald.", {}),
    (Section.IDEA, "Een vast studie-uur op dinsdag, met ouderejaars als maatje.", {}),
    (Section.AGREEMENT, "We beginnen elke mentorles met vijf minuten planning.", {}),
    (Section.AGREEMENT, "Telefoons gaan in de bak tijdens toetsen.", {}),
)
HOMEWORK_ON_TIME = (Decimal("62"), Decimal("64"), Decimal("70"), Decimal("68"), Decimal("74"), Decimal("79"))
CLASS_BOARD_TEMPLATE = (
    (Section.CONCERN, "Rommelig begin van de lessen na de pauze."),
    (Section.GOAL, "Rustige start: binnen twee minuten aan het werk."),
    (Section.ACTION, "Startopdracht op het bord bij elke les."),
    (Section.SUCCESS, "Minder te laat gekomen dan vorige periode."),
)
QUESTIONS = (
    (
        "Hoe meten jullie of de huiswerkplanner echt gebruikt wordt?",
        "We kijken elke vrijdag in het mentoruur samen in de planners; dat geeft het percentage.",
    ),
    ("Hebben jullie de ouders van de leerlingen die afhaken al betrokken?", ""),
)
CARE_ENTRIES = (
    # (child index, kind, mood, text, owner)
    (0, CareEntry.Kind.CHECK_IN, Mood.GOOD, "Ik vind het fijn dat iedereen er is.", ""),
    (1, CareEntry.Kind.CHECK_IN, Mood.SO_SO, "Een beetje zenuwachtig.", ""),
    (0, CareEntry.Kind.SUCCESS, "", "Drie weken lang elke dag op tijd op school.", ""),
    (1, CareEntry.Kind.SUCCESS, "", "Zelf hulp gevraagd bij de mentor toen het niet ging.", ""),
    (0, CareEntry.Kind.NEXT, "", "Mijn huiswerk maken in het studie-uur op school.", "leerling en mentor"),
    (1, CareEntry.Kind.NEXT, "", "Elke ochtend om 7 uur opstaan; mama helpt me herinneren.", "leerling en ouder"),
)
NOTABLE_NOTES = (
    "Zoekt nog een stageplek; gesprek met stagebureau gepland.",
    "Veel ziek geweest, thuissituatie is lastig.",
    "Wil wisselen van profiel; in gesprek met decaan.",
)


def demo_boards_create(demo_school: DemoSchool, seed: int) -> str | None:
    rng = random.Random(seed * 7919 + 6)  # noqa: S311 - demo data, not security
    school = demo_school.school
    logins = demo_school.logins
    if not {MENTOR, TEAM_LEADER_HAVO, CARE_COORDINATOR, TEACHER} <= set(logins):
        return None
    now = timezone.now()
    today = timezone.localdate()
    mentor = logins[MENTOR].staff
    leader = logins[TEAM_LEADER_HAVO].staff
    teacher = logins[TEACHER].staff
    coordinator = logins[CARE_COORDINATOR].staff
    havo = Department.objects.get(school=school, name=HAVO)
    mentor_class = ClassGroup.objects.get(school=school, name=MENTOR_CLASS)

    boards = _class_boards(havo, mentor_class, mentor, teacher, leader, logins, now, today)
    boards += _other_boards(school, havo, leader, teacher, today)
    meeting = _care_meeting(school, mentor_class, coordinator, mentor, set(logins.values()), now, today)
    cards = _progress_cards(rng, mentor_class, logins[MENTOR], now)
    return (
        f"Boards: {boards} improvement boards (4H1's full, with sessions and questions), "
        f"a care meeting about {meeting.children.count()} siblings with a guest, "
        f"{cards} progress cards for {MENTOR_CLASS}"
    )


def _class_boards(havo, mentor_class, mentor, teacher, leader, logins, now, today) -> int:
    """A board per class of the havo department (its first mentor owns it); 4H1's is the full one."""
    classes = list(ClassGroup.objects.filter(department=havo).prefetch_related("mentors__user").order_by("name", "pk"))
    made = 0
    for class_group in classes:
        owner = mentor if class_group.pk == mentor_class.pk else next(iter(class_group.mentors.all()), None)
        if owner is None:
            continue
        board = ImprovementBoard.objects.create(
            school=havo.school,
            title=f"Verbeterbord {class_group.name}",
            scope=ImprovementBoard.Scope.CLASS_GROUP,
            class_group=class_group,
            owner=owner,
        )
        made += 1
        if class_group.pk == mentor_class.pk:
            board.members.add(teacher)
            _fill_class_board(board, mentor, teacher, leader, logins, now, today)
        else:
            BoardItem.objects.bulk_create(
                BoardItem(board=board, section=section, text=text, owner=owner, position=index)
                for index, (section, text) in enumerate(CLASS_BOARD_TEMPLATE)
            )
    return made


def _fill_class_board(board, mentor, teacher, leader, logins, now, today) -> None:
    items = []
    for index, (section, text, extra) in enumerate(CLASS_BOARD_ITEMS):
        item = BoardItem(board=board, section=section, text=text, position=index, updated_by=mentor.user)
        item.measure = extra.get("measure", "")
        item.target = extra.get("target", "")
        if section == Section.ACTION:
            item.status = extra["status"]
            item.owner = teacher if extra.get("late") else mentor
            item.due_on = today - datetime.timedelta(days=5) if extra.get("late") else today + datetime.timedelta(14)
        items.append(item)
    items = BoardItem.objects.bulk_create(items)
    homework = next(item for item in items if item.measure.startswith("%"))
    Measurement.objects.bulk_create(
        Measurement(item=homework, measured_on=today - datetime.timedelta(weeks=5 - week), value=value)
        for week, value in enumerate(HOMEWORK_ON_TIME)
    )
    for weeks_ago, changes, moods in (
        (2, "Huiswerkplanner ingevoerd; twee nieuwe acties.", (Mood.GOOD, Mood.SO_SO)),
        (1, "Planner werkt: 74% op tijd. Gesprekken met afhakers lopen.", (Mood.GREAT, Mood.GOOD)),
    ):
        session = BoardSession.objects.create(
            board=board, held_on=today - datetime.timedelta(weeks=weeks_ago), changes=changes, created_by=mentor.user
        )
        session.attendees.add(mentor, teacher)
        CheckIn.objects.bulk_create(
            CheckIn(session=session, person=person, mood=mood)
            for person, mood in zip((mentor, teacher), moods, strict=True)
        )
    for (question, answer), author in zip(QUESTIONS, (leader.user, logins[TEACHER]), strict=True):
        BoardComment.objects.create(
            board=board,
            author=author,
            text=question,
            answer=answer,
            answered_at=now - datetime.timedelta(days=2) if answer else None,
        )


def _other_boards(school, havo, leader, teacher, today) -> int:
    department_board = ImprovementBoard.objects.create(
        school=school,
        title="Verbeterbord bovenbouw havo",
        scope=ImprovementBoard.Scope.DEPARTMENT,
        department=havo,
        owner=leader,
    )
    BoardItem.objects.bulk_create(
        [
            BoardItem(board=department_board, section=Section.CONCERN, text="Te veel toetsen in dezelfde week."),
            BoardItem(
                board=department_board,
                section=Section.GOAL,
                text="Hoogstens drie toetsen per week per klas.",
                measure="klassen met meer dan drie toetsen in een week",
                target="0",
            ),
            BoardItem(
                board=department_board,
                section=Section.ACTION,
                text="Toetsplanner delen met alle secties.",
                owner=leader,
                due_on=today + datetime.timedelta(days=10),
            ),
        ]
    )
    team_board = ImprovementBoard.objects.create(
        school=school, title="Sectie Engels", scope=ImprovementBoard.Scope.TEAM, owner=teacher
    )
    BoardItem.objects.create(
        board=team_board, section=Section.IDEA, text="Leesclub met Engelstalige jeugdboeken voor havo 4."
    )
    return 2


def _care_meeting(school, mentor_class, coordinator, mentor, login_users, now, today) -> CareMeeting:
    """Two siblings (the first pair in the school, not the demo logins' family) with a guest."""
    sibling_ids = (
        Student.guardians.through.objects.filter(student__school=school)
        .values("guardian_id")
        .annotate(children=Count("student_id"))
        .filter(children__gte=2)
        .exclude(student__user__in=login_users)  # not the demo logins' own family (Lina and Adam)
        .order_by("guardian_id")
        .values_list("guardian_id", flat=True)
    )
    guardian_id = sibling_ids.first()
    children = list(
        Student.objects.filter(guardians__id=guardian_id).order_by("date_of_birth", "pk")[:2]
        if guardian_id
        else Student.objects.filter(class_group=mentor_class).order_by("pk")[:1]
    )
    family = children[0].last_name
    meeting = CareMeeting.objects.create(
        school=school,
        title=f"Zorgoverleg familie {family}",
        held_on=today + datetime.timedelta(days=3),
        coordinator=coordinator,
    )
    meeting.children.set(children)
    meeting.participants.add(mentor)
    guest_user = User.objects.create(
        school=school,
        # Beside the demo logins' own prefix, so several demo schools can share a database.
        username=coordinator.user.username.removesuffix(CARE_COORDINATOR) + "gast.leerplicht",
        first_name="Esther",
        last_name="Mulder",
        email="e.mulder@leerplicht.example",
    )
    guest_user.set_unusable_password()
    guest_user.save(update_fields=["password"])
    CareGuest.objects.create(
        meeting=meeting,
        user=guest_user,
        organisation=CareGuest.Organisation.ATTENDANCE,
        expires_at=now + datetime.timedelta(days=30),
        invited_by=coordinator.user,
    )
    for child in children:
        young = consent_giver_for(child, today) == CareConsent.GivenBy.YOUNG_PERSON
        CareConsent.objects.create(
            meeting=meeting,
            student=child,
            given_by=CareConsent.GivenBy.YOUNG_PERSON if young else CareConsent.GivenBy.GUARDIAN,
            given_by_name=child.full_name if young else f"ouder van {child.first_name}",
            given_on=today - datetime.timedelta(days=1),
            recorded_by=coordinator.user,
        )
    CareEntry.objects.bulk_create(
        CareEntry(
            meeting=meeting,
            student=children[index],
            kind=kind,
            mood=mood,
            text=text,
            owner=owner,
            due_on=today + datetime.timedelta(weeks=4) if kind == CareEntry.Kind.NEXT else None,
            updated_by=coordinator.user,
        )
        for index, kind, mood, text, owner in CARE_ENTRIES
        if index < len(children)
    )
    return meeting


def _progress_cards(rng, mentor_class, mentor_user, now) -> int:
    """A card per student of the mentor's class: most fine, a few notable, some stale, some changed this week."""
    students = list(Student.objects.filter(class_group=mentor_class, is_active=True).order_by("pk"))
    cards = []
    for index, student in enumerate(students):
        days_ago = rng.choice((1, 2, 3, 5, 6)) if index % 5 else rng.choice((9, 12, 15))  # every fifth card is stale
        cards.append(
            ProgressCard(
                student=student,
                internship_placed=index % 7 != 3,
                tests_behind=(2 if index % 6 == 1 else 0) + (1 if index % 11 == 4 else 0),
                attendance_concern=index % 9 == 2,
                notable=NOTABLE_NOTES[index // 10 % len(NOTABLE_NOTES)] if index % 10 == 5 else "",
                updated_by=mentor_user,
                updated_at=now - datetime.timedelta(days=days_ago),
            )
        )
    cards = ProgressCard.objects.bulk_create(cards)
    changes = [
        ProgressCardChange(
            card=card, changed_by=mentor_user, before={"tests_behind": 0}, after={"tests_behind": card.tests_behind}
        )
        for card in cards
        if card.tests_behind and now - card.updated_at < datetime.timedelta(days=7)
    ]
    changed = ProgressCardChange.objects.bulk_create(changes)
    # changed_at is auto_now_add: put each change on its card's day.
    for change in changed:
        ProgressCardChange.objects.filter(pk=change.pk).update(changed_at=change.card.updated_at)
    return len(cards)
