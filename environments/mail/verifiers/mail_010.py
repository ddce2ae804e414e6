"""mail-010 (medium): Unblock deals@megamart.example so that its emails reach you again.

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
    blocked = [str(b).lower() for b in state.get("blockedSenders", [])]
    if "deals@megamart.example" in blocked:
        return False, "deals@megamart.example is still blocked."
    missing = [b for b in ("promo@flashsale.example", "win-big@luckydraw.example") if b not in blocked]
    if missing:
        return False, f"deals@megamart.example is unblocked, but so are {missing}."
    return True, "deals@megamart.example is unblocked; the other blocked senders stay blocked."
