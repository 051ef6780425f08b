"""The person's part of the authorization-code flow, done with `requests` posting the sign-in and
consent pages' forms exactly as a browser without JavaScript would (cookie jar, hidden fields),
without following the final redirect to the client: its query is the auth response."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qsl, urlsplit

import requests

from device_person import PASSWORD


def hidden(page: str, name: str) -> str:
    m = re.search(rf'name="{re.escape(name)}" value="([^"]*)"', page)
    assert m, f"no hidden field {name} in page:\n{page}"
    return html.unescape(m.group(1))


def sign_in(auth_uri: str, upn: str, password: str = PASSWORD, ca: str | None = None,
            session: requests.Session | None = None) -> dict:
    """Opens auth_uri, signs in and accepts consent where asked; returns the auth response."""
    s = session or requests.Session()
    s.verify = ca if ca else True
    action = auth_uri.split("?", 1)[0]
    page = s.get(auth_uri, timeout=30, allow_redirects=False)
    for _ in range(3):
        if page.status_code in (302, 303):
            location = page.headers["Location"]
            return dict(parse_qsl(urlsplit(location).query))
        assert page.status_code == 200, page.text
        step = hidden(page.text, "step")
        form = {"csrf": hidden(page.text, "csrf"), "step": step, "q": hidden(page.text, "q")}
        if step == "signin":
            form.update(username=upn, password=password)
        else:
            form.update(decision="approve")
        page = s.post(action, data=form, timeout=30, allow_redirects=False)
    raise AssertionError(f"no answer after sign-in and consent:\n{page.text}")
