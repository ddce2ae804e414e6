"""fn-003 (function): Remove the Finance label from the quarterly tax estimate email.

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
    email = _find_email(state, "greta@holm-accounting.example", "Quarterly tax estimate")
    if email is None:
        return False, "The quarterly tax estimate email no longer exists."
    if "finance" in email.get("labels", []):
        return False, "The quarterly tax estimate email still has the Finance label."
    if email.get("folder") == "trash":
        return False, "The Finance label is gone, but the email was moved to Trash."
    return True, "The quarterly tax estimate email no longer has the Finance label."
