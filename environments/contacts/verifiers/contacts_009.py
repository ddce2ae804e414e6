"""contacts-009 (medium): Which company does the contact with phone number (312) 555-0187 work for?

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


def verify(server_url, final_answer=None):
    try:
        state = _state(server_url)
    except Exception as exc:  # noqa: BLE001
        return False, f"could not read state: {exc}"
    c = next((x for x in state["contacts"] if re.sub(r"\D", "", x["phone"]) == "3125550187"), None)
    if c is None:
        return False, "no contact has the phone number (312) 555-0187"
    if not final_answer:
        return False, "no answer given"
    if c["company"].lower() in final_answer.lower():
        return True, f"answer names {c['company']}"
    return False, f"answer does not name {c['company']}"
