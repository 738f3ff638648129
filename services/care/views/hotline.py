"""Hotline intake (the "virtual care home"): find the caller, file a request, register residents."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from communities.domain import resident_register
from communities.models import Consent
from communities.privacy import IdentifierSearchThrottled, consent_current
from communities.queries import communities_visible_to, residents_visible_to
from sanlian.client_address import client_address
from sanlian.roles import STAFF
from sanlian.view_helpers import apply_domain_error, paginate, posted, require_role
from services.care.domain.requests import request_create
from services.care.domain.residents import residents_search, search_term_display
from services.care.forms import (
    HotlineRequestForm,
    HotlineSearchForm,
    RequestFilterForm,
    ResidentRegisterForm,
)
from services.care.queries import requests_visible_to
from services.models import RequestChannel


@login_required
@require_http_methods(["GET", "POST"])
def hotline_search(request: HttpRequest) -> HttpResponse:
    """POST, so phone and ID numbers stay out of URLs, browser history and access logs."""
    require_role(request.user, STAFF)
    form = HotlineSearchForm(posted(request))
    context = {"form": form, "results": None, "term": "", "term_masked": False}
    status = 200
    if form.is_valid():
        term = form.cleaned_data["q"]
        context["term"], context["term_masked"] = search_term_display(term)
        try:
            context["results"] = residents_search(
                user=request.user,
                term=term,
                purpose=form.cleaned_data["purpose"],
                client_address=client_address(request),
            )
        except ValidationError as error:
            apply_domain_error(form, error)
            status = 429 if isinstance(error, IdentifierSearchThrottled) else 200
    return render(request, "services/hotline/search.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def hotline_resident_new(request: HttpRequest) -> HttpResponse:
    require_role(request.user, STAFF)
    form = ResidentRegisterForm(posted(request), communities=communities_visible_to(request.user))
    if request.method == "POST" and form.is_valid():
        data = {
            field: value
            for field, value in form.cleaned_data.items()
            if field not in ("consent_given",)
        }
        try:
            resident = resident_register(
                actor=request.user, consent_channel=Consent.Channel.HOTLINE, **data
            )
        except ValidationError as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, _("已登记居民 %(name)s。") % {"name": resident.name})
            return redirect("services:hotline_request_new", resident_pk=resident.pk)
    return render(request, "services/hotline/resident_form.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def hotline_request_new(request: HttpRequest, resident_pk: int) -> HttpResponse:
    require_role(request.user, STAFF)
    resident = get_object_or_404(residents_visible_to(request.user), pk=resident_pk)
    form = HotlineRequestForm(posted(request), resident=resident)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            service_request = request_create(
                resident=resident,
                channel=RequestChannel.HOTLINE,
                filed_by=request.user,
                **data,
            )
        except ValidationError as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, _("已为 %(name)s 登记服务需求。") % {"name": resident.name})
            return redirect("services:request_detail", pk=service_request.pk)
    context = {
        "form": form,
        "resident": resident,
        "has_consent": consent_current(resident) is not None,
    }
    return render(request, "services/hotline/request_form.html", context)


@login_required
def request_list(request: HttpRequest) -> HttpResponse:
    require_role(request.user, STAFF)
    form = RequestFilterForm(request.GET or None, communities=communities_visible_to(request.user))
    requests = requests_visible_to(request.user)
    if form.is_valid():
        data = form.cleaned_data
        if data["q"]:
            requests = requests.filter(resident__name__contains=data["q"])
        if data["status"]:
            requests = requests.filter(status=data["status"])
        if data["urgent"]:
            requests = requests.filter(urgent=True)
        if data["service_type"]:
            requests = requests.filter(service_type=data["service_type"])
        if data["community"]:
            requests = requests.filter(resident__community=data["community"])
    requests = requests.order_by("-urgent", "-created_at", "-id")
    context = {"form": form, "page_obj": paginate(request, requests)}
    return render(request, "services/hotline/request_list.html", context)
