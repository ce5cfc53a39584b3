from django.urls import path

from . import views

app_name = "charters"

P = "projects/<int:project_pk>/charter/"

urlpatterns = [
    path("charters/to-sign/", views.SignoffListView.as_view(), name="signoffs"),
    path(P, views.CharterDetailView.as_view(), name="detail"),
    path(f"{P}start/", views.CharterStartView.as_view(), name="start"),
    path(f"{P}edit/", views.CharterEditView.as_view(), name="edit"),
    path(f"{P}sections/<slug:section>/", views.SectionSaveView.as_view(), name="section"),
    path(f"{P}rows/<slug:kind>/", views.RowAddView.as_view(), name="row-add"),
    path(
        f"{P}rows/<slug:kind>/<int:row_pk>/remove/",
        views.RowRemoveView.as_view(),
        name="row-remove",
    ),
    path(f"{P}submit/", views.SubmitView.as_view(), name="submit"),
    path(f"{P}sign/", views.SignView.as_view(), name="sign"),
    path(f"{P}request-changes/", views.RequestChangesView.as_view(), name="request-changes"),
    path(f"{P}withdraw-signature/", views.WithdrawView.as_view(), name="withdraw"),
    path(f"{P}amend/", views.AmendView.as_view(), name="amend"),
    path(f"{P}history/", views.HistoryView.as_view(), name="history"),
    path(f"{P}compliance-review/", views.ComplianceReviewView.as_view(), name="compliance-review"),
]
