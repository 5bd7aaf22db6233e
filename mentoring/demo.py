"""The speed-date and the department meeting in the demo school (seed_demo, make run).

Registered with school.demo's extension hook (MentoringConfig.ready), after the
review rounds exist (reviews registers first: INSTALLED_APPS order):

- In the current round (entry phase, lights coming in) the demo `mentor` of 4H1
  has read most of the class: verdicts for about two thirds of the students,
  questions to subject teachers (some answered, some still open, one for the demo
  `docent`), and two escalations. Every other mentor of the upper school has
  begun too. Of the escalations the havo team leader accepted some onto the
  department meeting's agenda (8 December), one still waits; the vwo department
  has its own. About five students of two hundred are escalated, as the
  reference school reports.
- Last year's closed round had its department meetings: decisions with their
  rationale and evidence, and agreements, some met, so student pages have history.

Deterministic by the seed; rows are written directly (no e-mails are sent for demo data).
"""

from __future__ import annotations

import datetime
import random
from collections import defaultdict

from django.db.models import Count, Q
from django.utils import timezone

from reviews.demo import CURRENT_NAME, VWO_NAME
from reviews.models import Entry, Phase, ReviewCycle
from reviews.policies import cycle_students
from school.demo import MENTOR, STUDENT_VWO, TEACHER, TEAM_LEADER_HAVO, DemoSchool
from school.models import ClassGroup, Department, Guardian, Staff, TeachingGroup

from .models import (
    AgendaItem,
    Agreement,
    Category,
    Decision,
    DepartmentMeeting,
    Escalation,
    Goal,
    MentorReview,
    MentorTalk,
    Publication,
    Question,
    Reflection,
    TalkSlot,
)
from .selectors.evidence import student_evidence

QUESTIONS = (
    "Is het oranje vooral de laatste toets, of gaat het al de hele periode zo?",
    "Maakt ze haar huiswerk niet, of snapt ze de stof niet?",
    "Kun je iets meer zeggen over wat 'actiever in de les' voor hem betekent?",
    "Zie je hetzelfde als bij de andere talen: woordjes niet geleerd?",
    "Heeft hij het steunuur al geprobeerd?",
)
ANSWERS = (
    "Vooral de laatste toets; de so's gingen redelijk. Hij had de stof van hoofdstuk 4 niet geleerd.",
    "Ze snapt het wel in de les, maar oefent thuis niet. Huiswerk is drie keer niet gemaakt.",
    "Hij zit achterin en kijkt vaak naar zijn telefoon. Voorin zitten helpt waarschijnlijk al.",
)
ESCALATIONS = (
    (
        Category.PROMOTION,
        "Kan deze leerling beter overstappen naar een ander niveau? Bij de meeste vakken rood, ook bij talen.",
        "Na periode 2 opnieuw bekijken; nu een gesprek met ouders over de keuze.",
        "Ik wil het nog één periode proberen, met bijles wiskunde.",
    ),
    (
        Category.CARE,
        "De resultaten zakken bij bijna alle vakken tegelijk; thuis speelt er iets. Is zorg nodig?",
        "Aanmelden bij de zorgcoördinator voor een gesprek.",
        "",
    ),
    (
        Category.REPEATING,
        "Haalt deze leerling volgend jaar, of is doubleren verstandiger?",
        "Nog niet beslissen; extra begeleiding bij wiskunde en economie.",
        "Ik wil niet blijven zitten; ik ga naar het steunuur.",
    ),
)


