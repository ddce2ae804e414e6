"""contacts-005 (easy): Delete the contact Greg Hollis.

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
    if _find(state, "Greg", "Hollis") is not None:
        return False, "Greg Hollis is still in the contacts"
    if len(state["contacts"]) < 29:
        return False, f"only {len(state['contacts'])} contacts left; other contacts were deleted too"
    return True, "Greg Hollis was deleted and the other contacts remain"
