"""Who is asking: browser sessions (an HttpOnly cookie), API tokens (a bearer header), CSRF on forms, and
the sign-in rate limit.

Deny by default: `Auth.authenticate` is a dependency of the whole app, and only PUBLIC_PATHS (and reads
under PUBLISHED_PREFIX, the approved digests) answer without a credential. A session cookie counts for pages and for reading the API; a script that changes
anything through the API sends its token (`summarizer users token NAME`), so a cross-site form can never
act with an editor's cookie.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi_csrf_protect import CsrfProtect
from itsdangerous import BadData, URLSafeTimedSerializer
from limits import RateLimitItem
from limits import parse as parse_limit
from limits.errors import ConfigurationError
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from summarizer.errors import ConfigError
from summarizer.service.accounts import CredentialKind, digest, new_token, verify_password
from summarizer.service.store import Store, UserView
from summarizer.service.store.models import utcnow
from summarizer.settings import WebSettings, masked_url

__all__ = ["PUBLIC_PATHS", "PUBLISHED_PREFIX", "SESSION_COOKIE", "Auth", "SignInRequired", "TooManyAttempts", "refuse", "safe_next"]

SESSION_COOKIE = "summarizer_session"
CSRF_COOKIE = "summarizer_csrf"
CSRF_FIELD = "csrf_token"
PUBLIC_PATHS = frozenset({"/healthz", "/signin"})
# approved digests, for subscribers: read-only, open to anyone (summarizer/service/digest_pages.py)
PUBLISHED_PREFIX = "/published/"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
UNAUTHORIZED = (
    "sign in, or send an API token as 'Authorization: Bearer <token>' (an admin makes one with "
    "`summarizer users token NAME`)"
)


class SignInRequired(Exception):
    """No valid credential: the API answers 401, a page sends the browser to the sign-in form."""


class TooManyAttempts(Exception):
    """Too many failed sign-ins for this name, or for any name, from this address; retry after `retry_after` s."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many sign-in attempts; try again in {retry_after} s")
        self.retry_after = retry_after


