"""The demo school: deterministic, realistic in size, a working login for every role, demo mode only."""

import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count

from school import demo
from school.models import ClassGroup, Enrollment, Guardian, School, Staff, Student, Subject, TeachingGroup, User
from school.policies import roles_of

TODAY = datetime.date(2026, 11, 23)
FEW = 40  # where the numbers do not matter: keeps the tests fast

# demo username → the roles it must have (every other role flag must be off)
EXPECTED_ROLES = {
    demo.ADMIN: {"is_school_admin"},
    demo.TEAM_LEADER_HAVO: {"is_team_leader", "is_subject_teacher"},
    demo.TEAM_LEADER_VWO: {"is_team_leader"},
    demo.MENTOR: {"is_mentor", "is_subject_teacher"},
    demo.TEACHER: {"is_subject_teacher"},
    demo.CARE_COORDINATOR: {"is_care_coordinator"},
    demo.STUDENT: {"is_student"},
    demo.GUARDIAN: {"is_guardian"},
}
ROLE_FLAGS = (
    "is_school_admin",
    "is_team_leader",
    "is_mentor",
    "is_subject_teacher",
    "is_care_coordinator",
    "is_student",
    "is_guardian",
)


def age(born: datetime.date) -> int:
    return TODAY.year - born.year - ((TODAY.month, TODAY.day) < (born.month, born.day))


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def snapshot(school: School) -> dict[str, list]:
    """What a person would notice of a school: names, numbers, dates, groups and who teaches them."""
    return {
        "students": list(
            Student.objects.filter(school=school)
            .order_by("number")
            .values_list("number", "first_name", "infix", "last_name", "date_of_birth", "class_group__name")
        ),
        "staff": list(
            Staff.objects.filter(school=school)
            .order_by("code")
            .values_list("code", "user__first_name", "user__last_name", "is_school_admin", "is_care_coordinator")
        ),
        "teachers": list(
            Staff.teaching_groups.through.objects.filter(staff__school=school)
            .order_by("teachinggroup__name", "staff__code")
            .values_list("teachinggroup__name", "staff__code")
        ),
        "mentors": list(
            ClassGroup.mentors.through.objects.filter(classgroup__school=school)
            .order_by("classgroup__name", "staff__code")
            .values_list("classgroup__name", "staff__code")
        ),
        "enrolments": list(
            Enrollment.objects.filter(student__school=school)
            .order_by("teaching_group__name", "student__number")
            .values_list("teaching_group__name", "student__number")
        ),
        "guardians": list(
            Guardian.students.through.objects.filter(guardian__school=school)
            .order_by("student__number", "guardian__user__first_name", "guardian__user__last_name")
            .values_list("student__number", "guardian__user__first_name", "guardian__user__last_name")
        ),
    }


@pytest.mark.django_db
def test_the_same_seed_gives_the_same_school():
    first = demo.demo_school_create(students=FEW, seed=7, with_logins=False, username_prefix="a-")
    second = demo.demo_school_create(students=FEW, seed=7, with_logins=False, username_prefix="b-")
    other = demo.demo_school_create(students=FEW, seed=8, with_logins=False, username_prefix="c-")

    assert snapshot(first.school) == snapshot(second.school)
    assert snapshot(first.school)["students"] != snapshot(other.school)["students"]


@pytest.mark.django_db
def test_the_default_school_has_the_size_of_a_real_upper_school():
    output = seed()

    school = School.objects.get()
    assert school.name == "Het Demolyceum"
    assert "200 students in 8 classes" in output
    upper_school = ClassGroup.objects.filter(department__name__startswith="Bovenbouw")
    assert upper_school.count() == 8
    assert Student.objects.filter(class_group__in=upper_school).count() == 200
    assert set(upper_school.values_list("name", flat=True)) == {"4H1", "4H2", "5H1", "5H2", "4V1", "4V2", "5V1", "6V1"}
    assert set(school.departments.values_list("name", flat=True)) == {"Onderbouw", "Bovenbouw havo", "Bovenbouw vwo"}
    # The current year; reviews' demo adds last school year, where its closed review round lives.
    assert school.school_years.get(name="2026-2027").periods.count() == 4
    assert 12 <= Subject.objects.count() <= 14
    teachers = Staff.objects.filter(teaching_groups__isnull=False).distinct()
    assert 28 <= teachers.count() <= 34
    assert Staff.objects.filter(led_departments__isnull=False).distinct().count() == 2
    assert Staff.objects.filter(is_care_coordinator=True).count() == 1
    assert Staff.objects.filter(is_school_admin=True).count() == 1


@pytest.mark.django_db
def test_the_default_school_is_shaped_like_one():
    seed()

    for class_group in ClassGroup.objects.annotate(mentor_count=Count("mentors")):
        assert 1 <= class_group.mentor_count <= 2, class_group
    assert Staff.objects.filter(mentor_of__isnull=False).distinct().count() >= 8
    codes = list(Staff.objects.values_list("code", flat=True))
    assert all(len(code) == 3 and code.isupper() for code in codes)
    assert Staff.objects.filter(user__last_name__regex=r"^(van|de|ter) ").exists()  # tussenvoegsels
    # Teaching groups per class and subject, sometimes co-taught.
    assert ClassGroup.objects.get(name="4H1").students.first().teaching_groups.filter(name="4H1-ne").exists()
    assert Staff.teaching_groups.through.objects.values("teachinggroup").annotate(n=Count("staff")).filter(n=2)
    # One or two guardians per student, and some siblings share them.
    per_student = Student.objects.annotate(n=Count("guardians")).values_list("n", flat=True)
    assert set(per_student) <= {1, 2}
    assert Guardian.objects.annotate(n=Count("students")).filter(n__gt=1).count() >= 3
    # Ages match the year: 15 or 16 in the fourth year (17 if held back), and some in 6 vwo are adults.
    fourth_year = [age(born) for born in Student.objects.filter(year=4).values_list("date_of_birth", flat=True)]
    assert min(fourth_year) == 15
    assert max(fourth_year) <= 17
    sixth_vwo = [age(born) for born in Student.objects.filter(year=6).values_list("date_of_birth", flat=True)]
    assert any(years >= 18 for years in sixth_vwo)


