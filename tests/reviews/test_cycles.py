"""Starting a review round and moving it through its phases: who may, and what is refused."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from reviews import services
from reviews.models import Phase, ReviewCycle
from tests.factories import DepartmentFactory, PeriodFactory, StaffFactory

DEADLINE = datetime.date(2026, 11, 27)


@pytest.fixture
def period(world):
    return PeriodFactory(school=world.school, school_year=world.class_group.school_year, name="Periode 1")


def form_data(period, departments, /, **overrides) -> dict:
    data = {
        "name": "Leerlingbespreking periode 1",
        "period": period.pk,
        "departments": [department.pk for department in departments],
        "entry_deadline": "2026-11-27",
        "speed_date_on": "2026-12-02",
        "meeting_on": "2026-12-08",
        "talks_until": "2026-12-18",
    }
    data.update(overrides)
    return data


class TestCreate:
    def test_a_team_leader_starts_a_round_for_their_department(self, client, world, period):
        client.force_login(world.team_leader)

        response = client.post(reverse("reviews:cycle_create"), form_data(period, [world.department]))

        cycle = ReviewCycle.objects.get()
        assert response.status_code == 302
        assert response.url == reverse("reviews:cycle_detail", args=[cycle.pk])
        assert cycle.school == world.school
        assert cycle.phase == Phase.ENTRY
        assert list(cycle.departments.all()) == [world.department]
        assert cycle.entry_deadline == DEADLINE
        assert cycle.talks_until == datetime.date(2026, 12, 18)
        assert cycle.created_by == world.team_leader
        assert "is gestart" in client.get(response.url).content.decode()

    def test_the_form_offers_only_their_own_departments(self, client, world, period):
        client.force_login(world.team_leader)

        html = client.get(reverse("reviews:cycle_create")).content.decode()

        assert "Bovenbouw havo" in html
        assert "Bovenbouw vwo" not in html

    def test_the_school_admin_may_pick_every_department(self, client, world, period):
        client.force_login(world.admin)

        response = client.post(
            reverse("reviews:cycle_create"), form_data(period, [world.department, world.other_department])
        )

        assert response.status_code == 302
        assert ReviewCycle.objects.get().departments.count() == 2

    def test_the_department_of_another_team_leader_is_refused(self, client, world, period):
        client.force_login(world.team_leader)

        response = client.post(reverse("reviews:cycle_create"), form_data(period, [world.other_department]))

        assert response.status_code == 200
        assert "Selecteer een geldige keuze" in response.content.decode()
        assert not ReviewCycle.objects.exists()

    def test_the_service_refuses_it_too(self, world, period):
        with pytest.raises(PermissionDenied):
            services.cycle_create(
                school=world.school,
                actor=world.team_leader,
                name="Ronde",
                period=period,
                departments=[world.department, world.other_department],
                entry_deadline=DEADLINE,
            )
        assert not ReviewCycle.objects.exists()

    @pytest.mark.parametrize(
        ("field", "value"),
        [("speed_date_on", "2026-11-20"), ("meeting_on", "2026-11-30"), ("talks_until", "2026-12-01")],
    )
    def test_dates_out_of_order_are_refused_at_the_field(self, client, world, period, field, value):
        client.force_login(world.team_leader)

        response = client.post(
            reverse("reviews:cycle_create"), form_data(period, [world.department], **{field: value})
        )

        html = response.content.decode()
        assert response.status_code == 200
        assert "Deze datum ligt vóór de stap die eraan voorafgaat." in html
        assert response.context["form"].has_error(field)
        assert not ReviewCycle.objects.exists()

    @pytest.mark.parametrize(
        ("field", "value"),
        [("name", ""), ("entry_deadline", ""), ("entry_deadline", "27 november"), ("departments", [])],
    )
    def test_missing_or_bad_values_are_refused(self, client, world, period, field, value):
        client.force_login(world.team_leader)

        response = client.post(
            reverse("reviews:cycle_create"), form_data(period, [world.department], **{field: value})
        )

        assert response.status_code == 200
        assert response.context["form"].has_error(field)
        assert 'role="alert"' in response.content.decode()
        assert not ReviewCycle.objects.exists()

    def test_a_name_is_used_once_per_school(self, client, world, a_cycle_in_entry_phase):
        client.force_login(world.team_leader)

        response = client.post(
            reverse("reviews:cycle_create"),
            form_data(a_cycle_in_entry_phase.period, [world.department], name="leerlingbespreking Periode 1"),
        )

        assert response.context["form"].has_error("name", "unique")
        assert ReviewCycle.objects.count() == 1

    def test_a_period_of_another_school_is_not_a_choice(self, client, world, period):
        elsewhere = PeriodFactory()
        client.force_login(world.team_leader)

        response = client.post(
            reverse("reviews:cycle_create"), form_data(period, [world.department], period=elsewhere.pk)
        )

        assert response.context["form"].has_error("period")
        assert not ReviewCycle.objects.exists()

    @pytest.mark.parametrize("who", ["teacher", "mentor", "care_coordinator"])
    def test_who_runs_no_department_may_not_start_one(self, client, world, period, who):
        client.force_login(getattr(world, who))

        response = client.post(reverse("reviews:cycle_create"), form_data(period, [world.department]))

        assert response.status_code == 403
        assert not ReviewCycle.objects.exists()

    def test_a_team_leader_without_department_in_the_form_of_another_school(self, world, period):
        """A team leader of another school can never put this school's department in a cycle."""
        stranger = StaffFactory()
        DepartmentFactory(school=stranger.school, team_leaders=[stranger])

        with pytest.raises(PermissionDenied):
            services.cycle_create(
                school=world.school,
                actor=stranger.user,
                name="Ronde",
                period=period,
                departments=[world.department],
                entry_deadline=DEADLINE,
            )


