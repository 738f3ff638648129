"""Aggregate figures of government purchase of services and cultivation, per district and
organization category, for a set of communities (the dashboard's place and the reader's
scope). reporting reads them for /api/v1/stats/projects/, the dashboard and the exports;
projects never imports reporting.

Money is summed in fen and returned as yuan strings. Organizations, not people, are counted,
so nothing is suppressed.
"""

from django.db.models import Count, Q, QuerySet

from communities.models import Community, District, Street
from organizations.models import Category, Organization
from projects.models import CategoryTarget, Contract, Incubation
from projects.progress import contract_verified_total
from services.allowances.models import yuan


def contracts_serving(communities: QuerySet[Community]) -> QuerySet[Contract]:
    """Contracts serving at least one of the communities (suspended and completed included)."""
    serving = Contract.objects.filter(communities__in=communities.values("pk")).values("pk")
    return Contract.objects.filter(pk__in=serving).select_related("organization")


def contract_row(contract: Contract) -> dict:
    verified = contract_verified_total(contract=contract)
    return {
        "id": contract.pk,
        "title": contract.title,
        "organization": contract.organization.name,
        "category": contract.organization.category,
        "status": contract.status,
        "committed": yuan(contract.budget_fen),
        "paid": yuan(contract.paid_fen),
        "verified_visits": verified,
        # Paid so far per verified visit: what each delivered visit has cost the purchaser.
        "paid_per_verified_visit": yuan(contract.paid_fen // verified) if verified else None,
    }


def _funds_fen(contracts: QuerySet[Contract]) -> dict[tuple[int, str], dict]:
    """{(district id, category): {contracts, committed, paid}} in fen. A contract serving
    communities in several districts counts in each of them."""
    rows: dict[tuple[int, str], dict] = {}
    for contract in contracts.prefetch_related("communities__street"):
        districts = {c.street.district_id for c in contract.communities.all()}
        for district_id in districts:
            key = (district_id, contract.organization.category)
            row = rows.setdefault(key, {"contracts": 0, "committed": 0, "paid": 0})
            row["contracts"] += 1
            row["committed"] += contract.budget_fen
            row["paid"] += contract.paid_fen
    return rows


def funds_by_district_and_category(contracts: QuerySet[Contract]) -> list[dict]:
    """Committed and paid per district and organization category (rows with a contract)."""
    names = dict(District.objects.values_list("pk", "name"))
    return [
        {
            "district": district_id,
            "district_name": names[district_id],
            "category": category,
            "contracts": row["contracts"],
            "committed": yuan(row["committed"]),
            "paid": yuan(row["paid"]),
        }
        for (district_id, category), row in sorted(
            _funds_fen(contracts).items(), key=lambda item: (names[item[0][0]], item[0][1])
        )
    ]


def incubation_by_district(communities: QuerySet[Community]) -> list[dict]:
    """Organizations in, graduated from and withdrawn from incubation, per district (of the
    organization's home street, among the communities' streets) and category."""
    rows = (
        Incubation.objects.filter(organization__home_street__in=communities.values("street_id"))
        .values(
            "organization__home_street__district_id",
            "organization__home_street__district__name",
            "organization__category",
        )
        .annotate(
            incubating=Count("pk", filter=Q(stage=Incubation.Stage.INCUBATING)),
            graduated=Count("pk", filter=Q(stage=Incubation.Stage.GRADUATED)),
            withdrawn=Count("pk", filter=Q(stage=Incubation.Stage.WITHDRAWN)),
        )
        .order_by("organization__home_street__district__name", "organization__category")
    )
    return [
        {
            "district": row["organization__home_street__district_id"],
            "district_name": row["organization__home_street__district__name"],
            "category": row["organization__category"],
            "incubating": row["incubating"],
            "graduated": row["graduated"],
            "withdrawn": row["withdrawn"],
        }
        for row in rows
    ]


def cultivation_by_district(communities: QuerySet[Community]) -> list[dict]:
    """Per district touched by the communities, and per each of the five categories:
    approved organizations based there (home street among the communities' streets) against
    the bureau's target, organizations incubating and graduated, and the funds committed and
    paid to contracts serving the communities. `whole_district` says whether every street
    of the district is in the set: if not, the counts cover only part of what the target is
    set for."""
    streets = Street.objects.filter(pk__in=communities.values("street_id"))
    district_ids = set(streets.values_list("district_id", flat=True))
    districts = District.objects.filter(pk__in=district_ids).order_by("name")
    covered = {
        row["district_id"]: row["n"]
        for row in streets.order_by().values("district_id").annotate(n=Count("pk"))
    }
    all_streets = {
        row["district_id"]: row["n"]
        for row in Street.objects.filter(district_id__in=district_ids)
        .order_by()
        .values("district_id")
        .annotate(n=Count("pk"))
    }
    organizations = {
        (row["home_street__district_id"], row["category"]): row["n"]
        for row in Organization.objects.filter(
            status=Organization.Status.APPROVED, home_street__in=streets
        )
        .order_by()
        .values("home_street__district_id", "category")
        .annotate(n=Count("pk"))
    }
    targets = {
        (t.district_id, t.category): t.target
        for t in CategoryTarget.objects.filter(district_id__in=district_ids)
    }
    incubation = {(r["district"], r["category"]): r for r in incubation_by_district(communities)}
    funds = _funds_fen(contracts_serving(communities))
    rows = []
    for district in districts:
        for category, label in Category.choices:
            key = (district.pk, category)
            money = funds.get(key, {"contracts": 0, "committed": 0, "paid": 0})
            count, target = organizations.get(key, 0), targets.get(key)
            rows.append(
                {
                    "district": district.pk,
                    "district_name": district.name,
                    "whole_district": covered.get(district.pk) == all_streets.get(district.pk),
                    "category": category,
                    "category_name": str(label),
                    "organizations": count,
                    "target": target,
                    "target_met": None if target is None else count >= target,
                    "incubating": incubation.get(key, {}).get("incubating", 0),
                    "graduated": incubation.get(key, {}).get("graduated", 0),
                    "contracts": money["contracts"],
                    "committed": yuan(money["committed"]),
                    "paid": yuan(money["paid"]),
                }
            )
    return rows
