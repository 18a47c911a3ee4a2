"""What the fake clouds share: an aiohttp server that every request reaches, on
127.0.0.1 only, started and stopped with the fake."""

from __future__ import annotations

import ssl
from types import TracebackType
from typing import Final, Self

from aiohttp import web

LOOPBACK: Final = "127.0.0.1"


class LoopbackServer:
    """A fake web service on 127.0.0.1; subclasses answer in ``_handle``."""

    def __init__(self, port: int = 0) -> None:
        self.port = port
        self._runner: web.AppRunner | None = None

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        raise NotImplementedError

    async def start(self) -> None:
        """Listen on 127.0.0.1 (and nowhere else)."""
        await self._serve()

    async def _serve(self, ssl_context: ssl.SSLContext | None = None) -> None:
        if self._runner is not None:
            return
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, LOOPBACK, self.port, ssl_context=ssl_context)
        await site.start()
        self.port = self._runner.addresses[0][1]  # the bound port when 0 was asked for

    async def stop(self) -> None:
        """Stop listening; idempotent."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()
