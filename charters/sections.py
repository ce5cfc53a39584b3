"""The thirteen sections of a charter (DOMAIN.md "The charter"), in order.

One definition drives the editor's forms, the service that saves a section, the completeness
check, the read-only page and the version diff.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Section:
    number: int
    key: str
    title: str
    fields: tuple[str, ...]
    # Fields a complete charter must fill (all of ``fields`` unless said otherwise).
    required: tuple[str, ...] | None = None
    rows: str | None = None  # related name of the rows this section holds
    hint: str = ""

    @property
    def required_fields(self) -> tuple[str, ...]:
        return self.fields if self.required is None else self.required

    @property
    def anchor(self) -> str:
        return f"section-{self.key}"


SECTIONS: tuple[Section, ...] = (
    Section(
        1,
        "problem",
        "Problem and hypothesis",
        ("problem", "hypothesis", "business_value"),
        hint="What question does the PoC answer, and what is it worth if it works?",
    ),
    Section(
        2,
        "metric",
        "Success metric",
        (
            "metric_name",
            "metric_unit",
            "metric_direction",
            "metric_baseline",
            "metric_target",
            "metric_method",
        ),
        hint="One number that says whether it worked.",
    ),
    Section(
        3,
        "threshold",
        "Sign-off threshold",
        ("threshold",),
        hint="The minimum value that counts as success: between the baseline and the target.",
    ),
    Section(
        4,
        "kill",
        "Kill condition",
        ("kill_deadline",),
        hint="If the metric has not reached the threshold by this date, we stop.",
    ),
    Section(
        5,
        "targets",
        "Latency and cost targets",
        ("latency_p95_ms", "cost_per_call", "currency"),
    ),
    Section(
        6,
        "data",
        "Data",
        (),
        rows="data_sources",
        hint="The real production sources the PoC reads — not a hand-built sample.",
    ),
    Section(
        7,
        "integration",
        "Integration",
        (),
        rows="integrations",
        hint="At least one downstream system, and the team that owns it.",
    ),
    Section(
        8,
        "compliance",
        "Compliance",
        ("compliance_reviewer", "data_classification", "compliance_review_due"),
        hint="A named reviewer, the data classification, and a review by the end of week 1.",
    ),
    Section(
        9,
        "evaluation",
        "Evaluation plan",
        ("eval_set_size", "eval_set_source", "eval_baseline_score", "harness_location"),
    ),
    Section(
        10,
        "production",
        "Production plan",
        ("change_management", "operations_plan", "ops_budget", "executive_sponsor"),
    ),
    Section(
        11,
        "cost",
        "Cost model",
        ("cost_monthly_1x", "cost_monthly_5x", "cost_monthly_20x", "cost_driver"),
        hint="Monthly cost at 1×, 5× and 20× the PoC scale, and what dominates it.",
    ),
    Section(
        12,
        "owners",
        "Owners",
        ("business_owner", "production_owner", "engineering_owner", "decision_maker", "pm"),
        hint="Each a named member of the organisation.",
    ),
    Section(
        13,
        "timebox",
        "Timebox",
        ("timebox_start", "timebox_end", "decision_date"),
        hint="Six to eight weeks is recommended; longer is flagged.",
    ),
)

BY_KEY: dict[str, Section] = {s.key: s for s in SECTIONS}
SECTION_OF_FIELD: dict[str, Section] = {f: s for s in SECTIONS for f in s.fields}
ALL_FIELDS: tuple[str, ...] = tuple(f for s in SECTIONS for f in s.fields)
PEOPLE_FIELDS = (
    "compliance_reviewer",
    "executive_sponsor",
    "business_owner",
    "production_owner",
    "engineering_owner",
    "decision_maker",
    "pm",
)
# Locked once approved: an amendment changing any of them moves the goalposts. The unit and the
# baseline are part of what "success" means (85 % of what, better than what), so they are
# locked too. "How it is measured" is prose that gets clarified; counting every rewording as
# moved goalposts would drown the signal, so it is not locked — the history diff shows it.
GOALPOST_FIELDS = (
    "metric_name",
    "metric_unit",
    "metric_direction",
    "metric_baseline",
    "metric_target",
    "threshold",
    "kill_deadline",
)

# Amounts in the charter's currency (section 5), shown with it.
MONEY_FIELDS = ("ops_budget", "cost_monthly_1x", "cost_monthly_5x", "cost_monthly_20x")
# Values of the success metric, shown with its unit.
METRIC_VALUE_FIELDS = ("metric_baseline", "metric_target", "threshold")

# Free text: names and short labels are one line; the prose fields keep line breaks. Either
# way no control character (portfolio.rules.validate_name / validate_text).
NAME_FIELDS = ("metric_name", "metric_unit", "eval_set_source", "harness_location", "cost_driver")
TEXT_FIELDS = (
    "problem",
    "hypothesis",
    "business_value",
    "metric_method",
    "change_management",
    "operations_plan",
)
ROW_NAME_FIELDS = {
    "data_sources": ("name", "owner_name", "residency"),
    "integrations": ("system", "owning_team"),
}

# A charter names the sources and systems a PoC touches: a handful each. The cap keeps one
# request from storing (and every page from rendering) a hundred thousand rows.
MAX_ROWS = 50

DATA_SOURCE_FIELDS = ("name", "owner_name", "from_production", "sensitivity", "residency")
INTEGRATION_FIELDS = ("system", "direction", "owning_team", "estimate_weeks")
ROW_FIELDS = {"data_sources": DATA_SOURCE_FIELDS, "integrations": INTEGRATION_FIELDS}
