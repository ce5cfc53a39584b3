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

        from . import panels

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
