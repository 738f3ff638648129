import datetime
import hashlib
import io
from collections import Counter
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import Count, F
from django.utils import timezone

from activities.queries import volunteer_minutes
from communities.models import (
    Community,
    Consent,
    District,
    FamilyMember,
    Resident,
    StaffAssignment,
    Street,
    Venue,
)
from demo.seed import DEMO_LOGINS, DEMO_PASSWORD
from organizations.models import (
    Agreement,
    Category,
    Organization,
    OrganizationMember,
    OrganizationStatusChange,
)
from sanlian.models import User
from sanlian.roles import Role
from sanlian.validators import resident_id_birth_date, validate_credit_code, validate_resident_id
from services.models import (
    Feedback,
    Match,
    Notification,
    OfferingWeek,
    OfferingWindow,
    ServiceOffering,
    ServiceRequest,
    ServiceType,
    Visit,
    VisitPlan,
)
from socialworkers.models import Skill, SocialWorker, Volunteer, VolunteerTeam

pytestmark = pytest.mark.django_db

SMALL = "300"  # residents: enough for every story, quick to build


def seed(*args: str) -> str:
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def small_demo():
    return seed("--residents", SMALL)


# Natural keys only: primary keys differ between runs on PostgreSQL (sequences keep counting).
DIGEST_ROWS = (
    (
        Community,
        ("code", "name", "households", "population", "residents_60_plus", "facility_area_m2"),
    ),
    (Community, ("code", "pilot_batch", "latitude", "longitude")),
    (Venue, ("community__code", "name", "kind", "area_m2", "capacity")),
    (Organization, ("credit_code", "name", "category", "status", "submitted_at", "reviewed_at")),
    (Agreement, ("organization__credit_code", "community__code", "start_date", "end_date")),
    (Agreement, ("organization__credit_code", "community__code", "status", "venue__name")),
    (SocialWorker, ("certificate_number", "name", "qualification", "phone")),
    (Volunteer, ("team__name", "name", "phone")),
    (Resident, ("id_number", "name", "sex", "phone", "address", "community__code")),
    (Resident, ("id_number", "living_situation", "care_level", "low_income")),
    (Resident, ("id_number", "latitude", "longitude")),
    (ServiceOffering, ("organization__credit_code", "service_type__code", "weekly_capacity")),
    (ServiceRequest, ("resident__id_number", "service_type__code", "status", "created_at")),
    (Visit, ("request__resident__id_number", "scheduled_start", "status", "checked_in_at")),
    (Feedback, ("visit__request__resident__id_number", "visit__scheduled_start", "rating")),
)


def digest() -> str:
    sha = hashlib.sha256()
    for model, fields in DIGEST_ROWS:
        rows = model.objects.order_by(*fields).values_list(*fields)
        sha.update(repr(list(rows)).encode())
    return sha.hexdigest()


def test_seed_demo_builds_taiyuan_districts_and_pilot_communities(small_demo):
    assert dict(District.objects.values_list("code", "name")) == {
        "140105": "小店区",
        "140106": "迎泽区",
        "140107": "杏花岭区",
        "140108": "尖草坪区",
        "140109": "万柏林区",
        "140110": "晋源区",
    }
    assert set(Street.objects.filter(district__code="140105").values_list("name", flat=True)) >= {
        "坞城街道",
        "营盘街道",
        "北营街道",
        "平阳路街道",
        "黄陵街道",
    }
    assert Street.objects.values("district").annotate(n=Count("id")).filter(n__lt=3).count() == 0
    batches = Counter(Community.objects.values_list("pilot_batch", flat=True))
    assert batches["province"] == 21
    assert batches["province"] + batches["city"] == 50
    assert 90 <= batches[""] <= 110
    flagship = Community.objects.get(name="桃南二社区")
    assert flagship.pilot_batch == "province"
    assert flagship.street.district.name in ("小店区", "迎泽区")


