"""A vendor's reader library as a conformance target: the C ABI loaded with ctypes.

The library implements the standard functions (card-spec §3.1) with ``int`` results and
GBK ``char *`` strings. ``NativeReader`` calls them with output buffers of ``OUT_SIZE``
bytes and returns ``Result(code, text)`` like the reference reader. A function the library
does not export answers -13 (command not supported); a library that cannot be loaded -5.
PINs come from a PinPad through the optional ``iSetPinSource`` export (docs/reader.md).
"""

from __future__ import annotations

import ctypes
import threading
from pathlib import Path

from emulator.reader.codes import ReaderError, Result
from emulator.reader.pin_pad import PinEntryCancelled, PinEntryTimeout, PinPad

__all__ = ["OUT_SIZE", "PIN_SOURCE", "NativeReader"]

#: Output buffer size handed to every function (the reference gives 1024, we double it).
OUT_SIZE = 2048
ENCODING = "gbk"
#: int source(const char *prompt, char *pin, int size): 0 entered, 1 cancelled, 2 timeout.
PIN_SOURCE = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.c_char_p, ctypes.POINTER(ctypes.c_char), ctypes.c_int
)
_I, _S = ctypes.c_int, ctypes.c_char_p
#: name -> argument types (the last one is always pOutInfo).
SIGNATURES: dict[str, tuple[type, ...]] = {
    "iReadCardBas": (_I, _S),
    "iReadCardBas_HSM_Step1": (_I, _S),
    "iReadCardBas_HSM_Step2": (_S, _S),
    "iVerifyPIN": (_I, _S),
    "iChangePIN": (_I, _S),
    "iReloadPIN_HSM_Step1": (_I, _S, _S),
    "iReloadPIN_HSM_Step2": (_S, _S),
    "iReloadPIN_HSM_Step3": (_S, _S),
    "iReadCard": (_I, _I, _S, _S, _S),
    "iReadBankNumber": (_I, _S),
}


class NativeReader:
    """TerminalInterface over a shared library implementing the C ABI."""

    def __init__(self, path: str | Path, pin_pad: PinPad | None = None) -> None:
        self.path = Path(path)
        self.description = f"native library {self.path.name}"
        self.pin_pad = pin_pad
        self._lock = threading.Lock()  # the C ABI keeps global state: one call at a time
        try:
            self._lib: ctypes.CDLL | None = ctypes.CDLL(str(self.path))
        except OSError as exc:
            self._lib = None
            self.load_error = str(exc)
        else:
            self.load_error = ""
        self._pin_callback = PIN_SOURCE(self._enter_pin)
        if self._lib is not None and hasattr(self._lib, "iSetPinSource"):
            self._lib.iSetPinSource.argtypes = (PIN_SOURCE,)
            self._lib.iSetPinSource.restype = None
            self._lib.iSetPinSource(self._pin_callback)

    @property
    def loaded(self) -> bool:
        return self._lib is not None

    def exports(self) -> list[str]:
        """Standard functions the library exports."""
        if self._lib is None:
            return []
        return [name for name in SIGNATURES if hasattr(self._lib, name)]

    def _enter_pin(self, prompt: bytes, pin: ctypes.Array, size: int) -> int:
        if self.pin_pad is None:
            return 2
        try:
            entered = self.pin_pad.enter(prompt.decode(ENCODING, errors="replace"))
        except PinEntryCancelled:
            return 1
        except PinEntryTimeout:
            return 2
        raw = entered.encode("ascii", errors="replace")[: size - 1]
        ctypes.memmove(pin, raw + b"\x00", len(raw) + 1)
        return 0

    def _call(self, name: str, *args: int | str) -> Result:
        if self._lib is None:
            return ReaderError(-5, f"加载动态库错：{self.load_error}").result()
        function = getattr(self._lib, name, None)
        if function is None:
            return ReaderError(-13, f"不支持该命令：{name}").result()
        function.argtypes = SIGNATURES[name]
        function.restype = ctypes.c_int
        out = ctypes.create_string_buffer(OUT_SIZE)
        converted = [a.encode(ENCODING) if isinstance(a, str) else a for a in args]
        with self._lock:
            code = function(*converted, out)
        return Result(int(code), out.value.decode(ENCODING, errors="replace"))

    def iReadCardBas(self, iType: int) -> Result:
        return self._call("iReadCardBas", iType)

    def iReadCardBas_HSM_Step1(self, iType: int) -> Result:
        return self._call("iReadCardBas_HSM_Step1", iType)

    def iReadCardBas_HSM_Step2(self, pKey: str) -> Result:
        return self._call("iReadCardBas_HSM_Step2", pKey)

    def iVerifyPIN(self, iType: int) -> Result:
        return self._call("iVerifyPIN", iType)

    def iChangePIN(self, iType: int) -> Result:
        return self._call("iChangePIN", iType)

    def iReloadPIN_HSM_Step1(self, iType: int, pCardInfo: str) -> Result:
        return self._call("iReloadPIN_HSM_Step1", iType, pCardInfo)

    def iReloadPIN_HSM_Step2(self, pKey: str) -> Result:
        return self._call("iReloadPIN_HSM_Step2", pKey)

    def iReloadPIN_HSM_Step3(self, pKey: str) -> Result:
        return self._call("iReloadPIN_HSM_Step3", pKey)

    def iReadCard(self, iType: int, iAuthType: int, pCardInfo: str, pFileAddr: str) -> Result:
        return self._call("iReadCard", iType, iAuthType, pCardInfo, pFileAddr)

    def iReadBankNumber(self, iType: int) -> Result:
        return self._call("iReadBankNumber", iType)
