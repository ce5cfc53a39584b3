"""A person's notifications: the bell, the notifications page, marking read, email preferences.

Every reminder is found through ``Reminder.objects.notifications_of(request.user)``: someone else's
is a 404, and so is one about a project the person may no longer see. Writes call
``decisions.services``. The bell is a fragment of its own, loaded lazily by the navigation of
``templates/base.html``, so that no page's queries change.
"""

from __future__ import annotations

from collections.abc import Iterable

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View

from portfolio.htmx import FORM_INVALID, htmx_partial, redirect_after_post, render_page
from portfolio.models import User

from . import services
from .models import MANDATORY_KINDS, Reminder, ReminderKind

PAGE_TEMPLATE = "decisions/notifications.html"
ROW_TEMPLATE = "decisions/partials/notification_row.html"
BELL_TEMPLATE = "decisions/partials/notification_bell.html"


def _person(request: HttpRequest) -> User:
    """The signed-in person (every view here lets nobody else through)."""
    user = request.user
    assert isinstance(user, User)
    return user


def _unread_only(request: HttpRequest) -> bool:
    return request.GET.get("unread") == "1"


def _with_links(request: HttpRequest, reminders: Iterable[Reminder]) -> list[Reminder]:
    """Each reminder with ``href``: its ``url`` when it is a path on this site, else "" (a
    reminder's link is ours, but a page never renders a link it has not checked)."""
    host = {request.get_host()}
    rows = list(reminders)
    for reminder in rows:
        ok = reminder.url.startswith("/") and url_has_allowed_host_and_scheme(reminder.url, host)
        reminder.href = reminder.url if ok else ""  # type: ignore[attr-defined]
    return rows


def _back(request: HttpRequest) -> str:
    """Where a plain POST returns: the page it came from (``next``), if it is ours."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("decisions:notifications")


def _bell(unread: int, *, oob: bool = False) -> str:
    # Rendered without the request: the bell needs no context processor (nor their queries).
    return render_to_string(BELL_TEMPLATE, {"unread": unread, "oob": oob})


class NotificationListView(LoginRequiredMixin, View):
    """The person's notifications, newest first; ``?unread=1`` keeps the unread ones. An htmx
    request (the filter, the page links) gets only the list."""

    def get(self, request: HttpRequest) -> HttpResponse:
        mine = Reminder.objects.notifications_of(request.user)
        unread_only = _unread_only(request)
        shown = mine.unread() if unread_only else mine
        paginator = Paginator(
            shown.select_related("project").order_by("-created_at", "-id"),
            settings.GATEHOUSE_PAGE_SIZE,
        )
        page = paginator.get_page(request.GET.get("page"))
        context = {
            "page_obj": page,
            "notifications": _with_links(request, page.object_list),
            "unread_only": unread_only,
            "unread_count": paginator.count if unread_only else mine.unread().count(),
        }
        return render_page(request, PAGE_TEMPLATE, context, partial="results")


class NotificationBellView(View):
    """The bell: an icon with the unread count, linking to the notifications page."""

    def get(self, request: HttpRequest) -> HttpResponse:
        if not request.user.is_authenticated:
            if getattr(request, "htmx", False):
                # The session ended while a page polled: keep the bell as it is rather than
                # swap the login page into the navigation. The next page load asks to log in.
                return HttpResponse(status=204)
            return redirect_to_login(request.get_full_path())
        unread = Reminder.objects.notifications_of(request.user).unread().count()
        response = HttpResponse(_bell(unread))
        add_never_cache_headers(response)
        return response


class NotificationReadView(LoginRequiredMixin, View):
    """Mark one notification read. htmx: the row swaps itself, the bell and the page's count
    follow out of band. Otherwise: back to the page it was marked on."""

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        reminder = get_object_or_404(
            Reminder.objects.notifications_of(request.user).select_related("project"), pk=pk
        )
        services.notification_mark_read(reminder=reminder, by=_person(request))
        if not htmx_partial(request):
            return redirect_after_post(request, _back(request))
        unread = Reminder.objects.notifications_of(request.user).unread().count()
        row = render_to_string(
            ROW_TEMPLATE,
            {"n": _with_links(request, [reminder])[0], "unread_count": unread, "oob": True},
            request=request,
        )
        return HttpResponse(row + _bell(unread, oob=True))


class NotificationReadAllView(LoginRequiredMixin, View):
    """Mark every unread notification read, then load the page it was done on again (htmx:
    ``HX-Location``; otherwise a redirect), with a message saying how many."""

    def post(self, request: HttpRequest) -> HttpResponse:
        marked = services.notification_mark_all_read(by=_person(request))
        if marked:
            messages.success(
                request, f"{marked} notification{'s' if marked != 1 else ''} marked read."
            )
        else:
            messages.info(request, "There was nothing unread.")
        return redirect_after_post(request, _back(request))


# --- email preferences ---------------------------------------------------------------------


class NotificationPreferencesForm(forms.Form):
    """One "email me" checkbox per kind of reminder; the mandatory kinds are shown checked
    and cannot be changed (a disabled field ignores what is posted for it)."""

    def __init__(self, *args, current: dict[str, bool], **kwargs):
        super().__init__(*args, **kwargs)
        for kind in ReminderKind:
            mandatory = kind in MANDATORY_KINDS
            self.fields[kind.value] = forms.BooleanField(
                label=kind.label,
                required=False,
                initial=True if mandatory else current.get(kind.value, True),
                disabled=mandatory,
                help_text="Always emailed." if mandatory else "",
            )

    def email_by_kind(self) -> dict[str, bool]:
        return {
            kind: bool(self.cleaned_data[kind])
            for kind, field in self.fields.items()
            if not field.disabled
        }


class NotificationPreferencesView(LoginRequiredMixin, View):
    """Which kinds of reminder also come by email. The notifications page shows them all."""

    template_name = "decisions/notification_preferences.html"

    def _render(self, request, form, *, status=200) -> HttpResponse:
        context = {"form": form, "mandatory": [f for f in form if f.field.disabled]}
        return render(request, self.template_name, context, status=status)

    def get(self, request: HttpRequest) -> HttpResponse:
        current = services.notification_preferences(user=_person(request))
        return self._render(request, NotificationPreferencesForm(current=current))

    def post(self, request: HttpRequest) -> HttpResponse:
        current = services.notification_preferences(user=_person(request))
        form = NotificationPreferencesForm(request.POST, current=current)
        if form.is_valid():
            try:
                services.notification_preferences_set(
                    user=_person(request), email_by_kind=form.email_by_kind()
                )
            except ValidationError as exc:
                # Keyed by kind, each a field of the form; "__all__" shows above it.
                form.add_error(None, exc)
            else:
                messages.success(request, "Your email preferences are saved.")
                return redirect_after_post(request, "decisions:notification-preferences")
        return self._render(request, form, status=FORM_INVALID)
