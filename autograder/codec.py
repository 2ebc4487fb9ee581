"""Safe transport of values between the student's process and the grader.

Student code is untrusted, so nothing that comes back from it is unpickled.
Values travel as JSON: plain Python data, plus tagged objects for tuples,
dicts with non-string keys, tensors and arrays (raw bytes, base64-encoded,
with a whitelisted dtype). Anything else is described, never rebuilt.

Frames on the wire are an 8-byte big-endian length followed by UTF-8 JSON.
"""

from __future__ import annotations

import base64
import json
import math
import re
import struct
from dataclasses import dataclass

import numpy as np

#: Largest request the grader sends a student's process (a cell's source, a probe).
MAX_FRAME_BYTES = 64 * 1024 * 1024
#: Largest tensor (in elements) sent back in full; bigger ones are described.
MAX_ELEMENTS = 2_000_000
#: Deepest nesting of lists/tuples/dicts that is encoded.
MAX_DEPTH = 12
#: Most items of one list, tuple or dict that are encoded.
MAX_ITEMS = 100_000

_DTYPES = {
    "float16", "float32", "float64", "int8", "int16", "int32", "int64",
    "uint8", "bool", "complex64", "complex128",
}


class CodecError(ValueError):
    """A frame or value that does not follow the protocol."""


@dataclass(frozen=True)
class Opaque:
    """Something the student's code produced that cannot travel as data."""

    type_name: str
    """Qualified name of the object's type, e.g. ``matplotlib.figure.Figure``."""
    summary: str
    """A short, truncated ``repr`` of the object."""

    def __str__(self) -> str:
        return f"a {self.type_name} ({self.summary})"


@dataclass(frozen=True)
class StudentError:
    """An exception raised by the student's code."""

    type_name: str
    """The exception's class name, e.g. ``NotImplementedError``."""
    message: str
    """``str()`` of the exception, truncated."""
    traceback: str = ""
    """The traceback, restricted to the student's own cells."""

    def __str__(self) -> str:
        return f"{self.type_name}: {self.message}" if self.message else self.type_name


def _clip(text: str, limit: int = 500) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


# --------------------------------------------------------------------- encode


def encode(value, *, torch=None, depth: int = 0):
    """Turn ``value`` into JSON-able data. ``torch`` is passed in by callers
    that have it, so this module stays importable without it."""
    if depth > MAX_DEPTH:
        return {"$": "object", "type": "nesting", "summary": "nested too deeply"}
    if value is None or isinstance(value, (bool, str)):
        return value if not isinstance(value, str) else _clip(value, 100_000)
    if isinstance(value, int):
        return value if abs(value) < 2**63 else float(value)
    if isinstance(value, float):
        return value
    if isinstance(value, np.generic):
        return encode(value.item(), torch=torch, depth=depth + 1)
    if torch is not None and isinstance(value, torch.Tensor):
        return _encode_tensor(value, torch)
    if isinstance(value, np.ndarray):
        return _encode_array(value, "ndarray")
    if isinstance(value, (list, tuple)):
        items = [encode(v, torch=torch, depth=depth + 1) for v in list(value)[:MAX_ITEMS]]
        return items if isinstance(value, list) else {"$": "tuple", "items": items}
    if isinstance(value, dict):
        pairs = list(value.items())[:MAX_ITEMS]
        return {
            "$": "dict",
            "items": [[encode(k, torch=torch, depth=depth + 1), encode(v, torch=torch, depth=depth + 1)] for k, v in pairs],
        }
    if isinstance(value, BaseException):
        return {"$": "error", "type": type(value).__name__, "message": _clip(_safe_str(value)), "traceback": ""}
    return {"$": "object", "type": type_name(value), "summary": _clip(_safe_repr(value), 200)}


def _encode_tensor(t, torch):
    t = torch.Tensor.detach(t)
    if t.is_complex() or t.layout != torch.strided:
        return {"$": "object", "type": "torch.Tensor", "summary": f"tensor with layout {t.layout} and dtype {t.dtype}"}
    if t.numel() > MAX_ELEMENTS:
        return {"$": "object", "type": "torch.Tensor", "summary": f"tensor of shape {tuple(t.shape)} (too large to compare)"}
    if t.dtype == torch.bfloat16:
        t = t.float()
    array = t.cpu().contiguous().numpy()
    return _encode_array(array, "tensor")


