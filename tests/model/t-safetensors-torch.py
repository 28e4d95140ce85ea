#!/usr/bin/env python3
"""safetensors conversions against torch/numpy: every F16 and BF16 bit pattern, F64 rounding, integers; the writer's
header layout checked by an independent parser; a sharded folder. Speaks TAP; skips without torch."""
import json
import os
import struct
import subprocess
import sys
import tempfile

try:
    import numpy as np
    import torch
except ImportError:
    print("1..0 # SKIP torch or numpy not available to %s" % sys.executable)
    sys.exit(0)
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from taplib import ok, diag, done  # noqa: E402
from parity_ref import write_safetensors  # noqa: E402


def write_st(path, tensors, metadata=None, order=None):
    """Write a safetensors file by hand: tensors is {name: (dtype, shape, bytes)}; data laid out in `order`."""
    header, blobs, off = {}, [], 0
    if metadata is not None:
        header["__metadata__"] = metadata
    for name in order or list(tensors):
        dtype, shape, raw = tensors[name]
        header[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [off, off + len(raw)]}
        blobs.append(raw)
        off += len(raw)
    write_safetensors(path, json.dumps(header).encode(), blobs)


def read_st_strict(path):
    """An independent reader that also checks the layout the Python library writes."""
    data = open(path, "rb").read()
    (n,) = struct.unpack("<Q", data[:8])
    problems = []
    if n % 8:
        problems.append("header length %d is not a multiple of 8" % n)
    pairs = json.loads(data[8:8 + n].decode("utf-8"), object_pairs_hook=lambda kv: kv)
    keys = [k for k, _ in pairs]
    if keys and keys[0] != "__metadata__":
        problems.append("__metadata__ is not the first key")
    names = [k for k in keys if k != "__metadata__"]
    if names != sorted(names):
        problems.append("tensor names are not sorted")
    buf = data[8 + n:]
    out, meta, at = {}, None, 0
    for k, v in pairs:
        if k == "__metadata__":
            meta = dict(v)
            continue
        v = dict(v)
        if [kk for kk in v] != ["dtype", "shape", "data_offsets"]:
            problems.append("%s: keys %s" % (k, list(v)))
        b, e = v["data_offsets"]
        if b != at:
            problems.append("%s: begins at %d, expected %d" % (k, b, at))
        at = e
        out[k] = (v["dtype"], v["shape"], buf[b:e])
    if at != len(buf):
        problems.append("data buffer %d bytes, tensors cover %d" % (len(buf), at))
    return out, meta, problems


def same_f32(got, want):
    """Bit-exact, except that NaNs only need the same sign and payload (torch quiets signalling NaNs)."""
    g = np.ascontiguousarray(got, dtype=np.float32).view(np.uint32).ravel()
    w = np.ascontiguousarray(want, dtype=np.float32).view(np.uint32).ravel()
    if g.shape != w.shape:
        return False, "shapes differ %s vs %s" % (g.shape, w.shape)
    gn = np.isnan(g.view(np.float32))
    wn = np.isnan(w.view(np.float32))
    if (gn != wn).any():
        i = int(np.argmax(gn != wn))
        return False, "element %d: 0x%08x vs 0x%08x (NaN-ness)" % (i, g[i], w[i])
    mask = np.where(gn, np.uint32(0xffbfffff), np.uint32(0xffffffff))
    bad = (g & mask) != (w & mask)
    if bad.any():
        i = int(np.argmax(bad))
        return False, "%d elements differ; first %d: 0x%08x vs 0x%08x" % (int(bad.sum()), i, g[i], w[i])
    return True, ""


