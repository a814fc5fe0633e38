"""`unspin serve`: the page and the REST API on one port."""

from __future__ import annotations

import ipaddress

import typer


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def register(app: typer.Typer) -> None:
    @app.command()
    def serve(
        host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on. Anything but loopback exposes the service to the network."),
        port: int = typer.Option(8000, "--port", min=0, max=65535, help="Port to listen on."),
        allow_url_fetch: bool = typer.Option(
            False, "--allow-url-fetch", help="Let clients ask the server to fetch http(s) pages (public addresses only)."
        ),
        max_body: int = typer.Option(2_000_000, "--max-body", min=1, help="Largest request body in bytes; larger ones get 413."),
        max_concurrent: int = typer.Option(0, "--max-concurrent", min=0, help="Analyses running at once (0: one per CPU core)."),
        queue_timeout: float = typer.Option(60.0, "--queue-timeout", min=0.1, help="Seconds a request may wait for a free analysis slot before 503."),
        timeout: float = typer.Option(60.0, "--timeout", min=0.1, help="Seconds one analysis may run before the request gets 504."),
        log_level: str = typer.Option("warning", "--log-level", help="uvicorn log level: critical, error, warning, info, debug."),
    ) -> None:
        """Serve the web page (paste or upload an article, see its persuasion spans) and the REST API.

        Open http://HOST:PORT/ in a browser; the API is documented at /docs (works offline).
        """
        import os

        import uvicorn
        from rich.console import Console

        from unspin.web.app import Settings, create_app

        settings = Settings(
            allow_url_fetch=allow_url_fetch,
            max_body=max_body,
            max_concurrent=max_concurrent or max(1, os.cpu_count() or 1),
            queue_timeout=queue_timeout,
            timeout=timeout,
        )
        err = Console(stderr=True)
        if not _is_loopback(host):
            err.print(f"[yellow]unspin: listening on {host}: anyone who can reach this address can use the service[/]")
        shown = f"[{host}]" if ":" in host else host
        err.print(f"unspin: serving on http://{shown}:{port}/ (API docs at /docs); Ctrl+C stops")
        uvicorn.run(create_app(settings), host=host, port=port, log_level=log_level, access_log=False, workers=1)
