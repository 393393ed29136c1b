"""Keep TensorFlow's start-up chatter off the terminal, and nothing else.

On a machine without a GPU, importing TensorFlow and touching a device prints::

    WARNING: All log messages before absl::InitializeLog() is called are written to STDERR
    I0000 00:00:1795798585.461334   16759 port.cc:153] oneDNN custom operations are on. ...
    I0000 00:00:1795798585.461722   16759 cudart_stub.cc:31] Could not find cuda drivers ...
    E0000 00:00:1795798599.249352   16759 cuda_platform.cc:52] failed call to cuInit: ...

C++ code writes these straight to file descriptor 2 before TensorFlow applies
``TF_CPP_MIN_LOG_LEVEL`` (absl logs everything to stderr until ``absl::InitializeLog``,
which TensorFlow does not call), so that variable cannot silence them, and neither can
``CUDA_VISIBLE_DEVICES`` (measured with TensorFlow 2.21). :func:`filtered_stderr`
routes descriptor 2 through a pipe and drops exactly those lines: absl INFO and
WARNING lines, the InitializeLog notice, -- where no NVIDIA driver is installed, so
no GPU was ever usable -- the errors of CUDA's probing, and the ERROR-level notice
``NodeDef mentions attribute use_unbounded_threadpool which is not in the op
definition ... Unknown attributes will be ignored`` that tf.data prints while Keras
trains (an attribute newer than the runtime; TensorFlow says itself it "may be
expected"). Every other line (an absl ERROR, a Python traceback, a warning) passes
through as it comes.
"""
from __future__ import annotations

import contextlib
import os
import re
import sys
import threading

__all__ = ["filtered_stderr", "is_noise"]

_NOTICE = b"WARNING: All log messages before absl::InitializeLog() is called are written to STDERR"
# absl's prefix: severity, MMDD, time (before InitializeLog "00:00:<epoch seconds>"),
# thread id, file:line]
_ABSL = re.compile(rb"^(?P<severity>[IWEF])\d{4} [\d:.]+\s+\d+ [^\]\s]+:\d+\] ")
_ABSL_START = re.compile(rb"^[IWEF]\d{0,4}(?: |$)")
_CUDA_PROBE = re.compile(rb"failed call to cuInit|Unable to register cu(?:DNN|FFT|BLAS) factory"
                         rb"|could not find cuda drivers", re.IGNORECASE)
_UNKNOWN_ATTRIBUTE = re.compile(rb"NodeDef mentions attribute \w+ which is not in the op "
                                rb"definition")
_GPU_DRIVER = os.path.exists("/proc/driver/nvidia/version")


def is_noise(line: bytes) -> bool:
    """True for a line (without its newline) that only reports TensorFlow's start-up."""
    line = line.rstrip(b"\r")
    if line == _NOTICE:
        return True
    match = _ABSL.match(line)
    if not match:
        return False
    if match["severity"] in b"IW":
        return True
    if match["severity"] != b"E":
        return False
    return bool(_UNKNOWN_ATTRIBUTE.search(line)) or (not _GPU_DRIVER
                                                     and bool(_CUDA_PROBE.search(line)))


def _may_become_noise(partial: bytes) -> bool:
    return _NOTICE.startswith(partial) or bool(_ABSL_START.match(partial)) or \
        bool(_ABSL.match(partial))


def _write_all(fd: int, data: bytes) -> None:
    while data:
        data = data[os.write(fd, data):]


def _pump(read_fd: int, out_fd: int) -> None:
    pending = b""
    try:
        while chunk := os.read(read_fd, 65536):
            *lines, pending = (pending + chunk).split(b"\n")
            out = b"".join(line + b"\n" for line in lines if not is_noise(line))
            if pending and not _may_become_noise(pending):
                out, pending = out + pending, b""
            _write_all(out_fd, out)
        if pending and not is_noise(pending):
            _write_all(out_fd, pending)
    except OSError:
        pass
    finally:
        os.close(read_fd)


@contextlib.contextmanager
def filtered_stderr():
    """Within the block, file descriptor 2 (C++ and Python alike) loses :func:`is_noise`
    lines; everything else reaches the real stderr as it is written."""
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError, AttributeError):     # no descriptor 2: nothing to filter
        yield
        return
    read_fd, write_fd = os.pipe()
    os.dup2(write_fd, 2)
    os.close(write_fd)
    pump = threading.Thread(target=_pump, args=(read_fd, saved), daemon=True,
                            name="convviz-stderr-filter")
    pump.start()
    try:
        yield
    finally:
        with contextlib.suppress(OSError, ValueError, AttributeError):
            sys.stderr.flush()
        os.dup2(saved, 2)           # drops the pipe's last writer: the pump sees its end
        pump.join(timeout=5)
        if not pump.is_alive():     # else a child still holds the pipe; leave it the fd
            os.close(saved)
