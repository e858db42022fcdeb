"""Several worker processes on one port, with gunicorn (pre-fork; Linux and macOS).

Hearten keeps no state in a process: sessions, the task queue and every answer live in the
database, so any worker can answer any request. Used by ``hearten serve --workers N`` with
PostgreSQL.
"""

from __future__ import annotations

from typing import Any

from gunicorn.app.base import BaseApplication

from hearten.web.proxy import gunicorn_options


class _Hearten(BaseApplication):  # type: ignore[misc]
    def __init__(self, application: Any, options: dict[str, Any]) -> None:
        self.application = application
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        return self.application


def serve_workers(application: Any, host: str, port: int, workers: int, threads: int) -> None:
    """Serve ``application`` from ``workers`` processes of ``threads`` threads each."""
    _Hearten(
        application,
        {
            "bind": f"{host}:{port}",
            "workers": workers,
            "threads": threads,
            "worker_class": "gthread",
            "timeout": 30,
            "graceful_timeout": 10,
            "proc_name": "hearten",
            "accesslog": None,
            "errorlog": "-",
            "loglevel": "warning",
            **gunicorn_options(),
        },
    ).run()
