"""What the config flows know of a device: one prover and one builder of its entry data.

Every path that saves a device (by hand, a Discovered card, reauth, reconfigure, the
devices of a linked account) proves it here first, with the same rules, and stores what
:func:`device_entry_data` builds from the proof (tplink's
``_async_create_or_update_entry_from_device`` is the model).

The proof rules:
- a handshake and a status read with the key (the version detected when asked "auto");
  a device busy with another client, or whose 3.4/3.5 handshake hangs up, is tried again;
- a 3.1 device proves a key only by reporting a same-value write: without that proof
  the key is refused (``key_unproven``) unless the caller accepts it unproven;
- a 3.4/3.5 device that sends no status (it reports only changes) proved the key with
  its handshake: it is added, and its state shows with its first report;
- a gateway (hub) refuses, or answers empty, the status query about itself (only its
  sub-devices have DPs; tinytuya turns its device22 query off on a parent for that
  reason): its key is proven by its session instead, the 3.4/3.5 handshake, or on
  3.2/3.3 its refusal, which comes sealed with the key (a wrong key cannot open it);
  the proof then says ``gateway`` and the flow offers its sub-devices;
- everything else is the library's typed error, which ``errors.FORM_ERRORS`` names
  (wrong key vs busy, ``handshake_dropped``, ``no_status``, ``reply_too_large``, ...).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Final

from homeassistant.const import CONF_HOST, CONF_PORT

from .account import model_data
from .const import (
    CONF_DEVICE_ID,
    CONF_IS_GATEWAY,
    CONF_LOCAL_KEY,
    CONF_PRODUCT_KEY,
    CONF_PROTOCOL_VERSION,
    DEFAULT_PORT,
    LOGGER,
    VERSION_AUTO,
)
from .errors import form_error
from .tuyalan import (
    DETECT_ORDER,
    CloudDevice,
    DeviceError,
    HandshakeDroppedError,
    InvalidKeyError,
    KeyUnprovenError,
    NoStatusError,
    TuyaClient,
    TuyaConnectionError,
    TuyaError,
    TuyaTimeoutError,
    WrongKeyError,
    detect_version,
    probe,
    validate_local_key,
)

# A device busy with another client, or flaky firmware, may refuse an attempt or hang
# up a 3.4/3.5 handshake with the right key: tried this many times more, this far apart.
# Right after a re-pairing the device may also still be busy with the old key's retries.
BUSY_RETRIES: Final = 2
BUSY_RETRY_DELAY: Final = 0.5
# The versions whose handshake alone proves the key (a status is then not needed).
HANDSHAKE_PROVES_KEY: Final = ("3.4", "3.5")
# The form's error key for a device that does not answer (no more specific reason).
ERROR_CANNOT_CONNECT: Final = "cannot_connect"
# The versions whose refusal of a status query proves the key: it comes encrypted with
# it (3.1 sends its answers in plaintext).
REFUSAL_PROVES_KEY: Final = ("3.2", "3.3", "3.4", "3.5")
# The versions Tuya's gateways speak, newest first (as the library detects them).
GATEWAY_VERSIONS: Final = tuple(v for v in DETECT_ORDER if v in REFUSAL_PROVES_KEY)
# How long the gateway prover waits for each answer.
GATEWAY_TIMEOUT: Final = 2.0


def entry_title(device_id: str, product_name: str | None = None) -> str:
    """Return the one name of a device: in its Discovered card's form, in the pick list,
    and as the entry and device name (the user can rename it).

    The product's name when known (a key file's profile), else "Tuya"; then the end of
    the device id, which tells two of a kind apart (as the card's title does). Never
    the product key a device broadcasts: 16 random characters that name nothing.
    """
    return f"{product_name or 'Tuya'} {device_id[-4:]}"


def legacy_entry_title(device_id: str, product_key: str) -> str:
    """The default title of an entry saved by an older version: the product key the
    device broadcasts, then the end of its id (still a name the user did not give)."""
    return f"{product_key} {device_id[-4:]}"


@dataclass(frozen=True, slots=True)
class Candidate:
    """A device to prove: who it is, where it listens and how it speaks ("auto": find out)."""

    device_id: str
    host: str
    port: int = DEFAULT_PORT
    version: str = VERSION_AUTO
    product_key: str | None = None  # what it broadcasts (discovery), kept in its entry
    heard_version: str | None = None  # what it announced: tried first when version is auto

    @classmethod
    def from_entry(cls, data: Mapping[str, Any]) -> Candidate:
        """The device of a saved entry, as it was saved."""
        return cls(
            device_id=data[CONF_DEVICE_ID],
            host=data[CONF_HOST],
            port=data.get(CONF_PORT, DEFAULT_PORT),
            version=data[CONF_PROTOCOL_VERSION],
            product_key=data.get(CONF_PRODUCT_KEY) or None,
        )

    def at(self, host: str, port: int) -> Candidate:
        """The same device at another address."""
        return replace(self, host=host, port=port)

    @property
    def title(self) -> str:
        """Its name until the user gives it one (see entry_title)."""
        return entry_title(self.device_id)


@dataclass(frozen=True, slots=True)
class Proof:
    """What proving a device with a key showed: the version it answered in, or why not."""

    device: Candidate
    local_key: str
    version: str  # the proven version; the one asked (maybe "auto") when it failed
    error: BaseException | None = None
    gateway: bool = False  # it refused or answered empty its own status: a hub
    by_session: bool = False  # ... and refused it: only its session proved the key

    @property
    def unproven_31(self) -> bool:
        """A 3.1 device that answered but could not prove the key (saved if confirmed)."""
        return isinstance(self.error, KeyUnprovenError)

    @property
    def key_refused(self) -> bool:
        """The device said the key is not its own (or never proved it)."""
        return isinstance(
            self.error, WrongKeyError | HandshakeDroppedError | KeyUnprovenError | InvalidKeyError
        )


async def async_prove(
    device: Candidate, local_key: str, *, accept_unproven: bool = False, hub: bool = False
) -> Proof:
    """Prove a device with a key by the rules above; never raises.

    ``accept_unproven``: take a 3.1 device's plaintext status as enough (the user was told
    and submitted the key again, or the key is the linked account's). ``hub``: the
    device is known to be a gateway (its account says so): proven as one first, which
    spares a version search through its refusals.
    """
    if hub and (proof := await _async_prove_gateway(device, local_key)) is not None:
        return proof
    try:
        validate_local_key(local_key)
        if device.version == VERSION_AUTO:
            version, status = await detect_version(
                device.host,
                device.device_id,
                local_key,
                port=device.port,
                require_proof=not accept_unproven,
                first=device.heard_version,
            )
        else:
            version = device.version
            status = await probe(
                device.host,
                device.device_id,
                local_key,
                version,
                port=device.port,
                busy_retries=BUSY_RETRIES,
                retry_delay=BUSY_RETRY_DELAY,
                require_proof=not accept_unproven,
            )
    except NoStatusError as err:
        if err.version in HANDSHAKE_PROVES_KEY:
            return Proof(device, local_key, err.version)  # its state shows once it reports
        return await _async_prove_gateway(device, local_key) or Proof(
            device, local_key, device.version, err
        )
    except (DeviceError, TuyaTimeoutError) as err:
        # A refusal, or (version "auto") a refusal followed by silence in the versions
        # after it: maybe a hub asked about itself. A device asked in one version that
        # stays silent is no hub refusing.
        if isinstance(err, TuyaTimeoutError) and device.version != VERSION_AUTO:
            return Proof(device, local_key, device.version, err)
        return await _async_prove_gateway(device, local_key) or Proof(
            device, local_key, device.version, err
        )
    except Exception as err:
        if not isinstance(err, TuyaError | OSError):
            LOGGER.exception("Unexpected error while validating a Tuya device")
        return Proof(device, local_key, device.version, err)
    if status:
        return Proof(device, local_key, version)
    # No DP of its own: a hub (a device without any DP would be of no use); one that
    # refuses the plain query (the empty answer came from another query) is told by
    # asking it again as a hub.
    return await _async_prove_gateway(replace(device, version=version), local_key) or Proof(
        device, local_key, version, gateway=True
    )


async def _async_prove_gateway(device: Candidate, local_key: str) -> Proof | None:
    """Prove a hub's key by its session (see the rules): each version asked in turn, the
    status asked about the hub itself once, never with the device22 query (a write
    shape). None: not a hub, or not this key (the caller's proof stands)."""
    versions = GATEWAY_VERSIONS if device.version == VERSION_AUTO else (device.version,)
    for version in versions:
        client = TuyaClient(
            device.host,
            device.device_id,
            local_key,
            version,
            port=device.port,
            timeout=GATEWAY_TIMEOUT,
        )
        try:
            await client.connect()
            try:
                status = await client.status(device22_fallback=False)
            except DeviceError:
                if version not in REFUSAL_PROVES_KEY:
                    continue
            except NoStatusError:
                if version not in HANDSHAKE_PROVES_KEY:
                    continue
            else:
                if status:
                    continue  # a device with DPs of its own: not a hub
            LOGGER.debug("%s: a gateway, its key proven by its session", device.host)
            return Proof(device, local_key, version, gateway=True, by_session=True)
        except TuyaConnectionError as err:
            if not client.connected and isinstance(err.__cause__, OSError):
                break  # nothing listens there
            LOGGER.debug("%s: not a gateway in protocol %s (%s)", device.host, version, err)
        except (TuyaError, OSError) as err:
            LOGGER.debug("%s: not a gateway in protocol %s (%s)", device.host, version, err)
        finally:
            await client.close()
    return None


def proof_errors(proof: Proof, *, port_hint: bool = False) -> dict[str, str]:
    """The form's errors for a proof: none (proven: save it), the key field's format, or
    the device's answer.

    ``port_hint``: the form asks for the key only (a discovered device's card, no host
    field): a device that does not answer is said to have its port to check.
    """
    error = proof.error
    if error is None:
        return {}
    if isinstance(error, InvalidKeyError):
        return {CONF_LOCAL_KEY: form_error(error)}
    if port_hint and form_error(error) == ERROR_CANNOT_CONNECT:
        return {"base": "cannot_connect_port"}
    return {"base": form_error(error)}


def device_entry_data(proof: Proof, cloud: CloudDevice | None = None) -> dict[str, Any]:
    """What a proven device's entry stores: its address, id, key and proven version, the
    product key it broadcasts, and the model its linked account gave (``cloud``)."""
    device = proof.device
    data: dict[str, Any] = {
        CONF_HOST: device.host,
        CONF_PORT: device.port,
        CONF_DEVICE_ID: device.device_id,
        CONF_LOCAL_KEY: proof.local_key,
        CONF_PROTOCOL_VERSION: proof.version,
    }
    if device.product_key:
        data[CONF_PRODUCT_KEY] = device.product_key
    if proof.gateway:
        data[CONF_IS_GATEWAY] = True
    if cloud is not None:
        data |= model_data(cloud)
    return data
