"""Encryption at rest for the secrets an integration must be able to read back.

Webhook secrets are needed in clear to compute HMACs and provider API tokens to call the provider, so
they cannot be hashed like agent tokens; they are encrypted with Fernet (AES-128-CBC + HMAC-SHA256).
Each Fernet key is derived with HKDF from a key in ``ORCHESTRATE_ENCRYPTION_KEY`` (a comma-separated
list: the first encrypts, every one decrypts, which is how a key is rotated), or from ``SECRET_KEY``
when that variable is unset. The derivation binds the keys to this purpose, so the same SECRET_KEY never
serves as a Fernet key elsewhere.
"""

from __future__ import annotations

import base64
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

HKDF_INFO = b"orchestrate integrations secrets v1"


class SecretUnreadable(Exception):
    """A stored secret cannot be decrypted with any configured key."""


def derive_key(material: str) -> bytes:
    """A Fernet key (urlsafe base64 of 32 bytes) derived from any length of key material."""
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=HKDF_INFO).derive(material.encode())
    return base64.urlsafe_b64encode(raw)


def key_materials() -> tuple[str, ...]:
    keys = tuple(settings.ORCHESTRATE_ENCRYPTION_KEYS) or (settings.SECRET_KEY,)
    return keys


@lru_cache(maxsize=4)
def _fernet(materials: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(derive_key(material)) for material in materials])


def encrypt(plain: str) -> str:
    return _fernet(key_materials()).encrypt(plain.encode()).decode("ascii")


def decrypt(token: str) -> str:
    try:
        return _fernet(key_materials()).decrypt(token.encode("ascii")).decode()
    except InvalidToken:
        raise SecretUnreadable(
            "A stored integration secret cannot be decrypted with the configured keys: if "
            "ORCHESTRATE_ENCRYPTION_KEY (or SECRET_KEY) changed, list the old key after the new one "
            "(ORCHESTRATE_ENCRYPTION_KEY=new,old), run `manage.py reencrypt_secrets`, then drop the old key."
        ) from None


def reencrypt(token: str) -> str:
    """The same secret encrypted under the first (current) key."""
    try:
        return _fernet(key_materials()).rotate(token.encode("ascii")).decode("ascii")
    except InvalidToken:
        decrypt(token)  # raises SecretUnreadable with its advice
        raise
