"""factory_boy factories for every model; identifiers are valid by construction."""

import datetime
from decimal import Decimal

import factory
from django.utils import timezone

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
from organizations.models import Agreement, Category, Organization, OrganizationMember
from sanlian.models import User
from sanlian.roles import Role
from sanlian.validators import credit_code_check_char, resident_id_check_char
from services.models import (
    AllowanceRule,
    CareAccount,
    Feedback,
    LedgerEntry,
    Match,
    OfferingWindow,
    Reminder,
    ServiceOffering,
    ServiceRequest,
    ServiceType,
    SettlementLine,
    SettlementStatement,
    Visit,
    VisitPlan,
)
from services.offerings.models import week_start_of
from socialworkers.models import Skill, SocialWorker, Volunteer, VolunteerTeam


def resident_id(region: str, birth: datetime.date, sequence: int) -> str:
    first17 = f"{region}{birth:%Y%m%d}{sequence % 1000:03d}"
    return first17 + resident_id_check_char(first17)


def credit_code(sequence: int) -> str:
    first17 = f"52140105MJ{sequence % 10_000_000:07d}"
    return first17 + credit_code_check_char(first17)


def mobile(sequence: int) -> str:
    return f"139{sequence % 100_000_000:08d}"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Sequence(lambda n: f"用户{n}")
    role = Role.RESIDENT
    password = factory.django.Password("correct horse battery staple")


class DistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = District

    code = factory.Sequence(lambda n: f"{140100 + n % 100:06d}")
    name = factory.Sequence(lambda n: f"测试{n}区")


class StreetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Street

    district = factory.SubFactory(DistrictFactory)
    code = factory.Sequence(lambda n: f"S{n:08d}")
    name = factory.Sequence(lambda n: f"测试{n}街道")


class CommunityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Community

    street = factory.SubFactory(StreetFactory)
    code = factory.Sequence(lambda n: f"C{n:010d}")
    name = factory.Sequence(lambda n: f"测试{n}社区")
    households = 2000
    population = 5600
    residents_60_plus = 1100
    facility_area_m2 = Decimal("650.0")
    latitude = Decimal("37.850000")
    longitude = Decimal("112.550000")


class VenueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Venue

    community = factory.SubFactory(CommunityFactory)
    name = factory.Sequence(lambda n: f"日间照料中心{n}")
    kind = Venue.Kind.DAY_CARE
    area_m2 = Decimal("120.0")
    capacity = 30


class ResidentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Resident

    name = factory.Sequence(lambda n: f"居民{n}")
    sex = Resident.Sex.FEMALE
    birth_date = datetime.date(1940, 3, 15)
    # The sequence also moves the region code every 1,000 residents, so numbers stay
    # unique however many residents one test session creates.
    id_number = factory.LazyAttributeSequence(
        lambda o, n: resident_id(f"{140105 + (n // 1000) % 800:06d}", o.birth_date, n)
    )
    phone = factory.Sequence(mobile)
    address = factory.Sequence(lambda n: f"桃园南路{n}号")
    community = factory.SubFactory(CommunityFactory)
    living_situation = Resident.LivingSituation.WITH_FAMILY
    care_level = Resident.CareLevel.SELF_RELIANT


class ConsentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Consent

    resident = factory.SubFactory(ResidentFactory)
    given_by = Consent.GivenBy.SELF
    channel = Consent.Channel.WEB
    given_at = factory.LazyFunction(timezone.now)


class FamilyMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FamilyMember

    user = factory.SubFactory(UserFactory, role=Role.FAMILY)
    resident = factory.SubFactory(ResidentFactory)
    relationship = "女儿"


class StaffAssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StaffAssignment

    user = factory.SubFactory(UserFactory, role=Role.COMMUNITY_STAFF)
    community = factory.SubFactory(CommunityFactory)


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"测试社会服务中心{n}")
    credit_code = factory.Sequence(credit_code)
    category = Category.PUBLIC_WELFARE
    legal_representative = "张法人"
    contact_name = "李联系"
    contact_phone = factory.Sequence(lambda n: mobile(50_000_000 + n))
    email = factory.Sequence(lambda n: f"org{n}@example.org")
    address = "太原市小店区测试路1号"
    status = Organization.Status.APPROVED
    submitted_at = factory.LazyFunction(timezone.now)


class OrganizationMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrganizationMember

    user = factory.SubFactory(UserFactory, role=Role.ORGANIZATION)
    organization = factory.SubFactory(OrganizationFactory)
    is_admin = True


class AgreementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agreement

    organization = factory.SubFactory(OrganizationFactory)
    community = factory.SubFactory(CommunityFactory)
    start_date = datetime.date(2026, 1, 1)
    status = Agreement.Status.ACTIVE


class SkillFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Skill
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"skill-{n}")
    name = factory.Sequence(lambda n: f"技能{n}")


class SocialWorkerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SocialWorker

    name = factory.Sequence(lambda n: f"社工{n}")
    qualification = SocialWorker.Qualification.INTERMEDIATE
    certificate_number = factory.Sequence(lambda n: f"SW2014{n:06d}")


class VolunteerTeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VolunteerTeam

    name = factory.Sequence(lambda n: f"志愿服务队{n}")
    community = factory.SubFactory(CommunityFactory)
    leader = factory.SubFactory(SocialWorkerFactory)


class VolunteerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Volunteer

    name = factory.Sequence(lambda n: f"志愿者{n}")
    team = factory.SubFactory(VolunteerTeamFactory)


class ServiceTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceType
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"service-{n}")
    name = factory.Sequence(lambda n: f"服务{n}")
    care_mode = "home"
    default_duration_minutes = 60


class OfferingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceOffering
        skip_postgeneration_save = True

    organization = factory.SubFactory(OrganizationFactory)
    service_type = factory.SubFactory(ServiceTypeFactory)
    weekly_capacity = 10

    @factory.post_generation
    def communities(self, create, extracted, **kwargs):
        if create and extracted:
            self.communities.set(extracted)


class OfferingWindowFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OfferingWindow

    offering = factory.SubFactory(OfferingFactory)
    weekday = 0
    start_time = datetime.time(9, 0)
    end_time = datetime.time(12, 0)


class ServiceRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceRequest

    resident = factory.SubFactory(ResidentFactory)
    service_type = factory.SubFactory(ServiceTypeFactory)


class MatchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Match

    request = factory.SubFactory(ServiceRequestFactory)
    offering = factory.SubFactory(OfferingFactory)
    week_start = factory.LazyFunction(lambda: week_start_of(timezone.localdate()))
    reason = "同社区"


class VisitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Visit

    request = factory.SubFactory(ServiceRequestFactory)
    offering = factory.SubFactory(OfferingFactory)
    scheduled_start = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=1))


class VisitPlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VisitPlan

    request = factory.SubFactory(ServiceRequestFactory)
    offering = factory.SubFactory(OfferingFactory)
    weekday = 0
    start_time = datetime.time(10, 0)


class FeedbackFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Feedback

    visit = factory.SubFactory(VisitFactory, status=Visit.Status.COMPLETED)
    rating = 5


# --- Monetary elderly care (services: AllowanceRule) ---------------------------------------


class AllowanceRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AllowanceRule

    name = factory.Sequence(lambda n: f"高龄津贴{n}")
    min_age = 80
    monthly_amount_fen = 10000
    stacking = "stack"
    valid_from = datetime.date(2020, 1, 1)


def _first_of_month(months_back: int = 0) -> datetime.date:
    month = timezone.localdate().replace(day=1)
    for _ in range(months_back):
        month = (month - datetime.timedelta(days=1)).replace(day=1)
    return month


class CareAccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CareAccount
        django_get_or_create = ("resident",)

    resident = factory.SubFactory(ResidentFactory)


class LedgerEntryFactory(factory.django.DjangoModelFactory):
    """A month's credit by default. Only the row: the account's balance does not move
    (the domain functions move both)."""

    class Meta:
        model = LedgerEntry

    account = factory.SubFactory(CareAccountFactory)
    kind = LedgerEntry.Kind.CREDIT
    amount_fen = 10000
    rule = factory.SubFactory(AllowanceRuleFactory)
    month = factory.LazyFunction(_first_of_month)
    reason = "月度补贴"


class SettlementStatementFactory(factory.django.DjangoModelFactory):
    """A draft of last month: a running month is never settled."""

    class Meta:
        model = SettlementStatement

    organization = factory.SubFactory(OrganizationFactory)
    month = factory.LazyFunction(lambda: _first_of_month(1))


class SettlementLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SettlementLine

    statement = factory.SubFactory(SettlementStatementFactory)
    visit = factory.SubFactory(
        VisitFactory,
        offering=factory.SubFactory(
            OfferingFactory, organization=factory.SelfAttribute("...statement.organization")
        ),
        status=Visit.Status.COMPLETED,
    )
    resident = factory.LazyAttribute(lambda o: o.visit.request.resident)
    community = factory.LazyAttribute(lambda o: o.resident.community)
    street = factory.LazyAttribute(lambda o: o.community.street)
    service_type_name = "理发"
    served_on = factory.LazyAttribute(lambda o: o.statement.month)
    price_class = factory.LazyAttribute(lambda o: o.visit.offering.price_class)
    price_fen = 1000
    allowance_fen = 1000
    copay_fen = 0


class ReminderFactory(factory.django.DjangoModelFactory):
    """An SMS to the visit's resident, due an hour before the visit."""

    class Meta:
        model = Reminder

    visit = factory.SubFactory(VisitFactory)
    recipient_key = factory.LazyAttribute(lambda o: f"resident:{o.visit.request.resident_id}")
    channel = Reminder.Channel.SMS
    offset_minutes = 60
    due_at = factory.LazyAttribute(
        lambda o: o.visit.scheduled_start - datetime.timedelta(minutes=o.offset_minutes)
    )
