"""Triggers that note, in the writer's own transaction, which months' allowance suppression
the rollup refresh must decide anew (family "a", reporting/models.py RollupDirty).

Care accounts count by the local month they were opened, credits by the month they are for,
the other ledger entries by the local month they were booked, settlement lines by their
statement's month (and its status). PostgreSQL only, like migration 0004.
"""

from django.db import migrations

# A month as one number (year × 12 + month - 1), for rows that name a month themselves.
_MONTH_NUMBER = "(EXTRACT(YEAR FROM {d}) * 12 + EXTRACT(MONTH FROM {d}) - 1)::bigint"
_ACCOUNTS = """
    INSERT INTO reporting_rollupdirty (family, at)
    SELECT DISTINCT 'a', reporting_quarter(opened_at) FROM {rows};
"""
# An account given to another resident takes its entries to that resident's community.
_ACCOUNT_MOVED = f"""
    INSERT INTO reporting_rollupdirty (family, at, ref)
    SELECT DISTINCT 'a',
        CASE WHEN e.kind = 'credit' THEN NULL ELSE reporting_quarter(e.created_at) END,
        CASE WHEN e.kind = 'credit' THEN {_MONTH_NUMBER.format(d="e.month")} END
    FROM old_rows o JOIN new_rows n ON n.id = o.id
        JOIN services_ledgerentry e ON e.account_id = o.id
    WHERE o.resident_id <> n.resident_id;
"""
_ENTRIES = f"""
    INSERT INTO reporting_rollupdirty (family, at, ref)
    SELECT DISTINCT 'a',
        CASE WHEN kind = 'credit' THEN NULL ELSE reporting_quarter(created_at) END,
        CASE WHEN kind = 'credit' THEN {_MONTH_NUMBER.format(d="month")} END
    FROM {{rows}};
"""
_LINES = f"""
    INSERT INTO reporting_rollupdirty (family, ref)
    SELECT DISTINCT 'a', {_MONTH_NUMBER.format(d="s.month")}
    FROM {{rows}} l JOIN services_settlementstatement s ON s.id = l.statement_id;
"""
_STATEMENTS = f"""
    INSERT INTO reporting_rollupdirty (family, ref)
    SELECT DISTINCT 'a', {_MONTH_NUMBER.format(d="m")}
    FROM old_rows o JOIN new_rows n ON n.id = o.id,
        LATERAL (VALUES (o.month), (n.month)) v (m)
    WHERE (o.status, o.month) IS DISTINCT FROM (n.status, n.month);
"""


def _every_side(body: str) -> str:
    """The body for whichever statement fired: the old rows, the new rows, or both."""
    return f"""
        IF TG_OP IN ('INSERT', 'UPDATE') THEN {body.format(rows="new_rows")} END IF;
        IF TG_OP IN ('DELETE', 'UPDATE') THEN {body.format(rows="old_rows")} END IF;
    """


FUNCTIONS = {
    "reporting_note_accounts": _every_side(_ACCOUNTS)
    + f"IF TG_OP = 'UPDATE' THEN {_ACCOUNT_MOVED} END IF;",
    "reporting_note_entries": _every_side(_ENTRIES),
    "reporting_note_lines": _every_side(_LINES),
    "reporting_note_statements": _STATEMENTS,
}
TRIGGERS = (
    ("services_careaccount", "reporting_note_accounts", ("INSERT", "UPDATE", "DELETE")),
    ("services_ledgerentry", "reporting_note_entries", ("INSERT", "UPDATE", "DELETE")),
    ("services_settlementline", "reporting_note_lines", ("INSERT", "UPDATE", "DELETE")),
    ("services_settlementstatement", "reporting_note_statements", ("UPDATE",)),
)
TRANSITIONS = {
    "INSERT": "NEW TABLE AS new_rows",
    "UPDATE": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
    "DELETE": "OLD TABLE AS old_rows",
}


def _forward_sql() -> list[str]:
    statements = [
        f"""CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN {body} RETURN NULL; END $$"""
        for name, body in FUNCTIONS.items()
    ]
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
    return statements + [f"DROP FUNCTION IF EXISTS {name}()" for name in FUNCTIONS]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements():
            schema_editor.execute(statement)

    return run


def _forget_scopes(apps, schema_editor):
    """Scopes registered before this migration have no month decisions: drop them, and each
    is registered anew (weeks and months decided) by its next read."""
    apps.get_model("reporting", "SuppressionScope").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reporting", "0006_stored_month_suppression_and_scope_reads"),
        ("services", "0019_desk_call_for_activity_signups"),
    ]

    operations = [
        migrations.RunPython(_run(_forward_sql), _run(_reverse_sql)),
        migrations.RunPython(_forget_scopes, migrations.RunPython.noop),
    ]
