"""The roster: schools, people, groups and subjects.

Everything belongs to one School; several schools share an installation and
never see each other. Roles are not stored as flags on the user: they follow
from the roster (a mentor is a staff member listed on a class group, a team
leader one listed on a department), so the roster import is the single source
of who may do what. Only the two school-wide roles (school admin and care
coordinator) are flags on Staff.
"""

from django.contrib.auth.models import AbstractUser
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from .jobs import QueuedJob


class School(models.Model):
    name = models.CharField(_("name"), max_length=200)
    source_id = models.CharField(_("source id"), max_length=100, blank=True)
    brin = models.CharField(_("BRIN code"), max_length=10, blank=True)
    language = models.CharField(_("language"), max_length=10, default="nl")
    timezone = models.CharField(_("time zone"), max_length=64, default="Europe/Amsterdam")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("school")
        verbose_name_plural = _("schools")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["source_id"], condition=~models.Q(source_id=""), name="school_unique_source_id"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A login. Belongs to one school (superusers may have none)."""

    school = models.ForeignKey(
        School, on_delete=models.CASCADE, null=True, blank=True, related_name="users", verbose_name=_("school")
    )
    language = models.CharField(_("preferred language"), max_length=10, blank=True)

    class Meta(AbstractUser.Meta):
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.get_full_name() or self.username


class SchoolYear(models.Model):
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="school_years")
    name = models.CharField(_("name"), max_length=50)  # "2026-2027"
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    source_id = models.CharField(_("source id"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("school year")
        verbose_name_plural = _("school years")
        ordering = ["-start_date"]
        constraints = [
            models.UniqueConstraint(fields=["school", "name"], name="schoolyear_unique_name"),
            models.CheckConstraint(condition=models.Q(end_date__gt=models.F("start_date")), name="schoolyear_dates"),
        ]

    def __str__(self) -> str:
        return self.name


class Period(models.Model):
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="periods")
    school_year = models.ForeignKey(SchoolYear, on_delete=models.CASCADE, related_name="periods")
    name = models.CharField(_("name"), max_length=50)  # "Periode 1"
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    source_id = models.CharField(_("source id"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("period")
        verbose_name_plural = _("periods")
        ordering = ["start_date"]
        constraints = [
            models.UniqueConstraint(fields=["school_year", "name"], name="period_unique_name"),
            models.CheckConstraint(condition=models.Q(end_date__gt=models.F("start_date")), name="period_dates"),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.school_year}"


class Staff(models.Model):
    """A member of staff: teacher, mentor, team leader, care coordinator, admin."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="staff")
    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="staff")
    code = models.CharField(_("staff code"), max_length=20)  # "JNS", as on the timetable
    is_school_admin = models.BooleanField(_("school admin"), default=False)
    is_care_coordinator = models.BooleanField(_("care coordinator"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    source_id = models.CharField(_("source id"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff")
        ordering = ["user__last_name", "user__first_name"]
        constraints = [
            models.UniqueConstraint(fields=["school", "code"], name="staff_unique_code"),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.code})"


class Department(models.Model):
    """An 'afdeling' or 'bouw': led by one or more team leaders."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="departments")
    name = models.CharField(_("name"), max_length=100)
    team_leaders = models.ManyToManyField(
        Staff, blank=True, related_name="led_departments", verbose_name=_("team leaders")
    )
    source_id = models.CharField(_("source id"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["school", "name"], name="department_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class Level(models.TextChoices):
    VMBO = "vmbo", "vmbo"
    HAVO = "havo", "havo"
    VWO = "vwo", "vwo"
    MBO = "mbo", "mbo"
    PO = "po", _("primary")


class ClassGroup(models.Model):
    """A 'klas' or 'mentorgroep': the students a mentor looks after."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="class_groups")
    school_year = models.ForeignKey(SchoolYear, on_delete=models.CASCADE, related_name="class_groups")
    department = models.ForeignKey(
        Department, on_delete=models.RESTRICT, related_name="class_groups", verbose_name=_("department")
    )
    name = models.CharField(_("name"), max_length=50)  # "4H1"
    level = models.CharField(_("level"), max_length=10, choices=Level.choices, blank=True)
    year = models.PositiveSmallIntegerField(
        _("year"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(8)]
    )
    mentors = models.ManyToManyField(Staff, blank=True, related_name="mentor_of", verbose_name=_("mentors"))
    source_id = models.CharField(_("source id"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("class group")
        verbose_name_plural = _("class groups")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["school_year", "name"], name="classgroup_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class Subject(models.Model):
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="subjects")
    code = models.CharField(_("code"), max_length=20)  # "ne"
    name = models.CharField(_("name"), max_length=100)  # "Nederlands"
    source_id = models.CharField(_("source id"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("subject")
        verbose_name_plural = _("subjects")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(Lower("code"), "school", name="subject_unique_code"),
        ]

    def __str__(self) -> str:
        return self.name


class Student(models.Model):
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="students")
    user = models.OneToOneField(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="student")
    number = models.CharField(_("student number"), max_length=30)
    first_name = models.CharField(_("first name"), max_length=100)
    infix = models.CharField(_("infix"), max_length=30, blank=True)  # "van der"
    last_name = models.CharField(_("last name"), max_length=100)
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    photo = models.ImageField(_("photo"), upload_to="photos/", blank=True)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices, blank=True)
    year = models.PositiveSmallIntegerField(
        _("year"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(8)]
    )
    class_group = models.ForeignKey(
        ClassGroup,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="students",
        verbose_name=_("class group"),
    )
    # A student who leaves is deactivated, never deleted: their history stays, until the
    # retention period after `left_at` ends and privacy.services anonymises them.
    is_active = models.BooleanField(_("active"), default=True)
    left_at = models.DateTimeField(_("left on"), null=True, blank=True)
    erased_at = models.DateTimeField(_("anonymised on"), null=True, blank=True)
    source_id = models.CharField(_("source id"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("student")
        verbose_name_plural = _("students")
        ordering = ["last_name", "first_name"]
        constraints = [
            models.UniqueConstraint(fields=["school", "number"], name="student_unique_number"),
        ]
        indexes = [models.Index(fields=["school", "is_active"])]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.first_name, self.infix, self.last_name) if part)

    @property
    def initials(self) -> str:
        return f"{self.first_name[:1]}{self.last_name[:1]}".upper()


class TeachingGroup(models.Model):
    """A 'lesgroep': one subject, taught by one or more teachers to some students."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="teaching_groups")
    school_year = models.ForeignKey(SchoolYear, on_delete=models.CASCADE, related_name="teaching_groups")
    subject = models.ForeignKey(Subject, on_delete=models.RESTRICT, related_name="teaching_groups")
    name = models.CharField(_("name"), max_length=50)  # "4H1-ne"
    teachers = models.ManyToManyField(Staff, blank=True, related_name="teaching_groups", verbose_name=_("teachers"))
    students = models.ManyToManyField(
        Student, blank=True, through="Enrollment", related_name="teaching_groups", verbose_name=_("students")
    )
    source_id = models.CharField(_("source id"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("teaching group")
        verbose_name_plural = _("teaching groups")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["school_year", "name"], name="teachinggroup_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class Enrollment(models.Model):
    teaching_group = models.ForeignKey(TeachingGroup, on_delete=models.CASCADE, related_name="enrollments")
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="enrollments")

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        constraints = [
            models.UniqueConstraint(fields=["teaching_group", "student"], name="enrollment_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.student} in {self.teaching_group}"


class Guardian(models.Model):
    """An 'ouder/verzorger': sees what is published about their children."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="guardians")
    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="guardian")
    students = models.ManyToManyField(Student, blank=True, related_name="guardians", verbose_name=_("children"))
    source_id = models.CharField(_("source id"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("guardian")
        verbose_name_plural = _("guardians")
        ordering = ["user__last_name", "user__first_name"]

    def __str__(self) -> str:
        return str(self.user)


class RosterImport(QueuedJob):
    """One run of the roster import: the job row the upload page polls, kept so the admin sees what changed.

    An upload starts as PENDING with dry_run set; a worker claims it (RUNNING) and
    stores the preview (PREVIEWED, or FAILED with the errors). "Apply" puts it back to
    PENDING with dry_run off, and the worker applies it (APPLIED or FAILED). While the broker
    is down it waits, marked unsent (`error`, see school.jobs; the import's own problems are in
    `errors`), and is sent once it is back.
    """

    task_name = "school.tasks.roster_import_run_task"

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting")
        RUNNING = "running", _("running")
        PREVIEWED = "previewed", _("previewed")
        APPLIED = "applied", _("applied")
        FAILED = "failed", _("failed")

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="roster_imports")
    started_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    applied_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    format = models.CharField(_("format"), max_length=20, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING)
    dry_run = models.BooleanField(_("dry run"), default=True)
    progress = models.PositiveSmallIntegerField(_("progress"), default=0)  # percent
    # Relative to MEDIA_ROOT, which is never served by URL. A folder of CSV files or one zip.
    upload_path = models.CharField(_("stored upload"), max_length=255, blank=True)
    upload_name = models.CharField(_("uploaded file"), max_length=255, blank=True)
    summary = models.JSONField(_("summary"), default=dict)
    errors = models.JSONField(_("errors"), default=list)

    class Meta:
        verbose_name = _("roster import")
        verbose_name_plural = _("roster imports")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=models.Q(progress__lte=100), name="rosterimport_progress_percent"),
        ]

    def __str__(self) -> str:
        return f"{self.school} {self.created_at:%Y-%m-%d %H:%M} {self.status}"

    @property
    def is_done(self) -> bool:
        return self.status in (self.Status.PREVIEWED, self.Status.APPLIED, self.Status.FAILED)


class UnsentTask(models.Model):
    """The outbox: a task without a job row (an e-mail notice) whose message the broker refused (Redis down).

    Written by school.jobs.task_enqueue, sent by the beat task (jobs_resend_unsent) once the broker is back,
    and deleted as soon as the broker has taken it. `args` holds primary keys only, never personal data:
    the task loads what it needs when it runs (and finds nothing of a student erased meanwhile).
    """

    task_name = models.CharField(_("task"), max_length=200)
    args = models.JSONField(_("arguments"), default=list)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)  # refused again by the beat task

    class Meta:
        verbose_name = _("unsent task")
        verbose_name_plural = _("unsent tasks")
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.task_name}{self.args} {self.created_at:%Y-%m-%d %H:%M}"
