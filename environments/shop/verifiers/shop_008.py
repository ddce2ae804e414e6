"""shop-008 (medium): What is the cheapest product in the Footwear category, and what does it cost?

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
    shoes = [p for p in state["products"] if p["categoryId"] == "footwear"]
    cheapest = min(shoes, key=lambda p: p["price"])
    if not final_answer:
        return False, "no answer given"
    has_name = cheapest["name"].lower() in final_answer.lower()
    has_price = any(abs(n - cheapest["price"]) < 0.005 for n in _numbers(final_answer))
    if has_name and has_price:
        return True, f"answer names {cheapest['name']} at ${cheapest['price']:.2f}"
    return False, f"expected {cheapest['name']} at ${cheapest['price']:.2f} (name found: {has_name}, price found: {has_price})"
