"""Charter API bodies. They only parse and present; ``charters.services`` holds every rule."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from portfolio.api.serializers import BlankChoicesAsNull

from .. import rules, selectors
from ..models import Charter, CharterVersion, ComplianceReview, DataSource, Integration, Signature
from ..rules import NON_NEGATIVE
from ..sections import ALL_FIELDS, PEOPLE_FIELDS

RULE_CHECKED = (*NON_NEGATIVE, "latency_p95_ms")
NO_SUCH_FIELD = "There is no such charter field."
STATUS_BY_ACTION = (
    "The status changes through the submit, sign, request-changes and amend actions, "
    "not by editing."
)
READ_ONLY = "This field is read-only."
ROW_MESSAGES = (
    "A list of messages, one per problem, in the pages' words: \"Row 2 — estimate (weeks): "
    'Must be zero or more.", "Row 1: unknown field \'colour\'."'
)


class DataSourceSerializer(BlankChoicesAsNull, serializers.ModelSerializer):
    class Meta:
        model = DataSource
        fields = ["id", "name", "owner_name", "from_production", "sensitivity", "residency"]
        read_only_fields = ["id"]


class IntegrationSerializer(BlankChoicesAsNull, serializers.ModelSerializer):
    class Meta:
        model = Integration
        fields = ["id", "system", "direction", "owning_team", "estimate_weeks"]
        read_only_fields = ["id"]


class SignatureSerializer(serializers.ModelSerializer):
    signer_name = serializers.CharField(source="signer.get_full_name", read_only=True)
    version = serializers.IntegerField(source="version_id", read_only=True)
    role = serializers.CharField(
        read_only=True,
        help_text="business_owner, production_owner, decision_maker or compliance_reviewer",
    )

    class Meta:
        model = Signature
        fields = ["id", "version", "signer", "signer_name", "role", "signed_at", "withdrawn_at"]
        read_only_fields = fields


class FlagSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="Stable identifier, e.g. no_evaluation")
    label = serializers.CharField(help_text="What a person reads, e.g. No evaluation harness…")
    short = serializers.CharField(help_text="A short form for lists, e.g. no eval")


def _flags(flags) -> list[dict]:
    return [{"key": f.key, "label": f.label, "short": f.short} for f in flags]


WARNINGS_FIELD = serializers.DictField(
    child=serializers.ListField(child=serializers.CharField()),
    read_only=True,
    help_text="Allowed but flagged, by field: e.g. timebox_end when the timebox is over eight "
    "weeks, compliance_review_due when it falls after week 1.",
)


class RequiredSignerSerializer(serializers.Serializer):
    role = serializers.CharField()
    user = serializers.IntegerField()
    name = serializers.CharField()
    signed = serializers.BooleanField()


class CharterVersionSerializer(BlankChoicesAsNull, serializers.ModelSerializer):
    """A version with every section; people are user ids."""

    url = serializers.HyperlinkedIdentityField(view_name="api:charter-version-detail")
    project = serializers.IntegerField(source="charter.project_id", read_only=True)
    data_sources = DataSourceSerializer(many=True, read_only=True)
    integrations = IntegrationSerializer(many=True, read_only=True)
    data_sensitive = serializers.BooleanField(read_only=True)
    missing_items = serializers.SerializerMethodField(
        help_text="What stops this version from being submitted; empty when complete."
    )
    completeness = serializers.SerializerMethodField(help_text="Percentage of items filled.")
    required_signers = serializers.SerializerMethodField()
    warnings = serializers.SerializerMethodField(help_text=WARNINGS_FIELD.help_text)
    risk_flags = serializers.SerializerMethodField(
        help_text='The risk flags this version raises (DOMAIN.md "Risk flags").'
    )

    class Meta:
        model = CharterVersion
        fields = [
            "id",
            "url",
            "charter",
            "project",
            "number",
            "status",
            "created_by",
            "created_at",
            "updated_at",
            "submitted_at",
            "approved_at",
            *ALL_FIELDS,
            "data_sources",
            "integrations",
            "data_sensitive",
            "missing_items",
            "completeness",
            "required_signers",
            "warnings",
            "risk_flags",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_missing_items(self, version) -> list[str]:
        # Memberships once per organisation per response, not once per version.
        cache = self.context.setdefault("member_roles", {})
        org_id = version.charter.project.organisation_id
        if org_id not in cache:
            cache[org_id] = selectors.member_roles(org_id)
        roles = cache[org_id]
        return selectors.missing_items(
            version, members=set(roles), executives=selectors.executives_of(roles)
        )

    @extend_schema_field(WARNINGS_FIELD)
    def get_warnings(self, version) -> dict[str, list[str]]:
        return rules.warnings(version)

    @extend_schema_field(FlagSerializer(many=True))
    def get_risk_flags(self, version) -> list[dict]:
        return _flags(selectors.version_flags(version))

    def get_completeness(self, version) -> int:
        return selectors.completeness(version)

    @extend_schema_field(RequiredSignerSerializer(many=True))
    def get_required_signers(self, version) -> list[dict]:
        return [
            {
                "role": row["role"],
                "user": row["person"].pk,
                "name": str(row["person"]),
                "signed": bool(row["signature"]),
            }
            for row in selectors.signature_status(version)
        ]


class MemberField(serializers.IntegerField):
    """A person as a user id. Whether they may be named (a member of the organisation; for the
    decision-maker, an executive) is the service's rule, so an id of someone in another
    organisation and an id of nobody get the same answer."""

    def __init__(self, **kwargs):
        super().__init__(
            required=False,
            allow_null=True,
            help_text="User id of a member of the project's organisation, or null.",
            **kwargs,
        )


class RowsField(serializers.ListField):
    """A list of row objects, passed whole to the service, which checks every row with the
    editor's rules; here only the shape, with errors in the same flat form."""

    def to_internal_value(self, data):
        if not isinstance(data, list):
            raise serializers.ValidationError(["Expected a list of rows."])
        too_many = rules.too_many_rows(self.field_name, len(data))
        if too_many:  # before looking at a hundred thousand rows one by one
            raise serializers.ValidationError([too_many])
        errors = []
        for index, row in enumerate(data, start=1):
            if not isinstance(row, dict):
                errors.append(f"Row {index}: expected an object with the row's fields.")
                continue
            errors.extend(
                f"Row {index} — {name}: expected a text, a number or true/false."
                for name, value in row.items()
                if value is not None and not isinstance(value, str | int | float | bool)
            )
        if errors:
            raise serializers.ValidationError(errors)
        return [dict(row) for row in data]


