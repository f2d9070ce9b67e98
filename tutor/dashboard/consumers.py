"""The live class overview: a teacher's socket joins the class's group; every recorded answer in the
class (services.class_answer_recorded, after commit) tells the group, and each socket sends a fresh
overview at most once per THROTTLE_SECONDS, always including the last change of a burst. A page
that reconnects asks for `?fresh=1` and gets the current overview at once.

Server -> client: {"type": "overview", "heatmap": figure, "activity": figure, "html": {fragment: html}}
with every table of the page (panels.overview_panels). `?anon=TOKEN` anonymises as the page does; a
malformed token is refused with 4400.
"""

import asyncio
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.contrib.auth import get_user_model

from .panels import overview_panels
from .pseudonyms import BadToken, token_from
from .selectors import class_overview, classroom_for_teacher
from .services import class_group

THROTTLE_SECONDS = 1.0


class ClassOverviewConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        classroom_id = self.scope["url_route"]["kwargs"]["classroom_id"]
        self.classroom = await database_sync_to_async(classroom_for_teacher)(user=user, classroom_id=classroom_id)
        if self.classroom is None:
            await self.close(code=4403)
            return
        query = parse_qs(self.scope.get("query_string", b"").decode())
        try:
            self.anon = token_from((query.get("anon") or [""])[-1])
        except BadToken:
            await self.close(code=4400)
            return
        self.user_id = user.pk
        self.pending: asyncio.Task | None = None
        self.last_sent = 0.0
        self.group = class_group(self.classroom.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        if query.get("fresh") == ["1"]:  # a reconnecting page may have missed updates while away
            self.pending = asyncio.create_task(self._send_overview())

    async def disconnect(self, code):
        if getattr(self, "group", None):
            await self.channel_layer.group_discard(self.group, self.channel_name)
        if getattr(self, "pending", None) is not None:
            self.pending.cancel()

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        pass  # the overview only listens: nothing a client sends is read, so nothing can break it

    async def class_changed(self, event):
        if self.pending is not None and not self.pending.done():
            return  # an update is already scheduled and will read the newest data
        self.pending = asyncio.create_task(self._send_overview())

    async def _send_overview(self):
        loop = asyncio.get_running_loop()
        await asyncio.sleep(max(0.0, self.last_sent + THROTTLE_SECONDS - loop.time()))
        self.last_sent = loop.time()
        message = await database_sync_to_async(_overview_message)(self.user_id, self.classroom.pk, self.anon)
        if message is None:
            await self.channel_layer.group_discard(self.group, self.channel_name)
            await self.close(code=4403)
            return
        await self.send_json(message)


def _overview_message(user_id: int, classroom_id: int, anon: str | None) -> dict | None:
    """The overview, or None once the user no longer teaches the class (taken off it, out of the
    teacher role or deactivated since the socket opened): access is checked again before each update,
    not only at connect."""
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    classroom = classroom_for_teacher(user=user, classroom_id=classroom_id) if user is not None else None
    if classroom is None:
        return None
    return {"type": "overview", **overview_panels(classroom, class_overview(classroom=classroom), anon)}
