from django.urls import path

from . import views

app_name = "decisions"

urlpatterns = [
    path("due/", views.DecisionsDueView.as_view(), name="due"),
    path("projects/<int:project_pk>/gate/", views.GatePageView.as_view(), name="gate"),
    path(
        "projects/<int:project_pk>/criteria/<int:criterion_pk>/mark/",
        views.CriterionMarkView.as_view(),
        name="criterion-mark",
    ),
    path(
        "projects/<int:project_pk>/measurements/",
        views.MeasurementCreateView.as_view(),
        name="measurement-create",
    ),
    path("projects/<int:project_pk>/decide/", views.DecideView.as_view(), name="decide"),
    path("projects/<int:project_pk>/ownership/", views.OwnershipView.as_view(), name="ownership"),
    path("projects/<int:project_pk>/timeline/", views.TimelineView.as_view(), name="timeline"),
]
