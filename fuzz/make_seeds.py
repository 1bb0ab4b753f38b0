#!/usr/bin/env python3
"""Writes the seed corpora of the byte-coded fuzz targets (fuzz/corpus/{object,dispatcher,formats}).

The byte codes are those of fuzz_object.c, fuzz_dispatcher.c, fuzz_formats.c and fuzz_common.h.
Run from the repository root: python3 fuzz/make_seeds.py (the output is committed).
"""
import os

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")

# fuzz_common.h tables
TYPES = ["sint8", "uint8", "sint16", "uint16", "sint32", "uint32", "sint64", "uint64", "real32",
         "real64", "boolean", "string", "datetime", "reference", "char16", "object", "empty"]
T = {n: i for i, n in enumerate(TYPES)}
CLASSES = ["Ev", "SubEv", "Base", "Other", "Deep", "ev", "__Bad", "9x", ""]
PROPS = ["Name", "Severity", "Target", "Tags", "When", "Big", "Extra", "__CLASS", "__GENUS",
         "TIME_CREATED", "SECURITY_DESCRIPTOR", "Nope", "_bad", "name", ""]
P = {n: i for i, n in enumerate(PROPS)}
C = {n: i for i, n in enumerate(CLASSES)}


def s(text):
    b = text.encode("utf-8", "surrogateescape") if isinstance(text, str) else text
    return bytes([len(b)]) + b


def value(tname, *, array=None, null=False, num=0, nbytes=0, neg=False, text=None, strings=None, dt=None):
    """fz_value: type byte, mode byte, [count], then per element the number and its payload."""
    t = T[tname] | (0x80 if array is not None else 0)
    if null:
        return bytes([t, 0])
    mode = 1 | (nbytes << 3) | (0x80 if neg else 0)
    out = bytes([t, mode])
    count = 1 if array is None else array
    if array is not None:
        out += bytes([count])
    for i in range(count):
        out += num.to_bytes(nbytes, "big") if nbytes else b""
        if tname in ("string", "reference"):
            out += s(strings[i] if strings else text)
        if tname == "datetime":
            out += dt
    return out


def dt_timestamp(year, month, day, offset, h, m, sec, us):
    return (bytes([0]) + year.to_bytes(2, "big") + bytes([month, day]) + (offset + 1000).to_bytes(2, "big")
            + bytes([h, m, sec]) + us.to_bytes(3, "big"))


def write(kind, name, data):
    os.makedirs(os.path.join(ROOT, kind), exist_ok=True)
    with open(os.path.join(ROOT, kind, name), "wb") as f:
        f.write(data)


# ---- fuzz_object: op, slot, args
def o_spawn(slot, cls):
    return bytes([2, slot, C[cls]])


def o_put(slot, prop, val, frozen_null=False):
    return bytes([3, slot, P[prop]]) + val


def o_clone(slot, src):
    return bytes([7, slot, src])


spawn_put = (o_spawn(0, "Ev") + o_put(0, "Name", value("string", text="hello"))
             + o_put(0, "Big", value("uint64", num=2**64 - 1, nbytes=8))
             + o_put(0, "Tags", value("string", array=3, strings=["a", "b" * 40, "c"]))
             + o_put(0, "When", value("datetime", dt=dt_timestamp(2024, 3, 15, 60, 12, 30, 45, 123456))))
write("object", "spawn-put", spawn_put)
write("object", "clone-freeze", spawn_put + o_clone(1, 0) + bytes([8, 1]) + o_put(1, "Name", value("string", text="x"))
      + bytes([10, 0, 10, 1, 9, 0, 9, 1]))
write("object", "embedded", o_spawn(0, "Base") + o_put(0, "Name", value("string", text="base" * 10))
      + o_spawn(1, "Ev") + bytes([3, 1, P["Target"]]) + value("object", num=0, nbytes=1) + bytes([5, 1]))
write("object", "define-class", bytes([0, 0, 3, 3, 3, P["Name"], 0, 0, P["Severity"], 1, 0, P["Target"], 2, 2])
      + bytes([2, 0, C["Other"]]) + o_put(0, "Severity", value("sint32", num=7, nbytes=1)) + bytes([1, 0, 3]))