def _encode_array(a: np.ndarray, tag: str):
    dtype = a.dtype.name
    if dtype not in _DTYPES or a.size > MAX_ELEMENTS:
        return {"$": "object", "type": "numpy.ndarray", "summary": f"array of shape {a.shape}, dtype {dtype}"}
    data = np.ascontiguousarray(a).tobytes()
    return {"$": tag, "dtype": dtype, "shape": list(a.shape), "data": base64.b64encode(data).decode("ascii")}


def type_name(value) -> str:
    cls = type(value)
    module = getattr(cls, "__module__", "") or ""
    name = getattr(cls, "__qualname__", cls.__name__)
    return f"{module}.{name}" if module and module != "builtins" else name


#: A memory address in a repr (``<generator object f at 0x7f...>``): it changes from one grading to the next.
_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")


def without_addresses(text: str) -> str:
    """``text`` as a plain ``str`` without the memory addresses a repr shows, so that feedback
    is the same every time a notebook is graded."""
    return _ADDRESS.sub("", str.__getitem__(text, slice(None)))


def _safe_repr(value) -> str:
    try:
        return without_addresses(repr(value))
    except BaseException:  # noqa: BLE001 - a hostile __repr__ may raise anything
        return "<unprintable>"


def _safe_str(value) -> str:
    try:
        return without_addresses(str(value))
    except BaseException:  # noqa: BLE001
        return "<unprintable>"


# --------------------------------------------------------------------- decode


def decode(data, *, torch=None, depth: int = 0):
    """Rebuild a value from :func:`encode`'s output. Never executes code."""
    if depth > MAX_DEPTH + 2:
        raise CodecError("value nested too deeply")
    if data is None or isinstance(data, (bool, int, float, str)):
        return data
    if isinstance(data, list):
        return [decode(v, torch=torch, depth=depth + 1) for v in data]
    if not isinstance(data, dict):
        raise CodecError(f"unexpected JSON value of type {type(data).__name__}")
    tag = data.get("$")
    if tag == "tuple":
        return tuple(decode(v, torch=torch, depth=depth + 1) for v in _as_list(data.get("items")))
    if tag == "dict":
        out = {}
        for pair in _as_list(data.get("items")):
            if not isinstance(pair, list) or len(pair) != 2:
                raise CodecError("malformed dict entry")
            key = decode(pair[0], torch=torch, depth=depth + 1)
            try:
                out[key] = decode(pair[1], torch=torch, depth=depth + 1)
            except TypeError as exc:  # unhashable key
                raise CodecError("unhashable dict key") from exc
        return out
    if tag in ("tensor", "ndarray"):
        array = _decode_array(data)
        if tag == "tensor" and torch is not None:
            return torch.from_numpy(array.copy())
        return array
    if tag == "object":
        return Opaque(str(data.get("type", "?"))[:200], str(data.get("summary", ""))[:500])
    if tag == "error":
        return StudentError(
            str(data.get("type", "Exception"))[:200],
            str(data.get("message", ""))[:2000],
            str(data.get("traceback", ""))[:5000],
        )
    raise CodecError(f"unknown tag {tag!r}")


def _as_list(value) -> list:
    if not isinstance(value, list):
        raise CodecError("expected a list")
    return value


def _decode_array(data: dict) -> np.ndarray:
    dtype = data.get("dtype")
    shape = data.get("shape")
    if dtype not in _DTYPES:
        raise CodecError(f"dtype {dtype!r} not allowed")
    if not isinstance(shape, list) or not all(isinstance(n, int) and n >= 0 for n in shape):
        raise CodecError("malformed shape")
    raw = base64.b64decode(str(data.get("data", "")), validate=True)
    count = math.prod(shape)
    if count > MAX_ELEMENTS or count * np.dtype(dtype).itemsize != len(raw):
        raise CodecError("array data does not match its shape")
    return np.frombuffer(raw, dtype=dtype).reshape(shape)


# ---------------------------------------------------------------------- frames


def dumps_frame(message: dict) -> bytes:
    body = json.dumps(message, allow_nan=True, separators=(",", ":")).encode("utf-8")
    return struct.pack(">Q", len(body)) + body


def loads_frame_body(body: bytes) -> dict:
    try:
        message = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise CodecError(f"malformed frame: {exc}") from exc
    if not isinstance(message, dict):
        raise CodecError("a frame must hold a JSON object")
    return message
