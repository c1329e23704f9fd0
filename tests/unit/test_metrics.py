"""The bot's metrics: the exposition parses, names every metric the contract asks for, labels each sample
with the replica, and survives a database that fails or hangs."""

from __future__ import annotations

import asyncio
import threading

from prometheus_client.parser import text_string_to_metric_families

from bot.http.probes import Prober, database_counts, database_ready
from bot.metrics import Metrics

REQUIRED = {
    "mailbot_build_info", "mailbot_updates_received", "mailbot_updates_duplicate", "mailbot_updates_handled",
    "mailbot_update_handle_seconds", "mailbot_update_wait_seconds", "mailbot_replies_sent", "mailbot_answers",
    "mailbot_telegram_errors", "mailbot_outbox_delivered", "mailbot_outbox_attempt_failed", "mailbot_db_errors",
    "mailbot_inbox_pending", "mailbot_outbox_pending", "mailbot_tickets_open", "mailbot_leases_held",
}
COUNTS = {"inbox_pending": 3, "outbox_pending": 1, "tickets_open": 2}


def scrape(metrics: Metrics, accept: str = "") -> dict[str, list]:
    body, content_type = asyncio.run(metrics.exposition(accept))
    assert content_type.startswith("text/plain")
    return {family.name: family.samples for family in text_string_to_metric_families(body.decode())}


def value(families: dict, sample_name: str, **labels) -> float:
    family = sample_name.removesuffix("_total").removesuffix("_count")
    return sum(s.value for s in families[family] if s.name == sample_name and labels.items() <= s.labels.items())


def working_metrics() -> Metrics:
    metrics = Metrics()
    metrics.configure("replica-a", "1.2.3", "sqlite", database=lambda: COUNTS)
    metrics.leases = lambda: {"chat": 4, "role": 1}
    metrics.updates_received("polling", [1, 2, 3], new=2)
    metrics.updates_received("webhook", [4], new=1)
    metrics.note_outcome(2, "replayed")
    for update_id in (1, 2, 4):
        metrics.update_handled(update_id, "done", 0.2)
    metrics.update_handled(3, "unparseable")
    metrics.answered("answer")
    metrics.reply_sent()
    metrics.telegram_error("sendMessage", 429)
    metrics.outbox_delivered()
    metrics.outbox_failed(permanent=False)
    return metrics


def test_the_exposition_parses_and_names_every_metric_with_the_replica():
    families = scrape(working_metrics())
    assert REQUIRED <= set(families)
    assert all(name.startswith("mailbot_") for name in families)
    samples = [s for family in families.values() for s in family]
    assert all(s.labels.get("replica") == "replica-a" for s in samples)
    assert value(families, "mailbot_build_info", version="1.2.3", backend="sqlite") == 1


def test_the_counters_count_what_happened():
    families = scrape(working_metrics())
    assert value(families, "mailbot_updates_received_total", source="polling") == 3
    assert value(families, "mailbot_updates_received_total", source="webhook") == 1
    assert value(families, "mailbot_updates_duplicate_total") == 1
    assert value(families, "mailbot_updates_handled_total", outcome="done") == 2
    assert value(families, "mailbot_updates_handled_total", outcome="replayed") == 1
    assert value(families, "mailbot_updates_handled_total", outcome="unparseable") == 1
    assert value(families, "mailbot_update_handle_seconds_count") == 3
    assert value(families, "mailbot_update_wait_seconds_count") == 4
    assert value(families, "mailbot_answers_total", intent="answer") == 1
    assert value(families, "mailbot_answers_total", intent="fallback") == 0  # every intent is there from the start
    assert value(families, "mailbot_telegram_errors_total", method="sendMessage", code="429") == 1
    assert value(families, "mailbot_outbox_attempt_failed_total", permanent="false") == 1
    assert value(families, "mailbot_inbox_pending") == 3 and value(families, "mailbot_tickets_open") == 2
    assert value(families, "mailbot_leases_held", kind="chat") == 4


def test_a_failed_handler_counts_as_failed_once():
    metrics = Metrics()
    metrics.note_outcome(9, "failed")
    metrics.update_handled(9, "done", 0.1)
    metrics.update_handled(10, "done", 0.1)
    families = scrape(metrics)
    assert value(families, "mailbot_updates_handled_total", outcome="failed") == 1
    assert value(families, "mailbot_updates_handled_total", outcome="done") == 1


def test_a_failing_database_leaves_its_gauges_out_and_is_counted():
    metrics = working_metrics()

    def broken():
        raise OSError("database is locked")

    metrics.database = broken
    families = scrape(metrics)
    assert "mailbot_inbox_pending" not in families and "mailbot_leases_held" not in families
    assert value(families, "mailbot_db_errors_total") == 1
    assert value(families, "mailbot_replies_sent_total") == 1


def test_a_hanging_database_times_out_and_one_read_at_a_time_runs():
    release = threading.Event()
    reads = []

    def hanging():
        reads.append(1)
        release.wait(5)
        return COUNTS

    metrics = Metrics(prober=Prober(timeout=0.2))
    metrics.configure("r", "1", "sqlite", database=hanging)
    try:
        families = scrape(metrics)
        assert "mailbot_inbox_pending" not in families
        assert value(families, "mailbot_db_errors_total") == 1

        async def twice():  # the read still running is awaited again, not started a second time
            return await asyncio.gather(metrics.exposition(), metrics.exposition())

        asyncio.run(twice())
        assert len(reads) == 1
    finally:
        release.set()


def test_without_a_lease_source_no_lease_gauge_is_invented():
    metrics = Metrics()
    metrics.configure("r", "1", "sqlite", database=lambda: COUNTS)
    families = scrape(metrics)
    assert "mailbot_leases_held" not in families and "mailbot_inbox_pending" in families


def test_openmetrics_is_served_when_asked_for():
    body, content_type = asyncio.run(working_metrics().exposition("application/openmetrics-text; version=1.0.0"))
    assert content_type.startswith("application/openmetrics-text") and body.rstrip().endswith(b"# EOF")


def test_the_database_counts_and_readiness_read_the_store(store):
    store.inbox.add([{"update_id": 1, "message": {"chat": {"id": 5}}}, {"update_id": 2, "message": {"chat": {"id": 5}}}])
    store.inbox.mark(1, "done")
    store.outbox.submit("mario", ["info@rossi.it"], {"lang": "it"})
    store.tickets.lifecycle.open(5, "Mario", None, "it")
    assert database_counts(store) == {"inbox_pending": 1, "outbox_pending": 1, "tickets_open": 1}
    assert database_ready(store) == (True, "ready")
    store.close()
    ok, reason = database_ready(store)
    assert not ok and "database unavailable" in reason
