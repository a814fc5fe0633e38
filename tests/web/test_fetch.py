"""URL fetching: schemes, address checks on every hop and every DNS answer, size and time caps."""

from __future__ import annotations

import contextlib
import http.server
import ipaddress
import socket
import threading
import time
from collections.abc import Iterator

import pytest

from unspin import fetch
from unspin.errors import InputError
from unspin.fetch import FetchError, address_allowed, fetch_url
from unspin.inputs import read_input

PAGE = b"<html><body><article><p>The regime's thugs unleashed a brutal crackdown on the city.</p><p>It was the worst of times.</p></article></body></html>"


class Server:
    """A tiny HTTP server on 127.0.0.1 whose answers the test sets per path."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.routes: dict[str, tuple[int, dict[str, str], bytes, float]] = {}
        self.hits: list[str] = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                outer.hits.append(self.path)
                status, headers, body, delay = outer.routes.get(self.path, (404, {}, b"", 0.0))
                time.sleep(delay)
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                with contextlib.suppress(OSError):  # the client hung up
                    self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer((host, 0), Handler)
        self.url = f"http://{host}:{self.httpd.server_port}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server() -> Iterator[Server]:
    s = Server()
    yield s
    s.close()


@pytest.mark.parametrize(
    "ip, ok",
    [
        ("8.8.8.8", True),
        ("2606:4700:4700::1111", True),
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),  # cloud metadata
        ("100.64.0.1", False),  # carrier-grade NAT
        ("0.0.0.0", False),
        ("224.0.0.1", False),
        ("240.0.0.1", False),
        ("255.255.255.255", False),
        ("::1", False),
        ("fe80::1", False),
        ("fc00::1", False),
        ("ff02::1", False),
        ("::ffff:127.0.0.1", False),
        ("::ffff:10.0.0.1", False),
        # IPv6 forms that carry an IPv4 address are judged by it too.
        ("2002:7f00:1::", False),  # 6to4 of 127.0.0.1
        ("2002:a9fe:a9fe::1", False),  # 6to4 of 169.254.169.254 (cloud metadata)
        ("2002:c0a8:101::1", False),  # 6to4 of 192.168.1.1
        ("2002:0a00:0001::", False),  # 6to4 of 10.0.0.1
        ("2002:808:808::1", True),  # 6to4 of 8.8.8.8
        ("2001:0:4136:e378:8000:63bf:80ff:fffe", False),  # Teredo, client 127.0.0.1
        ("2001:0:4136:e378:8000:63bf:5601:5656", False),  # Teredo, client 169.254.169.169 (link-local)
        ("2001:0:4136:e378:8000:63bf:f7f7:f7f7", False),  # Teredo (not globally reachable), client 8.8.8.8
        ("64:ff9b::7f00:1", False),  # NAT64 of 127.0.0.1
        ("64:ff9b::a9fe:a9fe", False),  # NAT64 of 169.254.169.254
        ("64:ff9b::c0a8:101", False),  # NAT64 of 192.168.1.1
        ("64:ff9b::808:808", True),  # NAT64 of 8.8.8.8: how an IPv6-only network reaches a public site
        ("64:ff9b:1::808:808", False),  # NAT64 for local use (RFC 8215)
        ("::127.0.0.1", False),  # IPv4-compatible (deprecated)
    ],
)
def test_address_policy(ip: str, ok: bool) -> None:
    assert address_allowed(ipaddress.ip_address(ip)) is ok


def test_six_to_four_of_loopback_is_refused_before_connecting(monkeypatch) -> None:
    """A host name whose DNS answer is the 6to4 form of 127.0.0.1 is refused, naming the address."""
    def fake_getaddrinfo(host, port, *a, **k):
        return [(socket.AF_INET6, socket.SOCK_STREAM, 6, "", ("2002:7f00:1::", port, 0, 0))]

    monkeypatch.setattr(socket, "getaddrinfo", fake_getaddrinfo)
    with pytest.raises(FetchError, match="2002:7f00:1::"):
        fetch_url("http://sneaky.example/")


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.org/a", "gopher://x/", "javascript:alert(1)", "http:///nohost", "http://user:pw@example.org/"])
def test_only_plain_http_urls(url: str) -> None:
    with pytest.raises(FetchError):
        fetch_url(url)


@pytest.mark.parametrize("url", ["not a url", "example.org/a", "localhost:8000/a"])
def test_an_address_without_a_scheme_is_said_to_be_incomplete(url: str) -> None:
    with pytest.raises(FetchError) as info:
        fetch_url(url)
    assert str(info.value) == f"{url!r} is not a whole web address: give it with http:// or https:// in front"


def test_another_scheme_is_named_as_written() -> None:
    with pytest.raises(FetchError, match=r"only http:// and https:// URLs can be fetched, not ftp://$"):
        fetch_url("ftp://example.org/a")


def test_is_url() -> None:
    assert fetch.is_url("https://example.org/x") and fetch.is_url("ftp://x/")
    assert not fetch.is_url("article.txt") and not fetch.is_url("C:\\text.txt") and not fetch.is_url("-")


def test_loopback_is_refused_without_a_request(server: Server) -> None:
    server.routes["/"] = (200, {"Content-Type": "text/html"}, PAGE, 0)
    for url in (server.url + "/", server.url.replace("127.0.0.1", "localhost") + "/"):
        with pytest.raises(FetchError, match="refusing"):
            fetch_url(url)
    assert server.hits == []


def test_every_dns_answer_is_checked(monkeypatch) -> None:
    real = socket.getaddrinfo

    def mixed(host, port, *args, **kwargs):
        if host == "mixed.example":
            return [
                (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port)),
                (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port)),
            ]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", mixed)
    with pytest.raises(FetchError, match="127.0.0.1"):
        fetch_url("http://mixed.example/")


def test_redirect_targets_are_checked_again(server: Server) -> None:
    other = Server("127.0.0.2")
    try:
        other.routes["/secret"] = (200, {"Content-Type": "text/plain"}, b"internal", 0)
        server.routes["/hop"] = (302, {"Location": other.url + "/secret"}, b"", 0)
        server.routes["/file"] = (301, {"Location": "file:///etc/passwd"}, b"", 0)
        only_first = lambda ip: str(ip) == "127.0.0.1"  # noqa: E731 - stands in for "public"
        with pytest.raises(FetchError, match="127.0.0.2"):
            fetch_url(server.url + "/hop", address_check=only_first)
        with pytest.raises(FetchError, match="only http"):
            fetch_url(server.url + "/file", address_check=only_first)
        assert other.hits == []
        assert server.hits == ["/hop", "/file"]
        # Allowed hops are followed.
        server.routes["/ok"] = (302, {"Location": "/page"}, b"", 0)
        server.routes["/page"] = (200, {"Content-Type": "text/html; charset=utf-8"}, PAGE, 0)
        page = fetch_url(server.url + "/ok", address_check=only_first)
        assert page.url == server.url + "/page" and page.is_html and page.data == PAGE
    finally:
        other.close()


def test_redirect_loops_end(server: Server) -> None:
    server.routes["/loop"] = (302, {"Location": "/loop"}, b"", 0)
    with pytest.raises(FetchError, match="redirects"):
        fetch_url(server.url + "/loop", allow_private=True)


def test_size_cap_with_and_without_length(server: Server) -> None:
    big = b"<p>" + b"word " * 5000 + b"</p>"
    server.routes["/big"] = (200, {"Content-Type": "text/html", "Content-Length": str(len(big))}, big, 0)
    server.routes["/big-unknown"] = (200, {"Content-Type": "text/html"}, big, 0)
    for path in ("/big", "/big-unknown"):
        with pytest.raises(FetchError, match="limit of 1,000"):
            fetch_url(server.url + path, allow_private=True, max_bytes=1000)


def test_timeout(server: Server) -> None:
    server.routes["/slow"] = (200, {"Content-Type": "text/html"}, PAGE, 2.0)
    t0 = time.monotonic()
    with pytest.raises(FetchError, match="timed out"):
        fetch_url(server.url + "/slow", allow_private=True, timeout=0.5)
    assert time.monotonic() - t0 < 1.8


def test_the_deadline_is_for_the_whole_fetch_not_each_read() -> None:
    """A page that sends one byte at a time, each well within any per-read timeout, is cut off
    at the fetch's total deadline (it once held a fetch for 90 s, then said "after 15 s")."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    stop = threading.Event()

    def trickle() -> None:
        conn, _ = listener.accept()
        with conn:
            conn.recv(65536)
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 100000\r\n\r\n")
            while not stop.is_set():
                try:
                    conn.sendall(b"x")
                except OSError:
                    return
                time.sleep(0.1)

    threading.Thread(target=trickle, daemon=True).start()
    t0 = time.monotonic()
    try:
        with pytest.raises(FetchError, match="timed out after 1 s"):
            fetch_url(f"http://127.0.0.1:{port}/", allow_private=True, timeout=1.0)
        took = time.monotonic() - t0
    finally:
        stop.set()
        listener.close()
    assert took < 5, took  # about 1 s; once the page's pace decided (each read was in time)


