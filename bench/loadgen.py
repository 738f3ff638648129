"""A small HTTP load generator for when wrk is not installed: keep-alive connections in threads.

Each of `connections` threads holds one http.client connection to the loopback server and
sends GET requests back to back for `seconds`; the result has the same keys as wrk's.
"""

import http.client
import statistics
import threading
import time
from urllib.parse import urlsplit


def run(url: str, headers: dict, *, connections: int, seconds: int) -> dict:
    parts = urlsplit(url)
    if parts.hostname not in ("127.0.0.1", "localhost", "::1"):
        raise ValueError("the load generator only targets this machine")
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    latencies: list[float] = []
    failures = {"errors": 0, "non_2xx": 0}
    lock = threading.Lock()
    stop_at = time.perf_counter() + seconds

    def client() -> None:
        mine, errors, non_2xx = [], 0, 0
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        while time.perf_counter() < stop_at:
            began = time.perf_counter()
            try:
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                response.read()
            except (OSError, http.client.HTTPException):
                errors += 1
                connection.close()
                connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
                continue
            mine.append(time.perf_counter() - began)
            non_2xx += not 200 <= response.status < 300
        connection.close()
        with lock:
            latencies.extend(mine)
            failures["errors"] += errors
            failures["non_2xx"] += non_2xx

    began = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    cuts = statistics.quantiles(sorted(latencies), n=100, method="inclusive") if latencies else []
    return {
        "tool": "bench.loadgen",
        "requests": len(latencies),
        "seconds": round(elapsed, 2),
        "requests_per_s": round(len(latencies) / elapsed, 1),
        "p50_ms": round(cuts[49] * 1000, 2) if cuts else None,
        "p95_ms": round(cuts[94] * 1000, 2) if cuts else None,
        "max_ms": round(max(latencies) * 1000, 2) if latencies else None,
        **failures,
    }
