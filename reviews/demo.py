"""The review cycles in the demo school: havo's round in its entry phase, vwo's at the mentor talks, last year's.

Registered with school.demo's extension hook (ReviewsConfig.ready), so `seed_demo`
and `make run` show a cycle alive:

- "Leerlingbespreking periode 1" for Bovenbouw havo, in its entry phase with
  deadline 27 November 2026; about 70% of the entries complete, with grades on
  the Dutch scale (mostly 5,0 to 8,5), lights that follow the grades, and
  concrete, behaviour-specific advice. The demo `docent` has one group complete
  (4H1-en), one half done (4H2-en) and one not started (5H1-en).
- "Leerlingbespreking periode 1 vwo" for Bovenbouw vwo, three weeks ahead: every
  entry is in and the round is at its mentor talks (mentoring's demo adds the
  speed-date, the meeting, publishing, reflections and talks).
- "Leerlingbespreking periode 4 2025-2026": last school year's last round, closed,
  with a complete entry for every student and subject, so "copy last cycle's
  advice" and trends have something to work with. The roster keeps only this
  year's classes, so last year's teaching groups exist here just to hold those
  entries: same subjects and students, no teachers or enrolments of their own.

Deterministic by the seed: everything is drawn from one random.Random in a fixed
order; written with one bulk_create per table.
"""

from __future__ import annotations

import datetime
import random
import re
from dataclasses import dataclass
from decimal import Decimal

from school.demo import BOVENBOUW_HAVO, BOVENBOUW_VWO, TEACHER, TEAM_LEADER_HAVO, TEAM_LEADER_VWO, DemoSchool
from school.models import Department, Enrollment, Period, SchoolYear, Student, TeachingGroup

from .models import Entry, EntryChange, Light, Phase, ReviewCycle

CURRENT_NAME = "Leerlingbespreking periode 1"
# The vwo department ran its round a few weeks earlier: it is at the mentor talks now.
VWO_NAME = "Leerlingbespreking periode 1 vwo"
VWO_DATES = {
    "entry_deadline": datetime.date(2026, 11, 6),
    "speed_date_on": datetime.date(2026, 11, 10),
    "meeting_on": datetime.date(2026, 11, 16),
    "talks_until": datetime.date(2026, 12, 4),
}
CURRENT_DATES = {
    "entry_deadline": datetime.date(2026, 11, 27),
    "speed_date_on": datetime.date(2026, 12, 2),
    "meeting_on": datetime.date(2026, 12, 8),
    "talks_until": datetime.date(2026, 12, 18),
}
PREVIOUS_YEAR = ("2025-2026", datetime.date(2025, 8, 25), datetime.date(2026, 7, 17))
PREVIOUS_PERIODS = (
    ("Periode 1", datetime.date(2025, 8, 25), datetime.date(2025, 11, 14)),
    ("Periode 2", datetime.date(2025, 11, 17), datetime.date(2026, 2, 6)),
    ("Periode 3", datetime.date(2026, 2, 9), datetime.date(2026, 4, 24)),
    ("Periode 4", datetime.date(2026, 4, 27), datetime.date(2026, 7, 17)),
)
PREVIOUS_NAME = "Leerlingbespreking periode 4 2025-2026"
PREVIOUS_DATES = {
    "entry_deadline": datetime.date(2026, 6, 19),
    "speed_date_on": datetime.date(2026, 6, 24),
    "meeting_on": datetime.date(2026, 6, 30),
    "talks_until": datetime.date(2026, 7, 10),
}

# How far the demo `docent` has got, per group; other groups draw theirs.
TEACHER_PROGRESS = {"4H1-en": 1.0, "4H2-en": 0.5, "5H1-en": 0.0}
DONE_SHARE, STARTED_SHARE = 0.55, 0.30  # of the other groups: finished, begun (the rest not started)

# --- advice: what a student can do, not what they are --------------------------------------------