def test_wrong_content_type_and_http_errors(server: Server) -> None:
    server.routes["/pdf"] = (200, {"Content-Type": "application/pdf"}, b"%PDF", 0)
    with pytest.raises(FetchError, match="application/pdf"):
        fetch_url(server.url + "/pdf", allow_private=True)
    with pytest.raises(FetchError, match="404"):
        fetch_url(server.url + "/missing", allow_private=True)


def test_cli_source_fetches_and_extracts(server: Server) -> None:
    server.routes["/a.html"] = (200, {"Content-Type": "text/html"}, PAGE, 0)
    server.routes["/a.txt"] = (200, {"Content-Type": "text/plain; charset=utf-8"}, "Plain words, caf\u00e9.".encode(), 0)
    src = read_input(server.url + "/a.html")  # the operator's own machine: loopback is allowed
    assert src.from_html and src.text.startswith("The regime's thugs") and "<p>" not in src.text
    src = read_input(server.url + "/a.txt")
    assert not src.from_html and src.text == "Plain words, caf\u00e9."
    with pytest.raises(InputError, match="only http"):
        read_input("ftp://example.org/a.txt")


def test_a_host_that_cannot_be_found_says_what_to_do(monkeypatch) -> None:
    """Offline, or a mistyped address: the message says to check the address and the connection,
    or to save the page and analyse the file, both on the command line (any address) and on a
    server (checked addresses)."""
    real = socket.getaddrinfo

    def offline(host, port, *args, **kwargs):
        if host == "nonexistent.invalid":
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", offline)
    for call in (lambda: read_input("https://nonexistent.invalid/a.html"), lambda: fetch_url("https://nonexistent.invalid/a.html")):
        with pytest.raises(FetchError) as info:
            call()
        message = str(info.value)
        assert message.startswith("https://nonexistent.invalid/a.html: cannot find the host nonexistent.invalid (Name or service not known)")
        assert "check the address and the network connection" in message and "save the page from a browser and analyse the saved file" in message
        assert "\n" not in message


