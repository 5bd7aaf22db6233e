"""Boards (DESIGN §1.3): improvement boards, care meetings around a child, and the student progress board.

A board replaces a long group discussion with a shared, visual, action-oriented view that
people update together and review in short sessions. Cards carry a `version`: a save names
the version it started from, so two people editing one card never overwrite each other
silently. (Foundation of issue 6: the screens arrive with it.)
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from school.jobs import FileJob
from school.models import ClassGroup, Department, School, Staff, Student

TEXT_MAX_LENGTH = 500


class Mood(models.TextChoices):
    """A check-in's smiley, always shown with its word."""

    GREAT = "great", _("great")
    GOOD = "good", _("good")
    SO_SO = "so_so", _("so-so")
    BAD = "bad", _("not good")


# --- improvement boards ("verbeterbord") -------------------------------------------------------------


class ImprovementBoard(models.Model):
    """A team's, a class's or a department's board of concerns, goals, actions and what went well."""

    class Scope(models.TextChoices):
        TEAM = "team", _("team")
        CLASS_GROUP = "class_group", _("class")
        DEPARTMENT = "department", _("department")

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="improvement_boards")
    title = models.CharField(_("title"), max_length=120)
    scope = models.CharField(_("board of"), max_length=20, choices=Scope.choices)
    class_group = models.ForeignKey(
        ClassGroup, on_delete=models.CASCADE, null=True, blank=True, related_name="improvement_boards"
    )
    department = models.ForeignKey(
        Department, on_delete=models.CASCADE, null=True, blank=True, related_name="improvement_boards"
    )
    owner = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="boards_owned", verbose_name=_("owner"))
    members = models.ManyToManyField(Staff, blank=True, related_name="boards", verbose_name=_("members"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)  # any card's change touches it: what polling asks

    class Meta:
        verbose_name = _("improvement board")
        verbose_name_plural = _("improvement boards")
        ordering = ["title", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(scope__in=["team", "class_group", "department"]), name="board_scope_valid"
            ),
            # A class's board names its class, a department's its department, a team's neither.
            models.CheckConstraint(
                condition=(
                    models.Q(scope="team", class_group__isnull=True, department__isnull=True)
                    | models.Q(scope="class_group", class_group__isnull=False, department__isnull=True)
                    | models.Q(scope="department", class_group__isnull=True, department__isnull=False)
                ),
                name="board_scope_target",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class BoardItem(models.Model):
    """One card in one section of an improvement board."""

    class Section(models.TextChoices):
        CONCERN = "concern", _("concerns")
        GOAL = "goal", _("goals")
        SUCCESS = "success", _("successes")
        ACTION = "action", _("actions")
        IDEA = "idea", _("ideas")
        AGREEMENT = "agreement", _("agreements")

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        DOING = "doing", _("doing")
        DONE = "done", _("done")

    board = models.ForeignKey(ImprovementBoard, on_delete=models.CASCADE, related_name="items")
    section = models.CharField(_("section"), max_length=20, choices=Section.choices)
    text = models.TextField(_("text"), max_length=TEXT_MAX_LENGTH)
    measure = models.CharField(_("measure"), max_length=200, blank=True)  # goals: how we measure it
    target = models.CharField(_("target"), max_length=100, blank=True)  # goals: where we want to be
    owner = models.ForeignKey(
        Staff, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("who")
    )
    due_on = models.DateField(_("when"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    position = models.PositiveIntegerField(default=0)
    version = models.PositiveIntegerField(default=1)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("board card")
        verbose_name_plural = _("board cards")
        ordering = ["section", "position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(section__in=["concern", "goal", "success", "action", "idea", "agreement"]),
                name="boarditem_section_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["open", "doing", "done"]), name="boarditem_status_valid"
            ),
        ]
        indexes = [models.Index(fields=["board", "updated_at"])]

    def __str__(self) -> str:
        return self.text[:60]


class Measurement(models.Model):
    """A goal's measured value on a day: the goal's small chart over time."""

    item = models.ForeignKey(BoardItem, on_delete=models.CASCADE, related_name="measurements")
    measured_on = models.DateField(_("date"))
    value = models.DecimalField(_("value"), max_digits=9, decimal_places=2)

    class Meta:
        verbose_name = _("measurement")
        verbose_name_plural = _("measurements")
        ordering = ["measured_on"]
        constraints = [models.UniqueConstraint(fields=["item", "measured_on"], name="measurement_one_per_day")]

    def __str__(self) -> str:
        return f"{self.item}: {self.value} ({self.measured_on})"


class BoardSession(models.Model):
    """A short stand-up at the board: who was there, how they felt, what changed since last time."""

    board = models.ForeignKey(ImprovementBoard, on_delete=models.CASCADE, related_name="sessions")
    held_on = models.DateField(_("date"))
    attendees = models.ManyToManyField(Staff, blank=True, related_name="+", verbose_name=_("present"))
    changes = models.TextField(_("what changed since last time"), max_length=2000, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("board session")
        verbose_name_plural = _("board sessions")
        ordering = ["-held_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.board} {self.held_on}"


class CheckIn(models.Model):
    """How one participant feels at the start of a board session (a smiley and its word)."""

    session = models.ForeignKey(BoardSession, on_delete=models.CASCADE, related_name="check_ins")
    person = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="+")
    mood = models.CharField(_("mood"), max_length=10, choices=Mood.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        constraints = [
            models.UniqueConstraint(fields=["session", "person"], name="checkin_one_per_person"),
            models.CheckConstraint(condition=models.Q(mood__in=Mood.values), name="checkin_mood_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.person}: {self.mood}"


class BoardComment(models.Model):
    """A colleague's deepening question or feedback in a care-board session; the board's owner answers."""

    board = models.ForeignKey(ImprovementBoard, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    text = models.TextField(_("question or feedback"), max_length=TEXT_MAX_LENGTH)
    answer = models.TextField(_("answer"), max_length=TEXT_MAX_LENGTH, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("board comment")
        verbose_name_plural = _("board comments")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.text[:60]


# --- care meetings ("zorgoverleg") ----------------------------------------------------------------


class CareMeeting(models.Model):
    """A care meeting around one child or a family of children: the child leads, the care coordinator writes.

    Strictest privacy: only its participants, its guests (while their access lasts, and
    only once consent is recorded for every child) and the care coordinator see it, and
    every read is logged (CareReadLog).
    """

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="care_meetings")
    title = models.CharField(_("title"), max_length=120)
    held_on = models.DateField(_("date"))
    coordinator = models.ForeignKey(
        Staff, on_delete=models.PROTECT, related_name="care_meetings_led", verbose_name=_("care coordinator")
    )
    children = models.ManyToManyField(Student, related_name="care_meetings", verbose_name=_("children"))
    participants = models.ManyToManyField(
        Staff, blank=True, related_name="care_meetings", verbose_name=_("participants from school")
    )
    updated_at = models.DateTimeField(auto_now=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("care meeting")
        verbose_name_plural = _("care meetings")
        ordering = ["-held_on", "-pk"]

    def __str__(self) -> str:
        return self.title


class CareGuest(models.Model):
    """An external participant (youth care, attendance officer, school social work, …): one meeting, until it expires.

    The guest signs in with their own account (`user`), which opens this one meeting and nothing else.
    """

    class Organisation(models.TextChoices):
        YOUTH_CARE = "youth_care", _("youth care")
        ATTENDANCE = "attendance", _("attendance officer")
        SOCIAL_WORK = "social_work", _("school social work")
        INCLUSIVE_EDUCATION = "inclusive_education", _("inclusive education")
        CHILD_PROTECTION = "child_protection", _("child protection")
        OTHER = "other", _("other")

    meeting = models.ForeignKey(CareMeeting, on_delete=models.CASCADE, related_name="guests")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="care_guest_access")
    organisation = models.CharField(_("organisation"), max_length=30, choices=Organisation.choices)
    expires_at = models.DateTimeField(_("access until"))
    revoked_at = models.DateTimeField(null=True, blank=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    invited_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("guest")
        verbose_name_plural = _("guests")
        constraints = [models.UniqueConstraint(fields=["meeting", "user"], name="careguest_once_per_meeting")]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_organisation_display()})"


class CareConsent(models.Model):
    """Consent for one child before external guests see anything: the guardians under 16, the young person from 16."""

    class GivenBy(models.TextChoices):
        GUARDIAN = "guardian", _("parent / guardian")
        YOUNG_PERSON = "young_person", _("the young person")

    meeting = models.ForeignKey(CareMeeting, on_delete=models.CASCADE, related_name="consents")
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="care_consents")
    given_by = models.CharField(_("given by"), max_length=20, choices=GivenBy.choices)
    given_by_name = models.CharField(_("name"), max_length=120)
    given_on = models.DateField(_("date"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        constraints = [models.UniqueConstraint(fields=["meeting", "student"], name="careconsent_once_per_child")]

    def __str__(self) -> str:
        return f"{self.student}: {self.given_by_name}"


class CareEntry(models.Model):
    """A line on the care meeting's board, for one child: a check-in, a success, or what they work on next."""

    class Kind(models.TextChoices):
        CHECK_IN = "check_in", _("check-in")
        SUCCESS = "success", _("success")
        NEXT = "next", _("working on next")

    meeting = models.ForeignKey(CareMeeting, on_delete=models.CASCADE, related_name="entries")
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    mood = models.CharField(_("mood"), max_length=10, choices=Mood.choices, blank=True)
    text = models.TextField(_("text"), max_length=TEXT_MAX_LENGTH, blank=True)
    owner = models.CharField(_("who"), max_length=120, blank=True)  # an agreement's owner, a guest included
    due_on = models.DateField(_("when"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("care board line")
        verbose_name_plural = _("care board lines")
        ordering = ["kind", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=["check_in", "success", "next"]), name="careentry_kind_valid"
            ),
            # A check-in is a smiley; a success or a next step is text.
            models.CheckConstraint(
                condition=(models.Q(kind="check_in") & ~models.Q(mood=""))
                | (~models.Q(kind="check_in") & ~models.Q(text="")),
                name="careentry_has_content",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.student}: {self.get_kind_display()}"


class CareReadLog(models.Model):
    """Every read of a care meeting: who, when, from where."""

    meeting = models.ForeignKey(CareMeeting, on_delete=models.CASCADE, related_name="read_log")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    read_at = models.DateTimeField(auto_now_add=True)
    path = models.CharField(max_length=300)
    address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        verbose_name = _("read of a care meeting")
        verbose_name_plural = _("reads of care meetings")
        ordering = ["-read_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.user} {self.read_at:%Y-%m-%d %H:%M}"


# --- the student progress board ("voortgangsbord") -----------------------------------------------------


class ProgressCard(models.Model):
    """A student's card on their class's progress board: what is notable, updated by the mentor weekly."""

    student = models.OneToOneField(Student, on_delete=models.CASCADE, related_name="progress_card")
    internship_placed = models.BooleanField(_("internship placed"), null=True, blank=True)  # None: not asked yet
    tests_behind = models.PositiveSmallIntegerField(_("tests behind"), default=0)
    attendance_concern = models.BooleanField(_("attendance concern"), default=False)
    notable = models.CharField(_("notable"), max_length=300, blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(null=True, blank=True)  # None: never updated (a stale card)

    class Meta:
        verbose_name = _("progress card")
        verbose_name_plural = _("progress cards")
        constraints = [
            models.CheckConstraint(condition=models.Q(tests_behind__lte=50), name="progresscard_tests_behind_range"),
        ]

    def __str__(self) -> str:
        return str(self.student)


class ProgressCardChange(models.Model):
    """A card's history: which fields changed, when and by whom ("changed since last week")."""

    card = models.ForeignKey(ProgressCard, on_delete=models.CASCADE, related_name="changes")
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True)
    before = models.JSONField(default=dict)
    after = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("progress card change")
        verbose_name_plural = _("progress card changes")
        ordering = ["-changed_at", "-pk"]
        indexes = [models.Index(fields=["card", "changed_at"])]

    def __str__(self) -> str:
        return f"{self.card} {self.changed_at:%Y-%m-%d}"


# --- wall prints: any board as an A3 PDF -----------------------------------------------------------------


class BoardPrintJob(FileJob):
    """One board as an A3 landscape PDF to hang in the team room, made by a Celery task; the page polls it.

    One row per printed board (an improvement board, a class's progress board or a care meeting),
    reused: printing again resets it and replaces the file, so no pile of old prints about students
    builds up, and there is never more than one print waiting or being made per board. The file
    lives under MEDIA_ROOT, which is never served by URL: a permission-checked view sends it.
    """

    task_name = "boards.tasks.board_print_task"

    class Kind(models.TextChoices):
        IMPROVEMENT = "improvement", _("improvement board")
        PROGRESS = "progress", _("progress board")
        CARE = "care", _("care meeting")

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    improvement_board = models.ForeignKey(
        ImprovementBoard, on_delete=models.CASCADE, null=True, blank=True, related_name="print_jobs"
    )
    class_group = models.ForeignKey(
        ClassGroup, on_delete=models.CASCADE, null=True, blank=True, related_name="progress_print_jobs"
    )
    care_meeting = models.ForeignKey(
        CareMeeting, on_delete=models.CASCADE, null=True, blank=True, related_name="print_jobs"
    )
    without_names = models.BooleanField(_("without names"), default=False)  # a progress board's privacy print
    file = models.FileField(upload_to="board-prints/", blank=True)

    class Meta:
        verbose_name = _("board print")
        verbose_name_plural = _("board prints")
        constraints = [
            # Exactly the board its kind names, and nothing else.
            models.CheckConstraint(
                condition=(
                    models.Q(
                        kind="improvement",
                        improvement_board__isnull=False,
                        class_group__isnull=True,
                        care_meeting__isnull=True,
                    )
                    | models.Q(
                        kind="progress",
                        improvement_board__isnull=True,
                        class_group__isnull=False,
                        care_meeting__isnull=True,
                    )
                    | models.Q(
                        kind="care",
                        improvement_board__isnull=True,
                        class_group__isnull=True,
                        care_meeting__isnull=False,
                    )
                ),
                name="boardprintjob_kind_target",
            ),
            models.CheckConstraint(
                condition=models.Q(without_names=False) | models.Q(kind="progress"),
                name="boardprintjob_without_names_progress_only",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["pending", "running", "done", "failed"]),
                name="boardprintjob_status_valid",
            ),
            # One row per board (so at most one print waiting or being made per board); NULLs never clash.
            models.UniqueConstraint(fields=["improvement_board"], name="boardprintjob_one_per_improvement_board"),
            models.UniqueConstraint(fields=["class_group"], name="boardprintjob_one_per_progress_board"),
            models.UniqueConstraint(fields=["care_meeting"], name="boardprintjob_one_per_care_meeting"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.target_id}: {self.status}"

    @property
    def target_id(self) -> int | None:
        return self.improvement_board_id or self.class_group_id or self.care_meeting_id

    @classmethod
    def concerning_student(cls, student: Student) -> models.QuerySet["BoardPrintJob"]:
        """The prints that show the student: their class's progress board, their care meetings (privacy erasure).

        An improvement board is staff work about a team or class, with no card per student.
        """
        return cls.objects.filter(
            models.Q(kind=cls.Kind.PROGRESS, class_group_id=student.class_group_id)
            | models.Q(kind=cls.Kind.CARE, care_meeting__children=student)
        ).distinct()
