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
# entry.options: {"dps": {"<dp>": {"kind": ..., "scale": ..., "unit": ..., "device_class": ...}}}
CONF_DPS: Final = "dps"

# configuration.yaml (optional): where the 0x25 discovery request goes instead of the
# broadcast addresses of the allowed adapters (the demo: 127.0.0.1 only).
CONF_REQUEST_ADDRESS: Final = "request_address"
CONF_REQUEST_PORT: Final = "request_port"

# integration-discovery flow data (filled in by the broadcast listener, discovery.py)
DISCOVERY_IP: Final = "ip"
DISCOVERY_VERSION: Final = "version"

DEFAULT_PORT: Final = 6668
VERSION_AUTO: Final = "auto"

# Connection management
SAFETY_REFRESH_INTERVAL: Final = timedelta(minutes=5)
HEARTBEAT_INTERVAL: Final = 10.0  # seconds
BACKOFF_INITIAL: Final = 1.0  # seconds
BACKOFF_MAX: Final = 60.0  # seconds
BACKOFF_JITTER: Final = 0.2  # +/- 20 %
# Minimum gap between two consecutive writes to one device. Only a burst waits.
MIN_COMMAND_GAP: Final = 0.05  # seconds

# Action
SERVICE_SET_DP: Final = "set_dp"
ATTR_CONFIG_ENTRY_ID: Final = "config_entry_id"
ATTR_DP: Final = "dp"
ATTR_VALUE: Final = "value"
