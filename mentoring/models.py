"""Steps 2 and 3 of the cycle (DESIGN §1.1): the mentors' speed-date and the department meeting.

Mentors read their mentees' lights, mark each student clear or needing attention,
ask subject teachers short questions, and escalate the big questions about one
student to the team leader. The department meeting discusses only the accepted
escalations, and every item ends with a decision (and agreements).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from reviews.models import ReviewCycle
from school.jobs import FileJob
from school.models import ClassGroup, Department, Staff, Student, TeachingGroup

QUESTION_MAX_LENGTH = 500
ANSWER_MAX_LENGTH = 2000
ESCALATION_TEXT_MAX_LENGTH = 1000
DECISION_MAX_LENGTH = 4000
AGREEMENT_MAX_LENGTH = 500


class MentorReview(models.Model):
    """The mentor's verdict on one student in one cycle, after reading the lights."""

    class Verdict(models.TextChoices):
        CLEAR = "clear", _("clear")
        NEEDS_ATTENTION = "needs_attention", _("needs attention")

    cycle = models.ForeignKey(ReviewCycle, on_delete=models.CASCADE, related_name="mentor_reviews")
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="mentor_reviews")
    verdict = models.CharField(_("verdict"), max_length=20, choices=Verdict.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("mentor's verdict")
        verbose_name_plural = _("mentor's verdicts")
        constraints = [
            models.UniqueConstraint(fields=["cycle", "student"], name="mentorreview_unique_student"),
            models.CheckConstraint(
                condition=models.Q(verdict__in=["clear", "needs_attention"]), name="mentorreview_verdict_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.student}: {self.get_verdict_display()}"


class SpeedDate(models.Model):
    """A timeboxed round in which teachers answer the mentors' open questions of one department."""

    cycle = models.ForeignKey(ReviewCycle, on_delete=models.CASCADE, related_name="speed_dates")
    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="speed_dates")
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("speed-date round")
        verbose_name_plural = _("speed-date rounds")
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_at__gt=models.F("starts_at")), name="speeddate_ends_after"),
        ]

    def __str__(self) -> str:
        return f"{self.cycle} / {self.department} {self.starts_at:%H:%M}-{self.ends_at:%H:%M}"


class Question(models.Model):
    """A mentor's short question to a subject teacher about one student's entry.

    open → answered (the teacher wrote back, or answered face to face) → closed (the mentor is satisfied).
    """

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        ANSWERED = "answered", _("answered")
        CLOSED = "closed", _("closed")

    cycle = models.ForeignKey(ReviewCycle, on_delete=models.CASCADE, related_name="questions")
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="questions")
    teaching_group = models.ForeignKey(TeachingGroup, on_delete=models.CASCADE, related_name="questions")
    addressed_to = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="questions_received")
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="questions_asked"
    )
    text = models.TextField(_("question"), max_length=QUESTION_MAX_LENGTH)
    asked_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    answer = models.TextField(_("answer"), max_length=ANSWER_MAX_LENGTH, blank=True)
    answered_in_person = models.BooleanField(_("answered face to face"), default=False)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["-asked_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["open", "answered", "closed"]), name="question_status_valid"
            ),
            # An answered question has an answer or was answered face to face.
            models.CheckConstraint(
                condition=models.Q(status="open") | ~models.Q(answer="") | models.Q(answered_in_person=True),
                name="question_answered_has_answer",
            ),
        ]
        indexes = [
            models.Index(fields=["addressed_to", "status"]),
            models.Index(fields=["cycle", "student"]),
        ]

    def __str__(self) -> str:
        return f"{self.student} / {self.teaching_group}: {self.text[:40]}"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class Category(models.TextChoices):
    PROMOTION = "promotion", _("promotion / level change")
    REPEATING = "repeating", _("repeating the year")
    CARE = "care", _("care")
    OTHER = "other", _("other")


# Questions whose decision changes a student's school career: the decision keeps its
# rationale and a snapshot of the evidence, and attendees may vote silently first.
HIGH_STAKES = frozenset({Category.PROMOTION, Category.REPEATING})


