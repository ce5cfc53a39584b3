"""The pagination of every list endpoint. A page that cannot be read — a cursor that was not
handed out by us, a page number that is not one — is the caller's mistake: a 400 naming the
parameter, not DRF's 404 (which says the list does not exist)."""

from rest_framework import exceptions
from rest_framework.pagination import CursorPagination, PageNumberPagination

INVALID_CURSOR = (
    "Invalid cursor: pass back the `next` or `previous` link of a list answer unchanged."
)
INVALID_PAGE = "Invalid page: give a page number from 1 up to the last page."


class NewestFirstCursorPagination(CursorPagination):
    ordering = ("-id",)
    page_size_query_param = "page_size"
    max_page_size = 200

    def decode_cursor(self, request):
        try:
            return super().decode_cursor(request)
        except exceptions.NotFound:
            raise exceptions.ValidationError({self.cursor_query_param: [INVALID_CURSOR]}) from None


class PageNumberPaginationRefusingBadPages(PageNumberPagination):
    """Page-number pagination whose bad ``page`` is a 400 (``?page=0``, ``?page=abc``, past the
    end), as the cursor's is."""

    def paginate_queryset(self, queryset, request, view=None):
        try:
            return super().paginate_queryset(queryset, request, view)
        except exceptions.NotFound:
            raise exceptions.ValidationError({self.page_query_param: [INVALID_PAGE]}) from None
