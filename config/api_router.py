"""Every /api/v1/ endpoint is registered here: one ``router.register(...)`` line each, above
``urlpatterns``."""

from rest_framework.routers import DefaultRouter

from charters.api.views import CharterVersionViewSet, CharterViewSet
from decisions.api import calendar as decisions_calendar
from decisions.api import dashboard as decisions_dashboard
from decisions.api import notifications as decisions_notifications
from decisions.api import views as decisions_api
from portfolio.api.views import MembershipViewSet, MeViewSet, OrganisationViewSet, ProjectViewSet

app_name = "api"


# No format-suffix routes (``/api/v1/me.json``): the API speaks JSON (``?format=json`` still
# picks a renderer), and the suffix reached actions that take no ``format`` argument — a 500.
# A suffixed URL is now a plain 404.
class Router(DefaultRouter):
    include_format_suffixes = False


router = Router()
router.register("me", MeViewSet, basename="me")
router.register("organisations", OrganisationViewSet, basename="organisation")
router.register("memberships", MembershipViewSet, basename="membership")
router.register("projects", ProjectViewSet, basename="project")
router.register("charters", CharterViewSet, basename="charter")
router.register("charter-versions", CharterVersionViewSet, basename="charter-version")
router.register("gates", decisions_api.GateViewSet, basename="gate")
router.register("criteria", decisions_api.CriterionViewSet, basename="criterion")
router.register("measurements", decisions_api.MeasurementViewSet, basename="measurement")
router.register("decisions", decisions_api.DecisionViewSet, basename="decision")
router.register(
    r"projects/(?P<project_pk>[0-9]+)/timeline",
    decisions_api.TimelineViewSet,
    basename="project-timeline",
)
router.register(
    "notifications", decisions_notifications.NotificationViewSet, basename="notification"
)
router.register(
    r"projects/(?P<project_pk>[0-9]+)/reminders",
    decisions_notifications.ProjectReminderViewSet,
    basename="project-reminder",
)
router.register("calendar-feed", decisions_calendar.CalendarFeedViewSet, basename="calendar-feed")
router.register("dashboard", decisions_dashboard.DashboardViewSet, basename="dashboard")

urlpatterns = router.urls
