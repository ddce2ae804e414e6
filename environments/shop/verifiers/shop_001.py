"""shop-001 (easy): What is the price of the Alpine 2-Person Tent?

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
    product = next((p for p in state["products"] if p["name"] == "Alpine 2-Person Tent"), None)
    if product is None:
        return False, "Alpine 2-Person Tent is missing from the catalogue"
    if not final_answer:
        return False, "no answer given"
    if any(abs(n - product["price"]) < 0.005 for n in _numbers(final_answer)):
        return True, f"answer mentions the price ${product['price']:.2f}"
    return False, f"answer does not mention ${product['price']:.2f}"
