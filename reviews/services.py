"""Writes for review cycles and entries: one function per use case, transactional."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage, get_connection
from django.core.validators import ProhibitNullCharactersValidator
from django.db import IntegrityError, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from school import jobs
from school.models import Department, Period, School, Student, TeachingGroup, User

from . import policies, selectors, tasks
from .models import (
    ADVICE_MAX_LENGTH,
    PHASE_ORDER,
    AdvicePhrase,
    Entry,
    EntryChange,
    Light,
    LightScheme,
    Phase,
    ReminderJob,
    ReviewCycle,
)

if TYPE_CHECKING:
    from .grades_import import GradeLine

logger = logging.getLogger(__name__)

ENTRY_FIELDS = ("grade", "light", "advice")
GRADE_PATTERN = re.compile(r"^\s*(\d{1,2})(?:[.,](\d+))?\s*$")


# --- cycles ---------------------------------------------------------------------------------


def cycle_create(
    *,
    school: School,
    actor: User,
    name: str,
    period: Period,
    departments: list[Department],
    entry_deadline,
    speed_date_on=None,
    meeting_on=None,
    talks_until=None,
) -> ReviewCycle:
    allowed = set(policies.department_choices_for(actor).values_list("pk", flat=True))
    if not policies.can_create_cycle(actor) or not {d.pk for d in departments} <= allowed:
        raise PermissionDenied
    if not departments:
        raise ValidationError({"departments": _("Choose at least one department.")})
    if period.school_id != school.pk:
        raise PermissionDenied
    cycle = ReviewCycle(
        school=school,
        period=period,
        name=name,
        entry_deadline=entry_deadline,
        speed_date_on=speed_date_on,
        meeting_on=meeting_on,
        talks_until=talks_until,
        created_by=actor,
    )
    _check_dates(cycle)
    cycle.full_clean()
    with transaction.atomic():
        cycle.save()
        cycle.departments.set(departments)
    return cycle


def _check_dates(cycle: ReviewCycle) -> None:
    steps = [
        ("speed_date_on", cycle.speed_date_on),
        ("meeting_on", cycle.meeting_on),
        ("talks_until", cycle.talks_until),
    ]
    previous = cycle.entry_deadline
    for field, value in steps:
        if value is None:
            continue
        if previous is not None and value < previous:
            raise ValidationError({field: _("This date lies before the step that comes before it.")})
        previous = value


def cycle_advance(*, cycle: ReviewCycle, actor: User, to_phase: str) -> ReviewCycle:
    """Move a cycle one phase on. Only forward, one step, by whoever runs the cycle.

    The update is conditional on the phase the actor saw, so two clicks at once
    move the cycle once.
    """
    if not policies.can_manage_cycle(actor, cycle):
        raise PermissionDenied
    expected = cycle.next_phase
    if expected is None or to_phase != expected:
        raise ValidationError(_("A cycle moves one phase at a time, in order; this step is not possible now."))
    moved = ReviewCycle.objects.filter(pk=cycle.pk, phase=cycle.phase).update(
        phase=to_phase, phase_changed_at=timezone.now()
    )
    if not moved:
        raise ValidationError(_("Somebody else changed the phase of this cycle just now. Reload the page."))
    cycle.refresh_from_db()
    return cycle


# --- entries ------------------------------------------------------------------------------------


def parse_grade(value: str) -> Decimal | None:
    """A Dutch grade from what a teacher typed: '7,5', '7.5', '8'. Empty means no grade."""
    if value is None or not str(value).strip():
        return None
    match = GRADE_PATTERN.match(str(value))
    if not match:
        raise ValidationError(
            _("“%(value)s” is not a grade: type a number from 1,0 to 10,0, for example 7,5."),
            params={"value": value},
            code="invalid",
        )
    whole, fraction = match.groups()
    if fraction is not None and len(fraction) > 1:
        raise ValidationError(
            _("“%(value)s” has more than one decimal: a grade has one, for example 5,5."),
            params={"value": value},
            code="decimals",
        )
    grade = Decimal(f"{whole}.{fraction or 0}")
    if not Decimal("1.0") <= grade <= Decimal("10.0"):
        raise ValidationError(
            _("%(value)s is outside the scale: a grade is from 1,0 to 10,0."), params={"value": value}, code="range"
        )
    return grade


def clean_entry_values(values: dict[str, str]) -> dict[str, object]:
    """Turn submitted cell values into model values; ValidationError per field."""
    cleaned: dict[str, object] = {}
    errors: dict[str, list[str]] = {}
    for field, raw in values.items():
        if field not in ENTRY_FIELDS:
            continue
        try:
            if field == "grade":
                cleaned["grade"] = parse_grade(raw)
            elif field == "light":
                light = (raw or "").strip().lower()
                if light not in ("", *Light.values):
                    raise ValidationError(_("Choose green, orange or red."), code="invalid")
                cleaned["light"] = light
            else:
                advice = (raw or "").strip()
                ProhibitNullCharactersValidator()(advice)  # PostgreSQL stores no NUL byte in text
                if len(advice) > ADVICE_MAX_LENGTH:
                    raise ValidationError(
                        _("The advice is %(length)s characters long; at most %(max)s fit."),
                        params={"length": len(advice), "max": ADVICE_MAX_LENGTH},
                        code="max_length",
                    )
                cleaned["advice"] = advice
        except ValidationError as error:
            errors[field] = error.messages
    if errors:
        raise ValidationError(errors)
    return cleaned


class EntryConflict(Exception):
    """Somebody else saved this entry since the user loaded it; nothing was written."""

    def __init__(self, current: Entry) -> None:
        super().__init__("entry changed by someone else")
        self.current = current


@dataclass
class SavedEntry:
    entry: Entry
    changed: bool


def _snapshot(entry: Entry | None, fields) -> dict[str, str]:
    if entry is None:
        return dict.fromkeys(fields, "")
    return {field: "" if getattr(entry, field) is None else str(getattr(entry, field)) for field in fields}


def entry_save(
    *,
    cycle: ReviewCycle,
    teaching_group: TeachingGroup,
    student: Student,
    actor: User,
    values: dict[str, str],
    version: int,
    reason: str = "",
) -> SavedEntry:
    """Save some fields of one entry, refusing to overwrite a newer version.

    `version` is the version the teacher's screen showed (0: no entry yet).
    During the entry phase no reason is needed; afterwards an edit needs one and
    is logged with it; a closed cycle is read-only. Every change is kept in the
    entry's history.
    """
    if not policies.can_edit_entries(actor, cycle, teaching_group):
        raise PermissionDenied
    if not teaching_group.enrollments.filter(student=student).exists():
        raise PermissionDenied
    cleaned = clean_entry_values(values)
    reason = (reason or "").strip()
    if not cycle.is_entry_open and not reason:
        raise ValidationError(
            {"reason": _("The entry phase is over: say why you change this entry. The change is logged.")}
        )
    fields = list(cleaned)
    with transaction.atomic():
        current = (
            Entry.objects.select_for_update()
            .filter(cycle=cycle, teaching_group=teaching_group, student=student)
            .first()
        )
        if (current.version if current else 0) != version:
            raise EntryConflict(current or Entry(cycle=cycle, teaching_group=teaching_group, student=student))
        before = _snapshot(current, fields)
        if current is None:
            entry = Entry(cycle=cycle, teaching_group=teaching_group, student=student, updated_by=actor, **cleaned)
            try:
                with transaction.atomic():
                    entry.save()
            except IntegrityError:
                # A co-teacher created it a moment ago: theirs stands, the user sees it.
                raise EntryConflict(
                    Entry.objects.get(cycle=cycle, teaching_group=teaching_group, student=student)
                ) from None
        else:
            entry = current
            for field, value in cleaned.items():
                setattr(entry, field, value)
            if _snapshot(entry, fields) == before:
                return SavedEntry(entry=entry, changed=False)
            entry.updated_by = actor
            # The row stays locked (select_for_update) until commit, so its version cannot move
            # meanwhile: no F() expression, and no query to read the new version back.
            entry.version = current.version + 1
            entry.save(update_fields=[*fields, "version", "updated_by", "updated_at"])
        EntryChange.objects.create(
            entry=entry,
            changed_by=actor,
            phase=cycle.phase,
            before=before,
            after=_snapshot(entry, fields),
            reason=reason,
        )
    return SavedEntry(entry=entry, changed=True)


def phase_index(phase: str) -> int:
    return PHASE_ORDER.index(Phase(phase))


# --- the entry grid's bulk actions (issue 3) ---------------------------------------------------------

BULK_ATTEMPTS = 3


def _grid_student_ids(cycle: ReviewCycle, teaching_group: TeachingGroup) -> list[int]:
    """The students the group's grid shows: the cycle's students enrolled in the group."""
    return list(
        policies.cycle_students(cycle).filter(enrollments__teaching_group=teaching_group).values_list("pk", flat=True)
    )


def _check_bulk_allowed(cycle: ReviewCycle, teaching_group: TeachingGroup, actor: User) -> None:
    if not policies.can_edit_entries(actor, cycle, teaching_group):
        raise PermissionDenied
    if not cycle.is_entry_open:
        # After the entry phase every change needs its own reason; a bulk action has none.
        raise ValidationError(_("Bulk actions are possible only while the entry phase is open."), code="phase")


def _fill_empty(
    *,
    cycle: ReviewCycle,
    teaching_group: TeachingGroup,
    actor: User,
    field: str,
    values: dict[int, str],
) -> int:
    """Put values[student_id] into `field` of each student's entry where that field is still empty.

    One transaction; existing entries are locked, so a co-teacher's save waits and
    is then refused by its version. Every changed entry gets a history row.
    A co-teacher creating an entry at the same moment makes the insert fail: we
    start again (the new entry is then an existing one).
    """
    for attempt in range(BULK_ATTEMPTS):
        try:
            with transaction.atomic():
                return _fill_empty_once(
                    cycle=cycle, teaching_group=teaching_group, actor=actor, field=field, values=values
                )
        except IntegrityError:
            if attempt == BULK_ATTEMPTS - 1:
                raise
    return 0  # pragma: no cover - the loop returns or raises


def _fill_empty_once(
    *, cycle: ReviewCycle, teaching_group: TeachingGroup, actor: User, field: str, values: dict[int, str]
) -> int:
    existing = {
        entry.student_id: entry
        for entry in Entry.objects.select_for_update().filter(
            cycle=cycle, teaching_group=teaching_group, student_id__in=list(values)
        )
    }
    now = timezone.now()
    to_update = [entry for student_id, entry in existing.items() if not getattr(entry, field)]
    for entry in to_update:
        setattr(entry, field, values[entry.student_id])
        entry.version += 1
        entry.updated_by = actor
        entry.updated_at = now
    Entry.objects.bulk_update(to_update, [field, "version", "updated_by", "updated_at"])
    created = Entry.objects.bulk_create(
        Entry(
            cycle=cycle,
            teaching_group=teaching_group,
            student_id=student_id,
            updated_by=actor,
            **{field: value},
        )
        for student_id, value in values.items()
        if student_id not in existing
    )
    changed = [*to_update, *created]
    EntryChange.objects.bulk_create(
        EntryChange(
            entry=entry,
            changed_by=actor,
            phase=cycle.phase,
            before={field: ""},
            after={field: getattr(entry, field)},
        )
        for entry in changed
    )
    return len(changed)


def entries_fill_green(*, cycle: ReviewCycle, teaching_group: TeachingGroup, actor: User) -> int:
    """Set every empty light of the group to green; a light already set is never overwritten.

    Returns how many entries changed.
    """
    _check_bulk_allowed(cycle, teaching_group, actor)
    student_ids = _grid_student_ids(cycle, teaching_group)
    return _fill_empty(
        cycle=cycle,
        teaching_group=teaching_group,
        actor=actor,
        field="light",
        values=dict.fromkeys(student_ids, Light.GREEN.value),
    )


def entries_copy_previous_advice(*, cycle: ReviewCycle, teaching_group: TeachingGroup, actor: User) -> int:
    """Copy last cycle's advice as a starting point, only into advice that is still empty.

    For each student: the advice of the same student in the same subject from the
    most recent earlier cycle of the school (by the start of its period) in which
    the student has an entry for that subject. Returns how many entries changed.
    """
    _check_bulk_allowed(cycle, teaching_group, actor)
    student_ids = _grid_student_ids(cycle, teaching_group)
    earlier = (
        Entry.objects.filter(
            cycle__school_id=cycle.school_id,
            cycle__period__start_date__lt=cycle.period.start_date,
            teaching_group__subject_id=teaching_group.subject_id,
            student_id__in=student_ids,
        )
        .order_by("student_id", "-cycle__period__start_date", "-cycle_id", "-pk")
        .values_list("student_id", "advice")
    )
    latest: dict[int, str] = {}
    for student_id, advice in earlier:
        latest.setdefault(student_id, advice)
    values = {student_id: advice for student_id, advice in latest.items() if advice.strip()}
    if not values:
        return 0
    return _fill_empty(cycle=cycle, teaching_group=teaching_group, actor=actor, field="advice", values=values)


# --- a teacher's phrase bank -----------------------------------------------------------------------

PHRASES_MAX = 50


def advice_phrase_create(*, owner: User, text: str) -> AdvicePhrase:
    if not policies.can_keep_phrases(owner):
        raise PermissionDenied
    with transaction.atomic():
        phrases = list(policies.advice_phrases_of(owner).select_for_update())
        if len(phrases) >= PHRASES_MAX:
            raise ValidationError(
                {
                    "text": ValidationError(
                        _("You have %(max)s phrases, the most there is room for: delete one first."),
                        params={"max": PHRASES_MAX},
                    )
                }
            )
        phrase = AdvicePhrase(
            owner=owner, text=(text or "").strip(), position=max((p.position for p in phrases), default=-1) + 1
        )
        phrase.full_clean()
        phrase.save()
    return phrase


def advice_phrase_delete(*, owner: User, phrase: AdvicePhrase) -> None:
    if phrase.owner_id != owner.pk:
        raise PermissionDenied
    phrase.delete()


def advice_phrase_move(*, owner: User, phrase: AdvicePhrase, offset: int) -> None:
    """Move a phrase one place up (-1) or down (+1) in the owner's list; the ends stay put."""
    if phrase.owner_id != owner.pk:
        raise PermissionDenied
    with transaction.atomic():
        phrases = list(policies.advice_phrases_of(owner).select_for_update())
        index = next(i for i, p in enumerate(phrases) if p.pk == phrase.pk)
        target = index + (1 if offset > 0 else -1)
        if not 0 <= target < len(phrases):
            return
        phrases[index], phrases[target] = phrases[target], phrases[index]
        for position, item in enumerate(phrases):
            item.position = position
        AdvicePhrase.objects.bulk_update(phrases, ["position"])


