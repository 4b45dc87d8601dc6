"""Rate limits on anonymous intake, with the `limits` library: the public portal's report form per
client address (GRIDCITY_PORTAL_REPORT_RATE) and Open311 POST requests per api_key
(GRIDCITY_OPEN311_POST_RATE), each a moving window ("10/hour", "120/minute").

The counters live where GRIDCITY_RATE_LIMIT_STORAGE says: memory:// (this process: enough for
one server process) or redis://host:port/db, shared by every process of the installation. They
are not in the database on purpose: a flood of anonymous submissions is exactly what must not
cost a database write each, and a limit that forgets its counts when the process restarts loses
nothing that matters. (Sign-in failures are different: they are few, and a lock must hold across
processes and be audited — services.signin_guard keeps those in the database.)"""

from __future__ import annotations

import math
import time

from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from gridcity.config import Settings
from gridcity.domain.errors import TooManyRequests
from gridcity.domain.messages import message
from gridcity.services.security import token_digest

PORTAL_REPORT = "portal-report"
OPEN311_POST = "open311-post"


class IntakeLimits:
    def __init__(self, settings: Settings) -> None:
        self._limiter = MovingWindowRateLimiter(storage_from_string(settings.rate_limit_storage))
        self._rates: dict[str, RateLimitItem] = {
            PORTAL_REPORT: parse(settings.portal_report_rate),
            OPEN311_POST: parse(settings.open311_post_rate),
        }

    def hit(self, kind: str, key: str) -> None:
        """Count one submission of `kind` by `key`; TooManyRequests (with the seconds until the
        window lets one more in) when the limit is reached — that refused one is not counted."""
        rate = self._rates[kind]
        key = token_digest(key)[:32]  # an api_key is a secret: the counters' store never sees it
        if self._limiter.hit(rate, kind, key):
            return
        reset_at = self._limiter.get_window_stats(rate, kind, key).reset_time
        seconds = max(1, math.ceil(reset_at - time.time()))
        raise TooManyRequests(message("signin.rate_limited", seconds=seconds), retry_after=seconds)
