#!/usr/bin/env python3
"""Streams one trajectory into core-curator through its ingestion API (standard library only).

    CORE_CURATOR_URL=http://localhost:3000 CORE_CURATOR_API_KEY=cck_... \
        python3 examples/ingest_client.py [step0.png step1.png]

Create the key under Settings > API keys. In a real harness (BrowserGym, VisualWebArena,
AndroidWorld), call step() after each action of the agent with that step's screenshot bytes; the
trajectory shows up live in the dashboard while it runs.
"""
import base64
import json
import os
import sys
import urllib.error
import urllib.request

API = os.environ.get("CORE_CURATOR_URL", "http://localhost:3000").rstrip("/") + "/api/ingest/v1"
KEY = os.environ["CORE_CURATOR_API_KEY"]
# A 1x1 PNG, sent when no screenshot files are given.
PIXEL = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
)


def call(path, body):
    request = urllib.request.Request(
        API + path,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Authorization": "Bearer " + KEY, "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.load(response)
    except urllib.error.HTTPError as error:  # the body names the field or the reason
        sys.exit(f"POST {path}: HTTP {error.code} {error.read().decode()}")


def step(trajectory_id, screenshot, **fields):
    fields["screenshotBase64"] = base64.b64encode(screenshot).decode()
    return call(f"/trajectories/{trajectory_id}/steps", fields)["index"]


shots = [open(path, "rb").read() for path in sys.argv[1:3]] or [PIXEL, PIXEL]
run = call("/trajectories", {
    "task": {"intent": "Find the cheapest tent", "startUrl": "http://shop.test/"},
    "policy": "my-agent",
})
tid = run["trajectoryId"]
step(tid, shots[0], url="http://shop.test/", actionText="Click [0]", thought="Tents are under Camping.",
     elements=[{"id": "0", "role": "link", "name": "Camping", "box": {"x": 8, "y": 40, "width": 90, "height": 20}}])
step(tid, shots[-1], url="http://shop.test/camping", action={"type": "answer", "answer": "$129"})
call(f"/trajectories/{tid}/finish", {"envSuccess": True, "finalAnswer": "$129"})
print(f"trajectory {tid}: {run['viewUrl']}")
