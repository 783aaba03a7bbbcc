"""How often a client may ask: moving windows (the `limits` library's strategy) per client
and per address, kept in Redis when `redis_url` is set, so every replica counts against the
same windows, and in this process otherwise.

A request is counted against, in order:

    client   `rate_limit_burst` in any burst window (burst × 60 / per-minute seconds)
             and `rate_limit_per_minute` in any minute; the client is the id in the
             client-id header when well formed, its address otherwise
    address  `rate_limit_per_ip_per_minute` in any minute (default 4 × the per-client
             limit; an IPv6 address counts by its /64), which a client that sends a
             new id with every request meets all the same

Moving windows, not sliding-window counters: the count is exact ("at most N in any 60 s",
never N plus a share of the previous window), the oldest entry says when a slot frees
(Retry-After), and a window holds at most N timestamps, so the cost is bounded by the limit.

Redis unreachable: fail open to this process's own windows, so answers keep flowing and
each replica still holds every client to the limit by itself (N replicas: at most N times
it). The outage is logged once; one request a `RETRY_SHARED_SECONDS` tries Redis again
(a Redis that hangs costs that request `REDIS_TIMEOUT_SECONDS`), and the shared windows
are used again, with one line, when it answers.
"""

import ipaddress
import json
import logging
import math
import time
from collections import OrderedDict, deque
from collections.abc import Callable

from limits import RateLimitItem, RateLimitItemPerMinute, RateLimitItemPerSecond
from limits.aio.storage import MovingWindowSupport, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError

from app.settings import Settings

MAX_KEYS = 10_000
ADDRESS_CLIENTS = 4  # an address is several clients' worth: a family, an office, a NAT
RETRY_SHARED_SECONDS = 1.0
REDIS_TIMEOUT_SECONDS = 0.25  # a Redis that hangs costs a request this much, once a second
KEY_PREFIX = "policybot"
log = logging.getLogger("policybot.limits")


class LocalWindows(Storage, MovingWindowSupport):
    """Moving windows in this process: per key the timestamps inside its window, pruned when
    the key is touched. Keys are kept in least-recently-used order; an idle key whose window
    has emptied is dropped, and at most `max_keys` are kept, so memory stays bounded
    whatever the number of clients. (limits' own memory storage sweeps every key on a
    timer: with 20,000 clients that took most of a core.)"""

    def __init__(self, max_keys: int = MAX_KEYS, clock: Callable[[], float] = time.time) -> None:
        super().__init__()
        self.max_keys = max_keys
        self.clock = clock
        self._windows: OrderedDict[str, tuple[int, deque[float]]] = OrderedDict()

    @property
    def base_exceptions(self) -> type[Exception]:
        return ValueError

    def __len__(self) -> int:
        return len(self._windows)

    def _window(self, key: str, expiry: int, now: float) -> deque[float]:
        _, window = self._windows.pop(key, (expiry, deque()))
        while window and window[0] <= now - expiry:
            window.popleft()
        self._windows[key] = (expiry, window)
        while self._windows:  # drop the least recently used while idle, or over the bound
            oldest_key, (oldest_expiry, oldest) = next(iter(self._windows.items()))
            idle = not oldest or oldest[-1] <= now - oldest_expiry
            if oldest_key == key or not (idle or len(self._windows) > self.max_keys):
                break
            del self._windows[oldest_key]
        return window

    async def acquire_entry(self, key: str, limit: int, expiry: int, amount: int = 1) -> bool:
        now = self.clock()
        window = self._window(key, expiry, now)
        if len(window) + amount > limit:
            return False
        window.extend([now] * amount)
        return True

    async def get_moving_window(self, key: str, limit: int, expiry: int) -> tuple[float, int]:
        now = self.clock()
        window = self._window(key, expiry, now)
        return (window[0], len(window)) if window else (now, 0)

    # the rest of limits' storage interface: the moving-window strategy never calls it
    async def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        raise NotImplementedError("moving windows only")

    async def get(self, key: str) -> int:
        raise NotImplementedError("moving windows only")

    async def get_expiry(self, key: str) -> float:
        raise NotImplementedError("moving windows only")

    async def check(self) -> bool:
        return True

    async def reset(self) -> int | None:
        count = len(self._windows)
        self._windows.clear()
        return count

    async def clear(self, key: str) -> None:
        self._windows.pop(key, None)


