"""The person's part of the device-code flow, done with `requests` posting the verification
page's forms exactly as a browser without JavaScript would (cookie jar, hidden fields)."""

from __future__ import annotations

import re

import requests

PASSWORD = "correct horse battery"


def hidden(html: str, name: str) -> str:
    m = re.search(rf'name="{re.escape(name)}" value="([^"]*)"', html)
    assert m, f"no hidden field {name} in page:\n{html}"
    return m.group(1)


def approve(verification_uri: str, user_code: str, upn: str, password: str = PASSWORD,
            ca: str | None = None, decision: str = "approve") -> str:
    """Types the code, signs in, approves (or declines); returns the final page."""
    s = requests.Session()
    s.verify = ca if ca else True
    page = s.get(verification_uri, timeout=30)
    assert page.status_code == 200, page.text
    csrf = hidden(page.text, "csrf")
    page = s.post(verification_uri, data={"csrf": csrf, "step": "code", "user_code": user_code}, timeout=30)
    assert page.status_code == 200, page.text
    page = s.post(verification_uri, data={"csrf": csrf, "step": "signin", "user_code": user_code,
                                          "username": upn, "password": password}, timeout=30)
    assert page.status_code == 200, page.text
    page = s.post(verification_uri, data={"csrf": csrf, "step": "decide", "user_code": user_code,
                                          "approval": hidden(page.text, "approval"), "decision": decision},
                  timeout=30)
    assert page.status_code == 200, page.text
    return page.text
