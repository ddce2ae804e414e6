"""mail-008 (hard): What is the confirmation number of your Harborview Hotel booking?

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


def verify(server_url, final_answer=None):
    status, state = _get_state(server_url)
    if status != 200 or not isinstance(state, dict):
        return False, "Could not retrieve application state."
    email = _find_email(state, "reservations@harborview.example", "Booking confirmed")
    if email is None:
        return False, "The Harborview Hotel booking email no longer exists."
    if not final_answer:
        return False, "No answer was given."
    normalised = "".join(ch for ch in str(final_answer).upper() if ch.isalnum())
    if "HV58213" in normalised:
        return True, "The answer contains the confirmation number HV-58213."
    return False, f"The answer {str(final_answer)[:200]!r} does not contain the confirmation number HV-58213."
