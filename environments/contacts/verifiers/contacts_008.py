"""contacts-008 (medium): Daniel Cho moved to Northpeak Partners. Update his company to Northpeak Partners and his email to daniel.cho@northpeak.com.

Verifier for the Ledger Contacts State-API app. Standard library only.
"""
import json
import re
import urllib.request


def _state(server_url):
    with urllib.request.urlopen(server_url.rstrip("/") + "/api/state", timeout=10) as resp:
        return json.loads(resp.read().decode("utf-8"))


def _find(state, first, last):
    for c in state["contacts"]:
        if c["firstName"].strip().lower() == first.lower() and c["lastName"].strip().lower() == last.lower():
            return c
    return None


def verify(server_url):
    try:
        state = _state(server_url)
    except Exception as exc:  # noqa: BLE001
        return False, f"could not read state: {exc}"
    c = _find(state, "Daniel", "Cho")
    if c is None:
        return False, "Daniel Cho is missing"
    issues = []
    if c["company"].strip().lower() != "northpeak partners":
        issues.append(f"company is {c['company']!r}")
    if c["email"].strip().lower() != "daniel.cho@northpeak.com":
        issues.append(f"email is {c['email']!r}")
    if issues:
        return False, "Daniel Cho: " + ", ".join(issues)
    return True, "Daniel Cho works at Northpeak Partners with the new email"
