import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from demo.seed import (
    DEFAULT_RESIDENTS,
    DEFAULT_SEED,
    DEMO_LOGINS,
    DEMO_PASSWORD,
    demo_is_seeded,
    demo_reset,
    demo_seed,
)
from sanlian.roles import Role

SUMMARY = (
    ("communities.District", "区"),
    ("communities.Street", "街道"),
    ("communities.Community", "社区"),
    ("organizations.Organization", "社会组织"),
    ("organizations.Agreement", "入驻协议"),
    ("socialworkers.SocialWorker", "社工"),
    ("socialworkers.Volunteer", "志愿者"),
    ("communities.Resident", "老年居民"),
    ("services.ServiceOffering", "服务项目"),
    ("services.ServiceRequest", "服务需求"),
    ("services.Visit", "上门服务"),
    ("services.Feedback", "服务评价"),
)


class Command(BaseCommand):
    help = "Fill the database with the Taiyuan demo: 50 pilot communities, 600 organizations, …"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
        parser.add_argument("--reset", action="store_true", help="delete all domain rows first")
        parser.add_argument("--residents", type=int, default=DEFAULT_RESIDENTS)

    def handle(self, *args, seed: int, reset: bool, residents: int, **options) -> None:
        if reset:
            demo_reset()
        elif demo_is_seeded():
            self.stdout.write(_("演示数据已存在，未做任何修改（如需重建请加 --reset）。"))
            return
        started = time.perf_counter()
        ctx = demo_seed(seed=seed, residents=residents)
        elapsed = time.perf_counter() - started
        self.stdout.write(self.style.SUCCESS(_("演示数据已生成，用时 %.1f 秒。") % elapsed))
        for label, name in SUMMARY:
            self.stdout.write(f"  {name}: {ctx.counts.get(label, 0)}")
        self._print_logins()

    def _print_logins(self) -> None:
        self.stdout.write("")
        # SITE_URL: bin/run-demo sets it to the address it serves on.
        self.stdout.write(_("打开 %s ，使用以下账号登录：") % settings.SITE_URL)
        rows = [(_("角色"), _("用户名"), _("密码"))]
        for login in DEMO_LOGINS:
            role = _("超级管理员") if login.username == "admin" else str(Role(login.role).label)
            rows.append((role, login.username, DEMO_PASSWORD))
        width = max(len(row[0]) for row in rows) + 2
        for role, username, password in rows:
            # Chinese characters take two columns in a terminal.
            pad = " " * (2 * width - 2 * len(role))
            self.stdout.write(f"  {role}{pad}{username:<14}{password}")
