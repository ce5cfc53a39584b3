"""The base of every API viewset: the queryset is narrowed by the scoping rule before anything
else happens, so a subclass cannot forget it — and cannot override it: ``get_queryset`` and
``get_object`` are refused at import. A foreign object is therefore a 404. Every write goes
through ``ScopedViewSetMixin.write``: the service in a transaction, its result read back
through the caller's scope."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, RequestDataTooBig
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import Model, QuerySet
from django.http import JsonResponse
from django.views import defaults
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import force_instance
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, serializers, status, viewsets
from rest_framework.permissions import SAFE_METHODS
from rest_framework.views import exception_handler as drf_exception_handler

from portfolio.scoping import refuse_overrides, scope


class ErrorSerializer(serializers.Serializer):
    """The body of every 401, 403, 404 and 405: one sentence saying why."""

    detail = serializers.CharField()

    class Meta:
        ref_name = "Error"


class FieldErrorsSerializer(serializers.Serializer):
    """A 400: always an object. Each offending field (or query parameter) with its messages;
    ``non_field_errors`` for what concerns the request as a whole; ``detail`` when the body
    could not be read at all (malformed JSON)."""

    non_field_errors = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text="Errors that concern the request as a whole.",
    )
    detail = serializers.CharField(
        required=False, help_text="The request body could not be read, e.g. malformed JSON."
    )

    class Meta:
        ref_name = "ValidationError"


_field_error_serializers: dict[str, type[serializers.Serializer]] = {}


def _field_errors_for(request_serializer) -> type[serializers.Serializer]:
    """A 400 body naming each writable field of ``request_serializer`` (built once per class)."""
    name = type(request_serializer).__name__.removesuffix("Serializer") + "ValidationError"
    if name not in _field_error_serializers:
        attrs = {
            field_name: serializers.ListField(
                child=serializers.CharField(),
                required=False,
                help_text=f"What is wrong with `{field_name}`.",
            )
            for field_name, field in request_serializer.fields.items()
            if not field.read_only
        }
        # Read-only fields a caller may still try to change and be told off for.
        for field_name in getattr(request_serializer, "refused_fields", ()):
            attrs.setdefault(
                field_name,
                serializers.ListField(
                    child=serializers.CharField(),
                    required=False,
                    help_text=f"`{field_name}` cannot be changed here.",
                ),
            )
        attrs["Meta"] = type("Meta", (), {"ref_name": name})
        _field_error_serializers[name] = type(name, (FieldErrorsSerializer,), attrs)
    return _field_error_serializers[name]


class GatehouseAutoSchema(AutoSchema):
    """Documents the error answers every endpoint can give, so each tool knows what to expect."""

    def get_description(self) -> str:
        """Our own words only: the docstring of the action when the viewset itself defines it,
        else the viewset's own docstring — never one inherited from a base class (ours or
        DRF's). ``extend_schema(description=…)`` still wins over both."""
        view_class = type(self.view)
        name = getattr(self.view, "action", None) or self.method.lower()
        method = view_class.__dict__.get(name)
        doc = None
        if getattr(method, "__qualname__", "") == f"{view_class.__qualname__}.{name}":
            doc = method.__doc__
        doc = doc or view_class.__dict__.get("__doc__")
        return inspect.cleandoc(doc) if doc else ""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction=direction)
        if direction != "response":
            return responses
        errors: dict[str, OpenApiResponse] = {}
        request_serializer = force_instance(self.get_request_serializer())
        if self.method in ("POST", "PUT", "PATCH") and isinstance(
            request_serializer, serializers.Serializer
        ):
            errors["400"] = OpenApiResponse(
                _field_errors_for(request_serializer),
                "Invalid input: each field with its messages (the same rules as the pages).",
            )
        elif self.method == "GET" and self._is_list_view() and self._list_can_refuse():
            errors["400"] = OpenApiResponse(
                FieldErrorsSerializer,
                "An invalid filter value (e.g. `?project=abc`) or an invalid `cursor` / `page`, "
                "named by its query parameter.",
            )
        errors["401"] = OpenApiResponse(
            ErrorSerializer,
            "No credentials, or the token is unknown, expired or revoked.",
        )
        if self.method not in SAFE_METHODS:
            errors["403"] = OpenApiResponse(
                ErrorSerializer,
                "Your role in the organisation does not allow this, or the token is read-only.",
            )
        if "{" in self.path:
            errors["404"] = OpenApiResponse(
                ErrorSerializer, "No such object among those you may see."
            )
        for code, response in errors.items():
            if code not in responses:
                responses[code] = self._get_response_for_code(response, code, direction=direction)
        return responses

    def _list_can_refuse(self) -> bool:
        """Whether a list answers 400: it has filters that check their values, or a page."""
        view = self.view
        filtered = getattr(view, "filterset_class", None) or getattr(view, "filterset_fields", None)
        return bool(filtered and self._get_filter_parameters()) or bool(
            self._get_paginator() is not None
        )


