from django.contrib import admin
from django.urls import include, path

from config.api_docs import DocsView, SchemaView

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("config.api_router")),
    path("api/schema/", SchemaView.as_view(), name="api-schema"),
    path("api/docs/", DocsView.as_view(url_name="api-schema"), name="api-docs"),
    path("accounts/", include("portfolio.account_urls")),
    path("", include("portfolio.urls")),
    path("", include("charters.urls")),
]
urlpatterns.append(path("decisions/", include("decisions.urls")))

# Under /api/ an address no route matches answers JSON, as the rest of the API does.
handler404 = "portfolio.api.base.not_found"
