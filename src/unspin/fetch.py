"""Fetching one web page over http(s), standard library only, with a timeout and a size cap.

A server that fetches URLs for its users must not become a way into the network it sits in
(SSRF). With ``allow_private=False`` every address a host name resolves to is checked at
connect time (so a DNS answer that changes between check and use gains nothing), redirects are
followed by hand and each hop is checked again, and proxies from the environment are ignored.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Callable

from unspin.errors import FetchError

DEFAULT_TIMEOUT = 10.0
DEFAULT_MAX_BYTES = 5_000_000
MAX_REDIRECTS = 5
_ACCEPTED_TYPES = ("text/html", "application/xhtml+xml", "text/plain")
_REDIRECTS = (301, 302, 303, 307, 308)


@dataclass(frozen=True)
class Fetched:
    url: str  # after redirects
    content_type: str  # e.g. "text/html"
    charset: str | None
    data: bytes

    @property
    def is_html(self) -> bool:
        return self.content_type in ("text/html", "application/xhtml+xml")


def is_url(source: str) -> bool:
    """True when ``source`` is written as a URL (any scheme), not as a file path."""
    scheme = urllib.parse.urlsplit(source).scheme
    # One letter is a Windows drive ("C:\\..."), not a scheme.
    return len(scheme) > 1 and "://" in source


def address_allowed(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """A public unicast address: not loopback, private, link-local, reserved, multicast or unspecified."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not (
        ip.is_loopback
        or ip.is_private
        or ip.is_link_local
        or ip.is_reserved
        or ip.is_multicast
        or ip.is_unspecified
        or not ip.is_global
    )


def _guarded_create_connection(
    check: Callable[[ipaddress.IPv4Address | ipaddress.IPv6Address], bool],
) -> Callable[..., socket.socket]:
    def create_connection(address: tuple[str, int], timeout: float | None = None, source_address=None, *args, **kwargs) -> socket.socket:
        host, port = address
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except socket.gaierror as exc:
            raise FetchError(f"cannot resolve host {host!r} ({exc.strerror})") from None
        # Every answer must pass: an attacker's DNS may mix a public and a private address.
        for *_, sockaddr in infos:
            ip = ipaddress.ip_address(sockaddr[0].split("%", 1)[0])
            if not check(ip):
                raise FetchError(
                    f"refusing to fetch from {host!r}: it resolves to {ip}, a loopback, private, "
                    "link-local, reserved or multicast address"
                )
        last: OSError | None = None
        for family, socktype, proto, _, sockaddr in infos:
            sock = socket.socket(family, socktype, proto)
            try:
                if timeout is not None:
                    sock.settimeout(timeout)
                sock.connect(sockaddr)
                return sock
            except OSError as exc:
                sock.close()
                last = exc
        raise last or OSError(f"cannot connect to {host}:{port}")

    return create_connection


def _connection_classes(check: Callable | None) -> tuple[type, type]:
    class GuardedHTTPConnection(http.client.HTTPConnection):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            if check is not None:
                self._create_connection = _guarded_create_connection(check)

    class GuardedHTTPSConnection(http.client.HTTPSConnection):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            if check is not None:
                self._create_connection = _guarded_create_connection(check)

    return GuardedHTTPConnection, GuardedHTTPSConnection


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # noqa: ANN002, ANN003
        return None  # the caller follows redirects itself, checking each target


def _opener(check: Callable | None) -> urllib.request.OpenerDirector:
    http_cls, https_cls = _connection_classes(check)

    class HTTPHandler(urllib.request.HTTPHandler):
        def http_open(self, req):  # noqa: ANN001
            return self.do_open(http_cls, req)

    class HTTPSHandler(urllib.request.HTTPSHandler):
        def https_open(self, req):  # noqa: ANN001
            return self.do_open(https_cls, req, context=self._context)

    # build_opener would add a ProxyHandler reading the environment; an empty one disables it.
    return urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect, HTTPHandler, HTTPSHandler)


