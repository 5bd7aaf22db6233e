"""What the audit tests share: the one event a request should have written."""

from audit.models import AuditEvent


def only_event(**match) -> AuditEvent:
    """The single audit event matching `match`; fails, listing every event, when there are none or several."""
    events = list(AuditEvent.objects.filter(**match))
    assert len(events) == 1, f"{len(events)} events match {match}: {list(AuditEvent.objects.values())}"
    return events[0]
