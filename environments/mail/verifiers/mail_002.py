"""mail-002 (easy): Archive the email from Marco Bellini about invoice #4471.

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


SEED_ARCHIVE = {301, 302, 303, 304, 305, 306, 307}


def verify(server_url):
    status, state = _get_state(server_url)
    if status != 200 or not isinstance(state, dict):
        return False, "Could not retrieve application state."
    email = _find_email(state, "marco.bellini@bellini-design.example", "Invoice #4471")
    if email is None:
        return False, "The email from Marco Bellini about invoice #4471 no longer exists."
    if email.get("folder") != "archive":
        return False, f"The invoice #4471 email is in '{email.get('folder')}', not in the archive."
    moved = [m["subject"] for m in state.get("emails", []) if m.get("folder") == "archive" and m["id"] not in SEED_ARCHIVE and m["id"] != email["id"]]
    if moved:
        return False, f"Other emails were archived as well: {moved}."
    return True, "The invoice #4471 email from Marco Bellini is archived (and nothing else was)."
