from django.urls import path

from . import calendar_views, dashboard_views, notification_views, views

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

# A person's notifications (decisions.notification_views).
urlpatterns += [
    path("notifications/", notification_views.NotificationListView.as_view(), name="notifications"),
    path(
        "notifications/bell/",
        notification_views.NotificationBellView.as_view(),
        name="notification-bell",
    ),
    path(
        "notifications/<int:pk>/read/",
        notification_views.NotificationReadView.as_view(),
        name="notification-read",
    ),
    path(
        "notifications/read-all/",
        notification_views.NotificationReadAllView.as_view(),
        name="notifications-read-all",
    ),
    path(
        "notifications/preferences/",
        notification_views.NotificationPreferencesView.as_view(),
        name="notification-preferences",
    ),
]

# A person's private calendar feed (decisions.calendar_views): the feed needs no login, its
# secret is the credential.
urlpatterns += [
    path("calendar/", calendar_views.CalendarSectionView.as_view(), name="calendar"),
    path("calendar/rotate/", calendar_views.CalendarRotateView.as_view(), name="calendar-rotate"),
    path("calendar/revoke/", calendar_views.CalendarRevokeView.as_view(), name="calendar-revoke"),
    path(
        "calendar/<slug:secret>.ics",
        calendar_views.CalendarFeedView.as_view(),
        name="calendar-feed",
    ),
]

# The portfolio dashboard (decisions.dashboard_views): the page, and each panel as CSV.
urlpatterns += [
    path("dashboard/", dashboard_views.DashboardView.as_view(), name="dashboard"),
    path(
        "dashboard/export/<slug:table>.csv",
        dashboard_views.DashboardExportView.as_view(),
        name="dashboard-export",
    ),
]
