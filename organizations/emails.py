"""E-mails to organizations; sent by organizations/tasks.py after the review commits."""

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from organizations.models import Organization
from sanlian.locale import language_of

REVIEW_EMAIL_SUBJECTS = {
    "approved": gettext_lazy("您的组织登记已通过审核"),
    "rejected": gettext_lazy("您的组织登记未通过审核"),
    "suspended": gettext_lazy("您的组织已被暂停"),
    "reinstated": gettext_lazy("您的组织已恢复正常"),
}


def _contact_language(organization: Organization) -> str:
    # The account made at registration (the first administrator) speaks for the contact.
    first = organization.members.select_related("user").order_by("-is_admin", "pk").first()
    return language_of(first.user if first else None)


def organization_send_review_email(*, organization: Organization, kind: str) -> None:
    """Tell the organization's contact address the outcome of a review, in the language
    its registering account chose (Simplified Chinese until it chooses)."""
    with translation.override(_contact_language(organization)):
        _send_review_email(organization=organization, kind=kind)


def _send_review_email(*, organization: Organization, kind: str) -> None:
    subject = str(REVIEW_EMAIL_SUBJECTS[kind])
    lines = [
        _("%(name)s：") % {"name": organization.name},
        _("%(subject)s。") % {"subject": subject},
    ]
    if organization.review_reason:
        lines.append(_("说明：%(reason)s") % {"reason": organization.review_reason})
    if kind in ("approved", "reinstated"):
        login = f"{settings.SITE_URL}{reverse('login')}"
        lines.append(_("请用登记时的用户名和密码登录：%(url)s") % {"url": login})
    lines.append(_("三社联动服务平台"))
    send_mail(
        subject=subject,
        message="\n".join(lines),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[organization.email],
    )


def registration_username_taken_notify(*, email: str, username: str, language: str) -> None:
    """The confirmation path of a registration whose username was taken: only the
    owner of the e-mail address learns it, not whoever submitted the form; in the
    language of the page they registered on."""
    with translation.override(language):
        _send_username_taken(email=email, username=username)


def _send_username_taken(*, email: str, username: str) -> None:
    subject = _("您的组织登记未能保存")
    url = f"{settings.SITE_URL}/organizations/register/"
    lines = [
        _("您在三社联动服务平台登记组织时选择的登录用户名“%(username)s”已被使用，登记未保存。")
        % {"username": username},
        _("请换一个用户名重新登记：%(url)s") % {"url": url},
        _("如果这不是您本人的操作，请忽略本邮件。"),
        _("三社联动服务平台"),
    ]
    send_mail(
        subject=subject,
        message="\n".join(lines),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[email],
    )
