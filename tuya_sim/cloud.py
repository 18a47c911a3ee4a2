"""A fake Tuya IoT OpenAPI on 127.0.0.1, for tests and the demo.

It checks every request's signature the way ``shared/CLOUD.md`` 1.3 describes (its
own implementation, not the library's), issues tokens that expire, makes refresh
tokens single-use, pages device lists by ``last_row_key``, and serves devices with
local keys, v1.1 specifications and thing models. Errors are Tuya's: HTTP 200 with
``{"success": false, "code", "msg"}``.

    async with FakeTuyaCloud("ACCESSID", "SECRET") as cloud:
        cloud.add_device(FakeCloudDevice("bf...", "Plug", "0123456789abcdef", uid="eu1..."))
        cloud.url                      # http://127.0.0.1:<port>
        cloud.fail(1106, "permission deny", path="/v1.3/")   # the next matching request fails

Devices made with :func:`cloud_device_for` follow a simulated device's key, so a key
changed in the simulator is what the cloud hands out.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from .device import SimulatedDevice
from .gateway import SimulatedGateway
from .http import LOOPBACK, LoopbackServer

# A handler of :meth:`FakeTuyaCloud.answer_with`.
type HostileAnswer = Callable[[web.Request], Awaitable[web.StreamResponse]]

TOKEN_LIFETIME = 7200
# Tuya's tolerance for the signed time is undocumented; 5 minutes is generous.
MAX_SKEW_MS = 300_000


@dataclass(frozen=True, slots=True)
class FakeDp:
    """One DP as the fake cloud describes it (``values`` in Tuya's shape)."""

    dp_id: int
    code: str
    type: str  # the specifications' name: Boolean, Integer, Enum, String, Raw, Bitmap, Json
    mode: str = "rw"
    values: Mapping[str, Any] = field(default_factory=dict)
    name: str | None = None


_THING_TYPES = {
    "Boolean": "bool",
    "Integer": "value",
    "Enum": "enum",
    "String": "string",
    "Raw": "raw",
    "Bitmap": "bitmap",
    "Json": "struct",
}


def _value(
    dp_id: int, code: str, unit: str, max_: int, *, scale: int = 0, mode: str = "ro"
) -> FakeDp:
    values = {"unit": unit, "min": 0, "max": max_, "scale": scale, "step": 1}
    return FakeDp(dp_id, code, "Integer", mode, values)


def _countdown(dp_id: int, code: str) -> FakeDp:
    return _value(dp_id, code, "s", 86400, mode="rw")


# The DPs of the simulator's profiles (tuya_sim/profiles.py), as Tuya describes them.
PROFILE_DPS: Mapping[str, tuple[FakeDp, ...]] = {
    "plug": (
        FakeDp(1, "switch_1", "Boolean"),
        _countdown(9, "countdown_1"),
        _value(17, "add_ele", "kwh", 50000, scale=3),
        _value(18, "cur_current", "mA", 30000),
        _value(19, "cur_power", "W", 50000, scale=1),
        _value(20, "cur_voltage", "V", 5000, scale=1),
    ),
    "plug_a": (
        FakeDp(1, "switch", "Boolean"),
        _countdown(2, "countdown_1"),
        _value(4, "cur_current", "mA", 30000),
        _value(5, "cur_power", "W", 50000, scale=1),
        _value(6, "cur_voltage", "V", 5000, scale=1),
    ),
    "strip": (
        *(FakeDp(i, f"switch_{i}", "Boolean") for i in range(1, 5)),
        *(_countdown(i + 6, f"countdown_{i}") for i in range(1, 5)),
    ),
    "none": (),
    # Tuya's lighting standard instruction set (dj), DPs 20-26:
    # https://developer.tuya.com/en/docs/iot/dj?id=K9i5ql3v98hn3
    "bulb": (
        FakeDp(20, "switch_led", "Boolean"),
        FakeDp(21, "work_mode", "Enum", values={"range": ["white", "colour", "scene", "music"]}),
        FakeDp(
            22,
            "bright_value_v2",
            "Integer",
            values={"min": 10, "max": 1000, "scale": 0, "step": 1},
        ),
        FakeDp(
            23, "temp_value_v2", "Integer", values={"min": 0, "max": 1000, "scale": 0, "step": 1}
        ),
        FakeDp(
            24,
            "colour_data_v2",
            "Json",
            values={
                "h": {"min": 0, "scale": 0, "unit": "", "max": 360, "step": 1},
                "s": {"min": 0, "scale": 0, "unit": "", "max": 1000, "step": 1},
                "v": {"min": 0, "scale": 0, "unit": "", "max": 1000, "step": 1},
            },
        ),
        _countdown(26, "countdown"),
    ),
    # Curtain (cl) instruction and status sets:
    # https://developer.tuya.com/en/docs/iot/f?id=K9gf46o5mtfyc
    # https://developer.tuya.com/en/docs/iot/s?id=K9gf48qy7wkre
    "curtain": (
        FakeDp(1, "control", "Enum", values={"range": ["open", "stop", "close", "continue"]}),
        FakeDp(
            2,
            "percent_control",
            "Integer",
            values={"unit": "%", "min": 0, "max": 100, "scale": 0, "step": 1},
        ),
        _value(3, "percent_state", "%", 100),
        FakeDp(5, "control_back_mode", "Enum", values={"range": ["forward", "back"]}),
        FakeDp(7, "work_state", "Enum", "ro", values={"range": ["opening", "closing"]}),
    ),
    # Thermostat (wk) instruction and status sets, as Tuya's standard numbers them.
    "thermostat": (
        FakeDp(1, "switch", "Boolean"),
        FakeDp(
            2,
            "temp_set",
            "Integer",
            values={"unit": "℃", "min": 50, "max": 350, "scale": 1, "step": 5},
        ),
        _value(3, "temp_current", "℃", 500, scale=1),
        FakeDp(4, "mode", "Enum", values={"range": ["auto", "manual", "holiday"]}),
    ),
    # Ceiling fan light (fsd) status set, codes and ranges (the DP ids are ours):
    # https://developer.tuya.com/en/docs/iot/s?id=Kaof8hoq7bom0
    "ceiling_fan": (
        FakeDp(20, "switch_led", "Boolean"),
        FakeDp(
            22, "bright_value", "Integer", values={"min": 10, "max": 1000, "scale": 0, "step": 1}
        ),
        FakeDp(23, "temp_value", "Integer", values={"min": 0, "max": 1000, "scale": 0, "step": 1}),
        FakeDp(60, "fan_switch", "Boolean"),
        FakeDp(61, "fan_mode", "Enum", values={"range": ["nature", "sleep", "fresh", "smart"]}),
        FakeDp(
            62,
            "fan_speed",
            "Integer",
            values={"unit": "%", "min": 1, "max": 100, "scale": 0, "step": 1},
        ),
        FakeDp(63, "fan_direction", "Enum", values={"range": ["forward", "reverse"]}),
    ),
    # An older bulb (dj before v2) on DPs 1-5: the dj status set's older codes and ranges,
    # https://developer.tuya.com/en/docs/iot/s?id=K9i5ql6yir2oy
    "bulb_v1": (
        FakeDp(1, "switch_led", "Boolean"),
        FakeDp(2, "work_mode", "Enum", values={"range": ["white", "colour", "scene", "music"]}),
        FakeDp(3, "bright_value", "Integer", values={"min": 25, "max": 255, "scale": 0, "step": 1}),
        FakeDp(4, "temp_value", "Integer", values={"min": 0, "max": 255, "scale": 0, "step": 1}),
        FakeDp(5, "colour_data", "Json"),
    ),
    # Air conditioner (kt) instruction and status sets (the DP ids are ours):
    # https://developer.tuya.com/en/docs/iot/f?id=K9gf46qujdmwb
    # https://developer.tuya.com/en/docs/iot/s?id=K9gf48r2iqa7m
    "air_conditioner": (
        FakeDp(1, "switch", "Boolean"),
        FakeDp(
            2,
            "temp_set",
            "Integer",
            values={"unit": "℃", "min": 0, "max": 50, "scale": 0, "step": 1},
        ),
        FakeDp(
            3,
            "temp_current",
            "Integer",
            "ro",
            values={"unit": "℃", "min": -20, "max": 100, "scale": 0, "step": 1},
        ),
        FakeDp(4, "mode", "Enum", values={"range": ["auto", "cold", "hot", "wet", "wind"]}),
        FakeDp(
            5, "fan_speed_enum", "Enum", values={"range": ["low", "mid", "high", "auto", "strong"]}
        ),
        FakeDp(6, "switch_horizontal", "Boolean"),
        FakeDp(7, "switch_vertical", "Boolean"),
    ),
    # Humidifier (jsq) instruction and status sets (the DP ids are ours):
    # https://developer.tuya.com/en/docs/iot/f?id=K9gf45rjel6x5
    # https://developer.tuya.com/en/docs/iot/s?id=K9gf48qwjz0i3
    "humidifier": (
        FakeDp(1, "switch", "Boolean"),
        FakeDp(
            2,
            "mode",
            "Enum",
            values={"range": ["large", "middle", "small", "interval", "continuous"]},
        ),
        FakeDp(
            13,
            "humidity_set",
            "Integer",
            values={"unit": "%", "min": 0, "max": 100, "scale": 0, "step": 1},
        ),
        _value(14, "humidity_current", "%", 100),
    ),
    # A Zigbee temperature and humidity sensor behind a gateway (wsdcg status set:
    # https://developer.tuya.com/en/docs/iot/s?id=K9gf48k1c0sgo), tuya_sim/gateway.py.
    "temperature": (
        _value(1, "va_temperature", "℃", 600, scale=1),
        _value(2, "va_humidity", "%", 100),
        _value(4, "battery_percentage", "%", 100),
    ),
}
PROFILE_CATEGORIES: Mapping[str, str] = {
    "plug": "cz",
    "plug_a": "cz",
    "strip": "pc",
    "none": "qt",
    "bulb": "dj",
    "curtain": "cl",
    "thermostat": "wk",
    "ceiling_fan": "fsd",
    "bulb_v1": "dj",
    "air_conditioner": "kt",
    "humidifier": "jsq",
    "temperature": "wsdcg",
}
# A simulated gateway's own category (a Zigbee / Bluetooth gateway).
GATEWAY_CATEGORY = "wg2"


class FakeCloudDevice:
    """A device in the fake cloud; change its attributes freely while it runs.

    ``local_key`` follows ``simulated`` when one is given. ``specs_error`` /
    ``model_error`` make those two endpoints answer with that Tuya code instead.
    """

    def __init__(
        self,
        device_id: str,
        name: str,
        local_key: str | None,
        *,
        uid: str,
        product_id: str = "fakeproduct00000",
        category: str = "cz",
        dps: tuple[FakeDp, ...] = (),
        ip: str = "203.0.113.7",
        gateway_id: str | None = None,
        node_id: str | None = None,
        online: bool = True,
        simulated: SimulatedDevice | None = None,
        specs_error: int | None = None,
        model_error: int | None = None,
    ) -> None:
        self.id = device_id
        self.name = name
        self._local_key = local_key
        self.uid = uid
        self.product_id = product_id
        self.category = category
        self.dps = dps
        self.ip = ip
        self.gateway_id = gateway_id
        self.node_id = node_id
        self.online = online
        self.simulated = simulated
        self.specs_error = specs_error
        self.model_error = model_error

    @property
    def local_key(self) -> str | None:
        """The simulated device's current key, or the one given."""
        return self.simulated.local_key if self.simulated is not None else self._local_key

    @local_key.setter
    def local_key(self, value: str | None) -> None:
        self.simulated = None
        self._local_key = value

    def listing(self, *, with_key: bool = True) -> dict[str, Any]:
        """The entry of ``/v1.3/iot-03/devices`` (snake_case)."""
        entry: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "uid": self.uid,
            "owner_id": "12345678",
            "product_id": self.product_id,
            "product_name": f"Product {self.product_id[:6]}",
            "category": self.category,
            "category_name": "Socket",
            "ip": self.ip,
            "online": self.online,
            "sub": self.node_id is not None,
            "uuid": self.id[-16:],
            "time_zone": "+01:00",
            "lat": "",
            "lon": "",
            "model": "",
            "icon": "smart/icon/plug.png",
            "active_time": 1700000000,
            "create_time": 1700000000,
            "update_time": 1700000000,
        }
        if self.node_id is not None:
            entry["node_id"] = self.node_id
            entry["gateway_id"] = self.gateway_id or ""
        entry["local_key"] = (self.local_key or "") if with_key else ""
        return entry

    def specifications(self, dp_key: str = "dp_id") -> dict[str, Any]:
        """``/v1.1/devices/{id}/specifications``: ``values`` as JSON strings."""

        def item(dp: FakeDp) -> dict[str, Any]:
            return {
                dp_key: dp.dp_id,
                "code": dp.code,
                "type": dp.type,
                "values": json.dumps(dict(dp.values)),
            }

        return {
            "category": self.category,
            "functions": [item(dp) for dp in self.dps if dp.mode in ("rw", "wr")],
            "status": [item(dp) for dp in self.dps if dp.mode in ("rw", "ro")],
        }

    def thing_model(self) -> dict[str, Any]:
        """``/v2.0/cloud/thing/{id}/model``: the model itself a JSON string."""
        properties = [
            {
                "abilityId": dp.dp_id,
                "code": dp.code,
                "name": dp.name or dp.code.replace("_", " "),
                "description": "",
                "accessMode": dp.mode,
                "typeSpec": {"type": _THING_TYPES.get(dp.type, dp.type), **dp.values},
            }
            for dp in self.dps
        ]
        model = {
            "modelId": f"model-{self.product_id}",
            "services": [
                {"code": "", "name": "", "properties": properties, "actions": [], "events": []}
            ],
        }
        return {"model": json.dumps(model)}