GENERAL_ADVICE = (
    "Maak elke week een oefentoets en vergelijk je antwoorden met het antwoordmodel.",
    "Plan je huiswerk elke zondag in je agenda en vink af wat je gedaan hebt.",
    "Begin een week voor de toets met leren: elke dag twintig minuten.",
    "Kom naar het steunuur op dinsdag en neem je vragen op papier mee.",
    "Zet de deadlines van je opdrachten meteen in je agenda en lever ze op tijd in.",
    "Stel in de les een vraag zodra je iets niet snapt; wacht niet tot de toets.",
)
SUBJECT_ADVICE = {
    "ne": (
        "Lees elke dag twintig minuten in een Nederlandstalig boek of in de krant.",
        "Oefen tekstverklaren met twee oude examens en bespreek je fouten met mij.",
        "Schrijf bij elke alinea in de kantlijn in een paar woorden waar hij over gaat.",
    ),
    "en": (
        "Leer elke dag tien woorden uit de woordenlijst en herhaal ze aan het eind van de week.",
        "Kijk series of het nieuws in het Engels, met Engelse ondertiteling.",
        "Lees bij leesvaardigheid eerst de vragen en zoek dan gericht in de tekst.",
    ),
    "du": (
        "Maak een schema van de naamvallen en oefen daarmee elke week tien zinnen.",
        "Leer de woordjes hardop en schrijf ze daarna één keer op zonder te spieken.",
    ),
    "fa": (
        "Oefen de werkwoordsvervoegingen elke dag vijf minuten met de oefenmodule.",
        "Lees de teksten hardop voor om je uitspraak te oefenen.",
    ),
    "wa": (
        "Vraag na de les om uitleg bij kansrekening.",
        "Maak alle opgaven met een ster en controleer ze meteen met de uitwerkingen.",
        "Schrijf bij elke opgave je tussenstappen op, dan krijg je ook deelpunten.",
    ),
    "wb": (
        "Oefen differentiëren met de extra opgaven van hoofdstuk 3 tot het lukt zonder uitwerkingen.",
        "Schrijf bij elke opgave je tussenstappen op, dan krijg je ook deelpunten.",
        "Kom op donderdag naar de wiskundebijles en neem je foute opgaven mee.",
    ),
    "gs": (
        "Maak per hoofdstuk een tijdlijn met de tien belangrijkste gebeurtenissen.",
        "Schrijf bij bronvragen eerst op wie de bron maakte en wanneer, en dan pas je antwoord.",
    ),
    "ak": (
        "Oefen het lezen van klimaatgrafieken met de opdrachten in de atlas.",
        "Maak per paragraaf een samenvatting met de vetgedrukte begrippen en een voorbeeld bij elk.",
    ),
    "ec": (
        "Oefen de rekenopgaven over vraag en aanbod tot je ze foutloos maakt.",
        "Leg elk begrip uit de begrippenlijst in je eigen woorden uit aan een klasgenoot.",
    ),
    "bi": (
        "Teken bij elk hoofdstuk zelf een schema van de processen, bijvoorbeeld de fotosynthese.",
        "Leer de begrippen met flitskaarten en overhoor jezelf twee keer per week.",
    ),
    "sk": (
        "Oefen het kloppend maken van reactievergelijkingen met de extra opgaven.",
        "Werk rekenopgaven stap voor stap uit: eerst de mol, dan de massa.",
    ),
    "na": (
        "Schrijf bij elke opgave eerst de gegeven en gevraagde grootheden op, met hun eenheid.",
        "Oefen het omschrijven van formules voordat je getallen invult.",
    ),
    "lo": (
        "Neem elke les je sportkleding mee en doe actief mee.",
        "Oefen de onderdelen van het keuzeprogramma ook buiten school.",
    ),
    "ma": (
        "Volg één keer per week het nieuws en koppel het aan de begrippen uit de les.",
        "Werk je praktische opdracht af volgens de planning in de studiewijzer.",
    ),
}
GREEN_ADVICE = (
    "Probeer bij de volgende toets ook de verdiepingsopgaven.",
    "Help een klasgenoot in het steunuur: uitleggen is de beste manier om het zelf te onthouden.",
    "Lees eens een artikel over het onderwerp van de les buiten de lesstof.",
    "Houd je planning zo vast: je werk is elke week op tijd af.",
)
GREEN_ADVICE_SHARE = 0.35


def light_for(grade: Decimal, *, dropped: bool = False) -> str:
    """The light a teacher gives for a grade: below 5,5 red, below 6,3 orange; a big drop is orange too."""
    if grade < Decimal("5.5"):
        return Light.RED
    if grade < Decimal("6.3") or dropped:
        return Light.ORANGE
    return Light.GREEN


def _grade(value: float) -> Decimal:
    return Decimal(str(round(min(max(value, 2.0), 9.7), 1)))


@dataclass
class _Group:
    pk: int
    name: str
    subject_id: int
    subject_code: str
    teachers: list[int]  # user ids, in staff-code order
    students: list[int]  # student ids, in the grid's order (last name, first name)


