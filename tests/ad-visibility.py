#!/usr/bin/env python3
"""How soon an ad write shows through HTTP: PUT a new ad made for one user (its latent factors 40
times the user's, in the campaign of the user's first winner), then ask /v1/rank with debug until
the ad is among the candidates; DELETE (pause) it, then ask until it is gone. Prints the times from
sending each write, in ms, as JSON. Run against a server started on DATA (`bin/adsml serve`).

    tests/ad-visibility.py DATA ADMIN_TOKEN INGEST_TOKEN [PORT] [ROUNDS]

The admin listener is PORT + 1 (8080 and 8081 by default); the ad id is the world's next new one.
"""
import csv
import json
import sys
import time
import urllib.error
import urllib.request


def call(method, url, body=None, token=None):
    req = urllib.request.Request(url, method=method, data=None if body is None else json.dumps(body).encode())
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(req) as r:
            return json.loads(r.read())
    except urllib.error.HTTPError as e:
        sys.exit(f"{method} {url}: {e.code} {e.read().decode()}")


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    data, admin_token, ingest_token = sys.argv[1:4]
    port = int(sys.argv[4]) if len(sys.argv) > 4 else 8080
    rounds = int(sys.argv[5]) if len(sys.argv) > 5 else 3
    api, admin = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{port + 1}"
    with open(f"{data}/world/world.json") as f:
        new_id = json.load(f)["config"]["ads"]
    with open(f"{data}/world/users.csv") as f:
        user = next(r for r in csv.DictReader(f) if r["id"] == "1")
    factors = [float(x) for x in user["embedding"].split("|")]

    def candidates():
        body = {"userId": "u1", "context": {"surface": "home_feed", "device": user["device"],
                "country": user["country"], "hour": 13}, "slots": 5, "deadlineMs": 1000, "debug": True}
        answer = call("POST", admin + "/v1/rank", body, admin_token)
        return answer, {c["adId"] for c in answer["debug"]}

    campaign = candidates()[0]["ads"][0]["campaignId"]
    ad = {"campaignId": campaign, "category": 3, "creativeType": "image",
          "embedding": [40 * x for x in factors], "paused": False}
    for _ in range(rounds):
        start = time.time()
        call("PUT", f"{api}/v1/ads/{new_id}", ad, ingest_token)
        while new_id not in candidates()[1]:
            pass
        upsert = (time.time() - start) * 1000
        start = time.time()
        call("DELETE", f"{api}/v1/ads/{new_id}", token=ingest_token)
        while new_id in candidates()[1]:
            pass
        pause = (time.time() - start) * 1000
        print(json.dumps({"upsert_visible_ms": round(upsert, 1), "pause_visible_ms": round(pause, 1)}))


main()
