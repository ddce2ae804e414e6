"""shop-006 (medium): Change the quantity of the Basecamp Enamel Mug Set in your cart to 3.

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
    mugs = next(p for p in state["products"] if p["name"] == "Basecamp Enamel Mug Set")
    line = next((i for i in state["cart"]["items"] if i["productId"] == mugs["id"]), None)
    if line is None:
        return False, "the Basecamp Enamel Mug Set is no longer in the cart"
    if line["quantity"] == 3:
        return True, "the cart holds 3 Basecamp Enamel Mug Sets"
    return False, f"the cart holds {line['quantity']} Basecamp Enamel Mug Set(s), expected 3"
