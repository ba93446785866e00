"""HSM domain service: Step1 -> pKey and the PIN-reload command, under the issuer's master keys.

The arithmetic is card_os.ssse.hsm (pure); this class only holds the keys and turns the
arithmetic's refusals into 400 answers. It keeps no state, so it needs no tables.
"""

from __future__ import annotations

from backends.core.errors import DomainError
from card_os.ssse import cardkeys, hsm
from card_os.ssse.profile import IssuerProfile


class HsmService:
    """The provincial HSM for one issuer profile (default: the public test master keys)."""

    def __init__(self, profile: IssuerProfile | None = None) -> None:
        self.profile = profile or IssuerProfile()

    def read_card_bas_step2(self, step1: str) -> str:
        """The pKey for an iReadCardBas_HSM_Step1 string (card-spec §2.4)."""
        try:
            return hsm.step2(
                step1,
                internal_auth_master=self.profile.master_key("internal_auth"),
                rkssse_master=self.profile.master_key("rkssse"),
            )
        except hsm.HsmError as exc:
            raise DomainError(str(exc)) from None

    def pin_reload_auth(
        self, algorithm: str, region: str, historical: bytes, factor: bytes, challenge: bytes
    ) -> bytes:
        """EXTERNAL AUTHENTICATE data (process factor ‖ cryptogram) for the PIN-reload key.

        iReloadPIN_HSM step 1 (card-spec §2.4, key address "0090"): the card must accept the
        reload key before it takes the ``84 24`` command.
        """
        try:
            cipher = hsm.cipher_for_algorithm(algorithm)
            if len(historical) != 13:
                raise hsm.HsmError("historical must be the 13 ATR historical bytes")
            if len(factor) != 8 or len(challenge) != 8:
                raise hsm.HsmError("factor and challenge must be 8 bytes each")
            master = self.profile.master_key("pin_reload")
            key = cardkeys.card_key(cipher, master, region, historical[-8:])
            return factor + cardkeys.auth_cryptogram(cipher, key, factor, challenge)
        except ValueError as exc:  # HsmError is a ValueError
            raise DomainError(str(exc)) from None

    def pin_reload(
        self, algorithm: str, region: str, historical: bytes, challenge: bytes, new_pin: str
    ) -> bytes:
        """The ``84 24 00 01 14`` reload command for the card's challenge (card-spec §2.1)."""
        try:
            return hsm.pin_reload_apdu(
                algorithm=algorithm,
                region=region,
                historical=historical,
                challenge=challenge,
                new_pin=new_pin,
                pin_reload_master=self.profile.master_key("pin_reload"),
            )
        except (hsm.HsmError, ValueError) as exc:
            raise DomainError(str(exc)) from None
