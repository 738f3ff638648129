"""Case notes are read on the notes page only: a scan of every export, the API, the admin
lists, the history and the log lines written while they are written and read finds none."""

import logging

import pytest
from django.urls import reverse

from casework import domain
from reporting.exports import export_csv_lines, kinds_for
from sanlian.models import AccessLog, AuditEntry
from tests.api.conftest import client_for

SECRET = "女儿长期不来探望，老人说想轻生"


@pytest.fixture
def case(cast, sw):
    return domain.case_open(
        resident=cast.resident, actor=sw.sue.user, source="referral", presenting_need="独居"
    )


def test_case_notes_appear_in_no_export_api_admin_history_or_log(
    client, admin_client, cast, sw, case, caplog
):
    caplog.set_level(logging.DEBUG)
    client.force_login(sw.sue.user)
    client.post(reverse("casework:case_notes", args=[case.pk]), {"text": SECRET})
    assert case.notes.get().text == SECRET
    assert SECRET in client.get(reverse("casework:case_notes", args=[case.pk])).content.decode()
    client.force_login(sw.vera.user)  # the supervisor reads them too
    assert SECRET in client.get(reverse("casework:case_notes", args=[case.pk])).content.decode()

    seen = []
    for kind in kinds_for(cast.civil):
        seen.append("".join(export_csv_lines(user=cast.civil, kind=kind)))
    for user in (cast.civil, cast.community_staff, sw.sue.user, sw.vera.user):
        api = client_for(user)
        for path in ("cases", "assessments", "callbacks", "residents"):
            seen.append(api.get(f"/api/v1/{path}/").content.decode())
        seen.append(api.get(f"/api/v1/cases/{case.pk}/").content.decode())
    for model in ("case", "assessment", "callback", "supervision"):
        seen.append(admin_client.get(f"/admin/casework/{model}/").content.decode())
    seen.append(admin_client.get(f"/admin/casework/case/{case.pk}/change/").content.decode())
    seen.append(admin_client.get("/admin/sanlian/auditentry/").content.decode())
    seen.append(admin_client.get("/admin/sanlian/accesslog/").content.decode())
    seen += [str(e.changes) + e.object_repr + e.reason for e in AuditEntry.objects.all()]
    seen += [str(row) for row in AccessLog.objects.values()]
    seen.append(caplog.text)

    assert len(seen) > 30 and all(SECRET not in text for text in seen)
    # The scan does look where the text would show: the page that may show it does.
    assert AccessLog.objects.filter(field="case_notes").count() == 2
