"""fn-002 (function): Move the archived email about the apartment lease renewal back to the inbox.

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
    email = _find_email(state, "leasing@mapleprop.example", "lease renewal")
    if email is None:
        return False, "The apartment lease renewal email no longer exists."
    if email.get("folder") == "inbox":
        return True, "The apartment lease renewal email is back in the inbox."
    return False, f"The apartment lease renewal email is in '{email.get('folder')}', not in the inbox."
