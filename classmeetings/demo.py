"""The open class meeting in the demo school (seed_demo, make run).

Registered with school.demo's extension hook (ClassmeetingsConfig.ready), after the
mentoring and boards data exist. All of it in 4H1, the class of `mentor` and `leerling`:

- The class representative ("klasleider"): the first generated student of 4H1 after Lina,
  with the demo login `klasleider` when school.demo lists it (it then carries the login).
- An earlier open meeting, about five weeks ago, closed: four students discussed, each item
  with points to the balance (some noted by the klasleider), notes and a decision with tips
  and agreements; Lina has three agreements, most of them still open.
- The next meeting, a few days ahead, being prepared: every student invited and discussed,
  `docent` invited as extra teacher, two students have said they cannot come, Lina has
  handed in her input and the klasleider has a draft. One of last time's agreements is
  checked already; the others wait for the mentor on the "last time's agreements" step.
- Lina has chosen `docent` (Rakesh Ramsaran) as her personal coach.

Everything goes through the services (they hold the rules); the earlier meeting is then
dated back to when it was held, as the services stamp the time they run. Deterministic:
students are chosen by their order in the class, not by chance.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from mentoring.models import Agreement
from mentoring.services.talks import school_timezone
from school.demo import MENTOR, STUDENT, TEACHER, DemoSchool
from school.models import ClassGroup, Staff, Student, User

from .models import (
    ClassRepresentative,
    ItemDecision,
    ItemPoint,
    MeetingItem,
    OpenClassMeeting,
    PersonalCoach,
    PreparedInput,
)
from .services import meeting_mode, people, preparation

MENTOR_CLASS = "4H1"
CLASS_REPRESENTATIVE = "klasleider"  # the demo login of the class representative (school.demo's list)
EARLIER_WEEKS_AGO = 5
NEXT_IN_DAYS = 4
MEETING_TIME = datetime.time(13, 30)
LOCATION = "Lokaal 2.14"

# Lina's input for the next meeting (handed in), and the klasleider's draft.
LINA_INPUT = {
    "went_well": "Geschiedenis en Engels gaan goed: ik maak nu samenvattingen per hoofdstuk en leer die op tijd.",
    "went_less_well": "Wiskunde A blijft lastig. Bij de laatste toets had ik te weinig geoefend met de opgaven.",
    "feeling_in_class": "Ik voel me goed in de klas. Sinds het klassenuitje praat ik met meer mensen.",
    "hard_subjects": "Wiskunde A en een beetje economie (de grafieken).",
    "help_needed": "Iemand die na de les uitlegt hoe je de opgaven aanpakt, misschien een maatje uit 5 havo.",
    "last_agreements": (
        "Mijn huiswerk plan ik nu elke zondag; dat lukt meestal. "
        "Naar het steunuur wiskunde ben ik twee keer geweest, nog niet elke week."
    ),
}
REPRESENTATIVE_DRAFT = {
    "went_well": "Als klasleider heb ik de planning van de bespreking met de mentor gemaakt.",
    "went_less_well": "",
}
EARLIER_INPUT = {
    "went_well": "Engels gaat goed, ik haal voldoendes.",
    "went_less_well": "Ik vergeet vaak mijn huiswerk en wiskunde gaat slecht.",
    "feeling_in_class": "Goed, maar ik ken nog niet iedereen.",
    "hard_subjects": "Wiskunde A.",
    "help_needed": "Een planning maken.",
    "last_agreements": "",
}

# The earlier meeting, per discussed student in programme order (Lina first):
# (points as (kind, text, noted by the klasleider?), notes, tips, agreements as (text, owner, days after)).
POSITIVE, NEGATIVE = ItemPoint.Kind.POSITIVE, ItemPoint.Kind.NEGATIVE
EARLIER_ITEMS = (
    (
        (
            (POSITIVE, "Werkt goed samen in groepsopdrachten.", True),
            (POSITIVE, "Engels en geschiedenis op koers.", False),
            (NEGATIVE, "Huiswerk vaak niet af.", False),
            (NEGATIVE, "Wiskunde A: twee onvoldoendes.", False),
        ),
        "Lina vertelt zelf dat plannen het probleem is, niet de stof. Klasgenoten herkennen dat ze in de les "
        "goed meedoet. Mevrouw De Vries stelt het steunuur wiskunde voor.",
        "Schrijf je huiswerk meteen in je agenda, niet pas thuis. Vraag in de les om uitleg als je vastloopt.",
        (
            ("Ik plan elke zondag mijn huiswerk voor de hele week.", Agreement.Owner.STUDENT, 14),
            ("Ik ga elke week naar het steunuur wiskunde.", Agreement.Owner.STUDENT, 28),
            ("De mentor bespreekt over twee weken de planning met Lina.", Agreement.Owner.MENTOR, 14),
        ),
    ),
    (
        (
            (POSITIVE, "Neemt als klasleider verantwoordelijkheid.", False),
            (POSITIVE, "Helpt klasgenoten bij economie.", True),
            (NEGATIVE, "Vaak te laat bij het eerste uur.", False),
        ),
        "Te laat komen komt door de bus; hij neemt voortaan een eerdere.",
        "Zet een tweede wekker.",
        (("Ik neem de bus van 7.40 uur.", Agreement.Owner.STUDENT, 21),),
    ),
    (
        (
            (POSITIVE, "Sterke presentatie bij Nederlands.", True),
            (NEGATIVE, "Stil in de klas, vraagt weinig.", False),
        ),
        "Wil graag meer zeggen, maar vindt het spannend.",
        "Stel in elke les minstens één vraag; begin bij het vak waar je je het zekerst voelt.",
        (("De docent Engels geeft een vaste beurt aan het begin van de les.", Agreement.Owner.TEACHER, 21),),
    ),
    (
        ((POSITIVE, "Alles op koers, ook de profielvakken.", False),),
        "Geen zorgen; hij wil graag bijles geven aan klasgenoten.",
        "Blijf zo doorgaan, en bied je hulp aan bij wiskunde.",
        (),
    ),
)


def demo_classmeetings_create(demo_school: DemoSchool, seed: int) -> str | None:
    """4H1's klasleider, an earlier closed meeting, the next one being prepared, and Lina's coach."""
    logins = demo_school.logins
    if not {MENTOR, STUDENT, TEACHER} <= set(logins):
        return None
    school = demo_school.school
    mentor = logins[MENTOR]
    teacher = Staff.objects.get(user=logins[TEACHER])
    lina_user = logins[STUDENT]
    class_group = ClassGroup.objects.filter(school=school, name=MENTOR_CLASS).first()
    if class_group is None:
        return None
    students = list(
        Student.objects.filter(class_group=class_group, is_active=True).select_related("user").order_by("pk")
    )
    lina = next((student for student in students if student.user_id == lina_user.pk), None)
    if lina is None or len(students) < 2:
        return None
    representative = _representative(logins, students, lina)
    others = [student for student in students if student.pk not in (lina.pk, representative.pk)]

    tz = school_timezone(school)
    today = timezone.localdate(timezone=tz)
    now = timezone.now()
    people.representative_set(class_group=class_group, student=representative, actor=mentor)
    ClassRepresentative.objects.filter(class_group=class_group).update(
        appointed_at=now - datetime.timedelta(weeks=EARLIER_WEEKS_AGO + 3)
    )
    people.coach_choose(student=lina, coach=teacher, actor=lina_user)
    PersonalCoach.objects.filter(student=lina, ended_at__isnull=True).update(
        chosen_at=now - datetime.timedelta(weeks=3)
    )

    earlier_day = today - datetime.timedelta(weeks=EARLIER_WEEKS_AGO)
    discussed = [lina, representative, *others][: len(EARLIER_ITEMS)]
    earlier = _earlier_meeting(
        class_group, mentor, representative.user, lina_user, teacher, discussed, earlier_day, tz
    )
    upcoming = _next_meeting(
        class_group,
        mentor,
        representative.user,
        lina_user,
        teacher,
        others,
        today + datetime.timedelta(NEXT_IN_DAYS),
        tz,
    )
    open_count = Agreement.objects.filter(class_item__meeting=earlier, status=Agreement.Status.OPEN).count()
    excused = upcoming.students.filter(excused=True).count()
    return (
        f"Open class meetings: {MENTOR_CLASS} with klasleider {representative.full_name}, "
        f"a closed meeting {EARLIER_WEEKS_AGO} weeks ago ({earlier.items.count()} students discussed, "
        f"{open_count} agreements still to check) and the next on {upcoming.starts_at:%d-%m} being prepared "
        f"({excused} excused); Lina's personal coach is {teacher.user.get_full_name()}"
    )


def _representative(logins: dict[str, User], students: list[Student], lina: Student) -> Student:
    """The student with the `klasleider` login, or else the first other student of the class (the same one)."""
    login = logins.get(CLASS_REPRESENTATIVE)
    if login is not None:
        found = next((student for student in students if student.user_id == login.pk), None)
        if found is not None:
            return found
    return next(student for student in students if student.pk != lina.pk)


def _at(day: datetime.date, tz: datetime.tzinfo, time: datetime.time = MEETING_TIME) -> datetime.datetime:
    return datetime.datetime.combine(day, time, tzinfo=tz)


def _earlier_meeting(
    class_group, mentor, representative_user, lina_user, teacher, discussed, day, tz
) -> OpenClassMeeting:
    """Held and closed through the services today, then dated back to `day`."""
    starts_at = _at(day, tz)
    minutes = 6
    meeting = preparation.meeting_create(
        class_group=class_group,
        actor=mentor,
        starts_at=starts_at,
        minutes_per_student=minutes,
        discuss_all=False,
        discussed_student_ids=[student.pk for student in discussed],
        extra_teacher_ids=[teacher.pk],
        location=LOCATION,
    )
    preparation.meeting_programme_set(
        meeting=meeting,
        actor=mentor,
        starts_at=starts_at,
        minutes_per_student=minutes,
        discuss_all=False,
        discussed_student_ids=[student.pk for student in discussed],
        extra_teacher_ids=[teacher.pk],
        order=[student.pk for student in discussed],
        location=LOCATION,
    )
    lina_input = preparation.prepared_input_save(meeting=meeting, actor=lina_user, values=EARLIER_INPUT, version=1)
    preparation.prepared_input_submit(meeting=meeting, actor=lina_user)
    meeting_mode.meeting_start(meeting=meeting, actor=mentor)

    items = list(meeting.items.order_by("position"))
    started = starts_at + datetime.timedelta(minutes=2)
    moment = started
    for item, (points, notes, tips, agreements) in zip(items, EARLIER_ITEMS, strict=False):
        # The klasleider opens and closes the items and notes some points; the mentor keeps the minutes.
        meeting_mode.item_open(item=item, actor=representative_user)
        for kind, text, by_representative in points:
            meeting_mode.point_note(
                item=item, actor=representative_user if by_representative else mentor, kind=kind, text=text
            )
        meeting_mode.item_notes_save(item=item, actor=mentor, notes=notes)
        meeting_mode.decision_record(
            item=item,
            actor=mentor,
            tips=tips,
            agreements=[
                {
                    "text": text,
                    "owner": owner,
                    # Due after today for the service; dated back below with the rest.
                    "due_on": timezone.localdate() + datetime.timedelta(days=1),
                    "owner_staff_id": teacher.pk if owner == Agreement.Owner.TEACHER else None,
                }
                for text, owner, _days in agreements
            ],
        )
        meeting_mode.item_close(item=item, actor=representative_user)
        # Dated back: the item took its planned minutes, one after the other.
        opened, closed = moment, moment + datetime.timedelta(minutes=item.planned_minutes)
        MeetingItem.objects.filter(pk=item.pk).update(opened_at=opened, closed_at=closed)
        ItemPoint.objects.filter(item=item).update(noted_at=opened + datetime.timedelta(minutes=2))
        ItemDecision.objects.filter(item=item).update(decided_at=closed - datetime.timedelta(minutes=1))
        for text, _owner, days in agreements:
            Agreement.objects.filter(class_item=item, text=text).update(
                created_at=closed, due_on=day + datetime.timedelta(days=days)
            )
        moment = closed
    meeting_mode.meeting_close(meeting=meeting, actor=mentor)
    OpenClassMeeting.objects.filter(pk=meeting.pk).update(
        created_at=starts_at - datetime.timedelta(weeks=2),
        agreements_checked_at=started,
        started_at=started,
        closed_at=moment + datetime.timedelta(minutes=3),
    )
    PreparedInput.objects.filter(pk=lina_input.pk).update(
        submitted_at=starts_at - datetime.timedelta(days=2), updated_at=starts_at - datetime.timedelta(days=2)
    )
    meeting.refresh_from_db()
    return meeting


def _next_meeting(class_group, mentor, representative_user, lina_user, teacher, others, day, tz) -> OpenClassMeeting:
    """Being prepared: everyone invited and discussed, two excused, inputs coming in, last time's check begun."""
    meeting = preparation.meeting_create(
        class_group=class_group,
        actor=representative_user,  # the klasleider drew it up with the mentor
        starts_at=_at(day, tz),
        minutes_per_student=3,
        discuss_all=True,
        extra_teacher_ids=[teacher.pk],
        location=LOCATION,
    )
    for student in others[-2:]:  # the last two of the class: not Lina, not the klasleider
        preparation.meeting_excuse(meeting=meeting, actor=student.user)
    preparation.prepared_input_save(meeting=meeting, actor=lina_user, values=LINA_INPUT, version=1)
    preparation.prepared_input_submit(meeting=meeting, actor=lina_user)
    preparation.prepared_input_save(meeting=meeting, actor=representative_user, values=REPRESENTATIVE_DRAFT, version=1)
    # One of last time's agreements is checked already (the teacher's, met); the student's wait for the meeting.
    first_checked = (
        preparation.open_previous_agreements(meeting).filter(owner=Agreement.Owner.TEACHER).order_by("pk").first()
    )
    if first_checked is not None:
        preparation.previous_agreements_check(
            meeting=meeting, actor=mentor, statuses={first_checked.pk: Agreement.Status.MET}
        )
    return meeting
