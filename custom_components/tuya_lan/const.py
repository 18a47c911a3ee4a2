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
# A device's model as its linked account described it, cached so its entities stay
# complete with the cloud gone (absent for devices added without an account):
# "category": str | None, "product_name": str | None, "model": [DpModel.to_dict(), ...]
CONF_CATEGORY: Final = "category"
CONF_PRODUCT_NAME: Final = "product_name"
CONF_MODEL: Final = "model"
# What the numbering rule proved of a device without a model: kept, so a DP never
# changes kind again without the user (dpmap.detected_to_dict per DP).
CONF_LEARNED: Final = "learned"
# A device whose keys its owner holds (imported from a tuya-cloudcutter key file): its
# key is never healed from a linked account, which does not know the device.
CONF_NO_CLOUD: Final = "no_cloud"
# entry.options: {"dps": {"<dp>": {"kind": ..., "scale": ..., "unit": ..., "device_class": ...,
# "options": [...]}}}
CONF_DPS: Final = "dps"
# A gateway entry: its sub-devices by cid ({"name": ..., and what a device entry keeps
# about its DPs: model, category, learned, dps}) in the options; or marked a gateway in
# its data before it has any (gateway.py).
CONF_CHILDREN: Final = "children"
CONF_IS_GATEWAY: Final = "is_gateway"
CONF_NAME: Final = "name"
CONF_CID: Final = "cid"

# configuration.yaml (optional): where the 0x25 discovery request goes instead of the
# broadcast addresses of the allowed adapters (the demo: 127.0.0.1 only).
CONF_REQUEST_ADDRESS: Final = "request_address"
CONF_REQUEST_PORT: Final = "request_port"
# ... and the address the discovery listener binds (default: every interface, where
# broadcasts arrive; the demo: 127.0.0.1, so that nothing listens beyond loopback).
CONF_LISTEN_ADDRESS: Final = "listen_address"
# ... and address ranges to probe for devices whose broadcasts do not reach Home
# Assistant (a container without host networking, another subnet or VLAN, silent 3.5
# devices): CIDR networks or hosts, at most a /22 in all (tuyalan.subnet).
CONF_PROBE_RANGES: Final = "probe_ranges"

# integration-discovery flow data (filled in by the broadcast listener, discovery.py)
DISCOVERY_IP: Final = "ip"
DISCOVERY_VERSION: Final = "version"
# A linked account listed its devices (a tuple of CloudDevice): names follow (naming.py).
SIGNAL_ACCOUNT_DEVICES: Final = "tuya_lan_account_devices"

DEFAULT_PORT: Final = 6668
VERSION_AUTO: Final = "auto"

# A status read when the device has reported nothing for this long (heartbeats,
# reconnects and command pacing live in the library's TuyaDevice).
SAFETY_REFRESH_INTERVAL: Final = timedelta(minutes=5)

# Action
SERVICE_SET_DP: Final = "set_dp"
SERVICE_PROBE: Final = "probe"
ATTR_RANGES: Final = "ranges"
ATTR_CONFIG_ENTRY_ID: Final = "config_entry_id"
ATTR_DP: Final = "dp"
ATTR_VALUE: Final = "value"

# The linked cloud account: its own entry of this domain, told apart by entry_type.
CONF_ENTRY_TYPE: Final = "entry_type"
ENTRY_TYPE_ACCOUNT: Final = "account"
CONF_ACCOUNT_KIND: Final = "kind"
ACCOUNT_SMART_LIFE: Final = "smart_life"
ACCOUNT_DEVELOPER: Final = "developer"
# Smart Life (tuya-device-sharing-sdk), the fields Home Assistant's core tuya stores.
CONF_USER_CODE: Final = "user_code"
CONF_TERMINAL_ID: Final = "terminal_id"
CONF_ENDPOINT: Final = "endpoint"
CONF_TOKEN_INFO: Final = "token_info"  # noqa: S105 - a key name
# A Tuya IoT developer project.
CONF_ACCESS_ID: Final = "access_id"
CONF_ACCESS_SECRET: Final = "access_secret"  # noqa: S105 - a key name
CONF_REGION: Final = "region"
CONF_UID: Final = "uid"
# The same authorization as Home Assistant's core tuya integration (its client id and
# schema): the Smart Life app shows "Home Assistant" as what is being authorised.
TUYA_CLIENT_ID: Final = "HA_3y9q4ak7g4ephrvke"
TUYA_SCHEMA: Final = "haauthorize"