def cloud_device_for(
    device: SimulatedDevice, *, uid: str, name: str | None = None
) -> FakeCloudDevice:
    """The cloud's view of a simulated device: its key (live), and its profile's DPs."""
    profile = device.profile.name
    gateway = isinstance(device, SimulatedGateway)
    return FakeCloudDevice(
        device.device_id,
        name or f"Simulated {profile} {device.device_id[-4:]}",
        None,
        uid=uid,
        product_id=device.product_key,
        category=GATEWAY_CATEGORY if gateway else PROFILE_CATEGORIES.get(profile, "qt"),
        dps=() if gateway else PROFILE_DPS.get(profile, ()),
        simulated=device,
    )


def cloud_child_for(
    gateway: SimulatedGateway, cid: str, *, device_id: str, name: str, uid: str
) -> FakeCloudDevice:
    """The cloud's view of a gateway's child: its own device id, its gateway's id and
    its cid as node id, and its gateway's key (live), as Tuya's device list has them."""
    profile = gateway.children[cid].profile.name
    return FakeCloudDevice(
        device_id,
        name,
        None,
        uid=uid,
        product_id=f"simchild{profile[:8]:0<8}",
        category=PROFILE_CATEGORIES.get(profile, "qt"),
        dps=PROFILE_DPS.get(profile, ()),
        gateway_id=gateway.device_id,
        node_id=cid,
        simulated=gateway,
    )


