"""The OpenAPI signature, against the worked vectors in shared/CLOUD.md section 1.3."""

from __future__ import annotations

import json

import pytest

from custom_components.tuya_lan.tuyalan.cloud_sign import (
    EMPTY_BODY_SHA256,
    REGIONS,
    canonical_url,
    region_endpoint,
    request_url,
    sign,
    signed_headers,
    string_to_sign,
)

CLIENT_ID = "1KAD46OrT9HafiKdsXeg"
SECRET = "4OHBOnWOqaEC1mWXOpVL3yV50s0qGSRC"
T = "1588925778000"
NONCE = "5138cc3a9033d69856923fd07b491173"
SIGNED = (("area_id", "29a33e8796834b1efa6"), ("call_id", "8afdb70ab2ed11eb85290242ac130003"))
TOKEN = "3f4eda2bdec17232f67c0b188af3eec1"
REFRESH = "d714e4d55c918bca5e199f10232cc5cd"
UID = "az1664451251132ekqP5"
DEVICE = "bf0123456789abcdefgh"


def test_empty_body_hash_and_layout_of_the_doc_example():
    assert EMPTY_BODY_SHA256 == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert string_to_sign("GET", "/v1.0/token", {"grant_type": "1"}, b"", SIGNED) == (
        "GET\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
        "area_id:29a33e8796834b1efa6\ncall_id:8afdb70ab2ed11eb85290242ac130003\n"
        "\n/v1.0/token?grant_type=1"
    )
    # Without signed headers the blank line stays ("Verify Signature Result" page).
    assert string_to_sign("GET", "/v1.0/token", {"grant_type": "1"}) == (
        "GET\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n\n"
        "/v1.0/token?grant_type=1"
    )


@pytest.mark.parametrize(
    ("path", "query", "token", "expected"),
    [
        (
            "/v1.0/token",
            {"grant_type": "1"},
            "",
            "9E48A3E93B302EEECC803C7241985D0A34EB944F40FB573C7B5C2A82158AF13E",
        ),
        (
            "/v2.0/apps/schema/users",
            {"page_no": "1", "page_size": "50"},
            TOKEN,
            "AE4481C692AA80B25F3A7E12C3A5FD9BBF6251539DD78E565A1A72A508A88784",
        ),
    ],
)
def test_tuya_doc_vectors_with_nonce_and_signature_headers(
    path: str, query: dict[str, str], token: str, expected: str
):
    to_sign = string_to_sign("GET", path, query, b"", SIGNED)
    assert sign(CLIENT_ID, SECRET, T, to_sign, access_token=token, nonce=NONCE) == expected
    headers = signed_headers(
        CLIENT_ID,
        SECRET,
        int(T),
        "GET",
        path,
        query=query,
        access_token=token,
        nonce=NONCE,
        extra_signed=SIGNED,
    )
    assert headers["sign"] == expected
    assert headers["Signature-Headers"] == "area_id:call_id"
    assert headers["area_id"] == "29a33e8796834b1efa6"
    assert headers["nonce"] == NONCE


COMMAND_BODY = json.dumps({"commands": [{"code": "switch_1", "value": True}]}).encode()


@pytest.mark.parametrize(
    ("method", "path", "query", "body", "expected"),
    [
        (
            "GET",
            "/v1.0/token",
            {"grant_type": "1"},
            b"",
            "7BA26C076E5ECB1E959BE274A0FFB397B2B1865FC7BCED8F1C78AC5653C20CAA",
        ),
        (
            "GET",
            f"/v1.0/token/{REFRESH}",
            None,
            b"",
            "DA61F0929A49543EAEB238D0D916547D9005250BF177042B1D9356853B4A1B03",
        ),
        (
            "GET",
            f"/v1.0/users/{UID}/devices",
            None,
            b"",
            "2B2C04B4BE82FBBCB1331D77CA1F0276E1B898BCF3513BF78796952070324B08",
        ),
        (
            "GET",
            "/v1.3/iot-03/devices",
            # Given unsorted on purpose: the signature sorts the keys.
            {"source_type": "tuyaUser", "source_id": UID, "page_size": "20"},
            b"",
            "1315DFD58E6E5670F46F2235F31AE5C5C6811977439C5E2963743DBFD0779297",
        ),
        (
            "GET",
            f"/v1.1/devices/{DEVICE}/specifications",
            None,
            b"",
            "86E761F7F8D520A25CC0D98B6B48A8D00696814D3B44C6BA5D6AB537C45D4437",
        ),
        (
            "GET",
            f"/v2.0/cloud/thing/{DEVICE}/model",
            None,
            b"",
            "83758DE7E5933063C53BAB2EBE805BDCF1349258E881A71CDEE7833E642E0663",
        ),
        (
            "POST",
            f"/v1.0/iot-03/devices/{DEVICE}/commands",
            None,
            COMMAND_BODY,
            "A6ADF20D508E48D6966C7B169714A577F9635A5EC6F19D177CA16934C3FA056F",
        ),
    ],
)
def test_sdk_derived_vectors(
    method: str, path: str, query: dict[str, str] | None, body: bytes, expected: str
):
    # Token paths never sign the access token, even when the caller holds one.
    headers = signed_headers(
        CLIENT_ID, SECRET, int(T), method, path, query=query, body=body, access_token=TOKEN
    )
    assert headers["sign"] == expected
    assert headers["t"] == T
    assert headers["client_id"] == CLIENT_ID
    assert headers["sign_method"] == "HMAC-SHA256"
    assert ("access_token" in headers) == (not path.startswith("/v1.0/token"))
    assert "nonce" not in headers
    assert "Signature-Headers" not in headers


def test_query_is_signed_raw_and_sent_encoded():
    query = {"last_row_key": "a+b/c=", "page_size": "20"}
    assert canonical_url("/p", query) == "/p?last_row_key=a+b/c=&page_size=20"
    assert request_url("/p", query) == "/p?last_row_key=a%2Bb%2Fc%3D&page_size=20"


def test_every_region_has_an_https_endpoint():
    assert set(REGIONS) == {"eu", "us", "us-e", "eu-w", "in", "cn", "sg"}
    assert region_endpoint("eu") == "https://openapi.tuyaeu.com"
    assert region_endpoint("US-E") == "https://openapi-ueaz.tuyaus.com"
    assert region_endpoint("we") == "https://openapi-weaz.tuyaeu.com"
    assert region_endpoint("sg") == "https://openapi-sg.iotbing.com"
    with pytest.raises(ValueError, match="unknown data centre 'xx'"):
        region_endpoint("xx")
