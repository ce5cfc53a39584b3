"""The demo portfolio: a firm of a dozen organisations with a believable spread of AI PoCs.

``build()`` writes it through the services (idempotent, seeded, dated relative to today) and
returns a ``DemoResult``. ``manage.py load_demo`` then hands that result to ``extend(result)``
in every installed app's ``demo`` module (``charters.demo``, ``decisions.demo``…) so they can add
charters, gates and decisions to the same projects. Extenders must be idempotent too.

Nothing from Django is imported at module level, so ``scripts/run_demo.py`` can read
``DEMO_LOGINS`` and ``DEMO_PASSWORD`` without setting Django up.
"""

from __future__ import annotations

import importlib
import importlib.util
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .models import Organisation, Project, User

SEED = 20240611
DEMO_PASSWORD = "gatehouse-demo"  # noqa: S105 -- published on purpose: demo data only
DEMO_DOMAIN = "gatehouse.demo"
ADMIN_EMAIL = f"admin@{DEMO_DOMAIN}"
ADMIN_NAME = "Gatehouse Admin"


@dataclass(frozen=True)
class OrgSpec:
    slug: str
    name: str
    industry: str
    projects: int
    pms: int
    executives: int
    viewers: int


# Uneven on purpose: one big business unit, several mid-sized ones, a couple of tiny ones.
ORGANISATIONS: tuple[OrgSpec, ...] = (
    OrgSpec("northwind-logistics", "Northwind Logistics", "logistics", 42, 4, 3, 3),
    OrgSpec("meridian-bank", "Meridian Bank", "banking", 17, 2, 2, 2),
    OrgSpec("helios-energy", "Helios Energy", "energy", 15, 2, 2, 2),
    OrgSpec("brightcart-retail", "Brightcart Retail", "retail", 15, 2, 2, 2),
    OrgSpec("aurora-health", "Aurora Health", "healthcare", 13, 2, 2, 2),
    OrgSpec("vantage-insurance", "Vantage Insurance", "insurance", 13, 2, 2, 1),
    OrgSpec("cobalt-manufacturing", "Cobalt Manufacturing", "manufacturing", 12, 2, 1, 2),
    OrgSpec("lumen-telecom", "Lumen Telecom", "telecom", 11, 2, 1, 1),
    OrgSpec("juniper-legal", "Juniper Legal", "legal", 7, 1, 1, 1),
    OrgSpec("atlas-property", "Atlas Property", "real_estate", 5, 1, 1, 1),
    OrgSpec("fernwood-foods", "Fernwood Foods", "food", 3, 1, 1, 1),
    OrgSpec("quill-publishing", "Quill Publishing", "media", 2, 1, 1, 0),
)
ORG_NAMES = {o.slug: o.name for o in ORGANISATIONS}


@dataclass(frozen=True)
class PersonSpec:
    email: str
    full_name: str
    memberships: tuple[tuple[str, str], ...] = ()  # (organisation slug, role)
    is_partner: bool = False


# The people worth logging in as; everybody else is generated (same password).
FEATURED_PEOPLE: tuple[PersonSpec, ...] = (
    PersonSpec(f"partner@{DEMO_DOMAIN}", "Priya Raman", (), is_partner=True),
    PersonSpec(
        f"exec@{DEMO_DOMAIN}",
        "Erik Lindqvist",
        (("northwind-logistics", "executive"), ("helios-energy", "executive")),
    ),
    PersonSpec(f"pm@{DEMO_DOMAIN}", "Maya Okafor", (("northwind-logistics", "pm"),)),
    PersonSpec(
        f"pm.finance@{DEMO_DOMAIN}",
        "Tomás Rivera",
        (("meridian-bank", "pm"), ("vantage-insurance", "viewer")),
    ),
    PersonSpec(
        f"viewer@{DEMO_DOMAIN}",
        "Sam Becker",
        (("brightcart-retail", "viewer"), ("fernwood-foods", "viewer")),
    ),
)

_ROLE_WORDS = {"pm": "PM", "executive": "executive", "viewer": "viewer"}


def _login_row(person: PersonSpec) -> tuple[str, str, str]:
    if person.is_partner:
        return (person.email, "partner", "every organisation (read-only)")
    roles = list(dict.fromkeys(_ROLE_WORDS[r] for _, r in person.memberships))
    if len(roles) == 1:
        orgs = ", ".join(ORG_NAMES[s] for s, _ in person.memberships)
    else:
        orgs = ", ".join(f"{ORG_NAMES[s]} ({_ROLE_WORDS[r]})" for s, r in person.memberships)
    return (person.email, " / ".join(roles), orgs)


