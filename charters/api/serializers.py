"""Charter API bodies. They only parse and present; ``charters.services`` holds every rule."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from portfolio.models import User

from .. import selectors
from ..models import Charter, CharterVersion, DataSource, Integration, Signature
from ..rules import NON_NEGATIVE
from ..sections import ALL_FIELDS, PEOPLE_FIELDS

RULE_CHECKED = (*NON_NEGATIVE, "latency_p95_ms")


class DataSourceSerializer(serializers.ModelSerializer):
    class Meta:
        model = DataSource
        fields = ["id", "name", "owner_name", "from_production", "sensitivity", "residency"]
        read_only_fields = ["id"]


class IntegrationSerializer(serializers.ModelSerializer):
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


class RequiredSignerSerializer(serializers.Serializer):
    role = serializers.CharField()
    user = serializers.IntegerField()
    name = serializers.CharField()
    signed = serializers.BooleanField()


class CharterVersionSerializer(serializers.ModelSerializer):
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
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_missing_items(self, version) -> list[str]:
        # Memberships once per organisation per response, not once per version.
        cache = self.context.setdefault("members", {})
        org_id = version.charter.project.organisation_id
        if org_id not in cache:
            cache[org_id] = selectors.member_ids(org_id)
        return selectors.missing_items(version, members=cache[org_id])

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


class CharterVersionUpdateSerializer(serializers.ModelSerializer):
    """Any fields of a draft, grouped by section by the service. People are user ids (members
    of the organisation); ``data_sources`` / ``integrations`` replace the whole list."""

    data_sources = DataSourceSerializer(many=True, required=False)
    integrations = IntegrationSerializer(many=True, required=False)

    class Meta:
        model = CharterVersion
        fields = [*ALL_FIELDS, "data_sources", "integrations"]
        extra_kwargs = {
            **{f: {"required": False} for f in ALL_FIELDS},
            **{f: {"queryset": User.objects.all()} for f in PEOPLE_FIELDS},
            # The service says "Must be zero or more." — the same words as the pages.
            **{f: {"required": False, "min_value": None} for f in RULE_CHECKED},
        }

    def to_service_data(self) -> dict:
        data = dict(self.validated_data)
        for related in ("data_sources", "integrations"):
            if related in data:
                data[related] = [dict(row) for row in data[related]]
        return data


class CharterSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:charter-detail")
    versions = serializers.SerializerMethodField()

    class Meta:
        model = Charter
        fields = ["id", "url", "project", "goalposts_moved", "created_at", "versions"]
        read_only_fields = fields

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


class MissingItemsErrorSerializer(serializers.Serializer):
    missing = serializers.ListField(
        child=serializers.CharField(), help_text="What must be filled in before submitting."
    )
    status = serializers.ListField(child=serializers.CharField(), required=False)


class StatusErrorSerializer(serializers.Serializer):
    status = serializers.ListField(
        child=serializers.CharField(), required=False, help_text="Why the state forbids this."
    )
    signature = serializers.ListField(child=serializers.CharField(), required=False)
