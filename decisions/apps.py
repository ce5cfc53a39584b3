from django.apps import AppConfig


class DecisionsConfig(AppConfig):
    name = "decisions"
    verbose_name = "Decisions"

    def ready(self):
        from django.db.models.signals import post_migrate

        from portfolio.panels import home_panels, project_panels

        from .defaults import seed_if_empty

        # The default gates come back after a flush (e.g. between transactional tests).
        post_migrate.connect(seed_if_empty, sender=self, dispatch_uid="decisions-default-gates")

        from portfolio.hooks import project_created, project_schedule_changed, project_states

        from . import panels, states
        from .services import gate_due_follow, gate_open

        # A new project stands at its first gate from the start (the API's gate list, the
        # timeline and the decisions-due page see it without anyone opening a page first).
        project_created.register(
            "first-gate", lambda *, project, by: gate_open(project=project, by=by)
        )
        # The open gate's due date moves with the project's schedule.
        project_schedule_changed.register("gate-due", gate_due_follow)
        # Overdue, stalled, kill condition status and kill pending, defined once.
        project_states.register(states.annotate, refresh=states.refresh)
        # The project list's filters behind the dashboard's accountability and graveyard.
        from . import drilldown

        drilldown.register()

        project_panels.register(
            "gate",
            order=20,
            template="decisions/partials/project_panel.html",
            context=panels.project_panel,
        )
        home_panels.register(
            "decisions-due",
            order=10,
            template="decisions/partials/home_panel.html",
            context=panels.home_panel,
        )