class Escalation(models.Model):
    """A big question about one student that the mentor puts to the team leader ("bespreekpunt").

    pending → accepted (on the agenda) → decided; or returned (answered without a
    meeting); or merged into another escalation about the same student.
    `evidence` is what the lights, grades, advice and trend were when it was raised.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for the team leader")
        ACCEPTED = "accepted", _("on the agenda")
        RETURNED = "returned", _("answered")
        MERGED = "merged", _("merged")
        DECIDED = "decided", _("decided")

    cycle = models.ForeignKey(ReviewCycle, on_delete=models.CASCADE, related_name="escalations")
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="escalations")
    # The department whose team leader handles it: the student's, when raised.
    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="escalations")
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    question = models.TextField(_("question"), max_length=ESCALATION_TEXT_MAX_LENGTH)
    proposal = models.TextField(_("mentor's proposal"), max_length=ESCALATION_TEXT_MAX_LENGTH, blank=True)
    student_view = models.TextField(
        _("what the student says about it"), max_length=ESCALATION_TEXT_MAX_LENGTH, blank=True
    )
    evidence = models.JSONField(default=dict)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="escalations_raised"
    )
    raised_at = models.DateTimeField(auto_now_add=True)
    response = models.TextField(_("answer of the team leader"), max_length=ANSWER_MAX_LENGTH, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    handled_at = models.DateTimeField(null=True, blank=True)
    merged_into = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="merged", verbose_name=_("merged into")
    )

    class Meta:
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")
        ordering = ["raised_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(category__in=Category.values), name="escalation_category_valid"),
            models.CheckConstraint(
                condition=models.Q(status__in=["pending", "accepted", "returned", "merged", "decided"]),
                name="escalation_status_valid",
            ),
            # Merged if and only if it points at the escalation it was merged into.
            models.CheckConstraint(
                condition=(models.Q(status="merged") & models.Q(merged_into__isnull=False))
                | (~models.Q(status="merged") & models.Q(merged_into__isnull=True)),
                name="escalation_merged_has_target",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="returned") | ~models.Q(response=""), name="escalation_returned_has_answer"
            ),
            # One open escalation per student and category in a round: a second is a duplicate.
            models.UniqueConstraint(
                fields=["cycle", "student", "category"],
                condition=models.Q(status__in=["pending", "accepted"]),
                name="escalation_one_open_per_category",
            ),
        ]
        indexes = [models.Index(fields=["cycle", "department", "status"])]

    def __str__(self) -> str:
        return f"{self.student}: {self.get_category_display()}"

    @property
    def is_high_stakes(self) -> bool:
        return self.category in HIGH_STAKES


class DepartmentMeeting(models.Model):
    """The department meeting ("bouwvergadering") of one cycle: only the accepted escalations."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("being prepared")
        RUNNING = "running", _("in progress")
        FINISHED = "finished", _("finished")

    cycle = models.ForeignKey(ReviewCycle, on_delete=models.CASCADE, related_name="meetings")
    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="meetings")
    starts_at = models.DateTimeField(_("starts at"), null=True, blank=True)
    location = models.CharField(_("location"), max_length=100, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PLANNED)
    attendees = models.ManyToManyField(Staff, blank=True, related_name="meetings_attended", verbose_name=_("present"))
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("department meeting")
        verbose_name_plural = _("department meetings")
        constraints = [
            models.UniqueConstraint(fields=["cycle", "department"], name="departmentmeeting_unique"),
            models.CheckConstraint(
                condition=models.Q(status__in=["planned", "running", "finished"]),
                name="departmentmeeting_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.department} / {self.cycle}"


class AgendaItem(models.Model):
    """One accepted escalation on a meeting's agenda, with its timebox; it closes only with a decision."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("waiting")
        VOTING = "voting", _("silent vote")
        DISCUSSING = "discussing", _("under discussion")
        DECIDED = "decided", _("decided")

    meeting = models.ForeignKey(DepartmentMeeting, on_delete=models.CASCADE, related_name="items")
    escalation = models.OneToOneField(Escalation, on_delete=models.CASCADE, related_name="agenda_item")
    position = models.PositiveSmallIntegerField(default=0)
    timebox_minutes = models.PositiveSmallIntegerField(_("minutes"), default=10)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.WAITING)
    notes = models.TextField(_("notes"), blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    votes_revealed_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")
        ordering = ["position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(timebox_minutes__gte=1, timebox_minutes__lte=120), name="agendaitem_timebox_range"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["waiting", "voting", "discussing", "decided"]),
                name="agendaitem_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.escalation}"


class Vote(models.Model):
    """An attendee's silent, independent vote on a high-stakes item, cast before the discussion."""

    class Choice(models.TextChoices):
        AGREE = "agree", _("agree with the proposal")
        DISAGREE = "disagree", _("disagree")
        ABSTAIN = "abstain", _("abstain")

    item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="votes")
    voter = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="+")
    choice = models.CharField(_("vote"), max_length=10, choices=Choice.choices)
    comment = models.CharField(_("why (optional)"), max_length=300, blank=True)
    cast_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("vote")
        verbose_name_plural = _("votes")
        constraints = [
            models.UniqueConstraint(fields=["item", "voter"], name="vote_one_per_attendee"),
            models.CheckConstraint(
                condition=models.Q(choice__in=["agree", "disagree", "abstain"]), name="vote_choice_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.voter}: {self.choice}"


class Decision(models.Model):
    """What the department meeting decided about one student ("besluit").

    For high-stakes questions `rationale` is required and `evidence` holds a
    snapshot of lights, grades, trend and the student's voice at decision time.
    """

    item = models.OneToOneField(AgendaItem, on_delete=models.CASCADE, related_name="decision")
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="decisions")
    text = models.TextField(_("decision"), max_length=DECISION_MAX_LENGTH)
    rationale = models.TextField(_("rationale"), max_length=DECISION_MAX_LENGTH, blank=True)
    evidence = models.JSONField(default=dict, blank=True)
    votes = models.JSONField(default=dict, blank=True)  # the silent vote's tally, if one was held
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        ordering = ["-decided_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.student}: {self.text[:40]}"


class Agreement(models.Model):
    """An agreement ("afspraak") with an owner and a due date, checked the next time.

    Made at a department-meeting decision, in a mentor talk, or at an open class meeting (`class_item`).
    """

    class Owner(models.TextChoices):
        STUDENT = "student", _("student")
        MENTOR = "mentor", _("mentor")
        GUARDIAN = "guardian", _("parent / guardian")
        TEACHER = "teacher", _("teacher")
        TEAM_LEADER = "team_leader", _("team leader")
        CARE_COORDINATOR = "care_coordinator", _("care coordinator")

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        MET = "met", _("met")
        PARTLY = "partly", _("partly met")
        NOT_MET = "not_met", _("not met")

    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="agreements")
    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, null=True, blank=True, related_name="agreements")
    talk = models.ForeignKey("MentorTalk", on_delete=models.CASCADE, null=True, blank=True, related_name="agreements")
    # Made at an open class meeting (a string reference: mentoring never imports classmeetings).
    class_item = models.ForeignKey(
        "classmeetings.MeetingItem", null=True, blank=True, on_delete=models.CASCADE, related_name="agreements"
    )
    text = models.TextField(_("agreement"), max_length=AGREEMENT_MAX_LENGTH)
    owner = models.CharField(_("who"), max_length=20, choices=Owner.choices)
    owner_staff = models.ForeignKey(
        Staff, on_delete=models.SET_NULL, null=True, blank=True, related_name="agreements_owned"
    )
    due_on = models.DateField(_("due"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    checked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        ordering = ["due_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    owner__in=["student", "mentor", "guardian", "teacher", "team_leader", "care_coordinator"]
                ),
                name="agreement_owner_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["open", "met", "partly", "not_met"]), name="agreement_status_valid"
            ),
            # Made in one place at most: a department-meeting decision, a mentor talk or an open class meeting.
            models.CheckConstraint(
                condition=(
                    models.Q(decision__isnull=True, talk__isnull=True)
                    | models.Q(decision__isnull=True, class_item__isnull=True)
                    | models.Q(talk__isnull=True, class_item__isnull=True)
                ),
                name="agreement_one_source",
            ),
        ]

    def __str__(self) -> str:
        return self.text[:60]


