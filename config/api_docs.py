"""The OpenAPI schema and its Swagger UI: open in the demo, behind a login in production.

The schema holds no organisation's data, but it maps every endpoint, parameter and error of the
API: a map of the attack surface we need not hand to anyone on the internet. The people and
tools that use the API already have an account or a token, so in production the schema answers
an authenticated session or a personal access token (anonymous: 401), and the docs page, which
is for people, sends an anonymous visitor to the login page. ``GATEHOUSE_PUBLIC_API_DOCS``
(default: on in the demo, `config/settings/local.py`; off elsewhere) opens both.

Swagger UI's init script is a file of its own (``SpectacularSwaggerSplitView``), not an inline
<script>, so the page runs under the site's strict Content-Security-Policy; its inline <style>
is replaced by a static stylesheet (templates/drf_spectacular/swagger_ui.html).
"""

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny, BasePermission, IsAuthenticated


def _docs_are_public() -> bool:
    return bool(getattr(settings, "GATEHOUSE_PUBLIC_API_DOCS", False))


class SchemaView(SpectacularAPIView):
    def get_permissions(self) -> list[BasePermission]:
        return [AllowAny()] if _docs_are_public() else [IsAuthenticated()]


class DocsView(SpectacularSwaggerSplitView):
    def dispatch(self, request, *args, **kwargs):
        if not _docs_are_public() and not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return super().dispatch(request, *args, **kwargs)
