"""shop-002 (easy): Add 2 Trailhead 30L Daypacks to your cart.

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
    pack = next(p for p in state["products"] if p["name"] == "Trailhead 30L Daypack")
    line = next((i for i in state["cart"]["items"] if i["productId"] == pack["id"]), None)
    if line is None:
        return False, "the Trailhead 30L Daypack is not in the cart"
    if line["quantity"] != 2:
        return False, f"the cart holds {line['quantity']} Trailhead 30L Daypack(s), expected 2"
    return True, "2 Trailhead 30L Daypacks are in the cart"
