"""Representations of the portfolio for /api/v1/. Serializers parse and present; they never write:
the viewsets hand ``validated_data`` to ``portfolio.services``."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from portfolio.models import (
    OWNER_FIELDS,
    KillStatus,
    Membership,
    Organisation,
    PersonalAccessToken,
    Project,
    Role,
    Stage,
    User,
)

# The same words as the service layer, so an unknown id and a non-member look alike (no leak of
# which user ids exist in other organisations).
NOT_A_MEMBER = _("This person is not a member of the project's organisation.")
UNKNOWN_ORGANISATION = _("Unknown organisation.")
STAGE_IS_DECIDED = _(
    "The stage changes only through a recorded decision at a gate; it cannot be written here."
)

STAYS_IN_ITS_ORGANISATION = _("A project stays in the organisation it was registered in.")


class BlankAsNullChoiceField(serializers.ChoiceField):
    """A choice the model may leave blank (a charter's metric direction before it is filled, a
    decision's kill reason when it is no kill). Read back as null, never ``""`` — which is in no
    documented enum; written as null or, as before, ``""``: both store the blank."""

    def __init__(self, **kwargs):
        if kwargs.pop("allow_blank", False):
            kwargs["allow_null"] = True
        super().__init__(**kwargs)

    def run_validation(self, data=serializers.empty):
        if self.allow_null and not self.read_only and (data is None or data == ""):
            return ""
        return super().run_validation(data)

    def to_representation(self, value):
        if value is None or value == "":
            return None
        return super().to_representation(value)


class BlankChoicesAsNull:
    """For a ModelSerializer: every choice field the model may leave blank is a
    ``BlankAsNullChoiceField``."""

    serializer_choice_field = BlankAsNullChoiceField

    def build_standard_field(self, field_name, model_field):
        field_class, kwargs = super().build_standard_field(field_name, model_field)
        # DRF passes allow_blank to writable fields only; a read-only one is null-able too.
        if field_class is BlankAsNullChoiceField and model_field.blank:
            kwargs["allow_null"] = True
        return field_class, kwargs


class IdentityUrlField(serializers.HyperlinkedIdentityField):
    """An object's API address, reversed once per response and filled in with each id: a page
    of 200 projects ran ``reverse()`` 200 times for the same pattern."""

    _PLACEHOLDER = 987654321

    def get_url(self, obj, view_name, request, format):
        if getattr(obj, "pk", None) in (None, ""):
            return None
        templates = self.root.__dict__.setdefault("_identity_urls", {})
        key = (view_name, format)
        if key not in templates:
            stand_in = type("StandIn", (), {self.lookup_field: self._PLACEHOLDER})()
            url = super().get_url(stand_in, view_name, request, format)
            templates[key] = url.rpartition(str(self._PLACEHOLDER))
        head, _sep, tail = templates[key]
        return f"{head}{getattr(obj, self.lookup_field)}{tail}"


class PersonSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "full_name", "email"]
        read_only_fields = fields


class OrganisationSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Organisation
        fields = ["id", "name", "slug"]
        read_only_fields = fields


class OrganisationSerializer(serializers.ModelSerializer):
    role = serializers.ChoiceField(
        choices=Role.choices,
        read_only=True,
        allow_null=True,
        help_text="Your role in this organisation; null for a partner without a membership.",
    )

    class Meta:
        model = Organisation
        fields = ["id", "name", "slug", "role"]
        read_only_fields = fields


class MembershipSerializer(serializers.ModelSerializer):
    user = PersonSerializer(read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "organisation", "user", "role"]
        read_only_fields = fields


class OwnerField(serializers.PrimaryKeyRelatedField):
    default_error_messages = {
        "does_not_exist": NOT_A_MEMBER,
        "incorrect_type": _("Give the person's user id (a number)."),
    }


def _owner_help(field: str) -> str:
    return (
        f"User id of the {Project._meta.get_field(field).verbose_name}; must be a member of the "
        f"project's organisation. Read the person back from `{field}_detail`."
    )


DATES = ("timebox_start", "timebox_end", "decision_date", "kill_deadline", "gate_due", "next_due")


class ProjectSerializer(serializers.ModelSerializer):
    """A project. Each named owner is written as a user id (`pm`) and read back in full
    (`pm_detail`); the stage is read-only."""

    id = serializers.IntegerField(read_only=True)
    url = IdentityUrlField(view_name="api:project-detail")
    organisation = serializers.PrimaryKeyRelatedField(read_only=True)
    stage = serializers.ChoiceField(
        choices=Stage.choices,
        read_only=True,
        help_text="Read-only: the stage changes only through a recorded decision at a gate. "
        "Sending a different stage is refused with a 400.",
    )
    business_owner = OwnerField(
        queryset=User.objects.all(),
        allow_null=True,
        required=False,
        help_text=_owner_help("business_owner"),
    )
    production_owner = OwnerField(
        queryset=User.objects.all(),
        allow_null=True,
        required=False,
        help_text=_owner_help("production_owner"),
    )
    engineering_owner = OwnerField(
        queryset=User.objects.all(),
        allow_null=True,
        required=False,
        help_text=_owner_help("engineering_owner"),
    )
    decision_maker = OwnerField(
        queryset=User.objects.all(),
        allow_null=True,
        required=False,
        help_text=_owner_help("decision_maker"),
    )
    pm = OwnerField(
        queryset=User.objects.all(),
        allow_null=True,
        required=False,
        help_text="User id of the PM; defaults to you on create. Must be a member of the "
        "project's organisation. Read the person back from `pm_detail`.",
    )
    business_owner_detail = PersonSerializer(
        source="business_owner", read_only=True, allow_null=True
    )
    production_owner_detail = PersonSerializer(
        source="production_owner", read_only=True, allow_null=True
    )
    engineering_owner_detail = PersonSerializer(
        source="engineering_owner", read_only=True, allow_null=True
    )
    decision_maker_detail = PersonSerializer(
        source="decision_maker", read_only=True, allow_null=True
    )
    pm_detail = PersonSerializer(source="pm", read_only=True, allow_null=True)
    missing_owners = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text="Labels of the named owners not yet filled in.",
    )
    decision_date = serializers.DateField(
        allow_null=True,
        required=False,
        help_text="When the go / kill call on the PoC (in pilot: on the pilot) is due. Once the "
        "charter is approved a change is refused with a 400: it moves only by a decision "
        "(an extension, or the go that sets the next gate's date) or by an amendment.",
    )
    kill_deadline = serializers.DateField(
        read_only=True,
        allow_null=True,
        help_text="The current kill deadline: the approved charter's or the latest extension's; "
        "in pilot the production gate's due date; null before approval and after production "
        "or a kill.",
    )
    gate_due = serializers.DateField(
        read_only=True,
        allow_null=True,
        help_text="When the gate the project stands at is due (the charter gate: the PoC's start).",
    )
    next_due = serializers.DateField(
        read_only=True,
        allow_null=True,
        help_text="The nearest of `gate_due` and `kill_deadline` while the project is in flight.",
    )
    overdue = serializers.BooleanField(
        read_only=True,
        help_text="In flight, and the current gate's due date or the kill deadline has passed "
        "with no decision.",
    )
    stalled = serializers.BooleanField(
        read_only=True,
        help_text="In flight, and no activity for the organisation's stalled threshold (21 days "
        "by default), or overdue for more than 7 days.",
    )
    kill_status = serializers.ChoiceField(
        choices=KillStatus.choices,
        read_only=True,
        help_text="on_track, at_risk (deadline within 7 days, threshold not met), triggered "
        "(deadline passed, threshold not met), met; undefined before an approved charter, none "
        "after production or a kill.",
    )
    kill_pending = serializers.BooleanField(
        read_only=True,
        help_text="In PoC, the kill deadline passed and the threshold not met: only a kill, or an "
        "extension with a reason, can be recorded.",
    )

    class Meta:
        model = Project
        fields = [
            "id",
            "url",
            "organisation",
            "name",
            "slug",
            "summary",
            "stage",
            *OWNER_FIELDS,
            *(f"{f}_detail" for f in OWNER_FIELDS),
            "timebox_start",
            "timebox_end",
            "decision_date",
            "kill_deadline",
            "gate_due",
            "next_due",
            "overdue",
            "stalled",
            "kill_status",
            "kill_pending",
            "created_at",
            "updated_at",
            "missing_owners",
        ]
        read_only_fields = ["slug", "created_at", "updated_at"]

    # Read-only fields whose change is a mistake worth telling the caller about rather than
    # silently dropping (sending back the current value is fine: a GET body can be PUT back).
    refused_fields = ("stage", "organisation")

    def to_representation(self, instance: Project) -> dict:
        """The fields above, written out directly: DRF's field-by-field path (30 fields and five
        nested people per project) was most of a page's time at firm scale. The same keys and
        values as ``super().to_representation`` (``tests/portfolio/test_api_representation.py``
        compares them); the dates and times go through the fields' own formatting."""
        if type(self) is not ProjectSerializer or not hasattr(instance, "kill_status"):
            return super().to_representation(instance)  # another shape, or no states read
        fields = self.fields
        stamp = fields["created_at"].to_representation
        day = fields["timebox_start"].to_representation
        people = {f: getattr(instance, f) for f in OWNER_FIELDS}
        return {
            "id": instance.pk,
            "url": fields["url"].to_representation(instance),
            "organisation": instance.organisation_id,
            "name": instance.name,
            "slug": instance.slug,
            "summary": instance.summary,
            "stage": instance.stage,
            **{f: p.pk if p is not None else None for f, p in people.items()},
            **{
                f"{f}_detail": (
                    {"id": p.pk, "full_name": p.full_name, "email": p.email}
                    if p is not None
                    else None
                )
                for f, p in people.items()
            },
            **{f: day(v) if (v := getattr(instance, f)) is not None else None for f in DATES},
            "overdue": bool(instance.overdue),
            "stalled": bool(instance.stalled),
            "kill_status": instance.kill_status,
            "kill_pending": bool(instance.kill_pending),
            "created_at": stamp(instance.created_at),
            "updated_at": stamp(instance.updated_at),
            "missing_owners": list(instance.missing_owners),
        }

    def get_fields(self):
        fields = super().get_fields()
        organisation_id = self.owners_organisation_id()
        if organisation_id is not None:
            # Only the organisation's members can be named: anyone else — a user of another
            # organisation or nobody at all — is the same "not a member", so the answer never
            # tells which user ids exist elsewhere.
            members = User.objects.filter(memberships__organisation_id=organisation_id)
            for name in OWNER_FIELDS:
                fields[name].queryset = members
        return fields

    def owners_organisation_id(self) -> int | None:
        """The organisation whose members may be named (None: no input to check)."""
        instance = self.instance
        return instance.organisation_id if isinstance(instance, Project) else None

    def validate(self, attrs):
        attrs = super().validate(attrs)
        data = getattr(self, "initial_data", None)
        if not hasattr(data, "get"):
            return attrs
        current = self.instance if isinstance(self.instance, Project) else None
        errors = {}
        if "stage" in data and data.get("stage") != (current.stage if current else Stage.PROPOSED):
            errors["stage"] = [STAGE_IS_DECIDED]
        if (
            current
            and "organisation" in data
            and str(data.get("organisation")) != str(current.organisation_id)
        ):
            errors["organisation"] = [STAYS_IN_ITS_ORGANISATION]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class ProjectCreateSerializer(ProjectSerializer):
    """A new project: the fields of a project plus the organisation it belongs to."""

    organisation = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.none(),
        error_messages={"does_not_exist": UNKNOWN_ORGANISATION},
        help_text="Id of the organisation; you must be a PM in it.",
    )

    def get_fields(self):
        fields = super().get_fields()
        # Only organisations the caller can see exist for them: a foreign id is "unknown".
        fields["organisation"].queryset = self.visible_organisations()
        return fields

    def visible_organisations(self):
        request = self.context.get("request")
        return Organisation.objects.visible_to(getattr(request, "user", None))

    def owners_organisation_id(self) -> int | None:
        """The organisation named in the body, when the caller can see it; else none at all
        (no owner can be named in an unknown organisation)."""
        data = getattr(self, "initial_data", None)
        if not hasattr(data, "get"):
            return None
        if not hasattr(self, "_owners_organisation_id"):
            self._owners_organisation_id = self.organisation_in(data) or 0
        return self._owners_organisation_id

    def organisation_in(self, data) -> int | None:
        """The id of the visible organisation ``data`` names, or None."""
        value = data.get("organisation")
        if isinstance(value, bool) or not isinstance(value, int | str):
            return None
        if isinstance(value, str) and not (value.isascii() and value.isdigit()):
            return None
        number = int(value)
        if not 0 < number < 2**63:
            return None
        return self.visible_organisations().filter(pk=number).values_list("pk", flat=True).first()


class TokenSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = PersonalAccessToken
        fields = ["name", "key_prefix", "scope", "expires_at", "last_used_at"]
        read_only_fields = fields


class MyMembershipSerializer(serializers.ModelSerializer):
    organisation = OrganisationSummarySerializer(read_only=True)

    class Meta:
        model = Membership
        fields = ["organisation", "role"]
        read_only_fields = fields


@extend_schema_serializer(many=False)
class MeSerializer(serializers.ModelSerializer):
    memberships = MyMembershipSerializer(many=True, read_only=True)
    token = serializers.SerializerMethodField(
        help_text="The token this request was made with; null for a browser session."
    )

    class Meta:
        model = User
        fields = ["id", "email", "full_name", "is_partner", "memberships", "token"]
        read_only_fields = fields

    @extend_schema_field(TokenSummarySerializer(allow_null=True))
    def get_token(self, user):
        auth = getattr(self.context.get("request"), "auth", None)
        if isinstance(auth, PersonalAccessToken):
            return TokenSummarySerializer(auth).data
        return None
