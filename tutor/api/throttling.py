"""The API's request rate per caller (DRF's UserRateThrottle, API_THROTTLE_RATE), with two changes:

- A request counts as many requests as the attempts it records (a view says how many with
  `throttle_cost(request)`; 1 when it does not), so a batch of 100 attempts costs what 100 single
  requests cost. A request that would go over the remaining allowance is refused whole (429 with
  Retry-After) before the view does any work.
- The counters live in the shared cache (Redis). When the cache cannot be reached, requests are
  let through and a warning is logged, at most once a minute per process: losing the throttle for
  the length of an outage is better than answering every request with a 500.
"""

import logging

from rest_framework.exceptions import Throttled
from rest_framework.throttling import UserRateThrottle

from tutor.ops.outage import CACHE_DOWN, outage_warn

logger = logging.getLogger(__name__)


class AttemptRateThrottle(UserRateThrottle):
    def allow_request(self, request, view):
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        cost_of = getattr(view, "throttle_cost", None)
        self.cost = cost_of(request) if cost_of is not None else 1
        if self.cost > self.num_requests:
            raise Throttled(detail=f"this request counts as {self.cost} requests, more than the {self.num_requests} "
                                   f"allowed per {self.duration} s: send fewer attempts per request")
        try:
            self.history = self.cache.get(self.key, [])
            self.now = self.timer()
            while self.history and self.history[-1] <= self.now - self.duration:
                self.history.pop()
            if len(self.history) + self.cost > self.num_requests:
                return self.throttle_failure()
            self.history[:0] = [self.now] * self.cost
            self.cache.set(self.key, self.history, self.duration)
        except CACHE_DOWN as error:
            outage_warn(logger, "API throttle off, requests are let through", error)
        return True

    def wait(self) -> float:
        """Seconds until enough of the counted requests (newest first in the history) have aged out
        of the window for this request's cost to fit."""
        over = len(self.history) + self.cost - self.num_requests
        return max(0.0, self.history[-over] + self.duration - self.now)