class ScopedViewSetMixin:
    """Set ``queryset`` and ``scope_path`` (the lookup from the model to its organisation).

    To annotate, join or narrow, define ``narrow_queryset(self, queryset)``: it receives the
    scoped queryset, and what it returns is scoped again, so it can never widen. Defining
    ``get_queryset`` or ``get_object`` is a TypeError at import, unless the method is marked
    ``@unscoped_queryset(reason="…")`` (``portfolio.scoping``): the one, named escape hatch.
    Writes go through ``write``. (The API schema never shows this text: see
    ``GatehouseAutoSchema.get_description``.)
    """

    scope_path: str = "organisation"
    schema = GatehouseAutoSchema()

    PROTECTED = {
        "get_queryset": "Annotate or narrow the scoped queryset in narrow_queryset(self, "
        "queryset) instead.",
        "get_object": "DRF's get_object already looks up through the scoped get_queryset.",
    }

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        refuse_overrides(cls, ScopedViewSetMixin.PROTECTED)

    def get_queryset(self) -> QuerySet:
        user = self.request.user
        scoped = scope(super().get_queryset(), user, self.scope_path)
        if type(self).narrow_queryset is ScopedViewSetMixin.narrow_queryset:
            return scoped
        return scope(self.narrow_queryset(scoped), user, self.scope_path)

    def narrow_queryset(self, queryset: QuerySet) -> QuerySet:
        return queryset

    def write(
        self,
        service: Callable[[], Any],
        *,
        result: Model | None = None,
        through: QuerySet | None = None,
        scope_path: str | None = None,
        nothing_to_read: str = "",
    ) -> Any:
        """The one way an endpoint writes. ``service`` — no arguments, it calls one service
        function — runs in a transaction; inside it, the object written is read again through
        the caller's scope and returned. Fails closed: outside the scope is a 403 with the
        reason, and nothing is saved.

        ``result``: the object to read again when the service returns something else (the
        version a signature is on). ``through`` + ``scope_path``: read it from another queryset
        (another kind of object than this viewset's), scoped here by ``scope_path``.
        ``nothing_to_read``: for a write that leaves no single object to read back (marking all
        of one's own notifications read, revoking a secret), say why; the service still runs in
        the transaction and its answer is returned."""
        if nothing_to_read:
            with transaction.atomic():
                return service()
        if (through is None) != (scope_path is None):
            raise TypeError("write(): give both through= and scope_path=, or neither.")
        readable = (
            self.get_queryset()
            if through is None
            else scope(through, self.request.user, scope_path)
        )
        with transaction.atomic():
            written = service()
            target = written if result is None else result
            try:
                return readable.get(pk=target.pk)
            except ObjectDoesNotExist:
                raise exceptions.PermissionDenied(
                    "The result would be outside the organisations you can see; nothing was saved."
                ) from None


class ScopedReadOnlyViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
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


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "request_too_large"


def exception_handler(exc, context):
    """Let services raise Django's exceptions; answer them as 400 / 403 / 413 with a reason. Every
    error body is an object (the schema says so): a ValidationError raised with a bare list —
    a body that is a list, a rule with no field — comes back under ``non_field_errors``."""
    if isinstance(exc, RequestDataTooBig):
        # Django's own answer would be a bare HTML 400 that says nothing.
        exc = RequestTooLarge(
            f"The request body is larger than {settings.DATA_UPLOAD_MAX_MEMORY_SIZE:,} bytes, "
            "the most the API accepts."
        )
    elif isinstance(exc, DjangoValidationError):
        exc = django_errors_to_drf(exc)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(response.data, list):
        response.data = {"non_field_errors": response.data}
    return response


def not_found(request, exception=None):
    """Django's 404 (``handler404``): under /api/ it is JSON like every other API answer, for
    an address no route matches (``/api/v1/projects/-1.5e-3/``, ``/api/v1/no-such-thing/``),
    so a tool reads the same ``{"detail": …}`` as for an id it may not see. Pages keep
    Django's HTML 404."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception)