# (email, role, organisations): printed by load_demo and scripts/run_demo.py.
DEMO_LOGINS: tuple[tuple[str, str, str], ...] = (
    *(_login_row(p) for p in FEATURED_PEOPLE),
    (ADMIN_EMAIL, "superuser", "/admin/ only"),
)


def format_logins(logins=DEMO_LOGINS, password: str = DEMO_PASSWORD) -> str:
    """The login table as text, for a terminal."""
    rows = [("email", "role", "organisations"), *logins]
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    lines.append(f"Password for every demo login: {password}")
    return "\n".join(lines)


# --- what the projects are about ------------------------------------------------------------
# (name, summary). Generic ideas fit any organisation; the others follow its industry.
GENERIC_IDEAS: tuple[tuple[str, str], ...] = (
    (
        "Invoice triage",
        "Read supplier invoices, match them to purchase orders and route exceptions to the right approver.",
    ),
    (
        "Contract clause extraction",
        "Pull termination, liability and renewal clauses from supplier contracts into a reviewable table.",
    ),
    (
        "Support-ticket routing",
        "Classify inbound support tickets by product and urgency and send them to the right queue.",
    ),
    (
        "Churn prediction",
        "Score customers monthly on their likelihood to leave so account managers can act first.",
    ),
    (
        "Demand forecasting",
        "Forecast weekly demand per product and region to cut stock-outs and overstock.",
    ),
    (
        "Expense anomaly detection",
        "Flag expense claims that break policy or look duplicated before they are paid.",
    ),
    (
        "IT helpdesk assistant",
        "Answer password, VPN and laptop questions from the IT knowledge base before a ticket is raised.",
    ),
    (
        "HR policy assistant",
        "Answer employees' leave, travel and benefits questions from the current policy documents.",
    ),
    (
        "Meeting notes summariser",
        "Turn recorded project meetings into decisions, owners and action items.",
    ),
    ("Sales call summaries", "Summarise sales calls into the CRM with next steps and objections."),
    (
        "Procurement spend classification",
        "Classify free-text purchase lines into the spend taxonomy for category managers.",
    ),
    (
        "CV screening assistant",
        "Rank incoming applications against the job requirements for recruiters.",
    ),
    (
        "Customer email drafting",
        "Draft first replies to customer emails for agents to check and send.",
    ),
    (
        "Knowledge base search",
        "Semantic search over manuals, wikis and past tickets with cited answers.",
    ),
    (
        "Archive OCR and indexing",
        "Digitise scanned archive documents and make them searchable by content.",
    ),
    (
        "Code review assistant",
        "Suggest review comments on internal pull requests and catch common defects.",
    ),
    (
        "Cash-flow forecasting",
        "Forecast 13-week cash position from receivables, payables and payroll.",
    ),
    ("Duplicate payment detection", "Catch duplicate supplier payments before the payment run."),
    (
        "Onboarding chatbot",
        "Guide new joiners through their first weeks: accounts, training, who to ask.",
    ),
    ("Marketing copy generator", "Draft campaign copy variants in the brand voice for review."),
    (
        "Review sentiment dashboard",
        "Mine customer reviews and surveys for themes and sentiment by product.",
    ),
    (
        "Documentation translation",
        "Translate product documentation into six languages with terminology control.",
    ),
    ("Tender response drafting", "Draft answers to tender questionnaires from past winning bids."),
    ("Data quality alerts", "Detect anomalies in daily data loads before they reach reports."),
    ("Board-pack summarisation", "Summarise board packs into a two-page brief with open risks."),
    ("Lead scoring", "Score inbound leads on their likelihood to convert for the sales team."),
    (
        "Payroll query assistant",
        "Answer payslip questions and route the rest to payroll specialists.",
    ),
    (
        "Accessibility alt-text generator",
        "Write alt text for images on the public website and intranet.",
    ),
)

