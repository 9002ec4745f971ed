import json
from pathlib import Path

import numpy as np
import pytest

from interpwidgets import codec

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.mark.parametrize("dtype", ["float32", "float16"])
def test_float_round_trip(dtype):
    x = np.array([[0.0, 1.5, -2.25], [np.nan, 1e-3, 100.0]])
    enc = codec.encode(x, dtype)
    assert enc["dtype"] == dtype and enc["shape"] == [2, 3]
    assert isinstance(enc["buffer"], bytes)
    assert len(enc["buffer"]) == x.size * (4 if dtype == "float32" else 2)
    out = codec.decode(enc)
    np.testing.assert_allclose(out, x, rtol=1e-3 if dtype == "float16" else 1e-7, equal_nan=True)


def test_uint8_quantizes_over_range_and_keeps_nan():
    x = np.array([-1.0, 0.0, 0.5, 1.0, np.nan])
    enc = codec.encode(x, "uint8")
    q = np.frombuffer(enc["buffer"], np.uint8)
    assert q[0] == 0 and q[3] == 254 and q[4] == codec.UINT8_NAN
    out = codec.decode(enc)
    np.testing.assert_allclose(out[:4], x[:4], atol=enc["scale"] / 2 + 1e-7)
    assert np.isnan(out[4])


def test_int32_round_trip_and_little_endian():
    x = np.array([[0, 1], [258, 3]], dtype=np.int64)
    enc = codec.encode(x, "int32")
    assert enc["buffer"][8:12] == (258).to_bytes(4, "little")
    np.testing.assert_array_equal(codec.decode(enc), x)


def test_rejects_bad_input():
    with pytest.raises(ValueError, match="dtype"):
        codec.encode([1.0], "float64")
    with pytest.raises(TypeError, match="numeric"):
        codec.encode(["a"], "float32")
    with pytest.raises(ValueError, match="infinite"):
        codec.encode([np.inf], "float32")
    with pytest.raises(TypeError, match="int32"):
        codec.encode([1.5], "int32")
    enc = codec.encode([1.0, 2.0], "float32")
    enc["shape"] = [3]
    with pytest.raises(ValueError, match="expected 3 float32 values"):
        codec.decode(enc)


def test_fixture_file_is_current():
    """The fixtures both test suites decode are what the codec writes today."""
    import sys

    sys.path.insert(0, str(FIXTURES))
    try:
        from make_codec_fixtures import render
    finally:
        sys.path.pop(0)
    assert (FIXTURES / "codec.json").read_text() == render()


def test_fixtures_decode_to_listed_values():
    for case in json.loads((FIXTURES / "codec.json").read_text()):
        out = codec.decode(case["encoded"]).ravel()
        want = np.array([np.nan if v is None else v for v in case["values"]], dtype=np.float64)
        np.testing.assert_array_equal(
            np.isnan(out.astype(float)), np.isnan(want), err_msg=case["name"]
        )
        np.testing.assert_allclose(
            out.astype(float)[~np.isnan(want)],
            want[~np.isnan(want)],
            rtol=1e-6,
            err_msg=case["name"],
        )


def test_pack_deflates_what_pays_and_round_trips():
    import zlib

    big = np.tile(np.arange(256, dtype=np.uint8), 64).tobytes()  # 16 KB, very regular
    packed = codec.pack(big)
    assert set(packed) == {"deflate", "bytes"} and packed["bytes"] == len(big)
    assert len(packed["deflate"]) < len(big) / 10
    assert zlib.decompress(codec.base64.b64decode(packed["deflate"])) == big  # zlib format
    assert codec.unpack(packed) == big
    assert codec.pack(big, compress=False) == codec.b64(big)  # raw base64 when asked
    small = b"\x00" * (codec.DEFLATE_MIN - 1)
    assert codec.pack(small) == codec.b64(small)  # too small to be worth it
    noise = np.random.default_rng(0).bytes(4096)
    assert codec.pack(noise) == codec.b64(noise)  # deflate would not make it smaller
    assert codec.unpack(codec.pack(noise)) == noise


def test_pack_stores_raw_what_deflates_too_little_to_pay():
    """float16 activations shrink ~10% under deflate: not worth a second of zlib per 2 MB at
    export and an inflate in the browser, so big buffers are sampled first."""
    rng = np.random.default_rng(0)
    values = codec.encode(np.tanh(rng.normal(size=400_000)), "float16")["buffer"]
    assert len(values) >= codec.SAMPLE_FROM
    assert 0.85 < len(__import__("zlib").compress(values, 1)) / len(values) < 1  # it would shrink
    assert codec.pack(values) == codec.b64(values)  # ... but too little: stored raw
    n = 200_000
    offsets = codec.encode(np.stack([np.arange(n), np.arange(1, n + 1)], 1), "int32")["buffer"]
    packed = codec.pack(offsets)  # character offsets deflate ~4x
    assert isinstance(packed, dict) and len(packed["deflate"]) < len(offsets) / 2
    assert codec.unpack(packed) == offsets


def test_unpack_rejects_bad_input():
    with pytest.raises(TypeError, match="obj: expected base64 text"):
        codec.unpack({"gzip": "AAAA"})
    packed = codec.pack(b"\x01" * 4096)
    with pytest.raises(ValueError, match="obj\\['bytes'\\]: expected 4095"):
        codec.unpack({**packed, "bytes": 4095})
