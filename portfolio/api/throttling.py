"""How often a tool may call the API: each token on its own, each address without credentials.

Past its rate a call answers 429 with ``Retry-After`` (DRF's ``Throttled``, through our
exception handler). The counters live in the shared cache (settings ``CACHES``), so every web
process counts the same calls. The rates are ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]``,
read on each call so that a test can lower them.
"""

from __future__ import annotations

from typing import Any

from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from portfolio.models import PersonalAccessToken
from portfolio.throttling import client_ip


class _RateFromSettings(SimpleRateThrottle):
    def get_rate(self) -> str | None:
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class TokenRateThrottle(_RateFromSettings):
    """Calls with credentials: one count per personal access token, so a runaway script spends
    its own token's allowance and not its owner's other tools'; a signed-in person's browser
    calls count as theirs."""

    scope = "token"

    def get_cache_key(self, request, view) -> str | None:
        if not (request.user and request.user.is_authenticated):
            return None
        if isinstance(request.auth, PersonalAccessToken):
            ident = f"token-{request.auth.pk}"
        else:
            ident = f"user-{request.user.pk}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


class AddressRateThrottle(_RateFromSettings):
    """Calls without credentials (the schema, the API's index): one count per client address."""

    scope = "address"

    def get_cache_key(self, request, view) -> str | None:
        if request.user and request.user.is_authenticated:
            return None
        ident = client_ip(request._request) or "unknown"
        return self.cache_format % {"scope": self.scope, "ident": ident}


TOO_MANY = {
    "description": (
        "Too many calls: this token (or, without one, this address) is over its rate. "
        "Wait the seconds `Retry-After` gives, then call again."
    ),
    "headers": {
        "Retry-After": {
            "description": "Seconds to wait before the next call will be accepted.",
            "schema": {"type": "integer", "minimum": 0},
        }
    },
}


def document_throttling(result: dict[str, Any], generator, request, public) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: every operation may answer 429 with Retry-After."""
    error = result.get("components", {}).get("schemas", {}).get("Error")
    response: dict[str, Any] = dict(TOO_MANY)
    if error is not None:
        response["content"] = {
            "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
        }
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if method.startswith("x-") or not isinstance(operation, dict):
                continue
            operation.setdefault("responses", {}).setdefault("429", response)
    return result
