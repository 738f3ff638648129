from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from communities.models import Community
from organizations.models import Organization
from sanlian.masking import mask_phone
from sanlian.validators import validate_mobile


class Skill(models.Model):
    """An entry of the skills inventory (culture, art, dance, fire safety, ...)."""

    code = models.SlugField(_("代码"), max_length=30, unique=True)
    name = models.CharField(_("名称"), max_length=30, unique=True)

    class Meta:
        verbose_name = _("技能")
        verbose_name_plural = _("技能")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class SocialWorker(models.Model):
    class Qualification(models.TextChoices):
        ASSISTANT = "assistant", _("助理社会工作师")
        INTERMEDIATE = "intermediate", _("社会工作师")
        SENIOR = "senior", _("高级社会工作师")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("账户"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="social_worker",
    )
    name = models.CharField(_("姓名"), max_length=30)
    phone = models.CharField(_("手机号码"), max_length=11, blank=True, validators=[validate_mobile])
    qualification = models.CharField(_("职业资格"), max_length=15, choices=Qualification.choices)
    certificate_number = models.CharField(_("证书编号"), max_length=30, unique=True)
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("所属组织"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="social_workers",
    )
    communities = models.ManyToManyField(
        Community, verbose_name=_("服务社区"), blank=True, related_name="social_workers"
    )
    skills = models.ManyToManyField(
        Skill, verbose_name=_("技能"), blank=True, related_name="social_workers"
    )
    active = models.BooleanField(_("在岗"), default=True)

    class Meta:
        verbose_name = _("社工")
        verbose_name_plural = _("社工")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)


class VolunteerTeam(models.Model):
    name = models.CharField(_("队名"), max_length=50, unique=True)
    community = models.ForeignKey(
        Community, verbose_name=_("社区"), on_delete=models.PROTECT, related_name="volunteer_teams"
    )
    leader = models.ForeignKey(
        SocialWorker,
        verbose_name=_("带队社工"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="led_teams",
    )
    founded_on = models.DateField(_("成立日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("志愿服务队")
        verbose_name_plural = _("志愿服务队")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Volunteer(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("账户"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="volunteer",
    )
    name = models.CharField(_("姓名"), max_length=30)
    phone = models.CharField(_("手机号码"), max_length=11, blank=True, validators=[validate_mobile])
    team = models.ForeignKey(
        VolunteerTeam,
        verbose_name=_("服务队"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
    )
    skills = models.ManyToManyField(
        Skill, verbose_name=_("技能"), blank=True, related_name="volunteers"
    )

    class Meta:
        verbose_name = _("志愿者")
        verbose_name_plural = _("志愿者")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)
