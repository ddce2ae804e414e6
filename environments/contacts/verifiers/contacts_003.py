"""contacts-003 (medium): Create a new contact: Elena Vasquez from BrightPath, email elena.vasquez@brightpath.io, phone (415) 555-0142.

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
    c = _find(state, "Elena", "Vasquez")
    if c is None:
        return False, "no contact named Elena Vasquez"
    issues = []
    if c["email"].strip().lower() != "elena.vasquez@brightpath.io":
        issues.append(f"email is {c['email']!r}")
    if re.sub(r"\D", "", c["phone"])[-10:] != "4155550142":
        issues.append(f"phone is {c['phone']!r}")
    if "brightpath" not in c["company"].lower():
        issues.append(f"company is {c['company']!r}")
    if issues:
        return False, "Elena Vasquez: " + ", ".join(issues)
    return True, "Elena Vasquez was created with the right email, phone and company"