@pytest.mark.django_db
def test_only_the_demo_logins_can_log_in(client):
    seed("--students", str(FEW))

    for login in demo.DEMO_LOGINS:
        assert client.login(username=login.username, password=demo.DEMO_PASSWORD), login.username
        client.logout()
    others = User.objects.exclude(username__in=demo.DEMO_LOGINS_BY_USERNAME)
    assert others.exists()
    assert not [user.username for user in others if user.has_usable_password()]


@pytest.mark.django_db
@pytest.mark.parametrize("username", EXPECTED_ROLES)
def test_every_demo_login_has_its_roles(username):
    seed("--students", str(FEW))

    roles = roles_of(User.objects.get(username=username))

    assert {flag for flag in ROLE_FLAGS if getattr(roles, flag)} == EXPECTED_ROLES[username]


@pytest.mark.django_db
def test_the_demo_logins_fit_together():
    seed("--students", str(FEW))
    users = {login.username: User.objects.get(username=login.username) for login in demo.DEMO_LOGINS}

    student = users[demo.STUDENT].student
    assert student.class_group.name == "4H1"
    assert student.class_group.mentors.get() == users[demo.MENTOR].staff
    assert student.teaching_groups.filter(teachers=users[demo.TEACHER].staff).exists()
    children = users[demo.GUARDIAN].guardian.students.all()
    assert student in children
    assert len(children) == 2
    assert len({child.class_group_id for child in children}) == 2
    assert set(users[demo.TEAM_LEADER_HAVO].staff.led_departments.values_list("name", flat=True)) == {"Bovenbouw havo"}
    assert set(users[demo.TEAM_LEADER_VWO].staff.led_departments.values_list("name", flat=True)) == {"Bovenbouw vwo"}
    # Annotated on its own queryset: on the related manager the join would count only `docent`.
    teacher_groups = TeachingGroup.objects.filter(teachers=users[demo.TEACHER].staff).values_list("pk")
    teacher_groups = TeachingGroup.objects.filter(pk__in=teacher_groups).annotate(n=Count("teachers"))
    assert teacher_groups.count() >= 3
    assert teacher_groups.filter(n=2).exists()  # a co-taught group
    assert users[demo.MENTOR].staff.mentor_of.get().name == "4H1"


@pytest.mark.django_db
@pytest.mark.parametrize("username", EXPECTED_ROLES)
def test_every_demo_login_lands_on_its_home_page(client, username):
    seed("--students", str(FEW))
    client.force_login(User.objects.get(username=username))

    response = client.get("/")

    assert response.status_code == 200


@pytest.mark.django_db
def test_if_empty_does_nothing_when_a_school_exists():
    seed("--students", str(FEW), "--if-empty")
    counts = (School.objects.count(), User.objects.count(), Student.objects.count())

    output = seed("--students", str(FEW), "--if-empty")

    assert "not seeded" in output
    assert (School.objects.count(), User.objects.count(), Student.objects.count()) == counts


@pytest.mark.django_db
def test_seeding_twice_is_refused_with_a_clear_message():
    seed("--students", str(FEW))

    with pytest.raises(CommandError, match="demo logins exist already"):
        seed("--students", str(FEW))
    assert School.objects.count() == 1


@pytest.mark.django_db
def test_seeding_is_refused_outside_demo_mode(settings):
    settings.DEMO_MODE = False

    with pytest.raises(CommandError, match="demo mode"):
        seed("--students", str(FEW))
    assert not School.objects.exists()
    assert not User.objects.exists()


@pytest.mark.django_db
def test_too_few_students_is_refused():
    with pytest.raises(CommandError, match="at least"):
        seed("--students", "3")


@pytest.mark.django_db
def test_demo_logins_prints_every_login_after_seeding():
    seed("--students", str(FEW))
    out = StringIO()

    call_command("demo_logins", stdout=out)

    lines = out.getvalue().splitlines()
    for login in demo.DEMO_LOGINS:
        assert any(line.startswith(f"{login.username} ") and login.role in line for line in lines), login.username
    assert "Lina Bouzid" in out.getvalue()


@pytest.mark.django_db
def test_demo_logins_prints_none_outside_demo_mode_or_before_seeding(settings):
    out = StringIO()
    call_command("demo_logins", stdout=out)
    assert "no demo logins" in out.getvalue()

    seed("--students", str(FEW))
    settings.DEMO_MODE = False
    out = StringIO()
    call_command("demo_logins", stdout=out)
    assert "beheerder" not in out.getvalue()


def test_demo_logins_markdown_is_the_readme_table():
    out = StringIO()

    call_command("demo_logins", "--markdown", stdout=out)

    rows = [line for line in out.getvalue().splitlines() if line.startswith("| `")]
    assert [row.split("`")[1] for row in rows] == [login.username for login in demo.DEMO_LOGINS]