def demo_mentoring_create(demo_school: DemoSchool, seed: int) -> str | None:
    rng = random.Random(seed * 104729 + 11)  # noqa: S311 - demo data, not security
    school = demo_school.school
    current = ReviewCycle.objects.filter(school=school, name=CURRENT_NAME).first()
    vwo = ReviewCycle.objects.filter(school=school, name=VWO_NAME).first()
    previous = ReviewCycle.objects.filter(school=school, phase=Phase.CLOSED).order_by("-entry_deadline").first()
    if current is None:
        return None
    now = timezone.now()
    mentor_user = demo_school.logins.get(MENTOR)
    docent_staff = Staff.objects.filter(user=demo_school.logins.get(TEACHER)).first()

    # Red and orange counts per student in the current round: whom mentors ask about and escalate.
    concern = {
        row["student_id"]: (row["red"], row["orange"])
        for row in Entry.objects.filter(cycle=current)
        .values("student_id")
        .annotate(red=Count("pk", filter=Q(light="red")), orange=Count("pk", filter=Q(light="orange")))
    }
    classes = list(
        ClassGroup.objects.filter(school=school, department__in=current.departments.all())
        .prefetch_related("mentors__user", "students")
        .select_related("department")
        .order_by("name")
    )
    reviews, questions = [], []
    escalate: list[tuple] = []  # (class_group, student, mentor user)
    for class_group in classes:
        mentor = next(iter(class_group.mentors.all()), None)
        if mentor is None:
            continue
        students = sorted((s for s in class_group.students.all() if s.is_active), key=lambda s: s.number)
        is_demo_class = mentor.user == mentor_user
        share = 0.65 if is_demo_class else rng.uniform(0.2, 0.6)
        for student in students[: round(share * len(students))]:
            red, orange = concern.get(student.pk, (0, 0))
            verdict = (
                MentorReview.Verdict.NEEDS_ATTENTION if red >= 2 or red + orange >= 3 else MentorReview.Verdict.CLEAR
            )
            reviews.append(MentorReview(cycle=current, student=student, verdict=verdict, reviewed_by=mentor.user))
        worst = sorted(
            students, key=lambda s: (-concern.get(s.pk, (0, 0))[0], -concern.get(s.pk, (0, 0))[1], s.number)
        )
        if worst and concern.get(worst[0].pk, (0, 0))[0] >= 2 and (is_demo_class or rng.random() < 0.4):
            escalate.append((class_group, worst[0], mentor.user))
        if is_demo_class and len(worst) > 1 and concern.get(worst[1].pk, (0, 0))[0] >= 1:
            escalate.append((class_group, worst[1], mentor.user))
        questions += _questions(rng, current, students, mentor.user, docent_staff, many=is_demo_class)
    MentorReview.objects.bulk_create(reviews)
    Question.objects.bulk_create(questions)

    escalations = []
    for index, (class_group, student, raised_by) in enumerate(escalate):
        category, question, proposal, view = ESCALATIONS[index % len(ESCALATIONS)]
        escalations.append(
            Escalation(
                cycle=current,
                student=student,
                department=class_group.department,
                category=category,
                question=question,
                proposal=proposal,
                student_view=view,
                evidence=student_evidence(cycle=current, student=student).as_snapshot(student_view=view),
                raised_by=raised_by,
            )
        )
    Escalation.objects.bulk_create(escalations)
    agenda = _meetings(current, escalations, demo_school, now)
    decided = _last_years_decisions(previous, current, demo_school, now) if previous else 0
    if previous is not None:
        # Last year's feedback went out to students and parents long ago.
        Publication.objects.bulk_create(
            Publication(cycle=previous, department=department) for department in previous.departments.all()
        )
    talks = _vwo_round(rng, vwo, demo_school, now) if vwo else ""
    return (
        f"Speed-date (havo): {len(reviews)} students marked by their mentors, {len(questions)} questions to "
        f"teachers, {len(escalations)} escalations ({agenda} on the department meeting's agenda); "
        f"{decided} decisions from last year's meetings. {talks}"
    ).strip()


def _questions(rng, cycle, students, mentor_user, docent_staff, *, many: bool) -> list[Question]:
    """A few questions from one mentor about orange and red lights, addressed to whoever entered them."""
    entries = list(
        Entry.objects.filter(cycle=cycle, student__in=students, light__in=["orange", "red"])
        .select_related("updated_by__staff", "teaching_group")
        .order_by("student__number", "teaching_group__name")
    )
    entries = [entry for entry in entries if entry.updated_by_id and hasattr(entry.updated_by, "staff")]
    if not entries:
        return []
    # The demo teacher gets one open question from the demo mentor, so their inbox is not empty.
    chosen = [entry for entry in entries if many and docent_staff and entry.updated_by.staff == docent_staff][:1]
    rest = [entry for entry in entries if entry not in chosen]
    chosen += rng.sample(rest, min(len(rest), 4 if many else rng.randint(0, 2)))
    result = []
    for index, entry in enumerate(chosen):
        answered = index > 0 and index % 2 == 1  # the docent's stays open; every other one is answered
        question = Question(
            cycle=cycle,
            student=entry.student,
            teaching_group=entry.teaching_group,
            addressed_to=entry.updated_by.staff,
            asked_by=mentor_user,
            text=QUESTIONS[(index + rng.randint(0, 4)) % len(QUESTIONS)],
        )
        if answered:
            question.status = Question.Status.ANSWERED
            question.answer = ANSWERS[index % len(ANSWERS)]
            question.answered_by = entry.updated_by
            question.answered_at = timezone.now()
        result.append(question)
    return result


