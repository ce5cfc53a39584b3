"""The two baselines every figure of ``make bench`` is divided by, served by the same gunicorn
in the same run (bench/urls.py):

- ``plain``: a small template rendered with no query — the floor of a Django page (the whole
  middleware stack, a template render, an HTML response);
- ``BareProjectList``: a bare DRF cursor-paginated list over the projects table — a
  ModelSerializer of a few plain fields, ``CursorPagination`` newest first with the API's page
  size, no authentication, no scoping, no filters: the floor of an API list over the same table.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template import engines
from rest_framework import generics, serializers
from rest_framework.pagination import CursorPagination
from rest_framework.permissions import AllowAny

from portfolio.models import Project

PLAIN = engines["django"].from_string(
    """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>{{ title }}</title></head>
<body>
<main>
  <h1>{{ title }}</h1>
  <ul>{% for item in items %}<li>{{ item }}</li>{% endfor %}</ul>
</main>
</body>
</html>
"""
)


def plain(request: HttpRequest) -> HttpResponse:
    """Rendered without the request, so no context processor (and no query) runs."""
    return HttpResponse(PLAIN.render({"title": "Baseline", "items": ["one", "two", "three"]}))


class BareProjectSerializer(serializers.ModelSerializer):
    class Meta:
        model = Project
        fields = ["id", "name", "slug", "stage", "organisation", "updated_at"]


class BareCursorPagination(CursorPagination):
    ordering = "-id"
    page_size = settings.REST_FRAMEWORK["PAGE_SIZE"]


class BareProjectList(generics.ListAPIView):
    queryset = Project.objects.all()
    serializer_class = BareProjectSerializer
    pagination_class = BareCursorPagination
    authentication_classes: list = []
    permission_classes = [AllowAny]
    filter_backends: list = []
