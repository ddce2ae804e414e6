"""mail-009 (medium): Delete all three issues of The Weekly Byte newsletter from your inbox.

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


SEED_TRASH = {401}


def verify(server_url):
    status, state = _get_state(server_url)
    if status != 200 or not isinstance(state, dict):
        return False, "Could not retrieve application state."
    issues = [m for m in state.get("emails", []) if m.get("from", {}).get("email") == "newsletter@weeklybyte.example"]
    left = [m["subject"] for m in issues if m.get("folder") != "trash"]
    if left:
        return False, f"These Weekly Byte issues are not in Trash: {left}."
    others = [m["subject"] for m in state.get("emails", []) if m.get("folder") == "trash" and m["id"] not in SEED_TRASH and m.get("from", {}).get("email") != "newsletter@weeklybyte.example"]
    if others:
        return False, f"Other emails were deleted too: {others}."
    return True, "All three Weekly Byte issues are in Trash and nothing else was deleted."
