"""Reads for the open class meeting, one module per screen family.

- meeting: last time's agreements, the agenda, the speaker queue, a student's own place
"""

from .meeting import (
    Agenda,
    AgendaRow,
    OwnPlace,
    SpeakerQueue,
    agenda,
    balance,
    open_previous_agreements,
    own_place,
    previous_agreements,
    speaker_queue,
)

__all__ = [
    "Agenda",
    "AgendaRow",
    "OwnPlace",
    "SpeakerQueue",
    "agenda",
    "balance",
    "open_previous_agreements",
    "own_place",
    "previous_agreements",
    "speaker_queue",
]
