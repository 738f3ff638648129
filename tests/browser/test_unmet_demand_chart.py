"""The dashboard draws the unmet-demand chart from its json_script data, under the CSP."""

import pytest

from services.matching.io import matching_run
from tests import factories as f

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_dashboard_draws_unmet_demand_per_service_and_reason(open_tab, cast, clock):
    bathing = f.ServiceTypeFactory(code="bathing", name="助浴")
    visits = f.ServiceTypeFactory(code="visits", name="探访")
    offering = f.OfferingFactory(
        organization=cast.organization, service_type=visits, weekly_capacity=1
    )
    f.OfferingWindowFactory(offering=offering, weekday=0)
    for service_type, count in ((bathing, 6), (visits, 7)):
        for _ in range(count):
            f.ServiceRequestFactory(
                resident=f.ResidentFactory(community=cast.community), service_type=service_type
            )
    matching_run(user=cast.civil, community=cast.community, week_start=clock.next_monday)

    tab = open_tab("unmet-chart")
    tab.login("civil")
    tab.goto("/dashboard/")
    tab.page.wait_for_function("() => window.Chart && Chart.getChart('chart-unmet')")
    drawn = tab.page.evaluate(
        """() => {
            const chart = Chart.getChart('chart-unmet');
            return {
                labels: chart.data.labels,
                stacks: Object.fromEntries(
                    chart.data.datasets.map((d) => [d.label, d.data])
                ),
            };
        }"""
    )
    tab.shot("dashboard")

    assert drawn["labels"] == ["探访", "助浴"] or drawn["labels"] == ["助浴", "探访"]
    at = {label: i for i, label in enumerate(drawn["labels"])}
    assert drawn["stacks"]["本社区暂无提供该服务的组织"][at["助浴"]] == 6
    assert drawn["stacks"]["名额已由更优先的需求占用"][at["探访"]] == 6
