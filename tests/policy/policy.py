"""Who may do what: one declarative table of role × object × action, and the URL probing each.

Each cell is
- "all"   every object of the kind, in any street or organization;
- "scope" objects in the user's streets/communities (government staff);
- "own"   the user's own objects (their organization, their visits, themselves and family);
- False   never: 403 (or the login page for anonymous users; 404 where the object is not
          even visible to the role).

The table states the intended rules; the scoped `*_visible_to(user)` queries and the domain
functions enforce them. tests/policy/test_matrix.py walks every row over pages and the API
and fails on any difference, so a change to either side has to change the other.
"""

from dataclasses import dataclass, field

from sanlian.models import Role

ALL, SCOPE, OWN = "all", "scope", "own"
ANONYMOUS = "anonymous"
DASHBOARD = Role.DASHBOARD.value  # an API token client: aggregate figures only
ROLES = (*[role.value for role in Role], ANONYMOUS)

CA, ST, CS = Role.CIVIL_AFFAIRS.value, Role.STREET_STAFF.value, Role.COMMUNITY_STAFF.value
ORG, SW, VO = Role.ORGANIZATION.value, Role.SOCIAL_WORKER.value, Role.VOLUNTEER.value
RE, FA = Role.RESIDENT.value, Role.FAMILY.value

STAFF = {CA: ALL, ST: SCOPE, CS: SCOPE}
REVIEWERS = {CA: ALL, ST: SCOPE}
RESIDENT_SIDE = {RE: OWN, FA: OWN}
WORKERS = {SW: OWN, VO: OWN}
# Approved organizations and their active offerings are public to residents and workers.
PUBLIC_TO_PEOPLE = {SW: ALL, VO: ALL, RE: ALL, FA: ALL}


@dataclass(frozen=True)
class Probe:
    """How the test exercises a cell: a URL name (URL argument `kwarg` = the target object's
    id; "" when the target travels in the data or query instead), the method, the form/JSON
    data and query string, and the world object acted on ("" for lists/new-forms).

    A data or query value "@name" stands for the id of the world object `name` on the side
    probed; "@monday" for next Monday's date, "@month" for last month. `form_refusal`: the
    target is a choice in a POSTed form, so an out-of-scope one is refused by the form
    (nothing changes) instead of a 404 page. `url_kwargs`: fixed URL arguments besides the
    target's id.

    `choice` makes a "posted foreign id" probe: the URL's object is always the east side's
    and only the form field `choice` carries the side probed's object, so the other side's
    id arrives in the POST body of a page the user may use. Unless the cell is "all" it has
    to be refused with an error on that field, and nothing may change."""

    url: str
    method: str = "GET"
    data: dict = field(default_factory=dict)
    target: str = ""
    kwarg: str = "pk"
    query: dict = field(default_factory=dict)
    form_refusal: bool = False
    url_kwargs: dict = field(default_factory=dict)
    choice: str = ""


@dataclass(frozen=True)
class Rule:
    obj: str
    action: str
    channel: str  # "page" or "api"
    probe: Probe
    cells: dict

    def cell(self, role: str):
        return self.cells.get(role, False)


def _rule(obj: str, action: str, channel: str, probe: Probe, *grants: dict) -> Rule:
    cells: dict = {}
    for grant in grants:
        cells.update(grant)
    return Rule(obj=obj, action=action, channel=channel, probe=probe, cells=cells)


def _page(obj, action, url, *grants, method="GET", data=None, target="", **probe):
    return _rule(obj, action, "page", Probe(url, method, data or {}, target, **probe), *grants)


def _api(obj, action, url, *grants, method="GET", data=None, target="", **probe):
    probe = Probe(f"api:{url}", method, data or {}, target, **probe)
    return _rule(obj, action, "api", probe, *grants)


REASON = {"reason": "核对后处理"}
PURPOSE = "热线回拨核实身份"
NEW_REQUEST = {
    "service_type": "@service_type",
    "preferred_days": [0, 2],
    "preferred_start": "09:00",
    "preferred_end": "11:00",
    "notes": "想理发",
}
OFFERING = {
    "service_type": "@service_type",
    "weekly_capacity": 20,
    "price_class": "free",
    "weekdays": [0, 2],
    "start_time": "09:00",
    "end_time": "11:00",
}

