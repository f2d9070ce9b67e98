"""The configured channel layer keeps an idle listener alive: a learner's or teacher's socket may wait
minutes between messages. (With channels_redis and redis-py's default socket timeout, a receive idle
for 5 s failed with "Timeout reading from ...".)"""

import asyncio

import pytest
from channels.layers import get_channel_layer
from django.conf import settings


@pytest.mark.skipif("redis" not in settings.CHANNEL_LAYERS["default"]["BACKEND"], reason="needs REDIS_URL")
@pytest.mark.asyncio
@pytest.mark.usefixtures("channel_layer_of_this_test")
async def test_a_receive_idle_longer_than_five_seconds_still_gets_its_message():
    layer = get_channel_layer()
    channel = await layer.new_channel()
    waiting = asyncio.create_task(layer.receive(channel))
    await asyncio.sleep(7)
    await layer.send(channel, {"type": "ping"})
    assert await asyncio.wait_for(waiting, timeout=5) == {"type": "ping"}
