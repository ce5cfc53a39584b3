"""Every /api/v1/ endpoint is registered here: one ``router.register(...)`` line each.

``urlpatterns`` is read only after this whole module has run (see ``__getattr__``), so a
registration appended at the end of the file is picked up like any other.
"""

from rest_framework.routers import DefaultRouter

from portfolio.api.views import MembershipViewSet, MeViewSet, OrganisationViewSet, ProjectViewSet

app_name = "api"

router = DefaultRouter()


def __getattr__(name):
    if name == "urlpatterns":
        return router.urls
    raise AttributeError(name)


router.register("me", MeViewSet, basename="me")
router.register("organisations", OrganisationViewSet, basename="organisation")
router.register("memberships", MembershipViewSet, basename="membership")
router.register("projects", ProjectViewSet, basename="project")
from charters.api.views import CharterVersionViewSet, CharterViewSet  # noqa: E402

router.register("charters", CharterViewSet, basename="charter")
router.register("charter-versions", CharterVersionViewSet, basename="charter-version")

from decisions.api import views as decisions_api  # noqa: E402

router.register("gates", decisions_api.GateViewSet, basename="gate")
router.register("criteria", decisions_api.CriterionViewSet, basename="criterion")
router.register("measurements", decisions_api.MeasurementViewSet, basename="measurement")
router.register("decisions", decisions_api.DecisionViewSet, basename="decision")
router.register(
    r"projects/(?P<project_pk>[0-9]+)/timeline",
    decisions_api.TimelineViewSet,
    basename="project-timeline",
)
