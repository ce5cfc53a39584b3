# Gatehouse: one image for web (gunicorn), worker and beat (celery). See docker-compose.yml.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    PATH="/app/.venv/bin:$PATH" \
    DJANGO_SETTINGS_MODULE=config.settings.production

WORKDIR /app
RUN pip install --no-cache-dir uv

# Dependencies first (cached until uv.lock changes); the runtime set only, from the lock.
COPY pyproject.toml uv.lock ./
RUN uv sync --locked --no-dev --no-install-project

COPY . .

# Static files are collected at build time into the image (whitenoise serves them).
# collectstatic touches neither the database nor the broker; the values below only satisfy
# production settings' start-up checks and are not kept in the image.
RUN SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(64))')" \
    DATABASE_URL=postgres://build@localhost/build REDIS_URL=redis://localhost:6379/0 \
    GATEHOUSE_BASE_URL=https://build.invalid \
    python manage.py collectstatic --no-input --verbosity 0

RUN useradd --system --uid 1000 --home-dir /app gatehouse \
    && mkdir -p /app/var/celery \
    && chown -R gatehouse /app/var
USER gatehouse

EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