class MinutesJob(FileJob):
    """The minutes of one department meeting as a PDF, made by a Celery task; the page polls it.

    The file lives under MEDIA_ROOT, which is never served by URL: a permission-checked view sends it.
    Regenerating replaces the file (one job row per meeting, reused).
    """

    task_name = "mentoring.tasks.minutes_render_task"

    meeting = models.OneToOneField(DepartmentMeeting, on_delete=models.CASCADE, related_name="minutes_job")
    file = models.FileField(upload_to="minutes/", blank=True)

    class Meta:
        verbose_name = _("minutes")
        verbose_name_plural = _("minutes")

    def __str__(self) -> str:
        return f"{self.meeting}: {self.status}"

    @classmethod
    def concerning_student(cls, student: Student) -> models.QuerySet["MinutesJob"]:
        """The minutes that name the student: their escalation was on the meeting's agenda (privacy erasure)."""
        return cls.objects.filter(meeting__items__escalation__student=student).distinct()


# --- step 4: the student's voice, guardians, mentor talks and prep sheets (DESIGN §1.1 step 4) -----------

REFLECTION_MAX_LENGTH = 2000
GOAL_MAX_LENGTH = 500
MAX_GOALS = 3


class Publication(models.Model):
    """The team leader publishes a cycle's feedback to the students and guardians of one department.

    Before it, students and guardians see nothing of the cycle.
    """

    cycle = models.ForeignKey(ReviewCycle, on_delete=models.CASCADE, related_name="publications")
    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="publications")
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("publication")
        verbose_name_plural = _("publications")
        constraints = [models.UniqueConstraint(fields=["cycle", "department"], name="publication_unique")]

    def __str__(self) -> str:
        return f"{self.cycle} / {self.department}"


class GuardianSharing(models.Model):
    """An adult student's (18 or older) choice whether their guardians still see their feedback and goals.

    Under 18, guardians see what is published. From 18 the student decides; until
    they have said yes, guardians see nothing (privacy first: the student is an adult).
    """

    student = models.OneToOneField(Student, on_delete=models.CASCADE, related_name="guardian_sharing")
    guardians_may_see = models.BooleanField(_("my parents / guardians may see my feedback and goals"))
    decided_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("sharing with guardians")
        verbose_name_plural = _("sharing with guardians")

    def __str__(self) -> str:
        return f"{self.student}: {self.guardians_may_see}"


class GuideAnswers(models.Model):
    """A student's answers to the six prompts of the open class meeting's guide: drafted, then submitted.

    Shared by the reflection before a mentor talk and the prepared input for an open class meeting.
    A draft autosaves (`version` guards against two tabs overwriting each other).
    """

    # The prompts in the order the guide asks them; the first two must be answered to submit.
    PROMPT_FIELDS = (
        "went_well",
        "went_less_well",
        "feeling_in_class",
        "hard_subjects",
        "help_needed",
        "last_agreements",
    )
    REQUIRED_TO_SUBMIT = ("went_well", "went_less_well")

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        SUBMITTED = "submitted", _("submitted")

    went_well = models.TextField(
        _("What went well, and how did you do it?"), max_length=REFLECTION_MAX_LENGTH, blank=True
    )
    went_less_well = models.TextField(
        _("What went less well, and why do you think so?"), max_length=REFLECTION_MAX_LENGTH, blank=True
    )
    feeling_in_class = models.TextField(
        _("How do you feel in your class?"), max_length=REFLECTION_MAX_LENGTH, blank=True
    )
    hard_subjects = models.TextField(
        _("Which subjects do you find hard?"), max_length=REFLECTION_MAX_LENGTH, blank=True
    )
    help_needed = models.TextField(_("What advice or help do you need?"), max_length=REFLECTION_MAX_LENGTH, blank=True)
    last_agreements = models.TextField(
        _("Which agreements were made last time, and what came of them?"),
        max_length=REFLECTION_MAX_LENGTH,
        blank=True,
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["draft", "submitted"]), name="%(class)s_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(status="draft") | models.Q(submitted_at__isnull=False),
                name="%(class)s_submitted_has_time",
            ),
        ]

    @property
    def is_submitted(self) -> bool:
        return self.status == self.Status.SUBMITTED


class Reflection(GuideAnswers):
    """The student's own preparation of the mentor talk: a reflection and one to three goals ("reflectie, doelen").

    The student submits it before the talk; the mentor may comment.
    """

    cycle = models.ForeignKey(ReviewCycle, on_delete=models.CASCADE, related_name="reflections")
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="reflections")
    mentor_comment = models.TextField(_("mentor's comment"), max_length=REFLECTION_MAX_LENGTH, blank=True)
    commented_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    commented_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("reflection")
        verbose_name_plural = _("reflections")
        constraints = [
            models.UniqueConstraint(fields=["cycle", "student"], name="reflection_unique_student"),
            *GuideAnswers.Meta.constraints,
        ]

    def __str__(self) -> str:
        return f"{self.student} / {self.cycle}"


