"""Private files (photos, PDFs) that must go once the rows pointing at them are gone."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.core.files.storage import Storage, default_storage
from django.db import transaction

logger = logging.getLogger(__name__)


def files_delete_after_commit(names: Iterable[str], *, storage: Storage = default_storage) -> None:
    """Delete the files once the current transaction commits (at once outside one); never after a rollback.

    A file that cannot be deleted is logged, not raised: a stray file is untidy, not a reason to fail
    the request or the task that let go of it.
    """
    names = [name for name in names if name]

    def delete() -> None:
        for name in names:
            try:
                storage.delete(name)
            except OSError:
                logger.exception("Could not delete %s; delete it by hand", name)

    if names:
        transaction.on_commit(delete)
