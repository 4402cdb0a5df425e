"""FAILURE_RULES_FILE: the operator's rules are checked when the hub starts; a bad file stops it with the
file, the rule and the problem named."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
SETUP = "import django; django.setup(); from django.conf import settings; print(settings.FAILURE_RULES_FILE)"


def start_hub(**env) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "REDIS_URL"))}
    environ.update(DJANGO_SETTINGS_MODULE="hub.settings", SECRET_KEY="s" * 50, **env)
    return subprocess.run(
        [sys.executable, "-c", SETUP], cwd=ROOT, env=environ, capture_output=True, text=True
    )


def test_a_good_rule_file_is_accepted(tmp_path):
    path = tmp_path / "rules.yml"
    path.write_text("rules:\n  - name: vpn\n    category: network\n    message: VPN tunnel down\n")

    result = start_hub(FAILURE_RULES_FILE=str(path))

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(path)


def test_a_bad_rule_file_stops_the_hub_naming_the_rule_and_the_problem(tmp_path):
    path = tmp_path / "rules.yml"
    path.write_text("rules:\n  - name: vpn\n    category: network\n    message: '(VPN'\n")

    result = start_hub(FAILURE_RULES_FILE=str(path))

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert (
        f"failure rules file {path}: rule 1 ('vpn'): 'message': '(VPN' is not a valid regular expression"
        in (result.stderr)
    )


def test_a_missing_rule_file_stops_the_hub(tmp_path):
    result = start_hub(FAILURE_RULES_FILE=str(tmp_path / "nope.yml"))

    assert result.returncode != 0
    assert "FAILURE_RULES_FILE=" in result.stderr
    assert "is not a readable file" in result.stderr
