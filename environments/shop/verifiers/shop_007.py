"""shop-007 (hard): Buy the Alpine 2-Person Tent with express shipping, delivered to 742 Cedar Lane, Boulder, CO 80302.

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
    tent = next(p for p in state["products"] if p["name"] == "Alpine 2-Person Tent")
    orders = [o for o in state["orders"] if any(i["productId"] == tent["id"] for i in o["items"]) and o["status"] != "Cancelled"]
    if not orders:
        return False, "no order contains the Alpine 2-Person Tent"
    problems = []
    for o in orders:
        a = o["address"]
        issues = []
        if o["shipping"]["method"] != "express":
            issues.append(f"shipping is {o['shipping']['method']}")
        if "742 cedar lane" not in a["street"].lower():
            issues.append(f"street is {a['street']!r}")
        if a["city"].strip().lower() != "boulder":
            issues.append(f"city is {a['city']!r}")
        if a["state"].strip().upper() != "CO":
            issues.append(f"state is {a['state']!r}")
        if not a["zip"].strip().startswith("80302"):
            issues.append(f"ZIP is {a['zip']!r}")
        if not issues:
            return True, f"order {o['id']} ships the tent express to 742 Cedar Lane, Boulder, CO 80302"
        problems.append(f"{o['id']}: " + ", ".join(issues))
    return False, "; ".join(problems)
