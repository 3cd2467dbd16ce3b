"""Encryption of secrets at rest (provider tokens) with Fernet; several keys allow rotation."""

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


class TokenCipherError(Exception):
    """A stored secret could not be decrypted with any configured key."""


class TokenCipher:
    """Encrypts with the first key, decrypts with any: rotate by putting the new key first."""

    def __init__(self, keys: list[str]) -> None:
        if not keys:
            raise ValueError("at least one key is required")
        self._fernet = MultiFernet([Fernet(key.encode()) for key in keys])

    @staticmethod
    def generate_key() -> str:
        return Fernet.generate_key().decode()

    def encrypt(self, plaintext: bytes) -> bytes:
        return self._fernet.encrypt(plaintext)

    def decrypt(self, ciphertext: bytes) -> bytes:
        try:
            return self._fernet.decrypt(ciphertext)
        except InvalidToken as exc:
            raise TokenCipherError("secret cannot be decrypted with the configured keys") from exc
