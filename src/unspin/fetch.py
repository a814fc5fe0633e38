"""Fetching one web page over http(s), standard library only, within a total deadline and a size cap.

A server that fetches URLs for its users must not become a way into the network it sits in
(SSRF). With ``allow_private=False`` every address a host name resolves to is checked at
connect time (so a DNS answer that changes between check and use gains nothing), an IPv6
address that carries an IPv4 one (IPv4-mapped, 6to4, Teredo, NAT64) is judged by the IPv4
address too, redirects are followed by hand and each hop is checked again, and proxies from the
environment are ignored.

``timeout`` is the whole fetch's deadline, not a per-read one: a server that sends one byte a
second would otherwise hold a fetch for as long as it likes (each read returns in time). A
timer shuts the fetch's sockets down when the deadline passes, which ends any read at once.
"""

from __future__ import annotations

import contextlib
import http.client
import ipaddress
import re
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass

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


# A web address written without its scheme: a host name (labels and a top-level domain of
# letters, or "localhost") with a port or a path after it, or one that starts with "www.".
# Quantifiers are bounded (a label has at most 63 characters), so a long run costs little.
_BARE_ADDRESS = re.compile(
    r"(?:(?:[a-z0-9-]{1,63}\.){1,8}[a-z]{2,63}|localhost)(?::\d{1,5})?[/?#]|www\.(?:[a-z0-9-]{1,63}\.){1,8}[a-z]{2,63}(?::\d{1,5})?(?:[/?#]|\Z)",
    re.IGNORECASE,
)


def looks_like_address(source: str) -> bool:
    """True when ``source`` reads as a web address written without http:// or https://
    ("example.org/a.html", "www.example.org", "localhost:8000/a"): a missing file of that name
    was most likely meant to be fetched."""
    return not is_url(source) and _BARE_ADDRESS.match(source.strip()) is not None


#: NAT64's well-known prefix (RFC 6052): the last 32 bits are the IPv4 address reached.
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
#: NAT64 prefixes for local use (RFC 8215): they lead into the operator's own network.
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")


def embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses that an IPv6 address reaches through a transition mechanism: the
    IPv4-mapped form (::ffff:a.b.c.d), 6to4 (2002::/16), Teredo (2001::/32: server and client)
    and NAT64's well-known prefix (64:ff9b::/96). Empty for any other address."""
    if ip.ipv4_mapped is not None:
        return [ip.ipv4_mapped]
    if ip.sixtofour is not None:
        return [ip.sixtofour]
    if ip.teredo is not None:
        return list(ip.teredo)
    if ip in _NAT64:
        return [ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)]
    return []


