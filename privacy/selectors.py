"""Reads for the privacy page."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from school.models import Student

SEARCH_LIMIT = 50


def students_search(*, queryset: QuerySet[Student], query: str) -> QuerySet[Student]:
    """Students by number or by every word of the query in their name, for the export page."""
    query = query.strip()
    if not query:
        return queryset.none()
    by_name = Q()
    for word in query.split()[:5]:
        by_name &= Q(first_name__icontains=word) | Q(infix__icontains=word) | Q(last_name__icontains=word)
    return (
        queryset.filter(Q(number__iexact=query) | by_name)
        .select_related("class_group")
        .order_by("last_name", "first_name", "pk")[:SEARCH_LIMIT]
    )
