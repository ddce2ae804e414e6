"""fn-004 (function): Turn off conversation view.

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
    value = state.get("settings", {}).get("conversationView")
    if value is False:
        return True, "Conversation view is off."
    return False, f"Conversation view is still on (conversationView = {value!r})."
