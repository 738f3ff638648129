"""Predicates of activities/rules.py for templates shared by several pages (the tabs)."""

from django import template

from activities import rules

register = template.Library()


@register.filter
def may_use_time_bank(user) -> bool:
    return rules.may_use_time_bank(user)
