import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now
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


# --- Statistics rollups (reporting/rollups.py, docs/architecture.md "Statistics") ----------
# Per-day, per-community aggregates the overview and area tables read instead of the raw
# tables. Days are local days (TIME_ZONE). The refresh recomputes whole days that changed,
# named by the rows database triggers append to RollupDirty in the writer's transaction.


class DailyFigures(models.Model):
    """One community's counts on one local day: requests by the day they were filed, visits
    and ratings by the day the visit was scheduled for. One column per status, so any
    period and any set of communities is one SUM over at most days × communities rows."""

    day = models.DateField()
    community = models.ForeignKey(
        "communities.Community", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    requests_open = models.PositiveIntegerField(default=0)
    requests_matched = models.PositiveIntegerField(default=0)
    requests_scheduled = models.PositiveIntegerField(default=0)
    requests_done = models.PositiveIntegerField(default=0)
    requests_cancelled = models.PositiveIntegerField(default=0)
    visits_scheduled = models.PositiveIntegerField(default=0)
    visits_in_progress = models.PositiveIntegerField(default=0)
    visits_completed = models.PositiveIntegerField(default=0)
    visits_missed = models.PositiveIntegerField(default=0)
    visits_cancelled = models.PositiveIntegerField(default=0)
    ratings = models.PositiveIntegerField(default=0)
    rating_sum = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["community", "day"], name="dailyfigures_one_per_day"),
        ]
        indexes = [models.Index(fields=["day", "community"], name="dailyfigures_day_idx")]

    def __str__(self) -> str:
        return f"{self.community_id} {self.day}"


class ServedDay(models.Model):
    """A resident with a completed visit on `day`, and the resident's previous such day.

    Residents served in a period [a, b] are the rows with a <= day <= b whose previous day
    is before a (or none): each resident is counted once, at their first day in the period.
    That turns a distinct count into a sum, which ServedCount keeps per community and week.
    """

    resident = models.ForeignKey(
        "communities.Resident", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    community = models.ForeignKey(
        "communities.Community", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    day = models.DateField()
    previous_day = models.DateField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["resident", "day"], name="servedday_one_per_day"),
        ]
        indexes = [models.Index(fields=["day"], name="servedday_day_idx")]

    def __str__(self) -> str:
        return f"{self.resident_id} {self.day}"