def test_http_errors_and_refused_connections_say_what_to_do(server: Server) -> None:
    server.routes["/private"] = (403, {}, b"", 0)
    server.routes["/broken"] = (503, {}, b"", 0)
    with pytest.raises(FetchError, match=r"HTTP 404 Not Found: check the address$"):
        fetch_url(server.url + "/missing", allow_private=True)
    with pytest.raises(FetchError, match=r"HTTP 403 Forbidden: the site turns this request away .*save the page from a browser"):
        fetch_url(server.url + "/private", allow_private=True)
    with pytest.raises(FetchError, match=r"HTTP 503 .*try again later, or save the page"):
        fetch_url(server.url + "/broken", allow_private=True)
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(FetchError, match=r"cannot fetch \(.*refused.*\): check the address and the network connection, or save the page"):
        fetch_url(f"http://127.0.0.1:{port}/a", allow_private=True)


@pytest.mark.parametrize("source", ["example.org/a.html", "www.example.org", "news.example.co.uk/2024/story?id=3", "localhost:8000/a"])
def test_a_missing_file_written_like_a_web_address_points_to_https(source: str, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InputError) as info:
        read_input(source)
    assert str(info.value) == f"{source}: no such file; to fetch it as a web page, write it with https:// in front: https://{source}"


def test_files_and_missing_files_not_written_like_addresses_read_as_before(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    for source in ("notes.txt", "articles/a.txt", "data.v2/a.txt"):
        with pytest.raises(InputError) as info:
            read_input(source)
        assert str(info.value) == f"{source}: no such file"
    # A file that exists is read, whatever its name looks like.
    (tmp_path / "example.org").mkdir()
    (tmp_path / "example.org" / "a.txt").write_text("The council met on Monday and approved the budget.", encoding="utf-8")
    assert read_input("example.org/a.txt").text.startswith("The council met")
