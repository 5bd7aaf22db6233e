"""The preparation screens: who gets in at every URL, and what the forms do.

Out of scope is 404 (another school; a meeting the user does not follow); a class of the
user's school they may not chair is 403; excusing is the invited student's own (403 for staff
who see the meeting); the prepared input page is a student's own (404 for staff, 403 for an
excused student).
"""

import re

import pytest
from django.urls import reverse

from classmeetings.models import MeetingStudent, OpenClassMeeting, PreparedInput
from classmeetings.services import preparation

from .conftest import a_week_ahead


def no_inline_code(html: str) -> None:
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert not re.search(r"<style\b", html)
    assert not re.search(r"\sstyle=", html)
    assert not re.search(r"\son[a-z]+=", html)


def programme(**overrides) -> dict:
    data = {
        "starts_at": a_week_ahead().strftime("%Y-%m-%dT%H:%M"),
        "minutes_per_student": "6",
        "location": "B-204",
        "discuss_all": "1",
    }
    data.update(overrides)
    return data


class TestList:
    def test_anonymous_goes_to_login(self, client, db):
        response = client.get(reverse("classmeetings:list"))
        assert response.status_code == 302
        assert reverse("login") in response.url

    def test_a_student_of_the_class_sees_the_meeting(self, client, world, a_meeting):
        client.force_login(world.student_user)
        html = client.get(reverse("classmeetings:list")).content.decode()
        assert f'data-meeting="{a_meeting.pk}"' in html
        assert "data-new-meeting" not in html  # a student who is not the klasleider chairs nothing
        no_inline_code(html)

    @pytest.mark.parametrize("who", ["other_student_user", "other_mentor", "guardian", "outsider"])
    def test_others_do_not_see_it(self, client, world, a_meeting, who):
        client.force_login(getattr(world, who))
        response = client.get(reverse("classmeetings:list"))
        assert response.status_code == 200
        assert f'data-meeting="{a_meeting.pk}"' not in response.content.decode()

    def test_chairs_get_a_new_meeting_button_for_their_class(self, client, world, representative):
        for user in (world.mentor, world.team_leader, representative):
            client.force_login(user)
            html = client.get(reverse("classmeetings:list")).content.decode()
            assert f'data-new-meeting="{world.class_group.pk}"' in html
            assert f'data-new-meeting="{world.other_class_group.pk}"' not in html


class TestCreate:
    def url(self, world):
        return reverse("classmeetings:create", args=[world.class_group.pk])

    def test_another_school_gets_404(self, client, world):
        client.force_login(world.outsider)
        assert client.get(self.url(world)).status_code == 404
        assert client.post(self.url(world), programme()).status_code == 404

    @pytest.mark.parametrize("who", ["student_user", "other_student_user", "other_mentor", "teacher", "guardian"])
    def test_who_may_not_chair_gets_403(self, client, world, who):
        client.force_login(getattr(world, who))
        assert client.get(self.url(world)).status_code == 403
        assert client.post(self.url(world), programme()).status_code == 403
        assert not OpenClassMeeting.objects.exists()

    def test_the_mentor_plans_a_meeting(self, client, world, classmate):
        client.force_login(world.mentor)
        html = client.get(self.url(world)).content.decode()
        no_inline_code(html)
        response = client.post(
            self.url(world),
            programme(
                discuss_all="0", discussed=[str(world.student.pk)], extra_teachers=[str(world.other_teacher.staff.pk)]
            ),
        )
        meeting = OpenClassMeeting.objects.get()
        assert response.status_code == 302
        assert response.url == reverse("classmeetings:detail", args=[meeting.pk])
        assert meeting.minutes_per_student == 6
        assert meeting.location == "B-204"
        assert set(meeting.extra_teachers.all()) == {world.other_teacher.staff}
        rows = {row.student_id: row.discussed for row in meeting.students.all()}
        assert rows == {world.student.pk: True, classmate.pk: False}

    def test_the_klasleider_plans_a_meeting(self, client, world, representative):
        client.force_login(representative)
        assert client.post(self.url(world), programme()).status_code == 302
        assert OpenClassMeeting.objects.get().created_by == representative

    @pytest.mark.parametrize(
        ("overrides", "field"),
        [
            ({"starts_at": "next tuesday"}, "starts_at"),
            ({"starts_at": ""}, "starts_at"),
            ({"minutes_per_student": "0"}, "minutes_per_student"),
            ({"minutes_per_student": "many"}, "minutes_per_student"),
            ({"discuss_all": "0"}, "discussed"),
            ({"discuss_all": "0", "discussed": ["999999"]}, "discussed"),
            ({"extra_teachers": ["999999"]}, "extra_teachers"),
            ({"location": "x" * 200}, "location"),
        ],
    )
    def test_bad_input_stores_nothing(self, client, world, overrides, field):
        client.force_login(world.mentor)
        response = client.post(self.url(world), programme(**overrides))
        assert response.status_code == 422
        assert response.context["form"].errors[field]
        assert 'class="alert alert--error"' in response.content.decode()
        assert not OpenClassMeeting.objects.exists()


