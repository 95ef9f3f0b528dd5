"""Accounts: roles, password hashing (argon2) and the random tokens behind sessions and API access.

Nothing here touches the database: the Store keeps users and the digests of their credentials.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from summarizer.errors import BadInput

__all__ = [
    "PIPELINE_AUTHOR", "CredentialKind", "Role", "check_name", "check_password", "digest", "hash_password",
    "new_token", "verify_password",
]

MIN_PASSWORD_CHARS = 12
MAX_PASSWORD_CHARS = 1024  # argon2 hashes any length; a megabyte password is only a way to burn CPU
PIPELINE_AUTHOR = "pipeline"  # the author of the model's card revisions: no user may take the name
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
# argon2-cffi's defaults follow RFC 9106's second recommended option (64 MiB, 3 passes)
_hasher = PasswordHasher()
# verified against when the user name is unknown, so a miss costs as long as a wrong password
_DUMMY_HASH = _hasher.hash("no such user: this hash only spends the time a real check takes")


class Role(StrEnum):
    EDITOR = "editor"  # reads, submits, edits and approves drafts
    ADMIN = "admin"  # also forces re-runs of finished jobs


class CredentialKind(StrEnum):
    SESSION = "session"  # a browser's sign-in, in an HttpOnly cookie; expires
    API = "api"  # a bearer token for scripts and the CLI; lasts until revoked


def check_name(name: str) -> str:
    """The user name, or BadInput: letters, digits, '.', '_' and '-', at most 64 characters."""
    if not _NAME.fullmatch(name):
        raise BadInput(f"bad user name {name[:80]!r}: use letters, digits, '.', '_' or '-' (at most 64)")
    if name.casefold() == PIPELINE_AUTHOR:
        raise BadInput(f"{name!r} is the name of the model's revisions; choose another name")
    return name


def check_password(password: str) -> str:
    """The password, or BadInput when it is too short or too long."""
    if len(password) < MIN_PASSWORD_CHARS:
        raise BadInput(f"the password is too short: use at least {MIN_PASSWORD_CHARS} characters")
    if len(password) > MAX_PASSWORD_CHARS:
        raise BadInput(f"the password is too long: use at most {MAX_PASSWORD_CHARS} characters")
    return password


def hash_password(password: str) -> str:
    """The argon2id hash to store."""
    return _hasher.hash(check_password(password))


def verify_password(stored_hash: str | None, password: str) -> bool:
    """True when `password` matches; a missing user (None) takes as long as a wrong password."""
    if len(password) > MAX_PASSWORD_CHARS:
        return False
    try:
        return _hasher.verify(_DUMMY_HASH if stored_hash is None else stored_hash, password) and (
            stored_hash is not None
        )
    except (VerificationError, InvalidHashError):
        return False


def new_token() -> str:
    """A fresh random token (256 bits), shown once to its owner and stored only as its digest."""
    return secrets.token_urlsafe(32)


def digest(token: str) -> str:
    """What the database keeps of a token: its SHA-256 (a token is random, so no salt or slow hash is needed)."""
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()
