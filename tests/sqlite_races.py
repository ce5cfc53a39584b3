"""Run by ``tests/test_sqlite_races.py`` in a subprocess, under the demo's settings on a SQLite
file that ``manage.py migrate`` has just built: two signers sign at the same moment, and two
decisions on the same gate are recorded at the same moment, a few rounds each. Prints what
each side was answered, as JSON."""

from __future__ import annotations

import json
import os
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

# The people it creates need no strong password hash: the demo's settings otherwise, not this.
settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

from django.core.exceptions import PermissionDenied, ValidationError  # noqa: E402
from django.db import OperationalError, connection  # noqa: E402

from charters import services as charter_services  # noqa: E402
from decisions import services as decision_services  # noqa: E402
from decisions.models import Decision, Gate  # noqa: E402
from tests.charters.helpers import in_review  # noqa: E402
from tests.decisions.helpers import in_poc  # noqa: E402
from tests.factories import OrganisationFactory, ProjectFactory, member  # noqa: E402

ROUNDS = int(os.environ.get("RACE_ROUNDS", "3"))


def race(*calls) -> list[str]:
    """Run ``calls`` in threads released at the same moment; each one's answer."""
    barrier = threading.Barrier(len(calls))
    answers = [""] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            call()
            answers[index] = "ok"
        except (ValidationError, PermissionDenied) as exc:
            answers[index] = "refused: " + " ".join(getattr(exc, "messages", [str(exc)]))
        except OperationalError as exc:
            answers[index] = f"error: {exc}"
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def main() -> None:
    assert connection.vendor == "sqlite", connection.vendor
    results: dict[str, list] = {"sign": [], "decide": []}
    for n in range(ROUNDS):
        org = OrganisationFactory(name=f"Race {n}", slug=f"race-{n}")
        pm = member(org, "pm", full_name="Pat Manager")
        executive = member(org, "executive", full_name="Erin Executive")

        project = ProjectFactory(
            organisation=org, pm=pm, decision_maker=executive, business_owner=executive
        )
        version, who = in_review(project)
        answers = race(
            lambda v=version, p=who["business_owner"]: charter_services.charter_sign(
                version=v, by=p
            ),
            lambda v=version, p=who["production_owner"]: charter_services.charter_sign(
                version=v, by=p
            ),
        )
        version.refresh_from_db()
        results["sign"].append(
            {"answers": answers, "signatures": version.signatures.count(), "status": version.status}
        )

        poc, _, _ = in_poc(org, pm, executive, name=f"Race PoC {n}")
        gate = Gate.objects.get(project=poc, from_stage=poc.stage)

        def kill(project=poc, gate=gate, executive=executive):
            decision_services.decision_record(
                project=project,
                outcome="kill",
                by=executive,
                gate=gate,
                reason_category="metric_not_reached",
                rationale="Stuck at 60%.",
            )

        answers = race(kill, kill)
        results["decide"].append(
            {"answers": answers, "decisions": Decision.objects.filter(gate=gate).count()}
        )
        connection.close()
    print(json.dumps(results))


if __name__ == "__main__":
    main()
