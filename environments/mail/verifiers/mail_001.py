"""mail-001 (easy): Star the email from Priya Shah about the Q3 roadmap review.

Verifier for the Relay Mail State-API app (WebArena-Infinity convention). Standard library only.
"""
import json
import urllib.error
import urllib.request


def _get_state(server_url):
    """GET /api/state; returns (status, parsed JSON or None)."""
    try:
        with urllib.request.urlopen(server_url.rstrip("/") + "/api/state", timeout=10) as resp:
            status, body = resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, None
    except (urllib.error.URLError, OSError):
        return 0, None
    try:
        return status, json.loads(body.decode("utf-8"))
    except ValueError:
        return status, None


def _find_email(state, sender_email, subject_part):
    for m in state.get("emails", []):
        if m.get("from", {}).get("email", "").lower() != sender_email:
            continue
        if subject_part.lower() not in m.get("subject", "").lower():
            continue
        return m
    return None


def verify(server_url):
    status, state = _get_state(server_url)
    if status != 200 or not isinstance(state, dict):
        return False, "Could not retrieve application state."
    email = _find_email(state, "priya.shah@northwind.example", "Q3 roadmap review")
    if email is None:
        return False, "The email from Priya Shah about the Q3 roadmap review no longer exists."
    if not email.get("starred"):
        return False, "The email from Priya Shah about the Q3 roadmap review is not starred."
    seed_starred = {111, 116, 301}
    starred = {m["id"] for m in state.get("emails", []) if m.get("starred")}
    extra = sorted(starred - seed_starred - {email["id"]})
    lost = sorted(seed_starred - starred)
    if extra or lost:
        return False, f"Other stars changed too: newly starred {extra}, unstarred {lost}."
    return True, "The Q3 roadmap review email from Priya Shah is starred and no other star changed."
