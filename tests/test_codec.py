"""The codec carries data, never code, and rejects what is malformed."""

import math
import socket
import time

import numpy as np
import pytest
import torch

from autograder import codec
from autograder.sandbox import wire


def roundtrip(value):
    return codec.decode(codec.loads_frame_body(codec.dumps_frame({"v": codec.encode(value, torch=torch)})[8:])["v"],
                        torch=torch)


def test_plain_data_tensors_and_arrays_survive_the_trip():
    value = {"a": [1, 2.5, None, True, "x"], "t": (torch.arange(6.0).view(2, 3), np.eye(2)), 3: math.inf}
    back = roundtrip(value)
    assert back["a"] == [1, 2.5, None, True, "x"]
    assert isinstance(back["t"], tuple) and torch.equal(back["t"][0], torch.arange(6.0).view(2, 3))
    assert back["t"][0].dtype == torch.float32 and np.array_equal(back["t"][1], np.eye(2))
    assert back[3] == math.inf


def test_tensors_that_require_grad_come_back_as_plain_values():
    back = roundtrip(torch.tensor([1.0, 2.0], requires_grad=True) * 3)
    assert torch.equal(back, torch.tensor([3.0, 6.0])) and not back.requires_grad


def test_objects_that_are_not_data_are_described_not_rebuilt():
    class Evil:
        def __reduce__(self):
            raise AssertionError("must never be pickled")

        def __repr__(self):
            return "<evil>"

    back = roundtrip(Evil())
    assert isinstance(back, codec.Opaque) and back.summary == "<evil>"


@pytest.mark.parametrize("frame", [
    {"$": "tensor", "dtype": "object", "shape": [1], "data": ""},
    {"$": "tensor", "dtype": "float32", "shape": [3], "data": "AAAAAA=="},
    {"$": "tensor", "dtype": "float32", "shape": [-1], "data": ""},
    {"$": "pickle", "data": "gASV"},
    {"$": "dict", "items": [[[1], 2]]},
])
def test_malformed_values_are_rejected(frame):
    with pytest.raises(codec.CodecError):
        codec.decode(frame, torch=torch)


def test_oversized_frames_are_refused_before_reading():
    ours, theirs = socket.socketpair()
    with ours, theirs:
        theirs.sendall((wire.MAX_CONTAINERS * 100).to_bytes(8, "big"))  # a header, and no body at all
        with pytest.raises(wire.ReplyTooLarge):
            wire.recv(ours, limit=1024, deadline=time.monotonic() + 5)