INDUSTRY_IDEAS: dict[str, tuple[tuple[str, str], ...]] = {
    "logistics": (
        (
            "Last-mile route optimisation",
            "Re-plan delivery routes each morning from live orders, traffic and driver hours.",
        ),
        (
            "Container ETA prediction",
            "Predict inbound container arrival times from vessel tracking and port congestion.",
        ),
        (
            "Warehouse slotting optimisation",
            "Suggest where each SKU should sit to shorten picking paths.",
        ),
        (
            "Damaged parcel detection",
            "Spot damaged parcels on conveyor camera images before loading.",
        ),
        (
            "Customs document classification",
            "Classify and check customs documents and HS codes for cross-border shipments.",
        ),
        (
            "Fleet predictive maintenance",
            "Predict truck breakdowns from telematics so maintenance can be scheduled.",
        ),
        (
            "Driver shift scheduling",
            "Build weekly driver rosters that respect hours rules and preferences.",
        ),
        (
            "Freight quote assistant",
            "Draft freight rate quotes from lane history and current capacity.",
        ),
        ("Proof-of-delivery OCR", "Read signed delivery notes and close shipments automatically."),
        (
            "Carrier performance scoring",
            "Score subcontracted carriers on punctuality, damage and cost.",
        ),
        (
            "Returns reason classification",
            "Classify free-text return reasons for the client reports.",
        ),
        (
            "Load planning assistant",
            "Suggest trailer load plans that maximise fill and respect weight limits.",
        ),
        (
            "Dock pallet counting",
            "Count pallets at the dock from camera images to reconcile receipts.",
        ),
        (
            "Fuel anomaly detection",
            "Flag fuel card transactions that do not match the vehicle's route.",
        ),
    ),
    "banking": (
        ("Transaction fraud scoring", "Score card transactions in real time for fraud review."),
        (
            "KYC document verification",
            "Check identity documents and proof of address during onboarding.",
        ),
        (
            "AML alert triage",
            "Rank anti-money-laundering alerts so analysts see the risky ones first.",
        ),
        ("Credit memo drafting", "Draft credit memos for SME loans from financial statements."),
        (
            "Mortgage application pre-check",
            "Check mortgage applications for missing documents before underwriting.",
        ),
        ("Complaint classification", "Classify customer complaints for regulatory reporting."),
        (
            "Collections prioritisation",
            "Prioritise overdue accounts by likelihood to pay after contact.",
        ),
        (
            "Regulatory report reconciliation",
            "Reconcile regulatory returns against the general ledger.",
        ),
    ),
    "energy": (
        (
            "Grid load forecasting",
            "Forecast hourly grid load per substation for the next 48 hours.",
        ),
        ("Wind turbine fault prediction", "Predict gearbox faults from turbine vibration data."),
        (
            "Smart-meter anomaly detection",
            "Detect tampering and faulty smart meters from consumption patterns.",
        ),
        (
            "Solar output nowcasting",
            "Predict solar park output for the next six hours from satellite images.",
        ),
        ("Field inspection photo triage", "Sort field inspection photos by defect severity."),
        ("Outage call summarisation", "Summarise outage calls into structured incident records."),
        (
            "Tariff recommendation",
            "Recommend the best tariff to each customer from their usage profile.",
        ),
    ),
    "retail": (
        ("Product description generation", "Write product descriptions from supplier data sheets."),
        ("Markdown pricing optimisation", "Suggest end-of-season markdowns per store and product."),
        ("Shelf gap detection", "Detect empty shelves from store camera images."),
        (
            "Personalised recommendations",
            "Recommend products in the app from browsing and purchase history.",
        ),
        ("Returns fraud detection", "Flag suspicious return patterns at the till and online."),
        ("Size recommendation", "Recommend clothing sizes online to cut size-related returns."),
        ("Review summarisation", "Summarise product reviews on the product page."),
        (
            "Assortment planning assistant",
            "Propose store assortments from local sales and demographics.",
        ),
    ),
    "healthcare": (
        (
            "Discharge summary drafting",
            "Draft discharge summaries from the clinical record for doctors to check.",
        ),
        (
            "No-show prediction",
            "Predict outpatient no-shows so reminders and overbooking can be targeted.",
        ),
        ("Radiology report coding", "Suggest diagnosis codes from radiology reports."),
        ("Trial patient matching", "Match patients to open clinical trials from their records."),
        (
            "Prior authorisation triage",
            "Sort prior authorisation requests by completeness and urgency.",
        ),
        ("Bed occupancy forecasting", "Forecast bed occupancy per ward for the next two weeks."),
        (
            "Medication interaction alerts",
            "Flag risky medication combinations at prescription time.",
        ),
    ),
    "insurance": (
        ("Claims triage", "Route new claims to fast-track, standard or specialist handling."),
        ("Damage estimation from photos", "Estimate car repair costs from claim photos."),
        (
            "Underwriting submission intake",
            "Extract risk data from broker submissions into the underwriting system.",
        ),
        (
            "Policy wording comparison",
            "Compare policy wordings against the standard and highlight deviations.",
        ),
        ("Subrogation opportunity detection", "Find paid claims where a third party should pay."),
        ("Fraudulent claim scoring", "Score claims for fraud indicators before settlement."),
        (
            "Broker email classification",
            "Classify broker emails and attach them to the right policy.",
        ),
    ),
    "manufacturing": (
        ("Visual defect inspection", "Detect surface defects on the line from camera images."),
        ("Press predictive maintenance", "Predict press failures from sensor data."),
        ("Spare-parts demand forecasting", "Forecast spare-parts demand for the service network."),
        (
            "Work instruction assistant",
            "Answer operators' questions from work instructions at the station.",
        ),
        ("Supplier risk monitoring", "Watch news and filings for risks at critical suppliers."),
        ("Energy use optimisation", "Schedule energy-intensive steps around electricity prices."),
        (
            "Quality deviation drafting",
            "Draft quality deviation reports from line data and operator notes.",
        ),
    ),
    "telecom": (
        ("Network fault root cause", "Suggest the likely root cause of network alarms."),
        (
            "Call-centre intent detection",
            "Detect why customers call and route them to the right skill.",
        ),
        ("Prepaid churn prediction", "Predict which prepaid customers will stop topping up."),
        (
            "Tower inspection from drone images",
            "Find damaged equipment on towers from drone images.",
        ),
        ("Bill shock prediction", "Warn customers before roaming or usage makes their bill spike."),
        (
            "Technician dispatch optimisation",
            "Assign field technicians to jobs to cut travel and repeat visits.",
        ),
    ),
    "legal": (
        (
            "Due diligence document review",
            "First-pass review of data-room documents for red flags.",
        ),
        (
            "Time entry narrative clean-up",
            "Rewrite time-entry narratives to client billing guidelines.",
        ),
        ("Legal research assistant", "Find relevant case law and summarise it with citations."),
        (
            "Matter intake classification",
            "Classify new matters and check conflicts from intake forms.",
        ),
        ("NDA first-pass review", "Review incoming NDAs against the firm's playbook."),
    ),
    "real_estate": (
        ("Lease abstraction", "Extract rent, break clauses and indexation from leases."),
        (
            "Maintenance request routing",
            "Route tenant maintenance requests to the right contractor.",
        ),
        ("Rent roll reconciliation", "Reconcile rent rolls against bank receipts."),
        ("Valuation assistant", "Suggest comparables and a value range for property valuations."),
    ),
    "food": (
        (
            "Shelf-life prediction",
            "Predict shelf life of fresh products from production and cold-chain data.",
        ),
        (
            "Supplier certificate checking",
            "Check supplier food-safety certificates for expiry and scope.",
        ),
        ("Production yield forecasting", "Forecast production yield per line and shift."),
    ),
    "media": (
        (
            "Article tagging",
            "Tag articles with topics and entities for the archive and recommendations.",
        ),
        ("Transcript summarisation", "Summarise interview transcripts for editors."),
        (
            "Rights clearance lookup",
            "Find the licence terms for images and quotes before publication.",
        ),
    ),
}

