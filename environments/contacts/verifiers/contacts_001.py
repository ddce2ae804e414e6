"""contacts-001 (easy): What is Priya Raman's phone number?

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
    c = _find(state, "Priya", "Raman")
    if c is None:
        return False, "Priya Raman is missing"
    if not final_answer:
        return False, "no answer given"
    want = re.sub(r"\D", "", c["phone"])
    if want and want in re.sub(r"\D", "", final_answer):
        return True, f"answer contains {c['phone']}"
    return False, f"answer does not contain {c['phone']}"
