"""The hostile inputs of tests/test_hostile.py, sent over HTTP to the real service (rate
limiting off): every reply is an error in the one shape or the document's own words, never
a 500 or an invented citation. Prints a summary; exits 1 when any case fails.

    .venv/bin/python bench/hostile.py
"""

import json
import sys
import time
from collections import Counter
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from service import running_service

from tests.test_hostile import CASES, MEASURE_COUNT, allowed_text, check_reply


def main() -> int:
    failures: list[str] = []
    statuses: Counter[int] = Counter()
    cited = 0
    unsendable: list[str] = []
    started = time.perf_counter()
    with (
        running_service(rate_limit_per_minute="0") as service,
        httpx.Client(base_url=service.url, timeout=30) as client,
    ):
        measure_texts = {
            n: client.get(f"/v1/measures/{n}").json()["text"] for n in range(1, MEASURE_COUNT + 1)
        }
        document = allowed_text(client.get, client.post)
        for case in CASES:
            try:
                response = client.post(case.path, **case.request())
            except httpx.LocalProtocolError:
                # httpx will not send it (a bad Content-Length); uvicorn's parser would 400 it
                unsendable.append(case.name)
                continue
            statuses[response.status_code] += 1
            try:
                body = response.json()
                check_reply(case, response.status_code, body, measure_texts, document)
                cited += len(body.get("citations", []))
            except (AssertionError, ValueError) as error:
                failures.append(f"{case.name}: {str(error)[:300]}")
    print(
        json.dumps(
            {
                "cases": len(CASES),
                "statuses": dict(sorted(statuses.items())),
                "errors_5xx": sum(n for s, n in statuses.items() if s >= 500),
                "citations_checked": cited,
                "failures": len(failures),
                "not_sendable_by_httpx": unsendable,
                "seconds": round(time.perf_counter() - started, 1),
            },
            indent=2,
        )
    )
    for failure in failures:
        print(f"FAILED {failure}")
    return 1 if failures or len(CASES) < 50 else 0


if __name__ == "__main__":
    sys.exit(main())
