"""A person's language for SMS and e-mail, and the portal's own audit reasons as facts.

Audit entries written before hold only the Chinese text of the reason. Those whose text is
one of the fixed reasons the portal writes (copied here: a migration must not follow later
code) get its facts, so they too show in the reader's language; a person's own words stay
as they were written.
"""

from django.db import migrations, models

FIXED_REASONS = (
    "吊销API令牌",
    "签发数据大屏令牌",
    "吊销数据大屏令牌",
    "修改后重新提交审核",
    "匹配已确认",
    "组织未在期限内答复",
    "另一匹配已确认",
    "已手工指派",
    "重新匹配",
    "生成结算单",
    "审核结算单",
    "Excel 名册导入",
)


def reasons_to_facts(apps, schema_editor):
    AuditEntry = apps.get_model("sanlian", "AuditEntry")
    for reason in FIXED_REASONS:
        AuditEntry.objects.filter(reason=reason, reason_facts__isnull=True).update(
            reason_facts={"t": reason, "p": {}}
        )


def facts_to_reasons(apps, schema_editor):
    # The Chinese text never left `reason`: dropping the facts loses nothing.
    apps.get_model("sanlian", "AuditEntry").objects.update(reason_facts=None)


class Migration(migrations.Migration):
    dependencies = [
        ("sanlian", "0010_beat_lease_for_a_single_sending_beat"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="language",
            field=models.CharField(
                choices=[("zh-hans", "简体中文"), ("en", "English")],
                default="zh-hans",
                max_length=10,
                verbose_name="短信和邮件语言",
            ),
        ),
        migrations.AddField(
            model_name="auditentry",
            name="reason_facts",
            field=models.JSONField(blank=True, null=True, verbose_name="原因（原始信息）"),
        ),
        migrations.RunPython(reasons_to_facts, facts_to_reasons),
    ]
