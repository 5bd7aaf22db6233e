"""Review cycles and the traffic-light entries subject teachers make (DESIGN §1.1 step 1)."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from school.jobs import QueuedJob
from school.models import Department, Period, School, Student, TeachingGroup

ADVICE_MAX_LENGTH = 2000


class Phase(models.TextChoices):
    ENTRY = "entry", _("Traffic lights")
    SPEED_DATE = "speed_date", _("Speed-date")
    DEPARTMENT_MEETING = "department_meeting", _("Department meeting")
    MENTOR_TALKS = "mentor_talks", _("Mentor talks")
    CLOSED = "closed", _("Closed")


# The phases in their one allowed order; a cycle moves one step at a time.
PHASE_ORDER = [Phase.ENTRY, Phase.SPEED_DATE, Phase.DEPARTMENT_MEETING, Phase.MENTOR_TALKS, Phase.CLOSED]


class Light(models.TextChoices):
    GREEN = "green", _("green")
    ORANGE = "orange", _("orange")
    RED = "red", _("red")


class ReviewCycle(models.Model):
    """One 'leerlingbespreking' round after a test week, for one or more departments."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="review_cycles")
    period = models.ForeignKey(Period, on_delete=models.RESTRICT, related_name="review_cycles")
    departments = models.ManyToManyField(Department, related_name="review_cycles", verbose_name=_("departments"))
    name = models.CharField(_("name"), max_length=120)
    phase = models.CharField(_("phase"), max_length=20, choices=Phase.choices, default=Phase.ENTRY)
    entry_deadline = models.DateField(_("deadline for traffic lights"))
    speed_date_on = models.DateField(_("speed-date"), null=True, blank=True)
    meeting_on = models.DateField(_("department meeting"), null=True, blank=True)
    talks_until = models.DateField(_("mentor talks until"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    phase_changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("review cycle")
        verbose_name_plural = _("review cycles")
        ordering = ["-entry_deadline", "name"]
        constraints = [
            models.UniqueConstraint(fields=["school", "name"], name="reviewcycle_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_closed(self) -> bool:
        return self.phase == Phase.CLOSED

    @property
    def is_entry_open(self) -> bool:
        return self.phase == Phase.ENTRY

    @property
    def next_phase(self) -> Phase | None:
        index = PHASE_ORDER.index(Phase(self.phase))
        return PHASE_ORDER[index + 1] if index + 1 < len(PHASE_ORDER) else None


# An entry is complete with a light, and advice with every orange or red light.
ENTRY_COMPLETE = models.Q(light=Light.GREEN) | (models.Q(light__in=[Light.ORANGE, Light.RED]) & ~models.Q(advice=""))


class Entry(models.Model):
    """One student's grade, traffic light and advice for one teaching group in one cycle.

    `version` grows with every save: a save names the version it started from,
    and is refused when somebody else saved in between (no silent overwrite).
    """

    cycle = models.ForeignKey(ReviewCycle, on_delete=models.CASCADE, related_name="entries")
    teaching_group = models.ForeignKey(TeachingGroup, on_delete=models.CASCADE, related_name="entries")
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="entries")
    grade = models.DecimalField(
        _("grade"),
        max_digits=3,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("1.0")), MaxValueValidator(Decimal("10.0"))],
    )
    light = models.CharField(_("traffic light"), max_length=10, choices=Light.choices, blank=True)
    advice = models.TextField(_("advice"), max_length=ADVICE_MAX_LENGTH, blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("entry")
        verbose_name_plural = _("entries")
        constraints = [
            models.UniqueConstraint(fields=["cycle", "teaching_group", "student"], name="entry_unique_cell"),
            models.CheckConstraint(
                condition=models.Q(grade__isnull=True) | models.Q(grade__gte=1, grade__lte=10),
                name="entry_grade_range",
            ),
            models.CheckConstraint(
                condition=models.Q(light__in=["", *Light.values]),
                name="entry_light_valid",
            ),
        ]
        indexes = [models.Index(fields=["cycle", "student"])]

    def __str__(self) -> str:
        return f"{self.student} / {self.teaching_group}"

    @property
    def is_complete(self) -> bool:
        """The row-level twin of ENTRY_COMPLETE."""
        return self.light == Light.GREEN or (self.light in (Light.ORANGE, Light.RED) and bool(self.advice.strip()))


class EntryChange(models.Model):
    """The history of an entry: who changed what, when, and (after the entry phase) why."""

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="changes")
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True)
    phase = models.CharField(max_length=20, choices=Phase.choices)
    before = models.JSONField(default=dict)
    after = models.JSONField(default=dict)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("entry change")
        verbose_name_plural = _("entry changes")
        ordering = ["-changed_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.entry} @ {self.changed_at:%Y-%m-%d %H:%M}"


class Palette(models.TextChoices):
    # Both palettes stay apart for the common colour-vision deficiencies, and a
    # light always carries its letter and icon too, never colour alone.
    CLASSIC = "classic", _("green / orange / red")
    BLUE_ORANGE = "blue_orange", _("blue / orange / vermilion")


class LightScheme(models.Model):
    """How a school names and colours its three lights ("op koers / aandacht / actie nodig")."""

    school = models.OneToOneField(School, on_delete=models.CASCADE, related_name="light_scheme")
    green = models.CharField(_("label for green"), max_length=40)
    orange = models.CharField(_("label for orange"), max_length=40)
    red = models.CharField(_("label for red"), max_length=40)
    palette = models.CharField(_("colours"), max_length=20, choices=Palette.choices, default=Palette.CLASSIC)

    class Meta:
        verbose_name = _("traffic-light labels")
        verbose_name_plural = _("traffic-light labels")

    def __str__(self) -> str:
        return f"{self.green} / {self.orange} / {self.red}"


class AdvicePhrase(models.Model):
    """A teacher's own snippet of advice, insertable in the grid with a keystroke."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="advice_phrases")
    text = models.CharField(_("text"), max_length=300)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("advice phrase")
        verbose_name_plural = _("advice phrases")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.text


class ReminderJob(QueuedJob):
    """One "send a reminder to the teachers behind" run: the row the cycle page polls.

    The task claims it PENDING → RUNNING with a conditional update, so a message
    delivered twice sends nothing twice. `sent` grows as the mails go out. While the
    broker is down it waits, marked unsent (`error`, see school.jobs), and is sent once it is back.
    """

    task_name = "reviews.tasks.reminders_send_task"

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting")
        RUNNING = "running", _("sending")
        DONE = "done", _("sent")
        FAILED = "failed", _("failed")

    cycle = models.ForeignKey(ReviewCycle, on_delete=models.CASCADE, related_name="reminder_jobs")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    # The page's address as the requester saw it: the mails link back to it (a task has no request).
    site_url = models.CharField(max_length=200, blank=True)
    total = models.PositiveIntegerField(_("teachers"), default=0)
    sent = models.PositiveIntegerField(_("e-mails sent"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        ordering = ["-created_at", "-pk"]
        constraints = [
            # One reminder run per cycle at a time: a double click queues one job, not two.
            models.UniqueConstraint(
                fields=["cycle"],
                condition=models.Q(status__in=["pending", "running"]),
                name="reminderjob_one_active_per_cycle",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.cycle} {self.created_at:%Y-%m-%d %H:%M} {self.status}"

    @property
    def is_done(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)
