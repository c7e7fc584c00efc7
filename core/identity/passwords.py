"""Password hashing with bcrypt."""

from __future__ import annotations

import bcrypt

MIN_LENGTH = 8
# bcrypt only reads the first 72 bytes; longer input is refused instead of silently cut.
MAX_BYTES = 72


def hash_password(password: str) -> str:
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=12)).decode()


def verify_password(password: str, hashed: str) -> bool:
    data = password.encode()
    if len(data) > MAX_BYTES:
        return False
    try:
        return bcrypt.checkpw(data, hashed.encode())
    except ValueError:
        return False
