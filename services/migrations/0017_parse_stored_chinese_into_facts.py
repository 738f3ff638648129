"""Turn the Chinese sentences stored before into facts where their pattern is known.

Match reasons and in-app notifications written before 0013 hold only Chinese text. This
reads each against the messages the code wrote then (copied here: a migration must not
follow later code), and stores the facts when the whole text matches; any other text is
left as it is and keeps showing as written.
"""

import re

from django.db import migrations

REASON_WORDS = {
    "同社区",
    "已签入驻协议",
    "服务覆盖本社区",
    "居民指定的机构",
    "曾为该居民服务",
    "居民曾要求回避该机构，别无名额",
    "紧急",
    "独居",
    "失能",
    "半失能",
}
REASON_NUMBERS = [
    (re.compile(r"^(\d+)岁$"), "%(age)s岁", "age", int),
    (re.compile(r"^已等待(\d+)天$"), "已等待%(days)s天", "days", int),
    (re.compile(r"^距离(\d+(?:\.\d+)?)公里$"), "距离%(km).1f公里", "km", float),
]


def reason_facts(reason: str):
    facts = []
    for part in reason.split("；"):
        if part in REASON_WORDS:
            facts.append({"t": part, "p": {}})
            continue
        for pattern, msgid, name, cast in REASON_NUMBERS:
            found = pattern.match(part)
            if found:
                facts.append({"t": msgid, "p": {name: cast(found.group(1))}})
                break
        else:
            return None
    return facts


def _channel(value):
    return {"t": value, "p": {}} if value in ("短信", "邮件", "站内通知") else value


# (the text as the old code wrote it, the message id it is now, parameter converters)
NOTICES = [
    ("上门服务未签到", None, {}),
    ("服务需求长时间未匹配", None, {}),
    ("通知渠道已暂停", None, {}),
    ("按完整号码查找次数异常", None, {}),
    ("个案检视将到期", None, {}),
    ("能力评估需复评", None, {}),
    ("上门服务提醒", None, {}),
    ("活动取消：%(activity)s", None, {}),
    ("候补转正：%(activity)s", None, {}),
    ("活动提醒：%(activity)s", None, {}),
    ("%(resident)s %(when)s的%(service)s服务已超时未签到，请核实。", None, {}),
    ("%(community)s居民%(resident)s的%(service)s需求已%(days)s天未匹配。", None, {}),
    (
        "%(channel)s发送连续失败，已暂停，稍后自动重试；未送达的提醒将转为电话通知。 (%(error)s)",
        "%(channel)s发送连续失败，已暂停，稍后自动重试；未送达的提醒将转为电话通知。（%(error)s）",
        {"channel": _channel},
    ),
    ("%(who)s 在一小时内按完整身份证号或手机号查找的次数超过上限，已被暂停。", None, {}),
    ("%(name)s 的个案检视应于 %(due)s 完成。", None, {}),
    ("%(name)s 的能力评估已满%(months)d个月，请安排复评。", None, {"months": int}),
    ("很抱歉，%(activity)s 已取消：%(reason)s", None, {}),
    ("%(name)s 已从候补转为正式报名，活动时间 %(time)s，地点 %(venue)s。", None, {}),
    ("%(name)s 报名的活动将于 %(time)s 在 %(venue)s 开始。", None, {}),
    ("【三社联动】提醒：您%(when)s为%(resident)s提供“%(service)s”。", None, {}),
    ("【三社联动】提醒：%(resident)s的“%(service)s”将于%(when)s开始，%(organization)s。", None, {}),
]
PLACEHOLDER = re.compile(r"%\((\w+)\)([sd])")


def _pattern(written: str) -> re.Pattern:
    parts, last = [], 0
    for found in PLACEHOLDER.finditer(written):
        parts.append(re.escape(written[last : found.start()]))
        parts.append(
            f"(?P<{found.group(1)}>\\d+)" if found.group(2) == "d" else f"(?P<{found.group(1)}>.+?)"
        )
        last = found.end()
    parts.append(re.escape(written[last:]))
    return re.compile("^" + "".join(parts) + "$", re.DOTALL)


COMPILED = [(_pattern(written), msgid or written, casts) for written, msgid, casts in NOTICES]


def notice_facts(text: str):
    for pattern, msgid, casts in COMPILED:
        found = pattern.match(text)
        if found:
            params = {
                name: casts.get(name, str)(value) for name, value in found.groupdict().items()
            }
            return {"t": msgid, "p": params}
    return None


def forwards(apps, schema_editor):
    Match = apps.get_model("services", "Match")
    Notification = apps.get_model("services", "Notification")
    changed = []
    for match in Match.objects.filter(reason_facts__isnull=True).only("pk", "reason").iterator():
        match.reason_facts = reason_facts(match.reason)
        if match.reason_facts is not None:
            changed.append(match)
    Match.objects.bulk_update(changed, ["reason_facts"], batch_size=1000)
    changed = []
    rows = Notification.objects.filter(body_facts__isnull=True).only("pk", "title", "body")
    for notification in rows.iterator():
        title, body = notice_facts(notification.title), notice_facts(notification.body)
        if title is not None and body is not None:
            notification.title_facts, notification.body_facts = title, body
            changed.append(notification)
    Notification.objects.bulk_update(changed, ["title_facts", "body_facts"], batch_size=1000)


def backwards(apps, schema_editor):
    apps.get_model("services", "Match").objects.update(reason_facts=None)
    apps.get_model("services", "Notification").objects.update(title_facts=None, body_facts=None)


class Migration(migrations.Migration):
    dependencies = [("services", "0016_stored_facts_for_match_reasons_and_notifications")]

    operations = [migrations.RunPython(forwards, backwards)]
