"""contacts-002 (easy): Mark Marcus Bell as a favourite.

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
    c = _find(state, "Marcus", "Bell")
    if c is None:
        return False, "Marcus Bell is missing"
    if c.get("favorite"):
        return True, "Marcus Bell is a favourite"
    return False, "Marcus Bell is not a favourite"
