"""shop-010 (hard): Order 2 Lumen 400 Headlamps with overnight shipping to your saved address, using the promo code TRAIL15.

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
    lamp = next(p for p in state["products"] if p["name"] == "Lumen 400 Headlamp")
    saved = state["user"]["address"]
    problems = []
    for o in state["orders"]:
        line = next((i for i in o["items"] if i["productId"] == lamp["id"]), None)
        if line is None or o["status"] == "Cancelled":
            continue
        issues = []
        if line["quantity"] != 2:
            issues.append(f"{line['quantity']} headlamp(s)")
        if o["shipping"]["method"] != "overnight":
            issues.append(f"shipping is {o['shipping']['method']}")
        if (o.get("coupon") or "").upper() != "TRAIL15" or not o.get("discount"):
            issues.append(f"promo code is {o.get('coupon')!r}")
        if o["address"]["street"].strip().lower() != saved["street"].lower() or o["address"]["zip"].strip() != saved["zip"]:
            issues.append("not shipped to the saved address")
        if not issues:
            return True, f"order {o['id']}: 2 headlamps, overnight, TRAIL15, saved address"
        problems.append(f"{o['id']}: " + ", ".join(issues))
    return False, "; ".join(problems) or "no order contains the Lumen 400 Headlamp"
