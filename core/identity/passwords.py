"""Password hashing with bcrypt (cost from BOS_BCRYPT_ROUNDS: 12 by default, lower only in tests)."""

from __future__ import annotations

from functools import lru_cache

import bcrypt

from core.config import get_settings

MIN_LENGTH = 8
# bcrypt only reads the first 72 bytes; longer input is refused instead of silently cut.
MAX_BYTES = 72


def hash_password(password: str) -> str:
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=get_settings().bcrypt_rounds)).decode()


@lru_cache(maxsize=4)
def _dummy(rounds: int) -> str:
    return bcrypt.hashpw(b"no account has this password", bcrypt.gensalt(rounds=rounds)).decode()


def dummy_hash() -> str:
    """Checked against when an email is unknown, so that both paths cost the same time."""
    return _dummy(get_settings().bcrypt_rounds)


def verify_password(password: str, hashed: str) -> bool:
    data = password.encode()
    if len(data) > MAX_BYTES:
        return False
    try:
        return bcrypt.checkpw(data, hashed.encode())
    except ValueError:
        return False
