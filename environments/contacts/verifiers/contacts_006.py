"""contacts-006 (easy): How many of your contacts work at Quanta Labs?

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
    n = sum(1 for c in state["contacts"] if c["company"].strip().lower() == "quanta labs")
    if not final_answer:
        return False, "no answer given"
    words = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10}
    found = [int(x) for x in re.findall(r"\d+", final_answer)]
    found += [v for k, v in words.items() if re.search(r"\b" + k + r"\b", final_answer.lower())]
    if n in found:
        return True, f"answer gives {n}"
    return False, f"expected {n}, answer mentions {found}"
