"""The real service for the benchmarks: a store built with `policybot ingest` in a temporary
directory, then uvicorn on a free loopback port in a subprocess. Loopback only."""

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


@dataclass(frozen=True)
class Service:
    url: str
    pid: int

    def rss_kib(self) -> int:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise RuntimeError(f"no VmRSS for process {self.pid}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_service(**settings: str) -> Iterator[Service]:
    """`settings` are POLICYBOT_* variables without the prefix, e.g. rate_limit_per_minute."""
    with tempfile.TemporaryDirectory(prefix="policybot-bench-") as tmp:
        env = {
            **os.environ,
            "POLICYBOT_STORE_DIR": str(Path(tmp) / "store"),
            "PYTHONPATH": str(ROOT),
        }
        env.update({f"POLICYBOT_{k.upper()}": v for k, v in settings.items()})
        subprocess.run(
            [str(BIN / "policybot"), "ingest"],
            env=env,
            cwd=ROOT,
            check=True,
            timeout=300,
            stdout=subprocess.DEVNULL,
        )
        port = free_port()
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "--factory",
                "app.api:create_app",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--log-level",
                "warning",
                "--no-access-log",
            ],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 120
            while True:
                if server.poll() is not None or time.monotonic() > deadline:
                    error = server.stderr.read().decode()[-2000:] if server.stderr else ""
                    raise RuntimeError(f"the service did not become ready:\n{error}")
                try:
                    if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                time.sleep(0.2)
            yield Service(url, server.pid)
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(timeout=10)
