"""The demo writes through the services or the named hatches of ``portfolio.querysets``, nothing else.

The demo replays months of a firm's history in one run, so it needs ways round the services
(which record what a person does now) — and those ways stay named and few: ``write_history``,
``backdate``, ``unaudited_update`` / ``unaudited_delete``. An AST scan of the demo modules fails
on any other write; the hatches themselves are tested below, and so is the promise that
``portfolio.demo`` can be imported without Django (``scripts/run_demo.py`` relies on it).
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from portfolio.querysets import BulkWriteRefused, backdate, write_history

ROOT = Path(__file__).resolve().parent.parent.parent


def demo_modules(root: Path = ROOT) -> list[Path]:
    return [
        *sorted((root / "portfolio" / "demo").glob("*.py")),
        root / "charters" / "demo.py",
        root / "decisions" / "demo.py",
    ]


# --- the scan --------------------------------------------------------------------------------

# Methods that write a row whatever they are called on: a model's ``save``/``delete``, a
# queryset's ``update``/``delete``/``bulk_*``, a manager's ``*_or_create`` and user factories.
# ``dict.update`` and ``set``-likes count too (the scan cannot tell): write ``d |= other``.
WRITE_METHODS = frozenset(
    {
        "save",
        "update",
        "delete",
        "bulk_create",
        "bulk_update",
        "get_or_create",
        "update_or_create",
        "create_user",
        "create_superuser",
    }
)
# ``.create(`` is a manager's: ``Model.objects.create`` or a related one, ``project.decisions``.
MANAGER_WRITES = frozenset({"create"})


def write_offences(root: Path, paths: list[Path]) -> list[str]:
    """``file:line:col: call`` for each direct write in ``paths``. The hatches and the services
    are called by their own names, so they are not in the lists above and pass."""
    offences = []
    for path in paths:
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            if node.func.attr in WRITE_METHODS or node.func.attr in MANAGER_WRITES:
                where = path.relative_to(root)
                offences.append(
                    f"{where}:{node.lineno}:{node.col_offset + 1}: {ast.unparse(node.func)}(…)"
                )
    return offences


def test_the_scan_finds_each_kind_of_direct_write(tmp_path):
    (tmp_path / "portfolio" / "demo").mkdir(parents=True)
    (tmp_path / "charters").mkdir()
    (tmp_path / "decisions").mkdir()
    (tmp_path / "portfolio" / "demo" / "__init__.py").write_text("")
    (tmp_path / "portfolio" / "demo" / "build.py").write_text(
        "def build(project, people, orgs, event):\n"
        "    project.save(update_fields=['name'])\n"
        "    Project.objects.create(name='x')\n"
        "    Organisation.objects.get_or_create(slug='x')\n"
        "    User.objects.bulk_create(people)\n"
        "    AuditEvent.objects.filter(pk=1).update(at=None)\n"
        # Fine: the services and the named hatches.
        "    services.project_create(organisation=orgs[0], by=people[0], name='y')\n"
        "    write_history(Project(name='z'))\n"
        "    backdate(AuditEvent.objects.filter(pk=1), at=None)\n"
        "    Project.objects.filter(pk=1).unaudited_update(updated_at=None)\n"
    )
    (tmp_path / "charters" / "demo.py").write_text(
        "def extend(result, charter):\n"
        "    charter.versions.create(number=2)\n"
        "    models.Model.save(charter)\n"
        "    User.objects.create_superuser(email='a@b.c')\n"
    )
    (tmp_path / "decisions" / "demo.py").write_text(
        "def extend(result, rows):\n"
        "    Measurement.objects.bulk_update(rows, ['value'])\n"
        "    Gate.objects.filter(pk=1).delete()\n"
        "    result.counts.update(decisions=1)\n"
    )

    assert write_offences(tmp_path, demo_modules(tmp_path)) == [
        "portfolio/demo/build.py:2:5: project.save(…)",
        "portfolio/demo/build.py:3:5: Project.objects.create(…)",
        "portfolio/demo/build.py:4:5: Organisation.objects.get_or_create(…)",
        "portfolio/demo/build.py:5:5: User.objects.bulk_create(…)",
        "portfolio/demo/build.py:6:5: AuditEvent.objects.filter(pk=1).update(…)",
        "charters/demo.py:2:5: charter.versions.create(…)",
        "charters/demo.py:3:5: models.Model.save(…)",
        "charters/demo.py:4:5: User.objects.create_superuser(…)",
        "decisions/demo.py:2:5: Measurement.objects.bulk_update(…)",
        "decisions/demo.py:3:5: Gate.objects.filter(pk=1).delete(…)",
        "decisions/demo.py:4:5: result.counts.update(…)",
    ]


def test_the_demo_writes_only_through_services_and_the_named_hatches():
    """Use a service, or ``portfolio.querysets``' ``write_history`` / ``backdate`` /
    ``unaudited_update`` (see its docstring) — never a bare save, create, update or delete."""
    paths = demo_modules()
    assert len(paths) >= 5 and all(p.exists() for p in paths), paths
    offences = write_offences(ROOT, paths)
    for offence in offences:
        print(offence)
    assert not offences, "The demo writes around the services and the hatches:\n" + "\n".join(
        offences
    )


# --- without Django --------------------------------------------------------------------------


def test_the_demo_package_imports_no_django_and_run_demo_prints_the_logins():
    code = (
        "import importlib.util, sys, types\n"
        "import portfolio.demo as demo\n"
        "assert not [m for m in sys.modules if m.split('.')[0] == 'django'], 'django imported'\n"
        "assert isinstance(demo.build, types.FunctionType), demo.build\n"
        "spec = importlib.util.spec_from_file_location('run_demo', 'scripts/run_demo.py')\n"
        "run_demo = importlib.util.module_from_spec(spec)\n"
        "spec.loader.exec_module(run_demo)\n"
        "table = run_demo.demo_logins()\n"
        "assert table == demo.format_logins(), table\n"
        "assert not [m for m in sys.modules if m.split('.')[0] == 'django'], 'django imported'\n"
        "print(table)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env["PYTHONPATH"] = str(ROOT)
    done = subprocess.run(  # noqa: S603 - this interpreter, fixed code
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Password for every demo login: gatehouse-demo" in done.stdout


# --- the hatches -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_write_history_inserts_without_an_audit_event_and_never_overwrites(project):
    from decisions.models import Measurement, MeasurementSource
    from portfolio.models import AuditEvent

    events = AuditEvent.objects.count()
    last_month = timezone.now() - timedelta(days=30)
    reading = write_history(
        Measurement(
            project=project,
            kind="metric",
            value=Decimal("0.81"),
            measured_at=last_month,
            source=MeasurementSource.MANUAL,
            recorded_by=project.pm,
        )
    )
    assert reading.pk is not None
    assert Measurement.objects.get(pk=reading.pk).measured_at == last_month
    assert AuditEvent.objects.count() == events
    # History is added to, not rewritten.
    reading.value = Decimal("0.99")
    with pytest.raises(IntegrityError), transaction.atomic():
        write_history(reading)
    assert Measurement.objects.get(pk=reading.pk).value == Decimal("0.81")


@pytest.mark.django_db
def test_backdate_moves_timestamps_on_audited_and_plain_models_and_nothing_else(project):
    from portfolio.models import AuditEvent, Project

    when = timezone.now() - timedelta(days=90)
    with pytest.raises(BulkWriteRefused):
        Project.objects.filter(pk=project.pk).update(updated_at=when)
    assert backdate(Project.objects.filter(pk=project.pk), created_at=when, updated_at=when) == 1
    project.refresh_from_db()
    assert project.created_at == project.updated_at == when

    event = AuditEvent.objects.create(action="demo.test", object_type="x", object_id="1")
    assert backdate(AuditEvent.objects.filter(pk=event.pk), at=when) == 1
    event.refresh_from_db()
    assert event.at == when

    with pytest.raises(TypeError, match=r"portfolio.Project.name is a CharField"):
        backdate(Project.objects.filter(pk=project.pk), updated_at=when, name="Renamed")
    project.refresh_from_db()
    assert project.name != "Renamed"
