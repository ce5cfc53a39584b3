"""Every /api/v1/ endpoint is registered here."""

from rest_framework.routers import DefaultRouter

app_name = "api"

router = DefaultRouter()
urlpatterns = router.urls