@extend_schema_field(DataSourceSerializer(many=True))
class DataSourceRowsField(RowsField):
    pass


@extend_schema_field(IntegrationSerializer(many=True))
class IntegrationRowsField(RowsField):
    pass


def _rows_field(cls):
    return cls(
        child=serializers.DictField(),
        required=False,
        help_text="Replaces the whole list. Each row is checked by the same rules as the "
        "editor; problems come back as " + ROW_MESSAGES,
    )


class CharterVersionUpdateSerializer(BlankChoicesAsNull, serializers.ModelSerializer):
    """Any fields of a draft, grouped by section by the service. People are user ids (members
    of the organisation); ``data_sources`` / ``integrations`` replace the whole list. A field
    that is not writable here is refused by name, never silently dropped."""

    data_sources = _rows_field(DataSourceRowsField)
    integrations = _rows_field(IntegrationRowsField)

    class Meta:
        model = CharterVersion
        fields = [*ALL_FIELDS, "data_sources", "integrations"]
        extra_kwargs = {
            **{f: {"required": False} for f in ALL_FIELDS},
            # The service says "Must be zero or more." — the same words as the pages.
            **{f: {"required": False, "min_value": None} for f in RULE_CHECKED},
            # ... and "Use a three-letter currency code…" rather than a length limit.
            "currency": {"required": False, "max_length": None},
        }

    # Read-only fields of a version: sending one is a mistake worth naming (schema: 400).
    refused_fields = tuple(
        f
        for f in CharterVersionSerializer.Meta.fields
        if f not in (*ALL_FIELDS, "data_sources", "integrations")
    )

    def get_fields(self):
        fields = super().get_fields()
        for name in PEOPLE_FIELDS:
            fields[name] = MemberField()
        return fields

    def to_internal_value(self, data):
        refused = {}
        if hasattr(data, "keys"):
            for name in data:
                field = self.fields.get(name)
                if field is not None and not field.read_only:
                    continue
                if name == "status":
                    refused[name] = [STATUS_BY_ACTION]
                elif name in self.refused_fields:
                    refused[name] = [READ_ONLY]
                else:
                    refused[name] = [NO_SUCH_FIELD]
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            if refused and isinstance(exc.detail, dict):
                raise serializers.ValidationError({**exc.detail, **refused}) from exc
            raise
        if refused:
            raise serializers.ValidationError(refused)
        return value

    def to_service_data(self) -> dict:
        data = dict(self.validated_data)
        for related in ("data_sources", "integrations"):
            if related in data:
                data[related] = [dict(row) for row in data[related]]
        return data


