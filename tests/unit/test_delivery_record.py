"""The delivery record kept beside a session: replies and effects typed in memory, JSON only when stored,
and records written by earlier versions read without losing a ticket to open, a relay or a hand back."""

from __future__ import annotations

import json

from bot.channels.delivery import Delivery, change_delivery, record
from bot.core.session import Frame, Session
from bot.core.types import Button, HandBack, OpenTicket, RelayToTeam, Reply, effect_from_dict, effect_to_dict


def test_a_record_stored_before_effects_were_typed_keeps_its_handoff_handback_and_relay():
    # Regression (issue 20): the desk's signals used to ride on flags of the replies; an upgrade in the
    # middle of a delivery must still open the ticket before the reply that announces it, relay and hand back.
    old = {"lang": "it", "delivery": {
        "recent_events": [7, 8],
        "undelivered": [{"text": "Ciao", "title": None, "buttons": [], "handoff": False, "handback": False},
                        {"text": "Ho avvisato il team", "title": None, "buttons": [[["🏠 Menu", "m"]]],
                         "handoff": True, "handback": False},
                        {"text": "Torni dal bot", "title": None, "buttons": [], "handoff": False, "handback": True}],
        "relay_pending": True}}
    delivery = Delivery.of(json.loads(json.dumps(old)))
    assert delivery.recent_events == [7, 8]
    assert [r.text for r in delivery.replies] == ["Ciao", "Ho avvisato il team", "Torni dal bot"]
    assert delivery.replies[1].buttons == ((Button("🏠 Menu", "m"),),)
    assert delivery.effects == [OpenTicket(before=1), RelayToTeam(), HandBack()]


def test_a_version_1_record_kept_its_delivery_at_the_top():
    old = {"lang": "en", "recent_events": [3], "relay_pending": True,
           "undelivered": [{"text": "With the team", "handoff": True}]}
    delivery = Delivery.of(old)
    assert delivery.recent_events == [3] and [r.text for r in delivery.replies] == ["With the team"]
    assert delivery.effects == [OpenTicket(before=0), RelayToTeam()]


def test_effects_are_stored_with_their_kind_and_read_back_the_same():
    delivery = Delivery([1], [Reply("a"), Reply("b")], [RelayToTeam(), OpenTicket(before=1), HandBack()])
    stored = json.loads(json.dumps(record(Session(lang="en"), delivery)))
    assert stored["delivery"]["effects"] == [{"kind": "relay"}, {"kind": "open-ticket", "before": 1},
                                             {"kind": "hand-back"}]
    assert "handoff" not in stored["delivery"]["undelivered"][0]
    assert Delivery.of(stored) == delivery
    assert effect_from_dict({"kind": "from-a-newer-version"}) is None
    assert effect_from_dict(effect_to_dict(OpenTicket(before=2))) == OpenTicket(before=2)


def test_a_record_this_version_stores_is_delivered_right_by_a_replica_of_the_previous_one():
    # Regression (issue 20 review): during a rolling upgrade a replica still on the previous version may
    # deliver what this one stored; it reads the effects from flags on the replies and ``relay_pending``.
    delivery = Delivery([5], [Reply("Un momento"), Reply("Ho avvisato il team"), Reply("Torni dal bot")],
                        [RelayToTeam(), OpenTicket(before=1), HandBack()])
    stored = json.loads(json.dumps(record(Session(lang="it"), delivery)))["delivery"]
    assert [r.get("handoff", False) for r in stored["undelivered"]] == [False, True, False]
    assert stored["undelivered"][-1]["handback"] is True and stored["relay_pending"] is True
    # ...and this version reads its own ``effects`` only: each effect once.
    assert Delivery.of({"delivery": stored}).effects == [RelayToTeam(), OpenTicket(before=1), HandBack()]


def test_a_sent_reply_moves_the_ticket_up_and_the_announcing_one_ends_it():
    delivery = Delivery([], [Reply("a"), Reply("b"), Reply("c")], [OpenTicket(before=1), HandBack()])
    delivery.sent_one()
    assert delivery.effects == [OpenTicket(before=0), HandBack()]
    delivery.sent_one()  # the ticket is open and the customer told: a replay does not open it again
    assert delivery.effects == [HandBack()] and [r.text for r in delivery.replies] == ["c"]
    data = record(Session(), delivery)
    change_delivery(Delivery.finished)(data)
    assert data["delivery"]["undelivered"] == [] and data["delivery"]["effects"] == []


def test_typed_frames_are_stored_as_before_and_old_sessions_still_load():
    # Regression (issue 20): frames became typed (``Frame``); the JSON is the same, so stored sessions load.
    stored = {"lang": "it", "flows": [{"flow": "setup", "state": {"step": "address", "token": "ab12"}},
                                      {"flow": "human", "state": {"step": "with-team"}},
                                      {"flow": 3, "state": {}}, "garbage"]}
    session = Session.from_dict(json.loads(json.dumps(stored)))
    assert session.flows == [Frame(flow="setup", state={"step": "address", "token": "ab12"}),
                             Frame(flow="human", state={"step": "with-team"})]
    assert json.loads(json.dumps(session.to_dict()))["flows"] == stored["flows"][:2]
    assert session.flow == "human" and session.pop() == "setup"
