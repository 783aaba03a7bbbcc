"""Schemathesis against the real service's OpenAPI schema over loopback: at least 1,000
generated requests; no 500 and every response conforms to the schema. Exits with the
runner's status (non-zero when a check fails).

    .venv/bin/python bench/fuzz.py [--max-examples 150]
"""

import argparse
import subprocess
import sys
import tempfile

from service import BIN, running_service

CHECKS = (
    "not_a_server_error,status_code_conformance,content_type_conformance,"
    "response_headers_conformance,response_schema_conformance"
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--max-examples",
        type=int,
        default=200,
        help="per operation; about ten operations make ≥ 1,000 requests",
    )
    args = parser.parse_args()
    with (
        running_service(rate_limit_per_minute="0", request_timeout_seconds="20") as service,
        tempfile.TemporaryDirectory() as reports,
    ):
        command = [
            str(BIN / "st"),
            "run",
            f"{service.url}/openapi.json",
            "--checks",
            CHECKS,
            "--max-examples",
            str(args.max_examples),
            "--phases",
            "examples,coverage,fuzzing",
            "--request-timeout",
            "30",
            "--seed",
            "1",
            "--report-dir",
            reports,
            "--no-color",
        ]
        print(" ".join(command[1:]))
        return subprocess.run(command, timeout=1800).returncode


if __name__ == "__main__":
    sys.exit(main())
