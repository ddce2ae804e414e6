"""shop-004 (medium): What was the order total of your order NW-10420?

Verifier for the Northwind Outfitters State-API app. Standard library only.
"""
import json
import re
import urllib.request


def _state(server_url):
    with urllib.request.urlopen(server_url.rstrip("/") + "/api/state", timeout=10) as resp:
        return json.loads(resp.read().decode("utf-8"))


def _numbers(text):
    return [float(n) for n in re.findall(r"\d+(?:\.\d+)?", str(text).replace(",", ""))]


def verify(server_url, final_answer=None):
    try:
        state = _state(server_url)
    except Exception as exc:  # noqa: BLE001
        return False, f"could not read state: {exc}"
    order = next((o for o in state["orders"] if o["id"] == "NW-10420"), None)
    if order is None:
        return False, "order NW-10420 is missing"
    if not final_answer:
        return False, "no answer given"
    if any(abs(n - order["total"]) < 0.005 for n in _numbers(final_answer)):
        return True, f"answer mentions the total ${order['total']:.2f}"
    return False, f"answer does not mention ${order['total']:.2f}"
