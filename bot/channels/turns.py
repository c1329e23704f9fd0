"""A customer's turn as one transaction: the session, its delivery record and whatever the conversation
stores meanwhile (an outbox request, feedback, an unanswered question) commit together or not at all.

The transaction starts by checking the chat's lease (a replica that lost the chat commits nothing for
it) and reads the session locked. Requests made in the turn carry ``source``, the event's own id, so a
turn replayed after a crash finds its request instead of making a second one. Blocking: run it in a
storage thread.
"""

from __future__ import annotations

import dataclasses
import logging

from bot.channels.delivery import Delivery, change_session, record
from bot.conversation.router import Conversation
from bot.core.session import Session, SessionKey
from bot.core.types import Inbound, Reply, TeamUnreachable
from bot.metrics import METRICS
from bot.storage import Storage
from bot.storage.leases import current_lease
from bot.storage.outbox import current_source

log = logging.getLogger(__name__)


@dataclasses.dataclass
class Turn:
    """A turn as stored: its session and what is left to deliver; ``replayed`` when the event was handled
    before (a restart), so what is left is the earlier turn's."""

    key: SessionKey
    session: Session
    delivery: Delivery
    replayed: bool = False


def respond_at_once(store: Storage, conversation: Conversation, key: SessionKey, source: str, event_id: int,
                    inbound: Inbound) -> Turn:
    """The turn of one event, committed with its replies and effects still to deliver."""
    lease = current_lease.get()
    with store.db.transaction() as tx:
        if lease is not None:  # a replica that lost the chat meanwhile commits nothing for it
            store.leases.fence(tx, lease)
        stored = store.read_for_update(tx, key)
        session, delivery = Session.from_dict(stored), Delivery.of(stored)
        # An event handled just before a crash, whose inbox entry was not yet marked, comes again after the
        # restart; the record, saved with each turn, knows it was handled, and what of it was not delivered.
        if delivery.handled(event_id):
            log.info("update %s was handled before a restart: delivering what was left", event_id)
            METRICS.note_outcome(event_id, "replayed")
            return Turn(key, session, delivery, replayed=True)
        token = current_source.set(source)  # the requests this turn makes
        try:
            outcome = conversation.respond(key, session, inbound)
        finally:
            current_source.reset(token)
        if outcome.analysis is not None:
            METRICS.answered(outcome.analysis.intent)
        delivery.replies, delivery.effects = list(outcome.replies), list(outcome.effects)
        # Saved, with its replies, before anything is sent: a restart never forgets where we were or what
        # was still to say.
        store.write(tx, key, record(session, delivery))
    return Turn(key, session, delivery)


def team_unreachable_at_once(store: Storage, conversation: Conversation, key: SessionKey, source: str,
                             session: Session, inbound: Inbound) -> list[Reply]:
    """The second step of a turn whose ticket or relay the support group could not take: the conversation
    answers ``TeamUnreachable`` (the request to the mailbox, the session's new state) in one transaction."""
    notice = dataclasses.replace(inbound, notice=TeamUnreachable())
    with store.db.transaction() as tx:
        token = current_source.set(source)
        try:
            outcome = conversation.respond(key, session, notice)
        finally:
            current_source.reset(token)
        data = store.read_for_update(tx, key) or {}
        change_session(lambda s: setattr(s, "flows", session.flows))(data)
        store.write(tx, key, data)
    return outcome.replies
