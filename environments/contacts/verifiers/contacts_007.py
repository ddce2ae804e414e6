"""contacts-007 (medium): Add a note to Aisha Khan's contact saying: Prefers calls after 3pm.

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
    c = _find(state, "Aisha", "Khan")
    if c is None:
        return False, "Aisha Khan is missing"
    for n in c["notes"]:
        t = re.sub(r"\s+", " ", n["text"].lower())
        if "prefers calls after 3" in t and ("pm" in t or "p.m" in t):
            return True, f"note found: {n['text']!r}"
    return False, "no note about calls after 3pm on Aisha Khan"
