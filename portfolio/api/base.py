"""The base of every API viewset: the queryset is narrowed by the scoping rule before anything
else happens, so a subclass cannot forget it. A foreign object is therefore a 404."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, viewsets
from rest_framework.views import exception_handler as drf_exception_handler

from portfolio.scoping import scope


class ScopedViewSetMixin:
    """Set ``queryset`` and ``scope_path`` (the lookup from the model to its organisation)."""

    scope_path: str = "organisation"

    def get_queryset(self):
        return scope(super().get_queryset(), self.request.user, self.scope_path)


class ScopedReadOnlyViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    pass


class ScopedModelViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    pass


def django_errors_to_drf(exc: DjangoValidationError) -> exceptions.ValidationError:
    """Service-layer ValidationError → a 400 with the same per-field messages the pages show."""
    if hasattr(exc, "error_dict"):
        detail = {
            ("non_field_errors" if field == "__all__" else field): [str(m) for m in msgs]
            for field, msgs in exc.message_dict.items()
        }
    else:
        detail = {"non_field_errors": exc.messages}
    return exceptions.ValidationError(detail)


def exception_handler(exc, context):
    """Let services raise Django's exceptions; answer them as 400 / 403 with a reason."""
    if isinstance(exc, DjangoValidationError):
        exc = django_errors_to_drf(exc)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    return drf_exception_handler(exc, context)
