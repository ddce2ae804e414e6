"""mail-006 (medium): Send an email to leo.martin@example.com with the subject "Offsite agenda" asking whether Thursday works for him.

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


def verify(server_url):
    status, state = _get_state(server_url)
    if status != 200 or not isinstance(state, dict):
        return False, "Could not retrieve application state."
    sent = [m for m in state.get("emails", []) if m.get("folder") == "sent" and m.get("id", 0) >= 500]
    if not sent:
        return False, "No new email was sent."
    to_leo = [m for m in sent if any(t.get("email", "").strip().lower() == "leo.martin@example.com" for t in m.get("to", []))]
    if not to_leo:
        return False, f"No new email went to leo.martin@example.com (sent to: {[t.get('email') for m in sent for t in m.get('to', [])]})."
    for m in to_leo:
        if m.get("subject", "").strip().lower() != "offsite agenda":
            continue
        if "thursday" not in m.get("body", "").lower():
            return False, "The email to Leo has the right subject but does not mention Thursday."
        return True, "An email to leo.martin@example.com with the subject 'Offsite agenda' asking about Thursday was sent."
    return False, f"The email to Leo has the subject {to_leo[-1].get('subject')!r}, expected 'Offsite agenda'."
