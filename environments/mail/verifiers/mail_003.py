"""mail-003 (medium): Label Hannah Okoye's email about the Lisbon conference travel plans as Travel.

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
    email = _find_email(state, "hannah.okoye@northwind.example", "Lisbon conference")
    if email is None:
        return False, "Hannah Okoye's email about the Lisbon conference no longer exists."
    if "travel" not in email.get("labels", []):
        return False, f"Hannah Okoye's Lisbon email has the labels {email.get('labels', [])}, not Travel."
    if email.get("folder") == "trash":
        return False, "Hannah Okoye's Lisbon email is labelled Travel but was moved to Trash."
    return True, "Hannah Okoye's Lisbon conference email is labelled Travel."
