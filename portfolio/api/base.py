"""The base of every API viewset: the queryset is narrowed by the scoping rule before anything
else happens, so a subclass cannot forget it. A foreign object is therefore a 404."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import force_instance
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, serializers, viewsets
from rest_framework.permissions import SAFE_METHODS
from rest_framework.views import exception_handler as drf_exception_handler

from portfolio.scoping import scope


class ErrorSerializer(serializers.Serializer):
    """The body of every 401, 403, 404 and 405: one sentence saying why."""

    detail = serializers.CharField()

    class Meta:
        ref_name = "Error"


class FieldErrorsSerializer(serializers.Serializer):
    """A 400: each offending field (or query parameter) with its messages."""

    non_field_errors = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text="Errors that concern the request as a whole.",
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
        elif self._is_list_view() and getattr(self.view, "filterset_class", None):
            errors["400"] = OpenApiResponse(
                FieldErrorsSerializer, "An invalid filter value, named by its query parameter."
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


class ScopedViewSetMixin:
    """Set ``queryset`` and ``scope_path`` (the lookup from the model to its organisation)."""

    scope_path: str = "organisation"
    schema = GatehouseAutoSchema()

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
