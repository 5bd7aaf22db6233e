"""Reads for the portal of students and guardians, and for publishing a round's feedback to them.

Students and guardians see only what the team leader published (DESIGN §4): the lights,
grades and advice per subject with the trend, the decisions about the student with their
agreements, and the student's goals once submitted. Never the teachers' internal work:
questions to teachers, the escalation's text, meeting notes or votes. Every page has a
fixed number of queries, however many subjects, cycles or children there are.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet

from reviews import policies as review_policies
from reviews.models import Entry, LightScheme, ReviewCycle
from reviews.selectors import light_scheme_for
from school.models import Department, Student, User
from school.policies import Roles, roles_of
from school.selectors import HomeSection

from .. import policies
from ..models import Agreement, Decision, GuardianSharing, MentorTalk, Publication, Reflection
from ..selectors.evidence import Evidence, EvidenceCell, student_evidence

# --- publishing --------------------------------------------------------------------------------------


@dataclass
class PublishPage:
    """What the team leader's confirm page says: who will see what, and whether it is already published."""

    cycle: ReviewCycle
    department: Department
    publication: Publication | None
    student_count: int
    adult_count: int  # their guardians see it only with the student's yes


def publish_page(*, cycle: ReviewCycle, department: Department) -> PublishPage:
    """Three queries: the publication, and the department's students in the cycle (all, and adults)."""
    publication = Publication.objects.filter(cycle=cycle, department=department).select_related("published_by").first()
    students = review_policies.cycle_students(cycle).filter(class_group__department=department)
    return PublishPage(
        cycle=cycle,
        department=department,
        publication=publication,
        student_count=students.count(),
        adult_count=students.filter(date_of_birth__lte=policies.adult_birth_cutoff()).count(),
    )


def publications_for(pairs: Iterable[tuple[int, int]]) -> dict[tuple[int, int], Publication]:
    """Publications by (cycle id, department id), for the team leader's home cards (one query for all cards).

    Pass the result's `.get((cycle.pk, department.pk))` as `publication` to
    mentoring/portal/partials/publish_state.html.
    """
    pairs = set(pairs)
    if not pairs:
        return {}
    cycle_ids = {cycle_id for cycle_id, _department_id in pairs}
    department_ids = {department_id for _cycle_id, department_id in pairs}
    rows = Publication.objects.filter(cycle_id__in=cycle_ids, department_id__in=department_ids)
    return {(row.cycle_id, row.department_id): row for row in rows if (row.cycle_id, row.department_id) in pairs}


# --- the portal's start page --------------------------------------------------------------------------


@dataclass
class PortalCycle:
    """One published round of one student, with a glance at its lights and the reflection's state."""

    cycle: ReviewCycle
    red: int = 0
    orange: int = 0
    green: int = 0
    reflection_status: str = ""  # "", "draft" or "submitted"

    @property
    def goals_submitted(self) -> bool:
        return self.reflection_status == Reflection.Status.SUBMITTED


@dataclass
class PortalStudent:
    student: Student
    is_self: bool
    cycles: list[PortalCycle] = field(default_factory=list)


@dataclass
class Portal:
    students: list[PortalStudent]
    # Children of 18 or older who have not (or not yet) said their guardians may see their feedback.
    private_children: list[Student]
    # The user's own student record when they are 18 or older: they choose about their guardians.
    adult_self: Student | None
    sharing: GuardianSharing | None
    is_guardian: bool

    @property
    def has_cycles(self) -> bool:
        return any(entry.cycles for entry in self.students)


def _published_pairs(students: list[Student]) -> list[tuple[int, ReviewCycle]]:
    """(department id, cycle) for every round published to a department of these students (one query)."""
    department_ids = {student.class_group.department_id for student in students if student.class_group_id}
    if not department_ids:
        return []
    publications = (
        Publication.objects.filter(
            department_id__in=department_ids,
            cycle__school_id=students[0].school_id,
            # Published to a department the round covers (as policies.published_cycles_for asks).
            cycle__departments=F("department_id"),
        )
        .select_related("cycle__period")
        .order_by("-cycle__entry_deadline", "-cycle_id")
    )
    return [(publication.department_id, publication.cycle) for publication in publications]