def demo_cycles_create(demo_school: DemoSchool, seed: int) -> str:
    rng = random.Random(seed * 7919 + 3)  # noqa: S311 - demo data, not security
    school = demo_school.school
    year = SchoolYear.objects.filter(school=school).order_by("-start_date").first()
    period = Period.objects.filter(school_year=year).order_by("start_date").first()
    departments = {d.name: d for d in Department.objects.filter(school=school)}
    groups = _groups(school_id=school.pk, school_year=year)
    docent = demo_school.logins.get(TEACHER)

    # The same student does about as well in a subject from one round to the next: a base per
    # student and subject, drawn in a fixed order, so trends make sense.
    student_ids = sorted({student for group in groups for student in group.students})
    ability = {student: rng.gauss(6.6, 0.75) for student in student_ids}
    base = {
        (student, group.subject_code): ability[student] + rng.gauss(0, 0.6)
        for group in groups
        for student in group.students
    }

    previous_year = SchoolYear.objects.create(
        school=school, name=PREVIOUS_YEAR[0], start_date=PREVIOUS_YEAR[1], end_date=PREVIOUS_YEAR[2]
    )
    previous_periods = Period.objects.bulk_create(
        Period(school=school, school_year=previous_year, name=name, start_date=start, end_date=end)
        for name, start, end in PREVIOUS_PERIODS
    )
    previous = ReviewCycle.objects.create(
        school=school,
        period=previous_periods[-1],
        name=PREVIOUS_NAME,
        phase=Phase.CLOSED,
        phase_changed_at=datetime.datetime(2026, 7, 13, 7, 0, tzinfo=datetime.UTC),
        created_by=demo_school.logins.get(TEAM_LEADER_HAVO),
        **PREVIOUS_DATES,
    )
    previous.departments.set(departments.values())
    previous_groups = TeachingGroup.objects.bulk_create(
        TeachingGroup(
            school=school, school_year=previous_year, subject_id=group.subject_id, name=_last_year(group.name)
        )
        for group in groups
    )
    last_grades: dict[tuple[int, str], Decimal] = {}
    previous_entries = []
    for group, old_group in zip(groups, previous_groups, strict=True):
        for student in group.students:
            grade = _grade(base[student, group.subject_code] + rng.gauss(0, 0.45))
            last_grades[student, group.subject_code] = grade
            light = light_for(grade)
            previous_entries.append(
                Entry(
                    cycle=previous,
                    teaching_group=old_group,
                    student_id=student,
                    grade=grade,
                    light=light,
                    advice=_advice(rng, group.subject_code, light),
                    updated_by_id=group.teachers[0] if group.teachers else None,
                )
            )
    Entry.objects.bulk_create(previous_entries, batch_size=1000)

    current = ReviewCycle.objects.create(
        school=school,
        period=period,
        name=CURRENT_NAME,
        phase=Phase.ENTRY,
        created_by=demo_school.logins.get(TEAM_LEADER_HAVO),
        **CURRENT_DATES,
    )
    current.departments.set([departments[BOVENBOUW_HAVO]])
    vwo = ReviewCycle.objects.create(
        school=school,
        period=period,
        name=VWO_NAME,
        phase=Phase.MENTOR_TALKS,
        phase_changed_at=datetime.datetime(2026, 11, 17, 7, 0, tzinfo=datetime.UTC),
        created_by=demo_school.logins.get(TEAM_LEADER_VWO),
        **VWO_DATES,
    )
    vwo.departments.set([departments[BOVENBOUW_VWO]])
    vwo_id = departments[BOVENBOUW_VWO].pk
    department_of = dict(
        Student.objects.filter(school=school, class_group__isnull=False).values_list(
            "pk", "class_group__department_id"
        )
    )
    entries = []
    for group in groups:
        if department_of.get(group.students[0]) == vwo_id:
            # vwo's round is past its entry phase: every entry is in.
            entries += _complete_entries(rng, vwo, group, base, group.teachers[0] if group.teachers else None)
            continue
        progress = TEACHER_PROGRESS.get(group.name) if docent and docent.pk in group.teachers else None
        if progress is None:
            draw = rng.random()
            progress = (
                1.0 if draw < DONE_SHARE else rng.uniform(0.3, 0.9) if draw < DONE_SHARE + STARTED_SHARE else 0.0
            )
        done = round(progress * len(group.students))
        # A teacher who has begun has usually typed in the next few grades already (or imported them).
        graded = min(len(group.students), done + (rng.randint(0, 3) if 0 < done < len(group.students) else 0))
        teacher = _who_fills(group, docent)
        for position, student in enumerate(group.students[:graded]):
            drift = rng.gauss(0, 0.4)
            grade = _grade(base[student, group.subject_code] + drift + rng.gauss(0, 0.45))
            before = last_grades[student, group.subject_code]
            if position < done:
                light = light_for(grade, dropped=before - grade >= Decimal("1.2"))
                advice = _advice(rng, group.subject_code, light)
            else:
                light, advice = "", ""
            entries.append(
                Entry(
                    cycle=current,
                    teaching_group_id=group.pk,
                    student_id=student,
                    grade=grade,
                    light=light,
                    advice=advice,
                    updated_by_id=teacher,
                )
            )
    Entry.objects.bulk_create(entries, batch_size=1000)
    # Each entry was typed in once: its history says by whom.
    EntryChange.objects.bulk_create(
        (
            EntryChange(
                entry=entry,
                changed_by_id=entry.updated_by_id,
                phase=Phase.ENTRY,
                before={"grade": "", "light": "", "advice": ""},
                after={"grade": str(entry.grade), "light": entry.light, "advice": entry.advice},
            )
            for entry in entries
        ),
        batch_size=1000,
    )
    current_entries = [entry for entry in entries if entry.cycle_id == current.pk]
    complete = sum(entry.is_complete for entry in current_entries)
    expected = sum(len(group.students) for group in groups if department_of.get(group.students[0]) != vwo_id)
    return (
        f"Review rounds: “{current.name}” (havo) in its entry phase, {complete} of {expected} entries complete; "
        f"“{vwo.name}” at the mentor talks, {len(entries) - len(current_entries)} entries; "
        f"“{previous.name}” closed, {len(previous_entries)} entries."
    )