WORKER = {
    "name": "钱社工",
    "qualification": "assistant",
    "certificate_number": "SW-POLICY-1",
    "organization": "@organization",
    "communities": "@community",
    "active": "on",
}
TEAM = {"name": "银龄志愿服务队", "community": "@community", "leader": "@worker"}
VOLUNTEER = {"name": "孙志愿者", "team": "@team"}
RULE = {
    "name": "百岁津贴",
    "min_age": 100,
    "monthly_amount_yuan": "300",
    "stacking": "stack",
    "valid_from": "2026-01-01",
}
# Whoever schedules a visit assigns the match's own people: the offering organization's or
# those serving the resident's community. Another organization's worker is refused for
# every role, civil affairs included.
OWN_ASSIGNEES = {CA: OWN, ST: OWN, CS: OWN, ORG: OWN}

POLICY: tuple[Rule, ...] = (
    # --- residents ---------------------------------------------------------------------------
    _page("residents", "list", "communities:resident_list", STAFF),
    _api("residents", "list", "resident-list", STAFF, {ORG: OWN}, WORKERS, RESIDENT_SIDE),
    _page("residents", "view", "communities:resident_detail", STAFF, target="resident"),
    _api(
        "residents",
        "view",
        "resident-detail",
        STAFF,
        {ORG: OWN},
        WORKERS,
        RESIDENT_SIDE,
        target="resident",
    ),
    _page("residents", "create", "services:hotline_resident_new", STAFF),
    _page(
        "residents",
        "change",
        "communities:resident_edit",
        STAFF,
        method="POST",
        data={"address": "桃园南路更正1号", "reason": "居民来电更正住址"},
        target="resident",
    ),
    _page(
        "residents",
        "delete",
        "communities:resident_anonymise",
        STAFF,
        method="POST",
        data={"reason": "居民要求删除"},
        target="resident",
    ),
    _page(
        "residents",
        "reveal",
        "communities:resident_reveal",
        STAFF,
        method="POST",
        data={"field": "phone", "purpose": PURPOSE},
        target="resident",
    ),
    _page(
        "residents",
        "withdraw_consent",
        "communities:resident_consent_withdraw",
        STAFF,
        method="POST",
        data={"reason": "居民撤回同意"},
        target="resident",
    ),
    # --- exports (the access request: the one place with full values) -----------------------
    _page(
        "exports",
        "export",
        "communities:resident_export",
        STAFF,
        method="POST",
        data={"format": "json", "purpose": "居民申请查阅个人信息"},
        target="resident",
    ),
    # --- requests ----------------------------------------------------------------------------
    _page("requests", "list", "services:request_list", STAFF),
    _page("requests", "list_mine", "services:my_requests", RESIDENT_SIDE),
    _api("requests", "list", "request-list", STAFF, {ORG: OWN}, WORKERS, RESIDENT_SIDE),
    _page(
        "requests",
        "view",
        "services:request_detail",
        STAFF,
        {ORG: OWN},
        WORKERS,
        RESIDENT_SIDE,
        target="request_visited",
    ),
    _api(
        "requests",
        "view",
        "request-detail",
        STAFF,
        {ORG: OWN},
        WORKERS,
        RESIDENT_SIDE,
        target="request_visited",
    ),
    _page("requests", "create", "services:request_new", RESIDENT_SIDE),
    _page(
        "requests",
        "cancel",
        "services:request_cancel",
        STAFF,
        RESIDENT_SIDE,
        method="POST",
        data={"reason": "不需要了"},
        target="request_open",
    ),
    _api(
        "requests",
        "cancel",
        "request-cancel",
        STAFF,
        RESIDENT_SIDE,
        method="POST",
        data={"reason": "不需要了"},
        target="request_open",
    ),
    # --- matches -----------------------------------------------------------------------------
    _page("matches", "list", "matching:list", STAFF),
    _page("matches", "list_inbox", "matching:inbox", {ORG: OWN}),
    _api("matches", "list", "match-list", STAFF, {ORG: OWN}, RESIDENT_SIDE),
    _api(
        "matches",
        "view",
        "match-detail",
        STAFF,
        {ORG: OWN},
        RESIDENT_SIDE,
        target="match_accepted",
    ),
    _api("matches", "confirm", "match-confirm", STAFF, method="POST", target="match_proposed"),
    _page(
        "matches", "accept", "matching:accept", {ORG: OWN}, method="POST", target="match_confirmed"
    ),
    _api("matches", "accept", "match-accept", {ORG: OWN}, method="POST", target="match_confirmed"),
    _page(
        "matches",
        "decline",
        "matching:decline",
        {ORG: OWN},
        method="POST",
        data=REASON,
        target="match_confirmed",
    ),
    _api(
        "matches",
        "decline",
        "match-decline",
        {ORG: OWN},
        method="POST",
        data=REASON,
        target="match_confirmed",
    ),
    # --- visits ------------------------------------------------------------------------------
    _page("visits", "list", "services:visit_list", STAFF, {ORG: OWN}),
    _page("visits", "list_mine", "services:my_visits", {ORG: OWN}, WORKERS),
    _api("visits", "list", "visit-list", STAFF, {ORG: OWN}, WORKERS, RESIDENT_SIDE),
    _page(
        "visits",
        "view",
        "services:visit_detail",
        STAFF,
        {ORG: OWN},
        WORKERS,
        RESIDENT_SIDE,
        target="visit_scheduled",
    ),
    _api(
        "visits",
        "view",
        "visit-detail",
        STAFF,
        {ORG: OWN},
        WORKERS,
        RESIDENT_SIDE,
        target="visit_scheduled",
    ),
    _page(
        "visits",
        "cancel",
        "services:visit_cancel",
        STAFF,
        {ORG: OWN},
        method="POST",
        data={"reason": "居民住院"},
        target="visit_scheduled",
    ),
    _page(
        "visits",
        "check_in",
        "services:visit_check_in",
        WORKERS,
        method="POST",
        target="visit_scheduled",
    ),
    _api("visits", "check_in", "visit-check-in", WORKERS, method="POST", target="visit_scheduled"),
    _page(
        "visits",
        "check_out",
        "services:visit_check_out",
        WORKERS,
        method="POST",
        data={"service_log": "理发一次"},
        target="visit_in_progress",
    ),
    _api(
        "visits",
        "check_out",
        "visit-check-out",
        WORKERS,
        method="POST",
        data={"service_log": "理发一次"},
        target="visit_in_progress",
    ),
    _page(
        "visits",
        "complete",
        "services:visit_complete",
        WORKERS,
        method="POST",
        data={"service_log": "理发一次"},
        target="visit_in_progress",
    ),
    _api(
        "visits",
        "complete",
        "visit-complete",
        WORKERS,
        method="POST",
        data={"service_log": "理发一次"},
        target="visit_in_progress",
    ),
    # --- feedback ----------------------------------------------------------------------------
    _page(
        "feedback",
        "create",
        "services:visit_feedback",
        RESIDENT_SIDE,
        method="POST",
        data={"rating": 5, "comment": "很好"},
        target="visit_completed",
    ),
    _api(
        "feedback",
        "create",
        "visit-feedback",
        RESIDENT_SIDE,
        method="POST",
        data={"rating": 5, "comment": "很好"},
        target="visit_completed",
    ),
    # --- organizations -----------------------------------------------------------------------
    _page("organizations", "list", "organizations:review_list", REVIEWERS),
    _api("organizations", "list", "organization-list", STAFF, {ORG: OWN}, PUBLIC_TO_PEOPLE),
    _page("organizations", "view", "organizations:detail", STAFF, target="organization"),
    _api(
        "organizations",
        "view",
        "organization-detail",
        STAFF,
        {ORG: OWN},
        PUBLIC_TO_PEOPLE,
        target="organization",
    ),
    _page(
        "organizations",
        "approve",
        "organizations:approve",
        REVIEWERS,
        method="POST",
        target="organization_submitted",
    ),
    _api(
        "organizations",
        "approve",
        "organization-approve",
        REVIEWERS,
        method="POST",
        target="organization_submitted",
    ),
    _page(
        "organizations",
        "reject",
        "organizations:reject",
        REVIEWERS,
        method="POST",
        data=REASON,
        target="organization_submitted",
    ),
    _api(
        "organizations",
        "reject",
        "organization-reject",
        REVIEWERS,
        method="POST",
        data=REASON,
        target="organization_submitted",
    ),
    _page(
        "organizations",
        "suspend",
        "organizations:suspend",
        REVIEWERS,
        method="POST",
        data=REASON,
        target="organization",
    ),
    _api(
        "organizations",
        "suspend",
        "organization-suspend",
        REVIEWERS,
        method="POST",
        data=REASON,
        target="organization",
    ),
    # --- agreements (organizations ask to enter; street and community staff decide) ----------
    _page("agreements", "list", "organizations:agreement_list", STAFF, {ORG: OWN}),
    _api("agreements", "list", "agreement-list", STAFF, {ORG: OWN}),
    _page(
        "agreements",
        "view",
        "organizations:agreement_detail",
        STAFF,
        {ORG: OWN},
        target="agreement_active",
    ),
    _api("agreements", "view", "agreement-detail", STAFF, {ORG: OWN}, target="agreement_active"),
    _page(
        "agreements",
        "accept",
        "organizations:agreement_accept",
        {ST: SCOPE, CS: SCOPE},
        method="POST",
        target="agreement_pending",
    ),
    _api(
        "agreements",
        "accept",
        "agreement-accept",
        {ST: SCOPE, CS: SCOPE},
        method="POST",
        target="agreement_pending",
    ),
    _page(
        "agreements",
        "decline",
        "organizations:agreement_decline",
        {ST: SCOPE, CS: SCOPE},
        method="POST",
        data=REASON,
        target="agreement_pending",
    ),
    _api(
        "agreements",
        "decline",
        "agreement-decline",
        {ST: SCOPE, CS: SCOPE},
        method="POST",
        data=REASON,
        target="agreement_pending",
    ),
    # --- offerings ---------------------------------------------------------------------------
    _page("offerings", "list", "offerings:list", {ORG: OWN}),
    _api("offerings", "list", "offering-list", STAFF, {ORG: OWN}, PUBLIC_TO_PEOPLE),
    _api(
        "offerings",
        "view",
        "offering-detail",
        STAFF,
        {ORG: OWN},
        PUBLIC_TO_PEOPLE,
        target="offering",
    ),
    _page(
        "offerings",
        "suspend",
        "offerings:pause",
        {ORG: OWN},
        method="POST",
        target="offering",
    ),
    _page("offerings", "edit_form", "offerings:edit", {ORG: OWN}, target="offering"),
    # --- audit log and access log ------------------------------------------------------------
    _page("audit_log", "list", "audit:list", REVIEWERS),
    _page("audit_log", "list_access", "audit:access_log", REVIEWERS),
    # --- probes added for the "not probed yet" list ------------------------------------
    _page(
        "requests",
        "create",
        "services:request_new",
        RESIDENT_SIDE,
        method="POST",
        data={**NEW_REQUEST, "resident": "@resident"},
        target="resident",
        kwarg="",
        form_refusal=True,
    ),
    _page(
        "requests",
        "create",
        "services:hotline_request_new",
        STAFF,
        method="POST",
        data=NEW_REQUEST,
        target="resident",
        kwarg="resident_pk",
    ),
    _page(
        "visits",
        "schedule",
        "services:visit_schedule",
        STAFF,
        {ORG: OWN},
        method="POST",
        data={"scheduled_start": "@monday 10:00", "social_worker": "@worker"},
        target="match_accepted",
        kwarg="match_pk",
    ),
    _page(
        "visits",
        "reschedule",
        "services:visit_reschedule",
        STAFF,
        {ORG: OWN},
        method="POST",
        data={"scheduled_start": "@monday 10:00", "reason": "居民改约"},
        target="visit_scheduled",
    ),
    _page(
        "visits",
        "missed",
        "services:visit_missed",
        WORKERS,
        method="POST",
        data={"reason": "居民不在家"},
        target="visit_scheduled",
    ),
    _page(
        "offerings",
        "create",
        "offerings:create",
        {ORG: OWN},  # only in communities the organization has entered
        method="POST",
        data={**OFFERING, "communities": "@community"},
        target="community",
        kwarg="",
        form_refusal=True,
    ),
    _page(
        "offerings",
        "change",
        "offerings:edit",
        {ORG: OWN},
        method="POST",
        data={**OFFERING, "communities": "@community", "weekly_capacity": 77},
        target="offering",
    ),
    _page(
        "offerings",
        "resume",
        "offerings:resume",
        {ORG: OWN},
        method="POST",
        target="offering_paused",
    ),
    _page(
        "agreements",
        "create",
        "organizations:agreement_create",
        {ORG: ALL},
        method="POST",
        data={"community": "@community_new", "start_date": "@monday"},
        target="community_new",
        kwarg="",
        form_refusal=True,
    ),
    _page(
        "agreements",
        "end",
        "organizations:agreement_end",
        {ORG: OWN},
        method="POST",
        data=REASON,
        target="agreement_active",
    ),
    _page(
        "organizations",
        "reinstate",
        "organizations:reinstate",
        REVIEWERS,
        method="POST",
        data=REASON,
        target="organization_suspended",
    ),
    _page("matches", "run_list", "matching:run", STAFF),
    _page(
        "matches",
        "run",
        "matching:run",
        STAFF,
        method="POST",
        data={"scope": "community:@community", "week_start": "@monday"},
        target="community",
        kwarg="",
        form_refusal=True,
    ),
    _page("matches", "run_view", "matching:run_detail", STAFF, target="run"),
    # A matching job is its starter's own (street staff in the world).
    _page("matches", "job_view", "matching:job", {ST: OWN}, target="matching_job"),
    _page("matches", "job_progress", "matching:job_progress", {ST: OWN}, target="matching_job"),
    _page(
        "matches",
        "confirm",
        "matching:run_confirm",
        STAFF,
        method="POST",
        data={"all": "1"},
        target="run",
    ),
    # --- social workers, volunteer teams, communities ----------------------------------------
    _page("social_workers", "list", "socialworkers:list", STAFF),
    _page("social_workers", "view", "socialworkers:detail", STAFF, target="worker"),
    _page("social_workers", "change", "socialworkers:edit", REVIEWERS, target="worker"),
    _page("social_workers", "create", "socialworkers:create", REVIEWERS),
    _page("social_workers", "coverage", "socialworkers:coverage", STAFF),
    _page("social_workers", "create_team", "socialworkers:team_create", REVIEWERS),
    _page("social_workers", "create_volunteer", "socialworkers:volunteer_create", REVIEWERS),
    _page("social_workers", "list_teams", "socialworkers:team_list", STAFF),
    _page("social_workers", "view_team", "socialworkers:team_detail", STAFF, target="team"),
    _page("social_workers", "change_team", "socialworkers:team_edit", REVIEWERS, target="team"),
    _page("social_workers", "list_volunteers", "socialworkers:volunteer_list", STAFF),
    _page(
        "social_workers",
        "change_volunteer",
        "socialworkers:volunteer_edit",
        REVIEWERS,
        target="volunteer",
    ),
    _page("communities", "list", "indicators:community_list", STAFF),
    _page("communities", "view", "indicators:community_detail", STAFF, target="community"),
    # --- allowances --------------------------------------------------------------------------
    _page("allowances", "list_accounts", "allowances:account_list", STAFF),
    _page(
        "allowances",
        "view_account",
        "allowances:account_detail",
        STAFF,
        RESIDENT_SIDE,
        target="account",
    ),
    _page("allowances", "list_statements", "allowances:statement_list", STAFF, {ORG: OWN}),
    _page(
        "allowances",
        "view_statement",
        "allowances:statement_detail",
        STAFF,
        {ORG: OWN},
        target="statement",
    ),
    _page(
        "allowances",
        "approve_statement",
        "allowances:statement_approve",
        REVIEWERS,
        method="POST",
        target="statement",
    ),
    _page("allowances", "my_account", "allowances:my_account", RESIDENT_SIDE),
    _page("allowances", "area_totals", "allowances:area_totals", {CA: ALL}),
    _page(
        "allowances",
        "create_rule",
        "allowances:rule_new",
        {CA: ALL},
        method="POST",
        data={
            "name": "百岁津贴",
            "min_age": 100,
            "monthly_amount_yuan": "200",
            "stacking": "stack",
            "valid_from": "2026-01-01",
        },
    ),
    _page("allowances", "list_rules", "allowances:rule_list", STAFF),
    _page("allowances", "create_rule", "allowances:rule_new", {CA: ALL}),
    _page("allowances", "change_rule", "allowances:rule_edit", {CA: ALL}, target="rule"),
    # --- dashboards and exports --------------------------------------------------------------
    _page("dashboard", "view", "dashboard:index", STAFF),
    _page(
        "dashboard",
        "view_street",
        "dashboard:index",
        STAFF,
        target="street",
        kwarg="",
        query={"street": "@street"},
    ),
    _page(
        "dashboard",
        "view_community",
        "dashboard:index",
        STAFF,
        target="community",
        kwarg="",
        query={"community": "@community"},
    ),
    _page(
        "dashboard",
        "view_district",
        "dashboard:index",
        {CA: ALL},  # a district figure is city-wide staff's; street and community staff: 404
        target="district",
        kwarg="",
        query={"district": "@district"},
    ),
    _page("exports", "list", "exports:index", STAFF, {ORG: OWN}),
    _page("exports", "view", "exports:job", {CA: OWN}, target="export_job"),
    _page("exports", "view_progress", "exports:progress", {CA: OWN}, target="export_job"),
    # --- settlement, ledger corrections, downloads, the registry's writes, posted ids -------
    _page(
        "allowances",
        "generate_statement",
        "allowances:statement_generate",
        {CA: ALL, ORG: OWN},  # an organization member generates its own organization's
        method="POST",
        data={"month": "@month", "organization": "@organization"},
    ),
    _page(
        "allowances",
        "export_statement",
        "allowances:statement_export",
        STAFF,
        {ORG: OWN},
        target="statement",
        url_kwargs={"fmt": "csv"},
    ),
    _api("allowances", "list_statements", "settlement-list", STAFF, {ORG: OWN}),
    _api(
        "allowances", "view_statement", "settlement-detail", STAFF, {ORG: OWN}, target="statement"
    ),
    _api(
        "allowances",
        "view_statement_lines",
        "settlement-lines",
        STAFF,
        {ORG: OWN},
        target="statement",
    ),
    _api("allowances", "list_accounts", "care-account-list", STAFF, RESIDENT_SIDE),
    _api(
        "allowances", "view_account", "care-account-detail", STAFF, RESIDENT_SIDE, target="account"
    ),
    _api("allowances", "list_entries", "ledger-entry-list", STAFF, RESIDENT_SIDE),
    _api("allowances", "view_entry", "ledger-entry-detail", STAFF, RESIDENT_SIDE, target="entry"),
    _page(
        "allowances", "reverse_entry_form", "allowances:entry_reverse", REVIEWERS, target="entry"
    ),
    _page(
        "allowances",
        "reverse_entry",
        "allowances:entry_reverse",
        REVIEWERS,
        method="POST",
        data={"reason": "重复入账"},
        target="entry",
    ),
    _page(
        "allowances",
        "edit_rule",
        "allowances:rule_edit",
        {CA: ALL},
        method="POST",
        data=RULE,
        target="rule",
    ),
    # An export file is its owner's alone (street staff in the world): 404 to anyone else.
    _page("exports", "download", "exports:download", {ST: OWN}, target="export_file"),
    _page(
        "social_workers",
        "create",
        "socialworkers:create",
        REVIEWERS,
        method="POST",
        data=WORKER,
        target="community",
        kwarg="",
        form_refusal=True,
    ),
    _page(
        "social_workers",
        "save",
        "socialworkers:edit",
        REVIEWERS,
        method="POST",
        data={**WORKER, "name": "钱社工（更正）"},
        target="worker",
    ),
    _page(
        "social_workers",
        "deactivate",
        "socialworkers:edit",
        REVIEWERS,
        method="POST",
        data={key: value for key, value in WORKER.items() if key != "active"},
        target="worker",
    ),
    _page(
        "social_workers",
        "create_team",
        "socialworkers:team_create",
        REVIEWERS,
        method="POST",
        data=TEAM,
        target="community",
        kwarg="",
        form_refusal=True,
    ),
    _page(
        "social_workers",
        "save_team",
        "socialworkers:team_edit",
        REVIEWERS,
        method="POST",
        data=TEAM,
        target="team",
    ),
    _page(
        "social_workers",
        "create_volunteer",
        "socialworkers:volunteer_create",
        REVIEWERS,
        method="POST",
        data=VOLUNTEER,
        target="team",
        kwarg="",
        form_refusal=True,
    ),
    _page(
        "social_workers",
        "save_volunteer",
        "socialworkers:volunteer_edit",
        REVIEWERS,
        method="POST",
        data=VOLUNTEER,
        target="volunteer",
    ),
    _page(
        "social_workers",
        "assign_leader",
        "socialworkers:team_edit",
        REVIEWERS,  # street staff: only a leader serving their street
        method="POST",
        data=TEAM,
        target="team",
        choice="leader",
    ),
    _page(
        "social_workers",
        "assign_team",
        "socialworkers:volunteer_edit",
        REVIEWERS,
        method="POST",
        data=VOLUNTEER,
        target="volunteer",
        choice="team",
    ),
    _page(
        "visits",
        "assign_worker",
        "services:visit_schedule",
        OWN_ASSIGNEES,
        method="POST",
        data={"scheduled_start": "@monday 10:00", "social_worker": "@worker"},
        target="match_accepted",
        kwarg="match_pk",
        choice="social_worker",
    ),
    _page(
        "visits",
        "assign_volunteer",
        "services:visit_schedule",
        OWN_ASSIGNEES,
        method="POST",
        data={"scheduled_start": "@monday 10:00", "volunteer": "@volunteer"},
        target="match_accepted",
        kwarg="match_pk",
        choice="volunteer",
    ),
)