def test_seed_demo_gives_communities_plausible_figures(small_demo):
    communities = list(Community.objects.annotate(venue_count=Count("venues")))
    for community in communities:
        assert 0 < community.residents_60_plus <= community.population
        assert community.households < community.population
        assert Decimal("37.75") <= community.latitude <= Decimal("37.95")
        assert Decimal("112.45") <= community.longitude <= Decimal("112.65")
        assert 1 <= community.venue_count <= 3
    meeting = [c.meets_facility_target for c in communities]
    assert 10 < meeting.count(False) < meeting.count(True)
    assert Venue.objects.filter(kind="day_care").exists()
    assert Venue.objects.filter(kind="activity_room").exists()


def test_seed_demo_default_size_gives_valid_residents():
    seed()
    residents = list(Resident.objects.all())
    assert len(residents) >= 2000
    today = timezone.localdate()
    for resident in residents:
        validate_resident_id(resident.id_number)
        assert resident_id_birth_date(resident.id_number) == resident.birth_date
        assert resident.id_number[:6] == resident.community.street.district.code
        assert 60 <= resident.age_on(today) <= 98
        assert resident.phone_last4 == resident.phone[-4:]
        assert resident.community.name in resident.address
    phones = [r.phone for r in residents if r.phone]
    assert len(phones) == len(set(phones))
    assert Consent.objects.values("resident").distinct().count() == len(residents)
    situations = Counter(r.living_situation for r in residents)
    assert set(situations) == {"alone", "empty_nest", "with_family"}
    assert 0 < sum(r.low_income for r in residents) < len(residents) / 4
    ages = Counter(r.age_on(today) // 10 for r in residents)
    assert ages[6] > ages[7] > ages[8] > ages[9] > 0  # most in their sixties, few past ninety


def test_seed_demo_registers_organizations_of_all_five_categories(small_demo):
    organizations = Organization.objects.all()
    assert organizations.count() >= 500
    assert set(organizations.values_list("category", flat=True)) == set(Category.values)
    statuses = Counter(organizations.values_list("status", flat=True))
    assert statuses["approved"] > statuses["submitted"] > statuses["rejected"] > 0
    assert 1 <= statuses["suspended"] <= 2
    assert not organizations.filter(status="rejected", review_reason="").exists()
    for code in organizations.values_list("credit_code", flat=True):
        validate_credit_code(code)
    for name in ("优社优家", "胡晓玲棋艺中心", "爱惠旗舰店"):
        assert organizations.get(name=name).status == "approved"
    entered = organizations.filter(agreements__status="active").distinct()
    assert entered.count() >= 500
    assert not entered.exclude(status="approved").exists()


def test_seed_demo_article_agreement_starts_on_signing_day(small_demo):
    agreement = Agreement.objects.get(organization__name="优社优家", community__name="桃南二社区")
    assert agreement.status == "active"
    assert agreement.start_date == datetime.date(2014, 10, 21)
    assert agreement.venue.community == agreement.community
    statuses = Counter(Agreement.objects.values_list("status", flat=True))
    assert statuses["active"] > statuses["pending"] > 0
    assert statuses["ended"] > 0
    in_pilots = Agreement.objects.filter(status="active").exclude(community__pilot_batch="")
    assert in_pilots.count() > 0.75 * statuses["active"]


def test_seed_demo_records_review_history(small_demo):
    for org in Organization.objects.prefetch_related("status_changes"):
        changes = sorted(org.status_changes.all(), key=lambda c: (c.changed_at, c.pk))
        assert changes[0].from_status == ""
        assert changes[0].to_status == "submitted"
        assert changes[-1].to_status == org.status
        assert changes[0].changed_at == org.submitted_at
    rejected = OrganizationStatusChange.objects.filter(to_status="rejected")
    assert rejected.exists()
    assert not rejected.filter(reason="").exists()


def test_seed_demo_flags_a_few_understaffed_pilot_communities(small_demo):
    pilots = Community.objects.exclude(pilot_batch="").annotate(workers=Count("social_workers"))
    understaffed = [c for c in pilots if c.workers < 2]
    assert 4 <= len(understaffed) <= 8
    assert pilots.get(name="桃南二社区").workers >= 2
    qualifications = set(SocialWorker.objects.values_list("qualification", flat=True))
    assert qualifications == {"assistant", "intermediate", "senior"}
    assert Skill.objects.filter(name__in=["文化", "艺术", "舞蹈", "消防", "安全"]).count() == 5


def test_seed_demo_has_runmei_team_with_skilled_volunteers(small_demo):
    team = VolunteerTeam.objects.get(name="润梅志愿服务队")
    assert team.community.name == "桃南二社区"
    assert team.leader.name == "王润梅"
    assert team.members.count() >= 5
    assert (
        not VolunteerTeam.objects.filter(leader__isnull=False)
        .exclude(leader__communities=F("community"))
        .exists()
    )
    assert Volunteer.objects.filter(skills__isnull=True).count() == 0
    # Hours are never typed: the demo's come from the visits its volunteers completed.
    served = volunteer_minutes(list(Volunteer.objects.values_list("pk", flat=True)))
    assert any(minutes > 0 for minutes in served.values())


def test_seed_demo_service_types_follow_the_article(small_demo):
    modes = dict(ServiceType.objects.values_list("name", "care_mode"))
    assert {name for name, mode in modes.items() if mode == "home"} >= {
        "理发",
        "测血压",
        "修剪指甲",
        "陪伴聊天",
        "助洁",
        "助浴",
    }
    assert modes["日间照料"] == "day_care"
    assert modes["平价粮油"] == "monetary"
    assert modes["热线派单上门服务"] == "virtual"
    assert set(modes.values()) == {"home", "day_care", "monetary", "virtual"}


def test_seed_demo_offerings_serve_where_they_have_entered(small_demo):
    offerings = ServiceOffering.objects.select_related("venue", "service_type")
    assert offerings.count() > 500
    for offering in offerings.filter(service_type__care_mode="day_care"):
        assert offering.venue is not None
        assert Agreement.objects.filter(
            organization=offering.organization_id,
            community=offering.venue.community_id,
            status="active",
        ).exists()
    assert not OfferingWindow.objects.filter(offering__isnull=True).exists()
    assert not offerings.annotate(n=Count("windows")).filter(n=0).exists()
    assert set(offerings.values_list("price_class", flat=True)) == {"free", "subsidised", "paid"}
    for week in OfferingWeek.objects.select_related("offering"):
        assert 0 < week.reserved <= week.capacity == week.offering.weekly_capacity


def test_seed_demo_requests_visits_and_feedback_tell_a_consistent_story(small_demo):
    requests = ServiceRequest.objects.all()
    assert requests.filter(status="open").count() >= 30
    assert requests.filter(status="open", urgent=True).exists()
    assert set(requests.values_list("channel", flat=True)) == {"web", "hotline", "walk_in"}
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    visits = Visit.objects.all()
    assert visits.filter(status="scheduled", scheduled_start__date=tomorrow).exists()
    week_ahead = visits.filter(status="scheduled", scheduled_start__date__gt=tomorrow)
    assert week_ahead.exists()
    assert visits.filter(status="missed").exists()
    completed = visits.filter(status="completed")
    assert not completed.filter(checked_in_at__isnull=True).exists()
    assert not completed.filter(service_log="").exists()
    assert not visits.exclude(status="completed").filter(feedback__isnull=False).exists()
    for visit in visits.select_related("match", "request"):
        assert visit.match.status == "accepted"
        assert visit.match.request_id == visit.request_id
        assert visit.request.status in ("scheduled", "done")
        assert visit.match.offering_id == visit.offering_id
    ratings = Counter(Feedback.objects.values_list("rating", flat=True))
    assert ratings[4] + ratings[5] > 0.7 * sum(ratings.values())
    assert VisitPlan.objects.exists()
    assert not Match.objects.exclude(status="accepted").exists()


def test_seed_demo_history_lies_in_the_past(small_demo):
    now = timezone.now()
    assert not ServiceRequest.objects.filter(created_at__gt=now).exists()
    assert not Visit.objects.filter(checked_out_at__gt=now).exists()
    assert not Visit.objects.exclude(status="scheduled").filter(scheduled_start__gt=now).exists()
    assert not Feedback.objects.filter(created_at__gt=now).exists()
    assert not Match.objects.filter(responded_at__gt=now).exists()
    assert not Organization.objects.filter(reviewed_at__gt=now).exists()
    assert not Agreement.objects.filter(requested_at__gt=now).exists()
    assert not Consent.objects.filter(given_at__gt=now).exists()
    assert not Agreement.objects.filter(status="active", start_date__gt=now.date()).exists()


def test_seed_demo_resident_login_has_the_article_story(small_demo):
    resident = Resident.objects.get(user__username="resident")
    today = timezone.localdate()
    assert resident.age_on(today) == 83
    assert (resident.sex, resident.living_situation) == ("M", "alone")
    assert resident.community.name == "桃南二社区"
    visits = Visit.objects.filter(request__resident=resident)
    tomorrow = today + datetime.timedelta(days=1)
    assert visits.filter(status="scheduled", scheduled_start__date=tomorrow).exists()
    done = visits.get(status="completed")
    assert not Feedback.objects.filter(visit=done).exists()
    assert done.social_worker.user.username == "socialworker"
    assert FamilyMember.objects.filter(resident=resident, user__username="family").exists()


def test_seed_demo_field_workers_have_visits_today_and_tomorrow(small_demo):
    today = timezone.localdate()
    tomorrow = today + datetime.timedelta(days=1)
    for assigned in (
        {"social_worker__user__username": "socialworker"},
        {"volunteer__user__username": "volunteer"},
    ):
        visits = Visit.objects.filter(status="scheduled", **assigned)
        days = {timezone.localtime(v.scheduled_start).date() for v in visits}
        assert {today, tomorrow} <= days, assigned
        # Checking in today is on time, whatever hour the demo was started.
        todays = visits.filter(scheduled_start__date=today)
        assert all(
            v.scheduled_start <= timezone.now() + datetime.timedelta(minutes=30) for v in todays
        )
    assert not Resident.objects.filter(latitude__isnull=True).exists()
    home = Resident.objects.get(user__username="resident")
    assert abs(float(home.latitude) - 37.87) < 0.2 and abs(float(home.longitude) - 112.55) < 0.2


def test_seed_demo_logins_exist_with_roles_and_scope(small_demo, client):
    for login in DEMO_LOGINS:
        user = User.objects.get(username=login.username)
        assert user.role == login.role
        assert client.login(username=login.username, password=DEMO_PASSWORD)
        client.logout()
    assert User.objects.get(username="admin").is_superuser
    flagship = Community.objects.get(name="桃南二社区")
    assert StaffAssignment.objects.get(user__username="street").street == flagship.street
    assert StaffAssignment.objects.get(user__username="community").community == flagship
    member = OrganizationMember.objects.get(user__username="org")
    assert (member.organization.name, member.is_admin) == ("优社优家", True)
    assert SocialWorker.objects.get(user__username="socialworker").name == "王润梅"
    assert Volunteer.objects.get(user__username="volunteer").team.name == "润梅志愿服务队"
    assert User.objects.get(username="dashboard").role == Role.DASHBOARD


def test_seed_demo_prints_url_and_logins(small_demo, settings):
    assert settings.SITE_URL in small_demo
    for login in DEMO_LOGINS:
        assert login.username in small_demo
    assert small_demo.count(DEMO_PASSWORD) == len(DEMO_LOGINS)


def test_seed_demo_second_run_changes_nothing(small_demo):
    before = (digest(), Resident.objects.count(), User.objects.count(), Visit.objects.count())
    out = seed("--residents", SMALL)
    assert "已存在" in out
    after = (digest(), Resident.objects.count(), User.objects.count(), Visit.objects.count())
    assert after == before


def test_seed_demo_is_deterministic_for_a_seed(small_demo):
    first = digest()
    seed("--reset", "--residents", SMALL)
    assert digest() == first
    assert Resident.objects.count() == int(SMALL)
    seed("--reset", "--residents", SMALL, "--seed", "7")
    assert digest() != first
    assert User.objects.filter(username="admin").count() == 1


def test_seed_demo_reset_clears_rows_added_while_using_the_demo(small_demo):
    civil = User.objects.get(username="civil")
    Notification.objects.create(user=civil, title="测试", body="演示期间产生的通知")
    visit = Visit.objects.filter(status="completed", feedback__isnull=True).first()
    Feedback.objects.create(visit=visit, rating=5, given_by=civil)
    before = Feedback.objects.count()
    seed("--reset", "--residents", SMALL)
    assert not Notification.objects.exists()
    assert Feedback.objects.count() == before - 1
    assert User.objects.filter(username="civil").count() == 1


def test_seed_demo_residents_option_scales(small_demo):
    seed("--reset", "--residents", "120")
    assert Resident.objects.count() == 120
    assert Community.objects.count() == 150


SAMPLED_MODELS = (
    District,
    Street,
    Community,
    Venue,
    Resident,
    Consent,
    FamilyMember,
    StaffAssignment,
    Organization,
    OrganizationStatusChange,
    OrganizationMember,
    Agreement,
    Skill,
    SocialWorker,
    VolunteerTeam,
    Volunteer,
    ServiceType,
    ServiceOffering,
    OfferingWindow,
    OfferingWeek,
    ServiceRequest,
    Match,
    VisitPlan,
    Visit,
    Feedback,
    User,
)


def test_seed_demo_rows_pass_full_clean(small_demo):
    for model in SAMPLED_MODELS:
        rows = list(model.objects.order_by("pk"))
        assert rows, model.__name__
        sample = rows[:15] + rows[len(rows) // 2 : len(rows) // 2 + 15] + rows[-15:]
        for row in sample:
            row.full_clean()


def test_seed_demo_credits_care_allowances_by_the_rules(small_demo):
    from django.db.models import Sum

    from services.allowances.domain import month_start
    from services.models import AllowanceRule, CareAccount, LedgerEntry

    assert AllowanceRule.objects.count() == 4
    li = Resident.objects.get(user__username="resident")  # 83, lives alone
    account = CareAccount.objects.get(resident=li)
    credits = LedgerEntry.objects.filter(account=account, kind=LedgerEntry.Kind.CREDIT)
    this_month = month_start(timezone.localdate())
    assert credits.filter(month=this_month, rule__name="80至89周岁高龄津贴").count() == 1
    assert credits.values("month").distinct().count() == 2
    assert (
        account.balance_fen
        == LedgerEntry.objects.filter(account=account).aggregate(total=Sum("amount_fen"))["total"]
    )
    young = Resident.objects.filter(birth_date__gt=this_month.replace(year=this_month.year - 79))
    assert not LedgerEntry.objects.filter(account__resident__in=young, rule__min_age=80).exists()


def test_seed_demo_charges_recent_visits_and_drafts_last_months_statements(small_demo):
    from django.db.models import Sum

    from services.models import LedgerEntry, SettlementStatement

    charged = LedgerEntry.objects.filter(kind__in=LedgerEntry.CHARGE_KINDS)
    assert charged.exists()
    assert not charged.filter(visit__status__in=("missed", "cancelled", "scheduled")).exists()
    statements = SettlementStatement.objects.all()
    assert statements.exists()
    assert all(statement.visit_count > 0 for statement in statements)
    for statement in statements:
        lines = statement.lines.aggregate(total=Sum("allowance_fen"))["total"] or 0
        assert lines == statement.allowance_total_fen
