"""The demo only: Tuya's Smart Life SDK talks to the simulator's fake app cloud.

``demo/run.py`` installs this next to Tuya LAN in the demo's config and starts Home
Assistant with ``TUYA_LAN_DEMO_SMART_LIFE`` (the fake's ``host:port``) and
``REQUESTS_CA_BUNDLE`` (its throwaway CA). The SDK builds its QR login URLs from a host
constant; pointing that at the fake is all it takes, and the rest of the login follows
the endpoint the fake hands out. Tuya LAN itself is unchanged: nothing of this is in
its code, and without this component it talks to Tuya's real cloud.
"""

from __future__ import annotations

import logging
import os

import tuya_sharing.user
from homeassistant.core import HomeAssistant
from homeassistant.helpers.typing import ConfigType

DOMAIN = "tuya_lan_demo"
_LOGGER = logging.getLogger(__name__)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Point the Smart Life SDK at the fake cloud, when the demo started one."""
    host = os.environ.get("TUYA_LAN_DEMO_SMART_LIFE")
    if host:
        tuya_sharing.user.URL_PATH = host
        _LOGGER.info("the Smart Life QR login goes to the demo's fake cloud at %s", host)
    return True
