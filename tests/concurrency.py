"""Truly simultaneous requests against pytest-django's live server.

A `Browser` is one person's browser: its own cookies (a session made with `force_login`, the
CSRF cookie) and the CSRF token of the last form it opened. `simultaneously` runs callables in
threads held at a `threading.Barrier` and released together, so that their requests reach the
server at the same moment; the live server answers each in its own thread and its own database
connection.

Tests using it are `@pytest.mark.django_db(transaction=True, serialized_rollback=True)` (the
server only sees committed rows; the reference data of the migrations comes back after each
test) and call `require_concurrent_database()` first: on SQLite the test database lives in
memory and the live server shares the test's single connection between all its threads, so
simultaneous transactions would interleave on one connection instead of racing each other.
The CI runs them on PostgreSQL.
"""

import copy
import http.cookiejar
import re
import threading
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.urls import reverse

# Seconds a thread may wait for the others at the barrier, and for its answer.
TIMEOUT = 60
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def hidden_value(html, name):
    """The value of the hidden input `name` of a page (a form's submission key, say)."""
    found = re.search(rf'<input type="hidden" name="{re.escape(name)}" value="([^"]*)"', html)
    assert found, f"no hidden input {name!r} in the page"
    return found.group(1)


def require_concurrent_database():
    if connection.vendor == "sqlite":
        pytest.skip(
            "Simultaneous requests need a database with one connection per server thread: on SQLite "
            "the in-memory test database is one connection shared by every thread of the live server."
        )


@dataclass(frozen=True)
class Reply:
    status: int
    url: str  # where the redirects led
    body: str

    @property
    def path(self):
        return urllib.parse.urlsplit(self.url).path


class Browser:
    def __init__(self, live_server, user=None):
        self.base_url = live_server.url
        self.jar = http.cookiejar.CookieJar()
        self.csrf_token = None
        # The login page is public: it gives the CSRF cookie, whose form the session cookie copies.
        self.open_form(reverse("account_login"))
        if user is not None:
            client = Client()
            client.force_login(user)
            self._set_cookie(settings.SESSION_COOKIE_NAME, client.cookies[settings.SESSION_COOKIE_NAME].value)

    def _set_cookie(self, name, value):
        cookie = copy.copy(next(c for c in self.jar if c.name == settings.CSRF_COOKIE_NAME))
        cookie.name, cookie.value = name, value
        self.jar.set_cookie(cookie)

    def fork(self):
        """The same person in another tab: a copy of the cookies and of the form's token."""
        other = copy.copy(self)
        other.jar = http.cookiejar.CookieJar()
        for cookie in self.jar:
            other.jar.set_cookie(copy.copy(cookie))
        return other

    def _open(self, path, *, data=None, headers=None):
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        # Always the live server's http:// address.
        request = urllib.request.Request(self.base_url + path, data=body, headers=headers or {})  # noqa: S310
        try:
            with opener.open(request, timeout=TIMEOUT) as response:
                return Reply(response.status, response.url, response.read().decode())
        except urllib.error.HTTPError as error:
            return Reply(error.code, error.url, error.read().decode())

    def get(self, path, **headers):
        return self._open(path, headers=headers)

    def open_form(self, path, **headers):
        """GET a form page and keep its CSRF token for the next posts."""
        reply = self.get(path, **headers)
        found = CSRF_INPUT.search(reply.body)
        assert found, f"no form with a CSRF token at {path} ({reply.status})"
        self.csrf_token = found.group(1)
        return reply

    def post(self, path, data, **headers):
        """POST `data` with the token of the last form opened; redirects are followed (GET)."""
        return self._open(path, data={**data, "csrfmiddlewaretoken": self.csrf_token}, headers=headers)


def simultaneously(*calls):
    """Run each callable in its own thread, all released together; their results, in order."""
    barrier = threading.Barrier(len(calls), timeout=TIMEOUT)
    results = [None] * len(calls)
    errors = []

    def run(index, call):
        try:
            barrier.wait()
            results[index] = call()
        except BaseException as error:  # reported in the test's thread below
            errors.append(error)
        finally:
            connection.close()  # a thread that touched the ORM leaves no connection open

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT * 2)
    assert not any(thread.is_alive() for thread in threads), "a request never came back"
    if errors:
        raise errors[0]
    return results


def post_together(browser, path, bodies, headers=()):
    """POST each body to `path` at the same moment, each from its own tab of `browser` (with
    the matching headers, if any); the replies, in order."""
    headers = list(headers) or [{}] * len(bodies)
    tabs = [browser.fork() for _ in bodies]
    return simultaneously(
        *(
            lambda tab=tab, body=body, extra=extra: tab.post(path, body, **extra)
            for tab, body, extra in zip(tabs, bodies, headers, strict=True)
        )
    )
