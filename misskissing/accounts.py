"""Moderator and operator accounts, with argon2 password hashes."""

from __future__ import annotations

import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import Session, select

from misskissing.models import User

_hasher = PasswordHasher()
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,255}$")
ROLES = frozenset({"moderator", "operator"})


class AccountError(Exception):
    """An account cannot be created or used as asked."""


def create_user(session: Session, email: str, password: str, role: str) -> User:
    """Create a moderator or operator account."""
    email = email.strip().lower()
    if not _EMAIL.match(email):
        raise AccountError("that is not an email address")
    if role not in ROLES:
        raise AccountError(f"role must be one of {sorted(ROLES)}")
    if len(password) < 12:
        raise AccountError("the password needs at least 12 characters")
    if session.exec(select(User).where(User.email == email)).first():
        raise AccountError(f"{email} already has an account")
    user = User(email=email, password_hash=_hasher.hash(password), role=role)
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, email: str, password: str) -> User | None:
    """Return the active user with these credentials, or None."""
    user = session.exec(select(User).where(User.email == email.strip().lower())).first()
    if user is None or not user.active:
        _hasher.hash(password)  # spend the same time whether or not the account exists
        return None
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    return user
