"""HMAC signatures, always compared in constant time."""

import base64
import hashlib
import hmac


def hmac_sha256_hex(secret: bytes, message: bytes) -> str:
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def hmac_sha256_base64(secret: bytes, message: bytes) -> str:
    return base64.b64encode(hmac.new(secret, message, hashlib.sha256).digest()).decode()


def constant_time_equals(left: str | bytes, right: str | bytes) -> bool:
    left_bytes = left.encode() if isinstance(left, str) else left
    right_bytes = right.encode() if isinstance(right, str) else right
    return hmac.compare_digest(left_bytes, right_bytes)
