from .models import Organisation, Role, WorkerHeartbeat
from .scoping import member_roles

SESSION_ORG_KEY = "current_organisation"


def current_organisation(request):
    """The organisation the person has switched to, or None for "all my organisations"."""
    if not request.user.is_authenticated:
        return None
    if not hasattr(request, "_current_organisation"):
        pk = request.session.get(SESSION_ORG_KEY)
        request._current_organisation = (
            Organisation.objects.visible_to(request.user).filter(pk=pk).first() if pk else None
        )
    return request._current_organisation


def visible_organisations(request) -> list[Organisation]:
    """The organisations the visitor may see, read once per request (the navigation's switcher
    and the list's filters share it)."""
    if not hasattr(request, "_visible_organisations"):
        request._visible_organisations = list(
            Organisation.objects.visible_to(request.user).only("id", "name", "is_active")
        )
    return request._visible_organisations


def worker_heartbeat(request) -> WorkerHeartbeat | None:
    """The worker's last heartbeat, read once per request."""
    if not hasattr(request, "_worker_heartbeat"):
        request._worker_heartbeat = WorkerHeartbeat.objects.filter(name="worker").first()
    return request._worker_heartbeat


def navigation(request):
    """The layout's context. Each panel of a page renders with the request (its templates use
    it and the CSRF token), so this runs once per panel: every read here is cached on the
    request and runs once per page."""
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    return {
        # A deactivated organisation leaves the switcher; its history stays readable.
        "nav_organisations": [o for o in visible_organisations(request) if o.is_active],
        "current_organisation": current_organisation(request),
        "worker_heartbeat": worker_heartbeat(request),
        # "Decisions due" is in the navigation of those who decide: executives (the roles are
        # read once per request, and most pages have read them already to scope).
        "decides": Role.EXECUTIVE in member_roles(request.user).values(),
    }