def address_allowed(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """A public unicast address: not loopback, private, link-local, reserved, multicast or
    unspecified, nor an IPv6 form (6to4, Teredo, NAT64, IPv4-mapped) of such an IPv4 address."""
    if isinstance(ip, ipaddress.IPv6Address):
        inner = embedded_ipv4(ip)
        if not all(address_allowed(v4) for v4 in inner) or ip in _NAT64_LOCAL:
            return False
        if inner and ip.teredo is None:
            # The IPv4 address decides: a public site reached through 6to4 or through the NAT64
            # of an IPv6-only network (whose DNS64 answers 64:ff9b:: for every IPv4-only site).
            return True
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
        # A name that cannot be resolved raises socket.gaierror, worded with the URL by _fetch.
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
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


class _Deadline:
    """The fetch's total deadline: when it passes, every socket the fetch opened is shut down,
    so that a read in progress ends at once instead of when the server pleases."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.at = time.monotonic() + seconds
        self.expired = threading.Event()
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True
        self._timer.start()

    def remaining(self) -> float:
        return self.at - time.monotonic()

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.append(sock)
            late = self.expired.is_set()
        if late:
            _shut(sock)

    def _expire(self) -> None:
        with self._lock:
            self.expired.set()
            sockets = list(self._sockets)
        for sock in sockets:
            _shut(sock)

    def cancel(self) -> None:
        self._timer.cancel()


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already closed
        sock.shutdown(socket.SHUT_RDWR)


def _connection_classes(check: Callable | None, deadline: _Deadline) -> tuple[type, type]:
    class GuardedHTTPConnection(http.client.HTTPConnection):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            if check is not None:
                self._create_connection = _guarded_create_connection(check)

        def connect(self) -> None:
            super().connect()
            deadline.watch(self.sock)

    class GuardedHTTPSConnection(http.client.HTTPSConnection):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            if check is not None:
                self._create_connection = _guarded_create_connection(check)

        def connect(self) -> None:
            super().connect()
            deadline.watch(self.sock)

    return GuardedHTTPConnection, GuardedHTTPSConnection


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # noqa: ANN002, ANN003
        return None  # the caller follows redirects itself, checking each target


def _opener(check: Callable | None, deadline: _Deadline) -> urllib.request.OpenerDirector:
    http_cls, https_cls = _connection_classes(check, deadline)

    class HTTPHandler(urllib.request.HTTPHandler):
        def http_open(self, req):  # noqa: ANN001
            return self.do_open(http_cls, req)

    class HTTPSHandler(urllib.request.HTTPSHandler):
        def https_open(self, req):  # noqa: ANN001
            return self.do_open(https_cls, req, context=self._context)

    # build_opener would add a ProxyHandler reading the environment; an empty one disables it.
    return urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect, HTTPHandler, HTTPSHandler)


#: What a reader can do when a page cannot be fetched, at any door: a page saved from a browser
#: (which also gets past sites that turn programs away) is read as the fetched one would be.
SAVE_INSTEAD = "save the page from a browser and analyse the saved file"


def _unreachable(url: str, reason: object) -> FetchError:
    """The error for a page that cannot be reached (``reason``: the socket's or urllib's), with
    what to do about it."""
    if isinstance(reason, socket.gaierror):
        host = urllib.parse.urlsplit(url).hostname
        what = f"cannot find the host {host} ({reason.strerror or reason})"
    else:
        what = f"cannot fetch ({reason})"
    return FetchError(f"{url}: {what}: check the address and the network connection, or {SAVE_INSTEAD}")


def timed_out(url: str, timeout: float) -> FetchError:
    """The error for a fetch past its deadline, with what to do about it."""
    return FetchError(f"{url}: timed out after {timeout:g} s: try again later, or {SAVE_INSTEAD}")


def _http_error(url: str, code: int, reason: str) -> FetchError:
    """The error for an HTTP error status, with what to do about it."""
    if code in (404, 410):
        advice = "check the address"
    elif code in (401, 402, 403, 407, 429, 451):
        advice = f"the site turns this request away (a sign-in, a paywall or a block on programs): {SAVE_INSTEAD}"
    elif code >= 500:
        advice = f"the site has a problem: try again later, or {SAVE_INSTEAD}"
    else:
        advice = f"check the address, or {SAVE_INSTEAD}"
    return FetchError(f"{url}: the server answered HTTP {code} {reason}: {advice}")


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
    """GET ``url`` (http or https) and return its body, at most ``max_bytes`` within ``timeout``
    seconds in all (connecting, redirects and reading together; a name lookup that hangs is the
    caller's to bound). Raises ``FetchError`` saying why not.

    ``allow_private=True`` (the command line, whose user runs the machine) skips the address
    check; the scheme, size and time limits hold either way.
    """
    deadline = _Deadline(timeout)
    try:
        return _fetch(url, deadline, None if allow_private else address_check, max_bytes, max_redirects)
    except (OSError, http.client.HTTPException, ValueError) as exc:
        if deadline.expired.is_set():  # a read ended by the deadline's shutdown
            raise timed_out(url, timeout) from None
        raise _unreachable(url, exc) from None
    finally:
        deadline.cancel()


def _fetch(url: str, deadline: _Deadline, check: Callable | None, max_bytes: int, max_redirects: int) -> Fetched:
    opener = _opener(check, deadline)
    timeout = deadline.seconds
    current = url
    for _hop in range(max_redirects + 1):
        _check_url(current)
        remaining = deadline.remaining()
        if remaining <= 0 or deadline.expired.is_set():
            raise timed_out(url, timeout)
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
            raise _http_error(current, exc.code, exc.reason) from None
        except FetchError:
            raise
        except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
            reason = getattr(exc, "reason", exc)
            if isinstance(reason, FetchError):
                raise reason from None
            if isinstance(reason, (TimeoutError, socket.timeout)) or deadline.expired.is_set():
                raise timed_out(current, timeout) from None
            raise _unreachable(current, reason) from None
        with response:
            return _read(response, current, url, deadline, max_bytes)
    raise FetchError(f"{url}: more than {max_redirects} redirects")


def _read(response, current: str, url: str, deadline: _Deadline, max_bytes: int) -> Fetched:  # noqa: ANN001
    timeout = deadline.seconds
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
            if deadline.remaining() <= 0 or deadline.expired.is_set():
                raise timed_out(url, timeout)
            chunk = response.read1(65536)  # what has arrived: the deadline is checked between reads
            if deadline.expired.is_set():  # the read ended because the deadline shut the socket
                raise timed_out(url, timeout)
            if not chunk:
                break
            size += len(chunk)
            if size > max_bytes:
                raise FetchError(f"{current}: the page is larger than the limit of {max_bytes:,} bytes")
            chunks.append(chunk)
    except TimeoutError:
        raise timed_out(url, timeout) from None
    except (OSError, http.client.HTTPException) as exc:
        if deadline.expired.is_set():
            raise timed_out(url, timeout) from None
        raise FetchError(f"{current}: the connection broke while reading ({exc}): try again, or {SAVE_INSTEAD}") from None
    return Fetched(current, content_type, response.headers.get_content_charset(), b"".join(chunks))