def _meetings(cycle, escalations, demo_school: DemoSchool, now) -> int:
    """The havo team leader accepted all but the last of their department's escalations; vwo accepted all."""
    meeting_day = cycle.meeting_on or cycle.entry_deadline + datetime.timedelta(days=10)
    starts_at = timezone.make_aware(datetime.datetime.combine(meeting_day, datetime.time(15, 30)))
    leader_havo = demo_school.logins.get(TEAM_LEADER_HAVO)
    by_department: dict[int, list[Escalation]] = defaultdict(list)
    for escalation in escalations:
        by_department[escalation.department_id].append(escalation)
    on_agenda = 0
    for department in Department.objects.filter(pk__in=by_department).prefetch_related("team_leaders__user"):
        items = by_department[department.pk]
        leader = next(iter(department.team_leaders.all()), None)
        keep_waiting = items[-1:] if leader and leader.user == leader_havo and len(items) > 1 else []
        meeting = DepartmentMeeting.objects.create(
            cycle=cycle, department=department, starts_at=starts_at, location="Teamkamer 1.12"
        )
        teachers = Staff.objects.filter(
            teaching_groups__students__class_group__department=department, is_active=True
        ).distinct()
        meeting.attendees.set(teachers[:8])
        for position, escalation in enumerate((item for item in items if item not in keep_waiting), start=1):
            Escalation.objects.filter(pk=escalation.pk).update(
                status=Escalation.Status.ACCEPTED, handled_by=leader.user if leader else None, handled_at=now
            )
            AgendaItem.objects.create(
                meeting=meeting, escalation=escalation, position=position, timebox_minutes=15 if position == 1 else 10
            )
            on_agenda += 1
    return on_agenda


def _last_years_decisions(previous, current, demo_school: DemoSchool, now) -> int:
    """Last year's meetings: two students of today's 4H1 were discussed, with decisions and agreements."""
    class_group = (
        ClassGroup.objects.filter(school=demo_school.school, mentors__user=demo_school.logins.get(MENTOR))
        .select_related("department")
        .first()
    )
    if class_group is None:
        return 0
    candidates = list(
        class_group.students.filter(is_active=True, entries__cycle=previous, entries__light="red")
        .annotate(red=Count("entries"))
        .order_by("-red", "number")[:2]
    )
    if not candidates:
        return 0
    leader = class_group.department.team_leaders.select_related("user").first()
    meeting = DepartmentMeeting.objects.create(
        cycle=previous,
        department=class_group.department,
        status=DepartmentMeeting.Status.FINISHED,
        starts_at=timezone.make_aware(datetime.datetime.combine(previous.meeting_on, datetime.time(15, 30))),
        started_at=now,
        finished_at=now,
    )
    teachers = list(TeachingGroup.objects.filter(students__in=candidates).values_list("teachers", flat=True))
    meeting.attendees.set({pk for pk in teachers if pk})
    for position, student in enumerate(candidates, start=1):
        escalation = Escalation.objects.create(
            cycle=previous,
            student=student,
            department=class_group.department,
            category=Category.PROMOTION,
            question="Kan deze leerling over naar havo 4, of is een ander profiel verstandiger?",
            proposal="Over naar havo 4, met een plan voor wiskunde.",
            evidence=student_evidence(cycle=previous, student=student).as_snapshot(),
            status=Escalation.Status.DECIDED,
            raised_by=demo_school.logins.get(MENTOR),
            handled_by=leader.user if leader else None,
            handled_at=now,
        )
        item = AgendaItem.objects.create(
            meeting=meeting,
            escalation=escalation,
            position=position,
            status=AgendaItem.Status.DECIDED,
            notes="Docenten zien inzet in de les; de resultaten blijven achter bij wiskunde.",
            opened_at=now,
            votes_revealed_at=now,
            closed_at=now,
        )
        decision = Decision.objects.create(
            item=item,
            student=student,
            text="Over naar havo 4 met een plan voor wiskunde; na periode 1 evalueren.",
            rationale="Vijf van de zes docenten zien het havoniveau; alleen wiskunde blijft achter.",
            evidence=escalation.evidence,
            votes={"agree": 5, "disagree": 1, "abstain": 0},
            decided_by=leader.user if leader else None,
        )
        Agreement.objects.bulk_create(
            [
                Agreement(
                    student=student,
                    decision=decision,
                    text="Elke dinsdag naar het steunuur wiskunde.",
                    owner=Agreement.Owner.STUDENT,
                    due_on=current.entry_deadline,
                    status=Agreement.Status.MET if position > 1 else Agreement.Status.OPEN,
                ),
                Agreement(
                    student=student,
                    decision=decision,
                    text="Na periode 1 de voortgang bij wiskunde met leerling en ouders bespreken.",
                    owner=Agreement.Owner.MENTOR,
                    owner_staff=class_group.mentors.first(),
                    due_on=current.talks_until or current.entry_deadline,
                ),
            ]
        )
    return len(candidates)