# Kill reason categories (DOMAIN.md) with the words a decision-maker would write.
KILL_REASONS: tuple[tuple[str, str], ...] = (
    ("metric_not_reached", "Accuracy on real data stayed well below the agreed threshold."),
    ("cost_target_missed", "Cost per call at production volume was several times the target."),
    ("latency_target_missed", "p95 latency could not get under the target on real traffic."),
    (
        "data_not_available",
        "The production data the PoC needs is not available at the required quality.",
    ),
    (
        "integration_too_costly",
        "Integrating with the core system would cost more than the benefit.",
    ),
    ("compliance_blocked", "Compliance review blocked the use of personal data for this purpose."),
    ("no_production_owner", "Nobody would take on running it in production."),
    ("business_case_not_made", "The savings did not justify the run cost."),
    ("sponsor_changed_direction", "The sponsor moved the budget to another priority."),
    ("other", "Superseded by a vendor feature released this quarter."),
)

GO_REASONS = {
    "poc": "Charter approved and signed; PoC starts.",
    "pilot": "All six graduation criteria met on production data.",
    "production": "Pilot met latency and cost targets on real traffic; ops owner accepted.",
}

FIRST_NAMES = (
    "Anna",
    "Ben",
    "Chloe",
    "Daniel",
    "Elena",
    "Felix",
    "Grace",
    "Hugo",
    "Isla",
    "Jonas",
    "Karin",
    "Liam",
    "Mila",
    "Noah",
    "Olivia",
    "Pieter",
    "Quinn",
    "Rosa",
    "Stefan",
    "Tara",
    "Umar",
    "Vera",
    "Wout",
    "Xenia",
    "Yusuf",
    "Zoe",
    "Amir",
    "Bea",
    "Carlos",
    "Dina",
    "Emil",
    "Fatima",
    "Gustav",
    "Hanna",
    "Ivan",
    "Julia",
    "Kenji",
    "Lotte",
    "Marco",
    "Nadia",
)
LAST_NAMES = (
    "Andersen",
    "Bakker",
    "Costa",
    "Dubois",
    "Eriksen",
    "Fischer",
    "Gomez",
    "Hansen",
    "Ivanova",
    "Jansen",
    "Kowalski",
    "Laurent",
    "Meyer",
    "Nowak",
    "Oliveira",
    "Peters",
    "Quint",
    "Rossi",
    "Schmidt",
    "Thomsen",
    "Ueda",
    "Visser",
    "Weber",
    "Xu",
    "Young",
    "Zimmer",
    "Achterberg",
    "Brandt",
    "Claes",
    "De Vries",
    "Evans",
    "Fontaine",
    "Greco",
    "Huber",
    "Iqbal",
    "Jovanovic",
)