def client_items(per_minute: int, burst: int) -> list[RateLimitItem]:
    if per_minute <= 0:
        return []
    items: list[RateLimitItem] = [RateLimitItemPerMinute(per_minute)]
    if burst < per_minute:  # the burst window is the time the per-minute rate takes to refill it
        seconds = max(1, round(burst * 60 / per_minute))
        items.insert(0, RateLimitItemPerSecond(burst, seconds))
    return items


def address_of(host: str) -> str:
    """The key an address counts under: itself, or its /64 for IPv6, where one
    subscriber is handed a whole /64 and could rotate through it."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host  # not an address: "testclient", a unix socket
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def redis_storage_url(url: str) -> str:
    """limits' name for a redis-py asyncio client on this URL."""
    if url.startswith("unix://"):
        return "async+redis+unix://" + url.removeprefix("unix://")
    return f"async+{url}"


class RateLimiter:
    def __init__(self, settings: Settings, clock: Callable[[], float] = time.time) -> None:
        per_ip = settings.rate_limit_per_ip_per_minute
        if per_ip is None:
            per_ip = ADDRESS_CLIENTS * settings.rate_limit_per_minute
        self.client_items = client_items(settings.rate_limit_per_minute, settings.rate_limit_burst)
        self.address_items = [RateLimitItemPerMinute(per_ip)] if per_ip > 0 else []
        self.clock = clock
        self.local = MovingWindowRateLimiter(LocalWindows(clock=clock))
        self.shared: MovingWindowRateLimiter | None = None
        self._pool = None
        if settings.redis_url is not None:
            import redis.asyncio
            from redis.asyncio.retry import Retry
            from redis.backoff import NoBackoff

            url = settings.redis_url.get_secret_value()
            self._pool = redis.asyncio.ConnectionPool.from_url(
                url,
                socket_timeout=REDIS_TIMEOUT_SECONDS,
                socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
                # once more at once on a connection a restarted Redis has closed; a Redis
                # that hangs is not waited for twice
                retry=Retry(NoBackoff(), 1),
                retry_on_error=[redis.ConnectionError],
            )
            storage = RedisStorage(
                redis_storage_url(url),
                implementation="redispy",
                wrap_exceptions=True,
                key_prefix=KEY_PREFIX,
                # ours, so that `close` can close it; limits documents the option, but its
                # type hints allow only scalars
                connection_pool=self._pool,  # type: ignore[arg-type]
            )
            self.shared = MovingWindowRateLimiter(storage)
        self._shared_down = False
        self._retry_shared_at = 0.0

    @property
    def enabled(self) -> bool:
        return bool(self.client_items or self.address_items)

    async def wait(self, client: str, host: str) -> float:
        """Count one request: 0 when it may go ahead, else the seconds until it may."""
        checks = [(item, ("client", client)) for item in self.client_items]
        checks += [(item, ("address", address_of(host))) for item in self.address_items]
        if self.shared is not None and time.monotonic() >= self._retry_shared_at:
            if self._shared_down:  # this request tries Redis; the others count here meanwhile
                self._retry_shared_at = time.monotonic() + RETRY_SHARED_SECONDS
            try:
                wait = await self._count(self.shared, checks)
            except (StorageError, OSError, TimeoutError) as error:
                self._shared_failed(error)
            else:
                if self._shared_down:
                    self._shared_down, self._retry_shared_at = False, 0.0
                    log.info(json.dumps({"event": "rate_limits_shared_again"}))
                return wait
        return await self._count(self.local, checks)

    async def _count(
        self,
        limiter: MovingWindowRateLimiter,
        checks: list[tuple[RateLimitItem, tuple[str, str]]],
    ) -> float:
        for item, identifiers in checks:
            if not await limiter.hit(item, *identifiers):
                stats = await limiter.get_window_stats(item, *identifiers)
                now = time.time() if limiter is self.shared else self.clock()
                return max(stats.reset_time - now, 0.001)
        return 0.0

    def _shared_failed(self, error: Exception) -> None:
        self._retry_shared_at = time.monotonic() + RETRY_SHARED_SECONDS
        if not self._shared_down:  # once an outage, not once a request
            self._shared_down = True
            cause = error.__cause__ or error
            log.warning(
                json.dumps(
                    {
                        "event": "rate_limits_shared_unreachable",
                        "reason": f"{type(cause).__name__}: {cause}",
                        "fallback": "each process keeps its own windows until Redis answers",
                    }
                )
            )

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.disconnect()


def retry_after(wait: float) -> int:
    return max(1, math.ceil(wait))
