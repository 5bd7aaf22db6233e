"""Care meetings ("zorgoverleg"): the meeting, consent per child, external guests, the board's lines, the read log.

Only the care coordinator writes (boards.policies.can_write_care_meeting, else PermissionDenied).
Every service writes in one transaction and validates first: bad input raises a ValidationError with
a clear message and leaves nothing half written. Board lines carry a `version`: a stale save raises
CareEntryConflict with the current line, never overwriting somebody else's change.
"""

from __future__ import annotations

import datetime
import ipaddress
import uuid
from dataclasses import dataclass

from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from school.models import School, Staff, Student, User
from school.policies import roles_of

from .. import policies
from ..models import TEXT_MAX_LENGTH, CareConsent, CareEntry, CareGuest, CareMeeting, CareReadLog, Mood

GUEST_MAX_DAYS = 90
YOUNG_PERSON_AGE = 16


class CareEntryConflict(Exception):
    """Somebody else saved the line first: `current` is the line as it is now."""

    def __init__(self, current: CareEntry):
        super().__init__("care entry changed meanwhile")
        self.current = current


@dataclass
class GuestInvite:
    guest: CareGuest
    link: str  # a one-time sign-in link (path): the guest sets a password there
    new_user: bool


def _check_writer(actor: User, meeting: CareMeeting) -> None:
    if not policies.can_write_care_meeting(actor, meeting):
        raise PermissionDenied


def _touch(meeting: CareMeeting) -> None:
    now = timezone.now()
    CareMeeting.objects.filter(pk=meeting.pk).update(updated_at=now)
    meeting.updated_at = now


# --- the meeting ---------------------------------------------------------------------------------------


def care_meeting_create(
    *, school: School, actor: User, title: str, held_on: datetime.date, child_ids, participant_ids=()
) -> CareMeeting:
    """The care coordinator plans a meeting around one child or a family of children."""
    roles = roles_of(actor)
    if not policies.can_plan_care_meetings(actor) or roles.school_id != school.pk:
        raise PermissionDenied
    child_ids = {int(pk) for pk in child_ids}
    participant_ids = {int(pk) for pk in participant_ids}
    errors: dict[str, list[str]] = {}
    if not child_ids:
        errors["children"] = [_("Choose at least one child.")]
    children = list(Student.objects.filter(school=school, pk__in=child_ids))
    if child_ids and len(children) != len(child_ids):
        errors["children"] = [_("Choose children of this school.")]
    participants = list(Staff.objects.filter(school=school, pk__in=participant_ids))
    if len(participants) != len(participant_ids):
        errors["participants"] = [_("Choose participants of this school.")]
    meeting = CareMeeting(school=school, title=(title or "").strip(), held_on=held_on, coordinator=roles.staff)
    try:
        meeting.full_clean()
    except ValidationError as exc:
        errors = {**exc.message_dict, **errors}
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        meeting.save()
        meeting.children.set(children)
        meeting.participants.set(participants)
    return meeting


# --- consent ---------------------------------------------------------------------------------------------


def age_on(student: Student, day: datetime.date) -> int | None:
    born = student.date_of_birth
    if born is None:
        return None
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def consent_giver_for(student: Student, day: datetime.date) -> str:
    """Who gives consent: the guardians under 16 (or when the date of birth is unknown), the young person from 16."""
    age = age_on(student, day)
    if age is not None and age >= YOUNG_PERSON_AGE:
        return CareConsent.GivenBy.YOUNG_PERSON
    return CareConsent.GivenBy.GUARDIAN


def care_consent_record(
    *,
    meeting: CareMeeting,
    actor: User,
    student: Student,
    given_by: str,
    given_by_name: str,
    given_on: datetime.date,
) -> CareConsent:
    """Records (or corrects) the consent for one child of the meeting."""
    _check_writer(actor, meeting)
    if not meeting.children.filter(pk=student.pk).exists():
        raise ValidationError({"student": [_("This child is not part of this care meeting.")]})
    if given_on and given_on > timezone.localdate():
        raise ValidationError({"given_on": [_("Consent cannot be given in the future.")]})
    if given_on and given_by in CareConsent.GivenBy.values:
        expected = consent_giver_for(student, given_on)
        if given_by != expected:
            if expected == CareConsent.GivenBy.GUARDIAN:
                message = _(
                    "%(name)s is under 16 (or the date of birth is unknown): a parent / guardian gives consent."
                )
            else:
                message = _("%(name)s is 16 or older: the young person gives consent themselves.")
            raise ValidationError({"given_by": [message % {"name": student}]})
    with transaction.atomic():
        consent = CareConsent.objects.filter(meeting=meeting, student=student).select_for_update().first()
        consent = consent or CareConsent(meeting=meeting, student=student)
        consent.given_by = given_by
        consent.given_by_name = (given_by_name or "").strip()
        consent.given_on = given_on
        consent.recorded_by = actor
        consent.full_clean(validate_constraints=False)
        consent.save()
        _touch(meeting)
    return consent


# --- guests ----------------------------------------------------------------------------------------------


def guest_sign_in_link(user: User) -> str:
    """A one-time link to set a password (Django's password-reset token: used once, expires)."""
    token = PasswordResetTokenGenerator().make_token(user)
    return reverse(
        "password_reset_confirm", kwargs={"uidb64": urlsafe_base64_encode(force_bytes(user.pk)), "token": token}
    )


def _has_school_role(user: User) -> bool:
    return any(hasattr(user, relation) for relation in ("staff", "student", "guardian")) or user.is_superuser