# --- the plan: pure Python, the same every run for the same day ------------------------------
@dataclass
class ProjectPlan:
    org_slug: str
    slug: str
    name: str
    summary: str
    stage: str
    # (to_stage, at, reason), oldest first: replayed through project_change_stage.
    transitions: list[tuple[str, datetime, str]]
    owners: dict[str, str | None]  # owner field -> email (None: a gap on purpose)
    timebox_start: date | None
    timebox_end: date | None
    decision_date: date | None
    created_at: datetime
    updated_at: datetime
    kill_reason: str | None = None  # a KILL_REASONS category when stage is killed


@dataclass
class DemoPlan:
    people: list[PersonSpec]
    projects: list[ProjectPlan]


def _at(day: date, rng: random.Random) -> datetime:
    from django.utils import timezone

    naive = datetime.combine(day, time(hour=rng.randint(8, 17), minute=rng.randint(0, 59)))
    return timezone.make_aware(naive)


def _people(rng: random.Random) -> tuple[list[PersonSpec], dict[str, dict[str, list[str]]]]:
    """Everyone in the demo, and per organisation the emails in each role (featured first)."""
    roster: dict[str, dict[str, list[str]]] = {
        o.slug: {"pm": [], "executive": [], "viewer": []} for o in ORGANISATIONS
    }
    people = list(FEATURED_PEOPLE)
    for person in FEATURED_PEOPLE:
        for slug, role in person.memberships:
            roster[slug][role].append(person.email)
    names = [(f, ln) for f in FIRST_NAMES for ln in LAST_NAMES]
    rng.shuffle(names)
    taken = {p.full_name for p in FEATURED_PEOPLE}
    for org in ORGANISATIONS:
        for role, wanted in (
            ("pm", org.pms),
            ("executive", org.executives),
            ("viewer", org.viewers),
        ):
            while len(roster[org.slug][role]) < wanted:
                first, last = names.pop()
                full_name = f"{first} {last}"
                if full_name in taken:
                    continue
                taken.add(full_name)
                local = f"{first}.{last}".lower().replace(" ", "")
                email = f"{local}@{DEMO_DOMAIN}"
                people.append(PersonSpec(email, full_name, ((org.slug, role),)))
                roster[org.slug][role].append(email)
    return people, roster


def _ideas(org: OrgSpec, rng: random.Random) -> list[tuple[str, str]]:
    specific = list(INDUSTRY_IDEAS.get(org.industry, ()))
    generic = list(GENERIC_IDEAS)
    rng.shuffle(specific)
    rng.shuffle(generic)
    # Mostly industry work, topped up with the ideas every company tries.
    pool = specific + generic
    ideas = pool[: org.projects]
    wave = 2
    while len(ideas) < org.projects:  # more projects than ideas: a second wave of the same
        missing = org.projects - len(ideas)
        ideas += [(f"{name} (wave {wave})", summary) for name, summary in pool[:missing]]
        wave += 1
    return ideas


