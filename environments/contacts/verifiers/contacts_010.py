"""contacts-010 (hard): Create a new label called Book Club and add Priya Raman and Sofia Marin to it.

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
    lab = next((l for l in state["labels"] if l["name"].strip().lower() == "book club"), None)
    if lab is None:
        return False, "there is no Book Club label"
    members = sorted(f"{c['firstName']} {c['lastName']}" for c in state["contacts"] if lab["id"] in c["labels"])
    if members == ["Priya Raman", "Sofia Marin"]:
        return True, "Book Club holds Priya Raman and Sofia Marin"
    return False, f"Book Club holds {members}, expected Priya Raman and Sofia Marin"
