"""The demo portfolio as data: who works where, what the projects are about, how they end.

Pure Python and nothing else — no Django, no database — so ``scripts/run_demo.py`` can print
``DEMO_LOGINS`` and ``DEMO_PASSWORD`` before Django is set up, and a reader can change the story
(an organisation, a featured login, a project idea) without reading the code that writes it.
``portfolio.demo.build`` turns it into a seeded plan and writes that through the services.
"""

from __future__ import annotations

from dataclasses import dataclass

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

LAPSED_REASON = (
    "Nobody decided: the kill deadline passed with the success metric below the sign-off "
    "threshold, and seven days later the PoC was neither killed nor extended."
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


# How the projects of an organisation spread over the stages (relative weights).
STAGE_WEIGHTS: tuple[tuple[str, int], ...] = (
    ("proposed", 22),
    ("poc", 30),
    ("pilot", 15),
    ("production", 12),
    ("killed", 21),
)