_STAGE_WEIGHTS = (("proposed", 22), ("poc", 30), ("pilot", 15), ("production", 12), ("killed", 21))


def _plan_project(
    *,
    org: OrgSpec,
    name: str,
    summary: str,
    stage: str,
    roster: dict[str, list[str]],
    today: date,
    rng: random.Random,
) -> ProjectPlan:
    from django.utils.text import slugify

    def days_ago(n: int) -> date:
        return today - timedelta(days=n)

    pms, execs, viewers = roster["pm"], roster["executive"], roster["viewer"]
    everyone = pms + execs + viewers
    owners: dict[str, str | None] = {
        "pm": rng.choice(pms),
        "decision_maker": rng.choice(execs),
        "business_owner": rng.choice(execs + pms),
        "engineering_owner": rng.choice(pms + viewers) if viewers else rng.choice(pms),
        "production_owner": rng.choice(everyone),
    }
    # The usual gap: nobody has agreed to run it in production. Rarer gaps elsewhere.
    missing_production_owner = {
        "proposed": 0.55,
        "poc": 0.4,
        "pilot": 0.2,
        "production": 0.0,
        "killed": 0.5,
    }[stage]
    if rng.random() < missing_production_owner:
        owners["production_owner"] = None
    if stage in ("proposed", "poc") and rng.random() < 0.08:
        owners["decision_maker"] = None
    if stage in ("proposed", "poc", "killed") and rng.random() < 0.08:
        owners["business_owner"] = None
    if rng.random() < 0.1:
        owners["engineering_owner"] = None

    weeks = rng.choice((6, 6, 7, 8, 8, 8, 10, 12))  # longer than eight weeks gets flagged
    transitions: list[tuple[str, datetime, str]] = []
    kill_reason = None
    tb_start: date | None
    tb_end: date | None
    decision: date | None

    if stage == "proposed":
        created = days_ago(rng.randint(2, 50))
        if rng.random() < 0.2:  # not planned yet
            tb_start = tb_end = decision = None
        else:
            tb_start = today + timedelta(days=rng.randint(-3, 30))
            tb_end = tb_start + timedelta(weeks=weeks)
            decision = tb_end + timedelta(days=rng.randint(0, 7))
        last_event = created
    elif stage in ("poc", "pilot"):
        if stage == "poc":
            entered = days_ago(
                rng.choice((rng.randint(3, 30), rng.randint(20, 60), rng.randint(45, 95)))
            )
            created = entered - timedelta(days=rng.randint(10, 40))
            transitions.append(("poc", _at(entered, rng), GO_REASONS["poc"]))
        else:
            weeks = rng.choice((8, 10, 12))
            entered = days_ago(rng.choice((rng.randint(5, 40), rng.randint(30, 110))))
            poc_at = entered - timedelta(days=rng.randint(42, 80))
            created = poc_at - timedelta(days=rng.randint(10, 40))
            transitions.append(("poc", _at(poc_at, rng), GO_REASONS["poc"]))
            transitions.append(("pilot", _at(entered, rng), GO_REASONS["pilot"]))
        tb_start = entered
        tb_end = tb_start + timedelta(weeks=weeks)
        decision = tb_end + timedelta(days=rng.randint(0, 7))
        last_event = entered
    elif stage == "production":
        live = days_ago(rng.randint(15, 320))
        pilot_at = live - timedelta(days=rng.randint(56, 100))
        poc_at = pilot_at - timedelta(days=rng.randint(42, 70))
        created = poc_at - timedelta(days=rng.randint(10, 40))
        transitions += [
            ("poc", _at(poc_at, rng), GO_REASONS["poc"]),
            ("pilot", _at(pilot_at, rng), GO_REASONS["pilot"]),
            ("production", _at(live, rng), GO_REASONS["production"]),
        ]
        tb_start, tb_end, decision = pilot_at, live - timedelta(days=rng.randint(0, 10)), live
        last_event = live
    else:  # killed, mostly at the graduation gate
        died_in = rng.choices(("proposed", "poc", "pilot", "production"), (15, 60, 20, 5))[0]
        killed = days_ago(rng.randint(3, 260))
        path = ["proposed", "poc", "pilot", "production"]
        steps = path[1 : path.index(died_in) + 1]
        at = killed
        dates = []
        for _ in steps:
            at = at - timedelta(days=rng.randint(35, 80))
            dates.append(at)
        for step, day in zip(steps, reversed(dates), strict=True):
            transitions.append((step, _at(day, rng), GO_REASONS[step]))
        kill_reason, reason_text = rng.choice(KILL_REASONS)
        if owners["production_owner"] is None and rng.random() < 0.5:
            kill_reason, reason_text = (
                "no_production_owner",
                dict(KILL_REASONS)["no_production_owner"],
            )
        transitions.append(("killed", _at(killed, rng), reason_text))
        created = (dates[-1] if dates else killed) - timedelta(days=rng.randint(10, 40))
        tb_start = dates[0] if dates else created
        tb_end = max(tb_start, killed - timedelta(days=rng.randint(0, 14)))
        decision = killed
        last_event = killed

    # Activity since the last stage change: most projects are touched recently, some went quiet
    # (stalled: nothing for more than 21 days).
    if stage in ("proposed", "poc", "pilot"):
        quiet_for = rng.choice((rng.randint(0, 12), rng.randint(0, 12), rng.randint(22, 60)))
        last_event = max(last_event, days_ago(quiet_for))
    created_at = _at(created, rng)
    updated_at = max(_at(last_event, rng), created_at, *(t[1] for t in transitions))
    if stage in ("proposed", "poc", "pilot"):
        from django.utils import timezone

        updated_at = min(updated_at, timezone.now())
    return ProjectPlan(
        org_slug=org.slug,
        slug=slugify(name)[:170],
        name=name,
        summary=summary,
        stage=stage,
        transitions=transitions,
        owners=owners,
        timebox_start=tb_start,
        timebox_end=tb_end,
        decision_date=decision,
        created_at=created_at,
        updated_at=updated_at,
        kill_reason=kill_reason,
    )


