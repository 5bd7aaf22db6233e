"""Care meetings' services: consent by age, guests, board lines, reads — nothing half written."""

import datetime

import pytest
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from boards.models import CareConsent, CareEntry, CareGuest, CareMeeting, CareReadLog, Mood
from boards.services import care as services
from school.models import User
from tests.factories import StaffFactory, StudentFactory


@pytest.fixture
def meeting(world) -> CareMeeting:
    return services.care_meeting_create(
        school=world.school,
        actor=world.care_coordinator,
        title="Zorgoverleg Jansen",
        held_on=datetime.date(2026, 11, 20),
        child_ids=[world.student.pk],
        participant_ids=[world.mentor.staff.pk],
    )


def _in(days: int) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(days=days)


def test_only_the_care_coordinator_creates_a_meeting_around_children_of_the_school(world):
    with pytest.raises(PermissionDenied):
        services.care_meeting_create(
            school=world.school, actor=world.mentor, title="x", held_on=datetime.date(2026, 1, 1), child_ids=[1]
        )
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        services.care_meeting_create(
            school=world.school,
            actor=world.care_coordinator,
            title="x",
            held_on=datetime.date(2026, 1, 1),
            child_ids=[],
        )
    assert exc.value.message_dict["children"] == ["Choose at least one child."]
    stranger = StudentFactory()  # another school
    with pytest.raises(ValidationError) as exc:
        services.care_meeting_create(
            school=world.school,
            actor=world.care_coordinator,
            title="x",
            held_on=datetime.date(2026, 1, 1),
            child_ids=[stranger.pk],
        )
    assert "children" in exc.value.message_dict
    assert not CareMeeting.objects.exists()


def test_meeting_create(meeting, world):
    assert list(meeting.children.all()) == [world.student]
    assert list(meeting.participants.all()) == [world.mentor.staff]
    assert meeting.coordinator == world.care_coordinator.staff


@pytest.mark.parametrize(
    ("age", "given_by", "ok"),
    [
        (15, CareConsent.GivenBy.GUARDIAN, True),
        (15, CareConsent.GivenBy.YOUNG_PERSON, False),
        (16, CareConsent.GivenBy.YOUNG_PERSON, True),
        (16, CareConsent.GivenBy.GUARDIAN, False),
        (None, CareConsent.GivenBy.GUARDIAN, True),
        (None, CareConsent.GivenBy.YOUNG_PERSON, False),
    ],
)
def test_consent_fits_the_childs_age(world, meeting, age, given_by, ok):
    today = timezone.localdate()
    student = world.student
    student.date_of_birth = None if age is None else today.replace(year=today.year - age) - datetime.timedelta(days=1)
    student.save()

    def record():
        return services.care_consent_record(
            meeting=meeting,
            actor=world.care_coordinator,
            student=student,
            given_by=given_by,
            given_by_name="M. Jansen",
            given_on=today,
        )

    if ok:
        consent = record()
        assert consent.given_by == given_by
        assert consent.recorded_by == world.care_coordinator
    else:
        with translation.override("en"), pytest.raises(ValidationError) as exc:
            record()
        message = exc.value.message_dict["given_by"][0]
        assert ("under 16" in message) if given_by == CareConsent.GivenBy.YOUNG_PERSON else ("16 or older" in message)
        assert not CareConsent.objects.exists()


def test_consent_turning_16_the_day_before(world, meeting):
    today = timezone.localdate()
    world.student.date_of_birth = today.replace(year=today.year - 16) + datetime.timedelta(days=1)  # 16 tomorrow
    assert services.consent_giver_for(world.student, today) == CareConsent.GivenBy.GUARDIAN


def test_consent_only_by_the_coordinator_for_a_child_of_the_meeting(world, meeting):
    kwargs = {"given_by": CareConsent.GivenBy.GUARDIAN, "given_by_name": "X", "given_on": timezone.localdate()}
    with pytest.raises(PermissionDenied):
        services.care_consent_record(meeting=meeting, actor=world.mentor, student=world.student, **kwargs)
    with pytest.raises(ValidationError):
        services.care_consent_record(
            meeting=meeting, actor=world.care_coordinator, student=world.other_student, **kwargs
        )
    assert not CareConsent.objects.exists()


def test_invite_creates_a_user_without_other_roles_and_a_working_token(world, meeting):
    invite = services.care_guest_invite(
        meeting=meeting,
        actor=world.care_coordinator,
        first_name="Sanne",
        last_name="de Wit",
        email="Sanne@Jeugdzorg.example",
        organisation=CareGuest.Organisation.YOUTH_CARE,
        expires_at=_in(30),
    )
    user = invite.guest.user
    assert invite.new_user
    assert user.email == "sanne@jeugdzorg.example"
    assert user.school == world.school
    assert not user.has_usable_password()
    assert not any(hasattr(user, rel) for rel in ("staff", "student", "guardian"))
    assert not user.is_staff
    assert not user.is_superuser
    _uidb64, token = invite.link.rstrip("/").split("/")[-2:]
    assert PasswordResetTokenGenerator().check_token(user, token)
    # Inviting again reuses the user.
    again = services.care_guest_invite(
        meeting=meeting,
        actor=world.care_coordinator,
        first_name="Sanne",
        last_name="de Wit",
        email="sanne@jeugdzorg.example",
        organisation=CareGuest.Organisation.YOUTH_CARE,
        expires_at=_in(10),
    )
    assert not again.new_user
    assert again.guest.pk == invite.guest.pk
    assert User.objects.filter(email__iexact="sanne@jeugdzorg.example").count() == 1


