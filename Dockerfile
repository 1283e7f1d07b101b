# One image for web, worker and beat (see docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .

# collectstatic needs settings that pass production checks; these values exist only at build time.
RUN DEBUG=false SECRET_KEY=collectstatic-only-build-time-secret-key-0000 ALLOWED_HOSTS=build.invalid \
    python manage.py collectstatic --noinput

RUN useradd --create-home --uid 1000 portal \
    && mkdir -p /app/media \
    && chown -R portal:portal /app/media
USER portal

EXPOSE 8000
CMD ["gunicorn", "portal.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
