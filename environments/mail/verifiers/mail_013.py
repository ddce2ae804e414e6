"""mail-013 (hard): Turn on the vacation responder with the subject "Out of office until April 11" and a message saying that Jonas Weber covers partner calls while you are away.

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
    vacation = state.get("settings", {}).get("vacation", {})
    problems = []
    if vacation.get("enabled") is not True:
        problems.append("the vacation responder is off")
    subject = " ".join(str(vacation.get("subject", "")).split())
    if subject.lower() != "out of office until april 11":
        problems.append(f"the subject is {subject!r}")
    if "jonas" not in str(vacation.get("message", "")).lower():
        problems.append("the message does not mention Jonas")
    if problems:
        return False, "Vacation responder: " + "; ".join(problems) + "."
    return True, "The vacation responder is on with the subject 'Out of office until April 11' and a message naming Jonas."
