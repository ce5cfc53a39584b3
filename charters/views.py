"""Charter pages. Each finds its project through ``ProjectScopedMixin`` (a foreign project is a
404), parses input with a form and calls a service; services decide who may do what (403)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views import View

from portfolio.forms import add_service_errors
from portfolio.htmx import FORM_INVALID, htmx_partial, redirect_after_post
from portfolio.models import Role, User
from portfolio.views.mixins import ProjectScopedMixin

from . import diff, permissions, rules, selectors, services
from .forms import ChangeRequestForm, CompareForm, ComplianceReviewForm, row_form, section_form
from .models import Charter, Status
from .sections import BY_KEY, METRIC_VALUE_FIELDS, MONEY_FIELDS, SECTIONS

MAX_VERSION_DIGITS = 9


def _members(project):
    return User.objects.filter(memberships__organisation_id=project.organisation_id).order_by(
        "full_name"
    )


def _executives(project, current_pk=None):
    """The decision-maker's choices: the organisation's executives — plus whoever is named now,
    so a charter naming someone else shows the rule next to the field instead of silently
    dropping the name on the next save."""
    is_executive = Q(
        memberships__organisation_id=project.organisation_id, memberships__role=Role.EXECUTIVE
    )
    if current_pk:
        is_executive |= Q(pk=current_pk)
    return User.objects.filter(is_executive).distinct().order_by("full_name")


def _suffix(version, name: str) -> str:
    """The currency or unit shown next to an input."""
    if name in MONEY_FIELDS:
        return version.currency or ""
    if name in METRIC_VALUE_FIELDS:
        return version.metric_unit or ""
    return ""


class CharterMixin(ProjectScopedMixin):
    def charter(self) -> Charter | None:
        return selectors.charter_of(self.project)

    def can_edit(self) -> bool:
        return permissions.can_edit_charter(self.request.user, self.project)

    def require_editor(self) -> None:
        if not self.can_edit():
            raise PermissionDenied(
                "Only a PM of this organisation or the project's PM can do this."
            )

    def open_draft(self):
        version = selectors.open_version(self.project)
        if version is None or version.status != Status.DRAFT:
            return None
        return version

    def editor_url(self, anchor: str = "") -> str:
        url = reverse("charters:edit", args=[self.project.pk])
        return f"{url}#{anchor}" if anchor else url

    def detail_url(self) -> str:
        return reverse("charters:detail", args=[self.project.pk])


# --- editor -----------------------------------------------------------------------------------


def _described_by(bound_field, suffix: str) -> str:
    """What a screen reader reads after the label, by the ids section.html gives them: the unit
    ("Operations budget per year, EUR"), the help text, then the error. Django would name the
    last two itself, but only when nothing else is set, and the suffix is set."""
    field_id = bound_field.id_for_label  # id_<name>: SectionForm sets it, not the prefixed one
    ids = [f"{field_id}_suffix"] if suffix else []
    if bound_field.help_text:
        ids.append(f"{field_id}_helptext")
    if bound_field.errors:
        ids.append(f"{field_id}_error")
    return " ".join(ids)


def section_context(
    version,
    section,
    *,
    members,
    executives=None,
    form=None,
    row_forms=None,
    saved=False,
    error_focus=False,
):
    """``error_focus``: the whole editor answers a plain POST that was refused; the first field
    with an error gets ``autofocus`` so the browser puts the person there without JavaScript."""
    if form is None and section.fields:
        form = section_form(section.key, version=version, members=members, executives=executives)
    warnings = rules.warnings(version)
    fields = []
    focus_taken = not error_focus
    for name in section.fields if form else ():
        suffix = _suffix(version, name)
        attrs = form.fields[name].widget.attrs
        described_by = _described_by(form[name], suffix)
        if described_by:
            attrs["aria-describedby"] = described_by
        else:
            attrs.pop("aria-describedby", None)
        if not focus_taken and form[name].errors:
            attrs["autofocus"] = True
            focus_taken = True
        fields.append((form[name], warnings.get(name, []), suffix))
    rows = list(getattr(version, section.rows).all()) if section.rows else []
    row_form_ = (row_forms or {}).get(section.rows) or (
        row_form(section.rows) if section.rows else None
    )
    return {
        "section": section,
        "form": form,
        "fields": fields,
        "kill_sentence": rules.kill_sentence(version) if section.key == "kill" else "",
        "rows": rows,
        "row_form": row_form_,
        "version": version,
        "project": version.charter.project,
        "saved": saved,
        "saved_at": timezone.now() if saved else None,
        "refused": bool((form is not None and form.errors) or (row_form_ and row_form_.errors)),
    }


def progress_context(version) -> dict:
    return {
        "version": version,
        "project": version.charter.project,
        "completeness": selectors.completeness(version),
        "missing": selectors.missing_items(version),
    }


OUTLINE_STATES = {
    "complete": "complete",
    "incomplete": "still to fill in",
    "empty": "empty",
    "errors": "has errors",
}


def _section_is_empty(version, section) -> bool:
    for name in section.required_fields:
        if getattr(version, f"{name}_id" if name in _PEOPLE else name) not in (None, ""):
            return False
    return not (section.rows and getattr(version, section.rows).all())


def outline_context(version, missing: list[str], *, refused: frozenset[str] = frozenset()):
    """Each section's state for the outline beside the editor. Complete and empty come from the
    stored charter (an item of ``missing`` starts with its section's title); "has errors" is
    what the server just refused, which it does not store."""
    items = []
    for section in SECTIONS:
        if section.key in refused:
            state = "errors"
        elif not any(item.startswith(f"{section.title}:") for item in missing):
            state = "complete"
        elif _section_is_empty(version, section):
            state = "empty"
        else:
            state = "incomplete"
        items.append({"section": section, "state": state, "label": OUTLINE_STATES[state]})
    return {"outline": items}


class CharterEditView(CharterMixin, View):
    """All thirteen sections, each its own form; a meter and the missing list beside them."""

    template_name = "charters/edit.html"

    def get(self, request: HttpRequest, project_pk: int) -> HttpResponse:
        self.require_editor()
        version = self.open_draft()
        if version is None:
            return redirect(self.detail_url())
        return self.render_editor(version)

    def render_editor(self, version, *, override=None, status=200, submit_errors=None):
        members = _members(self.project)
        executives = _executives(self.project, version.decision_maker_id)
        sections = []
        for section in SECTIONS:
            extra = (override or {}).get(section.key, {})
            sections.append(
                section_context(version, section, members=members, executives=executives, **extra)
            )
        change_request = version.change_requests.select_related("by").first()
        progress = progress_context(version)
        refused = frozenset(s["section"].key for s in sections if s["refused"])
        return render(
            self.request,
            self.template_name,
            {
                "project": self.project,
                "version": version,
                "sections": sections,
                "submit_errors": submit_errors,
                "change_request": change_request,
                **progress,
                **outline_context(version, progress["missing"], refused=refused),
            },
            status=status,
        )


class SectionSaveView(CharterMixin, View):
    """Save one section. HTMX gets the section back plus the meter out of band."""

    def post(self, request: HttpRequest, project_pk: int, section: str) -> HttpResponse:
        if section not in BY_KEY or not BY_KEY[section].fields:
            raise Http404("No such section.")
        self.require_editor()
        version = self.open_draft()
        if version is None:
            raise PermissionDenied("There is no draft to edit; amend the approved charter first.")
        spec = BY_KEY[section]
        members = _members(self.project)
        executives = _executives(self.project, version.decision_maker_id)
        form = section_form(
            section, version=version, data=request.POST, members=members, executives=executives
        )
        saved = False
        if form.is_valid():
            try:
                version = services.charter_save_section(
                    version=version, section=section, data=form.cleaned_data, by=request.user
                )
                saved = True
            except ValidationError as exc:
                add_service_errors(form, exc)
        version = selectors.versions_full().get(pk=version.pk)
        if not saved:
            # Show the values the user typed, not the stored ones.
            for name in spec.fields:
                if name in form.cleaned_data:
                    setattr(
                        version,
                        name if name not in _PEOPLE else f"{name}_id",
                        _pk(form.cleaned_data[name]),
                    )
        return _section_response(
            request,
            version,
            spec,
            members=members,
            executives=_executives(self.project, version.decision_maker_id),
            form=None if saved else form,
            saved=saved,
            fallback=lambda: CharterEditView(request=request, project=self.project).render_editor(
                version,
                override={section: {"form": form, "error_focus": True}},
                status=FORM_INVALID,
            ),
            editor_url=self.editor_url(spec.anchor),
        )


_PEOPLE = {
    "compliance_reviewer",
    "executive_sponsor",
    "business_owner",
    "production_owner",
    "engineering_owner",
    "decision_maker",
    "pm",
}


def _pk(value):
    return getattr(value, "pk", value)


def _section_response(
    request,
    version,
    spec,
    *,
    members,
    form,
    saved,
    fallback,
    editor_url,
    row_forms=None,
    executives=None,
):
    """Saved: the section again (htmx) or back to it in the editor. Refused: the section with
    the errors and what was typed (422), or the whole editor for a plain POST."""
    if not htmx_partial(request):
        if saved:
            messages.success(request, f"{spec.title} saved.")
            return redirect(editor_url)
        return fallback()
    stored = selectors.versions_full().get(pk=version.pk)
    html = render_to_string(
        "charters/partials/section.html",
        section_context(
            version,
            spec,
            members=members,
            executives=executives,
            form=form,
            row_forms=row_forms,
            saved=saved,
        ),
        request,
    )
    progress = progress_context(stored)
    html += render_to_string("charters/partials/progress.html", {**progress, "oob": True}, request)
    refused = frozenset() if saved else frozenset({spec.key})
    html += render_to_string(
        "charters/partials/outline.html",
        {**outline_context(stored, progress["missing"], refused=refused), "oob": True},
        request,
    )
    if spec.key in ("metric", "threshold"):
        # Section 4's sentence quotes the metric and the threshold: keep it in step.
        html += render_to_string(
            "charters/partials/kill_sentence.html",
            {"kill_sentence": rules.kill_sentence(stored), "oob": True},
            request,
        )
    return HttpResponse(html, status=200 if saved else FORM_INVALID)


class RowAddView(CharterMixin, View):
    def post(self, request: HttpRequest, project_pk: int, kind: str) -> HttpResponse:
        if kind not in ("data_sources", "integrations"):
            raise Http404("No such list.")
        self.require_editor()
        version = self.open_draft()
        if version is None:
            raise PermissionDenied("There is no draft to edit; amend the approved charter first.")
        spec = next(s for s in SECTIONS if s.rows == kind)
        form = row_form(kind, data=request.POST)
        saved = False
        if form.is_valid():
            try:
                services.charter_add_row(
                    version=version, kind=kind, data=form.cleaned_data, by=request.user
                )
                saved = True
            except ValidationError as exc:
                add_service_errors(form, exc)
        version = selectors.versions_full().get(pk=version.pk)
        members = _members(self.project)
        return _section_response(
            request,
            version,
            spec,
            members=members,
            form=None,
            saved=saved,
            row_forms=None if saved else {kind: form},
            fallback=lambda: CharterEditView(request=request, project=self.project).render_editor(
                version, override={spec.key: {"row_forms": {kind: form}}}, status=FORM_INVALID
            ),
            editor_url=self.editor_url(spec.anchor),
        )


class RowRemoveView(CharterMixin, View):
    def post(self, request: HttpRequest, project_pk: int, kind: str, row_pk: int) -> HttpResponse:
        if kind not in ("data_sources", "integrations"):
            raise Http404("No such list.")
        self.require_editor()
        version = self.open_draft()
        if version is None:
            raise PermissionDenied("There is no draft to edit; amend the approved charter first.")
        row = get_object_or_404(getattr(version, kind), pk=row_pk)
        services.charter_remove_row(row=row, by=request.user)
        spec = next(s for s in SECTIONS if s.rows == kind)
        version = selectors.versions_full().get(pk=version.pk)
        return _section_response(
            request,
            version,
            spec,
            members=_members(self.project),
            form=None,
            saved=True,
            fallback=None,
            editor_url=self.editor_url(spec.anchor),
        )


# --- workflow -----------------------------------------------------------------------------


class CharterStartView(CharterMixin, View):
    def post(self, request: HttpRequest, project_pk: int) -> HttpResponse:
        self.require_editor()
        try:
            services.charter_start(project=self.project, by=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect_after_post(request, self.detail_url())
        messages.success(
            request, "Charter started. Fill it in section by section; each saves on its own."
        )
        return redirect_after_post(request, self.editor_url())


class SubmitView(CharterMixin, View):
    def post(self, request: HttpRequest, project_pk: int) -> HttpResponse:
        self.require_editor()
        version = self.open_draft()
        if version is None:
            messages.info(request, "There is no draft to submit.")
            return redirect_after_post(request, self.detail_url())
        try:
            services.charter_submit(version=version, by=request.user)
        except ValidationError as exc:
            missing = exc.message_dict.get("missing") if hasattr(exc, "error_dict") else None
            # Refused for another reason (e.g. someone submitted it a moment ago): say that,
            # not "complete these first" next to a list saying everything is filled in.
            refusal = None if missing else exc.messages
            stored = selectors.versions_full().get(pk=version.pk)
            if htmx_partial(request):
                return render(
                    request,
                    "charters/partials/progress.html",
                    {
                        **progress_context(stored),
                        "submit_errors": missing,
                        "submit_refusal": refusal,
                    },
                    status=FORM_INVALID,
                )
            if refusal:
                messages.error(request, " ".join(refusal))
                return redirect_after_post(request, self.detail_url())
            return CharterEditView(request=request, project=self.project).render_editor(
                stored, submit_errors=missing, status=FORM_INVALID
            )
        messages.success(request, "Submitted for sign-off. The signers see it on their home page.")
        return redirect_after_post(request, self.detail_url())


def _and_list(words: list[str]) -> str:
    """The roles a signer holds as the sign page says them: a; a and b; a, b and c."""
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} and {words[-1]}"


class SignView(CharterMixin, View):
    """GET: read the version in review, with sign / request changes for its signers.
    POST: sign."""

    template_name = "charters/sign.html"

    def in_review(self):
        version = selectors.open_version(self.project)
        return version if version is not None and version.status == Status.IN_REVIEW else None

    def get(self, request: HttpRequest, project_pk: int) -> HttpResponse:
        version = self.in_review()
        if version is None:
            messages.info(request, "Nothing is waiting for signatures on this charter.")
            return redirect(self.detail_url())
        return render(request, self.template_name, self.context(version, ChangeRequestForm()))

    def context(self, version, form):
        signatures = selectors.signature_status(version)
        my_roles = selectors.roles_to_sign(version, self.request.user)
        return {
            "project": self.project,
            "version": version,
            "signatures": signatures,
            "my_roles": my_roles,
            "my_role_words": _and_list(
                [r["role_label"].lower() for r in signatures if r["role"] in my_roles]
            ),
            "can_sign": permissions.can_sign(self.request.user, version),
            "signed_by_me": [
                s
                for s in selectors.active_signatures(version)
                if s.signer_id == self.request.user.pk
            ],
            "form": form,
            "can_edit": self.can_edit(),
            "body": diff.render_rows(version),
        }

    def post(self, request: HttpRequest, project_pk: int) -> HttpResponse:
        version = self.in_review()
        if version is None:
            raise PermissionDenied("Nothing is waiting for signatures on this charter.")
        try:
            services.charter_sign(version=version, by=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect_after_post(request, reverse("charters:sign", args=[self.project.pk]))
        version = selectors.versions_full().get(pk=version.pk)
        if version.status == Status.APPROVED:
            messages.success(
                request, "Signed. That was the last signature: the charter is approved."
            )
        else:
            messages.success(request, "Signed. Thank you.")
        return redirect_after_post(request, self.detail_url())


class RequestChangesView(CharterMixin, View):
    def post(self, request: HttpRequest, project_pk: int) -> HttpResponse:
        version = selectors.open_version(self.project)
        if version is None or version.status != Status.IN_REVIEW:
            raise PermissionDenied("Nothing is waiting for signatures on this charter.")
        form = ChangeRequestForm(request.POST)
        form.is_valid()
        try:
            services.charter_request_changes(
                version=version, by=request.user, comment=form.cleaned_data.get("comment", "")
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
            return render(
                request,
                SignView.template_name,
                SignView(request=request, project=self.project).context(version, form),
                status=FORM_INVALID,
            )
        messages.success(request, "Sent back to the PM with your comment.")
        return redirect_after_post(request, self.detail_url())


class WithdrawView(CharterMixin, View):
    def post(self, request: HttpRequest, project_pk: int) -> HttpResponse:
        version = selectors.open_version(self.project)
        if version is None or version.status != Status.IN_REVIEW:
            raise PermissionDenied("Nothing is waiting for signatures on this charter.")
        services.charter_withdraw_signature(version=version, by=request.user)
        messages.success(request, "Your signature is withdrawn.")
        return redirect_after_post(request, self.detail_url())


class AmendView(CharterMixin, View):
    def post(self, request: HttpRequest, project_pk: int) -> HttpResponse:
        self.require_editor()
        charter = self.charter()
        if charter is None:
            raise Http404("This project has no charter yet.")
        try:
            version = services.charter_amend(charter=charter, by=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect_after_post(request, self.detail_url())
        messages.success(
            request,
            f"Amendment v{version.number} started from the approved charter. Changing the metric "
            "(name, unit, direction, baseline, target), the threshold or the kill deadline will "
            "count as moving the goalposts.",
        )
        return redirect_after_post(request, self.editor_url())


# --- reading ------------------------------------------------------------------------------


class CharterDetailView(CharterMixin, View):
    """The read-only charter (any version with ?v=N); prints to one or two A4 pages."""

    template_name = "charters/detail.html"

    def get(self, request: HttpRequest, project_pk: int) -> HttpResponse:
        charter = self.charter()
        if charter is None:
            return render(
                request,
                self.template_name,
                {"project": self.project, "charter": None, "can_edit": self.can_edit()},
            )
        versions = list(charter.versions.order_by("-number").values("number", "status"))
        number = request.GET.get("v", "")
        qs = selectors.versions_full().filter(charter=charter)
        if number:
            # ASCII digits only: "²".isdigit() is true but int("²") is not a number.
            if not (number.isascii() and number.isdigit()) or len(number) > MAX_VERSION_DIGITS:
                raise Http404("No such version.")
            version = qs.filter(number=int(number)).first()
        else:
            version = qs.order_by("-number").first()
        if version is None:
            raise Http404("No such version.")
        reviews = list(version.compliance_reviews.select_related("reviewer"))
        approved = next((v for v in versions if v["status"] == Status.APPROVED), None)
        return render(
            request,
            self.template_name,
            {
                "project": self.project,
                "charter": charter,
                "version": version,
                "versions": versions,
                "approved_number": approved["number"] if approved else None,
                "body": diff.render_rows(version),
                "signatures": selectors.signature_status(version),
                "all_signatures": list(version.signatures.all()),
                "change_requests": list(version.change_requests.select_related("by")),
                "my_roles": selectors.roles_to_sign(version, request.user)
                if version.status == Status.IN_REVIEW
                else [],
                "can_sign": permissions.can_sign(request.user, version),
                "can_edit": self.can_edit(),
                "completeness": selectors.completeness(version),
                "flags": selectors.version_flags(version),
                "warnings": rules.warnings(version),
                "compliance_reviews": reviews,
                "review_form": ComplianceReviewForm()
                if _may_record_review(version, request.user, reviews)
                else None,
            },
        )


def _may_record_review(version, user, reviews) -> bool:
    return (
        version.status in (Status.IN_REVIEW, Status.APPROVED)
        and version.compliance_reviewer_id == user.pk
        and not reviews
    )


class ComplianceReviewView(CharterMixin, View):
    """The named compliance reviewer records their review of the version they read."""

    def post(self, request: HttpRequest, project_pk: int) -> HttpResponse:
        charter = self.charter()
        number = request.POST.get("version", "")
        if charter is None or not (number.isascii() and number.isdigit()):
            raise Http404("No such version.")
        if len(number) > MAX_VERSION_DIGITS:
            raise Http404("No such version.")
        version = get_object_or_404(charter.versions, number=int(number))
        form = ComplianceReviewForm(request.POST)
        form.is_valid()
        try:
            services.charter_record_compliance_review(
                version=version, by=request.user, note=form.cleaned_data.get("note", "")
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, "Your compliance review is recorded.")
        return redirect_after_post(request, f"{self.detail_url()}?v={version.number}")


class HistoryView(CharterMixin, View):
    """Every version, and a field-by-field diff between any two of them."""

    template_name = "charters/history.html"

    def get(self, request: HttpRequest, project_pk: int) -> HttpResponse:
        charter = self.charter()
        if charter is None:
            raise Http404("This project has no charter yet.")
        versions = list(selectors.versions_full().filter(charter=charter).order_by("number"))
        numbers = [v.number for v in versions]
        by_number = {v.number: v for v in versions}
        data = request.GET if "a" in request.GET else None
        if data is None and len(numbers) >= 2:
            data = {"a": numbers[-2], "b": numbers[-1]}
        form = CompareForm(data, numbers=numbers) if data else CompareForm(numbers=numbers)
        comparison = None
        if data and form.is_valid():
            a, b = by_number[form.cleaned_data["a"]], by_number[form.cleaned_data["b"]]
            comparison = {"a": a, "b": b, "rows": diff.compare(a, b)}
        return render(
            request,
            self.template_name,
            {
                "project": self.project,
                "charter": charter,
                "versions": list(reversed(versions)),
                "form": form,
                "comparison": comparison,
            },
        )


class SignoffListView(LoginRequiredMixin, View):
    """Charters waiting for the visitor's signature, across their organisations."""

    template_name = "charters/signoffs.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(
            request, self.template_name, {"versions": selectors.awaiting_signature(request.user)}
        )
