from django.apps import AppConfig


class ChartersConfig(AppConfig):
    name = "charters"
    verbose_name = "Charters"

    def ready(self) -> None:
        from portfolio.panels import home_panels, project_badges, project_panels

        from . import panels

        project_panels.register(
            "charter",
            order=10,
            template="charters/partials/project_panel.html",
            context=panels.project_panel,
        )
        home_panels.register(
            "charters-to-sign",
            order=10,
            template="charters/partials/home_panel.html",
            context=panels.home_panel,
        )
        home_panels.register(
            "my-charters",
            order=15,
            template="charters/partials/pm_home_panel.html",
            context=panels.pm_home_panel,
        )
        project_badges.register("charter", order=10, badges=panels.list_badges)

        from . import drilldown

        drilldown.register()
