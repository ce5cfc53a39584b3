from django.apps import AppConfig


class PortfolioConfig(AppConfig):
    name = "portfolio"
    verbose_name = "Portfolio"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from . import drilldown, sessions

        # Every login path (the login page, the admin's, force_login) fixes the session's end.
        user_logged_in.connect(sessions.session_started, dispatch_uid="gatehouse-session-started")

        # The project list's drill-down filters on the milestones the portfolio stores.
        drilldown.register()
