from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sanlian import stored_text
from sanlian.masking import mask_phone
from sanlian.roles import STAFF, Role
from sanlian.validators import validate_mobile


class User(AbstractUser):
    """A person (or dashboard program) using the portal; `role` decides the home page."""

    role = models.CharField(_("角色"), max_length=20, choices=Role.choices, default=Role.RESIDENT)
    display_name = models.CharField(_("姓名"), max_length=50, blank=True)
    phone = models.CharField(_("手机号码"), max_length=11, blank=True, validators=[validate_mobile])
    # Set for an account whose password someone else chose (an invited member's one-time
    # password): every page leads to the password change until it is changed.
    must_change_password = models.BooleanField(_("下次登录须修改密码"), default=False)
    # The language of what reaches the person outside the portal (SMS, e-mail): the last one
    # they picked with the switcher, Simplified Chinese until then.
    language = models.CharField(
        _("短信和邮件语言"),
        max_length=10,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
    )

    class Meta(AbstractUser.Meta):
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def is_government_staff(self) -> bool:
        return self.role in STAFF

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)


class AuditEntry(models.Model):
    """One change to a tracked object: who, when, which fields (values masked)."""

    class Action(models.TextChoices):
        CREATE = "create", _("创建")
        CHANGE = "change", _("修改")
        STATUS = "status", _("状态变更")
        DELETE = "delete", _("删除")
        REVEAL = "reveal", _("查看敏感信息")
        EXPORT = "export", _("导出")

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="audit_entries",
    )
    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    action = models.CharField(_("动作"), max_length=10, choices=Action.choices)
    object_type = models.CharField(_("对象类型"), max_length=60, db_index=True)
    object_id = models.CharField(_("对象编号"), max_length=40)
    object_repr = models.CharField(_("对象"), max_length=200, blank=True)
    changes = models.JSONField(_("变更内容"), default=dict, blank=True)
    reason = models.TextField(_("原因"), blank=True)
    # A reason the portal wrote (not a person) as facts (sanlian.stored_text), shown in
    # the reader's language; `reason` keeps its Chinese text for exports and older rows.
    reason_facts = models.JSONField(_("原因（原始信息）"), null=True, blank=True)

    class Meta:
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object_idx")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_action_display()} {self.object_repr}"

    @property
    def shown_reason(self) -> str:
        return stored_text.render(self.reason_facts, self.reason)

    @property
    def object_type_name(self) -> str:
        """The kind of object in the reader's language ("结算单"), not its label."""
        from django.apps import apps

        try:
            return str(apps.get_model(self.object_type)._meta.verbose_name)
        except (LookupError, ValueError):
            return self.object_type  # a model since removed: its label still says what it was


class AccessLog(models.Model):
    """One read of a resident's personal data: a reveal, an export, a detail-page view, or a
    search by a full identifier (the resident is empty when nobody matched).

    Reads are logged apart from AuditEntry (changes) so the history of a record stays
    readable and the access log can be searched and kept on its own schedule.
    """

    class Kind(models.TextChoices):
        VIEW = "view", _("查看详情")
        REVEAL = "reveal", _("查看完整号码")
        EXPORT = "export", _("导出个人信息")
        SEARCH = "search", _("按完整号码查找")

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="access_logs",
    )
    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    resident = models.ForeignKey(
        "communities.Resident",
        verbose_name=_("居民"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="access_logs",
    )
    field = models.CharField(_("字段"), max_length=40, blank=True)
    purpose = models.CharField(_("用途"), max_length=200, blank=True)
    # As sanlian/client_address.py resolves it; text, since behind a misconfigured proxy
    # count it may be whatever a client wrote.
    client_address = models.CharField(_("来源地址"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("敏感信息访问记录")
        verbose_name_plural = _("敏感信息访问记录")
        ordering = ["-at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="view") | ~Q(purpose=""), name="accesslog_purpose_stated"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_kind_display()} {self.resident_id}"


class BackgroundJob(models.Model):
    """Long work run by a Celery worker, with progress a page can poll (htmx, every second)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("进行中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发起人"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("进度（%）"), default=0)
    error = models.TextField(_("错误"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at", "-id"]

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)


class TokenActivity(models.Model):
    """When an API token was last used, for its idle timeout (sanlian/api/tokens.py).

    Beside DRF's Token rather than in it, so the token model stays DRF's own; written
    at most once a minute per token.
    """

    token = models.OneToOneField(
        "authtoken.Token", primary_key=True, on_delete=models.CASCADE, related_name="activity"
    )
    last_used_at = models.DateTimeField(_("最近使用时间"))

    class Meta:
        verbose_name = _("令牌使用记录")
        verbose_name_plural = _("令牌使用记录")

    def __str__(self) -> str:
        return f"{self.token_id[:8]}… {self.last_used_at:%Y-%m-%d %H:%M}"


class BeatLease(models.Model):
    """Which Celery beat may send, until when (sanlian/beat.py, used when Redis is not set)."""

    name = models.CharField(_("名称"), max_length=50, primary_key=True)
    holder = models.CharField(_("持有者"), max_length=200)
    expires_at = models.DateTimeField(_("到期时间"))

    class Meta:
        verbose_name = _("定时调度租约")
        verbose_name_plural = _("定时调度租约")

    def __str__(self) -> str:
        return f"{self.name}: {self.holder}"
