"""Triggers that note, in the writer's own transaction, which days the rollups must recompute.

Statement-level with transition tables: a bulk INSERT of a million visits notes one row per
quarter hour touched, not one per visit. PostgreSQL only; on SQLite (a fresh checkout) the
refresh rebuilds the rollups whole instead (reporting/rollups.py).
"""

from django.db import migrations

# The days and residents a set of changed visits touches: the visits' own days (visits,
# ratings), their requests' days (the wait to the first visit that took place) and their
# residents (who was served). Inserted or deleted visits matter to the wait and to who was
# served only in the statuses those count.
_VISIT_NOTES = """
    WITH changed (scheduled_start, request_id, status, updated) AS ({changed})
    INSERT INTO reporting_rollupdirty (family, at, ref)
    SELECT DISTINCT 'v', reporting_quarter(scheduled_start), NULL::bigint FROM changed
    UNION
    SELECT DISTINCT 'r', reporting_quarter(r.created_at), NULL::bigint
    FROM changed c JOIN services_servicerequest r ON r.id = c.request_id
    WHERE c.updated OR c.status IN ('in_progress', 'completed')
    UNION
    SELECT DISTINCT 's', NULL::timestamptz, r.resident_id
    FROM changed c JOIN services_servicerequest r ON r.id = c.request_id
    WHERE c.updated OR c.status = 'completed';
"""
_VISITS_UPDATED = """
    SELECT x.scheduled_start, x.request_id, x.status, true
    FROM old_rows o JOIN new_rows n ON n.id = o.id,
        LATERAL (VALUES (o.scheduled_start, o.request_id, o.status),
                        (n.scheduled_start, n.request_id, n.status)) x (scheduled_start, request_id, status)
    WHERE (o.status, o.scheduled_start, o.request_id, o.checked_in_at)
        IS DISTINCT FROM (n.status, n.scheduled_start, n.request_id, n.checked_in_at)
"""
# (table, statement events) -> the body that notes what the changed rows touch.
QUARTER = "reporting_quarter"
FUNCTIONS = {
    "reporting_note_requests": """
        IF TG_OP = 'UPDATE' THEN
            INSERT INTO reporting_rollupdirty (family, at)
            SELECT DISTINCT 'r', reporting_quarter(t)
            FROM old_rows o JOIN new_rows n ON n.id = o.id,
                LATERAL (VALUES (o.created_at), (n.created_at)) v (t)
            WHERE (o.status, o.created_at, o.resident_id)
                IS DISTINCT FROM (n.status, n.created_at, n.resident_id);
            -- a request given to another resident moves its visits to that community
            INSERT INTO reporting_rollupdirty (family, at)
            SELECT DISTINCT 'v', reporting_quarter(vi.scheduled_start)
            FROM old_rows o JOIN new_rows n ON n.id = o.id
                JOIN services_visit vi ON vi.request_id = o.id
            WHERE o.resident_id <> n.resident_id;
            INSERT INTO reporting_rollupdirty (family, ref)
            SELECT DISTINCT 's', r
            FROM old_rows o JOIN new_rows n ON n.id = o.id,
                LATERAL (VALUES (o.resident_id), (n.resident_id)) v (r)
            WHERE o.resident_id <> n.resident_id;
        ELSIF TG_OP = 'INSERT' THEN
            INSERT INTO reporting_rollupdirty (family, at)
            SELECT DISTINCT 'r', reporting_quarter(created_at) FROM new_rows;
        ELSE
            INSERT INTO reporting_rollupdirty (family, at)
            SELECT DISTINCT 'r', reporting_quarter(created_at) FROM old_rows;
        END IF;
    """,
    "reporting_note_visits": f"""
        IF TG_OP = 'UPDATE' THEN
            {_VISIT_NOTES.format(changed=_VISITS_UPDATED)}
        ELSIF TG_OP = 'INSERT' THEN
            {_VISIT_NOTES.format(changed="SELECT scheduled_start, request_id, status, false FROM new_rows")}
        ELSE
            {_VISIT_NOTES.format(changed="SELECT scheduled_start, request_id, status, false FROM old_rows")}
        END IF;
    """,
    "reporting_note_feedback": """
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
            INSERT INTO reporting_rollupdirty (family, at)
            SELECT DISTINCT 'v', reporting_quarter(vi.scheduled_start)
            FROM new_rows f JOIN services_visit vi ON vi.id = f.visit_id;
        END IF;
        IF TG_OP IN ('DELETE', 'UPDATE') THEN
            INSERT INTO reporting_rollupdirty (family, at)
            SELECT DISTINCT 'v', reporting_quarter(vi.scheduled_start)
            FROM old_rows f JOIN services_visit vi ON vi.id = f.visit_id;
        END IF;
    """,
    "reporting_note_residents": """
        INSERT INTO reporting_rollupdirty (family, ref)
        SELECT DISTINCT 'm', n.id FROM old_rows o JOIN new_rows n ON n.id = o.id
        WHERE o.community_id <> n.community_id;
    """,
}
TRIGGERS = (
    ("services_servicerequest", "reporting_note_requests", ("INSERT", "UPDATE", "DELETE")),
    ("services_visit", "reporting_note_visits", ("INSERT", "UPDATE", "DELETE")),
    ("services_feedback", "reporting_note_feedback", ("INSERT", "UPDATE", "DELETE")),
    ("communities_resident", "reporting_note_residents", ("UPDATE",)),
)
TRANSITIONS = {
    "INSERT": "NEW TABLE AS new_rows",
    "UPDATE": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
    "DELETE": "OLD TABLE AS old_rows",
}


def _forward_sql() -> list[str]:
    statements = [
        f"""CREATE OR REPLACE FUNCTION {QUARTER}(ts timestamptz) RETURNS timestamptz
            LANGUAGE sql IMMUTABLE AS
            $$ SELECT to_timestamp(floor(extract(epoch FROM ts) / 900) * 900) $$"""
    ]
    for name, body in FUNCTIONS.items():
        statements.append(
            f"""CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN {body} RETURN NULL; END $$"""
        )
    for table, function, events in TRIGGERS:
        for event in events:
            statements.append(
                f"""CREATE TRIGGER {function}_{event.lower()} AFTER {event} ON {table}
                    REFERENCING {TRANSITIONS[event]}
                    FOR EACH STATEMENT EXECUTE FUNCTION {function}()"""
            )
    return statements


def _reverse_sql() -> list[str]:
    statements = [
        f"DROP TRIGGER IF EXISTS {function}_{event.lower()} ON {table}"
        for table, function, events in TRIGGERS
        for event in events
    ]
    statements += [f"DROP FUNCTION IF EXISTS {name}()" for name in FUNCTIONS]
    statements.append(f"DROP FUNCTION IF EXISTS {QUARTER}(timestamptz)")
    return statements


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements():
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("reporting", "0003_statistics_rollups"),
        ("services", "0017_parse_stored_chinese_into_facts"),
        ("communities", "0005_resident_name_trigram_search_index"),
    ]

    operations = [migrations.RunPython(_run(_forward_sql), _run(_reverse_sql))]
