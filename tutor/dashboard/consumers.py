"""A class's live pages: a teacher's socket joins the class's group; every recorded answer in the
class (services.classes_notify, after commit) and every acknowledged alert tells the group, and each
socket sends its page afresh at most once per THROTTLE_SECONDS, always including the last change of a
burst. A page that reconnects asks for `?fresh=1` and gets the current state at once.

`?view=` picks the page (VIEWS): "overview" (the default) sends
{"type": "overview", "heatmap": figure, "activity": figure, "html": {fragment: html}} with every table
of the overview (panels.overview_panels); "now" sends {"type": "now", "html": {fragment: html}} with
every table of the "now" page (now_page.now_panels), and also every REFRESH_SECONDS, since its
durations and who is idle change with the clock, not only with answers (a hint asked for sends no
answer_recorded). `?anon=TOKEN` anonymises as the page does. A malformed token or an unknown view is
refused with 4400.
"""

import asyncio
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.contrib.auth import get_user_model

from .now_page import now_panels
from .panels import overview_panels
from .pseudonyms import BadToken, token_from
from .selectors import class_overview, classroom_for_teacher
from .services import class_group

THROTTLE_SECONDS = 1.0
REFRESH_SECONDS = 30.0


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
        self.view = (query.get("view") or ["overview"])[-1]
        if self.view not in VIEWS:
            await self.close(code=4400)
            return
        self.user_id = user.pk
        self.pending: asyncio.Task | None = None
        self.clock: asyncio.Task | None = None
        self.last_sent = 0.0
        self.group = class_group(self.classroom.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        if query.get("fresh") == ["1"]:  # a reconnecting page may have missed updates while away
            self.pending = asyncio.create_task(self._send_page())
        if self.view == "now":
            self.clock = asyncio.create_task(self._refresh())

    async def disconnect(self, code):
        if getattr(self, "group", None):
            await self.channel_layer.group_discard(self.group, self.channel_name)
        for task in (getattr(self, "pending", None), getattr(self, "clock", None)):
            if task is not None:
                task.cancel()

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        pass  # the overview only listens: nothing a client sends is read, so nothing can break it

    async def class_changed(self, event):
        if self.pending is not None and not self.pending.done():
            return  # an update is already scheduled and will read the newest data
        self.pending = asyncio.create_task(self._send_page())

    async def _refresh(self):
        while True:
            await asyncio.sleep(REFRESH_SECONDS)
            await self.class_changed({})

    async def _send_page(self):
        loop = asyncio.get_running_loop()
        await asyncio.sleep(max(0.0, self.last_sent + THROTTLE_SECONDS - loop.time()))
        self.last_sent = loop.time()
        message = await database_sync_to_async(_page_message)(self.view, self.user_id, self.classroom.pk, self.anon)
        if message is None:
            await self.channel_layer.group_discard(self.group, self.channel_name)
            if self.clock is not None:
                self.clock.cancel()
            await self.close(code=4403)
            return
        await self.send_json(message)


VIEWS = {
    "overview": lambda classroom, anon: overview_panels(classroom, class_overview(classroom=classroom), anon),
    "now": now_panels,
}


def _page_message(view: str, user_id: int, classroom_id: int, anon: str | None) -> dict | None:
    """The view's page, or None once the user no longer teaches the class (taken off it, out of the
    teacher role or deactivated since the socket opened): access is checked again before each update,
    not only at connect."""
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    classroom = classroom_for_teacher(user=user, classroom_id=classroom_id) if user is not None else None
    if classroom is None:
        return None
    return {"type": view, **VIEWS[view](classroom, anon)}
