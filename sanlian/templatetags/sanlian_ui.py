"""Small template helpers shared by every page (navigation state, indicators)."""

from decimal import Decimal

from django import template

register = template.Library()


@register.simple_tag
def is_current_nav(item, path: str) -> bool:
    """The menu entry for the page being shown; "/" only matches the home page itself."""
    url = item.url
    if not url:
        return False
    if url == "/":
        return path == "/"
    return path.startswith(url)


@register.simple_tag
def is_current_section(section, path: str) -> bool:
    """A drop-down holds the page being shown: its toggle is marked as the current place."""
    return any(is_current_nav(item, path) for item in section.items)


@register.inclusion_tag("includes/indicator_badge.html")
def indicator_badge(value, target, unit: str = "", label: str = "") -> dict:
    """A value measured against a minimum target, shown with text and colour."""
    known = value is not None
    return {
        "value": value,
        "target": target,
        "unit": unit,
        "label": label,
        "known": known,
        "met": known and Decimal(str(value)) >= Decimal(str(target)),
    }


@register.filter
def page_range_around(paginator, number: int):
    """Page numbers near the current one, with Paginator.ELLIPSIS for the gaps."""
    return paginator.get_elided_page_range(number, on_each_side=2, on_ends=1)


_CHECK_WIDGETS = {"checkbox", "radioselect", "checkboxselectmultiple"}
_SELECT_WIDGETS = {"select", "selectmultiple", "nullbooleanselect"}


def field_ids(field) -> dict:
    return {"help": f"{field.auto_id}-help", "error": f"{field.auto_id}-error"}


@register.simple_tag
def bootstrap_widget(field):
    """Render a bound field's widget with Bootstrap classes and accessible error/help wiring."""
    kind = field.widget_type
    if kind in _CHECK_WIDGETS:
        css = "form-check-input"
    elif kind in _SELECT_WIDGETS:
        css = "form-select"
    else:
        css = "form-control"
    ids = field_ids(field)
    described = [ids["error"]] if field.errors else []
    if field.help_text:
        described.append(ids["help"])
    classes = field.field.widget.attrs.get("class", "").split()
    attrs = {"class": " ".join(classes if css in classes else [*classes, css])}
    if field.errors:
        attrs["class"] += " is-invalid"
        attrs["aria-invalid"] = "true"
    if described and kind not in {"radioselect", "checkboxselectmultiple"}:
        attrs["aria-describedby"] = " ".join(described)
    return field.as_widget(attrs=attrs)


@register.filter
def field_kind(field) -> str:
    """ "check" for one checkbox, "choices" for radio/checkbox groups, else "input"."""
    if field.widget_type == "checkbox":
        return "check"
    if field.widget_type in {"radioselect", "checkboxselectmultiple"}:
        return "choices"
    return "input"
