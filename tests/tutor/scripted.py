"""A stand-in language model for tests of the generation path."""

import asyncio


class ScriptedModel:
    """A model backend that streams one script of fixed pieces per call (an exception in a script is
    raised there), and records the prompts it was given and how many pieces each stream handed out."""

    name, model = "openai", "scripted"

    def __init__(self, *scripts):
        self.scripts = list(scripts)
        self.prompts, self.handed_out, self.closed = [], [], []

    async def stream(self, request):
        self.prompts.append(request.prompt)
        pieces = self.scripts[len(self.prompts) - 1]
        self.handed_out.append(0)
        try:
            for piece in pieces:
                if isinstance(piece, Exception):
                    raise piece
                await asyncio.sleep(0)
                self.handed_out[-1] += 1
                yield piece
        finally:
            self.closed.append(True)
