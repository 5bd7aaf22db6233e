"""Every model that points at a student (or a user) is in the export and the erasure, or says why not."""

from django.apps import apps
from django.db import models

from privacy.registry import NOT_ABOUT_THE_STUDENT, SECTIONS, Erase
from privacy.services import file_job_models
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


# --- files about several students (school.jobs.FileJob) -------------------------------------------------------


def _file_jobs_undeclared() -> list[str]:
    """Job models that make a file but say neither which jobs concern a student nor go with the student."""
    erased_with_student = {section.model_label for section in SECTIONS if section.erase is Erase.DELETE}
    return sorted(
        model._meta.label
        for model in file_job_models()
        if model._meta.label not in erased_with_student and not callable(getattr(model, "concerning_student", None))
    )


def test_every_file_job_says_which_of_its_jobs_concern_a_student():
    missing = _file_jobs_undeclared()
    assert not missing, (
        f"These job models make files but erasure cannot tell which show a student: {missing}. Give each a "
        "classmethod concerning_student(student) -> QuerySet of its jobs whose file shows the student (an empty "
        "queryset when none ever does), or list it in privacy/registry.py when each job is about one student."
    )


def test_the_check_catches_a_job_model_without_the_declaration(monkeypatch):
    from mentoring.models import PrepSheetJob

    monkeypatch.delattr(PrepSheetJob, "concerning_student")
    assert _file_jobs_undeclared() == ["mentoring.PrepSheetJob"]


def test_the_known_file_jobs_are_found_and_their_lookups_compile():
    labels = {model._meta.label for model in file_job_models()}
    assert {
        "mentoring.MinutesJob",
        "mentoring.PrepSheetJob",
        "boards.BoardPrintJob",
        "classmeetings.MinutesJob",
    } <= labels
    student = Student(pk=1, class_group_id=1)
    for model in file_job_models():
        concerning = getattr(model, "concerning_student", None)
        if concerning is None:
            continue  # erased with the student (a Section)
        rows = concerning(student)
        assert rows.model is model
        rows.query.get_compiler("default").as_sql()  # a typo in a lookup fails here, not at 03:15
