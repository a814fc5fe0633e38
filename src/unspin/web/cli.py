"""`unspin serve`: the page and the REST API on one port."""

from __future__ import annotations

import errno
import ipaddress
import socket
from pathlib import Path
from typing import Annotated

import typer

from unspin.choices import SENSITIVITY_HELP, Command, Sensitivity, sensitivity_option
from unspin.signals import terminated_as_interrupt


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host``:``port``, or ``InputError`` saying why not (port in use,
    address not on this machine, permission)."""
    from unspin.errors import InputError

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise InputError(f"--host {host}: cannot resolve this address ({exc.strerror})") from None
    family, socktype, proto, _, sockaddr = infos[0]
    sock = socket.socket(family, socktype, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(sockaddr)
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise InputError(f"port {port} on {host} is already in use; stop the other server or choose another --port") from None
        if exc.errno == errno.EACCES:
            raise InputError(f"no permission to listen on port {port}; choose a port above 1023 (--port)") from None
        if exc.errno == errno.EADDRNOTAVAIL:
            raise InputError(f"--host {host}: this machine has no such address") from None
        raise InputError(f"cannot listen on {host}:{port} ({exc.strerror})") from None
    sock.set_inheritable(True)
    return sock


def register(app: typer.Typer) -> None:
    @app.command(cls=Command)
    def serve(
        host: Annotated[str, typer.Option("--host", help="Address to listen on. Anything but loopback exposes the service to the network.")] = "127.0.0.1",
        port: Annotated[int, typer.Option("--port", min=0, max=65535, help="Port to listen on.")] = 8000,
        allow_url_fetch: Annotated[bool, typer.Option("--allow-url-fetch",
            help="Let clients ask the server to fetch http(s) pages (public addresses only).")] = False,
        max_body: Annotated[int, typer.Option("--max-body", min=1, help="Largest request body in bytes; larger ones get 413.")] = 2_000_000,
        max_concurrent: Annotated[int, typer.Option("--max-concurrent", min=0, help="Analyses running at once (0: one per CPU core).")] = 0,
        queue_timeout: Annotated[float, typer.Option("--queue-timeout", min=0.1, help="Seconds a request may wait for a free analysis slot; "
            "one predicted (by the characters queued ahead) to wait over 1.5 times as long gets 503 with Retry-After at once, "
            "one predicted to wait less gets 503 only once it has waited that long.")] = 60.0,
        timeout: Annotated[float, typer.Option("--timeout", min=0.1, help="Seconds one analysis may run; it is then stopped and the request "
            "gets 504 (on 2 cores the default model reads about 300 kB of news text in 60 s, two analyses at once; --fast five times as much).")] = 60.0,
        read_timeout: Annotated[float, typer.Option("--read-timeout", min=0.1, help="Seconds a client has to send a whole request "
            "(headers and body) once it starts one; slower connections are closed.")] = 30.0,
        max_connections: Annotated[int, typer.Option("--max-connections", min=1, help="Open connections at most; "
            "an idle one gives way to a new one, and beyond that new ones are closed.")] = 256,
        fast: Annotated[bool, typer.Option("--fast", help="Use the small English span model (MiniLM-L6): about 3.5 times as quick, less accurate.")] = False,
        sensitivity: Annotated[Sensitivity, typer.Option("--sensitivity", **sensitivity_option(),
            help="For requests that ask for none (field `sensitivity`). " + SENSITIVITY_HELP)] = Sensitivity.default,
        model: Annotated[list[Path] | None, typer.Option("--model", "-m", metavar="DIR", help="A model folder that unspin train wrote (span "
            "or claims; repeat for both): the page shows its techniques.")] = None,
        log_level: Annotated[str, typer.Option("--log-level", help="uvicorn log level: critical, error, warning, info, debug.")] = "warning",
    ) -> None:
        """Serve the web page (paste or upload an article, see its persuasion spans) and the REST API.

        Open http://HOST:PORT/ in a browser; the API is documented at /docs (works offline).
        """
        import os

        from rich.console import Console
        from rich.markup import escape

        from unspin.pipeline import check_point
        from unspin.web import server
        from unspin.web.app import Settings, create_app

        settings = Settings(
            allow_url_fetch=allow_url_fetch,
            max_body=max_body,
            max_concurrent=max_concurrent or max(1, os.cpu_count() or 1),
            queue_timeout=queue_timeout,
            timeout=timeout,
            fast=fast,
            sensitivity=Sensitivity(sensitivity).value,
            read_timeout=read_timeout,
            max_connections=max_connections,
            model=tuple(str(p.expanduser().resolve()) for p in model or ()),
        )
        # A point the span model lacks is refused before anything starts, as `unspin analyze`
        # refuses it: the workers would load the model and answer every request with 422.
        check_point("auto", fast, settings.sensitivity, settings.model)
        err = Console(stderr=True)
        # Bind first, so that a busy port is one line and exit 2, and "serving on" is only
        # printed once the socket is ours (uvicorn would print its own error after ours).
        sock = bind(host, port)
        port = sock.getsockname()[1]
        if not _is_loopback(host):
            err.print(f"[yellow]unspin: listening on {escape(host)}: anyone who can reach this address can use the service[/]")
        shown = f"[{host}]" if ":" in host else host
        err.print(f"unspin: serving on http://{escape(shown)}:{port}/ (API docs at /docs); Ctrl+C stops", highlight=False)
        config, cap = server.config(create_app(settings), settings, log_level)
        if cap < max_connections:
            err.print(f"[yellow]unspin: at most {cap} connections (the process may open too few files for {max_connections})[/]")
        # uvicorn stops on SIGTERM as on Ctrl+C (requests in flight get their grace, the workers are
        # stopped), then raises the signal again; with the default action that ended the process on
        # the spot, before Python's exit handlers, and the resource tracker reported the worker
        # pool's semaphores as leaked. As a KeyboardInterrupt it ends as Ctrl+C does (exit 130).
        with terminated_as_interrupt():
            server.Server(config).run(sockets=[sock])
