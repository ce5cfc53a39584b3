from rest_framework import permissions

from portfolio.models import PersonalAccessToken


class TokenScopePermission(permissions.IsAuthenticated):
    """Authenticated, and a read-only token may only read."""

    message = "This token is read-only; create a read-write token to make changes."

    def has_permission(self, request, view):
        if not super().has_permission(request, view):
            return False
        if request.method in permissions.SAFE_METHODS:
            return True
        token = request.auth
        if isinstance(token, PersonalAccessToken):
            return token.can_write
        return True
