"""How long a signed-in session lasts: an absolute age and an idle timeout.

- At login (``session_started``, connected to Django's ``user_logged_in`` in ``apps.py``: the one
  hook every login path passes — the login page, the admin's, a test's ``force_login``) the
  session's expiry is fixed at ``SESSION_COOKIE_AGE`` from now. Django would otherwise push it
  back each time the session is saved, and a session in use would never end.
- ``IdleSessionMiddleware`` ends a session whose last request is more than
  ``SESSION_IDLE_TIMEOUT`` ago. It keeps the last-seen time in the session, and rewrites it only
  when it is ``SESSION_ACTIVITY_RESOLUTION`` old: reading pages saves the session row at most
  once every few minutes, never on each request. That write is the one a GET may make (like a
  token's last-used time, ``services.token_authenticate``): the session's own bookkeeping, in
  Django's session table, never a Gatehouse row. Rather than ``SESSION_SAVE_EVERY_REQUEST``,
  which would write it on every page view.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

LAST_SEEN = "gatehouse:last_seen"


def session_started(sender, request: HttpRequest, user, **kwargs) -> None:
    """A login: the session ends SESSION_COOKIE_AGE from now at the latest, and is active now."""
    session = getattr(request, "session", None)
    if session is None:
        return
    session.set_expiry(timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE))
    session[LAST_SEEN] = int(time.time())


def _idle_for_words(seconds: int) -> str:
    minutes = math.ceil(seconds / 60)
    if minutes % 60 == 0:
        hours = minutes // 60
        return "an hour" if hours == 1 else f"{hours} hours"
    return f"{minutes} minutes"


class IdleSessionMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # No session cookie, no session: nothing to read or end.
        if settings.SESSION_COOKIE_NAME in request.COOKIES:
            self._check(request)
        return self.get_response(request)

    def _check(self, request: HttpRequest) -> None:
        session = request.session
        if session.get(SESSION_KEY) is None:
            return  # not signed in
        now = int(time.time())
        last_seen = session.get(LAST_SEEN)
        if last_seen is not None and now - last_seen > settings.SESSION_IDLE_TIMEOUT:
            logout(request)
            messages.info(
                request,
                "You were signed out after "
                f"{_idle_for_words(settings.SESSION_IDLE_TIMEOUT)} without activity. "
                "Log in again to carry on.",
            )
            return
        # A session from before the idle timeout existed starts its clock now (one write).
        if last_seen is None or now - last_seen >= settings.SESSION_ACTIVITY_RESOLUTION:
            session[LAST_SEEN] = now
