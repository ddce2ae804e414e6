"""mail-012 (hard): Mark all of Priya Shah's unread emails as read.

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


# Unread in the seed and not from Priya Shah: The Weekly Byte #112, Hannah Okoye, Jonas Weber.
SEED_UNREAD_OTHERS = {102, 104, 113}


def verify(server_url):
    status, state = _get_state(server_url)
    if status != 200 or not isinstance(state, dict):
        return False, "Could not retrieve application state."
    priya = [m for m in state.get("emails", []) if m.get("from", {}).get("email") == "priya.shah@northwind.example"]
    unread = [m["subject"] for m in priya if not m.get("read")]
    if unread:
        return False, f"These emails from Priya Shah are still unread: {unread}."
    others = [m["subject"] for m in state.get("emails", []) if m["id"] in SEED_UNREAD_OTHERS and m.get("read")]
    if others:
        return False, f"Priya's emails are read, but so are other unread emails: {others}."
    return True, "All of Priya Shah's emails are read; the other unread emails are untouched."