@dataclass(slots=True)
class _Failure:
    code: int
    msg: str
    path: str
    times: int


@dataclass(frozen=True, slots=True)
class _Issued:
    refresh_token: str
    expires_at: float


def _error(code: int, msg: str) -> dict[str, Any]:
    return {"code": code, "msg": msg, "success": False}


class FakeTuyaCloud(LoopbackServer):
    """The fake OpenAPI server: one project (``access_id``/``access_secret``).

    ``token_lifetime`` is the ``expire_time`` handed out; ``clock`` (monotonic) is
    when tokens run out; ``page_limit`` caps every page so tests see several.
    ``keys_in_associated_list=False`` leaves local keys out of the associated-users
    list, as some projects see (tinytuya #305), so clients must fill them in.
    ``spec_dp_key`` is ``dp_id`` (the documentation's table) or ``dpId`` (its example).
    """

    def __init__(
        self,
        access_id: str,
        access_secret: str,
        *,
        port: int = 0,
        token_lifetime: int = TOKEN_LIFETIME,
        clock: Callable[[], float] = time.monotonic,
        page_limit: int = 200,
        keys_in_associated_list: bool = False,
        spec_dp_key: str = "dp_id",
    ) -> None:
        self.access_id = access_id
        self.access_secret = access_secret
        super().__init__(port)
        self.token_lifetime = token_lifetime
        self.page_limit = page_limit
        self.keys_in_associated_list = keys_in_associated_list
        self.spec_dp_key = spec_dp_key
        self.devices: dict[str, FakeCloudDevice] = {}
        # Counters and the request log, for tests: ("GET", "/v1.0/token"), ...
        self.requests: list[tuple[str, str]] = []
        self.grants = 0
        self.refreshes = 0
        self.rejected_signatures = 0
        self.issued: list[str] = []  # every access and refresh token handed out
        self._clock = clock
        self._tokens: dict[str, _Issued] = {}
        self._refresh_tokens: set[str] = set()
        self._failures: list[_Failure] = []
        self._hostile: dict[str, HostileAnswer] = {}

    # -- test controls ---------------------------------------------------------------

    @property
    def url(self) -> str:
        """The base URL to give a client as its endpoint."""
        return f"http://{LOOPBACK}:{self.port}"

    def add_device(self, device: FakeCloudDevice) -> FakeCloudDevice:
        self.devices[device.id] = device
        return device

    def fail(self, code: int, msg: str, *, path: str = "/", times: int = 1) -> None:
        """The next ``times`` requests whose path starts with ``path`` get this error."""
        self._failures.append(_Failure(code, msg, path, times))

    def answer_with(self, path: str, respond: HostileAnswer | None) -> None:
        """Requests whose path starts with ``path`` get what ``respond`` makes of them
        (any status, headers or body, unsigned and unchecked), until it is removed with
        ``respond=None``: a cloud, or something posing as one, that answers what it
        likes. Signatures are not checked for these paths."""
        if respond is None:
            self._hostile.pop(path, None)
        else:
            self._hostile[path] = respond

    def expire_tokens(self) -> None:
        """Every access token issued so far stops working (the next use gets 1010)."""
        self._tokens.clear()

    @property
    def valid_tokens(self) -> int:
        now = self._clock()
        return sum(1 for issued in self._tokens.values() if issued.expires_at > now)

    # -- lifecycle -------------------------------------------------------------------

    # -- the API ---------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        path = request.path
        self.requests.append((request.method, path))
        for prefix, respond in list(self._hostile.items()):
            if path.startswith(prefix):
                return await respond(request)
        answer = self._answer(request, path, body)
        answer.setdefault("t", int(time.time() * 1000))
        answer.setdefault("tid", secrets.token_hex(16))
        return web.json_response(answer)

    def _answer(self, request: web.Request, path: str, body: bytes) -> dict[str, Any]:
        headers = request.headers
        if headers.get("client_id") != self.access_id:
            return _error(1005, "clientId invalid")
        if headers.get("sign_method") != "HMAC-SHA256":
            return _error(1004, "sign invalid")
        t = headers.get("t", "")
        if not t.isdigit():
            return _error(1004, "sign invalid")
        token_api = path == "/v1.0/token" or path.startswith("/v1.0/token/")
        access_token = "" if token_api else headers.get("access_token", "")
        if not hmac.compare_digest(
            headers.get("sign", ""), self._expected_sign(request, path, body, access_token)
        ):
            self.rejected_signatures += 1
            return _error(1004, "sign invalid")
        if abs(int(t) - time.time() * 1000) > MAX_SKEW_MS:
            return _error(1013, "request time is invalid")
        for failure in self._failures:
            if path.startswith(failure.path):
                failure.times -= 1
                if failure.times <= 0:
                    self._failures.remove(failure)
                return _error(failure.code, failure.msg)
        if token_api:
            return self._token(request, path)
        issued = self._tokens.get(access_token)
        if issued is None or issued.expires_at <= self._clock():
            return _error(1010, "token invalid")
        return self._business(request, path)

    def _expected_sign(
        self, request: web.Request, path: str, body: bytes, access_token: str
    ) -> str:
        """CLOUD.md 1.3, written out again so the client's signer is really checked."""
        query = request.query  # decoded: the signature is over raw values
        url = path + ("?" + "&".join(f"{k}={query[k]}" for k in sorted(query)) if query else "")
        names = [n for n in request.headers.get("Signature-Headers", "").split(":") if n]
        signed = "".join(f"{n}:{request.headers.get(n, '')}\n" for n in names)
        to_sign = f"{request.method}\n{hashlib.sha256(body).hexdigest()}\n{signed}\n{url}"
        message = (
            self.access_id
            + access_token
            + request.headers.get("t", "")
            + request.headers.get("nonce", "")
            + to_sign
        )
        return (
            hmac.new(self.access_secret.encode(), message.encode(), hashlib.sha256)
            .hexdigest()
            .upper()
        )

    def _issue(self) -> dict[str, Any]:
        access, refresh = secrets.token_hex(16), secrets.token_hex(16)
        self._tokens[access] = _Issued(refresh, self._clock() + self.token_lifetime)
        self._refresh_tokens.add(refresh)
        self.issued += [access, refresh]
        return {
            "success": True,
            "result": {
                "access_token": access,
                "refresh_token": refresh,
                "expire_time": self.token_lifetime,
                "uid": "bay1700000000000fake",  # the project's uid, not an app account's
            },
        }

    def _token(self, request: web.Request, path: str) -> dict[str, Any]:
        if request.method != "GET":
            return _error(1108, "uri path invalid")
        if path == "/v1.0/token":
            if request.query.get("grant_type") != "1":
                return _error(1109, "param is illegal")
            self.grants += 1
            return self._issue()
        refresh = path.removeprefix("/v1.0/token/")
        if refresh not in self._refresh_tokens:
            return _error(1010, "token invalid")
        # Single use: the old pair stops working.
        self._refresh_tokens.discard(refresh)
        for access, issued in list(self._tokens.items()):
            if issued.refresh_token == refresh:
                del self._tokens[access]
        self.refreshes += 1
        return self._issue()

    def _business(self, request: web.Request, path: str) -> dict[str, Any]:
        if request.method != "GET":
            return _error(1108, "uri path invalid")
        query = request.query
        if path == "/v1.0/iot-01/associated-users/devices":
            devices = sorted(self.devices.values(), key=lambda d: d.id)
            page, more, row_key = self._page(devices, query.get("last_row_key"), query.get("size"))
            return _ok(
                {
                    "devices": [d.listing(with_key=self.keys_in_associated_list) for d in page],
                    "has_more": more,
                    "last_row_key": row_key,
                    "total": len(devices),
                }
            )
        if path == "/v1.3/iot-03/devices":
            if query.get("source_type") != "tuyaUser" or not query.get("source_id"):
                return _error(1109, "param is illegal")
            uid = query["source_id"]
            devices = sorted((d for d in self.devices.values() if d.uid == uid), key=lambda d: d.id)
            if not devices:
                return _error(1106, "permission deny")
            page, more, row_key = self._page(
                devices, query.get("last_row_key"), query.get("page_size")
            )
            return _ok(
                {
                    "list": [d.listing() for d in page],
                    "has_more": more,
                    "last_row_key": row_key,
                    "total": len(devices),
                }
            )
        if match := re.fullmatch(r"/v1\.0/users/([^/]+)/devices", path):
            return _ok([d.listing() for d in self.devices.values() if d.uid == match[1]])
        if match := re.fullmatch(r"/v1\.0/devices/([^/]+)", path):
            device = self.devices.get(match[1])
            return _ok(device.listing()) if device else _error(1106, "permission deny")
        if match := re.fullmatch(r"/v1\.1/devices/([^/]+)/specifications", path):
            device = self.devices.get(match[1])
            if device is None:
                return _error(1106, "permission deny")
            if device.specs_error is not None:
                return _error(device.specs_error, "not support this device")
            return _ok(device.specifications(self.spec_dp_key))
        if match := re.fullmatch(r"/v2\.0/cloud/thing/([^/]+)/model", path):
            device = self.devices.get(match[1])
            if device is None:
                return _error(1106, "permission deny")
            if device.model_error is not None:
                return _error(device.model_error, "No permissions")
            return _ok(device.thing_model())
        return _error(1108, "uri path invalid")

    def _page(
        self, devices: list[FakeCloudDevice], row_key: str | None, size: str | None
    ) -> tuple[list[FakeCloudDevice], bool, str]:
        """One page after ``row_key``; row keys carry characters that need encoding."""
        start = 0
        if row_key:
            match = re.fullmatch(r"row\+(\d+)/=", row_key)
            if match is None:
                return [], False, ""
            start = int(match[1])
        limit = min(int(size) if size and size.isdigit() else 20, self.page_limit)
        page = devices[start : start + limit]
        end = start + len(page)
        more = end < len(devices)
        return page, more, f"row+{end}/=" if more else ""


def _ok(result: Any) -> dict[str, Any]:
    return {"success": True, "result": result}
