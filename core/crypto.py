"""Secrets at rest (tenant database URLs, SMTP passwords, webhook secrets).

Encrypted with the master key (Fernet: AES-128-CBC + HMAC-SHA256). Several keys may be
given, comma-separated, newest first: old ciphertexts still decrypt during a rotation.
"""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from core.config import get_settings
from core.errors import DomainError


def _fernet() -> MultiFernet:
    keys = [k.strip() for k in get_settings().resolved_master_key().split(",") if k.strip()]
    return MultiFernet([Fernet(k.encode()) for k in keys])


def encrypt(plaintext: str) -> str:
    return _fernet().encrypt(plaintext.encode()).decode()


def decrypt(ciphertext: str) -> str:
    try:
        return _fernet().decrypt(ciphertext.encode()).decode()
    except InvalidToken as exc:
        raise DomainError("a stored secret cannot be decrypted with the configured master key") from exc
