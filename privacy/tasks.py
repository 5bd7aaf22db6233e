from celery import shared_task

from . import services


@shared_task(acks_late=True)
def erase_left_students_task() -> dict[str, int]:
    """Nightly (CELERY_BEAT_SCHEDULE): anonymise students whose retention period has ended. Idempotent."""
    run = services.erase_left_students()
    return {"due": len(run.due), "erased": len(run.erased), "stamped": run.stamped}