class ServedCount(models.Model):
    """ServedDay rows counted per community, week and previous week: each resident once per
    week they were served in (at their first day of it), with the Monday of the last week
    before it they were served in (None: never before).

    Residents served in weeks [a, b] are the rows with a <= week <= b whose previous week is
    before a (or none). Every published period is whole weeks (stats.whole_weeks), so a
    read sums at most one row per community, week and previous week: about 30,000 rows at a
    million visits, fewer than DailyFigures' days × communities (it was 245,000 by day).
    """

    community = models.ForeignKey(
        "communities.Community", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    week = models.DateField()
    previous_week = models.DateField(null=True)
    n = models.PositiveIntegerField()

    class Meta:
        indexes = [
            models.Index(fields=["community", "week"], name="servedcount_community_week_idx"),
            models.Index(fields=["week"], name="servedcount_week_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.community_id} {self.week} ({self.n})"


class WaitCount(models.Model):
    """Requests filed on `day` whose first visit that took place came `tenths` tenths of a
    day later: a histogram, so the median over any period is read from sums."""

    community = models.ForeignKey(
        "communities.Community", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    day = models.DateField()
    tenths = models.PositiveIntegerField()
    n = models.PositiveIntegerField()

    class Meta:
        indexes = [
            models.Index(fields=["community", "day"], name="waitcount_community_day_idx"),
            models.Index(fields=["day"], name="waitcount_day_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.community_id} {self.day} {self.tenths} ({self.n})"


class WaitCityCount(models.Model):
    """WaitCount summed over the whole city by week filed (Monday): what a city-wide median
    reads, at most weeks × tenths rows (WaitCount holds ~200,000 at a million visits)."""

    week = models.DateField()
    tenths = models.PositiveIntegerField()
    n = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["week", "tenths"], name="waitcitycount_one_per_week")
        ]

    def __str__(self) -> str:
        return f"{self.week} {self.tenths} ({self.n})"


class WaitStreetCount(models.Model):
    """WaitCount summed per street by week filed (Monday): what a read of whole streets (a
    street's staff, ?street=, a district) sums, at most weeks × tenths rows a street instead
    of its communities' WaitCount rows. A community moved to another street is noted by a
    trigger (family "c", migration 0010) and both streets are recounted."""

    street = models.ForeignKey(
        "communities.Street", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    week = models.DateField()
    tenths = models.PositiveIntegerField()
    n = models.PositiveIntegerField()

    class Meta:
        constraints = [
            # n included: a street's read is an index-only scan (1.5 ms → 0.5 ms at 1M).
            models.UniqueConstraint(
                fields=["street", "week", "tenths"],
                include=["n"],
                name="waitstreetcount_one_per_week",
            )
        ]

    def __str__(self) -> str:
        return f"{self.street_id} {self.week} {self.tenths} ({self.n})"


class RollupDirty(models.Model):
    """What changed since the last refresh, appended by triggers in the writer's transaction.

    `family`: "r" requests (and waits) filed at `at`; "v" visits and ratings scheduled at
    `at`; "s" the served days of resident `ref`; "m" resident `ref` moved community; "c" a
    community left or joined street `ref` (its wait histogram, WaitStreetCount); "a"
    the allowance figures of a month: the local month of `at`, or month number `ref`
    (year × 12 + month - 1) when the row names a month itself (a credit, a statement).
    `at` is truncated to the quarter hour (every time zone's offset is a multiple of it), so
    a bulk insert notes few rows; the refresh turns it into a local day.
    """

    family = models.CharField(max_length=1)
    at = models.DateTimeField(null=True)
    ref = models.BigIntegerField(null=True)
    noted_at = models.DateTimeField(db_default=Now())

    class Meta:
        indexes = [models.Index(fields=["noted_at"], name="rollupdirty_noted_idx")]

    def __str__(self) -> str:
        return f"{self.family} {self.at or self.ref}"


class RollupState(models.Model):
    """One row: when the rollups were last refreshed and a version that moves when they do."""

    refreshed_at = models.DateTimeField(null=True)
    version = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"v{self.version} {self.refreshed_at}"


class SuppressionScope(models.Model):
    """A set of communities whose figures are read (the whole city, or one caller's scope).

    `key` is a digest of its communities with their street and district as they were when
    its decisions were taken: a community added or moved gives a new key, so decisions taken
    on the old map are never read again (the refresh drops them).
    """

    key = models.CharField(max_length=64, unique=True)
    communities = models.JSONField(null=True)  # community ids; None: every community
    # The last day a read used the scope: the refresh drops a staff scope unread for
    # SCOPE_UNREAD_DAYS (reporting/rollups.py) rather than deciding it for ever.
    read_on = models.DateField(null=True)

    def __str__(self) -> str:
        return f"{self.key[:8]} ({'city' if self.communities is None else len(self.communities)})"


class SuppressedCell(models.Model):
    """One cell a week's complementary suppression hides in one scope, as decided by the
    rollup refresh from the rollups it committed with (reporting/rollups.py).

    A cell is (metric, level, node): node is the community, street or district id, None for
    the city. `hidden` False: the cell itself is shown but a cell beneath it is hidden (what
    a pilot-batch subset must know). A week with nothing hidden has no rows.
    """

    scope = models.ForeignKey(
        SuppressionScope, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    week = models.DateField()
    metric = models.CharField(max_length=40)
    level = models.CharField(max_length=10)
    node = models.BigIntegerField(null=True)
    hidden = models.BooleanField()

    class Meta:
        indexes = [
            models.Index(fields=["scope", "week", "level"], name="suppressedcell_scope_week_idx")
        ]

    def __str__(self) -> str:
        return f"{self.week} {self.metric} {self.level} {self.node}"


class SuppressedMonthCell(models.Model):
    """One cell a calendar month's complementary suppression of the allowance figures hides
    in one scope (reporting/stats.py, "Allowance suppression"), decided by the rollup
    refresh for the months whose ledger, accounts or statements changed.

    As SuppressedCell, by month: a cell is (basis, level, node), `hidden` False when only a
    cell beneath it is hidden. A month with nothing hidden has no rows.
    """

    scope = models.ForeignKey(
        SuppressionScope, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    month = models.DateField()
    metric = models.CharField(max_length=40)
    level = models.CharField(max_length=10)
    node = models.BigIntegerField(null=True)
    hidden = models.BooleanField()

    class Meta:
        indexes = [models.Index(fields=["scope", "month"], name="suppressedmonth_scope_idx")]

    def __str__(self) -> str:
        return f"{self.month} {self.metric} {self.level} {self.node}"