def plan(*, today: date, seed: int = SEED) -> DemoPlan:
    """The whole demo as data. Each organisation has its own random stream, so adding one
    organisation does not reshuffle the others."""
    people, roster = _people(random.Random(f"{seed}:people"))
    projects: list[ProjectPlan] = []
    stages, weights = zip(*_STAGE_WEIGHTS, strict=True)
    for org in ORGANISATIONS:
        rng = random.Random(f"{seed}:{org.slug}")
        ideas = _ideas(org, rng)
        # Every stage shows up in every organisation big enough to hold them all.
        org_stages = list(stages) if org.projects >= 8 else []
        org_stages += rng.choices(stages, weights, k=org.projects - len(org_stages))
        rng.shuffle(org_stages)
        for (name, summary), stage in zip(ideas, org_stages, strict=True):
            projects.append(
                _plan_project(
                    org=org,
                    name=name,
                    summary=summary,
                    stage=stage,
                    roster=roster[org.slug],
                    today=today,
                    rng=rng,
                )
            )
    return DemoPlan(people=people, projects=projects)


# --- writing it -------------------------------------------------------------------------------
@dataclass
class DemoProject:
    project: Project
    plan: ProjectPlan
    created: bool  # written by this run (False: it was there already and left alone)


@dataclass
class DemoResult:
    """What ``build`` hands to each app's ``demo.extend(result)``."""

    today: date
    seed: int
    password: str
    admin: User
    organisations: dict[str, Organisation]  # by slug
    people: dict[str, User]  # by email
    roster: dict[str, dict[str, list[User]]]  # org slug -> role -> members
    projects: list[DemoProject]
    log: Callable[[str], None] = field(default=lambda msg: None)

    def rng(self, name: str) -> random.Random:
        """A seeded random stream for an extender, stable across runs."""
        return random.Random(f"{self.seed}:{name}")

    @property
    def created_projects(self) -> list[DemoProject]:
        return [p for p in self.projects if p.created]


