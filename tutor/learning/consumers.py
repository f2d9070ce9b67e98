"""The practice WebSocket: one tutor turn at a time per connection, streamed sentence by sentence
after the guard has passed each sentence, and cancellable by "stop" or by disconnecting.

Generation runs in its own asyncio task so that "stop" is read while tokens are still coming; a
consumer that generated inside `receive` could not see the stop until the stream had ended.

Client -> server: {"type": "answer", "item": id, "step": key, "answer": text, "idempotency_key"?}
                  {"type": "hint", "item": id, "step": key, "message"?: text}   {"type": "stop"}
Server -> client: {"type": "start", "verdict", "move", "hint_level"}, {"type": "delta", "text"},
                  {"type": "done", "turn", "mastery", "step", "status", "html"}, {"type": "stopped"},
                  {"type": "error", "error", "detail"}
"""

import asyncio
import json
import logging

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.contrib.auth import get_user_model

from tutor.content.mathtext import math_html

from .generation import GuardedGeneration
from .models import Learner
from .services import learner_for_user
from .tutoring import TurnRejected, TurnResult, TurnStart, turn_item, turn_stream_end, tutor_turn_take

logger = logging.getLogger(__name__)


class PracticeConsumer(AsyncJsonWebsocketConsumer):
    # No channel layer: this socket talks only to its own client. With one, every socket would hold
    # a receive on Redis, and a Redis outage would close it and lose the learner's answer.
    channel_layer_alias = None

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        self.learner = await database_sync_to_async(learner_for_user)(user=user)
        self.task: asyncio.Task | None = None
        await self.accept()

    async def disconnect(self, code):
        if getattr(self, "task", None) is not None:
            self.task.cancel()

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        # A frame that is not JSON text is answered like any other bad message, not by a lost socket;
        # so is JSON nested too deep to parse (RecursionError, issue 18 defect 10).
        try:
            content = json.loads(text_data) if text_data is not None else None
        except (ValueError, RecursionError):
            content = None
        await self.receive_json(content, **kwargs)

    async def receive_json(self, content, **kwargs):
        kind = content.get("type") if isinstance(content, dict) else None
        if kind == "stop":
            if self.task is not None:
                self.task.cancel()
            return
        if kind not in ("answer", "hint"):
            await self._error("bad_message", "type must be answer, hint or stop")
            return
        if self.task is not None and not self.task.done():
            await self._error("busy", "one turn at a time: wait for the tutor or send stop")
            return
        self.task = asyncio.create_task(self._turn_reporting_failures(kind, content))

    async def _error(self, code: str, detail: str):
        await self.send_json({"type": "error", "error": code, "detail": detail})

    async def _turn_reporting_failures(self, kind: str, content: dict):
        try:
            await self._turn(kind, content)
        except Exception:
            # A bug must not leave the learner waiting silently: log it, say so, keep the socket.
            logger.exception("tutor turn failed")
            await self._error("server_error", "the tutor failed on this turn; your answer may not have been saved")

    async def _turn(self, kind: str, content: dict):
        if not await database_sync_to_async(_still_active)(self.learner):
            # Deactivated while the page was open: refused as a new socket would be (issue 18, Deliver 9).
            await self._error("signed_out", "Your account is no longer active, so this was not saved.")
            await self.close(code=4401)
            return
        try:
            result = await database_sync_to_async(_take)(self.learner, kind, content)
        except TurnRejected as error:
            await self._error(error.code, str(error))
            return
        start = result.stream
        if start is None:  # an idempotency key replayed an earlier answer
            solved = result.attempt is not None and result.attempt.correct
            await self.send_json({"type": "done", "turn": result.turn.pk if result.turn else None,
                                  "mastery": result.mastery, "replayed": True, "step": content.get("step") or "",
                                  "status": "solved" if solved else "open"})
            return
        decision = start.prepared.decision
        verdict = start.attempt.verdict if start.attempt else "hint_request"
        await self.send_json({"type": "start", "verdict": verdict, "move": decision.intent.value,
                              "hint_level": decision.hint_level})
        try:
            text, facts = await self._stream(start)
        except asyncio.CancelledError:
            await self.send_json({"type": "stopped"})
            raise
        turn = await database_sync_to_async(turn_stream_end)(start=start, text=text, facts=facts)
        # The streamed text is plain (with the content's $...$ math as written); once it is whole, the
        # page swaps in its typeset form.
        await self.send_json({"type": "done", "turn": turn.pk, "mastery": start.mastery, "step": start.step_key,
                              "status": start.step_status, "html": math_html(text)})

    async def _stream(self, start: TurnStart) -> tuple[str, dict]:
        generation = GuardedGeneration(start.prepared)
        async for delta in generation.deltas():
            await self.send_json({"type": "delta", "text": delta})
        return generation.text, generation.facts


def _still_active(learner: Learner) -> bool:
    """The session was checked when the socket opened; an account deactivated since then stops here."""
    return get_user_model().objects.filter(pk=learner.user_id, is_active=True).exists()


def _take(learner: Learner, kind: str, content: dict) -> TurnResult:
    """A frame as a streamed tutor turn: the frame's fields, as they came, for the turn to validate."""
    field = "answer" if kind == "answer" else "message"
    text = content.get(field, "")
    if not isinstance(text, str):  # JSON null must not turn an answer into a request for help
        raise TurnRejected("bad_text", f"{field} must be text", field)
    return tutor_turn_take(
        learner=learner, item=turn_item(learner=learner, item_id=content.get("item")), source="web",
        step_key=content.get("step") or "", answer=text if kind == "answer" else None,
        message=text if kind == "hint" else "", idempotency_key=content.get("idempotency_key") or "",
        streamed=True,
    )
