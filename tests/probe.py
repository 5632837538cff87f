"""A readiness probe as an orchestrator sends it: GET URL on a new connection every 50 ms for
SECONDS seconds, each with a 1 s timeout. Prints one JSON line: probes, answered 200, and the
latency p50, p99 and max in ms (a probe that failed counts with its time to failure).

    python3 tests/probe.py http://127.0.0.1:8080/health/ready 17
"""
import json
import sys
import time
import urllib.error
import urllib.request


def main(url, seconds):
    latencies, ok = [], 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        start = time.monotonic()
        try:
            with urllib.request.urlopen(url, timeout=1) as answer:
                answer.read()
                ok += answer.status == 200
        except (urllib.error.URLError, OSError):
            pass
        latencies.append((time.monotonic() - start) * 1000)
        time.sleep(max(0.0, 0.05 - (time.monotonic() - start)))
    latencies.sort()

    def at(p):
        return round(latencies[min(len(latencies) - 1, int(len(latencies) * p))], 1) if latencies else None

    print(json.dumps({"probes": len(latencies), "ok": ok, "p50_ms": at(0.5), "p99_ms": at(0.99),
                      "max_ms": round(latencies[-1], 1) if latencies else None}))


if __name__ == "__main__":
    main(sys.argv[1], float(sys.argv[2]))
