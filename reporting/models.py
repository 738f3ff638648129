import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sanlian.models import BackgroundJob


class ExportJob(BackgroundJob):
    """One export of a list (CSV or XLSX), masked and scoped to its owner; see reporting/exports.py.

    Small CSV exports are answered at once and recorded here as done without a file;
    the others are written under MEDIA_ROOT/exports/ and downloaded only by the owner.
    """

    class Kind(models.TextChoices):
        ORGANIZATIONS = "organizations", _("社会组织")
        RESIDENTS = "residents", _("老年居民")
        REQUESTS = "requests", _("服务需求")
        VISITS = "visits", _("上门服务")
        INDICATORS = "indicators", _("社区指标")
        PROJECT_PROGRESS = "project_progress", _("项目合同进度")
        PROJECT_FUNDS = "project_funds", _("项目资金与组织培育")

    class Format(models.TextChoices):
        CSV = "csv", _("CSV（Excel 可直接打开）")
        XLSX = "xlsx", _("Excel 工作簿（XLSX）")

    kind = models.CharField(_("内容"), max_length=20, choices=Kind.choices)
    file_format = models.CharField(_("格式"), max_length=4, choices=Format.choices)
    purpose = models.CharField(_("用途"), max_length=200, blank=True)
    row_count = models.PositiveIntegerField(_("行数"), default=0)
    # Relative to MEDIA_ROOT; recorded when the build starts, so the sweep also finds a
    # partial file; empty for exports answered at once.
    file_path = models.CharField(_("文件"), max_length=255, blank=True)
    # Set when exports_expire removed the file after EXPORT_RETENTION_HOURS.
    expired_at = models.DateTimeField(_("过期时间"), null=True, blank=True)

    class Meta(BackgroundJob.Meta):
        # The table kept the name it had while exports lived in the plumbing package.
        db_table = "sanlian_exportjob"
        verbose_name = _("导出任务")
        verbose_name_plural = _("导出任务")
        constraints = [
            models.CheckConstraint(
                condition=Q(progress__lte=100), name="exportjob_progress_at_most_100"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.get_file_format_display()} #{self.pk}"

    @property
    def kept_until(self) -> datetime.datetime | None:
        """When the file of a finished export is removed; None when there is none to remove."""
        if not self.file_path or self.expired_at or self.finished_at is None:
            return None
        return self.finished_at + datetime.timedelta(hours=settings.EXPORT_RETENTION_HOURS)
