"""The review list of flagged field visits: off site, manual, early or short."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sanlian.roles import VISIT_REVIEWERS
from sanlian.view_helpers import paginate, require_role
from services.care.domain.visits import visit_review
from services.care.forms import ReviewFilterForm, VisitReviewForm
from services.care.models import ReviewState
from services.care.queries import visits_for_review


@login_required
def review_list(request: HttpRequest) -> HttpResponse:
    require_role(request.user, VISIT_REVIEWERS)
    form = ReviewFilterForm(request.GET or None)
    state = form.cleaned_data["state"] if form.is_valid() else ""
    visits = visits_for_review(request.user).filter(review_state=state or ReviewState.PENDING)
    context = {
        "form": form,
        "page_obj": paginate(request, visits.order_by("-scheduled_start", "-id")),
    }
    return render(request, "services/visits/review_list.html", context)


@login_required
@require_POST
def review_decide(request: HttpRequest, pk: int) -> HttpResponse:
    visit = get_object_or_404(visits_for_review(request.user), pk=pk)
    form = VisitReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择复核结果。"))
        return redirect("services:visit_review_list")
    try:
        visit_review(visit=visit, actor=request.user, **form.cleaned_data)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("已保存复核结果。"))
    return redirect("services:visit_review_list")