def portal_overview(*, user: User) -> Portal:
    """The start page: the user's student record and/or their children, each with their published rounds.

    A fixed number of queries (at most seven after the user's roles), however many children or rounds.
    """
    roles = roles_of(user)
    own_pk = roles.student.pk if roles.student is not None else None
    # The user's own record and every child in one query, each marked whether the user may see it: an
    # adult child who keeps their feedback private is named on the page, without anything of theirs.
    family = list(
        Student.objects.filter(Q(pk__in=roles.child_ids) | Q(pk=own_pk), school_id=roles.school_id, is_active=True)
        .annotate(visible=Exists(policies.portal_students_for(user).filter(pk=OuterRef("pk"))))
        .select_related("class_group", "guardian_sharing")
        .order_by("first_name", "last_name", "pk")
    )
    students = [student for student in family if student.visible]
    # The user's own record first, then their children.
    students.sort(key=lambda student: student.pk != own_pk)
    pairs = _published_pairs(students)
    cycle_ids = {cycle.pk for _department_id, cycle in pairs}
    student_ids = [student.pk for student in students]

    lights: dict[tuple[int, int], dict[str, int]] = defaultdict(dict)
    statuses: dict[tuple[int, int], str] = {}
    if cycle_ids:
        rows = (
            Entry.objects.filter(cycle_id__in=cycle_ids, student_id__in=student_ids)
            .exclude(light="")
            .values("cycle_id", "student_id", "light")
            .annotate(n=Count("pk"))
            .order_by()
        )
        for row in rows:
            lights[(row["cycle_id"], row["student_id"])][row["light"]] = row["n"]
        statuses = {
            (cycle_id, student_id): status
            for cycle_id, student_id, status in Reflection.objects.filter(
                cycle_id__in=cycle_ids, student_id__in=student_ids
            ).values_list("cycle_id", "student_id", "status")
        }

    entries = []
    for student in students:
        department_id = student.class_group.department_id if student.class_group_id else None
        cycles = []
        for pair_department_id, cycle in pairs:
            if pair_department_id != department_id:
                continue
            counts = lights.get((cycle.pk, student.pk), {})
            cycles.append(
                PortalCycle(
                    cycle=cycle,
                    red=counts.get("red", 0),
                    orange=counts.get("orange", 0),
                    green=counts.get("green", 0),
                    reflection_status=statuses.get((cycle.pk, student.pk), ""),
                )
            )
        entries.append(PortalStudent(student=student, is_self=student.pk == own_pk, cycles=cycles))

    private_children = sorted(
        (student for student in family if not student.visible),
        key=lambda student: (student.last_name, student.first_name),
    )

    adult_self, sharing = None, None
    own = next((student for student in family if student.pk == own_pk), None)
    if own is not None and policies.is_adult(own):
        adult_self = roles.student
        sharing = getattr(own, "guardian_sharing", None)  # selected with the family: no query

    return Portal(
        students=entries,
        private_children=private_children,
        adult_self=adult_self,
        sharing=sharing,
        is_guardian=roles.is_guardian,
    )


def portal_home_sections(user: User, roles: Roles) -> list[HomeSection]:
    """A home-page section for students and guardians: the way to their published feedback.

    Register with school.selectors.home_section_provider_register (mentoring's AppConfig.ready).
    """
    if not (roles.is_student or roles.is_guardian):
        return []
    portal = portal_overview(user=user)
    # With feedback published, the section is the student's and guardian's work: the school's
    # "nothing to do yet" hint would say otherwise.
    covers = frozenset({"student", "guardian"}) if portal.has_cycles else frozenset()
    return [HomeSection("mentoring/portal/partials/home_section.html", {"portal": portal}, covers=covers)]


# --- one student's feedback in one round -------------------------------------------------------------


@dataclass
class SubjectFeedback:
    cell: EvidenceCell
    light_label: str  # the school's word for the light ("op koers")


@dataclass
class PortalCyclePage:
    cycle: ReviewCycle
    student: Student
    evidence: Evidence
    lines: list[SubjectFeedback]
    scheme: LightScheme
    decisions: list[Decision]
    talk: MentorTalk | None
    talk_agreements: list[Agreement]
    reflection: Reflection | None

    @property
    def goals(self) -> list:
        return list(self.reflection.goals.all()) if self.reflection is not None else []

    @property
    def reflection_status(self) -> str:
        return self.reflection.status if self.reflection is not None else ""


def _agreements() -> Prefetch:
    return Prefetch(
        "agreements", queryset=Agreement.objects.select_related("owner_staff__user").order_by("due_on", "pk")
    )


def published_decisions(*, cycle: ReviewCycle, student: Student) -> QuerySet[Decision]:
    """The department meeting's decisions about the student in this round, with their agreements.

    Only what students and guardians may read: the decision, its rationale and agreements;
    templates must not reach for the item's notes, the votes or the escalation's text.
    """
    return (
        Decision.objects.filter(student=student, item__meeting__cycle=cycle)
        .select_related("item__meeting__department", "item__escalation")
        # Not even loaded: students and guardians never see the teachers' internal work.
        .defer(
            "evidence",
            "votes",
            "item__notes",
            "item__escalation__question",
            "item__escalation__proposal",
            "item__escalation__student_view",
            "item__escalation__evidence",
            "item__escalation__response",
        )
        .prefetch_related(_agreements())
        .order_by("decided_at", "pk")
    )


def portal_cycle_page(*, cycle: ReviewCycle, student: Student) -> PortalCyclePage:
    """Lights, advice and trend per subject, decisions, the booked talk and the reflection (ten queries)."""
    evidence = student_evidence(cycle=cycle, student=student)  # three queries
    scheme = light_scheme_for(cycle.school_id)
    labels = {"green": scheme.green, "orange": scheme.orange, "red": scheme.red}
    lines = [SubjectFeedback(cell=cell, light_label=labels.get(cell.light, "")) for cell in evidence.cells]
    decisions = list(published_decisions(cycle=cycle, student=student))  # two queries
    # The talk's time and place, never its notes (the mentor's own).
    talk = (
        MentorTalk.objects.filter(cycle=cycle, student=student)
        .select_related("slot__mentor__user")
        .defer("notes")
        .first()
    )
    talk_agreements = list(
        Agreement.objects.filter(student=student, talk__cycle=cycle)
        .select_related("owner_staff__user")
        .order_by("due_on", "pk")
    )
    reflection = (
        Reflection.objects.filter(cycle=cycle, student=student).prefetch_related("goals").first()
    )  # two queries when there is one
    return PortalCyclePage(
        cycle=cycle,
        student=student,
        evidence=evidence,
        lines=lines,
        scheme=scheme,
        decisions=decisions,
        talk=talk,
        talk_agreements=talk_agreements,
        reflection=reflection,
    )
