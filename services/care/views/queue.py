"""The worker's phone app: its manifest, its service worker, and the offline queue's door.

The service worker is served from the site root so its scope covers "my visits" and the
visit pages; it is a static file read once, with no inline script anywhere (the CSP
allows only 'self' scripts).
"""

from functools import cache

from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from services.care.domain.sync import visit_step_sync
from services.care.forms import QueuedStepForm
from services.care.queries import visits_visible_to


@cache
def _worker_source() -> str:
    with open(finders.find("js/service-worker.js"), encoding="utf-8") as source:
        return source.read()


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    # The shared queue code is a static file of its own (hashed names in production).
    source = _worker_source().replace("__STEP_QUEUE_URL__", static("js/step_queue.js"))
    response = HttpResponse(source, content_type="text/javascript; charset=utf-8")
    # A new version must reach phones on their next visit, not after a day's HTTP cache.
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = "/"
    return response


@require_GET
def manifest(request: HttpRequest) -> JsonResponse:
    data = {
        "name": _("三社联动 · 我的任务"),
        "short_name": _("我的任务"),
        "lang": request.LANGUAGE_CODE,
        "start_url": reverse("services:my_visits"),
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#1f5f8b",
        "icons": [
            {
                "src": static(f"img/app-icon-{size}.png"),
                "sizes": f"{size}x{size}",
                "type": "image/png",
            }
            for size in (192, 512)
        ],
    }
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/manifest+json"
    return response


def _errors(form) -> list[str]:
    return [str(error) for errors in form.errors.values() for error in errors]


@login_required
@require_POST
def visit_step(request: HttpRequest, pk: int) -> JsonResponse:
    """One queued step: 200 with the step's answer (the same one for a replayed key),
    400 for bad input, 403 for a step that is not this user's, 409 for one the visit's
    state refuses; nothing changes on any refusal."""
    visit = get_object_or_404(visits_visible_to(request.user), pk=pk)
    envelope = QueuedStepForm(request.POST)
    if not envelope.is_valid():
        return JsonResponse({"errors": _errors(envelope)}, status=400)
    kind = envelope.cleaned_data["step"]
    form = QueuedStepForm.STEP_FORMS[kind](request.POST)
    if not form.is_valid():
        return JsonResponse({"errors": _errors(form)}, status=400)
    try:
        step, replayed = visit_step_sync(
            visit=visit,
            actor=request.user,
            key=envelope.cleaned_data["key"],
            kind=kind,
            device_at=envelope.cleaned_data["device_at"],
            **form.step_arguments(),
        )
    except PermissionDenied as denied:
        return JsonResponse({"errors": [str(denied) or _("您不能执行这个步骤。")]}, status=403)
    except ValidationError as error:
        return JsonResponse({"errors": error.messages}, status=409)
    return JsonResponse({**step.answer, "replayed": replayed})
