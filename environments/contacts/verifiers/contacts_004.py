"""contacts-004 (medium): Tom Okafor is now a colleague: move him from the Friends label to the Work label.

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
    c = _find(state, "Tom", "Okafor")
    if c is None:
        return False, "Tom Okafor is missing"
    names = {l["id"]: l["name"] for l in state["labels"]}
    have = sorted(names.get(i, i) for i in c["labels"])
    if "work" in c["labels"] and "friends" not in c["labels"]:
        return True, f"Tom Okafor's labels: {have}"
    return False, f"Tom Okafor's labels are {have}, expected Work and not Friends"
