"""The one way a page answers htmx (after NetBox's ``utilities/htmx.py``).

- ``htmx_partial(request)``: should this request get a fragment instead of the whole page?
- ``render_page(...)``: the fragment for an htmx request, the whole page otherwise.
- ``redirect_after_post(...)``: where a successful POST sends the browser.
- ``FORM_INVALID``: the status of a form sent back with its errors, to htmx and plain POSTs
  alike. ``templates/base.html`` tells htmx to swap it like a 200 and to swap no other 4xx/5xx.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils.cache import patch_vary_headers
from django_htmx.http import HttpResponseLocation
from django_htmx.middleware import HtmxDetails

FORM_INVALID = 422  # Unprocessable Content: understood, but refused as it stands
NAVIGATE_SWAP = "innerHTML show:window:top"
WHOLE_PAGE = "page"  # the id of <body> in templates/base.html


def htmx_partial(request: HttpRequest) -> bool:
    """An htmx request that wants a fragment. Not a history-restore request (its snapshot gone,
    htmx asks again for the URL it pushed and needs the whole page back), nor the page load
    an ``HX-Location`` makes (aimed at ``<body id="page">``: it swaps in the whole page)."""
    htmx: HtmxDetails | None = getattr(request, "htmx", None)
    if not htmx:
        return False
    return not htmx.history_restore_request and htmx.target != WHOLE_PAGE


def render_page(
    request: HttpRequest,
    template_name: str,
    context: dict[str, Any] | None = None,
    *,
    partial: str | None = None,
    status: int = 200,
) -> HttpResponse:
    """Render ``partial`` for an htmx request, ``template_name`` (the whole page) otherwise.

    ``partial`` is a ``{% partialdef %}`` name inside ``template_name`` (``"results"``) or a
    template of its own (``"decisions/partials/gate.html"``, ``"app/page.html#name"``).
    ``None``: the whole page whoever asks.
    """
    chosen = template_name
    if partial is not None and htmx_partial(request):
        chosen = partial if "/" in partial else f"{template_name}#{partial}"
    response = render(request, chosen, context, status=status)
    if partial is not None:
        # The same URL answers two ways: a cache must not hand the fragment to a page load.
        patch_vary_headers(response, ["HX-Request"])
    return response


def redirect_after_post(request: HttpRequest, to: Any, *args: Any, **kwargs: Any) -> HttpResponse:
    """After a successful POST: htmx gets ``HX-Location`` (it loads the page itself, without a
    full reload, and pushes the URL so Back works); anything else a 302.

    ``to`` is what ``redirect`` takes: a URL (a ``#fragment`` is scrolled to), a view name
    with its arguments, or a model with ``get_absolute_url``.
    """
    url = resolve_url(to, *args, **kwargs)
    if getattr(request, "htmx", False):
        # htmx swaps the new page's body in and keeps the scroll position: start at the top,
        # as a page load does, unless the URL names the place to show (htmx scrolls to it).
        return HttpResponseLocation(
            url,
            target=f"#{WHOLE_PAGE}",
            # django-htmx types ``swap`` as a bare swap style, but htmx also reads a style with
            # modifiers ("innerHTML show:window:top") from HX-Location (cf. django-htmx#421, which
            # widened reswap() to str for the same reason).
            swap=None if "#" in url else NAVIGATE_SWAP,  # type: ignore[arg-type]
        )
    return redirect(url)
