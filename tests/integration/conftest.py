"""The integration tests' shared fixtures: a real Celery worker and its broker (tests/integration/celery_worker.py)."""

from tests.integration.celery_worker import broker, media, worker

__all__ = ["broker", "media", "worker"]  # fixtures, used by name
