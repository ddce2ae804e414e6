"""shop-003 (easy): Save the Summit Down Jacket to your wishlist.

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
    jacket = next(p for p in state["products"] if p["name"] == "Summit Down Jacket")
    if jacket["id"] in state["wishlist"]:
        return True, "the Summit Down Jacket is in the wishlist"
    return False, "the Summit Down Jacket is not in the wishlist"
