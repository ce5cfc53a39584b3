"""Serializers parse and present; rules live in ``decisions.services``."""

from __future__ import annotations

from rest_framework import serializers

from decisions.models import (
    PERSON_KILL_REASONS,
    Decision,
    Gate,
    GateCriterion,
    MarkState,
    Measurement,
    MeasurementKind,
    Outcome,
)
from decisions.rules import validate_reading_value
from portfolio.api.serializers import BlankAsNullChoiceField, BlankChoicesAsNull
from portfolio.rules import validate_name, validate_text


class PersonField(serializers.StringRelatedField):
    pass


class CriterionSerializer(serializers.ModelSerializer):
    """A criterion of a gate, with its state now (automatic: computed; manual: its last mark)."""

    met = serializers.SerializerMethodField()
    state = serializers.SerializerMethodField()
    detail = serializers.SerializerMethodField()
    marked_by = serializers.SerializerMethodField()
    marked_at = serializers.SerializerMethodField()
    evidence_url = serializers.SerializerMethodField()

    class Meta:
        model = GateCriterion
        fields = [
            "id",
            "gate",
            "order",
            "key",
            "title",
            "description",
            "kind",
            "met",
            "state",
            "detail",
            "marked_by",
            "marked_at",
            "evidence_url",
        ]

    def _status(self, obj):
        return self.context.get("statuses", {}).get(obj.pk)

    def get_met(self, obj) -> bool:
        s = self._status(obj)
        return bool(s and s.met)

    def get_state(self, obj) -> str:
        s = self._status(obj)
        return s.state if s else MarkState.UNMARKED

    def get_detail(self, obj) -> str:
        s = self._status(obj)
        return s.detail if s else ""

    def get_marked_by(self, obj) -> str | None:
        s = self._status(obj)
        return str(s.mark.marked_by) if s and s.mark else None

    def get_marked_at(self, obj) -> str | None:
        s = self._status(obj)
        return s.mark.marked_at.isoformat() if s and s.mark else None

    def get_evidence_url(self, obj) -> str:
        s = self._status(obj)
        return s.mark.evidence_url if s and s.mark else ""


class GateSerializer(serializers.ModelSerializer):
    from_stage = serializers.CharField(
        read_only=True, help_text="Stage before: proposed, poc, pilot or production."
    )
    to_stage = serializers.CharField(
        read_only=True, help_text="Stage after: poc, pilot, production or killed."
    )
    due_date = serializers.DateField(
        read_only=True,
        allow_null=True,
        help_text="When the gate is due — or, once decided, the date it was decided against: "
        "for the charter gate the PoC's start, for the graduation gate the charter's decision "
        "date, for the production gate the date the go into the pilot set. Moves only by a "
        "decision (an extension) or an approved amendment.",
    )
    decision_date = serializers.DateField(
        source="due_date",
        read_only=True,
        allow_null=True,
        help_text="The same as `due_date` (kept for tools written before it was named so).",
    )
    is_open = serializers.SerializerMethodField()
    criteria_met = serializers.SerializerMethodField()
    criteria_total = serializers.SerializerMethodField()
    criteria = serializers.SerializerMethodField()

    class Meta:
        model = Gate
        fields = [
            "id",
            "project",
            "name",
            "from_stage",
            "to_stage",
            "opened_at",
            "is_open",
            "due_date",
            "decision_date",
            "criteria_met",
            "criteria_total",
            "criteria",
        ]

    def _state(self, obj):
        return self.context["gate_states"][obj.pk]

    def get_is_open(self, obj) -> bool:
        return obj.project.stage == obj.from_stage

    def get_criteria_met(self, obj) -> int:
        return self._state(obj).met_count

    def get_criteria_total(self, obj) -> int:
        return self._state(obj).total

    def get_criteria(self, obj) -> list[dict]:
        state = self._state(obj)
        statuses = {c.criterion.pk: c for c in state.criteria}
        return CriterionSerializer(
            [c.criterion for c in state.criteria], many=True, context={"statuses": statuses}
        ).data


class MarkSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=MarkState.choices)
    evidence_text = serializers.CharField(
        required=False, allow_blank=True, default="", validators=[validate_text]
    )
    evidence_url = serializers.URLField(required=False, allow_blank=True, default="")
    evidence_measurement = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Id of a measurement of this project.",
    )


class ReadingTimeField(serializers.DateTimeField):
    """A date-time that answers 400, not 500, when it cannot be placed in the time zone (a
    naive ``0001-01-01T00:00:00`` overflows the conversion)."""

    def enforce_timezone(self, value):
        try:
            return super().enforce_timezone(value)
        except (OverflowError, ValueError):
            self.fail("invalid", format="YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]")


