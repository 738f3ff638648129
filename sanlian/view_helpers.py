"""Small pieces every page view uses: role gates, pagination, domain errors on forms."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator

PAGE_SIZE = 20


def role_required(*roles):
    """Logged-in users of other roles get 403; anonymous users go to the login page."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            require_role(request.user, roles)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def predicate_required(allowed):
    """Like `role_required`, from a `may_<action>(user)` predicate that the menu reads too."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            require_allowed(request.user, allowed)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def require_allowed(user, allowed) -> None:
    """The gate of `predicate_required`; 403 like `require_role`."""
    if not allowed(user):
        raise PermissionDenied


def require_role(user, roles) -> None:
    """Wrong role answers 403; objects outside the user's scope answer 404 elsewhere."""
    if user.role not in roles:
        raise PermissionDenied


def paginate(request, queryset, per_page: int = PAGE_SIZE) -> Page:
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


def apply_domain_error(form, error: ValidationError) -> None:
    """Show a domain refusal next to the field it names, else above the form."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def posted(request):
    """The POST data, or None on GET: an empty POST (a bare confirm button) still binds."""
    return request.POST if request.method == "POST" else None