def _version_patch_errors() -> type[serializers.Serializer]:
    """The 400 body of PATCH: every writable field, the refused ones, the state."""

    def messages(help_text: str):
        return serializers.ListField(
            child=serializers.CharField(), required=False, help_text=help_text
        )

    attrs = {name: messages(f"What is wrong with `{name}`.") for name in ALL_FIELDS}
    for related in ("data_sources", "integrations"):
        attrs[related] = messages(ROW_MESSAGES)
    for name in CharterVersionUpdateSerializer.refused_fields:
        attrs[name] = messages(f"`{name}` cannot be changed here.")
    attrs["status"] = messages(
        "Why this version cannot be edited: it is in review (request changes first) or "
        "approved (amend it); or `status` itself was sent."
    )
    attrs["non_field_errors"] = messages("Errors about the request as a whole.")
    attrs["Meta"] = type("Meta", (), {"ref_name": "CharterVersionPatchValidationError"})
    return type("CharterVersionPatchErrorSerializer", (serializers.Serializer,), attrs)


CharterVersionPatchErrorSerializer = _version_patch_errors()


class CharterSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:charter-detail")
    versions = serializers.SerializerMethodField()
    risk_flags = serializers.SerializerMethodField(
        help_text="The project's risk flags, from the approved version when there is one "
        "(not an amendment being drafted), else from the latest."
    )

    class Meta:
        model = Charter
        fields = ["id", "url", "project", "goalposts_moved", "created_at", "versions", "risk_flags"]
        read_only_fields = fields

    @extend_schema_field(FlagSerializer(many=True))
    def get_risk_flags(self, charter) -> list[dict]:
        # Computed once for the whole page (a fixed number of queries), then looked up.
        cache = self.context.setdefault("risk_flags", {})
        if charter.project_id not in cache:
            many = getattr(self.parent, "instance", None)
            charters = list(many) if many is not None and self.parent is not None else [charter]
            if charter not in charters:
                charters.append(charter)
            cache.update(selectors.risk_flags_for_projects(c.project for c in charters))
        return _flags(cache[charter.project_id])

    @extend_schema_field(
        {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "id": {"type": "integer"},
                    "number": {"type": "integer"},
                    "status": {"type": "string"},
                },
            },
        }
    )
    def get_versions(self, charter) -> list[dict]:
        return [
            {"id": v.pk, "number": v.number, "status": v.status} for v in charter.versions.all()
        ]


class CharterCreateSerializer(serializers.Serializer):
    project = serializers.IntegerField(help_text="The project (one you may edit) to start it for.")


class RequestChangesSerializer(serializers.Serializer):
    comment = serializers.CharField(
        required=False, allow_blank=True, help_text="What needs to change (required)."
    )


class RequestChangesErrorSerializer(serializers.Serializer):
    comment = serializers.ListField(
        child=serializers.CharField(), required=False, help_text="No comment was given."
    )
    status = serializers.ListField(
        child=serializers.CharField(), required=False, help_text="The version is not in review."
    )


class ComplianceReviewInputSerializer(serializers.Serializer):
    note = serializers.CharField(
        required=False, allow_blank=True, help_text="What was checked, or conditions set."
    )


class ComplianceReviewSerializer(serializers.ModelSerializer):
    reviewer_name = serializers.CharField(source="reviewer.get_full_name", read_only=True)

    class Meta:
        model = ComplianceReview
        fields = ["id", "version", "reviewer", "reviewer_name", "reviewed_at", "note"]
        read_only_fields = fields


class ComplianceReviewErrorSerializer(serializers.Serializer):
    status = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text="Only a version in review or an approved one can be reviewed.",
    )
    review = serializers.ListField(
        child=serializers.CharField(), required=False, help_text="Already recorded."
    )


class MissingItemsErrorSerializer(serializers.Serializer):
    missing = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text="What must be filled in before submitting.",
    )
    status = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text="The version is not a draft (in review or approved): nothing to submit.",
    )


class StatusErrorSerializer(serializers.Serializer):
    status = serializers.ListField(
        child=serializers.CharField(), required=False, help_text="Why the state forbids this."
    )
    signature = serializers.ListField(child=serializers.CharField(), required=False)


def _sign_errors() -> type[serializers.Serializer]:
    attrs = {
        name: serializers.ListField(
            child=serializers.CharField(),
            required=False,
            help_text="The last signature would approve the charter, but the person named here "
            "has left the organisation (or the decision-maker is no longer an executive): "
            "request changes so the PM can name someone else.",
        )
        for name in PEOPLE_FIELDS
    }
    attrs["Meta"] = type("Meta", (), {"ref_name": "CharterSignValidationError"})
    return type("SignErrorSerializer", (StatusErrorSerializer,), attrs)


SignErrorSerializer = _sign_errors()
