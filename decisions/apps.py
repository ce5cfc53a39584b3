from django.apps import AppConfig


class DecisionsConfig(AppConfig):
    name = "decisions"
    verbose_name = "Decisions"

    def ready(self):
        from portfolio.panels import home_panels, project_panels

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
