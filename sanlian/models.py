from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from sanlian.masking import mask_phone
from sanlian.validators import validate_mobile


class Role(models.TextChoices):
    CIVIL_AFFAIRS = "civil_affairs", _("民政局工作人员")
    STREET_STAFF = "street_staff", _("街道办工作人员")
    COMMUNITY_STAFF = "community_staff", _("社区工作人员")
    ORGANIZATION = "organization", _("社会组织工作人员")
    SOCIAL_WORKER = "social_worker", _("社工")
    VOLUNTEER = "volunteer", _("志愿者")
    RESIDENT = "resident", _("居民")
    FAMILY = "family", _("居民家属")
    DASHBOARD = "dashboard", _("数据大屏客户端")


STAFF_ROLES = frozenset({Role.CIVIL_AFFAIRS, Role.STREET_STAFF, Role.COMMUNITY_STAFF})


class User(AbstractUser):
    """A person (or dashboard program) using the portal; `role` decides the home page."""

    role = models.CharField(_("角色"), max_length=20, choices=Role.choices, default=Role.RESIDENT)
    display_name = models.CharField(_("姓名"), max_length=50, blank=True)
    phone = models.CharField(_("手机号码"), max_length=11, blank=True, validators=[validate_mobile])

    class Meta(AbstractUser.Meta):
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def is_government_staff(self) -> bool:
        return self.role in STAFF_ROLES

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

    class Meta:
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object_idx")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_action_display()} {self.object_repr}"
