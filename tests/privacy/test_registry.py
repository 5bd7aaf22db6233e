"""Every model that points at a student (or a user) is in the export and the erasure, or says why not."""

from django.apps import apps
from django.db import models

from privacy.registry import NOT_ABOUT_THE_STUDENT, SECTIONS, Erase
from school.models import Student, User


def _relations_to(target: type[models.Model]) -> set[tuple[str, str]]:
    found = set()
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if not field.is_relation or field.auto_created or field.related_model is not target:
                continue
            if field.many_to_many and not field.remote_field.through._meta.auto_created:
                continue  # an explicit through model (Enrollment) has its own foreign key, checked itself
            found.add((model._meta.label, field.name))
    return found


def _covered() -> set[tuple[str, str]]:
    return {(section.model_label, section.first_field) for section in SECTIONS}


def test_every_relation_to_a_student_is_exported_and_erased():
    missing = _relations_to(Student) - _covered()
    assert not missing, (
        f"These relations to Student are in neither the export nor the erasure: {sorted(missing)}. "
        "Add a Section to privacy/registry.py (and say in docs/privacy.md what it stores and for how long)."
    )


def test_every_relation_to_a_user_is_classified():
    covered = _covered() | set(NOT_ABOUT_THE_STUDENT)
    missing = _relations_to(User) - covered
    assert not missing, (
        f"These relations to User are not classified: {sorted(missing)}. Add a Section to privacy/registry.py "
        "when they can be about a student, or an entry in NOT_ABOUT_THE_STUDENT saying why not."
    )


def test_every_section_names_a_real_path_to_the_student():
    for section in SECTIONS:
        model = section.model
        if model is None:
            continue  # an optional app that is not installed
        # The lookup must compile: a typo would silently export nothing.
        model._default_manager.filter(**{section.path: Student(pk=1)}).query.get_compiler("default").as_sql()
        if section.erase is Erase.UNLINK:
            assert model._meta.get_field(section.path).many_to_many, section.key


def test_nothing_is_listed_twice():
    keys = [section.key for section in SECTIONS]
    assert len(keys) == len(set(keys))
    assert not {(section.model_label, section.first_field) for section in SECTIONS} & set(NOT_ABOUT_THE_STUDENT)
