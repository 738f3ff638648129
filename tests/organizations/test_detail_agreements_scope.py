"""An organization's page lists only the agreements the viewer may see (issue 19, finding 8)."""

from organizations import views
from organizations.models import Agreement
from tests import factories as f


def test_street_staff_see_only_their_streets_agreements_on_the_organization_page(client, cast):
    # The organization entered a west community too; east staff must not learn of it.
    f.AgreementFactory(organization=cast.organization, community=cast.other_community)
    client.force_login(cast.street_staff)
    page = client.get(f"/organizations/{cast.organization.pk}/").content.decode()
    assert cast.community.name in page
    assert cast.other_community.name not in page
    api = client.get(f"/api/v1/agreements/?organization={cast.organization.pk}").json()
    assert {row["community"] for row in api["results"]} == {cast.community.pk}


def test_civil_affairs_see_every_agreement_on_the_organization_page(client, cast):
    """Control: the west agreement is on the page for someone allowed to see it."""
    f.AgreementFactory(organization=cast.organization, community=cast.other_community)
    client.force_login(cast.civil)
    page = client.get(f"/organizations/{cast.organization.pk}/").content.decode()
    assert cast.community.name in page and cast.other_community.name in page


def test_control_the_unscoped_query_would_show_east_staff_the_west_agreement(
    client, cast, monkeypatch
):
    """Control: with the page reading every agreement (as before the fix), the first test's
    assertion would see the west community, so it does catch the leak."""
    f.AgreementFactory(organization=cast.organization, community=cast.other_community)
    monkeypatch.setattr(
        views, "agreements_visible_to", lambda user: Agreement.objects.select_related("community")
    )
    client.force_login(cast.street_staff)
    page = client.get(f"/organizations/{cast.organization.pk}/").content.decode()
    assert cast.other_community.name in page
