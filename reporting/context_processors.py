from reporting.navigation import menu_for, menu_sections
from services.notifications.channels import notification_unread_count


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "nav_sections": []}
    items = menu_for(user)
    return {"nav_items": items, "nav_sections": menu_sections(items)}


def unread_notifications(request) -> dict:
    """How many in-app notifications the user has not read, for the navbar badge."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_notifications": 0}
    return {"unread_notifications": notification_unread_count(user=user)}
