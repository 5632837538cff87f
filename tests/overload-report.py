"""Reads the runs tests/bench-overload left in a folder and prints what it found.

    python3 tests/overload-report.py sustainable DIR    the highest warm rate with p99 <= 50 ms
                                                        and every answer a 200 (0 if none)
    python3 tests/overload-report.py tables DIR S       BENCHMARKS.md's tables, S the sustainable rate
"""
import json
import os
import sys


def load(folder, name):
    with open(os.path.join(folder, name + ".json")) as f:
        run = json.load(f)
    with open(os.path.join(folder, name + ".probe")) as f:
        run["probe"] = json.load(f)
    with open(os.path.join(folder, name + ".adminprobe")) as f:
        run["adminprobe"] = json.load(f)
    with open(os.path.join(folder, name + ".cpu")) as f:
        server_cpu, load_cpu = f.read().split()
        run["server_cpu"], run["load_cpu"] = float(server_cpu), float(load_cpu)
    return run


def all_200(run):
    return set(run["status"]) == {"200"} and run["errors"] == 0 and run["dropped"] == 0


def sustainable(folder):
    best = 0
    for q in (150, 200, 250, 300, 350):
        run = load(folder, "warm-%d" % q)
        if run["p99_ms"] <= 50 and all_200(run):
            best = q
    return best


def non_2xx(run):
    return sum(n for s, n in run["status"].items() if not s.startswith("2")) + run["errors"]


def ladder(folder, prefix, rates):
    print("| target QPS | goodput /s | p50 ms | p99 ms | non-2xx | probe p99 ms |")
    print("| --- | --- | --- | --- | --- | --- |")
    for q in rates:
        r = load(folder, "%s-%d" % (prefix, q))
        print("| %d | %.1f | %.1f | %.1f | %d | %.1f |"
              % (q, r["goodput"], r["p50_ms"], r["p99_ms"], non_2xx(r), r["probe"]["p99_ms"]))


def tables(folder, s):
    print("Cold (from the first /health/ready 200):\n")
    ladder(folder, "cold", (150, 200, 250))
    print("\nWarm (after 150 s at 150 QPS):\n")
    ladder(folder, "warm", (150, 200, 250, 300, 350))
    print("\nOverload, S = %d QPS:\n" % s)
    print("| load | sent /s | goodput /s | / goodput at S | 2xx p99 ms | 503s | 503 p99 ms | errors "
          "| server CPU s | generator CPU s |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    base = load(folder, "x1")["goodput"]
    for name, factor in (("x1", 1), ("x3", 3), ("x10", 10)):
        r = load(folder, name)
        print("| %d x S | %.0f | %.1f | %.2f | %.1f | %d | %.1f | %d | %.1f | %.1f |"
              % (factor, r["qps"], r["goodput"], r["goodput"] / base if base else 0, r["ok_p99_ms"],
                 r["status"].get("503", 0), r["shed_p99_ms"], r["errors"], r["server_cpu"], r["load_cpu"]))
    print("\nReadiness probes during those runs (GET /health/ready on a new connection every 50 ms):\n")
    print("| load | public: 200s | p99 ms | max ms | admin: 200s | p99 ms | max ms |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for name, factor in (("x1", 1), ("x3", 3), ("x10", 10)):
        p, a = load(folder, name)["probe"], load(folder, name)["adminprobe"]
        print("| %d x S | %d of %d | %.1f | %.1f | %d of %d | %.1f | %.1f |"
              % (factor, p["ok"], p["probes"], p["p99_ms"], p["max_ms"], a["ok"], a["probes"], a["p99_ms"],
                 a["max_ms"]))


if __name__ == "__main__":
    if sys.argv[1] == "sustainable":
        print(sustainable(sys.argv[2]))
    else:
        tables(sys.argv[2], int(sys.argv[3]))
