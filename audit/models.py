"""The audit log: who read or changed which sensitive record, when and from where.

Append-only: rows are written by `audit.services.audit_record` and removed only by the
retention purge (`audit.services.audit_purge`); nothing in the code changes a row, with one
exception: when privacy erasure anonymises a person's account (a student who left, a guardian
left without children), `audit.services.audit_actor_forget` replaces that person's name on the
events they did with the account's anonymised name and blanks their address and browser, so the
name does not outlive the erasure; when, what, which record and about whom stay.
The summary names what happened, never the sensitive content itself.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from school.models import School, Student

SUMMARY_MAX_LENGTH = 300
PATH_MAX_LENGTH = 300
USER_AGENT_MAX_LENGTH = 200


class AuditEvent(models.Model):
    class Action(models.TextChoices):
        READ = "read", _("read")
        CREATE = "create", _("create")
        UPDATE = "update", _("update")
        DELETE = "delete", _("delete")
        DOWNLOAD = "download", _("download")
        EXPORT = "export", _("export")

    class Kind(models.TextChoices):
        CARE_MEETING = "care_meeting", _("care meeting")
        CARE_BOARD = "care_board", _("care-board session")
        ESCALATION = "escalation", _("escalation")
        DECISION = "decision", _("decision")
        REFLECTION = "reflection", _("reflection")
        PREP_SHEET = "prep_sheet", _("prep sheet")
        MINUTES = "minutes", _("minutes")
        PREPARED_INPUT = "prepared_input", _("prepared input")
        ITEM_NOTES = "item_notes", _("item notes")
        STUDENT_EXPORT = "student_export", _("student export")
        STUDENT_ERASURE = "student_erasure", _("student erasure")
        # Page reads about students: the mentor's page of one student in a round, one student's agreements
        # timeline, a class's progress board (and its monthly discussion). Improvement boards are about a
        # group's way of working, not about a student: not logged.
        STUDENT_PAGE = "student_page", _("student page in a round")
        AGREEMENT_TIMELINE = "agreement_timeline", _("agreements timeline")
        PROGRESS_BOARD = "progress_board", _("progress board")
        # More page reads about one student: the mentor talk's page (notes, reflection, agreements), the
        # history of one entry (a student's light and advice in one subject), a question's thread about one
        # entry, and one student's summary of an open class meeting (by others than the student and guardians).
        MENTOR_TALK = "mentor_talk", _("mentor talk")
        ENTRY_HISTORY = "entry_history", _("entry history")
        QUESTION = "question", _("question about an entry")
        MEETING_SUMMARY = "meeting_summary", _("class meeting summary")

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="audit_events")
    # The person stays readable when their account is removed: the name is kept beside the link.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_name = models.CharField(_("who"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    kind = models.CharField(_("what"), max_length=30, choices=Kind.choices)
    object_id = models.PositiveBigIntegerField(_("record"), null=True, blank=True)
    student = models.ForeignKey(
        Student, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("student")
    )
    summary = models.CharField(_("summary"), max_length=SUMMARY_MAX_LENGTH, blank=True)
    path = models.CharField(_("page"), max_length=PATH_MAX_LENGTH, blank=True)
    ip_address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=USER_AGENT_MAX_LENGTH, blank=True)
    at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-at", "-pk"]
        # The admin's page filters within one school, newest first; the purge goes by date.
        indexes = [
            models.Index(fields=["school", "-at"], name="audit_school_at"),
            models.Index(fields=["school", "actor", "-at"], name="audit_school_actor_at"),
            models.Index(fields=["school", "student", "-at"], name="audit_school_student_at"),
            models.Index(fields=["school", "kind", "-at"], name="audit_school_kind_at"),
            models.Index(fields=["at"], name="audit_at"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(action__in=["read", "create", "update", "delete", "download", "export"]),
                name="auditevent_action_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.kind}"

    def save(self, *args, **kwargs) -> None:
        # Append-only: a written event is evidence, never edited.
        if not self._state.adding:
            raise ValueError("Audit events are append-only.")
        super().save(*args, **kwargs)
