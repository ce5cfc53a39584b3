"""Who is asking, and how often: the client's address and the password-reset limit.

One reading of the client's address serves every per-address limit — django-axes' login lockout
(``AXES_CLIENT_IP_CALLABLE``), the API throttle (``portfolio.api.throttling``) and the
password-reset limit below — so the three can never disagree about who someone is.
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.core.cache import cache
from django.db.models import Max, Q
from django.http import HttpRequest
from django.utils import timezone


def client_ip(request: HttpRequest) -> str | None:
    """The address of whoever sent ``request``.

    With ``TRUSTED_PROXIES`` = n proxies in front of gunicorn, each appending the address it
    received the request from to X-Forwarded-For, the client is the n-th entry from the right:
    entries further left were written by the client itself and prove nothing. Without a proxy
    (n = 0), or when the header is shorter than promised, it is the connection's own address.
    """
    proxies = settings.TRUSTED_PROXIES
    remote = request.META.get("REMOTE_ADDR") or None
    if proxies > 0:
        chain = [entry.strip() for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        chain = [entry for entry in chain if entry]
        if len(chain) >= proxies:
            candidate = chain[-proxies]
            try:
                return str(ipaddress.ip_address(candidate))
            except ValueError:
                return remote
    return remote


def login_username(request: HttpRequest, credentials: dict | None) -> str | None:
    """The account a login attempt is for, as django-axes counts it: emails are stored in lower
    case (``UserManager``), so ``Pat@Acme.test`` and ``pat@acme.test`` share one counter."""
    field = settings.AXES_USERNAME_FORM_FIELD
    value = (credentials or {}).get(field) or request.POST.get(field)
    if not value:
        return None
    return str(value).strip().lower()


def login_lockout_ends(request: HttpRequest, credentials: dict | None) -> datetime:
    """When a login refused by django-axes will be let through again: the cool-off after the
    latest failure counted against this account or this address (failures during a lockout are
    not counted: ``AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT``)."""
    username, address = login_username(request, credentials), client_ip(request)
    latest = None
    if username or address:
        about = Q(pk__in=[])
        if username:
            about |= Q(username=username)
        if address:
            about |= Q(ip_address=address)
        latest = AccessAttempt.objects.filter(about).aggregate(latest=Max("attempt_time"))["latest"]
    return (latest or timezone.now()) + (get_cool_off(request) or timedelta(0))


@dataclass(frozen=True)
class Limited:
    """A request over its limit, and how long until the window that refused it ends."""

    retry_after: int  # seconds

    @property
    def minutes(self) -> int:
        return max(1, math.ceil(self.retry_after / 60))


def _count(kind: str, value: str, *, window: int, now: float) -> tuple[int, int]:
    """One more request in the fixed window that ``now`` falls in: (count so far, seconds left)."""
    bucket = int(now // window)
    digest = hashlib.sha256(value.encode()).hexdigest()[:32]
    key = f"limit:{kind}:{digest}:{bucket}"
    # add() then incr(): atomic on Redis, so two web processes never lose a count.
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.set(key, 1, timeout=window)
        count = 1
    return count, math.ceil((bucket + 1) * window - now)


def password_reset_limited(request: HttpRequest, *, email: str) -> Limited | None:
    """Count a password-reset request against its email address and its sender's address.

    Answers ``Limited`` when either is over its hourly limit. The email is counted whether or
    not an account uses it, so the answer tells nobody whether one does.
    """
    window = settings.PASSWORD_RESET_LIMIT_WINDOW
    now = time.time()
    checks = [("reset-email", email.strip().lower(), settings.PASSWORD_RESET_LIMIT_PER_EMAIL)]
    address = client_ip(request)
    if address:
        checks.append(("reset-address", address, settings.PASSWORD_RESET_LIMIT_PER_ADDRESS))
    waits = []
    for kind, value, limit in checks:
        count, left = _count(kind, value, window=window, now=now)
        if count > limit:
            waits.append(left)
    return Limited(retry_after=max(waits)) if waits else None
