from django.urls import path

from portfolio.views import pages, projects

app_name = "portfolio"

urlpatterns = [
    path("", pages.HomeView.as_view(), name="home"),
    path("healthz", pages.healthz, name="healthz"),
    path("organisation/switch/", pages.switch_organisation, name="switch-organisation"),
    path("projects/", projects.ProjectListView.as_view(), name="project-list"),
    path("projects/new/", projects.ProjectCreateView.as_view(), name="project-create"),
    path("projects/owner-options/", projects.OwnerOptionsView.as_view(), name="owner-options"),
    path("projects/<int:project_pk>/", projects.ProjectDetailView.as_view(), name="project-detail"),
    path(
        "projects/<int:project_pk>/edit/", projects.ProjectEditView.as_view(), name="project-edit"
    ),
]