def build(
    *, today: date | None = None, seed: int = SEED, log: Callable[[str], None] | None = None
) -> DemoResult:
    """Create what is missing of the demo portfolio; leave what exists alone."""
    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.utils import timezone

    from . import services
    from .models import Membership, Organisation, Project, User

    log = log or (lambda msg: None)
    today = today or timezone.localdate()
    demo = plan(today=today, seed=seed)
    # One hash for everybody: hashing 60 passwords one by one would take most of the run.
    password_hash = make_password(DEMO_PASSWORD)

    with transaction.atomic():
        orgs = {}
        for spec in ORGANISATIONS:
            orgs[spec.slug], _ = Organisation.objects.get_or_create(
                slug=spec.slug, defaults={"name": spec.name}
            )

        admin = User.objects.filter(email=ADMIN_EMAIL).first()
        if admin is None:
            admin = User.objects.create_superuser(email=ADMIN_EMAIL, full_name=ADMIN_NAME)
            admin.password = password_hash
            admin.save(update_fields=["password"])

        existing = set(
            User.objects.filter(email__in=[p.email for p in demo.people]).values_list(
                "email", flat=True
            )
        )
        User.objects.bulk_create(
            User(
                email=p.email,
                full_name=p.full_name,
                is_partner=p.is_partner,
                password=password_hash,
            )
            for p in demo.people
            if p.email not in existing
        )
        people = {u.email: u for u in User.objects.filter(email__in=[p.email for p in demo.people])}

        have = set(
            Membership.objects.filter(organisation__in=orgs.values()).values_list(
                "user__email", "organisation__slug"
            )
        )
        for person in demo.people:
            for slug, role in person.memberships:
                if (person.email, slug) not in have:
                    services.membership_set(
                        user=people[person.email], organisation=orgs[slug], role=role, by=admin
                    )
        # Fresh objects: the role cache on a user must not predate the memberships above.
        people = {u.email: u for u in User.objects.filter(email__in=[p.email for p in demo.people])}

        roster: dict[str, dict[str, list[User]]] = {
            s: {"pm": [], "executive": [], "viewer": []} for s in orgs
        }
        for m in Membership.objects.filter(organisation__in=orgs.values()).select_related(
            "user", "organisation"
        ):
            roster[m.organisation.slug][m.role].append(people.get(m.user.email, m.user))

        found = {
            (p.organisation_id, p.slug): p
            for p in Project.objects.filter(organisation__in=orgs.values())
        }
        projects: list[DemoProject] = []
        for pp in demo.projects:
            org = orgs[pp.org_slug]
            project = found.get((org.pk, pp.slug))
            if project is not None:
                projects.append(DemoProject(project, pp, created=False))
                continue
            project = _create_project(pp, org=org, people=people)
            projects.append(DemoProject(project, pp, created=True))

    new = sum(p.created for p in projects)
    log(
        f"Demo portfolio: {len(orgs)} organisations, {len(people)} people, {len(projects)} projects ({new} new)."
    )
    return DemoResult(
        today=today,
        seed=seed,
        password=DEMO_PASSWORD,
        admin=admin,
        organisations=orgs,
        people=people,
        roster=roster,
        projects=projects,
        log=log,
    )


def _create_project(pp: ProjectPlan, *, org, people) -> Project:
    from . import services
    from .models import AuditEvent, Project

    owners = {f: people[e] if e else None for f, e in pp.owners.items()}
    project = services.project_create(
        organisation=org,
        by=owners["pm"],
        name=pp.name,
        summary=pp.summary,
        timebox_start=pp.timebox_start,
        timebox_end=pp.timebox_end,
        decision_date=pp.decision_date,
        **owners,
    )
    for to_stage, at, reason in pp.transitions:
        by = owners["decision_maker"] or owners["pm"]
        services.project_change_stage(
            project=project, to_stage=to_stage, by=by, reason=reason, at=at
        )
    # The demo tells a story that started weeks ago: date the project and its audit trail back.
    Project.objects.filter(pk=project.pk).unaudited_update(
        created_at=pp.created_at, updated_at=pp.updated_at
    )
    times = [pp.created_at, *(at for _, at, _ in pp.transitions)]
    for event_id, at in zip(
        AuditEvent.objects.filter(project=project).order_by("id").values_list("id", flat=True),
        times,
        strict=False,
    ):
        AuditEvent.objects.filter(pk=event_id).update(at=at)
    project.created_at, project.updated_at = pp.created_at, pp.updated_at
    return project


def extenders() -> Iterator[tuple[str, Callable[[DemoResult], Any]]]:
    """(app label, extend) for every installed app whose ``demo`` module has ``extend``."""
    from django.apps import apps

    for config in apps.get_app_configs():
        module_name = f"{config.name}.demo"
        if config.name == __package__ or importlib.util.find_spec(module_name) is None:
            continue
        extend = getattr(importlib.import_module(module_name), "extend", None)
        if callable(extend):
            yield config.label, extend
