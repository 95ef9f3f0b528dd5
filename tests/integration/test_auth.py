"""Sign-in and access: nothing but /healthz and the sign-in page answers without a session or a token.

A real store (a SQLite file per test; PostgreSQL for the credential queries), the real app through
Starlette's TestClient (one client is one browser: it keeps cookies), and the `summarizer users` CLI
as a subprocess.
"""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError

from summarizer.service.accounts import CredentialKind, Role, digest, hash_password, new_token
from summarizer.service.api import create_app
from summarizer.service.auth import PUBLIC_PATHS, PUBLISHED_PREFIX, SESSION_COOKIE
from summarizer.service.store import Store, migrate
from summarizer.settings import Settings, load
from tests.integration.queue_harness import free_port
from tests.integration.test_store import POSTGRES_URL, PostgresSchemas

PASSWORD = "a long test password"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    url = f"sqlite:///{tmp_path / 'auth.db'}"
    migrate(url)
    return load(env={}, database_url=url, data_dir=tmp_path / "data")


@pytest.fixture
def store(settings: Settings) -> Iterator[Store]:
    with Store(settings.database_url) as store:
        store.add_user("ed", hash_password(PASSWORD), Role.EDITOR)
        store.add_user("root", hash_password(PASSWORD), Role.ADMIN)
        yield store


def app_client(settings: Settings, store: Store) -> TestClient:
    return TestClient(create_app(settings, store, enqueue=lambda ids: None), follow_redirects=False)


def with_web(settings: Settings, **changes: object) -> Settings:
    return settings.model_copy(update={"web": settings.web.model_copy(update=changes)})


@pytest.fixture
def browser(settings: Settings, store: Store) -> Iterator[TestClient]:
    with app_client(settings, store) as client:
        yield client


def token_for(store: Store, name: str) -> str:
    token = new_token()
    store.add_credential(name, CredentialKind.API, digest(token))
    return token


def form_token(page: Any) -> str:  # a response of TestClient (httpx's or httpx2's, by what is installed)
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found, page.text
    return found.group(1)


def sign_in(client: TestClient, name: str = "ed", password: str = PASSWORD, next_page: str = "/") -> Any:
    token = form_token(client.get("/signin"))
    return client.post("/signin", data={"name": name, "password": password, "csrf_token": token, "next": next_page})


# --- deny by default ------------------------------------------------------------------------------------


def test_every_route_but_health_sign_in_and_the_published_digests_refuses_an_anonymous_caller(
        browser: TestClient) -> None:
    routes = [r for r in browser.app.routes if isinstance(r, APIRoute)]  # type: ignore[attr-defined]
    checked = 0
    for route in routes:
        path = re.sub(r"\{(\w+)(:path)?\}", lambda m: "1" if m.group(1) == "job_id" else "2501.12948", route.path)
        for method in (route.methods or set()) - {"HEAD"}:
            response = browser.request(method, path)
            if route.path in PUBLIC_PATHS or (route.path.startswith(PUBLISHED_PREFIX) and method == "GET"):
                assert response.status_code not in (401, 303), (method, path)
                continue
            checked += 1
            if path.startswith("/api/") or path == "/openapi.json":
                assert response.status_code == 401, (method, path, response.text)
                assert response.headers["www-authenticate"] == "Bearer"
                assert "summarizer users token" in response.json()["detail"]
            else:  # a page: to the sign-in form, and back here afterwards
                assert response.status_code == 303, (method, path)
                assert response.headers["location"].startswith("/signin?next=")
    assert checked >= 8  # the jobs and cards API, the docs, the schema, the pages


