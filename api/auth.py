"""Identity: API keys (random, shown once, stored hashed) and bearer JWTs, each mapped to a Principal."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, get_args

import jwt

from api.problems import ProblemError
from kernel.settings import Settings
from kernel.store import Store
from kernel.types import Principal, Role

KEY_PREFIX = "cairn"
ROLES: tuple[str, ...] = get_args(Role)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class NewKey:
    key_id: str
    token: str


def create_key(store: Store, user_id: str, groups: list[str], role: str, name: str = "") -> NewKey:
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    key_id = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    store.access.add_api_key(key_id, secret_hash=_hash(secret), name=name, user_id=user_id, groups=groups,
                             role=role)
    return NewKey(key_id, f"{KEY_PREFIX}_{key_id}_{secret}")


def principal_from_key(store: Store, token: str) -> Principal | None:
    parts = token.split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX:
        return None
    row = store.access.get_api_key(parts[1])
    if row is None or row.revoked_at is not None or not hmac.compare_digest(row.secret_hash, _hash(parts[2])):
        return None
    return Principal.stored(row.user_id, row.groups, row.role)


class JwtVerifier:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._keys: dict[str, Any] = {}
        if settings.jwt_jwks_file is not None:
            jwks = json.loads(settings.jwt_jwks_file.read_text())
            for k in jwks.get("keys", []):
                self._keys[k.get("kid", "")] = jwt.PyJWK(k)

    @property
    def enabled(self) -> bool:
        return bool(self.settings.jwt_secret or self._keys)

    def verify(self, token: str) -> Principal | None:
        s = self.settings
        opts: dict[str, Any] = {"audience": s.jwt_audience, "issuer": s.jwt_issuer,
                                "options": {"require": ["sub", "exp"]}}
        try:
            header = jwt.get_unverified_header(token)
            if header.get("alg") == "HS256" and s.jwt_secret:
                claims = jwt.decode(token, s.jwt_secret.get_secret_value(), algorithms=["HS256"], **opts)
            elif self._keys:
                key = self._keys.get(header.get("kid", "")) or next(iter(self._keys.values()))
                claims = jwt.decode(token, key.key, algorithms=["RS256", "ES256"], **opts)
            else:
                return None
        except jwt.PyJWTError:
            return None
        role = claims.get(s.jwt_role_claim, "user")
        groups = claims.get(s.jwt_groups_claim, [])
        if role not in ROLES or not isinstance(groups, list):
            return None
        return Principal(str(claims["sub"]), tuple(str(g) for g in groups), role)


class AuthFailedError(ProblemError):
    """Missing or invalid credentials: 401, the same answer whichever part was wrong."""

    def __init__(self, detail: str) -> None:
        super().__init__(401, "Unauthorized", detail, headers={"WWW-Authenticate": "Bearer"})


def authenticate(store: Store, verifier: JwtVerifier, authorization: str | None, api_key: str | None
                 ) -> Principal:
    token = api_key
    if token is None and authorization and authorization.lower().startswith("bearer "):
        token = authorization[7:].strip()
    if not token:
        raise AuthFailedError("send an API key (X-API-Key or Bearer) or a bearer JWT")
    who = principal_from_key(store, token) if token.startswith(KEY_PREFIX + "_") else (
        verifier.verify(token) if verifier.enabled else None)
    if who is None:
        raise AuthFailedError("the credentials are not valid")
    return who


def credential_limits(token: str) -> tuple[str, datetime | None]:
    """For an already authenticated token: the API key id it names ('' for a JWT) and when it expires
    (None for a key). A session opened with the token must not outlive either."""
    if token.startswith(KEY_PREFIX + "_"):
        return token.split("_", 2)[1], None
    exp = jwt.decode(token, options={"verify_signature": False}).get("exp")
    return "", datetime.fromtimestamp(float(exp), UTC) if exp is not None else None


def key_active(store: Store, key_id: str) -> bool:
    row = store.access.get_api_key(key_id)
    return row is not None and row.revoked_at is None


def require(who: Principal, *roles: str) -> None:
    if who.role not in roles:
        raise ProblemError(403, "Forbidden", f"this needs one of the roles: {', '.join(roles)}")