# --- reminders to the teachers behind (issue 3) ---------------------------------------------------


def reminder_job_create(*, cycle: ReviewCycle, actor: User, site_url: str = "") -> ReminderJob:
    """Queue one e-mail to every teacher with entries still open; the cycle page then polls the job.

    `site_url` ("https://school.example") makes the mails' links absolute: a task has no request.
    """
    if not policies.can_manage_cycle(actor, cycle):
        raise PermissionDenied
    if not cycle.is_entry_open:
        raise ValidationError(_("Reminders are for the entry phase, and that is over for this cycle."), code="phase")
    letters = selectors.reminder_letters(cycle=cycle)
    if not letters:
        raise ValidationError(_("Every teacher has finished their entries: there is nobody to remind."), code="nobody")
    try:
        with transaction.atomic():
            job = ReminderJob.objects.create(
                cycle=cycle, requested_by=actor, total=len(letters), site_url=site_url.rstrip("/")[:200]
            )
            # Never lost when the broker is down: the row waits, marked unsent (see school.jobs.job_send).
            jobs.job_enqueue(ReminderJob, job.pk, tasks.reminders_send_task)
    except IntegrityError:
        # The constraint allows one waiting or running job per cycle: a double click queues one.
        waiting = ReminderJob.objects.filter(cycle=cycle, status=ReminderJob.Status.PENDING).first()
        if waiting is not None and waiting.is_unsent:  # asked again while the broker was down: try once more
            return jobs.job_resend(waiting, tasks.reminders_send_task)
        raise ValidationError(
            _("A reminder for this cycle is being sent right now. Wait until it is done."), code="busy"
        ) from None
    return job