# --- the vwo round: steps 2 and 3 done, step 4 (the student's voice and the mentor talks) under way ----------

REFLECTIONS = (
    (
        "Geschiedenis en Engels gingen goed: ik maakte na elke les een samenvatting.",
        "Wiskunde ging minder goed; ik begon te laat met leren voor de toets.",
        "Ik voel me op mijn gemak in de klas.",
        "Wiskunde en natuurkunde.",
        "Uitleg bij de formules, en hulp met plannen.",
        "Vorige keer spraken we af dat ik naar het steunuur zou gaan; dat deed ik twee keer.",
    ),
    (
        "Nederlands ging goed, ik heb veel gelezen.",
        "Scheikunde, omdat ik de opgaven niet oefende.",
        "Goed, ik heb een paar vrienden in de klas.",
        "Scheikunde.",
        "Dat de docent mijn huiswerk af en toe nakijkt.",
        "",
    ),
)
GOALS = (
    (
        "Een voldoende voor wiskunde",
        "Elke dag twintig minuten oefenen met de opgaven",
        "De volgende toets is een 6 of hoger",
    ),
    ("Beter plannen", "Elke zondag mijn week in mijn agenda zetten", "Ik lever alles op tijd in"),
    ("Vaker vragen stellen", "In elke les één vraag stellen als ik iets niet snap", "Mijn mentor ziet het in de les"),
)


