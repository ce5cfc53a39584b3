from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from portfolio import services
from portfolio.models import PersonalAccessToken


def _refusal(secret: str) -> str:
    """Why a secret did not authenticate. Whoever holds the secret may know its token's state."""
    token = (
        PersonalAccessToken.objects.select_related("user")
        .filter(key_hash=PersonalAccessToken.hash_secret(secret))
        .first()
    )
    if token is None:
        return "This token is unknown; check it was copied whole."
    if token.status == "revoked":
        return "This token has been revoked; create a new one on your profile page."
    if token.status == "expired":
        return "This token has expired; create a new one on your profile page."
    return "This token's user is deactivated."


class PersonalAccessTokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer <token>`` with a personal access token from the profile page."""

    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() not in (b"bearer", b"token"):
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                "Send the header as 'Authorization: Bearer <token>'."
            )
        try:
            secret = header[1].decode()
        except UnicodeError as exc:
            raise exceptions.AuthenticationFailed("The token contains invalid characters.") from exc
        token = services.token_authenticate(secret=secret)
        if token is None:
            raise exceptions.AuthenticationFailed(_refusal(secret))
        return token.user, token

    def authenticate_header(self, request):
        return 'Bearer realm="api"'


class PersonalAccessTokenScheme(OpenApiAuthenticationExtension):
    target_class = "portfolio.api.authentication.PersonalAccessTokenAuthentication"
    name = "personalAccessToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal access token created on your profile page.",
        }
