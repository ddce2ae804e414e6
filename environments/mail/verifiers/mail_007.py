"""mail-007 (medium): Change your email signature to: Dana Whitfield | Head of Partnerships, Relay Labs

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
    signature = " ".join(str(state.get("settings", {}).get("signature", "")).split())
    want = "Dana Whitfield | Head of Partnerships, Relay Labs"
    if signature == want:
        return True, f"The signature reads {want!r}."
    return False, f"The signature reads {signature!r}, expected {want!r}."
