from django.apps import AppConfig


class PortfolioConfig(AppConfig):
    name = "portfolio"
    verbose_name = "Portfolio"

    def ready(self) -> None:
        from . import drilldown

        # The project list's drill-down filters on the milestones the portfolio stores.
        drilldown.register()