def _check_url(url: str) -> urllib.parse.SplitResult:
    parts = urllib.parse.urlsplit(url)
    if not parts.scheme or "://" not in url:
        # "example.org/a" or "localhost:8000/a" (read as the scheme "localhost"): no scheme given.
        raise FetchError(f"{url!r} is not a whole web address: give it with http:// or https:// in front")
    if parts.scheme.lower() not in ("http", "https"):
        raise FetchError(f"{url}: only http:// and https:// URLs can be fetched, not {parts.scheme}://")
    if not parts.hostname:
        raise FetchError(f"{url}: the URL has no host name")
    if parts.username or parts.password:
        raise FetchError(f"{url}: URLs with a user name or password are not fetched")
    return parts


def fetch_url(
    url: str,
    *,
    allow_private: bool = False,
    timeout: float = DEFAULT_TIMEOUT,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_redirects: int = MAX_REDIRECTS,
    address_check: Callable[[ipaddress.IPv4Address | ipaddress.IPv6Address], bool] = address_allowed,
) -> Fetched:
    """GET ``url`` (http or https) and return its body, at most ``max_bytes`` within ``timeout`` seconds.

    ``allow_private=True`` (the command line, whose user runs the machine) skips the address
    check; the scheme, size and time limits hold either way.
    """
    opener = _opener(None if allow_private else address_check)
    deadline = time.monotonic() + timeout
    current = url
    for _hop in range(max_redirects + 1):
        _check_url(current)
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise FetchError(f"{url}: timed out after {timeout:g} s")
        request = urllib.request.Request(
            current, headers={"User-Agent": "unspin (+offline persuasion analysis)", "Accept": "text/html, text/plain;q=0.9"}
        )
        try:
            response = opener.open(request, timeout=remaining)
        except urllib.error.HTTPError as exc:
            if exc.code in _REDIRECTS and exc.headers.get("Location"):
                current = urllib.parse.urljoin(current, exc.headers["Location"])
                exc.close()
                continue
            raise FetchError(f"{current}: the server answered HTTP {exc.code} {exc.reason}") from None
        except FetchError:
            raise
        except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
            reason = getattr(exc, "reason", exc)
            if isinstance(reason, FetchError):
                raise reason from None
            if isinstance(reason, (TimeoutError, socket.timeout)):
                raise FetchError(f"{current}: timed out after {timeout:g} s") from None
            raise FetchError(f"{current}: cannot fetch ({reason})") from None
        with response:
            return _read(response, current, url, deadline, timeout, max_bytes)
    raise FetchError(f"{url}: more than {max_redirects} redirects")


def _read(response, current: str, url: str, deadline: float, timeout: float, max_bytes: int) -> Fetched:  # noqa: ANN001
    content_type = response.headers.get_content_type()
    if content_type not in _ACCEPTED_TYPES:
        raise FetchError(f"{current}: is {content_type}, not an HTML page or plain text")
    length = response.headers.get("Content-Length")
    if length and length.isdigit() and int(length) > max_bytes:
        raise FetchError(f"{current}: {int(length):,} bytes is more than the limit of {max_bytes:,}")
    chunks: list[bytes] = []
    size = 0
    try:
        while True:
            if time.monotonic() > deadline:
                raise FetchError(f"{url}: timed out after {timeout:g} s")
            chunk = response.read(65536)
            if not chunk:
                break
            size += len(chunk)
            if size > max_bytes:
                raise FetchError(f"{current}: the page is larger than the limit of {max_bytes:,} bytes")
            chunks.append(chunk)
    except (TimeoutError, socket.timeout):
        raise FetchError(f"{url}: timed out after {timeout:g} s") from None
    except (OSError, http.client.HTTPException) as exc:
        raise FetchError(f"{current}: the connection broke while reading ({exc})") from None
    return Fetched(current, content_type, response.headers.get_content_charset(), b"".join(chunks))
