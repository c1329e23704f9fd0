"""The stand-in itself: its state, its server thread and its lifecycle; the API areas come from the mixins beside it."""

from __future__ import annotations

import collections
import itertools
import socket
import threading
from typing import Any

from .api_chats import ChatsApi
from .api_messages import MessagesApi
from .api_session import SessionApi
from .checks import Checks
from .customers import Customers
from .dispatch import Dispatch
from .inspection import Inspection
from .server import Server
from .world import World

# --------------------------------------------------------------------------------------------
# The fake
# --------------------------------------------------------------------------------------------


class FakeTelegram(World, Customers, Inspection, Dispatch, Checks, SessionApi, MessagesApi, ChatsApi):
    """The Bot API for one token, served on 127.0.0.1 from a background thread.

    Attributes that tests may change at any time:
      flood_limit_per_chat_per_second (30): messages to one private chat within 1 s before 429
      flood_limit_per_group_per_minute (20): messages to one group within 60 s before 429
      flood_retry_after (1): retry_after of those 429 answers
    Set a limit to None to disable it.
    """

    def __init__(self, token: str = "123:TEST", *, port: int = 0, bot_first_name: str = "Mailbot",
                 bot_username: str = "mailbot_test_bot"):
        """Start serving at once; ``port`` 0 takes any free port."""
        self.token = token
        bot_id = token.split(":", 1)[0]
        self.bot_user = {
            "id": int(bot_id) if bot_id.isdigit() else 123456789,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
        }
        self.flood_limit_per_chat_per_second: int | None = 30
        self.flood_limit_per_group_per_minute: int | None = 20
        self.flood_retry_after = 1

        self._lock = threading.RLock()
        self._cond = threading.Condition(self._lock)
        self._closed = False
        self._users: dict[int, dict] = {}
        self._chats: dict[int, dict] = {}
        self._blocked: set[int] = set()
        self._kicked_from: set[int] = set()
        self._members: dict[tuple[int, int], str] = {}
        self._topics: dict[int, dict[int, dict]] = collections.defaultdict(dict)
        self._message_ids: dict[int, itertools.count] = {}
        self._messages: dict[tuple[int, int], dict] = {}
        self._update_messages: dict[int, int] = {}  # update_id -> the message_id it carried
        self._sent: dict[int, list[dict]] = collections.defaultdict(list)
        self._updates: list[dict] = []
        self._next_update_id = 100001
        self._confirmed_offset = 0
        self._allowed_updates: list[str] = []
        self._poll_generation = 0
        self._callback_ids = itertools.count(4_000_000_000_000_000_001)
        self._open_callbacks: dict[str, dict] = {}
        self._answered_callbacks: list[str] = []
        self._callback_answers: list[dict] = []
        self._edit_history: list[dict] = []
        self._calls: list[tuple[str, dict]] = []
        self._call_times: list[float] = []  # time.monotonic() each call arrived, beside ``_calls``
        self._answered_429: list[tuple[float, str, dict, int]] = []
        self._refusals: list[tuple[str, dict, str]] = []
        self._expected_refusals: list[str] = []
        self._holds: set[str] = set()
        self._errors: list[tuple[str, dict, int, str]] = []
        self._internal_errors: list[str] = []
        self._discarded_updates: list[dict] = []
        self._injected_429: dict[str, list[int]] = {}
        self._failures: dict[str, dict] = {}
        self._flood_log: dict[int, collections.deque] = collections.defaultdict(collections.deque)
        self._commands: dict[tuple[str, str], list[dict]] = {}
        self._webhook_url = ""
        self._connections: set[socket.socket] = set()
        self._local = threading.local()

        self._server = Server(("127.0.0.1", port), self)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
            name=f"FakeTelegram:{self.port}", daemon=True,
        )
        self._thread.start()

    # ---- lifecycle -----------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """What the bot uses as TELEGRAM_BASE_URL: ``http://127.0.0.1:PORT/bot``."""
        return f"http://127.0.0.1:{self.port}/bot"

    def close(self) -> None:
        """Stop the server: release long polls, close the connections. Idempotent."""
        with self._cond:
            if self._closed:
                return
            self._closed = True
            self._cond.notify_all()
        self._server.shutdown()
        self._server.server_close()
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self._thread.join(timeout=5)

    def __enter__(self) -> "FakeTelegram":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def track_connection(self, connection: socket.socket, open_: bool) -> None:
        with self._lock:
            (self._connections.add if open_ else self._connections.discard)(connection)

