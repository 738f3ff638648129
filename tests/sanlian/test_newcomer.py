"""What a newcomer tripped over (issue 21, items 1–17): one test per fix."""

import datetime
import os
import re
import shutil
import subprocess
from pathlib import Path

from django import forms
from django.test import RequestFactory
from django.urls import get_resolver
from django.utils import timezone, translation
from django.views import defaults
from rest_framework.test import APIClient

from sanlian.models import AuditEntry
from sanlian.roles import Role
from services.offerings.models import week_start_of
from tests import factories as f

ROOT = Path(__file__).resolve().parents[2]
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)


# 1: Swagger UI under the CSP


def test_api_docs_page_has_no_inline_script_and_serves_its_start_up_script(client, db):
    page = client.get("/api/v1/docs/")
    html = page.content.decode()
    assert "script-src 'self'" in page["Content-Security-Policy"]
    assert not INLINE_SCRIPT.search(html)
    script_url = re.search(r'<script src="([^"]*script[^"]*)"', html).group(1)
    script = client.get(script_url.replace("&amp;", "&"))
    assert script["Content-Type"].startswith("application/javascript")
    assert "/api/v1/schema/" in script.content.decode()


# 3: /api/v1/stats/ index


def test_stats_index_lists_every_stats_endpoint(db):
    client = APIClient()
    client.force_authenticate(f.UserFactory(role=Role.CIVIL_AFFAIRS))
    body = client.get("/api/v1/stats/").json()
    assert body["overview"]["url"] == "http://testserver/api/v1/stats/overview/"
    assert set(body) >= {"communities", "streets", "districts", "weekly", "allowances"}
    for entry in body.values():
        assert client.get(entry["url"]).status_code == 200


def test_stats_index_is_closed_to_organizations(db):
    client = APIClient()
    client.force_authenticate(f.UserFactory(role=Role.ORGANIZATION))
    assert client.get("/api/v1/stats/").status_code == 403


# 5: error pages in the portal's layout and the reader's language


def test_403_page_has_the_menu_and_a_way_home(client, cast):
    client.force_login(cast.member)
    response = client.get("/audit/")
    html = response.content.decode()
    assert response.status_code == 403
    assert 'class="navbar' in html and 'data-testid="current-user"' in html
    assert "您没有权限查看这个页面" in html and 'href="/" data-testid="error-home"' in html


def test_404_page_speaks_english_to_an_english_reader(client, db):
    client.force_login(f.UserFactory(role=Role.CIVIL_AFFAIRS))
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = client.get("/no-such-page/").content.decode()
    assert "We cannot find this page." in html and "Back to the home page" in html
    assert '<html lang="en">' in html


def test_500_page_renders_without_the_database(django_assert_num_queries, db):
    request = RequestFactory().get("/")
    with translation.override("zh-hans"), django_assert_num_queries(0):
        response = defaults.server_error(request)
    html = response.content.decode()
    assert response.status_code == 500
    assert "服务器出了点问题" in html and 'href="/"' in html and "sl-navbar" in html


# 2: ISO dates in every date input


