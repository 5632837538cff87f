#!/usr/bin/env python3
"""gpu-serve.sh's client side, standard library only (the GPU machine has python3, maybe no curl):

  serve_check.py wait URL SECONDS PID      until URL/health/ready answers 200 (exit 1 on timeout or
                                           when process PID, the server, has ended)
  serve_check.py fetch URL OUT.json N TOKEN
                                           N debug rank requests (fixed users and contexts; debug needs
                                           the admin TOKEN), the answers to OUT.json
  serve_check.py get URL PATH OUT          one GET, its body to OUT
  serve_check.py compare A.json B.json TOL candidates and scores of two fetches: same ads in the same
                                           order, |pCTR| and |pCVR| differences within TOL (exit 1 if not)
  serve_check.py drill ADMIN_URL TOKEN DEVICE FAULT OUT.json
                                           POST a fault drill (launch or trap) to DEVICE, then poll
                                           /admin/api/devices every 50 ms until DEVICE takes work again
                                           (at most 30 s): the timeline to OUT.json (exit 1 if it is
                                           not back)
  serve_check.py put ADMIN_URL TOKEN PATH JSON
                                           one admin PUT (exit 1 unless 200)
  serve_check.py report OUT_DIR            serve.md from the load, parity and drill files in OUT_DIR
"""
import json
import math
import os
import sys
import time
import urllib.error
import urllib.request

SURFACES = ["home_feed", "search", "video", "article"]
DEVICES = ["ios", "android", "desktop"]
COUNTRIES = ["US", "GB", "DE", "IN", "BR"]


def wait(url, seconds, pid):
    end = time.time() + float(seconds)
    while time.time() < end:
        try:
            os.kill(int(pid), 0)
        except OSError:
            print(f"the server (process {pid}) ended before it was ready", file=sys.stderr)
            return 1
        try:
            with urllib.request.urlopen(url + "/health/ready", timeout=2) as r:
                if r.status == 200:
                    return 0
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(1)
    print(f"{url} not ready after {seconds} s", file=sys.stderr)
    return 1


def fetch(url, out, n, token):
    answers = []
    for i in range(int(n)):
        body = {"userId": f"u{(i * 2477) % 50000}",
                "context": {"surface": SURFACES[i % 4], "device": DEVICES[i % 3], "country": COUNTRIES[i % 5],
                            "hour": (i * 7) % 24},
                "slots": 5, "deadlineMs": 2000, "debug": True}
        request = urllib.request.Request(url + "/v1/rank", data=json.dumps(body).encode(),
                                         headers={"Content-Type": "application/json", "Authorization": "Bearer " + token})
        try:
            with urllib.request.urlopen(request, timeout=30) as r:
                answers.append({"request": body, "status": r.status, "answer": json.load(r)})
        except urllib.error.HTTPError as e:
            answers.append({"request": body, "status": e.code, "answer": e.read().decode(errors="replace")})
    json.dump(answers, open(out, "w"))
    failed = [a for a in answers if a["status"] != 200]
    print(f"{len(answers)} debug rank requests, {len(failed)} not 200")
    return 1 if failed else 0


def get(url, path, out):
    with urllib.request.urlopen(url + path, timeout=10) as r:
        open(out, "wb").write(r.read())
    return 0


def compare(a_path, b_path, tol):
    for path in (a_path, b_path):
        if not os.path.exists(path):
            print(f"FAIL: no answers in {path} (its server did not serve)")
            return 1
    a, b = json.load(open(a_path)), json.load(open(b_path))
    tol = float(tol)
    worst = {"pctr": 0.0, "pcvr": 0.0}
    candidates = 0
    problems = []
    for i, (x, y) in enumerate(zip(a, b)):
        if x["status"] != 200 or y["status"] != 200:
            problems.append(f"request {i}: status {x['status']} / {y['status']}")
            continue
        cx, cy = x["answer"].get("debug", []), y["answer"].get("debug", [])
        if [c["adId"] for c in cx] != [c["adId"] for c in cy]:
            problems.append(f"request {i}: different candidates ({len(cx)} / {len(cy)})")
            continue
        for p, q in zip(cx, cy):
            candidates += 1
            for score in worst:
                x, y = p[score], q[score]
                if not (isinstance(x, (int, float)) and isinstance(y, (int, float))
                        and math.isfinite(x) and math.isfinite(y)):
                    problems.append(f"request {i}, ad {p['adId']}: {score} {x} / {y}")
                    continue
                worst[score] = max(worst[score], abs(x - y))
    if len(a) != len(b):
        problems.append(f"{len(a)} answers against {len(b)}")
    if candidates == 0:
        problems.append("no candidate to compare")
    ok = not problems and all(w <= tol for w in worst.values())
    print(f"{candidates} candidates of {len(a)} requests compared: max |pCTR diff| {worst['pctr']:.2e}, "
          f"max |pCVR diff| {worst['pcvr']:.2e} (tolerance {tol:g}): {'PASS' if ok else 'FAIL'}")
    for p in problems[:10]:
        print("  " + p)
    return 0 if ok else 1