def test_an_api_token_opens_the_api_and_a_wrong_or_revoked_one_does_not(
    browser: TestClient, store: Store
) -> None:
    token = token_for(store, "ed")
    assert browser.get("/api/jobs", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert browser.get("/openapi.json", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert browser.get("/api/jobs", headers={"Authorization": f"Bearer {token}x"}).status_code == 401
    assert browser.get("/api/jobs", headers={"Authorization": f"Basic {token}"}).status_code == 401
    assert store.revoke_tokens("ed") == 1
    assert browser.get("/api/jobs", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_only_an_admin_may_force_re_runs(browser: TestClient, store: Store) -> None:
    editor, admin = token_for(store, "ed"), token_for(store, "root")
    body = {"ids": ["2501.12948"], "force": True}
    refused = browser.post("/api/jobs", json=body, headers={"Authorization": f"Bearer {editor}"})
    assert refused.status_code == 403 and "admin" in refused.json()["detail"]
    assert browser.post("/api/jobs", json={**body, "force": False},
                        headers={"Authorization": f"Bearer {editor}"}).status_code == 200
    assert browser.post("/api/jobs", json=body, headers={"Authorization": f"Bearer {admin}"}).status_code == 200


# --- signing in and out ---------------------------------------------------------------------------------


def test_signing_in_sets_an_httponly_lax_session_and_goes_where_the_visitor_was_going(browser: TestClient) -> None:
    assert browser.get("/docs").headers["location"] == "/signin?next=%2Fdocs"
    wrong = sign_in(browser, password="not the password", next_page="/docs")
    assert wrong.status_code == 401 and "Wrong user name or password" in wrong.text
    assert SESSION_COOKIE not in browser.cookies
    response = sign_in(browser, next_page="/docs")
    assert response.status_code == 303 and response.headers["location"] == "/docs"
    cookie = next(h for h in response.headers.get_list("set-cookie") if h.startswith(SESSION_COOKIE))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie
    docs = browser.get("/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()
    home = browser.get("/")
    assert home.status_code == 200 and "ed (editor)" in home.text


def test_cookies_are_secure_when_served_over_https(settings: Settings, store: Store) -> None:
    with app_client(with_web(settings, secure_cookies=True), store) as client:
        page = client.get("/signin")
        assert all("Secure" in h for h in page.headers.get_list("set-cookie"))
        client.cookies.clear()  # a Secure cookie is not sent back over http: hand it over as a browser on https would
        client.cookies.set("summarizer_csrf", page.cookies["summarizer_csrf"])
        response = client.post("/signin", data={"name": "ed", "password": PASSWORD, "csrf_token": form_token(page)})
        assert response.status_code == 303
        assert all("Secure" in h for h in response.headers.get_list("set-cookie"))


def test_cookies_are_secure_on_a_request_made_over_https_with_no_setting(settings: Settings, store: Store) -> None:
    with TestClient(create_app(settings, store, enqueue=lambda ids: None), base_url="https://testserver",
                    follow_redirects=False) as client:
        page = client.get("/signin")
        assert page.headers["set-cookie"].startswith("summarizer_csrf=") and "Secure" in page.headers["set-cookie"]
        signed_in = client.post("/signin", data={"name": "ed", "password": PASSWORD, "csrf_token": form_token(page)})
        session = next(h for h in signed_in.headers.get_list("set-cookie") if h.startswith(SESSION_COOKIE))
        assert signed_in.status_code == 303 and "Secure" in session and "HttpOnly" in session
        signed_out = client.post("/signout", data={"csrf_token": form_token(client.get("/"))})
        assert signed_out.status_code == 303
        assert all("Secure" in h for h in signed_out.headers.get_list("set-cookie"))
    with app_client(settings, store) as plain:  # the same settings over plain http: not Secure
        assert "Secure" not in plain.get("/signin").headers["set-cookie"]


def test_summarizer_api_behind_a_tls_proxy_on_this_machine_believes_its_forwarded_headers(
        settings: Settings, tmp_path: Path) -> None:
    port = free_port()
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("SUMMARIZER_")},
           "SUMMARIZER_DATABASE_URL": settings.database_url, "SUMMARIZER_DATA_DIR": str(tmp_path / "data"),
           "SUMMARIZER_WEB__SIGNIN_LIMIT": "2/minute"}  # fewer argon2 hashes than the default 5
    server = subprocess.Popen([sys.executable, "-m", "summarizer.cli", "api", "--port", str(port)], env=env, cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as proxy:  # a proxy on loopback
            deadline = time.monotonic() + 60
            while True:
                try:
                    if proxy.get("/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert server.poll() is None and time.monotonic() < deadline, "the API did not come up"
                time.sleep(0.2)
            over_https = proxy.get("/signin", headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "198.51.100.7"})
            assert "Secure" in over_https.headers["set-cookie"]
            assert "Secure" not in proxy.get("/signin", headers={"X-Forwarded-Proto": "http"}).headers["set-cookie"]

            def guess(client_address: str) -> int:
                proxy.cookies.clear()
                page = proxy.get("/signin", headers={"X-Forwarded-For": client_address})
                form = {"name": "ed", "password": "a wrong password", "csrf_token": form_token(page)}
                return proxy.post("/signin", data=form, headers={"X-Forwarded-For": client_address}).status_code

            # the sign-in limit counts the client the proxy names, not the proxy: one client is stopped, not all
            assert [guess("198.51.100.7") for _ in range(3)] == [401, 401, 429]
            assert guess("198.51.100.8") == 401
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_signing_out_ends_the_session_on_the_server_too(browser: TestClient) -> None:
    sign_in(browser)
    stolen = browser.cookies[SESSION_COOKIE]
    home = browser.get("/")
    assert browser.post("/signout", data={"csrf_token": form_token(home)}).status_code == 303
    assert browser.get("/").status_code == 303
    # the old cookie, replayed, opens nothing
    browser.cookies.set(SESSION_COOKIE, stolen)
    assert browser.get("/").status_code == 303


def test_after_sign_in_only_paths_on_this_site_are_followed(browser: TestClient) -> None:
    for target in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        browser.cookies.clear()
        assert sign_in(browser, next_page=target).headers["location"] == "/"


def test_sign_in_is_rate_limited_per_name_and_address(browser: TestClient) -> None:
    for _ in range(5):
        assert sign_in(browser, password="guess " * 3).status_code == 401
    limited = sign_in(browser)  # even the right password waits now
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
    assert "too many sign-in attempts" in limited.text
    assert SESSION_COOKIE not in browser.cookies
    assert sign_in(browser, name="root").status_code == 303  # another user is not locked out by the guesses


def test_failed_sign_ins_across_many_names_from_one_address_are_limited_too(settings: Settings, store: Store) -> None:
    # smaller limits than the defaults (5 per name, 20 per address): each sign-in costs an argon2 hash
    app = create_app(with_web(settings, signin_limit="2/minute", signin_address_limit="4/minute"), store,
                     enqueue=lambda ids: None)
    with TestClient(app, follow_redirects=False) as guesser, \
            TestClient(app, client=("192.0.2.9", 50000), follow_redirects=False) as colleague:
        # four names, once each: no name reaches its own limit, the address reaches its limit
        assert [sign_in(guesser, name=f"user{n}", password="guess " * 3).status_code for n in range(4)] == [401] * 4
        limited = sign_in(guesser, name="ed")
        assert limited.status_code == 429 and SESSION_COOKIE not in guesser.cookies
        assert int(limited.headers["retry-after"]) >= 1
        assert sign_in(colleague, name="ed").status_code == 303  # another address is not stopped


def test_successful_sign_ins_are_not_counted(settings: Settings, store: Store) -> None:
    with app_client(with_web(settings, signin_limit="2/minute", signin_address_limit="2/minute"), store) as browser:
        for _ in range(3):  # more than the failures allowed
            browser.cookies.clear()
            assert sign_in(browser).status_code == 303
        browser.cookies.clear()
        assert sign_in(browser, password="guess " * 3).status_code == 401
        assert sign_in(browser).status_code == 303
        browser.cookies.clear()
        assert [sign_in(browser, password="guess " * 3).status_code for _ in range(2)] == [401, 429]  # failures only


# --- CSRF -----------------------------------------------------------------------------------------------


def test_a_form_without_this_browsers_token_is_refused(settings: Settings, store: Store, browser: TestClient) -> None:
    page = browser.get("/signin")
    missing = browser.post("/signin", data={"name": "ed", "password": PASSWORD})
    assert missing.status_code in (403, 422) and SESSION_COOKIE not in browser.cookies
    with app_client(settings, store) as attacker:
        foreign = form_token(attacker.get("/signin"))  # a valid token, but of another browser
    refused = browser.post("/signin", data={"name": "ed", "password": PASSWORD, "csrf_token": foreign})
    assert refused.status_code == 403 and "Reload the page" in refused.text
    assert SESSION_COOKIE not in browser.cookies
    # the form of a page opened earlier, in another tab, still works
    assert browser.post("/signin", data={"name": "ed", "password": PASSWORD, "csrf_token": form_token(page)}
                        ).status_code == 303


def test_a_session_cookie_reads_the_api_but_cannot_write_through_it(browser: TestClient) -> None:
    sign_in(browser)
    assert browser.get("/api/jobs").status_code == 200
    # a cross-site form or fetch would carry the cookie: API writes need a token
    assert browser.post("/api/jobs", json={"ids": ["2501.12948"]}).status_code == 401


# --- pages ----------------------------------------------------------------------------------------------


def test_pages_escape_what_they_show_and_forbid_inline_script(browser: TestClient, store: Store) -> None:
    job, _ = store.submit("2501.12948", None, "test")
    store.fail(job.id, '<script>alert(1)</script><img src=x onerror="alert(2)">', permanent=True)
    sign_in(browser)
    home = browser.get("/?status=failed")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in home.text and "<script>alert" not in home.text
    assert "<img src=x" not in home.text
    policy = home.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy and "frame-ancestors 'none'" in policy
    assert home.headers["x-frame-options"] == "DENY" and home.headers["cache-control"] == "no-store"


def test_a_missing_page_is_a_404_in_the_workspace_for_an_editor_and_the_sign_in_form_for_anyone_else(
        browser: TestClient) -> None:
    missing = ["/cards/999999", "/cards/999999/history", "/no/such/page"]
    for path in missing:  # anonymous: nothing tells what exists
        response = browser.get(path)
        assert response.status_code == 303 and response.headers["location"].startswith("/signin?next="), path
    sign_in(browser)
    for path, said in zip(missing, ["no card 999999", "no card 999999", "/no/such/page"], strict=True):
        page = browser.get(path)
        assert page.status_code == 404 and page.headers["content-type"].startswith("text/html"), path
        assert "<h1>Not found</h1>" in page.text and said in page.text
        assert '<a href="/">Back to the inbox</a>' in page.text
        assert '<span class="who">ed (editor)</span>' in page.text  # the workspace's layout, signed in
        assert "script-src 'self'" in page.headers["content-security-policy"]
    hostile = browser.get("/<script>alert(1)</script>")
    assert hostile.status_code == 404 and "<script>alert" not in hostile.text
    # the API keeps its JSON answers
    api = browser.get("/api/jobs/999999")
    assert api.status_code == 404 and api.json() == {"detail": "no job 999999"}
    unknown = browser.get("/api/no/such/route")
    assert unknown.status_code == 404 and unknown.json() == {"detail": "Not Found"}


# --- the store on PostgreSQL ----------------------------------------------------------------------------


def test_credentials_expire_and_belong_to_one_kind_on_postgresql() -> None:
    schemas = PostgresSchemas(POSTGRES_URL)
    schemas.prefix = f"test_auth_{secrets.token_hex(4)}"
    try:
        url = schemas.new()
    except OperationalError as error:
        pytest.fail(f"PostgreSQL at {POSTGRES_URL} is unreachable: {error}")
    try:
        migrate(url)
        with Store(url) as store:
            from datetime import timedelta

            from summarizer.service.store.models import utcnow

            store.add_user("ed", hash_password(PASSWORD), Role.EDITOR)
            live, expired, token = new_token(), new_token(), new_token()
            store.add_credential("ed", CredentialKind.SESSION, digest(live), utcnow() + timedelta(hours=1))
            store.add_credential("ed", CredentialKind.SESSION, digest(expired), utcnow() - timedelta(seconds=1))
            store.add_credential("ed", CredentialKind.API, digest(token))
            user = store.user_for(CredentialKind.SESSION, digest(live))
            assert user is not None and user.name == "ed" and user.role == Role.EDITOR
            assert store.user_for(CredentialKind.SESSION, digest(expired)) is None
            assert store.user_for(CredentialKind.API, digest(live)) is None  # a session is no API token
            assert store.user_for(CredentialKind.API, digest(token)) is not None
            store.set_password("ed", hash_password("another long password"))  # ends the sessions
            assert store.user_for(CredentialKind.SESSION, digest(live)) is None
            assert store.user_for(CredentialKind.API, digest(token)) is not None
            store.remove_user("ed")
            assert store.user_for(CredentialKind.API, digest(token)) is None and store.users() == []
    finally:
        schemas.drop_all()


# --- the CLI --------------------------------------------------------------------------------------------


def users(args: list[str], env: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "summarizer.cli", "users", *args], input=stdin, env=env,
                          cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)


def test_users_are_added_given_tokens_listed_and_removed_from_the_command_line(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("SUMMARIZER_")},
           "SUMMARIZER_DATABASE_URL": url, "SUMMARIZER_DATA_DIR": str(tmp_path / "data")}
    short = users(["add", "ann", "--password-stdin"], env, "short\n")
    assert short.returncode == 2 and "at least 12 characters" in short.stderr and "Traceback" not in short.stderr
    bad_name = users(["add", "<ann>", "--password-stdin"], env, PASSWORD + "\n")
    assert bad_name.returncode == 2 and "bad user name" in bad_name.stderr
    # typed twice at a hidden prompt
    assert users(["add", "ann", "--role", "admin"], env, f"{PASSWORD}\n{PASSWORD}\n").returncode == 0
    taken = users(["add", "ann", "--password-stdin"], env, PASSWORD + "\n")
    assert taken.returncode == 2 and "exists" in taken.stderr
    listed = users(["list"], env)
    assert listed.stdout.split("\t")[:2] == ["ann", "admin"]
    made = users(["token", "ann"], env)
    assert made.returncode == 0 and "not shown again" in made.stderr
    token = made.stdout.strip()
    with Store(url) as store:
        user = store.user_for(CredentialKind.API, digest(token))
        assert user is not None and user.name == "ann"
        assert PASSWORD not in str(store.password_hash("ann"))  # only the argon2 hash is kept
    assert users(["token", "nobody"], env).returncode == 2
    assert users(["remove", "ann"], env).returncode == 0
    with Store(url) as store:
        assert store.user_for(CredentialKind.API, digest(token)) is None


# --- the job list ---------------------------------------------------------------------------------------


def test_a_failed_job_is_retried_from_the_list_with_the_forms_token_only(settings: Settings, store: Store) -> None:
    sent: list[list[int]] = []
    job, _ = store.submit("2501.12948", None, "test")
    store.fail(job.id, "arXiv has no paper 2501.12948", permanent=True)
    with TestClient(create_app(settings, store, enqueue=sent.append), follow_redirects=False) as client:
        sign_in(client)
        page = client.get("/?status=failed")
        assert "arXiv has no paper 2501.12948" in page.text and f'action="/jobs/{job.id}/retry"' in page.text
        forged = client.post(f"/jobs/{job.id}/retry", data={"next": "/?status=failed"})
        assert forged.status_code == 403 and sent == []
        response = client.post(f"/jobs/{job.id}/retry",
                               data={"csrf_token": form_token(page), "next": "//evil.example/"})
        assert response.status_code == 303 and response.headers["location"] == "/"
        assert sent == [[job.id]]
        again = store.get_job(job.id)
        assert again is not None and again.state == "queued"
        # pressed twice (another tab): nothing is sent again, the list shows the job as it is
        assert client.post(f"/jobs/{job.id}/retry", data={"csrf_token": form_token(page)}).status_code == 303
        assert sent == [[job.id]]
        assert "Retry</button>" not in client.get("/?status=queued").text