def main():
    builddir = os.environ.get("TAMGA_TEST_BUILDDIR", ".")
    conv = os.path.join(builddir, "tests", "model", "st-convert")
    if not os.access(conv, os.X_OK):
        print("1..0 # SKIP %s not built" % conv)
        return 0

    bits = np.arange(65536, dtype=np.uint16)
    f16 = torch.from_numpy(bits.view(np.float16).copy()).reshape(256, 256)
    bf16 = torch.from_numpy(bits.view(np.int16).copy()).view(torch.bfloat16).reshape(256, 256)
    rng = np.random.default_rng(7)
    f64 = np.concatenate([rng.standard_normal(1000) * 10.0 ** rng.integers(-45, 40, 1000),
                          [0.0, -0.0, 1e-40, -1e-46, 1e-45, 3.4028235e38, 3.4028236e38, 1e39, np.inf, -np.inf,
                           np.nan, 1.0 + 2.0 ** -24, 1.0 + 3 * 2.0 ** -24, 0.1]])
    i64 = np.array([-2 ** 63, 2 ** 63 - 1, 2 ** 24 + 1, -(2 ** 53 + 1), 0, 123456789], dtype=np.int64)
    u64 = np.array([2 ** 64 - 1, 2 ** 63 + 2 ** 39 + 1, 0, 16777217], dtype=np.uint64)
    i32 = np.array([-2 ** 31, 2 ** 31 - 1, 16777217, -7], dtype=np.int32)
    u32 = np.array([2 ** 32 - 1, 16777219, 5], dtype=np.uint32)
    i16 = np.array([-32768, 32767, 0, -1], dtype=np.int16)
    u16 = np.array([65535, 0, 1], dtype=np.uint16)
    i8 = np.arange(-128, 128, dtype=np.int8)
    u8 = np.arange(256, dtype=np.uint8)
    bl = np.array([True, False, True], dtype=np.bool_)

    t = {
        "f16.all": ("F16", (256, 256), f16.numpy().tobytes()),
        "bf16.all": ("BF16", (256, 256), bf16.view(torch.int16).numpy().tobytes()),
        "f16.scalar": ("F16", (), np.array(-2.5, dtype=np.float16).tobytes()),
        "f32.empty": ("F32", (0, 3), b""),
        "f64": ("F64", (len(f64),), f64.astype("<f8").tobytes()),
        "i64": ("I64", (2, 3), i64.astype("<i8").tobytes()),
        "u64": ("U64", (4,), u64.astype("<u8").tobytes()),
        "i32": ("I32", (4,), i32.astype("<i4").tobytes()),
        "u32": ("U32", (3,), u32.astype("<u4").tobytes()),
        "i16": ("I16", (4,), i16.astype("<i2").tobytes()),
        "u16": ("U16", (3,), u16.astype("<u2").tobytes()),
        "i8": ("I8", (256,), i8.tobytes()),
        "u8": ("U8", (16, 16), u8.tobytes()),
        "bool": ("BOOL", (3,), bl.tobytes()),
    }
    want = {
        "f16.all": f16.float().numpy(),
        "bf16.all": bf16.float().numpy(),
        "f16.scalar": np.array(-2.5, dtype=np.float32),
        "f32.empty": np.zeros((0, 3), dtype=np.float32),
        "f64": torch.from_numpy(f64).float().numpy(),
        "i64": torch.from_numpy(i64).float().numpy(),
        "u64": u64.astype(np.float32),
        "i32": torch.from_numpy(i32).float().numpy(),
        "u32": u32.astype(np.float32),
        "i16": torch.from_numpy(i16).float().numpy(),
        "u16": u16.astype(np.float32),
        "i8": torch.from_numpy(i8).float().numpy(),
        "u8": torch.from_numpy(u8).float().numpy(),
        "bool": torch.from_numpy(bl).float().numpy(),
    }
    # numpy agrees with torch on every half (a second, independent reference), NaN payloads aside
    good, why = same_f32(bits.view(np.float16).astype(np.float32), want["f16.all"].ravel())
    ok(good, "numpy and torch agree on all 65536 F16 values " + why)

    with tempfile.TemporaryDirectory(prefix="tamga-st-") as d:
        src = os.path.join(d, "in.safetensors")
        out = os.path.join(d, "out.safetensors")
        # data deliberately not in name order: the reader sorts by offsets
        write_st(src, t, {"format": "pt", "source": "torch %s" % torch.__version__}, order=sorted(t, reverse=True))
        r = subprocess.run([conv, src, out, "note=tamga \"quoted\"\n"], capture_output=True, text=True)
        if not ok(r.returncode == 0, "st-convert reads every dtype and writes F32"):
            diag(r.stderr)
            return 1
        got, meta, problems = read_st_strict(out)
        ok(not problems, "writer layout matches the Python library's: " + ("; ".join(problems) or "ok"))
        ok(meta == {"format": "pt", "note": "tamga \"quoted\"\n"}, "metadata round-trips with escapes: %r" % meta)
        ok(sorted(got) == sorted(t), "all %d tensors written" % len(t))
        for name in sorted(t):
            dt, shape, raw = got[name]
            arr = np.frombuffer(raw, dtype="<f4").reshape(shape)
            good, why = same_f32(arr, want[name])
            ok(dt == "F32" and list(shape) == list(t[name][1]) and good,
               "%s (%s %s) converts to F32 like torch %s" % (name, t[name][0], tuple(t[name][1]), why))

        # a sharded folder: two shards behind model.safetensors.index.json
        sd = os.path.join(d, "sharded")
        os.mkdir(sd)
        a = np.arange(6, dtype=np.float32).reshape(2, 3)
        b = torch.tensor([1.5, -2.25], dtype=torch.bfloat16)
        write_st(os.path.join(sd, "model-00001-of-00002.safetensors"), {"a": ("F32", (2, 3), a.tobytes())}, {})
        write_st(os.path.join(sd, "model-00002-of-00002.safetensors"),
                 {"b": ("BF16", (2,), b.view(torch.int16).numpy().tobytes())}, None)
        with open(os.path.join(sd, "model.safetensors.index.json"), "w") as f:
            json.dump({"metadata": {"total_size": 28}, "weight_map": {
                "b": "model-00002-of-00002.safetensors", "a": "model-00001-of-00002.safetensors"}}, f)
        r = subprocess.run([conv, sd, out], capture_output=True, text=True)
        ok(r.returncode == 0, "st-convert opens a sharded folder " + r.stderr.strip())
        if r.returncode == 0:
            got, meta, problems = read_st_strict(out)
            ok(not problems and sorted(got) == ["a", "b"] and
               same_f32(np.frombuffer(got["a"][2], "<f4"), a.ravel())[0] and
               same_f32(np.frombuffer(got["b"][2], "<f4"), b.float().numpy())[0],
               "sharded tensors read from both files")

        # a file the reference library would reject is refused with a message naming it
        bad = os.path.join(d, "bad.safetensors")
        write_st(bad, {"w": ("F32", (768, 768), b"\0" * 100)})
        r = subprocess.run([conv, bad, out], capture_output=True, text=True)
        ok(r.returncode == 1 and "bad.safetensors: tensor 'w': data_offsets [0, 100] hold 100 bytes, shape "
           "(768, 768) F32 needs 2359296" in r.stderr, "malformed file refused: " + r.stderr.strip())

    return done()


if __name__ == "__main__":
    sys.exit(main())
