"""shop-009 (medium): Cancel order NW-10423; it has not shipped yet.

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
    order = next((o for o in state["orders"] if o["id"] == "NW-10423"), None)
    if order is None:
        return False, "order NW-10423 is missing"
    if order["status"] == "Cancelled":
        return True, "order NW-10423 is cancelled"
    return False, f"order NW-10423 is {order['status']}"
