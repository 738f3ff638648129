"""What every race test shares: real transactions, on PostgreSQL only."""

import pytest
from django.db import connection

RACES_ON_POSTGRESQL = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="SQLite serialises every write transaction, so no race can be staged; "
        "run with DATABASE_URL=postgres://... to exercise row locking",
    ),
    pytest.mark.django_db(transaction=True),
]
