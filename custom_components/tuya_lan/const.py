"""Constants for the Tuya LAN integration."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Final

DOMAIN: Final = "tuya_lan"
LOGGER = logging.getLogger(__package__)

# entry.data
CONF_DEVICE_ID: Final = "device_id"
CONF_LOCAL_KEY: Final = "local_key"
CONF_PROTOCOL_VERSION: Final = "protocol_version"
CONF_PRODUCT_KEY: Final = "product_key"
# The product's name, when the cloud link has told it (the device never does).
CONF_PRODUCT_NAME: Final = "product_name"
# entry.options: {"dps": {"<dp>": {"kind": ..., "scale": ..., "unit": ..., "device_class": ...}}}
CONF_DPS: Final = "dps"

# configuration.yaml (optional): where the 0x25 discovery request goes instead of the
# broadcast addresses of the allowed adapters (the demo: 127.0.0.1 only).
CONF_REQUEST_ADDRESS: Final = "request_address"
CONF_REQUEST_PORT: Final = "request_port"
# ... and the address the discovery listener binds (default: every interface, where
# broadcasts arrive; the demo: 127.0.0.1, so that nothing listens beyond loopback).
CONF_LISTEN_ADDRESS: Final = "listen_address"

# integration-discovery flow data (filled in by the broadcast listener, discovery.py)
DISCOVERY_IP: Final = "ip"
DISCOVERY_VERSION: Final = "version"

DEFAULT_PORT: Final = 6668
VERSION_AUTO: Final = "auto"

# A status read when the device has reported nothing for this long (heartbeats,
# reconnects and command pacing live in the library's TuyaDevice).
SAFETY_REFRESH_INTERVAL: Final = timedelta(minutes=5)

# Action
SERVICE_SET_DP: Final = "set_dp"
ATTR_CONFIG_ENTRY_ID: Final = "config_entry_id"
ATTR_DP: Final = "dp"
ATTR_VALUE: Final = "value"