class MeasurementSerializer(serializers.ModelSerializer):
    recorded_by = serializers.StringRelatedField()
    project = serializers.IntegerField(
        source="project_id", help_text="The project measured (one you can see)."
    )
    kind = serializers.ChoiceField(choices=MeasurementKind.choices)
    # No precision limit here: the service rounds to the 4 decimal places a reading keeps.
    value = serializers.DecimalField(
        max_digits=None,
        decimal_places=None,
        validators=[validate_reading_value],
        help_text="The reading. Rounded half up to 4 decimal places (a harness's 0.87654321 "
        "is stored as 0.8765); at most 12 digits before the decimal point.",
    )
    measured_at = ReadingTimeField(
        required=False,
        help_text="Defaults to now. Not in the future, and not before the project began (the day "
        "it was registered, or its timebox start if that is earlier).",
    )

    class Meta:
        model = Measurement
        fields = [
            "id",
            "project",
            "kind",
            "value",
            "measured_at",
            "source",
            "token_name",
            "note",
            "recorded_by",
            "created_at",
        ]
        read_only_fields = ["source", "token_name", "recorded_by", "created_at"]
        extra_kwargs = {"note": {"validators": [validate_text]}}


class DecisionSerializer(BlankChoicesAsNull, serializers.ModelSerializer):
    from_stage = serializers.CharField(
        read_only=True, help_text="Stage before: proposed, poc, pilot or production."
    )
    to_stage = serializers.CharField(
        read_only=True, help_text="Stage after: poc, pilot, production or killed."
    )
    decided_by = serializers.StringRelatedField()
    gate_name = serializers.CharField(source="gate.name", read_only=True)

    class Meta:
        model = Decision
        fields = [
            "id",
            "project",
            "gate",
            "gate_name",
            "outcome",
            "decided_by",
            "decided_by_policy",
            "decided_at",
            "rationale",
            "reason_category",
            "new_kill_deadline",
            "new_decision_date",
            "from_stage",
            "to_stage",
            "supersedes",
            "supersede_reason",
            "successor",
            "snapshot",
        ]
        read_only_fields = fields


class DecisionCreateSerializer(serializers.Serializer):
    project = serializers.IntegerField(help_text="The project decided (one you can see).")
    gate = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Id of the gate you decide (the open gate of `GET /api/v1/gates/?project=…`). "
        "Required, except when `supersedes` is given (the corrected decision's gate is meant). "
        "When that gate is no longer open — a retried request, a second click — the decision is "
        "refused with 400 `This gate has already been decided.` instead of being judged against "
        "the next gate.",
    )
    outcome = serializers.ChoiceField(choices=Outcome.choices)
    rationale = serializers.CharField(
        required=False, allow_blank=True, default="", validators=[validate_text]
    )
    reason_category = BlankAsNullChoiceField(
        choices=PERSON_KILL_REASONS,
        required=False,
        allow_blank=True,
        default="",
        help_text="Kill: why (required). Null (or an empty string) otherwise.",
    )
    new_kill_deadline = serializers.DateField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Extend: the new kill deadline, later than the current one and at most a year "
        "from today.",
    )
    new_decision_date = serializers.DateField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Extend: the gate's new decision date, on or after the new kill deadline. Go: "
        "the decision date of the next gate — required for poc → pilot; for proposed → poc it "
        "defaults to the approved charter's decision date; none for pilot → production. At most "
        "a year from today. It becomes the project's decision date.",
    )
    pivot = serializers.BooleanField(required=False, default=False)
    successor_name = serializers.CharField(
        required=False, allow_blank=True, default="", validators=[validate_name]
    )
    supersedes = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text="Id of the decision corrected."
    )
    supersede_reason = serializers.CharField(
        required=False, allow_blank=True, default="", validators=[validate_text]
    )

    def validate(self, attrs):
        if attrs.get("gate") is None and attrs.get("supersedes") is None:
            raise serializers.ValidationError(
                {"gate": ["Give the id of the gate you decide (GET /api/v1/gates/?project=…)."]}
            )
        return attrs


class TimelineEventSerializer(serializers.Serializer):
    kind = serializers.CharField(
        help_text="stage, decision, measurement, mark, audit, version, signature"
    )
    id = serializers.IntegerField(help_text="Id of the object of that kind.")
    at = serializers.DateTimeField()
    actor = serializers.CharField(allow_null=True)
    summary = serializers.CharField()
