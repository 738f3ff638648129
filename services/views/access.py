"""Small helpers shared by the resident, hotline and visit pages."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator

from sanlian.models import STAFF_ROLES, Role

ORGANIZERS = frozenset({*STAFF_ROLES, Role.ORGANIZATION})
RESIDENT_SIDE = frozenset({Role.RESIDENT, Role.FAMILY})
WORKERS = frozenset({Role.SOCIAL_WORKER, Role.VOLUNTEER, Role.ORGANIZATION})
PAGE_SIZE = 20


def require_role(user, roles) -> None:
    """Wrong role answers 403; objects outside the user's scope answer 404 elsewhere."""
    if user.role not in roles:
        raise PermissionDenied


def page_of(request, queryset) -> Page:
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def form_error(form, error: ValidationError) -> None:
    """Put a domain error beside the field it names, or on top of the form."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def posted(request):
    """The POST data, or None on GET: an empty POST (a bare confirm button) still binds."""
    return request.POST if request.method == "POST" else None
