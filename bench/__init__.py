"""Benchmarks: each seeds its data, prints lines for people, ends with one JSON line."""

import os

# Importing any project module loads the settings (the Celery app in sanlian/__init__.py
# reads them), which refuse to start without SECRET_KEY unless DEBUG is on: set it here,
# before a script's first project import, as bench.common.django_setup does later.
os.environ.setdefault("DEBUG", "1")
