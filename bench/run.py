"""Benchmarks: how the project list page and the projects API behave at 500 and 5000 projects,
then how the pages a decision meeting uses behave on the demo portfolio (charters, gates,
measurements and decisions for 155 projects).

Run with ``make bench`` (throw-away PostgreSQL from scripts/with_services.sh). It creates its own
test database, fills it, and prints the median time and query count per URL. It prints figures;
it is not a test and asserts nothing.
"""

from __future__ import annotations

import io
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"

import django  # noqa: E402

django.setup()

from django.db import connection, models  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import (  # noqa: E402
    CaptureQueriesContext,
    setup_test_environment,
    teardown_test_environment,
)
from django.urls import Resolver404, resolve  # noqa: E402
from django.utils import timezone  # noqa: E402

from portfolio.models import Membership, Organisation, Project, Role, Stage, User  # noqa: E402

SIZES = (500, 5000)
URLS = ("/projects/", "/api/v1/projects/")
RUNS = 15
STAGES = list(Stage.values)


def fill(org: Organisation, people: list[User], upto: int) -> None:
    """Top the organisation up to ``upto`` projects.

    Written with the plain QuerySet.bulk_create on purpose: this is fixture data for timing
    reads (like the test factories), not a business write, and 5000 audited service calls
    would make the benchmark about setup time.
    """
    have = Project.objects.filter(organisation=org).count()
    now = timezone.now()
    today = timezone.localdate()
    rows = []
    for i in range(have, upto):
        pm, dm, bo = people[i % 5], people[5 + i % 3], people[(i * 7) % len(people)]
        start = today - timezone.timedelta(days=i % 90)
        rows.append(
            Project(
                organisation=org,
                name=f"Benchmark project {i:05d}",
                slug=f"benchmark-project-{i:05d}",
                summary="Classify inbound support tickets and route them to the right queue.",
                stage=STAGES[i % len(STAGES)],
                pm=pm,
                decision_maker=dm,
                business_owner=bo,
                production_owner=None if i % 3 == 0 else bo,
                timebox_start=start,
                timebox_end=start + timezone.timedelta(weeks=6 + i % 4),
                decision_date=start + timezone.timedelta(weeks=7 + i % 4),
                created_at=now - timezone.timedelta(days=i % 120),
                updated_at=now - timezone.timedelta(days=i % 40, minutes=i),
            )
        )
    models.QuerySet.bulk_create(Project.objects.all(), rows, batch_size=1000)


def measure(client: Client, url: str) -> tuple[float, int, int]:
    """(median ms, queries of the last run, status)."""
    timings, queries, status = [], 0, 0
    client.get(url)  # warm caches (templates, URL resolver) once
    for _ in range(RUNS):
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
        queries, status = len(ctx.captured_queries), response.status_code
    return statistics.median(timings), queries, status


def available(url: str) -> bool:
    try:
        resolve(url)
    except Resolver404:
        return False
    return True


def main() -> int:
    if connection.vendor != "postgresql":
        print(f"note: running on {connection.vendor}; the figures that matter are PostgreSQL's.")
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        org = Organisation.objects.create(name="Benchmark Org", slug="benchmark-org")
        people = []
        for n in range(12):
            user = User.objects.create_user(
                email=f"bench{n}@bench.test", full_name=f"Bench Person {n}", password="bench-pass"
            )
            role = Role.PM if n < 5 else Role.EXECUTIVE if n < 8 else Role.VIEWER
            Membership.objects.create(user=user, organisation=org, role=role)
            people.append(user)
        partner = User.objects.create_user(
            email="partner@bench.test", full_name="Bench Partner", password="bench-pass"
        )
        partner.is_partner = True
        partner.save(update_fields=["is_partner"])
        visitors = {"pm": people[0], "partner": partner}

        missing = [u for u in URLS if not available(u)]
        for url in missing:
            print(f"note: {url} does not exist yet: skipped.")
        urls = [u for u in URLS if u not in missing]

        print(
            f"{'projects':>8}  {'visitor':<8} {'url':<22} {'median ms':>9}  {'queries':>7}  status"
        )
        for size in SIZES:
            fill(org, people, size)
            for who, user in visitors.items():
                client = Client()
                client.force_login(user)
                for url in urls:
                    ms, queries, status = measure(client, url)
                    print(f"{size:>8}  {who:<8} {url:<22} {ms:>9.1f}  {queries:>7}  {status}")
        demo_pages()
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()
    return 0


def demo_pages() -> None:
    """The demo portfolio's busiest project, as its decision-maker and as the partner sees it."""
    from django.core.management import call_command
    from django.db.models import Count

    started = time.perf_counter()
    call_command("load_demo", quiet_logins=True, stdout=io.StringIO())
    print(f"\ndemo portfolio loaded in {time.perf_counter() - started:.0f} s")
    busiest = (
        Project.objects.filter(stage__in=[Stage.POC, Stage.PILOT], charter__isnull=False)
        .annotate(n=Count("measurements", distinct=True))
        .order_by("-n", "pk")
        .first()
    )
    if busiest is None:
        print("note: the demo has no PoC with a charter: demo pages skipped.")
        return
    executive = busiest.decision_maker
    partner = User.objects.filter(is_partner=True).order_by("pk").first()
    pk = busiest.pk
    pages = [
        "/",
        f"/projects/{pk}/",
        f"/projects/{pk}/charter/",
        f"/decisions/projects/{pk}/timeline/",
        "/decisions/due/",
        "/api/v1/charters/",
        "/api/v1/decisions/",
        f"/api/v1/projects/{pk}/timeline/",
    ]
    print(f"{'visitor':<9} {'url':<34} {'median ms':>9}  {'queries':>7}  status")
    for who, user in (("executive", executive), ("partner", partner)):
        client = Client()
        client.force_login(user)
        for url in pages:
            if not available(url):
                print(f"note: {url} does not exist: skipped.")
                continue
            ms, queries, status = measure(client, url)
            print(f"{who:<9} {url:<34} {ms:>9.1f}  {queries:>7}  {status}")


if __name__ == "__main__":
    sys.exit(main())
