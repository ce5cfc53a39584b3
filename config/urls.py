from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

# Swagger UI's init script as a file of its own, not an inline <script>: the CSP forbids those.
urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("config.api_router")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("accounts/", include("portfolio.account_urls")),
    path("", include("portfolio.urls")),
    path("", include("charters.urls")),
]
urlpatterns.append(path("decisions/", include("decisions.urls")))
