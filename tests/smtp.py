"""A real SMTP server on loopback for mail tests (aiosmtpd), with controls for failures.

``smtp_server`` yields a running :class:`SMTPTestServer`; ``smtp_server.configure(app)``
points the app's mail settings at it. Then, for instance::

    smtp_server.answer("421 4.3.0 Try again later", times=2)  # the next two messages
    smtp_server.answer("550 5.1.1 No such user", at="RCPT")   # refuse the next recipient
    smtp_server.down(); smtp_server.up()                      # the server goes away, returns
    smtp_server.black_hole()                                  # accepts, never answers
    smtp_server.wait_for(1)                                   # until a message has arrived
    smtp_server.messages[0]["Subject"]                        # email.message.EmailMessage
    smtp_server.wait_for_mail_to("ann@example.org", 2)        # her first two messages
"""

import asyncio
import email
import random
import socket
import threading
from collections import deque
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import default as default_policy

import pytest
from aiosmtpd.controller import Controller

HOST = "127.0.0.1"


@dataclass(frozen=True)
class Envelope:
    mail_from: str
    rcpt_tos: tuple[str, ...]


def free_port() -> int:
    """A free loopback port below the kernel's ephemeral range (32768 and up).

    The server goes down and comes back on the same port; a port from the ephemeral range
    could meanwhile become the source port of some outgoing connection (to PostgreSQL, say).
    """
    for _ in range(200):
        port = random.randint(20000, 32000)
        with socket.socket() as probe:
            try:
                probe.bind((HOST, port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free loopback port between 20000 and 32000")


class _Handler:
    def __init__(self, server: "SMTPTestServer"):
        self.server = server

    async def handle_RCPT(self, _smtp, _session, envelope, address, _options):
        reply = self.server._next_answer("RCPT")
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, _smtp, _session, envelope):
        return self.server._receive(envelope)


class SMTPTestServer:
    """An SMTP server on a free loopback port that records what it accepts."""

    def __init__(self) -> None:
        self.port = free_port()
        self.messages: list[EmailMessage] = []
        self.envelopes: list[Envelope] = []
        self._by_recipient: dict[str, list[EmailMessage]] = {}
        self.received = threading.Condition()
        self._answers: dict[str, deque[str]] = {"RCPT": deque(), "DATA": deque()}
        self._controller: Controller | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._silent: socket.socket | None = None

    def configure(self, app) -> None:
        """Point ``app``'s mail settings at this server."""
        app.config.update(
            MAIL_SERVER=HOST, MAIL_PORT=self.port, MAIL_USE_TLS=False, MAIL_USE_SSL=False
        )

    def answer(self, reply: str, times: int = 1, at: str = "DATA") -> None:
        """Answer ``reply`` (e.g. "550 5.1.1 No such user") to the next ``times`` messages,
        at the end of their data (``at="DATA"``) or to their recipient (``at="RCPT"``)."""
        with self.received:
            self._answers[at].extend([reply] * times)

    def up(self) -> None:
        """Accept mail (again) on the same port."""
        self._stop_silence()
        if self._controller is None:
            self._loop = asyncio.new_event_loop()
            self._controller = Controller(
                _Handler(self), loop=self._loop, hostname=HOST, port=self.port
            )
            self._controller.start()

    def down(self) -> None:
        """Stop listening: connections are refused."""
        self._stop_silence()
        if self._controller is not None:
            self._controller.stop()
            self._controller = None
            self._loop.close()
            self._loop = None

    def black_hole(self) -> None:
        """Accept connections but never say a word (the kernel completes the handshake)."""
        self.down()
        silent = socket.socket()
        silent.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        silent.bind((HOST, self.port))
        silent.listen(16)
        self._silent = silent

    def wait_for(self, count: int, timeout: float = 10) -> bool:
        """Block until ``count`` messages have arrived (False after ``timeout`` seconds)."""
        with self.received:
            return self.received.wait_for(lambda: len(self.messages) >= count, timeout)

    def wait_for_mail_to(
        self, address: str, count: int = 1, timeout: float = 10
    ) -> list[EmailMessage]:
        """The messages to ``address`` in their order of arrival, once ``count`` have arrived
        (fewer after ``timeout`` seconds). Indexed by recipient, so that hundreds of waiting
        threads do not each read every message at every arrival."""
        with self.received:
            self.received.wait_for(
                lambda: len(self._by_recipient.get(address, ())) >= count, timeout
            )
            return list(self._by_recipient.get(address, ()))

    def close(self) -> None:
        self.down()

    def _stop_silence(self) -> None:
        if self._silent is not None:
            self._silent.close()
            self._silent = None

    def _next_answer(self, stage: str) -> str | None:
        with self.received:
            return self._answers[stage].popleft() if self._answers[stage] else None

    def _receive(self, envelope) -> str:
        with self.received:
            if self._answers["DATA"]:
                return self._answers["DATA"].popleft()
            message = email.message_from_bytes(envelope.content, policy=default_policy)
            self.messages.append(message)
            self.envelopes.append(Envelope(envelope.mail_from, tuple(envelope.rcpt_tos)))
            for recipient in envelope.rcpt_tos:
                self._by_recipient.setdefault(recipient, []).append(message)
            self.received.notify_all()
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server():
    """A running SMTP server on loopback; stopped after the test."""
    server = SMTPTestServer()
    server.up()
    try:
        yield server
    finally:
        server.close()
