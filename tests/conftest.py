"""Fixtures that read like the domain: a school with one of every role."""

from dataclasses import dataclass, fields

import pytest

from school.models import ClassGroup, Department, School, Staff, Student, TeachingGroup, User

from .factories import (
    ClassGroupFactory,
    DepartmentFactory,
    GuardianFactory,
    SchoolFactory,
    SchoolYearFactory,
    StaffFactory,
    StudentFactory,
    SubjectFactory,
    TeachingGroupFactory,
    UserFactory,
)


@dataclass
class SchoolWorld:
    """One school with two departments, and a user for every role and its near miss."""

    school: School
    department: Department
    other_department: Department
    class_group: ClassGroup
    other_class_group: ClassGroup
    teaching_group: TeachingGroup
    student: Student
    other_student: Student
    admin: User
    team_leader: User
    other_team_leader: User
    mentor: User
    other_mentor: User
    teacher: User
    other_teacher: User
    care_coordinator: User
    student_user: User
    other_student_user: User
    guardian: User
    other_guardian: User
    outsider: User  # a school admin of another school

    def users(self) -> dict[str, User]:
        return {name: value for name, value in vars(self).items() if isinstance(value, User)}


# Every role of SchoolWorld by its attribute name, for tests that go through all of them.
EVERYONE = tuple(field.name for field in fields(SchoolWorld) if field.type is User)


def build_school_world() -> SchoolWorld:
    school = SchoolFactory(name="Het Testlyceum")
    year = SchoolYearFactory(school=school)

    def staff(**kwargs) -> Staff:
        return StaffFactory(school=school, **kwargs)

    admin = staff(is_school_admin=True)
    care = staff(is_care_coordinator=True)
    team_leader, other_team_leader = staff(), staff()
    mentor, other_mentor = staff(), staff()
    teacher, other_teacher = staff(), staff()

    department = DepartmentFactory(school=school, name="Bovenbouw havo", team_leaders=[team_leader])
    other_department = DepartmentFactory(school=school, name="Bovenbouw vwo", team_leaders=[other_team_leader])
    class_group = ClassGroupFactory(
        school=school, school_year=year, department=department, name="4H1", mentors=[mentor]
    )
    other_class_group = ClassGroupFactory(
        school=school, school_year=year, department=other_department, name="5V1", mentors=[other_mentor]
    )
    student_user = UserFactory(school=school)
    other_student_user = UserFactory(school=school)
    student = StudentFactory(school=school, class_group=class_group, user=student_user)
    other_student = StudentFactory(school=school, class_group=other_class_group, user=other_student_user)
    subject = SubjectFactory(school=school, code="ne", name="Nederlands")
    teaching_group = TeachingGroupFactory(
        school=school, school_year=year, subject=subject, name="4H-ne1", teachers=[teacher], students=[student]
    )
    TeachingGroupFactory(
        school=school,
        school_year=year,
        subject=subject,
        name="5V-ne1",
        teachers=[other_teacher],
        students=[other_student],
    )
    guardian = GuardianFactory(school=school, students=[student])
    other_guardian = GuardianFactory(school=school, students=[other_student])
    outsider = StaffFactory(is_school_admin=True)  # its own school

    return SchoolWorld(
        school=school,
        department=department,
        other_department=other_department,
        class_group=class_group,
        other_class_group=other_class_group,
        teaching_group=teaching_group,
        student=student,
        other_student=other_student,
        admin=admin.user,
        team_leader=team_leader.user,
        other_team_leader=other_team_leader.user,
        mentor=mentor.user,
        other_mentor=other_mentor.user,
        teacher=teacher.user,
        other_teacher=other_teacher.user,
        care_coordinator=care.user,
        student_user=student_user,
        other_student_user=other_student_user,
        guardian=guardian.user,
        other_guardian=other_guardian.user,
        outsider=outsider.user,
    )


@pytest.fixture
def world(db) -> SchoolWorld:
    return build_school_world()
