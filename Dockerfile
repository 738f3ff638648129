# Production image: gunicorn for the web, the same image for Celery worker and beat.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN groupadd --system --gid 10001 sanlian \
    && useradd --system --uid 10001 --gid sanlian --home-dir /app --no-create-home sanlian

WORKDIR /app
COPY . /app
# Editable install: the code stays in /app, where settings.BASE_DIR finds the
# templates, static files and translations next to it.
RUN pip install -e . \
    && DEBUG=0 SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput \
    && mkdir -p /app/var/media \
    && chown -R sanlian:sanlian /app/var

USER sanlian
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
    CMD ["python", "bin/healthcheck"]
CMD ["gunicorn", "sanlian.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", \
     "--access-logfile", "-", "--timeout", "60"]
