"""The matrix world, built once per module in a transaction rolled back at its end."""

import pytest
from django.conf import settings
from django.db import transaction
from django.db.models import FileField
from django.test import Client

from .world import MatrixWorld, build_matrix_world


@pytest.fixture(scope="module")
def matrix_world(django_db_setup, django_db_blocker) -> MatrixWorld:
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        world = None
        try:
            world = build_matrix_world()
            # One session per role, made once: a test sends its cookie (its own changes roll back with the test).
            for role, user in world.users.items():
                if user is not None:
                    client = Client()
                    client.force_login(user)
                    world.sessions[role] = client.cookies[settings.SESSION_COOKIE_NAME].value
            yield world
        finally:
            for obj in world.objects.values() if world else ():
                for model_field in obj._meta.fields:
                    if isinstance(model_field, FileField) and getattr(obj, model_field.name):
                        getattr(obj, model_field.name).delete(save=False)  # the files under the test MEDIA_ROOT
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