def _all_form_classes():
    def walk(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from walk(sub)

    return [c for c in walk(forms.BaseForm) if c.__module__.split(".")[0] in PROJECT_APPS]


PROJECT_APPS = {
    "sanlian",
    "communities",
    "organizations",
    "socialworkers",
    "services",
    "casework",
    "projects",
    "reporting",
}


def test_every_date_input_renders_iso_dates_in_chinese():
    assert get_resolver().url_patterns  # imports every view module, and so every form
    day = datetime.date(2026, 11, 30)
    found = []
    with translation.override("zh-hans"):
        for form_class in _all_form_classes():
            for name, field in form_class.base_fields.items():
                if getattr(field.widget, "input_type", None) != "date":
                    continue
                found.append(f"{form_class.__name__}.{name}")
                html = field.widget.render(name, day)
                assert 'value="2026-11-30"' in html, f"{form_class.__name__}.{name}: {html}"
    assert "RunForm.week_start" in found and len(found) > 10


def test_matching_page_fills_in_this_weeks_monday_as_an_iso_date(client, cast):
    client.force_login(cast.street_staff)
    html = client.get("/matching/").content.decode()
    monday = week_start_of(timezone.localdate()).isoformat()
    assert f'type="date" name="week_start" value="{monday}"' in html


# 13: staff visit lists start with what is coming


def test_visit_list_shows_upcoming_visits_soonest_first_then_past_ones(client, cast):
    offering = f.OfferingFactory(organization=cast.organization)
    now = timezone.now()
    at = {
        "july": now - datetime.timedelta(days=150),
        "last_week": now - datetime.timedelta(days=7),
        "next_week": now + datetime.timedelta(days=7),
        "tomorrow": now + datetime.timedelta(days=1),
    }
    made = {
        name: f.VisitFactory(
            offering=offering, request__resident=cast.resident, scheduled_start=when
        ).pk
        for name, when in at.items()
    }
    client.force_login(cast.member)
    page = client.get("/services/visits/").context["page_obj"]
    order = [visit.pk for visit in page.object_list]
    assert order == [made[n] for n in ("tomorrow", "next_week", "last_week", "july")]


# 9: allowance totals open on the last month with data


def test_allowance_totals_open_on_the_last_month_with_statements(client, cast):
    three_months_ago = (timezone.localdate().replace(day=1) - datetime.timedelta(days=70)).replace(
        day=1
    )
    f.SettlementLineFactory(
        statement__organization=cast.organization,
        statement__month=three_months_ago,
        visit__request__resident=cast.resident,
        allowance_fen=2600,
    )
    client.force_login(cast.civil)
    response = client.get("/allowances/totals/")
    html = response.content.decode()
    assert response.context["month"] == three_months_ago
    assert f'type="month" name="month" value="{three_months_ago:%Y-%m}"' in html
    assert response.context["city"]["allowance_fen"] == 2600


def test_allowance_totals_still_show_the_month_asked_for(client, cast):
    client.force_login(cast.civil)
    response = client.get("/allowances/totals/?month=2026-01")
    assert response.context["month"] == datetime.date(2026, 1, 1)


# 6: a volunteer's home counts the whole team


def test_volunteer_home_counts_every_member_of_the_team(client, cast):
    me = f.VolunteerFactory(user=f.UserFactory(role=Role.VOLUNTEER))
    f.VolunteerFactory.create_batch(8, team=me.team)
    f.VolunteerFactory()  # another team
    client.force_login(me.user)
    teams = list(client.get("/").context["teams"])
    assert [(team.pk, team.member_count) for team in teams] == [(me.team.pk, 9)]


# 7: make run passes options on; 17: the previous run's logs are kept


def test_make_run_passes_args_to_run_demo():
    out = subprocess.run(  # noqa: S603 - our own Makefile
        [shutil.which("make"), "-n", "run", "ARGS=--port 8080 --no-seed"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "bin/run-demo --port 8080 --no-seed" in out
    assert 'ARGS="--port 8080' in (ROOT / "README.md").read_text()


def test_run_demo_keeps_the_previous_runs_log(tmp_path):
    log_dir = tmp_path / "log"
    log_dir.mkdir()
    (log_dir / "celery-worker.log").write_text("last run\n")
    # /bin/false as Python: the script stops at `migrate`, after moving the logs aside.
    env = {**os.environ, "PYTHON": "/bin/false", "VAR_DIR": str(tmp_path)}
    script = ROOT / "bin" / "run-demo"
    result = subprocess.run([script], env=env, capture_output=True)  # noqa: S603 - our own script
    assert result.returncode != 0
    assert (log_dir / "celery-worker.log.1").read_text() == "last run\n"
    assert not (log_dir / "celery-worker.log").exists()


# 10: filter bars say "全部" and carry Bootstrap classes


def test_filter_forms_offer_all_instead_of_dashes_and_are_styled(client, cast):
    client.force_login(cast.civil)
    for url in ("/socialworkers/", "/socialworkers/teams/", "/services/requests/"):
        html = client.get(url).content.decode()
        assert "---------" not in html, url
        assert '<option value="" selected>全部</option>' in html, url
    client.force_login(cast.member)
    html = client.get("/services/visits/").content.decode()
    assert (
        'class="form-select"' in html
        and 'type="date" name="date_from" class="form-control"' in html
    )


# 15: the API says which Authorization header it takes


def test_bearer_header_gets_a_401_naming_the_token_form(db):
    response = APIClient().get("/api/v1/districts/", HTTP_AUTHORIZATION="Bearer abc123")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert "Authorization: Token" in response.json()["detail"]


def test_api_schema_description_cites_files_that_exist_and_the_token_header(settings):
    description = settings.SPECTACULAR_SETTINGS["DESCRIPTION"]
    cited = re.findall(r"[\w/]+\.md", description)
    assert cited and all((ROOT / path).exists() for path in cited)
    assert "Authorization: Token <key>" in description


# 4: the history reads in field labels, choice labels and yuan


def test_audit_page_shows_field_labels_choice_labels_and_yuan(client, cast):
    AuditEntry.objects.create(
        action=AuditEntry.Action.CHANGE,
        object_type="projects.projectcall",
        object_id="7",
        object_repr="2026 年居家养老项目",
        changes={"budget_ceiling_fen": [None, 260000], "status": ["open", "decided"]},
    )
    client.force_login(cast.civil)
    html = client.get("/audit/").content.decode()
    assert "预算上限：— → 2600.00 元" in html.replace(
        '<span class="text-body-secondary">', ""
    ).replace("</span>", "")
    assert "budget_ceiling_fen" not in html and "→ 2600.00 元" in html
    assert '<thead class="text-nowrap">' in html


# 14: the home page and the dashboard say which communities they count


def test_civil_home_and_dashboard_say_which_communities_they_count(client, cast):
    cast.community.pilot_batch = "city"
    cast.community.save()
    client.force_login(cast.civil)
    home = client.get("/").content.decode()
    assert "全部 2 个社区" in home and "其中 1 个试点社区" in home
    dashboard = client.get("/dashboard/").content.decode()
    assert (
        'data-testid="dashboard-scope"' in dashboard
        and "全部 2 个社区（其中试点 1 个）" in dashboard
    )