@pytest.mark.parametrize("days", [-1, 91])
def test_invite_expiry_in_the_future_and_at_most_90_days(world, meeting, days):
    users = User.objects.count()
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        services.care_guest_invite(
            meeting=meeting,
            actor=world.care_coordinator,
            first_name="A",
            last_name="B",
            email="a@b.example",
            organisation=CareGuest.Organisation.ATTENDANCE,
            expires_at=_in(days),
        )
    assert exc.value.message_dict["expires_at"]
    assert User.objects.count() == users
    assert not CareGuest.objects.exists()


def test_invite_refuses_a_school_address_and_non_coordinators(world, meeting):
    with pytest.raises(ValidationError) as exc:
        services.care_guest_invite(
            meeting=meeting,
            actor=world.care_coordinator,
            first_name="A",
            last_name="B",
            email=world.teacher.email,
            organisation=CareGuest.Organisation.OTHER,
            expires_at=_in(5),
        )
    assert "email" in exc.value.message_dict
    with pytest.raises(PermissionDenied):
        services.care_guest_invite(
            meeting=meeting,
            actor=world.mentor,
            first_name="A",
            last_name="B",
            email="a@b.example",
            organisation=CareGuest.Organisation.OTHER,
            expires_at=_in(5),
        )


def test_revoke(world, meeting):
    invite = services.care_guest_invite(
        meeting=meeting,
        actor=world.care_coordinator,
        first_name="A",
        last_name="B",
        email="a@b.example",
        organisation=CareGuest.Organisation.OTHER,
        expires_at=_in(5),
    )
    with pytest.raises(PermissionDenied):
        services.care_guest_revoke(guest=invite.guest, actor=world.mentor)
    services.care_guest_revoke(guest=invite.guest, actor=world.care_coordinator)
    invite.guest.refresh_from_db()
    assert invite.guest.revoked_at is not None


def _save(world, meeting, **kwargs):
    return services.care_entry_save(meeting=meeting, actor=world.care_coordinator, student=world.student, **kwargs)


def test_entry_rules_nothing_half_written(world, meeting):
    with translation.override("en"):
        with pytest.raises(ValidationError) as exc:
            _save(world, meeting, kind="check_in")
        assert exc.value.message_dict["mood"] == ["Choose how it is going: a smiley."]
        for kind in ("success", "next"):
            with pytest.raises(ValidationError) as exc:
                _save(world, meeting, kind=kind, text="  ")
            assert "text" in exc.value.message_dict
        with pytest.raises(ValidationError):
            _save(world, meeting, kind="nonsense", text="x")
        with pytest.raises(ValidationError) as exc:
            services.care_entry_save(
                meeting=meeting, actor=world.care_coordinator, student=world.other_student, kind="success", text="x"
            )
        assert "student" in exc.value.message_dict
    with pytest.raises(PermissionDenied):
        services.care_entry_save(meeting=meeting, actor=world.mentor, student=world.student, kind="success", text="x")
    assert not CareEntry.objects.exists()


def test_check_in_is_one_per_child_and_edits_are_versioned(world, meeting):
    first = _save(world, meeting, kind="check_in", mood=Mood.GOOD)
    assert first.version == 1
    second = _save(world, meeting, kind="check_in", mood=Mood.GREAT, version=1)
    assert second.pk == first.pk
    assert second.version == 2
    with pytest.raises(services.CareEntryConflict) as exc:
        _save(world, meeting, kind="check_in", mood=Mood.BAD, version=1)
    assert exc.value.current.mood == Mood.GREAT
    step = _save(
        world, meeting, kind="next", text="Elke dag plannen", owner="mentor", due_on=datetime.date(2026, 12, 1)
    )
    edited = _save(world, meeting, kind="next", text="Elke dag plannen met agenda", version=1, entry_id=step.pk)
    assert edited.version == 2
    assert edited.owner == ""
    with pytest.raises(services.CareEntryConflict):
        _save(world, meeting, kind="next", text="oud", version=1, entry_id=step.pk)
    step.refresh_from_db()
    assert step.text == "Elke dag plannen met agenda"


def test_read_log(world, meeting):
    services.care_read_log(meeting=meeting, user=world.mentor, path="/boards/care/1/", address="10.0.0.1")
    services.care_read_log(meeting=meeting, user=world.mentor, path="/x", address="not an ip")
    logs = list(CareReadLog.objects.order_by("pk"))
    assert [(log.user, log.address) for log in logs] == [(world.mentor, "10.0.0.1"), (world.mentor, None)]


def test_participants_of_another_school_are_refused(world):
    stranger = StaffFactory()
    with pytest.raises(ValidationError) as exc:
        services.care_meeting_create(
            school=world.school,
            actor=world.care_coordinator,
            title="x",
            held_on=datetime.date(2026, 1, 1),
            child_ids=[world.student.pk],
            participant_ids=[stranger.pk],
        )
    assert "participants" in exc.value.message_dict
