"""The signed-in person's own pages: log in, profile, personal access tokens."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET, require_POST

from portfolio import services
from portfolio.forms import EmailAuthenticationForm, TokenCreateForm, add_service_errors
from portfolio.htmx import FORM_INVALID, redirect_after_post


class LoginView(auth_views.LoginView):
    authentication_form = EmailAuthenticationForm
    redirect_authenticated_user = True


def _profile(
    request: HttpRequest, *, form: TokenCreateForm, new_token=None, secret=None, status=200
):
    user = request.user
    context = {
        "memberships": user.memberships.select_related("organisation").order_by(
            "organisation__name"
        ),
        "tokens": list(user.tokens.all()),
        "form": form,
        "new_token": new_token,
        "new_secret": secret,
    }
    response = render(request, "registration/profile.html", context, status=status)
    if secret:
        # The secret is in this response only: never cache or store it anywhere.
        response["Cache-Control"] = "no-store"
    return response


NEW_CREDENTIAL_SLOT = "gatehouse:new-token"


@login_required
@require_GET
def profile(request: HttpRequest) -> HttpResponse:
    # A token created by the POST just before: its secret is shown on this one page view.
    new = request.session.pop(NEW_CREDENTIAL_SLOT, None)
    if new:
        token = request.user.tokens.filter(pk=new["pk"]).first()
        if token is not None:
            return _profile(request, form=TokenCreateForm(), new_token=token, secret=new["secret"])
    return _profile(request, form=TokenCreateForm())


@login_required
@require_POST
def token_create(request: HttpRequest) -> HttpResponse:
    """Create a token, then redirect to the profile, which shows its secret once.

    The redirect means a refresh cannot create a second token; the secret waits in the
    session only until that next page view (the token itself is stored only as a hash).
    """
    form = TokenCreateForm(request.POST)
    if form.is_valid():
        try:
            token, secret = services.token_create(
                user=request.user,
                name=form.cleaned_data["name"],
                scope=form.cleaned_data["scope"],
                expires_at=form.expires_at(),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            request.session[NEW_CREDENTIAL_SLOT] = {"pk": token.pk, "secret": secret}
            return redirect_after_post(request, "profile")
    return _profile(request, form=form, status=FORM_INVALID)


@login_required
@require_POST
def token_revoke(request: HttpRequest, token_pk: int) -> HttpResponse:
    token = get_object_or_404(request.user.tokens, pk=token_pk)
    services.token_revoke(token=token, by=request.user)
    messages.success(request, f"Token “{token.name}” is revoked; tools using it are now refused.")
    return redirect_after_post(request, "profile")
