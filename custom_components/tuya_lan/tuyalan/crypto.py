"""AES and HMAC primitives on ``cryptography`` (which Home Assistant already ships).

Cipher objects are built once per key and reused: building one costs more than
encrypting a small frame.
"""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from .errors import WrongKeyError

BLOCK = 16
GCM_NONCE_SIZE = 12
GCM_TAG_SIZE = 16
HMAC_SIZE = 32


def pkcs7_pad(data: bytes) -> bytes:
    """Pad to a whole number of blocks; a full block is added to an aligned input."""
    pad = BLOCK - len(data) % BLOCK
    return data + bytes((pad,)) * pad


def pkcs7_unpad(data: bytes) -> bytes:
    """Remove PKCS#7 padding; bad padding means the key was wrong."""
    if not data or len(data) % BLOCK:
        raise WrongKeyError("ciphertext is not a whole number of AES blocks")
    pad = data[-1]
    if not 1 <= pad <= BLOCK or data[-pad:] != bytes((pad,)) * pad:
        raise WrongKeyError("bad padding after decryption (wrong local key?)")
    return data[:-pad]


class AesEcb:
    """AES-128-ECB with PKCS#7, as versions 3.1-3.4 and the 3.3/3.4 broadcasts use.

    ECB keeps no state between blocks, so one encryptor and one decryptor context
    serve every message: ``update()`` on whole blocks returns whole blocks, and we
    never call ``finalize()``. Creating a context costs more than encrypting a
    typical frame. Like the event loop that uses them, these are not thread-safe.
    """

    __slots__ = ("_decryptor", "_encryptor")

    def __init__(self, key: bytes) -> None:
        cipher = Cipher(algorithms.AES(key), modes.ECB())  # noqa: S305 (protocol-defined)
        self._encryptor = cipher.encryptor()
        self._decryptor = cipher.decryptor()

    def encrypt(self, plaintext: bytes, *, pad: bool = True) -> bytes:
        """Encrypt; ``pad=False`` needs a block-aligned input (the 3.4 session key)."""
        if not pad and len(plaintext) % BLOCK:
            raise ValueError("unpadded ECB input must be a whole number of blocks")
        return self._encryptor.update(pkcs7_pad(plaintext) if pad else plaintext)

    def decrypt(self, ciphertext: bytes, *, unpad: bool = True) -> bytes:
        """Decrypt; raises WrongKeyError when the result is not validly padded."""
        if not ciphertext or len(ciphertext) % BLOCK:
            raise WrongKeyError("ciphertext is not a whole number of AES blocks")
        plaintext = self._decryptor.update(ciphertext)
        return pkcs7_unpad(plaintext) if unpad else plaintext


class AesGcm:
    """AES-128-GCM as protocol 3.5 uses it: 12-byte nonce, 16-byte tag, header as AAD."""

    __slots__ = ("_aead",)

    def __init__(self, key: bytes) -> None:
        self._aead = AESGCM(key)

    def encrypt(self, nonce: bytes, plaintext: bytes, aad: bytes | None) -> bytes:
        """Return ciphertext || tag."""
        return self._aead.encrypt(nonce, plaintext, aad)

    def decrypt(self, nonce: bytes, ciphertext_and_tag: bytes, aad: bytes | None) -> bytes:
        """Verify the tag and decrypt; a failed tag raises WrongKeyError."""
        try:
            return self._aead.decrypt(nonce, ciphertext_and_tag, aad)
        except InvalidTag:
            raise WrongKeyError("GCM tag does not verify (wrong local key?)") from None


@lru_cache(maxsize=64)
def ecb_for(key: bytes) -> AesEcb:
    """A shared ECB cipher for ``key`` (keys are few: the device keys and the UDP key)."""
    return AesEcb(key)


@lru_cache(maxsize=64)
def gcm_for(key: bytes) -> AesGcm:
    """A shared GCM cipher for ``key``."""
    return AesGcm(key)


def hmac_sha256(key: bytes, data: bytes) -> bytes:
    """HMAC-SHA256, the 3.4 frame trailer and the handshake proof."""
    return hmac.digest(key, data, "sha256")


def md5_hex(data: bytes) -> str:
    """MD5 hex digest, used only by the 3.1 CONTROL signature."""
    return hashlib.md5(data).hexdigest()  # noqa: S324 (protocol-defined)