def care_guest_invite(
    *,
    meeting: CareMeeting,
    actor: User,
    first_name: str,
    last_name: str,
    email: str,
    organisation: str,
    expires_at: datetime.datetime,
) -> GuestInvite:
    """Invites an external participant to this one meeting, until `expires_at` (at most 90 days ahead)."""
    _check_writer(actor, meeting)
    email = (email or "").strip().lower()
    errors: dict[str, list[str]] = {}
    try:
        validate_email(email)
    except ValidationError:
        errors["email"] = [_("Enter a valid e-mail address.")]
    if not (first_name or "").strip() or not (last_name or "").strip():
        errors["last_name"] = [_("Enter the guest's first and last name.")]
    if organisation not in CareGuest.Organisation.values:
        errors["organisation"] = [_("Choose the guest's organisation.")]
    now = timezone.now()
    if expires_at is None or expires_at <= now:
        errors["expires_at"] = [_("Access must end in the future.")]
    elif expires_at > now + datetime.timedelta(days=GUEST_MAX_DAYS):
        errors["expires_at"] = [_("Access lasts at most 90 days.")]
    user = None
    if "email" not in errors:
        user = User.objects.filter(school_id=meeting.school_id, email__iexact=email).first()
        if user is not None and _has_school_role(user):
            errors["email"] = [
                _("This address belongs to someone at school: add them as a participant, not as a guest.")
            ]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        new_user = user is None
        if new_user:
            user = User(
                school_id=meeting.school_id,
                username=f"gast-{uuid.uuid4().hex[:12]}",
                email=email,
                first_name=first_name.strip(),
                last_name=last_name.strip(),
            )
            user.set_unusable_password()
            user.save()
        guest = CareGuest.objects.filter(meeting=meeting, user=user).select_for_update().first()
        guest = guest or CareGuest(meeting=meeting, user=user)
        guest.organisation = organisation
        guest.expires_at = expires_at
        guest.revoked_at = None
        guest.invited_by = actor
        guest.save()
        _touch(meeting)
    return GuestInvite(guest=guest, link=guest_sign_in_link(user), new_user=new_user)


def care_guest_revoke(*, guest: CareGuest, actor: User) -> CareGuest:
    """Ends a guest's access now."""
    _check_writer(actor, guest.meeting)
    with transaction.atomic():
        if guest.revoked_at is None:
            guest.revoked_at = timezone.now()
            guest.save(update_fields=["revoked_at"])
            _touch(guest.meeting)
    return guest


# --- the board's lines -----------------------------------------------------------------------------------


def care_entry_save(
    *,
    meeting: CareMeeting,
    actor: User,
    student: Student,
    kind: str,
    mood: str = "",
    text: str = "",
    owner: str = "",
    due_on: datetime.date | None = None,
    version: int = 0,
    entry_id: int | None = None,
) -> CareEntry:
    """Saves a line for one child: a check-in (a smiley: one per child), a success, or what they work on next.

    `version` is the version the edit started from (0 for a new line); a stale one raises CareEntryConflict.
    """
    _check_writer(actor, meeting)
    text = (text or "").strip()
    owner = (owner or "").strip()
    errors: dict[str, list[str]] = {}
    if not meeting.children.filter(pk=student.pk).exists():
        errors["student"] = [_("This child is not part of this care meeting.")]
    if kind not in CareEntry.Kind.values:
        errors["kind"] = [_("Choose check-in, success or working on next.")]
    elif kind == CareEntry.Kind.CHECK_IN:
        if mood not in Mood.values:
            errors["mood"] = [_("Choose how it is going: a smiley.")]
        text, owner, due_on = "", "", None
    else:
        mood = ""
        if not text:
            errors["text"] = [_("Write what went well or what the child will work on.")]
        if kind == CareEntry.Kind.SUCCESS:
            owner, due_on = "", None
    if len(text) > TEXT_MAX_LENGTH:
        errors["text"] = [_("Keep it short: at most %(max)d characters.") % {"max": TEXT_MAX_LENGTH}]
    if len(owner) > 120:
        errors["owner"] = [_("Keep it short: at most %(max)d characters.") % {"max": 120}]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        entries = CareEntry.objects.select_for_update().filter(meeting=meeting, student=student)
        if kind == CareEntry.Kind.CHECK_IN:
            entry = entries.filter(kind=kind).first()
        elif entry_id:
            entry = entries.filter(kind=kind, pk=entry_id).first()
            if entry is None:
                raise ValidationError({"entry": [_("This line no longer exists.")]})
        else:
            entry = None
        if entry is not None and entry.version != version:
            raise CareEntryConflict(entry)
        if entry is None:
            entry = CareEntry(meeting=meeting, student=student, kind=kind, version=1)
        else:
            entry.version += 1
        entry.mood, entry.text, entry.owner, entry.due_on = mood, text, owner, due_on
        entry.updated_by = actor
        entry.save()
        _touch(meeting)
    return entry


# --- reads -----------------------------------------------------------------------------------------------


def care_read_log(*, meeting: CareMeeting, user: User, path: str, address: str | None) -> CareReadLog:
    """Every read of a care meeting is written down: who, when, which page, from which address."""
    try:
        address = str(ipaddress.ip_address((address or "").strip()))
    except ValueError:
        address = None
    return CareReadLog.objects.create(
        meeting=meeting, user=user if user.is_authenticated else None, path=(path or "")[:300], address=address
    )
