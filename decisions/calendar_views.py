"""The private calendar feed and its section on the profile.

- ``CalendarFeedView``: ``GET /decisions/calendar/<secret>.ics`` — no login, the secret in the
  URL is the credential; an unknown or revoked secret is a 404. It never writes.
- ``CalendarSectionView``: the "Calendar feed" section the profile loads with htmx (the whole
  page for a visit without htmx): what the feed holds, whether there is a live URL, and — once,
  right after it was created — the new URL with a copy button.
- ``CalendarRotateView`` / ``CalendarRevokeView``: POST, then back to the profile. The new
  secret waits in the session until the section shows it, as a new personal access token does.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.views import View

from portfolio.htmx import htmx_partial, redirect_after_post, render_page
from portfolio.models import User

from . import calendar, services

SECTION = "decisions/partials/calendar.html"
PAGE = "decisions/partials/calendar_page.html"
NEW_FEED_SLOT = "gatehouse:new-calendar-feed"


def _person(request: HttpRequest) -> User:
    """The signed-in person (every view here but the feed requires a login)."""
    assert isinstance(request.user, User)
    return request.user


def _back(request: HttpRequest) -> str:
    """Where a POST returns: the section on the profile, or the page of its own it was sent
    from (a visit without htmx)."""
    if request.POST.get("back") == "page":
        return reverse("decisions:calendar")
    return reverse("profile") + "#calendar-feed"


class CalendarFeedView(View):
    """The feed itself, for calendar clients: they send no cookie and no token."""

    http_method_names = ["get", "head", "options"]

    def get(self, request: HttpRequest, secret: str) -> HttpResponse:
        feed = calendar.feed_for_secret(secret)
        if feed is None:
            raise Http404("No calendar feed at this address: it was revoked or replaced.")
        response = HttpResponse(
            calendar.feed_ics(feed.user), content_type="text/calendar; charset=utf-8"
        )
        response["Content-Disposition"] = 'inline; filename="gatehouse-deadlines.ics"'
        # Someone's deadlines: no shared cache keeps them, no page they link to learns the URL.
        response["Cache-Control"] = "private, max-age=0, must-revalidate"
        response["Referrer-Policy"] = "no-referrer"
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response


class CalendarSectionView(LoginRequiredMixin, View):
    def get(self, request: HttpRequest) -> HttpResponse:
        user = _person(request)
        feed = calendar.live_feed(user)
        new_url = None
        new = request.session.pop(NEW_FEED_SLOT, None)
        if new and feed is not None and feed.pk == new.get("pk"):
            new_url = calendar.feed_url(new["secret"])
        context: dict[str, Any] = {
            "feed": feed,
            "new_url": new_url,
            "events": calendar.feed_events(user),
            "on_page": not htmx_partial(request),
        }
        response = render_page(request, PAGE, context, partial=SECTION)
        if new_url:
            # The secret is in this response only: never cache or store it anywhere.
            response["Cache-Control"] = "no-store"
        return response


class CalendarRotateView(LoginRequiredMixin, View):
    def post(self, request: HttpRequest) -> HttpResponse:
        feed, secret = services.calendar_feed_rotate(user=_person(request))
        request.session[NEW_FEED_SLOT] = {"pk": feed.pk, "secret": secret}
        return redirect_after_post(request, _back(request))


class CalendarRevokeView(LoginRequiredMixin, View):
    def post(self, request: HttpRequest) -> HttpResponse:
        request.session.pop(NEW_FEED_SLOT, None)
        if services.calendar_feed_revoke(user=_person(request)) is not None:
            messages.success(
                request,
                "Your calendar feed is revoked: calendars subscribed to it get no more dates.",
            )
        return redirect_after_post(request, _back(request))
