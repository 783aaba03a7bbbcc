"""Real servers for the tests, each on a free loopback port and stopped by its test: a Chroma
server (`chroma run`), Redis (Debian's `redis-server`, no persistence) and the service
itself (`policybot serve`, one process per replica)."""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import IO, Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
CHROMA = Path(sys.executable).parent / "chroma"
REDIS = shutil.which("redis-server")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(ready: Any, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if ready():
            return
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not happen in {seconds:g} s")


class Server:
    """A subprocess on `port`; `start` waits until `ready()`, `stop` ends it."""

    name = "server"
    start_seconds = 20.0

    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def command(self) -> list[str]:
        raise NotImplementedError

    def ready(self) -> bool:
        raise NotImplementedError

    def start(self, env: dict[str, str] | None = None, output: IO[bytes] | None = None) -> None:
        self.process = subprocess.Popen(
            self.command(),
            cwd=ROOT,
            env=env,
            stdout=output or subprocess.DEVNULL,
            stderr=subprocess.STDOUT if output else subprocess.DEVNULL,
        )

        def up() -> bool:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}")
            return self.ready()

        wait_until(up, self.start_seconds, f"{self.name} starting")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process is not None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
            self.process = None


class ChromaServer(Server):
    name = "the Chroma server"

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path
        self.url = f"http://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        where = ["--path", str(self.path), "--host", "127.0.0.1", "--port", str(self.port)]
        return [str(CHROMA), "run", *where]

    def ready(self) -> bool:
        try:
            return httpx.get(f"{self.url}/api/v2/heartbeat", timeout=0.5).status_code == 200
        except httpx.HTTPError:
            return False


class RedisServer(Server):
    name = "Redis"

    def __init__(self) -> None:
        super().__init__()
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def command(self) -> list[str]:
        assert REDIS is not None
        memory_only = ["--save", "", "--appendonly", "no"]
        return [REDIS, "--port", str(self.port), "--bind", "127.0.0.1", *memory_only]

    def ready(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def flush(self) -> None:
        with socket.create_connection(("127.0.0.1", self.port), timeout=2) as sock:
            sock.sendall(b"FLUSHALL\r\n")
            assert sock.recv(16).startswith(b"+OK")


class Replica(Server):
    """`policybot serve` with the given POLICYBOT_* settings (names without the prefix); its
    stdout, one JSON line per request, goes to `log_path`."""

    start_seconds = 120.0

    def __init__(self, log_path: Path, workers: int = 1, **settings: str) -> None:
        super().__init__()
        self.name = f"policybot serve on port {self.port}"
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self.workers = workers
        self.env = {
            **os.environ,
            "PYTHONUNBUFFERED": "1",
            **{f"POLICYBOT_{name.upper()}": value for name, value in settings.items()},
        }
        self.expect_ready = True
        self._log: IO[bytes] | None = None

    def command(self) -> list[str]:
        where = ["--host", "127.0.0.1", "--port", str(self.port), "--workers", str(self.workers)]
        return [sys.executable, "-m", "app.tools.cli", "serve", *where]

    def ready(self) -> bool:
        try:
            response = httpx.get(f"{self.url}/readyz", timeout=2)
        except httpx.HTTPError:
            return False
        return response.status_code == 200 or not self.expect_ready

    def start(self, env: dict[str, str] | None = None, output: IO[bytes] | None = None) -> None:
        self._log = self.log_path.open("ab")
        super().start(env or self.env, output or self._log)

    def stop(self, sig: int = signal.SIGTERM) -> None:
        super().stop(sig)
        if self._log is not None:
            self._log.close()
            self._log = None

    def log_events(self) -> list[dict[str, Any]]:
        """The JSON lines of the log; uvicorn's own plain lines are left out."""
        events = []
        for line in self.log_path.read_text("utf-8", "replace").splitlines():
            if line.startswith("{"):
                events.append(json.loads(line))
        return events
