"""What the library tests share besides fixtures: recorders of what a device reports,
the fake Tuya cloud's project credentials and app accounts, and the devices
:func:`populate` puts in it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from custom_components.tuya_lan.tuyalan import DeviceUpdate, Health
from tuya_sim.cloud import PROFILE_DPS, FakeCloudDevice, FakeDp, FakeTuyaCloud


class Waits:
    """Reports that come in, and a way to wait for them (a report calls poke)."""

    def __init__(self) -> None:
        self._changed = asyncio.Event()

    def poke(self, *_: object) -> None:
        self._changed.set()

    async def until(self, condition: Callable[[], bool], timeout: float = 5.0) -> None:
        """Wait for the next reports until ``condition`` holds."""
        async with asyncio.timeout(timeout):
            while not condition():
                self._changed.clear()
                await self._changed.wait()


class Recorder(Waits):
    """Collects what a TuyaDevice reports, and waits for it."""

    def __init__(self) -> None:
        super().__init__()
        self.updates: list[DeviceUpdate] = []
        self.health: list[Health] = []

    def on_update(self, update: DeviceUpdate) -> None:
        self.updates.append(update)
        self.poke()

    def on_health(self, health: Health) -> None:
        self.health.append(health)
        self.poke()


ACCESS_ID = "1KAD46OrT9HafiKdsXeg"
ACCESS_SECRET = "4OHBOnWOqaEC1mWXOpVL3yV50s0qGSRC"
UID_A = "eu1700000000000aaaaa"
UID_B = "eu1700000000000bbbbb"
# A light with every kind of DP the model parser reads.
LIGHT_DPS = (
    FakeDp(20, "switch_led", "Boolean"),
    FakeDp(21, "work_mode", "Enum", values={"range": ["white", "colour", "scene"]}),
    FakeDp(
        22,
        "bright_value_v2",
        "Integer",
        values={"min": 10, "max": 1000, "scale": 0, "step": 1},
    ),
    FakeDp(24, "colour_data_v2", "Json", values={}),
    FakeDp(26, "fault", "Bitmap", mode="ro", values={"label": ["overheat", "short"], "maxlen": 2}),
    FakeDp(27, "scene_name", "String", mode="wr", values={"maxlen": 255}),
)


def populate(cloud: FakeTuyaCloud) -> dict[str, FakeCloudDevice]:
    """Two app accounts: A with a plug, two strips (one product) and a light; B with a
    gateway, its sub-device and a device the cloud has no key for."""
    devices = [
        FakeCloudDevice(
            "bf00000000000000aa01",
            "Desk plug",
            "0123456789abcdef",
            uid=UID_A,
            product_id="plugproduct00001",
            dps=PROFILE_DPS["plug"],
        ),
        FakeCloudDevice(
            "bf00000000000000aa02",
            "Strip one",
            "Tg5$Lm8pXr2!Nc7v",
            uid=UID_A,
            product_id="stripproduct0001",
            category="pc",
            dps=PROFILE_DPS["strip"],
        ),
        FakeCloudDevice(
            "bf00000000000000aa03",
            "Strip two",
            "h7Kd2#Vn9Qs4@Wb1",
            uid=UID_A,
            product_id="stripproduct0001",
            category="pc",
            dps=PROFILE_DPS["strip"],
        ),
        FakeCloudDevice(
            "bf00000000000000aa04",
            "Lamp",
            "Zq4v!8RtW2m#Lp6x",
            uid=UID_A,
            product_id="lightproduct0001",
            category="dj",
            dps=LIGHT_DPS,
        ),
        FakeCloudDevice(
            "bf00000000000000bb01",
            "Hub",
            "gw4v!8RtW2m#Lp6x",
            uid=UID_B,
            product_id="hubproduct000001",
            category="wg2",
            specs_error=2009,
        ),
        FakeCloudDevice(
            "bf00000000000000bb02",
            "Door sensor",
            "gw4v!8RtW2m#Lp6x",
            uid=UID_B,
            product_id="sensorproduct001",
            category="mcs",
            gateway_id="bf00000000000000bb01",
            node_id="a4c1380000000001",
            dps=(FakeDp(1, "doorcontact_state", "Boolean", mode="ro"),),
        ),
        FakeCloudDevice(
            "bf00000000000000bb03",
            "BLE thermometer",
            None,
            uid=UID_B,
            product_id="bleproduct000001",
            category="wsdcg",
        ),
    ]
    for device in devices:
        cloud.add_device(device)
    return {device.id: device for device in devices}