class TestAdvance:
    def advance(self, client, cycle, to_phase, **extra):
        return client.post(reverse("reviews:cycle_advance", args=[cycle.pk]), {"to_phase": to_phase, **extra})

    def test_leaving_the_entry_phase_first_shows_what_is_still_open(self, client, world, a_cycle_in_entry_phase):
        client.force_login(world.team_leader)

        response = self.advance(client, a_cycle_in_entry_phase, "speed_date")

        html = response.content.decode()
        assert response.status_code == 200
        assert "Invoerfase afsluiten?" in html
        assert "2 invoeren zijn nog niet compleet" in html  # one student in each of the two groups
        assert 'name="confirmed" value="yes"' in html
        a_cycle_in_entry_phase.refresh_from_db()
        assert a_cycle_in_entry_phase.phase == Phase.ENTRY

    def test_confirmed_it_moves_one_step(self, client, world, a_cycle_in_entry_phase):
        client.force_login(world.team_leader)

        response = self.advance(client, a_cycle_in_entry_phase, "speed_date", confirmed="yes")

        assert response.status_code == 302
        a_cycle_in_entry_phase.refresh_from_db()
        assert a_cycle_in_entry_phase.phase == Phase.SPEED_DATE
        assert a_cycle_in_entry_phase.phase_changed_at is not None
        assert "is nu in de fase “Speeddate”" in client.get(response.url).content.decode()

    def test_later_phases_move_without_the_confirm_page(self, client, world, a_cycle_in_entry_phase):
        ReviewCycle.objects.filter(pk=a_cycle_in_entry_phase.pk).update(phase=Phase.SPEED_DATE)
        client.force_login(world.admin)

        response = self.advance(client, a_cycle_in_entry_phase, "department_meeting")

        assert response.status_code == 302
        a_cycle_in_entry_phase.refresh_from_db()
        assert a_cycle_in_entry_phase.phase == Phase.DEPARTMENT_MEETING

    @pytest.mark.parametrize("to_phase", ["department_meeting", "closed", "entry", "nonsense", ""])
    def test_only_the_next_phase(self, client, world, a_cycle_in_entry_phase, to_phase):
        client.force_login(world.team_leader)

        response = self.advance(client, a_cycle_in_entry_phase, to_phase, confirmed="yes")

        assert response.status_code == 302
        a_cycle_in_entry_phase.refresh_from_db()
        assert a_cycle_in_entry_phase.phase == Phase.ENTRY
        assert "één fase tegelijk" in client.get(response.url).content.decode()

    def test_never_back(self, world, a_cycle_in_entry_phase):
        ReviewCycle.objects.filter(pk=a_cycle_in_entry_phase.pk).update(phase=Phase.MENTOR_TALKS)
        a_cycle_in_entry_phase.refresh_from_db()

        with pytest.raises(ValidationError):
            services.cycle_advance(cycle=a_cycle_in_entry_phase, actor=world.admin, to_phase=Phase.SPEED_DATE)

    def test_a_closed_round_goes_nowhere(self, client, world, a_cycle_in_entry_phase):
        ReviewCycle.objects.filter(pk=a_cycle_in_entry_phase.pk).update(phase=Phase.CLOSED)
        client.force_login(world.team_leader)

        html = client.get(reverse("reviews:cycle_detail", args=[a_cycle_in_entry_phase.pk])).content.decode()
        response = self.advance(client, a_cycle_in_entry_phase, "closed")

        assert "Volgende fase" not in html
        assert response.status_code == 302
        a_cycle_in_entry_phase.refresh_from_db()
        assert a_cycle_in_entry_phase.phase == Phase.CLOSED

    def test_two_clicks_at_once_move_it_once(self, world, a_cycle_in_entry_phase):
        seen_by_first = ReviewCycle.objects.get(pk=a_cycle_in_entry_phase.pk)
        seen_by_second = ReviewCycle.objects.get(pk=a_cycle_in_entry_phase.pk)

        services.cycle_advance(cycle=seen_by_first, actor=world.team_leader, to_phase=Phase.SPEED_DATE)
        with pytest.raises(ValidationError, match=r"zojuist|just now"):
            services.cycle_advance(cycle=seen_by_second, actor=world.other_team_leader, to_phase=Phase.SPEED_DATE)

        a_cycle_in_entry_phase.refresh_from_db()
        assert a_cycle_in_entry_phase.phase == Phase.SPEED_DATE

    @pytest.mark.parametrize("who", ["teacher", "mentor", "care_coordinator"])
    def test_staff_who_do_not_run_it_get_403(self, client, world, a_cycle_in_entry_phase, who):
        client.force_login(getattr(world, who))

        response = self.advance(client, a_cycle_in_entry_phase, "speed_date", confirmed="yes")

        assert response.status_code == 403
        a_cycle_in_entry_phase.refresh_from_db()
        assert a_cycle_in_entry_phase.phase == Phase.ENTRY

    def test_a_team_leader_of_a_department_outside_the_round_gets_403(self, client, world, a_cycle_in_entry_phase):
        a_cycle_in_entry_phase.departments.set([world.department])
        client.force_login(world.other_team_leader)

        response = self.advance(client, a_cycle_in_entry_phase, "speed_date", confirmed="yes")

        assert response.status_code == 403

    def test_another_school_gets_404(self, client, world, a_cycle_in_entry_phase):
        client.force_login(world.outsider)

        response = self.advance(client, a_cycle_in_entry_phase, "speed_date", confirmed="yes")

        assert response.status_code == 404
        a_cycle_in_entry_phase.refresh_from_db()
        assert a_cycle_in_entry_phase.phase == Phase.ENTRY

    def test_the_detail_page_shows_the_button_to_managers_only(self, client, world, a_cycle_in_entry_phase):
        url = reverse("reviews:cycle_detail", args=[a_cycle_in_entry_phase.pk])
        client.force_login(world.team_leader)
        manager_html = client.get(url).content.decode()
        client.force_login(world.teacher)
        teacher_html = client.get(url).content.decode()

        assert "Volgende fase: Speeddate" in manager_html
        assert 'name="to_phase" value="speed_date"' in manager_html
        assert "Volgende fase" not in teacher_html


class TestList:
    def test_lists_the_rounds_of_the_school_with_their_phase(self, client, world, a_cycle_in_entry_phase):
        client.force_login(world.mentor)

        html = client.get(reverse("reviews:cycle_list")).content.decode()

        assert "Leerlingbespreking periode 1" in html
        assert "Stoplichten" in html  # the phase
        assert "Bovenbouw havo, Bovenbouw vwo" in html
        assert "27 november 2026" in html
        assert reverse("reviews:cycle_create") not in html  # a mentor cannot start one

    def test_offers_a_new_round_to_who_may(self, client, world):
        client.force_login(world.team_leader)

        html = client.get(reverse("reviews:cycle_list")).content.decode()

        assert reverse("reviews:cycle_create") in html
        assert "Nog geen leerlingbesprekingen" in html

    def test_another_schools_rounds_are_not_listed(self, client, world, a_cycle_in_entry_phase):
        client.force_login(world.outsider)

        html = client.get(reverse("reviews:cycle_list")).content.decode()

        assert "Leerlingbespreking periode 1" not in html
