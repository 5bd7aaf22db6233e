"""Where a student's personal data lives: every model that points at a student, and what erasure does to it.

One list serves the export (right of access) and the erasure (storage limitation), so the two
cannot drift apart. tests/privacy/test_registry.py walks every model's relations to Student and
User: a new model that points at either fails that test until it is listed here (or, for a
User relation that is about staff work rather than the student, in NOT_ABOUT_THE_STUDENT).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from django.apps import apps
from django.db import models


class Erase(enum.Enum):
    DELETE = "delete"  # the rows are about this student only: gone
    UNLINK = "unlink"  # shared rows (a care meeting, a guardian): only the link to the student goes
    KEEP = "keep"  # kept under its own retention rule (the audit log)


@dataclass(frozen=True)
class Section:
    key: str
    model_label: str  # "app_label.ModelName"
    path: str  # lookup from the model to the Student, e.g. "entry__student"
    erase: Erase

    @property
    def model(self) -> type[models.Model] | None:
        """The model, or None when its app is not installed (an optional app such as the audit log)."""
        try:
            return apps.get_model(self.model_label)
        except LookupError:
            return None

    @property
    def first_field(self) -> str:
        return self.path.split("__", 1)[0]


# Parents before children: the export reads in this order, erasure deletes in the reverse order.
SECTIONS: tuple[Section, ...] = (
    # The roster. The Student row itself and its user account are anonymised (privacy.services), not deleted.
    Section("enrolments", "school.Enrollment", "student", Erase.DELETE),
    Section("guardians", "school.Guardian", "students", Erase.UNLINK),
    # Review rounds: traffic lights, grades and advice.
    Section("entries", "reviews.Entry", "student", Erase.DELETE),
    Section("entry_changes", "reviews.EntryChange", "entry__student", Erase.DELETE),
    # Mentoring: questions, escalations and their department meeting, agreements, reflections, talks.
    Section("mentor_reviews", "mentoring.MentorReview", "student", Erase.DELETE),
    Section("questions", "mentoring.Question", "student", Erase.DELETE),
    Section("escalations", "mentoring.Escalation", "student", Erase.DELETE),
    Section("agenda_items", "mentoring.AgendaItem", "escalation__student", Erase.DELETE),
    Section("votes", "mentoring.Vote", "item__escalation__student", Erase.DELETE),
    Section("decisions", "mentoring.Decision", "student", Erase.DELETE),
    Section("agreements", "mentoring.Agreement", "student", Erase.DELETE),
    Section("guardian_sharing", "mentoring.GuardianSharing", "student", Erase.DELETE),
    Section("reflections", "mentoring.Reflection", "student", Erase.DELETE),
    Section("goals", "mentoring.Goal", "reflection__student", Erase.DELETE),
    Section("mentor_talks", "mentoring.MentorTalk", "student", Erase.DELETE),
    Section("prep_sheets", "mentoring.PrepSheet", "student", Erase.DELETE),
    # Boards: care meetings (with consent records) and the progress card.
    Section("care_meetings", "boards.CareMeeting", "children", Erase.UNLINK),
    Section("care_consents", "boards.CareConsent", "student", Erase.DELETE),
    Section("care_entries", "boards.CareEntry", "student", Erase.DELETE),
    Section("progress_cards", "boards.ProgressCard", "student", Erase.DELETE),
    Section("progress_card_changes", "boards.ProgressCardChange", "card__student", Erase.DELETE),
    # Open class meetings.
    Section("class_representative", "classmeetings.ClassRepresentative", "student", Erase.DELETE),
    Section("personal_coaches", "classmeetings.PersonalCoach", "student", Erase.DELETE),
    Section("class_meeting_rows", "classmeetings.MeetingStudent", "student", Erase.DELETE),
    Section("prepared_inputs", "classmeetings.PreparedInput", "student", Erase.DELETE),
    Section("class_meeting_items", "classmeetings.MeetingItem", "student", Erase.DELETE),
    Section("class_meeting_points", "classmeetings.ItemPoint", "item__student", Erase.DELETE),
    Section("class_meeting_decisions", "classmeetings.ItemDecision", "item__student", Erase.DELETE),
    Section("floor_requests_about", "classmeetings.FloorRequest", "item__student", Erase.DELETE),
    Section("floor_requests_by", "classmeetings.FloorRequest", "user__student", Erase.DELETE),
    # The right-of-access export's PDF (privacy.exports): kept a few days anyway; with its file.
    Section("student_exports", "privacy.StudentExportJob", "student", Erase.DELETE),
    # The audit log (when installed) keeps its own retention period (AUDIT_RETENTION_DAYS): who read what must
    # stay answerable for that long; its events hold no sensitive content, and the student's name is gone.
    Section("audit_events", "audit.AuditEvent", "student", Erase.KEEP),
)

# Relations to a User that record which member of staff (or guest) did something, or that are someone
# else's account: not the student's personal data. The export shows these people by name where they
# acted on the student's records (a decision's "decided by"), as the right of access asks.
NOT_ABOUT_THE_STUDENT: dict[tuple[str, str], str] = {
    ("admin.LogEntry", "user"): "the Django admin's own log of staff actions",
    ("school.Staff", "user"): "a member of staff's account",
    ("school.Student", "user"): "the student's own account: exported and anonymised with the Student row",
    ("school.Guardian", "user"): "a guardian's account: exported with the guardians section",
    ("school.RosterImport", "started_by"): "staff",
    ("school.RosterImport", "applied_by"): "staff",
    ("reviews.ReviewCycle", "created_by"): "staff",
    ("reviews.Entry", "updated_by"): "staff",
    ("reviews.EntryChange", "changed_by"): "staff",
    ("reviews.AdvicePhrase", "owner"): "a teacher's own phrases",
    ("reviews.ReminderJob", "requested_by"): "staff",
    ("mentoring.MentorReview", "reviewed_by"): "staff",
    ("mentoring.SpeedDate", "started_by"): "staff",
    ("mentoring.Question", "asked_by"): "the question is exported through its student",
    ("mentoring.Question", "answered_by"): "staff",
    ("mentoring.Escalation", "raised_by"): "staff",
    ("mentoring.Escalation", "handled_by"): "staff",
    ("mentoring.Decision", "decided_by"): "staff",
    ("mentoring.Agreement", "created_by"): "staff",
    ("mentoring.MinutesJob", "requested_by"): "staff",
    ("mentoring.Publication", "published_by"): "staff",
    ("mentoring.Reflection", "commented_by"): "staff",
    ("mentoring.MentorTalk", "booked_by"): "the talk is exported through its student",
    ("mentoring.PrepSheetJob", "requested_by"): "staff",
    ("boards.BoardItem", "updated_by"): "improvement boards are staff work",
    ("boards.BoardSession", "created_by"): "staff",
    ("boards.BoardComment", "author"): "improvement boards are staff work",
    ("boards.CareGuest", "user"): "a guest's account (youth care worker)",
    ("boards.CareGuest", "invited_by"): "staff",
    ("boards.CareConsent", "recorded_by"): "staff",
    ("boards.CareEntry", "updated_by"): "staff",
    ("boards.CareReadLog", "user"): "who read a care board: staff and guests",
    ("boards.ProgressCard", "updated_by"): "staff",
    ("boards.ProgressCardChange", "changed_by"): "staff",
    ("boards.BoardPrintJob", "requested_by"): "staff",
    ("classmeetings.ClassRepresentative", "appointed_by"): "staff",
    ("classmeetings.OpenClassMeeting", "created_by"): "staff",
    ("classmeetings.ItemPoint", "noted_by"): "staff",
    ("classmeetings.FloorRequest", "granted_by"): "staff",
    ("classmeetings.ItemDecision", "decided_by"): "staff",
    ("classmeetings.MinutesJob", "requested_by"): "staff",
    ("privacy.StudentExportJob", "requested_by"): "the school admin who asked for the export",
    ("audit.AuditEvent", "actor"): "who did something; events about the student are exported through the student",
}


def installed_sections() -> list[tuple[Section, type[models.Model]]]:
    """The sections whose app is installed, with their model."""
    return [(section, model) for section in SECTIONS if (model := section.model) is not None]
