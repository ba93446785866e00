"""Build the native reader library (native/sscard_pcsc.c) with gcc against libpcsclite.

The C source is UTF-8 and compiled with ``-fexec-charset=GBK``, so its messages come out
in GBK like any vendor's library (card-spec §3.1: GBK strings in the C API).
"""

from __future__ import annotations

import shutil
import subprocess
from importlib import resources
from pathlib import Path

__all__ = ["NativeBuildError", "build_native_library", "native_source"]

LIBRARY_NAME = "libsscard_pcsc.so"


class NativeBuildError(RuntimeError):
    """The library cannot be built here; the message says what is missing."""


def native_source() -> Path:
    """Path of the C source shipped with the package."""
    return Path(str(resources.files("emulator.reader") / "native" / "sscard_pcsc.c"))


def _pcsc_flags() -> tuple[list[str], list[str]]:
    pkg_config = shutil.which("pkg-config")
    if pkg_config is None:
        return ["-I/usr/include/PCSC"], ["-lpcsclite"]
    try:
        cflags = subprocess.run(
            [pkg_config, "--cflags", "libpcsclite"], capture_output=True, text=True, check=True
        ).stdout.split()
        libs = subprocess.run(
            [pkg_config, "--libs", "libpcsclite"], capture_output=True, text=True, check=True
        ).stdout.split()
    except subprocess.CalledProcessError as exc:
        raise NativeBuildError(
            "pkg-config does not know libpcsclite: install libpcsclite-dev"
        ) from exc
    return cflags, libs


def build_native_library(out_dir: Path, compiler: str = "gcc") -> Path:
    """Compile the library into ``out_dir``; returns the path of the shared object."""
    if shutil.which(compiler) is None:
        raise NativeBuildError(f"C compiler {compiler!r} not found")
    cflags, libs = _pcsc_flags()
    out = Path(out_dir) / LIBRARY_NAME
    command = [
        compiler,
        "-std=gnu11",
        "-O2",
        "-Wall",
        "-Wextra",
        "-Werror",
        "-shared",
        "-fPIC",
        "-finput-charset=UTF-8",
        "-fexec-charset=GBK",
        *cflags,
        str(native_source()),
        "-o",
        str(out),
        *libs,
    ]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise NativeBuildError(f"gcc failed:\n{result.stderr.strip()}")
    return out
