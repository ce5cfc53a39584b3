"""Pagination that stays fast deep into a long list.

``Paginator`` slices the queryset itself: ``OFFSET n`` over the full row — the organisation and
five people joined, the derived states computed — for every row it then throws away. Deep in a
20,000-project portfolio PostgreSQL sorted thousands of wide rows to disk to keep twenty.
``IdsFirstPaginator`` asks for the page's ids first (the same filters and ordering, nothing
joined or computed that the ordering does not need: an index scan), then loads the full rows of
those ids only and returns them in the page's order. Same rows, same order, as the plain slice.
"""

from __future__ import annotations

from typing import Any, cast

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet


class IdsFirstPaginator(Paginator):
    def page(self, number) -> Page:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        queryset = cast(QuerySet[Any], self.object_list)
        ids = list(queryset.select_related(None).values_list("pk", flat=True)[bottom:top])
        rows = {row.pk: row for row in queryset.order_by().filter(pk__in=ids)}
        return Page([rows[pk] for pk in ids if pk in rows], number, self)
