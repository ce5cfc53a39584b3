"""The signed-in person's own pages: log in, profile, personal access tokens."""

from __future__ import annotations

import math

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from portfolio import services
from portfolio.forms import EmailAuthenticationForm, TokenCreateForm, add_service_errors
from portfolio.htmx import FORM_INVALID, redirect_after_post
from portfolio.throttling import login_lockout_ends, password_reset_limited

TOO_MANY_REQUESTS = 429


class LoginView(auth_views.LoginView):
    authentication_form = EmailAuthenticationForm
    redirect_authenticated_user = True


def login_locked_out(
    request: HttpRequest, original_response: HttpResponse | None, credentials: dict | None
) -> HttpResponse:
    """The login page again when django-axes refuses a login (``AXES_LOCKOUT_CALLABLE``): what
    was typed in the email field, and a plain sentence saying when logging in works again."""
    ends = login_lockout_ends(request, credentials)
    wait = max(0, math.ceil((ends - timezone.now()).total_seconds()))
    minutes = max(1, math.ceil(wait / 60))
    lockout = (
        "Too many failed attempts to log in. For your security, logging in to this account "
        f"from here is paused: try again in {minutes} minute{'s' if minutes != 1 else ''}, "
        f"after {timezone.localtime(ends):%H:%M}. Forgotten your password? Reset it with the "
        "link below, or ask an administrator to unlock your account."
    )
    form = EmailAuthenticationForm(request, initial={"username": request.POST.get("username")})
    context = {"form": form, "next": request.POST.get("next", ""), "lockout": lockout}
    response = render(request, "registration/login.html", context, status=TOO_MANY_REQUESTS)
    response["Retry-After"] = str(wait)
    return response


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset request, limited per email address and per sender's address
    (``PASSWORD_RESET_LIMIT_*``). Over a limit it sends nothing and says when to ask again,
    in words that are the same whether or not an account uses the address."""

    def form_valid(self, form):
        limited = password_reset_limited(self.request, email=form.cleaned_data["email"])
        if limited is None:
            return super().form_valid(form)
        form.add_error(
            None,
            "Too many password reset requests for this email address or from this network. "
            f"Ask again in {limited.minutes} minute{'s' if limited.minutes != 1 else ''}; "
            "a link already sent still works.",
        )
        response = self.render_to_response(
            self.get_context_data(form=form), status=TOO_MANY_REQUESTS
        )
        response["Retry-After"] = str(limited.retry_after)
        return response


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
