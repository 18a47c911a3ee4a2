"""Sans-IO signing for the Tuya IoT OpenAPI (developer projects), and its data centres.

The current HMAC-SHA256 scheme (the only one projects created after 2021-06-30 accept)::

    string_to_sign = METHOD "\\n" sha256(body).hex "\\n" signed-headers "\\n" url
    token APIs:    sign = HMAC(secret, client_id + t + nonce + string_to_sign)
    business APIs: sign = HMAC(secret, client_id + access_token + t + nonce + string_to_sign)

``url`` is the path plus ``?k=v&k=v`` with the keys sorted and the values *not*
URL-encoded; the request itself carries them encoded. Reference: ``shared/CLOUD.md``
section 1.3, whose worked vectors ``tests/lib/test_cloud_sign.py`` checks.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping, Sequence
from urllib.parse import quote

SIGN_METHOD = "HMAC-SHA256"

# Short names as tinytuya's wizard and the Tuya IoT platform use them.
REGIONS: Mapping[str, str] = {
    "cn": "https://openapi.tuyacn.com",
    "us": "https://openapi.tuyaus.com",
    "us-e": "https://openapi-ueaz.tuyaus.com",
    "eu": "https://openapi.tuyaeu.com",
    "eu-w": "https://openapi-weaz.tuyaeu.com",
    "in": "https://openapi.tuyain.com",
    # Not in Tuya's SDK lists; tinytuya >= 1.17.2 and hass-localtuya use it.
    "sg": "https://openapi-sg.iotbing.com",
}
# Other spellings seen in Tuya's SDKs and tinytuya for the same data centres.
REGION_ALIASES: Mapping[str, str] = {"az": "us", "ue": "us-e", "we": "eu-w"}

EMPTY_BODY_SHA256 = hashlib.sha256(b"").hexdigest()


def region_endpoint(region: str) -> str:
    """The OpenAPI base URL of a data centre given by short name (``eu``, ``us``...)."""
    name = region.strip().lower()
    name = REGION_ALIASES.get(name, name)
    try:
        return REGIONS[name]
    except KeyError:
        raise ValueError(
            f"unknown data centre {region!r}; expected one of {', '.join(REGIONS)}"
        ) from None


def is_token_path(path: str) -> bool:
    """Token grant and refresh are signed without an access token."""
    return path == "/v1.0/token" or path.startswith("/v1.0/token/")


def canonical_url(path: str, query: Mapping[str, str] | None = None) -> str:
    """The URL as signed: path, then the query sorted by key, values raw."""
    if not query:
        return path
    return path + "?" + "&".join(f"{key}={query[key]}" for key in sorted(query))


def request_url(path: str, query: Mapping[str, str] | None = None) -> str:
    """The URL as sent: the same order, values percent-encoded."""
    if not query:
        return path
    return (
        path
        + "?"
        + "&".join(f"{quote(key, safe='')}={quote(query[key], safe='')}" for key in sorted(query))
    )


def string_to_sign(
    method: str,
    path: str,
    query: Mapping[str, str] | None = None,
    body: bytes = b"",
    signed_headers: Sequence[tuple[str, str]] = (),
) -> str:
    """Method, body hash, the headers named in ``Signature-Headers``, and the URL."""
    headers = "".join(f"{name}:{value}\n" for name, value in signed_headers)
    return "\n".join(
        (
            method.upper(),
            hashlib.sha256(body).hexdigest(),
            headers,
            canonical_url(path, query),
        )
    )


def sign(
    client_id: str,
    secret: str,
    t: str,
    to_sign: str,
    *,
    access_token: str = "",
    nonce: str = "",
) -> str:
    """Upper-case hex HMAC-SHA256; pass no ``access_token`` for the token APIs."""
    message = client_id + access_token + t + nonce + to_sign
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest().upper()


def signed_headers(
    client_id: str,
    secret: str,
    t_ms: int,
    method: str,
    path: str,
    *,
    query: Mapping[str, str] | None = None,
    body: bytes = b"",
    access_token: str = "",
    nonce: str = "",
    extra_signed: Sequence[tuple[str, str]] = (),
) -> dict[str, str]:
    """Every header a request needs: ``client_id``, ``t``, ``sign``, ``sign_method``...

    ``access_token`` is ignored for the token paths, as Tuya's SDKs do.
    """
    t = str(t_ms)
    token = "" if is_token_path(path) else access_token
    to_sign = string_to_sign(method, path, query, body, extra_signed)
    headers = {
        "client_id": client_id,
        "t": t,
        "sign_method": SIGN_METHOD,
        "sign": sign(client_id, secret, t, to_sign, access_token=token, nonce=nonce),
    }
    if token:
        headers["access_token"] = token
    if nonce:
        headers["nonce"] = nonce
    if extra_signed:
        headers["Signature-Headers"] = ":".join(name for name, _ in extra_signed)
        headers.update(extra_signed)
    return headers
