"""The way out of `mockserver proxy`: one request forwarded as sent, one answer as it came.

The path and query go byte for byte (`raw_path`, `query_string`), after the upstream URL's own
path prefix; headers go as sent but for hop-by-hop ones and `Host`; redirects are answers, not
followed; the body comes back undecoded (a gzip answer stays gzip for the client) and is decoded
only for checking. A failure is an answer too: `UpstreamFailure` carries the 502 or 504 to give.
"""

from __future__ import annotations

import gzip
import importlib.util
import sys
import zlib
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import httpx

if "sniffio" not in sys.modules and importlib.util.find_spec("sniffio") is None:
    # httpcore imports sniffio on every request; absent, each failed import searches sys.path
    # again (about 0.1 ms a request). Record the absence once: `import sniffio` still fails.
    sys.modules["sniffio"] = None  # type: ignore[assignment]

HOP_BY_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer", "trailers",
              "transfer-encoding", "upgrade", "host", "content-length"}


@dataclass
class Answer:
    status: int
    headers: list[tuple[bytes, bytes]]  # as the upstream sent them, hop-by-hop ones removed
    raw: bytes  # the body as sent (maybe gzip)
    response: httpx.Response  # for the checks: url, request, headers

    @property
    def content_type(self) -> str:
        return self.response.headers.get("content-type", "")

    def decoded(self) -> bytes | None:
        """The body for checking; None when it is in an encoding we do not read."""
        encoding = self.response.headers.get("content-encoding", "identity").strip().lower()
        try:
            if encoding in ("", "identity"):
                return self.raw
            if encoding in ("gzip", "x-gzip"):
                return gzip.decompress(self.raw)
            if encoding == "deflate":
                return zlib.decompress(self.raw)
        except (OSError, zlib.error, EOFError):
            return None
        return None


class UpstreamFailure(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def safe_url(url: str) -> str:
    """The URL without any user:password, for health, logs and the journal."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = host + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


class Upstream:
    def __init__(self, base_url: str, timeout: float):
        self.base = httpx.URL(base_url)
        self.prefix = self.base.raw_path.split(b"?", 1)[0].rstrip(b"/")
        self.shown = safe_url(base_url)
        self.timeout = timeout
        self._client: httpx.AsyncClient | None = None

    @property
    def client(self) -> httpx.AsyncClient:
        """Made on first use, inside the server's event loop."""
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=httpx.Timeout(self.timeout), follow_redirects=False,
                                             trust_env=False,
                                             limits=httpx.Limits(max_connections=200, max_keepalive_connections=50))
        return self._client

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def send(self, method: str, raw_path: bytes, query: bytes, headers: list[tuple[bytes, bytes]],
                   body: bytes) -> Answer:
        target = self.prefix + raw_path + (b"?" + query if query else b"")
        url = self.base.copy_with(raw_path=target)
        # Surrounding whitespace is not part of a field value (RFC 9110 5.5); h11 refuses to send it.
        sent = [(k, v.strip()) for k, v in headers if k.lower().decode("latin-1") not in HOP_BY_HOP]
        # Not `client.build_request`: it would add httpx's own Accept, Accept-Encoding and User-Agent.
        request = httpx.Request(method, url, headers=sent, content=body or None,
                                extensions={"timeout": httpx.Timeout(self.timeout).as_dict()})
        try:
            response = await self.client.send(request, stream=True)
            try:
                raw = b"".join([chunk async for chunk in response.aiter_raw()])
            finally:
                await response.aclose()
        except httpx.LocalProtocolError as exc:  # the request as given cannot go out (a header h11 refuses)
            raise UpstreamFailure(400, f"the request cannot be forwarded as sent: {exc}") from None
        except httpx.TimeoutException:
            raise UpstreamFailure(504, f"the upstream {self.shown} did not answer within {self.timeout:g} s") from None
        except httpx.HTTPError as exc:  # refused, reset, a broken answer
            reason = type(exc).__name__
            raise UpstreamFailure(502, f"the upstream {self.shown} could not be reached or broke off ({reason})") from None
        kept = [(k, v) for k, v in response.headers.raw if k.lower().decode("latin-1") not in HOP_BY_HOP]
        return Answer(response.status_code, kept, raw, response)