class Goal(models.Model):
    """One of the student's goals for the coming period: the goal, what they will do, how they will know."""

    reflection = models.ForeignKey(Reflection, on_delete=models.CASCADE, related_name="goals")
    position = models.PositiveSmallIntegerField()
    goal = models.CharField(_("my goal"), max_length=GOAL_MAX_LENGTH)
    action = models.TextField(_("what I will do"), max_length=GOAL_MAX_LENGTH, blank=True)
    measure = models.TextField(_("how we will know"), max_length=GOAL_MAX_LENGTH, blank=True)

    class Meta:
        verbose_name = _("goal")
        verbose_name_plural = _("goals")
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["reflection", "position"], name="goal_unique_position"),
            models.CheckConstraint(
                condition=models.Q(position__gte=1, position__lte=MAX_GOALS), name="goal_position_range"
            ),
        ]

    def __str__(self) -> str:
        return self.goal


class TalkSlot(models.Model):
    """A time a mentor offers for a mentor talk; a guardian (or the mentor) books it for one student."""

    cycle = models.ForeignKey(ReviewCycle, on_delete=models.CASCADE, related_name="talk_slots")
    mentor = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="talk_slots")
    class_group = models.ForeignKey(ClassGroup, on_delete=models.CASCADE, related_name="talk_slots")
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    location = models.CharField(_("location"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("talk slot")
        verbose_name_plural = _("talk slots")
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_at__gt=models.F("starts_at")), name="talkslot_ends_after"),
            models.UniqueConstraint(fields=["mentor", "starts_at"], name="talkslot_unique_start"),
        ]

    def __str__(self) -> str:
        return f"{self.mentor} {self.starts_at:%Y-%m-%d %H:%M}"


class MentorTalk(models.Model):
    """The mentor talk ("mentorgesprek") of one student in one cycle: its slot, notes and agreements.

    The slot is unique: two guardians clicking the same slot at once book it once.
    """

    cycle = models.ForeignKey(ReviewCycle, on_delete=models.CASCADE, related_name="mentor_talks")
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="mentor_talks")
    slot = models.OneToOneField(TalkSlot, on_delete=models.SET_NULL, null=True, blank=True, related_name="talk")
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    booked_at = models.DateTimeField(null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    held_at = models.DateTimeField(_("held at"), null=True, blank=True)

    class Meta:
        verbose_name = _("mentor talk")
        verbose_name_plural = _("mentor talks")
        constraints = [models.UniqueConstraint(fields=["cycle", "student"], name="mentortalk_unique_student")]

    def __str__(self) -> str:
        return f"{self.student} / {self.cycle}"


class PrepSheetJob(FileJob):
    """A class group's prep sheets for one cycle as one merged PDF, made by a Celery task; the page polls it.

    One row per cycle and class group, reused: regenerating replaces the file. `done` grows
    per student; the file lives under MEDIA_ROOT (never served by URL).
    """

    task_name = "mentoring.tasks.prep_sheets_batch_task"

    cycle = models.ForeignKey(ReviewCycle, on_delete=models.CASCADE, related_name="prep_sheet_jobs")
    class_group = models.ForeignKey(ClassGroup, on_delete=models.CASCADE, related_name="prep_sheet_jobs")
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    file = models.FileField(upload_to="prep-sheets/", blank=True)
    started_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("prep sheets of a class")
        verbose_name_plural = _("prep sheets of classes")
        constraints = [models.UniqueConstraint(fields=["cycle", "class_group"], name="prepsheetjob_unique_class")]

    def __str__(self) -> str:
        return f"{self.class_group} / {self.cycle}: {self.status}"

    @classmethod
    def concerning_student(cls, student: Student) -> models.QuerySet["PrepSheetJob"]:
        """The batches that hold the student's sheet: those of their class (privacy erasure)."""
        return cls.objects.filter(class_group_id=student.class_group_id)


class PrepSheet(models.Model):
    """One student's prep sheet in one language (the guardians' where a translation exists), as a private PDF."""

    cycle = models.ForeignKey(ReviewCycle, on_delete=models.CASCADE, related_name="prep_sheets")
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="prep_sheets")
    language = models.CharField(max_length=10)
    file = models.FileField(upload_to="prep-sheets/")
    created_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("prep sheet")
        verbose_name_plural = _("prep sheets")
        constraints = [
            models.UniqueConstraint(fields=["cycle", "student", "language"], name="prepsheet_unique_language")
        ]

    def __str__(self) -> str:
        return f"{self.student} / {self.cycle} ({self.language})"
