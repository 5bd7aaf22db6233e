"""Agreements as they are written down at the end of an item (a department meeting's decision, an open
class meeting's item): each row needs what, who and by when; the same rules and messages everywhere."""

from __future__ import annotations

import contextlib
import datetime
from collections.abc import Iterable, Sequence

from django.utils.translation import gettext as _

from school.models import Staff

from ..models import AGREEMENT_MAX_LENGTH, Agreement


def due_on_clean(value) -> datetime.date | None:
    """A date, a datetime or an ISO text as a date; None when it is none of those."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value).strip())
    except (TypeError, ValueError):
        return None


def agreements_clean(
    agreements: Sequence[dict],
    *,
    school_id: int,
    today: datetime.date,
    owners: Iterable[str] = Agreement.Owner.values,
    owner_message: str | None = None,
) -> tuple[list[dict], list[str]]:
    """Each row (text, owner, due_on, optional owner_staff_id) cleaned, and every problem as a numbered message.

    The due date may not lie before `today`; a named member of staff must be active in the school.
    One query for the members of staff named, whatever the number of rows.
    """
    owners = set(owners)
    staff_ids = set()
    for agreement in agreements:
        with contextlib.suppress(TypeError, ValueError):  # none named, or not a number: reported below
            staff_ids.add(int(agreement.get("owner_staff_id")))
    staff = (
        {s.pk: s for s in Staff.objects.filter(pk__in=staff_ids, school_id=school_id, is_active=True)}
        if staff_ids
        else {}
    )
    cleaned, errors = [], []
    for number, agreement in enumerate(agreements, start=1):
        text = (agreement.get("text") or "").strip()
        owner = agreement.get("owner") or ""
        due_on = due_on_clean(agreement.get("due_on"))
        if not text:
            errors.append(_("Agreement %(number)s: say what is agreed.") % {"number": number})
        elif len(text) > AGREEMENT_MAX_LENGTH:
            errors.append(
                _("Agreement %(number)s is %(length)s characters long; at most %(max)s fit.")
                % {"number": number, "length": len(text), "max": AGREEMENT_MAX_LENGTH}
            )
        if owner not in owners:
            errors.append((owner_message or _("Agreement %(number)s: choose who does it.")) % {"number": number})
        if due_on is None:
            errors.append(_("Agreement %(number)s: give a due date.") % {"number": number})
        elif due_on < today:
            errors.append(
                _("Agreement %(number)s: the due date %(date)s lies in the past.")
                % {"number": number, "date": due_on.strftime("%d-%m-%Y")}
            )
        owner_staff = None
        staff_id = agreement.get("owner_staff_id")
        if staff_id not in (None, ""):
            with contextlib.suppress(TypeError, ValueError):
                owner_staff = staff.get(int(staff_id))
            if owner_staff is None:
                errors.append(
                    _("Agreement %(number)s: the person named is not a member of staff of this school.")
                    % {"number": number}
                )
        cleaned.append({"text": text, "owner": owner, "owner_staff": owner_staff, "due_on": due_on})
    return cleaned, errors