def admin_call(admin_url, token, path, body=None):
    request = urllib.request.Request(admin_url + path, data=None if body is None else json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json", "Authorization": "Bearer " + token})
    try:
        with urllib.request.urlopen(request, timeout=10) as r:
            return r.status, json.load(r)
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(errors="replace")


def put(admin_url, token, path, body):
    request = urllib.request.Request(admin_url + path, data=body.encode(), method="PUT",
                                     headers={"Content-Type": "application/json", "Authorization": "Bearer " + token})
    try:
        with urllib.request.urlopen(request, timeout=10) as r:
            print(f"PUT {path}: {r.status}")
            return 0 if r.status == 200 else 1
    except urllib.error.HTTPError as e:
        print(f"PUT {path}: {e.code} {e.read().decode(errors='replace')}", file=sys.stderr)
        return 1


def drill(admin_url, token, device, fault, out):
    start = time.time()
    status, armed = admin_call(admin_url, token, f"/admin/api/devices/{device}/fault-drill", {"fault": fault})
    timeline = []
    left_service = None
    back = None
    while status == 202 and time.time() - start < 30:
        code, listed = admin_call(admin_url, token, "/admin/api/devices")
        ms = round((time.time() - start) * 1000)
        state = next((d for d in listed.get("devices", []) if d["name"] == device), None) if code == 200 else None
        if state is not None:
            if not timeline or (timeline[-1]["takesWork"], timeline[-1]["healthy"]) != (state["takesWork"],
                                                                                        state["healthy"]):
                timeline.append({"ms": ms, "takesWork": state["takesWork"], "healthy": state["healthy"]})
            if not state["takesWork"] and left_service is None:
                left_service = ms
            if state["takesWork"] and left_service is not None:
                back = ms
                break
        time.sleep(0.05)
    result = {"device": device, "fault": fault, "armedStatus": status, "armed": armed,
              "quarantinedAtMs": left_service, "backAtMs": back, "timeline": timeline}
    json.dump(result, open(out, "w"), indent=1)
    print(f"drill {fault} on {device}: armed {status}, quarantined at {left_service} ms, back at {back} ms")
    return 0 if back is not None else 1


def report(out_dir):
    scoring = "(no server log)"
    for name in sorted(os.listdir(out_dir)):
        if name.startswith("serve-") and name.endswith(".log") and name != "serve-reference.log":
            lines = [l for l in open(os.path.join(out_dir, name), errors="replace") if "scoring on" in l]
            scoring = lines[0].split("scoring on", 1)[1].strip() if lines else scoring
    served = "GPU" if scoring.startswith("gpu") else "as served"
    rows = []
    loads = [(served, name, f"serve-load-{name}.json") for name in ["qps200", "qps1000", "qps2000", "clients32"]]
    loads += [(f"{served}, one request per batch", "clients32", "serve-load-clients32-unbatched.json")]
    loads += [(f"{served}, {fault} drill", "qps500", f"serve-load-drill-{fault}.json") for fault in ["launch", "trap"]]
    loads += [("CPU, reference engine", name, f"serve-load-cpu-{name}.json") for name in ["qps50", "clients32"]]
    for server, load, file in loads:
        try:
            r = json.load(open(os.path.join(out_dir, file)))
        except (ValueError, OSError):
            rows.append(f"| {server} | {load} | no result | | | | | | |")
            continue
        ok = r.get("status", {}).get("200", 0)
        status = ", ".join(f"{k}: {v}" for k, v in sorted(r.get("status", {}).items()))
        # Percentiles and QPS cover every answer, 503s included: the 200 column says how many were served.
        rows.append(f"| {server} | {load} | {r['requests']} | {ok} ({ok / max(1, r['requests']):.0%}) | {r['qps']:.0f} | "
                    f"{r['p50_ms']:.1f} | {r['p99_ms']:.1f} | {r['max_ms']:.1f} | {status}; errors {r.get('errors', 0)}; "
                    f"dropped {r.get('dropped', 0)} |")
    print("### /v1/rank, 1000 candidates per request (`adsml load` on the same machine)")
    print()
    print(f"The server scored on: {scoring}")
    print()
    print("Latencies and QPS are over every answer, 503s included. `dropped`: open-loop requests that fell due")
    print("while the generator's in-flight limit was reached, never sent (and not in the latencies).")
    print()
    print("| server | load | requests | answered 200 | QPS | p50 ms | p99 ms | max ms | status |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    print("\n".join(rows))
    drills = []
    for fault in ["launch", "trap"]:
        try:
            d = json.load(open(os.path.join(out_dir, f"drill-{fault}.json")))
        except (ValueError, OSError):
            continue
        drills.append(f"| {fault} | {d['armedStatus']} | {d['quarantinedAtMs']} | {d['backAtMs']} |")
    if drills:
        print()
        print("Fault drills during the 500 QPS runs above (POST /admin/api/devices/gpu0/fault-drill; the drill's")
        print("batch is scored on the CPU; ms from the POST, polled every 50 ms):")
        print()
        print("| fault | POST status | gpu0 out of service at ms | back in service at ms |")
        print("| --- | --- | --- | --- |")
        print("\n".join(drills))
    parity = os.path.join(out_dir, "parity.txt")
    if os.path.exists(parity):
        print()
        print("Scores through /v1/rank, GPU server against a server scoring with the Java reference:")
        print()
        print("    " + open(parity).read().strip().replace("\n", "\n    "))
    return 0


if __name__ == "__main__":
    commands = {"wait": wait, "fetch": fetch, "get": get, "compare": compare, "drill": drill, "put": put,
                "report": report}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(commands[sys.argv[1]](*sys.argv[2:]))
