"""The settings module reads the environment and fails loudly on bad values."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def load_settings(**env) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "REDIS_URL", "Q_"))}
    base.update({"SECRET_KEY": "s" * 50, **env})
    base = {k: v for k, v in base.items() if v is not None}
    code = (
        "import hub.settings as s; print(s.DATABASES['default']['ENGINE'], s.Q_CLUSTER.get('redis', 'orm'))"
    )
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=base, capture_output=True, text=True)


def test_the_default_is_sqlite_and_the_orm_broker():
    result = load_settings()
    assert result.stdout.split() == ["django.db.backends.sqlite3", "orm"]


def test_database_url_selects_postgresql():
    result = load_settings(DATABASE_URL="postgres://u@db:5432/hub")
    assert result.stdout.split()[0] == "django.db.backends.postgresql"


def test_redis_url_switches_the_task_broker_to_redis():
    result = load_settings(REDIS_URL="redis://cache:6379/0")
    assert result.stdout.split()[1] == "redis://cache:6379/0"


def test_redis_url_shares_the_cache_and_so_the_rate_limits_between_hub_processes():
    code = "import hub.settings as s; print(s.CACHES['default']['BACKEND'])"
    env = {**os.environ, "SECRET_KEY": "s" * 50, "REDIS_URL": "redis://cache:6379/0"}
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.stdout.strip() == "django.core.cache.backends.redis.RedisCache"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SECRET_KEY": None, "DEBUG": "false"}, "SECRET_KEY (or SECRET_KEY_FILE) is required"),
        ({"DEBUG": "maybe"}, "DEBUG='maybe' is not a boolean"),
        ({"REPORT_MAX_BYTES": "lots"}, "REPORT_MAX_BYTES='lots' is not a size"),
        ({"Q_TIMEOUT": "600", "Q_RETRY": "300"}, "Q_RETRY (300) must be greater than Q_TIMEOUT (600)"),
        (
            {"Q_TIMEOUT": "300", "OWED_LEASE_SECONDS": "200"},
            "OWED_LEASE_SECONDS (200) must be greater than Q_TIMEOUT (300)",
        ),
        ({"DATABASE_URL": "mysql://x/y"}, "DATABASE_URL must be sqlite:// or postgres://"),
        ({"RUN_IDLE_COMPLETE_SECONDS": "30"}, "RUN_IDLE_COMPLETE_SECONDS=30 is too short"),
        ({"REDIS_URL": "cache:6379"}, "REDIS_URL must start with redis://"),
        (
            {"SECRET_KEY": None, "SECRET_KEY_FILE": "/nonexistent/secret"},
            "SECRET_KEY_FILE='/nonexistent/secret' cannot be read",
        ),
    ],
)
def test_a_bad_value_stops_the_hub_with_a_message_naming_it(env, message):
    result = load_settings(**env)
    assert result.returncode != 0
    assert message in result.stderr


def test_the_secret_key_can_come_from_a_file(tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("from-a-file-" + "k" * 40 + "\n")
    result = load_settings(SECRET_KEY=None, SECRET_KEY_FILE=str(secret))
    assert result.returncode == 0, result.stderr


def test_size_limits_take_suffixes():
    env = {k: v for k, v in os.environ.items()}
    env.update(SECRET_KEY="s" * 50, REPORT_MAX_BYTES="200M")
    code = "import hub.settings as s; print(s.REPORT_MAX_BYTES)"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.stdout.strip() == str(200 << 20)


def test_the_production_configuration_passes_check_deploy():
    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "SECURE_SSL_REDIRECT")}
    env.update(
        SECRET_KEY="p" * 60 + "-production-like-secret", ALLOWED_HOSTS="hub.example.com", DEBUG="false"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
