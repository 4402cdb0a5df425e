"""Test-run defaults, set before pytest-django reads the settings: production-like (DEBUG off), with a
throwaway secret, plain HTTP, and data kept out of the working tree."""

import os
import tempfile

os.environ.setdefault("SECRET_KEY", "tests-only-secret-key-" + "x" * 40)
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("ORCHESTRATE_VAR_DIR", tempfile.mkdtemp(prefix="orchestrate-tests-"))
os.environ.setdefault("MEDIA_ROOT", os.path.join(os.environ["ORCHESTRATE_VAR_DIR"], "media"))
os.environ.setdefault("STATIC_ROOT", os.path.join(os.environ["ORCHESTRATE_VAR_DIR"], "static"))
os.makedirs(os.environ["STATIC_ROOT"], exist_ok=True)