def _complete_entries(rng: random.Random, cycle: ReviewCycle, group: _Group, base: dict, teacher: int | None):
    """Every student of a group with a grade, a light and (where the light asks for it) advice."""
    result = []
    for student in group.students:
        grade = _grade(base[student, group.subject_code] + rng.gauss(0, 0.4) + rng.gauss(0, 0.45))
        light = light_for(grade)
        result.append(
            Entry(
                cycle=cycle,
                teaching_group_id=group.pk,
                student_id=student,
                grade=grade,
                light=light,
                advice=_advice(rng, group.subject_code, light),
                updated_by_id=teacher,
            )
        )
    return result


def _groups(*, school_id: int, school_year: SchoolYear) -> list[_Group]:
    """This year's teaching groups with their teachers and students, in a fixed order (four queries)."""
    groups = {
        group.pk: _Group(group.pk, group.name, group.subject_id, group.subject.code, [], [])
        for group in TeachingGroup.objects.filter(school_id=school_id, school_year=school_year)
        .select_related("subject")
        .order_by("name")
    }
    for group_id, user_id in (
        TeachingGroup.teachers.through.objects.filter(teachinggroup_id__in=list(groups))
        .order_by("teachinggroup_id", "staff__code")
        .values_list("teachinggroup_id", "staff__user_id")
    ):
        groups[group_id].teachers.append(user_id)
    for group_id, student_id in (
        Enrollment.objects.filter(teaching_group_id__in=list(groups), student__is_active=True)
        .order_by("teaching_group_id", "student__last_name", "student__first_name", "student_id")
        .values_list("teaching_group_id", "student_id")
    ):
        groups[group_id].students.append(student_id)
    return [group for group in groups.values() if group.students]


def _drawn_progress(rng: random.Random) -> float:
    """Most teachers are done or on their way a few days before the deadline; some have not begun."""
    draw = rng.random()
    if draw < DONE_SHARE:
        return 1.0
    if draw < DONE_SHARE + STARTED_SHARE:
        return rng.uniform(0.3, 0.9)
    return 0.0


def _who_fills(group: _Group, docent) -> int | None:
    """The demo docent fills their own groups, except the co-taught one their colleague has begun."""
    if docent and docent.pk in group.teachers:
        others = [teacher for teacher in group.teachers if teacher != docent.pk]
        return others[0] if group.name == "4V1-en" and others else docent.pk
    return group.teachers[0] if group.teachers else None


CLASS_IN_NAME = re.compile(r"^(\d)([A-Z]+)(\d+)-(.+)$")


def _last_year(name: str) -> str:
    """The same students' group a year earlier: '5H1-en' was '4H1-en'."""
    match = CLASS_IN_NAME.match(name)
    if not match:
        return f"{name} ({PREVIOUS_YEAR[0]})"
    year, level, number, subject = match.groups()
    return f"{int(year) - 1}{level}{number}-{subject}"


def _advice(rng: random.Random, subject: str, light: str) -> str:
    """Concrete advice: something the student can do. Red gets two steps; green sometimes a stretch."""
    own = SUBJECT_ADVICE.get(subject, ())
    if light == Light.RED:
        first = rng.choice(own or GENERAL_ADVICE)
        return f"{first} {rng.choice([advice for advice in GENERAL_ADVICE if advice != first])}"
    if light == Light.ORANGE:
        return rng.choice((*own, *own, *GENERAL_ADVICE))  # mostly about the subject itself
    if light == Light.GREEN and rng.random() < GREEN_ADVICE_SHARE:
        return rng.choice(GREEN_ADVICE)
    return ""