def reminder_job_claim(*, job_id: int) -> ReminderJob | None:
    """PENDING → RUNNING, once: a message delivered twice finds the job claimed and sends nothing."""
    claimed = ReminderJob.objects.filter(pk=job_id, status=ReminderJob.Status.PENDING).update(
        status=ReminderJob.Status.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return None
    return ReminderJob.objects.select_related("cycle__school", "requested_by").get(pk=job_id)


def reminder_job_run(*, job: ReminderJob) -> ReminderJob:
    """Send a claimed job's mails, one per teacher behind as they are now, counting each one sent."""
    status = ReminderJob.Status.DONE
    try:
        letters = selectors.reminder_letters(cycle=job.cycle)
        ReminderJob.objects.filter(pk=job.pk).update(total=len(letters))
        with get_connection() as connection:  # one connection to the mail server for the whole round
            for letter in letters:
                message = _reminder_message(job=job, letter=letter)
                message.connection = connection
                message.send()
                # Outside any transaction: the polling page sees every mail go out.
                ReminderJob.objects.filter(pk=job.pk).update(sent=F("sent") + 1)
    except Exception:
        # The team leader sees a job that failed (and how many went out), not one that runs for ever.
        logger.exception("Reminder job %s failed", job.pk)
        status = ReminderJob.Status.FAILED
    ReminderJob.objects.filter(pk=job.pk).update(status=status, finished_at=timezone.now())
    job.refresh_from_db()
    return job


def _reminder_message(*, job: ReminderJob, letter: selectors.ReminderLetter) -> EmailMessage:
    """One teacher's reminder, in their own language (or the school's): their open groups, the deadline, links."""
    user = letter.staff.user
    cycle = job.cycle
    language = user.language or cycle.school.language or settings.LANGUAGE_CODE
    with translation.override(language):
        context = {
            "teacher": user,
            "cycle": cycle,
            "letter": letter,
            "sender": job.requested_by,
            "cycle_url": job.site_url + reverse("reviews:cycle_detail", args=[cycle.pk]),
            "groups": [
                (progress, job.site_url + reverse("reviews:grid", args=[cycle.pk, progress.group.pk]))
                for progress in letter.groups
            ],
        }
        subject = " ".join(render_to_string("reviews/email/reminder_subject.txt", context).split())
        body = render_to_string("reviews/email/reminder.txt", context)
    reply_to = [job.requested_by.email] if job.requested_by and job.requested_by.email else []
    return EmailMessage(subject=subject, body=body, to=[user.email], reply_to=reply_to)


# --- grades import into a teaching group's grid (issue 3) ------------------------------------------


class GradesImportConflict(Exception):
    """Somebody saved a student's entry after the file was checked: nothing of the file was written."""

    def __init__(self, student: Student, current: Entry) -> None:
        super().__init__("entry changed since the grades file was checked")
        self.student = student
        self.current = current


def grades_import_apply(
    *,
    cycle: ReviewCycle,
    teaching_group: TeachingGroup,
    actor: User,
    grades: Sequence[GradeLine],
    reason: str = "",
) -> int:
    """Write a checked grades file, all or nothing; returns how many entries changed.

    Every grade goes through `entry_save`, so each change has its history row and
    the version check: the version is the one the preview showed, and an entry
    saved by somebody else since then stops the whole import (GradesImportConflict).
    After the entry phase a reason is needed, as for every change.
    """
    if not policies.can_edit_entries(actor, cycle, teaching_group):
        raise PermissionDenied
    if not grades:
        raise ValidationError(_("There are no grades to import."), code="empty")
    wanted = {line.student_id for line in grades}
    students = policies.cycle_students(cycle).filter(enrollments__teaching_group=teaching_group).in_bulk(list(wanted))
    if len(students) != len(wanted):
        raise ValidationError(
            _("The students of this group changed after the file was checked. Check the file again."), code="stale"
        )
    changed = 0
    with transaction.atomic():
        for line in grades:
            student = students[line.student_id]
            try:
                saved = entry_save(
                    cycle=cycle,
                    teaching_group=teaching_group,
                    student=student,
                    actor=actor,
                    values={"grade": str(line.grade)},
                    version=line.version,
                    reason=reason,
                )
            except EntryConflict as conflict:
                raise GradesImportConflict(student=student, current=conflict.current) from None
            changed += saved.changed
    return changed


# --- the school's traffic-light words (issue 3) -------------------------------------------------


def light_scheme_save(*, school: School, actor: User, green: str, orange: str, red: str, palette: str) -> LightScheme:
    """Set the school's labels and colours for the three lights."""
    if not policies.can_manage_light_scheme(actor) or actor.school_id != school.pk:
        raise PermissionDenied
    with transaction.atomic():
        scheme = LightScheme.objects.select_for_update().filter(school=school).first() or LightScheme(school=school)
        scheme.green, scheme.orange, scheme.red = green.strip(), orange.strip(), red.strip()
        scheme.palette = palette
        scheme.full_clean()
        scheme.save()
    return scheme
