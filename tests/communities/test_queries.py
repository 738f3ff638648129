from communities.queries import communities_for_list, communities_with_indicators
from organizations.queries import communities_open_to, organizations_for_review
from tests import factories as f


def test_indicator_counts_active_workers_once(cast):
    worker = f.SocialWorkerFactory()
    worker.communities.set([cast.community])
    f.SocialWorkerFactory(active=False).communities.set([cast.community])
    counts = {c.name: c.social_worker_count for c in communities_with_indicators(cast.civil)}
    assert counts == {"桃南二社区": 1, "坞城社区": 0}


def test_below_target_list_is_scoped(cast):
    names = [c.name for c in communities_for_list(cast.street_staff, below_target=True)]
    assert names == ["桃南二社区"]


def test_communities_open_to_agreed_and_wanted(cast):
    assert list(communities_open_to(cast.organization)) == [cast.community]
    cast.organization.wants_to_serve.add(cast.other_community)
    assert set(communities_open_to(cast.organization)) == {cast.community, cast.other_community}


def test_review_queue_is_scoped_for_street_staff(cast):
    west = f.OrganizationFactory(status="submitted")
    west.wants_to_serve.add(cast.other_community)
    assert west not in organizations_for_review(cast.street_staff, status="submitted")
    assert west in organizations_for_review(cast.civil, status="submitted")
