"""tuya-cloudcutter key files and profiles: what is kept, what is refused, and why."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest

from custom_components.tuya_lan.tuyalan.cloud_model import BITMAP, BOOLEAN, ENUM, INTEGER
from custom_components.tuya_lan.tuyalan.cloudcutter import (
    REQUIRED_FIELDS,
    CloudcutterFileError,
    parse_key_file,
    parse_profile,
    profile_specs,
)
from custom_components.tuya_lan.tuyalan.dpmap import DpKind

FIXTURES = Path(__file__).parent.parent / "fixtures" / "cloudcutter"
KEY_FILE = (FIXTURES / "a1b2c3d4-0000-4000-8000-000000000001.deviceconfig").read_text()
PROFILE = (FIXTURES / "avatto-ds1-smart-plug-v1.0.2.json").read_text()
SECRETS = ("Zq8PBa4vTfXwZ3QnV6yU1kR7mC2hJ9sE", "Xy7Wv6Ut5Sr4Qp3O", "c9a8b7d6e5f40312")


def _edited(**changes: Any) -> str:
    data = json.loads(KEY_FILE)
    for name, value in changes.items():
        if value is None:
            del data[name]
        else:
            data[name] = value
    return json.dumps(data)


def test_key_file_keeps_the_device_id_key_uuid_and_names() -> None:
    device = parse_key_file(KEY_FILE)
    assert device.device_id == "30ab45cd67ef0189a1b2"
    assert device.local_key == "Ck7#pR2!xN9@qL4$"
    assert device.uuid == "a7c3e9d1f5b24c68"
    assert device.device_slug == "avatto-ds1-smart-plug-v1.0.2"
    assert device.chip_family == "BK7231N"
    assert device.profile_name == "oem-bk7231n-plug-1.1.8-sdk-2.3.1-40.00.json"
    assert parse_key_file(KEY_FILE.encode()) == device


def test_key_file_secrets_are_never_kept_nor_shown(caplog: pytest.LogCaptureFixture) -> None:
    device = parse_key_file(KEY_FILE)
    held = " ".join(str(getattr(device, name)) for name in device.__slots__)
    caplog.set_level(logging.DEBUG)
    logging.getLogger("test").info("imported %s / %r", device, device)
    for secret in SECRETS:
        assert secret not in held
        assert secret not in repr(device)
    assert not {"auth_key", "sec_key", "psk"} & set(device.__slots__)
    assert device.local_key not in repr(device)
    assert device.local_key not in caplog.text


def test_key_file_without_psk_is_fine() -> None:
    assert parse_key_file(_edited(psk=None)).device_id == "30ab45cd67ef0189a1b2"


@pytest.mark.parametrize("name", REQUIRED_FIELDS)
def test_key_file_missing_field_is_named(name: str) -> None:
    with pytest.raises(CloudcutterFileError) as caught:
        parse_key_file(_edited(**{name: None}))
    assert (caught.value.reason, caught.value.field) == ("missing", name)
    assert name in str(caught.value)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("device_id", "bf0123456789abcdef"),  # 18 characters
        ("device_id", "30ab45cd67ef0189a1b2x"),
        ("device_id", "30ab45cd67ef 189a1b2"),
        ("device_id", 12345678901234567890),
        ("local_key", "0123456789abcde"),  # 15
        ("local_key", "0123456789abcdef0"),  # 17
        ("local_key", "0123456789abcd\u00e9f"),
        ("local_key", ["0123456789abcdef"]),
        ("uuid", "u" * 65),
        ("uuid", {"a": 1}),
        ("auth_key", 5),
        ("sec_key", ["x"]),
        ("psk", 7),
        ("device_slug", 3),
    ],
)
def test_key_file_wrong_field_is_named_and_its_value_not_shown(name: str, value: Any) -> None:
    with pytest.raises(CloudcutterFileError) as caught:
        parse_key_file(_edited(**{name: value}))
    assert (caught.value.reason, caught.value.field) == ("wrong", name)
    assert str(value) not in str(caught.value)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "not_json"),
        ("device_id=30ab45cd67ef0189a1b2", "not_json"),
        ("[1, 2]", "not_object"),
        ('"text"', "not_object"),
        ("[" * 100_000 + "]" * 100_000, "too_long"),
        (b"\xff\xfe\x00", "not_json"),
    ],
    ids=["empty", "not_json", "list", "string", "huge", "binary"],
)
def test_key_file_that_is_no_json_object(text: str | bytes, reason: str) -> None:
    with pytest.raises(CloudcutterFileError) as caught:
        parse_key_file(text)
    assert (caught.value.reason, caught.value.field) == (reason, None)


def test_profile_gives_types_scales_and_ranges_by_dp_id() -> None:
    profile = parse_profile(PROFILE)
    assert profile.product_id == "keyjup78v54myhan"
    assert profile.name == "DS1 Smart Plug"
    by_id = {dp.dp_id: dp for dp in profile.model}
    # DP 40 (an enum without options) and DP 300 (no DP id of Tuya's) are left out.
    assert sorted(by_id) == [1, 9, 17, 18, 19, 20, 26, 38, 39]
    assert (by_id[1].type, by_id[1].code, by_id[1].mode) == (BOOLEAN, "dp_1", "rw")
    power = by_id[19]
    assert (power.type, power.scale, power.unit, power.min, power.max) == (
        INTEGER,
        1,
        "W",
        0,
        50000,
    )
    assert (by_id[17].scale, by_id[17].step, by_id[17].mode) == (3, 100, "ro")
    assert (by_id[38].type, by_id[38].range) == (ENUM, ("0", "1", "2"))
    assert (by_id[26].type, by_id[26].label) == (BITMAP, ("ov_cr", "ov_vol", "ov_pwr"))
    assert (by_id[39].code, by_id[39].name) == ("relay_status", "Power-on state")


def test_profile_schema_as_json_string_and_bounds() -> None:
    item = {"mode": "ro", "code": "cur_power", "property": {"type": "value", "scale": 99}, "id": 5}
    profile = parse_profile(json.dumps({"key": "bad key", "schemas": {"x": json.dumps([item])}}))
    assert profile.product_id is None  # a blank in it: no product id of Tuya's
    (dp,) = profile.model
    assert (dp.code, dp.type, dp.scale) == ("cur_power", INTEGER, None)  # scale out of bounds


@pytest.mark.parametrize(
    ("profile", "reason"),
    [
        ({"key": "keyjup78v54myhan"}, "missing"),
        ({"schemas": {}}, "missing"),
        ({"schemas": []}, "missing"),
        ({"schemas": "[]"}, "wrong"),
        ({"schemas": {"a": 5}}, "wrong"),
        ({"schemas": {"a": "not json"}}, "wrong"),
    ],
)
def test_profile_without_usable_schemas_names_the_field(
    profile: dict[str, Any], reason: str
) -> None:
    with pytest.raises(CloudcutterFileError) as caught:
        parse_profile(json.dumps(profile))
    assert (caught.value.reason, caught.value.field) == (reason, "schemas")


def test_profile_items_are_bounded() -> None:
    items = [{"id": 1 + n % 255, "mode": "rw", "property": {"type": "bool"}} for n in range(600)]
    profile = parse_profile(json.dumps({"schemas": {"a": items}}))
    assert len(profile.model) == 255


def test_profile_specs_take_kinds_from_the_numbering_and_scales_from_the_profile() -> None:
    model = parse_profile(PROFILE).model
    dps = {"1": True, "9": 0, "17": 12, "18": 250, "19": 550, "20": 2301, "38": "1"}
    specs = profile_specs(dps, model)
    plain = profile_specs(dps, ())
    # The kinds are the numbering rule's, with or without the profile.
    assert {dp: spec.kind for dp, spec in specs.items()} == {
        dp: spec.kind for dp, spec in plain.items()
    }
    assert specs["1"].kind is DpKind.SWITCH
    # The profile says energy has 3 decimals (the rule's default is another).
    assert (specs["17"].kind, specs["17"].scale, specs["17"].unit) == (DpKind.ENERGY, 0.001, "kWh")
    assert plain["17"].scale != 0.001
    assert (specs["19"].scale, specs["19"].unit) == (0.1, "W")
    assert (specs["9"].minimum, specs["9"].maximum, specs["9"].unit) == (0, 86400, "s")
    assert "38" not in specs  # an enum the rule cannot tell: raw, whatever the profile


def test_profile_specs_ignore_a_profile_that_contradicts_the_type() -> None:
    wrong = parse_profile(
        json.dumps({"schemas": {"a": [{"id": 19, "property": {"type": "bool"}}]}})
    ).model
    assert profile_specs({"1": True, "19": 550}, wrong) == profile_specs({"1": True, "19": 550}, ())
