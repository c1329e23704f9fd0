"""The bot's metrics, in Prometheus' text exposition: what /metrics serves.

Counters and histograms move as the bot works (a dictionary lookup and an addition each); the gauges
that need the database (inbox, outbox, tickets, leases) are read when Prometheus scrapes, through
``bot.http.probes``: a database that fails or hangs then leaves those gauges out and counts
``mailbot_db_errors_total``, and /metrics still answers. Every name starts ``mailbot_`` and every
sample carries ``replica`` (REPLICA_ID), added when the registry is collected. ``METRICS`` is the
process's one set; ``docs/operations.md`` says what each metric means and what to alert on.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, disable_created_metrics
from prometheus_client.exposition import choose_encoder
from prometheus_client.metrics_core import GaugeMetricFamily, Metric

from bot.core.types import INTENTS
from bot.http.probes import Prober

log = logging.getLogger(__name__)

# The *_created series double every counter for no use here.
disable_created_metrics()

SOURCES = ("webhook", "polling")
OUTCOMES = ("done", "unparseable", "failed", "replayed")
# A turn is milliseconds of answering and one send, or up to 90 s of retries through an outage.
SECONDS_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)
REMEMBERED_UPDATES = 10_000  # receive times kept for the wait histogram; older ones are forgotten
DATABASE_GAUGES = {
    "inbox_pending": "Updates stored and not yet handled, across the database (the same on every replica).",
    "outbox_pending": "Emails to the support mailbox not yet delivered, across the database.",
    "tickets_open": "Open support tickets, across the database.",
}

Counts = Callable[[], Mapping[str, float]]


class Metrics:
    """One registry of the bot's metrics; ``exposition`` renders it with the database's gauges."""

    def __init__(self, replica: str = "", prober: Prober | None = None):
        self.replica = replica
        self.prober = prober or Prober()
        self.database: Counts | None = None  # {"inbox_pending": n, ...}, read at scrape time
        self.leases: Counts | None = None  # {"chat": n, "role": n}, read at scrape time
        self.registry = registry = CollectorRegistry(auto_describe=True)
        self._build_info = Gauge("mailbot_build_info", "Always 1: the running version and database backend.",
                                 ("version", "backend"), registry=registry)
        received = Counter("mailbot_updates_received_total",
                           "Updates from Telegram stored in the inbox, by how they came.", ("source",),
                           registry=registry)
        self._received = {source: received.labels(source) for source in SOURCES}
        self._duplicates = Counter("mailbot_updates_duplicate_total",
                                   "Updates Telegram sent again that the inbox already held.", registry=registry)
        handled = Counter("mailbot_updates_handled_total", "Updates handled, by outcome.", ("outcome",),
                          registry=registry)
        self._handled = {outcome: handled.labels(outcome) for outcome in OUTCOMES}
        self._handle_seconds = Histogram("mailbot_update_handle_seconds",
                                         "How long one update's turn took, replies sent included.",
                                         buckets=SECONDS_BUCKETS, registry=registry)
        self._wait_seconds = Histogram("mailbot_update_wait_seconds",
                                       "From an update's arrival at this replica to the end of its turn.",
                                       buckets=SECONDS_BUCKETS, registry=registry)
        self._replies = Counter("mailbot_replies_sent_total",
                                "Replies the bot sent (a long one split in parts counts once).", registry=registry)
        self._answers = Counter("mailbot_answers_total", "Typed messages the answer engine read, by intent.",
                                ("intent",), registry=registry)
        for intent in INTENTS:
            self._answers.labels(intent)
        self._telegram_errors = Counter("mailbot_telegram_errors_total",
                                        "Bot API calls that failed, by method and HTTP code "
                                        "(network, timeout: no answer).", ("method", "code"), registry=registry)
        self._outbox_delivered = Counter("mailbot_outbox_delivered_total", "Emails delivered to the support mailbox.",
                                         registry=registry)
        failed = Counter("mailbot_outbox_attempt_failed_total",
                         "Failed attempts to deliver an email; permanent: given up.", ("permanent",), registry=registry)
        self._outbox_failed = {permanent: failed.labels(str(permanent).lower()) for permanent in (False, True)}
        self._db_errors = Counter("mailbot_db_errors_total",
                                  "Reads of the database for /metrics or /readyz that failed or timed out.",
                                  registry=registry)
        self._arrived: dict[int, float] = {}
        self._noted: dict[int, str] = {}  # outcomes the handlers saw, for the pump to count

    def configure(self, replica: str, version: str, backend: str, database: Counts | None = None,
                  leases: Counts | None = None) -> None:
        """The running process's identity, the database's counts and this replica's leases; called once at
        start."""
        self.replica = replica
        self._build_info.clear()
        self._build_info.labels(version, backend).set(1)
        self.database = database
        self.leases = leases

    # what the bot does
    def updates_received(self, source: str, update_ids: Iterable[int], new: int) -> None:
        ids = list(update_ids)
        self._received[source].inc(len(ids))
        if len(ids) > new:
            self._duplicates.inc(len(ids) - new)
        now = time.monotonic()
        for update_id in ids:
            self._arrived.setdefault(update_id, now)
        while len(self._arrived) > REMEMBERED_UPDATES:
            del self._arrived[next(iter(self._arrived))]

    def note_outcome(self, update_id: int, outcome: str) -> None:
        """What a handler knows of the update it handles (``replayed``: handled before a restart;
        ``failed``: it raised), counted when the pump is done with the update."""
        if len(self._noted) >= REMEMBERED_UPDATES:
            self._noted.clear()
        self._noted[update_id] = outcome

    def update_handled(self, update_id: int, outcome: str, seconds: float | None = None) -> None:
        noted = self._noted.pop(update_id, None)
        if outcome == "done" and noted is not None:
            outcome = noted
        self._handled[outcome].inc()
        if seconds is not None:
            self._handle_seconds.observe(seconds)
        arrived = self._arrived.pop(update_id, None)
        if arrived is not None:  # stored by an earlier run: its wait is not known
            self._wait_seconds.observe(time.monotonic() - arrived)

    def answered(self, intent: str) -> None:
        self._answers.labels(intent).inc()

    def reply_sent(self) -> None:
        self._replies.inc()

    def telegram_error(self, method: str, code: int | str) -> None:
        self._telegram_errors.labels(method, str(code)).inc()

    def outbox_delivered(self) -> None:
        self._outbox_delivered.inc()

    def outbox_failed(self, permanent: bool) -> None:
        self._outbox_failed[permanent].inc()

    def db_error(self) -> None:
        self._db_errors.inc()

    # the exposition
    async def exposition(self, accept: str = "") -> tuple[bytes, str]:
        """The text for /metrics and its content type (as the scraper's Accept header asks)."""
        extra = await self._database_families()
        encoder, content_type = choose_encoder(accept)
        return encoder(_Labelled([*self.registry.collect(), *extra], {"replica": self.replica})), content_type

    async def _database_families(self) -> list[Metric]:
        if self.database is None and self.leases is None:
            return []
        try:
            counts, leases = await self.prober.run("gauges", self._read_database)
        except Exception as exc:  # /metrics answers without these gauges
            self.db_error()
            log.warning("metrics: the database could not be read (%s)", type(exc).__name__)
            return []
        families: list[Metric] = []
        for name, value in counts.items():
            family = GaugeMetricFamily(f"mailbot_{name}", DATABASE_GAUGES.get(name, name))
            family.add_metric([], value)
            families.append(family)
        if leases is not None:
            family = GaugeMetricFamily("mailbot_leases_held", "Leases this replica holds, by kind (chat, role).",
                                       labels=("kind",))
            for kind, value in sorted(leases.items()):
                family.add_metric([kind], value)
            families.append(family)
        return families

    def _read_database(self) -> tuple[Mapping[str, float], Mapping[str, float] | None]:
        counts = self.database() if self.database is not None else {}
        return counts, self.leases() if self.leases is not None else None


class _Labelled:
    """A collector of families with constant labels added to every sample (the replica)."""

    def __init__(self, families: list[Metric], labels: dict[str, str]):
        self.families, self.labels = families, labels

    def collect(self) -> Iterable[Metric]:
        for family in self.families:
            family.samples = [s._replace(labels={**s.labels, **self.labels}) for s in family.samples]
            yield family


METRICS = Metrics()
