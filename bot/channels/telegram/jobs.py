"""The replica's work beside the turns: its leases kept, the retention clean-up, idle tickets closed, and the
command menu.

Each is a loop started with the service and cancelled when it stops; a failure is logged and tried again
at the next round, never stopping the bot. The jobs one replica does for all (retention, idle tickets, the
command menu) ask the database whether they are due here (``once_across_replicas``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence

from telegram import Bot, BotCommand

from bot import __version__
from bot.channels.telegram.botapi.limiter import PausingRateLimiter
from bot.i18n import N_, Translator
from bot.knowledge.language import DEFAULT_LANGUAGE, LANGUAGES
from bot.storage import LeaseStore, Storage
from bot.storage.leases import BEAT_SECONDS

log = logging.getLogger(__name__)

MAINTENANCE_SECONDS = 3600
JOB_CHECK_SECONDS = 60  # how often a replica asks whether a periodic job is its to run
COMMANDS_PERIOD = 86400  # the command menu is set again once a day (and by each new version at once)
COMMANDS_TIMEOUT = 5
COMMANDS = ("start", "help", "language", "setup", "imap", "human", "cancel")
# Descriptions in the command menu, translated with the catalogues.
COMMAND_DESCRIPTIONS = {
    "start": N_("Main menu"),
    "help": N_("What I can do"),
    "language": N_("Change language"),
    "setup": N_("Set up my mail"),
    "imap": N_("Activate IMAP"),
    "human": N_("Talk to a person"),
    "cancel": N_("Stop what we are doing"),
}

LeasesHeld = Callable[[set[str]], None]  # told the leases this replica still holds after each renewal


async def keep_leases(leases: LeaseStore, seconds: float, told: Sequence[LeasesHeld],
                      limiter: PausingRateLimiter | None = None) -> None:
    """Renew this replica's leases (and say it is alive) a few times a lease; ``told`` hear which it holds,
    so the workers of leases that moved on stop at once. Telegram's limits are shared out among the replicas."""
    while True:
        try:
            held = await asyncio.to_thread(leases.renew, seconds)
            for tell in told:
                tell(held)
            if limiter is not None:
                limiter.share(await asyncio.to_thread(leases.running))
        except Exception as exc:  # the database away: the leases run out, and other replicas take over
            log.warning("leases not renewed: %s", type(exc).__name__)
        await asyncio.sleep(min(BEAT_SECONDS, seconds / 3))


async def once_across_replicas(leases: LeaseStore, job: str, period: float) -> bool:
    """Whether this replica runs ``job`` this period (exactly one replica does)."""
    try:
        return await asyncio.to_thread(leases.due, job, period)
    except Exception as exc:
        log.warning("cannot tell whether %s is due: %s", job, type(exc).__name__)
        return False


async def retention(store: Storage, days: float) -> None:
    """Every hour, on one replica: what is older than ``days`` (DATA_RETENTION_DAYS) is deleted."""
    while True:
        if await once_across_replicas(store.leases, "retention", MAINTENANCE_SECONDS):
            try:
                removed = await asyncio.to_thread(store.prune, days)
                if any(removed.values()):
                    log.info("retention: deleted %s", ", ".join(f"{n} {what}" for what, n in removed.items() if n))
            except Exception:  # storage trouble: try again at the next round
                log.exception("retention clean-up failed")
        await asyncio.sleep(JOB_CHECK_SECONDS)


async def close_idle_tickets(close: Callable[[float], Awaitable[None]], leases: LeaseStore, days: float) -> None:
    """Tickets with no message for ``days`` (SUPPORT_IDLE_CLOSE_DAYS) are closed (``close``); checked often
    enough to close each within a tenth of that time (at most hourly)."""
    period = min(MAINTENANCE_SECONDS, max(1.0, days * 86400 / 10))
    while True:
        if await once_across_replicas(leases, "idle-tickets", period):
            try:
                await close(days)
            except Exception:  # the group or storage failing: try again at the next round
                log.exception("closing idle tickets failed")
        await asyncio.sleep(min(period, JOB_CHECK_SECONDS))


async def command_menu(bot: Bot, leases: LeaseStore, translator: Translator) -> None:
    """The command menu in each language, set by one replica; a failure here never stops the bot."""
    if not await once_across_replicas(leases, f"command-menu:{__version__}", COMMANDS_PERIOD):
        return
    for lang in (*LANGUAGES, None):
        code = lang or DEFAULT_LANGUAGE
        commands = [BotCommand(c, translator.gettext(code, COMMAND_DESCRIPTIONS[c])) for c in COMMANDS]
        try:
            await asyncio.wait_for(bot.set_my_commands(commands, language_code=lang), COMMANDS_TIMEOUT)
        except Exception as exc:  # non-essential: log and go on
            log.warning("could not register the %s command menu: %s", lang or "default", exc)