def _vwo_round(rng: random.Random, cycle: ReviewCycle, demo_school: DemoSchool, now) -> str:
    """vwo is three weeks ahead: every student marked, the meeting decided, feedback published to students
    and parents, most reflections written, talk slots offered and many booked. `leerling.vwo` (Adam, 5V1)
    has a draft to finish; his mother `ouder` can still choose a slot."""
    department = cycle.departments.get()
    students = list(cycle_students(cycle).select_related("class_group").order_by("class_group__name", "number"))
    adam = getattr(demo_school.logins.get(STUDENT_VWO), "student", None)
    concern = {
        row["student_id"]: row["red"]
        for row in Entry.objects.filter(cycle=cycle)
        .values("student_id")
        .annotate(red=Count("pk", filter=Q(light="red")))
    }
    mentors = {
        class_group.pk: next(iter(class_group.mentors.all()), None)
        for class_group in ClassGroup.objects.filter(department=department).prefetch_related("mentors__user")
    }
    MentorReview.objects.bulk_create(
        MentorReview(
            cycle=cycle,
            student=student,
            verdict=MentorReview.Verdict.NEEDS_ATTENTION
            if concern.get(student.pk, 0) >= 2
            else MentorReview.Verdict.CLEAR,
            reviewed_by=getattr(mentors.get(student.class_group_id), "user", None),
        )
        for student in students
    )
    leader = department.team_leaders.select_related("user").first()
    leader_user = leader.user if leader else None
    meeting = DepartmentMeeting.objects.create(
        cycle=cycle,
        department=department,
        status=DepartmentMeeting.Status.FINISHED,
        starts_at=timezone.make_aware(datetime.datetime.combine(cycle.meeting_on, datetime.time(15, 30))),
        location="Teamkamer 2.03",
        started_at=now,
        finished_at=now,
    )
    worst = sorted(students, key=lambda s: (-concern.get(s.pk, 0), s.number))[:2]
    for position, student in enumerate(worst, start=1):
        mentor = mentors.get(student.class_group_id)
        evidence = student_evidence(cycle=cycle, student=student).as_snapshot()
        escalation = Escalation.objects.create(
            cycle=cycle,
            student=student,
            department=department,
            category=Category.CARE if position == 1 else Category.PROMOTION,
            question=ESCALATIONS[1][1] if position == 1 else ESCALATIONS[0][1],
            proposal=ESCALATIONS[1][2] if position == 1 else ESCALATIONS[0][2],
            evidence=evidence,
            status=Escalation.Status.DECIDED,
            raised_by=mentor.user if mentor else None,
            handled_by=leader_user,
            handled_at=now,
        )
        item = AgendaItem.objects.create(
            meeting=meeting,
            escalation=escalation,
            position=position,
            status=AgendaItem.Status.DECIDED,
            opened_at=now,
            closed_at=now,
        )
        decision = Decision.objects.create(
            item=item,
            student=student,
            text="Aanmelden bij de zorgcoördinator; de mentor bespreekt het in het mentorgesprek met ouders."
            if position == 1
            else "Blijft in vwo 5; na periode 2 opnieuw bekijken met een plan voor wiskunde.",
            rationale="" if position == 1 else "De meeste docenten zien het vwo-niveau; wiskunde blijft achter.",
            evidence=evidence,
            decided_by=leader_user,
        )
        Agreement.objects.create(
            student=student,
            decision=decision,
            text="Een gesprek met leerling en ouders over de ondersteuning.",
            owner=Agreement.Owner.MENTOR,
            owner_staff=mentor,
            due_on=cycle.talks_until,
        )
    Publication.objects.create(cycle=cycle, department=department, published_by=leader_user)

    reflections = 0
    for index, student in enumerate(students):
        if student == adam:
            draft = Reflection.objects.create(cycle=cycle, student=student, went_well=REFLECTIONS[0][0])
            Goal.objects.create(reflection=draft, position=1, goal=GOALS[0][0])
            reflections += 1
            continue
        draw = rng.random()
        if draw < 0.2:
            continue  # not started yet
        texts = REFLECTIONS[index % len(REFLECTIONS)]
        submitted = draw >= 0.35
        reflection = Reflection.objects.create(
            cycle=cycle,
            student=student,
            went_well=texts[0],
            went_less_well=texts[1],
            feeling_in_class=texts[2],
            hard_subjects=texts[3],
            help_needed=texts[4],
            last_agreements=texts[5],
            status=Reflection.Status.SUBMITTED if submitted else Reflection.Status.DRAFT,
            submitted_at=now if submitted else None,
        )
        Goal.objects.bulk_create(
            Goal(reflection=reflection, position=position, goal=goal, action=action, measure=measure)
            for position, (goal, action, measure) in enumerate(
                GOALS[index % 2 : index % 2 + rng.randint(1, 2)], start=1
            )
        )
        reflections += 1
    booked = _talk_slots(rng, cycle, students, mentors, adam, now)
    return (
        f"vwo at the mentor talks: meeting decided {len(worst)} escalations, feedback published, "
        f"{reflections} reflections begun, {booked} talks booked."
    )


def _talk_slots(rng: random.Random, cycle: ReviewCycle, students, mentors, adam, now) -> int:
    """Each vwo mentor offers fifteen-minute slots on three afternoons; guardians booked about half."""
    guardians = {
        student_id: user_id
        for user_id, student_id in Guardian.objects.filter(students__in=students, user__isnull=False)
        .order_by("pk")
        .values_list("user_id", "students")
    }
    by_class: dict[int, list] = defaultdict(list)
    for student in students:
        by_class[student.class_group_id].append(student)
    booked = 0
    for class_id, class_students in by_class.items():
        mentor = mentors.get(class_id)
        if mentor is None:
            continue
        slots = []
        for day in range(3):
            date = cycle.talks_until - datetime.timedelta(days=4 - day)
            start = timezone.make_aware(datetime.datetime.combine(date, datetime.time(15, 30)))
            for number in range(len(class_students) // 3 + 2):
                begins = start + datetime.timedelta(minutes=15 * number)
                slots.append(
                    TalkSlot(
                        cycle=cycle,
                        mentor=mentor,
                        class_group_id=class_id,
                        starts_at=begins,
                        ends_at=begins + datetime.timedelta(minutes=15),
                        location="Lokaal 2.14",
                    )
                )
        slots = TalkSlot.objects.bulk_create(slots)
        free = iter(slots)
        for student in class_students:
            if student == adam or rng.random() >= 0.5:
                continue
            slot = next(free)
            MentorTalk.objects.create(
                cycle=cycle, student=student, slot=slot, booked_by_id=guardians.get(student.pk), booked_at=now
            )
            booked += 1
    return booked
