"""shop-005 (medium): Apply the promo code TRAIL15 to your shopping cart.

Verifier for the Northwind Outfitters State-API app. Standard library only.
"""
import json
import re
import urllib.request


def _state(server_url):
    with urllib.request.urlopen(server_url.rstrip("/") + "/api/state", timeout=10) as resp:
        return json.loads(resp.read().decode("utf-8"))


def verify(server_url):
    try:
        state = _state(server_url)
    except Exception as exc:  # noqa: BLE001
        return False, f"could not read state: {exc}"
    code = state["cart"].get("coupon")
    if (code or "").upper() == "TRAIL15":
        return True, "TRAIL15 is applied to the cart"
    return False, f"cart promo code is {code!r}, expected TRAIL15"
