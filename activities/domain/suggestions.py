"""Suggestions (建言献策) from residents and organizations to their community."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from activities.models import Suggestion
from activities.rules import (
    answer_suggestion_refusal,
    close_suggestion_refusal,
    post_suggestion_refusal,
)
from communities.models import Community
from organizations.queries import membership_of
from sanlian.audit import audit_record, snapshot
from sanlian.refusals import refuse
from sanlian.roles import ORGANIZATION_STAFF

FIELDS = ["title", "status", "answer"]


@transaction.atomic
def suggestion_post(*, actor, community: Community, title: str, body: str) -> Suggestion:
    refuse(post_suggestion_refusal(actor, community))
    membership = membership_of(actor) if actor.role in ORGANIZATION_STAFF else None
    suggestion = Suggestion(
        community=community,
        author=actor,
        organization=membership.organization if membership else None,
        title=title.strip(),
        body=body.strip(),
    )
    suggestion.full_clean()
    suggestion.save()
    audit_record(
        actor=actor, instance=suggestion, action="create", after=snapshot(suggestion, FIELDS)
    )
    return suggestion


@transaction.atomic
def suggestion_answer(*, actor, suggestion: Suggestion, answer: str) -> Suggestion:
    suggestion = Suggestion.objects.select_for_update().get(pk=suggestion.pk)
    refuse(answer_suggestion_refusal(actor, suggestion))
    if not answer.strip():
        raise ValidationError({"answer": _("请填写答复内容。")})
    before = snapshot(suggestion, FIELDS)
    suggestion.answer = answer.strip()
    suggestion.status = Suggestion.Status.ANSWERED
    suggestion.answered_by = actor
    suggestion.answered_at = timezone.now()
    suggestion.full_clean()
    suggestion.save()
    audit_record(
        actor=actor,
        instance=suggestion,
        action="change",
        before=before,
        after=snapshot(suggestion, FIELDS),
    )
    return suggestion


@transaction.atomic
def suggestion_close(*, actor, suggestion: Suggestion) -> Suggestion:
    suggestion = Suggestion.objects.select_for_update().get(pk=suggestion.pk)
    refuse(close_suggestion_refusal(actor, suggestion))
    suggestion.status = Suggestion.Status.DONE
    suggestion.save(update_fields=["status"])
    audit_record(actor=actor, instance=suggestion, action="change", after={"status": "done"})
    return suggestion