class Auth:
    """Sessions, tokens, CSRF and the sign-in limit of one app."""

    def __init__(self, settings: WebSettings, store: Store) -> None:
        self.store = store
        self.secure = settings.secure_cookies
        self.session_age = timedelta(hours=settings.session_hours)
        key = settings.secret_key.get_secret_value() if settings.secret_key else secrets.token_urlsafe(32)
        self.csrf = self._csrf_class(key, secure=self.secure)
        self._secure_csrf = self._csrf_class(key, secure=True)  # sets the cookie of a request made over HTTPS
        self._signer = URLSafeTimedSerializer(key, salt="fastapi-csrf-token")
        try:
            storage = storage_from_string(settings.rate_limit_storage)
        except (ConfigurationError, ValueError):  # their messages repeat the URL, password and all
            raise ConfigError(f"SUMMARIZER_WEB__RATE_LIMIT_STORAGE {masked_url(settings.rate_limit_storage)!r} "
                              "is not a storage the limits library can use (memory://, redis://host:6379/N)"
                              ) from None
        self.limiter = MovingWindowRateLimiter(storage)
        self.signin_limit = parse_limit(settings.signin_limit)
        self.address_limit = parse_limit(settings.signin_address_limit)

    def _csrf_class(self, key: str, *, secure: bool) -> type[CsrfProtect]:
        """A CsrfProtect subclass of its own: fastapi-csrf-protect keeps its configuration on the class."""
        csrf: type[CsrfProtect] = type("AppCsrf", (CsrfProtect,), {})
        csrf.load_config(lambda: [
            ("secret_key", key), ("cookie_key", CSRF_COOKIE), ("cookie_samesite", "lax"),
            ("cookie_secure", secure), ("token_location", "body"), ("token_key", CSRF_FIELD),
            ("max_age", int(self.session_age.total_seconds())),
        ])
        return csrf

    def secure_for(self, request: Request) -> bool:
        """Whether the request's cookies are marked Secure: always with SUMMARIZER_WEB__SECURE_COOKIES, else
        when the request came over HTTPS (behind a TLS proxy, uvicorn takes the scheme from the proxy's
        X-Forwarded-Proto when the proxy's address is trusted: `summarizer api --forwarded-allow-ips`)."""
        return self.secure or request.url.scheme == "https"

    # --- who is asking -----------------------------------------------------------------------------------

    def authenticate(self, request: Request) -> UserView | None:
        """The signed-in user (also kept in request.state.user); SignInRequired off the public paths."""
        path = request.url.path
        if path in PUBLIC_PATHS or (path.startswith(PUBLISHED_PREFIX) and request.method in SAFE_METHODS):
            return None
        user = self.user(request)
        if user is None:
            raise SignInRequired()
        request.state.user = user
        return user

    def user(self, request: Request) -> UserView | None:
        """The user of the request's bearer token, else of its session cookie (pages, and API reads)."""
        header = request.headers.get("authorization")
        if header is not None:
            scheme, _, token = header.partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                return None
            return self.store.user_for(CredentialKind.API, digest(token.strip()))
        cookie = request.cookies.get(SESSION_COOKIE)
        if cookie is None:
            return None
        if request.url.path.startswith("/api/") and request.method not in SAFE_METHODS:
            return None  # API writes take a token: a cookie rides along on cross-site requests
        return self.store.user_for(CredentialKind.SESSION, digest(cookie))

    # --- signing in and out --------------------------------------------------------------------------------

    def check_password(self, name: str, password: str, address: str) -> UserView | None:
        """The user when the password is right, else None; TooManyAttempts, whatever the password, while the
        failures of this name from this address, or of any names from this address, are past their limits.

        Only failures count, so editors behind one office address signing in each morning use up nothing.
        Guesses in flight together all pass the test before any is counted: a client gets at most as many
        more as it can keep in flight (the server's worker threads) before the limit holds.
        """
        counters = ((self.signin_limit, ("signin", address, name.casefold())),
                    (self.address_limit, ("signin-address", address)))
        waits = [self._wait(limit, keys) for limit, keys in counters if not self.limiter.test(limit, *keys)]
        if waits:
            raise TooManyAttempts(max(waits))
        found = self.store.password_hash(name)
        user, stored = (None, None) if found is None else found
        if verify_password(stored, password) and user is not None:  # an unknown name takes as long
            return user
        for limit, keys in counters:
            self.limiter.hit(limit, *keys)
        return None

    def _wait(self, limit: RateLimitItem, keys: tuple[str, ...]) -> int:
        """Seconds until the counter `keys` of `limit` lets another attempt through (at least 1)."""
        reset, _remaining = self.limiter.get_window_stats(limit, *keys)
        return max(1, int(reset - utcnow().timestamp()) + 1)

    def start_session(self, request: Request, user: UserView, response: Response) -> None:
        """Record a new session for the user and hand its token to the browser in an HttpOnly cookie."""
        token = new_token()
        self.store.add_credential(user.name, CredentialKind.SESSION, digest(token), utcnow() + self.session_age)
        response.set_cookie(
            SESSION_COOKIE, token, max_age=int(self.session_age.total_seconds()), path="/",
            httponly=True, samesite="lax", secure=self.secure_for(request),
        )

    def end_session(self, request: Request, response: Response) -> None:
        """Forget the request's session (server side too) and clear its cookie."""
        cookie = request.cookies.get(SESSION_COOKIE)
        if cookie is not None:
            self.store.revoke(digest(cookie))
        response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax",
                               secure=self.secure_for(request))

    # --- CSRF ------------------------------------------------------------------------------------------------

    def csrf_token(self, request: Request) -> tuple[str, str | None]:
        """A token for the forms of a page, and the signed cookie the form's POST must match when it is new.

        The browser's current cookie is kept while it is valid (None), so a form in another open tab still works.
        """
        current = request.cookies.get(CSRF_COOKIE)
        if current is not None:
            try:
                # fastapi-csrf-protect signs its tokens so (core.CsrfProtect.generate_csrf_tokens)
                token: str = self._signer.loads(current, max_age=int(self.session_age.total_seconds()))
                return token, None
            except BadData:
                pass
        return self.csrf().generate_csrf_tokens()

    def set_csrf_cookie(self, request: Request, cookie: str, response: Response) -> None:
        """Hand the browser the signed CSRF cookie `csrf_token` made, Secure as the request's cookies are."""
        (self._secure_csrf if self.secure_for(request) else self.csrf)().set_csrf_cookie(cookie, response)

    async def check_csrf(self, request: Request) -> None:
        """Raise fastapi_csrf_protect's CsrfProtectError unless the form carries this browser's token."""
        await request.form()  # parsed (and cached) before the check reads the field
        await self.csrf().validate_csrf(request)


def refuse(request: Request, _error: Exception) -> Response:
    """401 with a hint for API clients; a redirect to the sign-in form (back here afterwards) for pages."""
    path = request.url.path
    if path.startswith("/api/") or path == "/openapi.json":
        return JSONResponse({"detail": UNAUTHORIZED}, status_code=401, headers={"WWW-Authenticate": "Bearer"})
    target = path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/signin?next={quote(target, safe='')}", status_code=303)


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path on this site only (never '//host' or a URL), else the inbox."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target
