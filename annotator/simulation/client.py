"""A small JSON client over one keep-alive HTTP connection (standard library only).

One `ApiClient` per thread: http.client connections are not shared. It retries a
request once on a dropped keep-alive connection (every call the simulator makes is
safe to repeat: next returns the held task, submit is idempotent) and waits out 429s.
"""

from __future__ import annotations

import http.client
import json
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

MAX_THROTTLE_WAIT = 60.0


@dataclass
class Reply:
    status: int
    data: object
    seconds: float  # from sending the request to reading the whole body
    retry_after: str | None = None


class ApiClient:
    def __init__(self, base_url: str, token: str = "", timeout: float = 60.0) -> None:
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.prefix = parts.path.rstrip("/")
        self.token = token
        self.timeout = timeout
        self._conn: http.client.HTTPConnection | None = None

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def call(self, method: str, path: str, body: object | None = None) -> Reply:
        waited = 0.0
        while True:
            reply = self._send(method, path, body)
            if reply.status != 429 or waited >= MAX_THROTTLE_WAIT:
                return reply
            pause = min(float(reply.retry_after or 1), 5.0)
            time.sleep(pause)
            waited += pause

    def get(self, path: str) -> Reply:
        return self.call("GET", path)

    def post(self, path: str, body: object | None = None) -> Reply:
        return self.call("POST", path, body)

    def get_text(self, path: str) -> tuple[int, str]:
        """A whole (possibly streamed) body as text: for the JSONL export."""
        reply = self._send("GET", path, None, raw=True)
        return reply.status, reply.data  # type: ignore[return-value]

    def _send(self, method: str, path: str, body: object | None, raw: bool = False) -> Reply:
        headers = {"Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Token {self.token}"
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        for attempt in (1, 2):
            began = time.perf_counter()
            try:
                conn = self._connection()
                conn.request(method, self.prefix + path, body=payload, headers=headers)
                response = conn.getresponse()
                content = response.read()
            except (http.client.RemoteDisconnected, ConnectionError, http.client.BadStatusLine):
                self.close()
                if attempt == 2:
                    raise
                continue
            seconds = time.perf_counter() - began
            if response.getheader("Connection", "").lower() == "close":
                self.close()
            return Reply(
                response.status, _decode(content, raw), seconds, response.getheader("Retry-After")
            )
        raise AssertionError("unreachable")

    def _connection(self) -> http.client.HTTPConnection:
        if self._conn is None:
            self._conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        return self._conn


def _decode(content: bytes, raw: bool) -> object:
    if raw:
        return content.decode()
    if not content:
        return None
    try:
        return json.loads(content)
    except ValueError:
        return content.decode(errors="replace")
