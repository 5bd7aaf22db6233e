"""Test data that reads like the domain (factory-boy)."""

import datetime

import factory
from django.contrib.auth import get_user_model
from factory.faker import Faker

from school.models import (
    ClassGroup,
    Department,
    Enrollment,
    Guardian,
    Period,
    School,
    SchoolYear,
    Staff,
    Student,
    Subject,
    TeachingGroup,
)

PASSWORD = "een-goed-wachtwoord"


class PlainLastName(Faker):
    """A Dutch last name without an apostrophe ("d' Heripon" becomes "d Heripon").

    Names are compared with page text in many tests; an apostrophe comes out of the
    template escaped (&#x27;) and would make such a test fail now and then. Escaping
    itself is tested on purpose, with names chosen for it.
    """

    def __init__(self, **kwargs):
        super().__init__("last_name", locale="nl_NL", **kwargs)

    def evaluate(self, instance, step, extra):
        return " ".join(super().evaluate(instance, step, extra).replace("'", " ").split())


class SchoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = School

    name = factory.Sequence(lambda n: f"Testcollege {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()

    school = factory.SubFactory(SchoolFactory)
    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name", locale="nl_NL")
    last_name = PlainLastName()
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.test")
    password = factory.django.Password(PASSWORD)


class SchoolYearFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SchoolYear

    school = factory.SubFactory(SchoolFactory)
    name = "2026-2027"
    start_date = datetime.date(2026, 8, 24)
    end_date = datetime.date(2027, 7, 16)


class PeriodFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Period

    school_year = factory.SubFactory(SchoolYearFactory)
    school = factory.SelfAttribute("school_year.school")
    name = factory.Sequence(lambda n: f"Periode {n}")
    start_date = datetime.date(2026, 8, 24)
    end_date = datetime.date(2026, 11, 13)


class StaffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Staff

    school = factory.SubFactory(SchoolFactory)
    user = factory.SubFactory(UserFactory, school=factory.SelfAttribute("..school"))
    code = factory.Sequence(lambda n: f"D{n:03d}")


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        skip_postgeneration_save = True

    school = factory.SubFactory(SchoolFactory)
    name = factory.Sequence(lambda n: f"Afdeling {n}")

    @factory.post_generation
    def team_leaders(self, create, extracted, **kwargs):
        if create and extracted:
            self.team_leaders.set(extracted)


class ClassGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ClassGroup
        skip_postgeneration_save = True

    school = factory.SubFactory(SchoolFactory)
    school_year = factory.SubFactory(SchoolYearFactory, school=factory.SelfAttribute("..school"))
    department = factory.SubFactory(DepartmentFactory, school=factory.SelfAttribute("..school"))
    name = factory.Sequence(lambda n: f"4H{n}")
    level = "havo"
    year = 4

    @factory.post_generation
    def mentors(self, create, extracted, **kwargs):
        if create and extracted:
            self.mentors.set(extracted)


class SubjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Subject

    school = factory.SubFactory(SchoolFactory)
    code = factory.Sequence(lambda n: f"vak{n}")
    name = factory.Sequence(lambda n: f"Vak {n}")


class StudentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Student

    school = factory.SubFactory(SchoolFactory)
    number = factory.Sequence(lambda n: f"{100000 + n}")
    first_name = factory.Faker("first_name", locale="nl_NL")
    last_name = PlainLastName()
    level = "havo"
    year = 4
    class_group = factory.SubFactory(ClassGroupFactory, school=factory.SelfAttribute("..school"))


class TeachingGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TeachingGroup
        skip_postgeneration_save = True

    school = factory.SubFactory(SchoolFactory)
    school_year = factory.SubFactory(SchoolYearFactory, school=factory.SelfAttribute("..school"))
    subject = factory.SubFactory(SubjectFactory, school=factory.SelfAttribute("..school"))
    name = factory.Sequence(lambda n: f"4H-ne{n}")

    @factory.post_generation
    def teachers(self, create, extracted, **kwargs):
        if create and extracted:
            self.teachers.set(extracted)

    @factory.post_generation
    def students(self, create, extracted, **kwargs):
        if create and extracted:
            Enrollment.objects.bulk_create(Enrollment(teaching_group=self, student=s) for s in extracted)


class GuardianFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Guardian
        skip_postgeneration_save = True

    school = factory.SubFactory(SchoolFactory)
    user = factory.SubFactory(UserFactory, school=factory.SelfAttribute("..school"))

    @factory.post_generation
    def students(self, create, extracted, **kwargs):
        if create and extracted:
            self.students.set(extracted)
