"""One-time secrets for links and sessions: `<selector>.<verifier>`.

Only the selector (to find the row) and the SHA-256 of the verifier are stored; the
verifier is compared in constant time. A leaked database therefore yields no usable link.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

_SELECTOR_BYTES = 12  # 16 characters
_VERIFIER_BYTES = 32  # 43 characters
_TOKEN_RE = re.compile(r"^([A-Za-z0-9_-]{16})\.([A-Za-z0-9_-]{43})$")


@dataclass(frozen=True)
class Issued:
    token: str = ""
    selector: str = ""
    verifier_hash: str = ""

    def __repr__(self) -> str:  # never print the secret
        return f"Issued(selector={self.selector!r})"


def digest(verifier: str) -> str:
    return hashlib.sha256(verifier.encode()).hexdigest()


def issue() -> Issued:
    selector = secrets.token_urlsafe(_SELECTOR_BYTES)
    verifier = secrets.token_urlsafe(_VERIFIER_BYTES)
    return Issued(f"{selector}.{verifier}", selector, digest(verifier))


def split(token: str | None) -> tuple[str, str] | None:
    """(selector, verifier), or None when the text cannot be one of our tokens."""
    match = _TOKEN_RE.match((token or "").strip())
    return (match.group(1), match.group(2)) if match else None


def verifies(verifier: str, stored_hash: str) -> bool:
    return hmac.compare_digest(digest(verifier), stored_hash)

