"""Settings fail fast in production and pick the right backends from the environment."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROBE = (
    "import django, json; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({'engine': s.DATABASES['default']['ENGINE'], "
    "'pool': bool(s.DATABASES['default'].get('OPTIONS', {}).get('pool')), "
    "'cache': s.CACHES['default']['BACKEND'], 'eager': s.CELERY_TASK_ALWAYS_EAGER, "
    "'broker': s.CELERY_BROKER_URL, 'email': s.EMAIL_BACKEND, 'debug': s.DEBUG}))"
)


def run_settings(**env):
    clean = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "DEBUG", "SECRET_KEY"}}
    clean.update(DJANGO_SETTINGS_MODULE="portal.settings", **env)
    return subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60
    )


pytestmark = pytest.mark.smoke


def test_nothing_set_means_demo_mode():
    import json

    result = run_settings()

    assert result.returncode == 0, result.stderr
    conf = json.loads(result.stdout)
    assert conf["engine"] == "django.db.backends.sqlite3"
    assert conf["cache"].endswith("LocMemCache")
    assert conf["eager"] is True
    assert conf["broker"] == "memory://"
    assert conf["email"] == "django.core.mail.backends.console.EmailBackend"
    assert conf["debug"] is True


def test_database_and_redis_urls_switch_to_postgres_pool_and_redis():
    import json

    result = run_settings(DATABASE_URL="postgres://u@127.0.0.1:5432/x", REDIS_URL="redis://127.0.0.1:6379/3")

    assert result.returncode == 0, result.stderr
    conf = json.loads(result.stdout)
    assert conf["engine"] == "django.db.backends.postgresql"
    assert conf["pool"] is True
    assert conf["cache"] == "django.core.cache.backends.redis.RedisCache"
    assert conf["eager"] is False
    assert conf["broker"] == "redis://127.0.0.1:6379/3"


def test_production_refuses_to_start_without_secret_key():
    result = run_settings(DEBUG="false", ALLOWED_HOSTS="portal.example.org")

    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    result = run_settings(DEBUG="false", SECRET_KEY="x" * 50, ALLOWED_HOSTS="")

    assert result.returncode != 0
    assert "ALLOWED_HOSTS must list" in result.stderr


def test_production_starts_with_both_set():
    result = run_settings(DEBUG="false", SECRET_KEY="x" * 50, ALLOWED_HOSTS="portal.example.org")

    assert result.returncode == 0, result.stderr


def test_celery_settings_that_matter_are_in_force():
    from portal.celery import app

    conf = app.conf
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    assert conf.task_time_limit == 360
    assert conf.task_soft_time_limit == 300
    assert conf.beat_scheduler == "django_celery_beat.schedulers:DatabaseScheduler"


def test_system_checks_pass_on_a_database_not_yet_migrated(tmp_path):
    """`migrate` runs the checks first: a check that reads a table (say, a permission) would stop a fresh install."""
    clean = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    clean.update(DJANGO_SETTINGS_MODULE="portal.settings", DATABASE_URL=f"sqlite:///{tmp_path / 'empty.sqlite3'}")

    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120
    )

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout
