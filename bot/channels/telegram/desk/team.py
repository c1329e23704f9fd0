"""Who is on the support team: administrators of the group (anonymous ones post as the group itself)
and the people of SUPPORT_STAFF_IDS. Administrators are asked again every few minutes, and followed
meanwhile through ``chat_member`` updates; someone else writing in the group is told once how to join."""

from __future__ import annotations

import functools
import logging
import time

from telegram import Bot, Message, Update
from telegram.constants import ChatMemberStatus
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.channels.telegram.botapi.calls import with_retries
from bot.channels.telegram.desk.group import GROUP_RETRY_SECONDS, SupportGroup
from bot.storage.leases import current_lease

log = logging.getLogger(__name__)

ADMINS_TTL = 300.0


class TeamMembers:
    """The team of the support group, as far as this process knows it."""

    def __init__(self, group: SupportGroup, staff_ids: frozenset[int]):
        self.group = group
        self.staff_ids = staff_ids
        self._admins: set[int] | None = None
        self._admins_at = 0.0
        self._admins_lease: tuple[str, int] | None = None  # the group's lease they were read under
        self._told: set[int] = set()  # members not on the team who were told how to join

    def _t(self, message: str) -> str:
        return self.group.team_text(message)

    async def is_team(self, bot: Bot, message: Message) -> bool:
        """Whether the sender may act for the team: an administrator of the group (anonymous ones post as
        the group itself) or one of SUPPORT_STAFF_IDS."""
        if message.sender_chat is not None:
            return message.sender_chat.id == self.group.chat_id
        user = message.from_user
        if user is None or user.is_bot:
            return False
        if user.id in self.staff_ids:
            return True
        admins = await self._administrators(bot)
        return admins is not None and user.id in admins

    async def _administrators(self, bot: Bot) -> set[int] | None:
        """The group's administrators: the list known, or read again when old. The replica holding the
        group's lease sees its chat_member updates; one that took the lease over (a new epoch) may have
        missed some while another replica held it: it asks again."""
        lease = current_lease.get()
        held = (lease.key, lease.epoch) if lease is not None else None
        if self._admins is None or held != self._admins_lease or time.monotonic() - self._admins_at > ADMINS_TTL:
            self._admins_lease = held
            read = functools.partial(bot.get_chat_administrators, self.group.chat_id)
            try:
                admins = await with_retries(read, "reading the administrators", seconds=GROUP_RETRY_SECONDS)
                self._admins = {member.user.id for member in admins}
                self._admins_at = time.monotonic()
            except TelegramError as exc:  # the last list known, if any, stands in for it
                log.warning("cannot read the support group's administrators: %s", exc)
        return self._admins

    async def on_member(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Someone's status in the group changed (``chat_member``): the team follows it at once, not
        when the administrators are next asked."""
        change = update.chat_member
        if change is None:
            return
        user, status = change.new_chat_member.user, change.new_chat_member.status
        log.info("support group: user %s is now %s", user.id, status)
        if self._admins is None:
            return  # not read yet: the next message reads the list afresh
        if status in (ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER):
            self._admins.add(user.id)
        else:
            self._admins.discard(user.id)

    async def from_team(self, bot: Bot, message: Message, tell: bool = True) -> bool:
        """Whether the sender is on the team; someone who is not is told once (``tell``) how to be added."""
        if await self.is_team(bot, message):
            return True
        user = message.from_user
        log.info("support group: ignoring a message from %s, who is not on the team",
                 user.id if user else message.sender_chat)
        known = self._admins is not None  # not when the administrators could not be read: they may be one
        if not (tell and known and user is not None and not user.is_bot and message.sender_chat is None):
            return False
        if user.id in self._told:
            return False
        # Once per person and process: after a restart, or on another replica, they may hear it once more.
        self._told.add(user.id)
        try:
            await self.group.say(bot, message, self._t(
                "Only the support team can answer customers here: ask an administrator of this group to make "
                "you an administrator, or to add your Telegram id {id} to SUPPORT_STAFF_IDS.").format(id=user.id))
        except TelegramError as exc:
            log.warning("a member not on the team could not be told how to join: %s", exc)
        return False
