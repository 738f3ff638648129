"""The resident and audit list pages: searchable, paginated, and a query count that does not
grow with the rows listed."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from sanlian.audit import audit_record
from sanlian.models import AccessLog
from tests import factories as f


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def _more_residents(cast, count: int) -> None:
    for _ in range(count):
        resident = f.ResidentFactory(community=cast.community)
        audit_record(actor=cast.civil, instance=resident, action="create", after={"name": "x"})
        AccessLog.objects.create(actor=cast.civil, resident=resident, kind="view")


def test_list_pages_pin_their_query_count(client, cast):
    client.force_login(cast.civil)
    _more_residents(cast, 2)
    few = {
        url: _queries(client, url)
        for url in ("/communities/residents/", "/audit/", "/audit/access/")
    }
    _more_residents(cast, 15)
    many = {url: _queries(client, url) for url in few}
    assert many == few


def test_resident_list_searches_by_name_and_is_scoped(client, cast):
    client.force_login(cast.community_staff)
    body = client.get("/communities/residents/", {"q": cast.resident.name[:3]}).content.decode()
    assert cast.resident.name in body
    assert cast.other_resident.name not in body
    assert cast.resident.masked_phone in body and cast.resident.phone not in body


def test_resident_list_paginates(client, cast):
    for _ in range(25):
        f.ResidentFactory(community=cast.community)
    client.force_login(cast.civil)
    page = client.get("/communities/residents/").context["page_obj"]
    assert page.paginator.num_pages == 2 and len(page) == 20