write("object", "bad-values", o_spawn(0, "Ev") + o_put(0, "Name", value("string", text=b"\xc3\x28 bad"))
      + o_put(0, "Name", value("sint32", num=1, nbytes=1)) + o_put(0, "__CLASS", value("string", text="x"))
      + o_put(0, "Nope", value("string", null=True)) + o_put(0, "Tags", value("string", array=0)))
write("object", "class-defaults", bytes([0x83, 0, C["Base"], P["Name"]]) + value("string", text="default" * 5)
      + o_spawn(0, "Base") + bytes([11, 0, C["Base"]]) + bytes([6, 0, P["Name"]]) + value("string", text="h"))

# ---- fuzz_dispatcher: config, then op, arg, extra
cfg_record = bytes([1])
reg0 = bytes([0, 0])
sub = lambda cons, q, flags=0: bytes([2 | flags, cons, q])
ind = lambda prov, n, *objs: bytes([4, prov, n - 1]) + b"".join(objs)
ev = lambda cls_idx, name, sev: bytes([cls_idx]) + s(name) + bytes([sev])
write("dispatcher", "basic", cfg_record + reg0 + sub(0, 0) + ind(0, 1, ev(0, "a", 3)) + bytes([3, 0]))
write("dispatcher", "queued", cfg_record + reg0 + sub(1, 0, 0x80) + sub(2, 2) + ind(0, 2, ev(0, "abc", 1), ev(1, "b", 4))
      + bytes([3, 1, 3, 2]))
write("dispatcher", "strict-violations", bytes([2]) + reg0 + sub(0, 0) + ind(0, 1, ev(0, "x", 1))
      + ind(0, 2, bytes([0x80]), bytes([0x40])) + bytes([6, 0, 1]) + ind(0, 1, ev(0, "y", 2)))
write("dispatcher", "late-register", cfg_record + sub(0, 0) + sub(1, 1) + reg0 + bytes([0, 1, 0, 2])
      + ind(1, 1, ev(1, "s", 4)) + bytes([1, 0]) + ind(0, 1, ev(0, "z", 0)))
write("dispatcher", "consumer-fails", cfg_record + reg0 + sub(0, 0) + bytes([7, 0, 0]) + ind(0, 1, ev(0, "a", 1))
      + ind(0, 1, ev(0, "b", 1)))
write("dispatcher", "shutdown", cfg_record + reg0 + sub(0, 0) + sub(1, 3, 0x40) + bytes([0xf8, 0]) + sub(2, 0) + ind(0, 1, ev(0, "q", 1)))
write("dispatcher", "denied", cfg_record + bytes([0x80, 0]) + sub(0, 0) + bytes([0x40, 2]) + sub(1, 4) + bytes([0x20, 0]))

# ---- fuzz_formats: mode byte (even: datetime text, odd: values)
for i, t in enumerate(["20240315123045.123456+060", "00000001020304.000005:000", "19991231235960.999999-000",
                       "16010101000000.000000+000", "99991231235959.999999-999", "20240230000000.000000+000",
                       "2024031512304.1234567+060"]):
    write("formats", "datetime-%d" % i, b"\x00" + t.encode())
vals = [
    bytes([11]) + value("string", text="quote\" back\\ tab\t nl\n \u2028 \u65e5"),
    bytes([9]) + value("real64", num=0x7ff8000000000001, nbytes=8),
    bytes([30]) + value("char16", array=3, num=0xd7ff, nbytes=2),
    bytes([6]) + value("sint64", num=2**63, nbytes=8, neg=True),
    bytes([27]) + value("string", array=2, strings=["x", "\u00e9\u00e8"]),
    bytes([12]) + value("datetime", dt=dt_timestamp(2024, 2, 29, -300, 1, 2, 3, 4)),
    bytes([15]) + b"\x00" + value("object", num=0, nbytes=1),
]
write("formats", "values-all", b"\x01" + b"\x00" + b"".join(vals) + b"\x01" + s("json"))
write("formats", "values-nested", b"\x01" + b"\x00" + bytes([15, 0x00]) + vals[0] + value("object", num=0, nbytes=1) + b"\x00" + s("sint32"))
write("formats", "values-names", b"\x03" + b"\x00" + vals[1] + b"\x00" + s("reference"))