class TestDetail:
    @pytest.mark.parametrize("who", ["other_student_user", "other_mentor", "other_teacher", "guardian", "outsider"])
    def test_who_does_not_follow_it_gets_404(self, client, world, a_meeting, who):
        client.force_login(getattr(world, who))
        assert client.get(reverse("classmeetings:detail", args=[a_meeting.pk])).status_code == 404

    def test_the_programme(self, client, world, a_meeting, classmate):
        a_meeting.extra_teachers.set([world.other_teacher.staff])
        preparation.meeting_excuse(meeting=a_meeting, actor=classmate.user)
        client.force_login(world.mentor)
        response = client.get(reverse("classmeetings:detail", args=[a_meeting.pk]))
        html = response.content.decode()
        assert response.status_code == 200
        no_inline_code(html)
        assert f'data-agenda-student="{world.student.pk}"' in html
        assert f'data-agenda-student="{classmate.pk}"' not in html  # excused: not on the agenda
        assert f'data-excused-student="{classmate.pk}"' in html
        assert f'data-extra-teacher="{world.other_teacher.staff.pk}"' in html
        assert "data-excuse=" not in html  # staff have no excuse button

    def test_the_student_sees_the_excuse_button_and_input_link(self, client, world, a_meeting):
        client.force_login(world.student_user)
        html = client.get(reverse("classmeetings:detail", args=[a_meeting.pk])).content.decode()
        assert 'data-excuse="excuse"' in html
        assert "data-input-link" in html
        no_inline_code(html)


class TestExcuse:
    def url(self, meeting):
        return reverse("classmeetings:excuse", args=[meeting.pk])

    @pytest.mark.parametrize("who", ["other_student_user", "other_mentor", "guardian", "outsider"])
    def test_who_does_not_follow_it_gets_404(self, client, world, a_meeting, who):
        client.force_login(getattr(world, who))
        assert client.post(self.url(a_meeting)).status_code == 404

    @pytest.mark.parametrize("who", ["mentor", "team_leader", "teacher"])
    def test_staff_cannot_excuse_anyone(self, client, world, a_meeting, who):
        client.force_login(getattr(world, who))
        assert client.post(self.url(a_meeting)).status_code == 403
        assert not MeetingStudent.objects.filter(excused=True).exists()

    def test_get_is_not_allowed(self, client, world, a_meeting):
        client.force_login(world.student_user)
        assert client.get(self.url(a_meeting)).status_code == 405

    def test_the_student_excuses_themselves_and_undoes_it(self, client, world, a_meeting):
        client.force_login(world.student_user)
        row = a_meeting.students.get(student=world.student)
        response = client.post(self.url(a_meeting), {"excused": "1"})
        assert response.status_code == 302
        row.refresh_from_db()
        assert row.excused
        html = client.get(reverse("classmeetings:detail", args=[a_meeting.pk])).content.decode()
        assert 'data-excuse="undo"' in html
        assert f'data-excused-student="{world.student.pk}"' in html
        client.post(self.url(a_meeting), {"excused": "0"})
        row.refresh_from_db()
        assert not row.excused


class TestPreparedInput:
    def url(self, meeting):
        return reverse("classmeetings:input", args=[meeting.pk])

    @pytest.mark.parametrize("who", ["other_student_user", "other_mentor", "guardian", "outsider"])
    def test_who_does_not_follow_it_gets_404(self, client, world, a_meeting, who):
        client.force_login(getattr(world, who))
        assert client.get(self.url(a_meeting)).status_code == 404

    @pytest.mark.parametrize("who", ["mentor", "team_leader", "teacher"])
    def test_staff_get_404_it_is_a_students_own(self, client, world, a_meeting, who):
        client.force_login(getattr(world, who))
        assert client.get(self.url(a_meeting)).status_code == 404
        assert client.post(self.url(a_meeting), {"version": "1"}).status_code == 404

    def test_an_excused_student_gets_403(self, client, world, a_meeting):
        preparation.meeting_excuse(meeting=a_meeting, actor=world.student_user)
        client.force_login(world.student_user)
        assert client.get(self.url(a_meeting)).status_code == 403

    def test_each_student_writes_only_their_own(self, client, world, a_meeting, representative):
        client.force_login(world.student_user)
        client.post(self.url(a_meeting), {"version": "1", "went_well": "Mijn eigen tekst"})
        client.force_login(representative)
        html = client.get(self.url(a_meeting)).content.decode()
        assert "Mijn eigen tekst" not in html

    def test_save_a_draft_then_hand_in(self, client, world, a_meeting):
        client.force_login(world.student_user)
        html = client.get(self.url(a_meeting)).content.decode()
        no_inline_code(html)
        assert 'name="went_well"' in html
        response = client.post(self.url(a_meeting), {"version": "1", "went_well": "Wiskunde", "action": "save"})
        assert response.status_code == 302
        prepared = PreparedInput.objects.get(meeting=a_meeting, student=world.student)
        assert prepared.went_well == "Wiskunde"
        assert not prepared.is_submitted

        response = client.post(
            self.url(a_meeting),
            {"version": str(prepared.version), "went_less_well": "Plannen", "action": "submit"},
        )
        assert response.status_code == 302
        prepared.refresh_from_db()
        assert prepared.is_submitted
        assert prepared.went_less_well == "Plannen"
        html = client.get(self.url(a_meeting)).content.decode()
        assert 'name="went_well"' not in html  # read-only now
        assert "Plannen" in html

    def test_hand_in_without_the_required_answers_is_refused(self, client, world, a_meeting):
        client.force_login(world.student_user)
        response = client.post(self.url(a_meeting), {"version": "1", "action": "submit"})
        assert response.status_code == 422
        assert response.context["form"].errors["went_well"]
        assert not PreparedInput.objects.get(meeting=a_meeting, student=world.student).is_submitted

    def test_a_save_from_another_tab_is_not_overwritten(self, client, world, a_meeting):
        client.force_login(world.student_user)
        client.post(self.url(a_meeting), {"version": "1", "went_well": "Eerste"})
        response = client.post(self.url(a_meeting), {"version": "1", "went_well": "Tweede"})
        assert response.status_code == 409
        assert PreparedInput.objects.get(meeting=a_meeting, student=world.student).went_well == "Eerste"
