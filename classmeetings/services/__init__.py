"""Writes for the open class meeting: one module per stage.

- people: the class representative and personal coaches
- preparation: the meeting and its programme, excusing oneself, prepared input, last time's agreements
- meeting_mode: start, items, the speaker queue, points, decisions, closing
"""
