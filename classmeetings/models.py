"""The open class review meeting (DESIGN §1.2): students and teachers sit together.

The class teacher (the class's mentor) and the class representative ("klasleider")
draw up the programme; every student is invited and may excuse themselves without a
reason; attending students prepare written input with the guide's prompts. In meeting
mode each discussed student's item opens with that input, participants ask the chair for
the floor (one speaker at a time), positive and negative points are noted, and the item
closes only with a decision: tips and agreements. Agreements are mentoring.Agreement rows
(`class_item`), so they come back at the next class meeting and the next mentor talk.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from mentoring.models import GuideAnswers, Reflection
from school.jobs import FileJob
from school.models import ClassGroup, Period, School, Staff, Student

MINUTES_PER_STUDENT_MIN, MINUTES_PER_STUDENT_MAX = 1, 60
NOTES_MAX_LENGTH = 10000
POINT_MAX_LENGTH = 300
TIPS_MAX_LENGTH = 4000


class ClassRepresentative(models.Model):
    """The class representative ("klasleider"): one student of the class, set by the class's mentor.

    Co-chairs the class's open meetings. One per class; the student must be in that class
    (checked by the service: a constraint cannot look across rows).
    """

    class_group = models.OneToOneField(ClassGroup, on_delete=models.CASCADE, related_name="representative")
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="represents")
    appointed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    appointed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("class representative")
        verbose_name_plural = _("class representatives")

    def __str__(self) -> str:
        return f"{self.class_group}: {self.student}"


class PersonalCoach(models.Model):
    """A member of staff a student chose as their personal coach ("individuele begeleider").

    One active coach per student; choosing another ends the first (`ended_at`), the history stays.
    The coach reads the student's reflections and agreements.
    """

    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="coaches")
    coach = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="coached")
    chosen_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("personal coach")
        verbose_name_plural = _("personal coaches")
        ordering = ["-chosen_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["student"], condition=models.Q(ended_at__isnull=True), name="personalcoach_one_active"
            ),
            models.CheckConstraint(
                condition=models.Q(ended_at__isnull=True) | models.Q(ended_at__gte=models.F("chosen_at")),
                name="personalcoach_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.student} → {self.coach}"


class OpenClassMeeting(models.Model):
    """An open class review meeting ("open leerlingenbespreking") of one class group.

    preparing → running → closed. It starts only after the open agreements of the class's
    earlier meetings were checked (`agreements_checked_at`).
    """

    class Status(models.TextChoices):
        PREPARING = "preparing", _("being prepared")
        RUNNING = "running", _("in progress")
        CLOSED = "closed", _("closed")

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="open_class_meetings")
    class_group = models.ForeignKey(ClassGroup, on_delete=models.CASCADE, related_name="open_meetings")
    period = models.ForeignKey(
        Period, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("period")
    )
    starts_at = models.DateTimeField(_("starts at"))
    location = models.CharField(_("location"), max_length=100, blank=True)
    minutes_per_student = models.PositiveSmallIntegerField(_("minutes per student"), default=5)
    discuss_all = models.BooleanField(_("discuss every student"), default=True)
    extra_teachers = models.ManyToManyField(
        Staff, blank=True, related_name="open_meetings_invited", verbose_name=_("extra teachers")
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PREPARING)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    agreements_checked_at = models.DateTimeField(_("previous agreements checked"), null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("open class meeting")
        verbose_name_plural = _("open class meetings")
        ordering = ["-starts_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["preparing", "running", "closed"]), name="openclassmeeting_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(
                    minutes_per_student__gte=MINUTES_PER_STUDENT_MIN, minutes_per_student__lte=MINUTES_PER_STUDENT_MAX
                ),
                name="openclassmeeting_minutes_range",
            ),
            # A meeting that runs (or ran) has checked last time's agreements and has its start time.
            models.CheckConstraint(
                condition=models.Q(status="preparing")
                | models.Q(started_at__isnull=False, agreements_checked_at__isnull=False),
                name="openclassmeeting_started_checked",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="closed") | models.Q(closed_at__isnull=False),
                name="openclassmeeting_closed_has_time",
            ),
        ]
        indexes = [models.Index(fields=["class_group", "starts_at"])]

    def __str__(self) -> str:
        return f"{self.class_group} {self.starts_at:%Y-%m-%d}"

    @property
    def is_closed(self) -> bool:
        return self.status == self.Status.CLOSED


class MeetingStudent(models.Model):
    """A student of the class on a meeting's programme: invited, excused (by themselves), discussed or not.

    There is deliberately no reason field: a student who cannot come need not say why.
    """

    meeting = models.ForeignKey(OpenClassMeeting, on_delete=models.CASCADE, related_name="students")
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="open_meeting_rows")
    invited = models.BooleanField(_("invited"), default=True)
    excused = models.BooleanField(_("cannot attend"), default=False)
    excused_at = models.DateTimeField(null=True, blank=True)
    discussed = models.BooleanField(_("discussed"), default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("student on the programme")
        verbose_name_plural = _("students on the programme")
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "student"], name="meetingstudent_unique"),
            models.CheckConstraint(
                condition=models.Q(excused=False) | models.Q(excused_at__isnull=False),
                name="meetingstudent_excused_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.meeting}: {self.student}"

    @property
    def attends(self) -> bool:
        return self.invited and not self.excused


class PreparedInput(GuideAnswers):
    """An attending student's written input for their item, with the prompts of the guide.

    Prefilled from the student's mentoring.Reflection of the same period where one exists
    (`from_reflection`). Private: the student, and the staff who run or follow the meeting.
    """

    meeting = models.ForeignKey(OpenClassMeeting, on_delete=models.CASCADE, related_name="prepared_inputs")
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="prepared_inputs")
    from_reflection = models.ForeignKey(Reflection, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("prepared input")
        verbose_name_plural = _("prepared inputs")
        constraints = [
            models.UniqueConstraint(fields=["meeting", "student"], name="preparedinput_unique_student"),
            *GuideAnswers.Meta.constraints,
        ]

    def __str__(self) -> str:
        return f"{self.student} / {self.meeting}"


class MeetingItem(models.Model):
    """One discussed student's item in meeting mode: waiting → open → closed (only with a decision).

    Made when the meeting starts, for each discussed student who is not excused. One item is open at a time.
    """

    class Status(models.TextChoices):
        WAITING = "waiting", _("waiting")
        OPEN = "open", _("under discussion")
        CLOSED = "closed", _("closed")

    meeting = models.ForeignKey(OpenClassMeeting, on_delete=models.CASCADE, related_name="items")
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="open_meeting_items")
    position = models.PositiveSmallIntegerField(default=0)
    planned_minutes = models.PositiveSmallIntegerField(_("planned minutes"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.WAITING)
    notes = models.TextField(_("notes"), max_length=NOTES_MAX_LENGTH, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("meeting item")
        verbose_name_plural = _("meeting items")
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "student"], name="meetingitem_unique_student"),
            models.UniqueConstraint(
                fields=["meeting"], condition=models.Q(status="open"), name="meetingitem_one_open_per_meeting"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["waiting", "open", "closed"]), name="meetingitem_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(
                    planned_minutes__gte=MINUTES_PER_STUDENT_MIN, planned_minutes__lte=MINUTES_PER_STUDENT_MAX
                ),
                name="meetingitem_minutes_range",
            ),
            models.CheckConstraint(
                condition=models.Q(status="waiting") | models.Q(opened_at__isnull=False),
                name="meetingitem_opened_has_time",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="closed") | models.Q(closed_at__isnull=False),
                name="meetingitem_closed_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.student}"


class ItemPoint(models.Model):
    """A positive or negative point noted during an item: together they make the balance indicator."""

    class Kind(models.TextChoices):
        POSITIVE = "positive", _("positive")
        NEGATIVE = "negative", _("point to work on")

    item = models.ForeignKey(MeetingItem, on_delete=models.CASCADE, related_name="points")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    text = models.CharField(_("point"), max_length=POINT_MAX_LENGTH)
    noted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    noted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("point")
        verbose_name_plural = _("points")
        ordering = ["noted_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(kind__in=["positive", "negative"]), name="itempoint_kind_valid"),
            models.CheckConstraint(condition=~models.Q(text=""), name="itempoint_text_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.text[:40]}"


class FloorRequest(models.Model):
    """A participant asks the chair for the floor from their own device: the speaker queue.

    requested → granted (the one current speaker) → done; or withdrawn before it is granted.
    """

    class Status(models.TextChoices):
        REQUESTED = "requested", _("waiting for the floor")
        GRANTED = "granted", _("speaking")
        DONE = "done", _("done")
        WITHDRAWN = "withdrawn", _("withdrawn")

    item = models.ForeignKey(MeetingItem, on_delete=models.CASCADE, related_name="floor_requests")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.REQUESTED)
    requested_at = models.DateTimeField(auto_now_add=True)
    granted_at = models.DateTimeField(null=True, blank=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("request for the floor")
        verbose_name_plural = _("requests for the floor")
        ordering = ["requested_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["requested", "granted", "done", "withdrawn"]),
                name="floorrequest_status_valid",
            ),
            # One open request per person per item: asking twice does not jump the queue.
            models.UniqueConstraint(
                fields=["item", "user"],
                condition=models.Q(status__in=["requested", "granted"]),
                name="floorrequest_one_open_per_person",
            ),
            # One person speaks at a time: two chairs granting at once cannot make two speakers.
            models.UniqueConstraint(
                fields=["item"], condition=models.Q(status="granted"), name="floorrequest_one_speaker"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["requested", "withdrawn"]) | models.Q(granted_at__isnull=False),
                name="floorrequest_granted_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.status}"


class ItemDecision(models.Model):
    """What the meeting decided for one student's item: tips, and agreements (mentoring.Agreement.class_item).

    An item cannot close without it.
    """

    item = models.OneToOneField(MeetingItem, on_delete=models.CASCADE, related_name="decision")
    tips = models.TextField(_("tips"), max_length=TIPS_MAX_LENGTH, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")

    def __str__(self) -> str:
        return f"{self.item}: {self.tips[:40]}"


class MinutesJob(FileJob):
    """The minutes of one open class meeting as a PDF, made by a Celery task; the page polls it.

    One row per meeting, reused: asking again resets it and replaces the file. The file lives
    under MEDIA_ROOT, which is never served by URL: a permission-checked view sends it (the
    minutes hold every student's notes, so only the staff who follow the meeting get it).
    """

    task_name = "classmeetings.tasks.class_minutes_render_task"

    meeting = models.OneToOneField(OpenClassMeeting, on_delete=models.CASCADE, related_name="minutes_job")
    file = models.FileField(upload_to="class-meeting-minutes/", blank=True)

    class Meta:
        verbose_name = _("minutes of an open class meeting")
        verbose_name_plural = _("minutes of open class meetings")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["pending", "running", "done", "failed"]),
                name="classmeetings_minutesjob_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.meeting}: {self.status}"

    @classmethod
    def concerning_student(cls, student: Student) -> models.QuerySet["MinutesJob"]:
        """The minutes that name the student (privacy erasure): their class's meetings (the programme,
        the class representative, last time's agreements) and any meeting with them on its programme.
        """
        return cls.objects.filter(
            models.Q(meeting__class_group_id=student.class_group_id)
            | models.Q(meeting__in=MeetingStudent.objects.filter(student=student).values("meeting"))
            | models.Q(meeting__in=MeetingItem.objects.filter(student=student).values("meeting"))
        )
