"""The protocol-buffer wire format written out by hand, independent of the generated module, so
tests can read and write Caffe's binary files by caffe.proto's field numbers alone."""

import struct

# caffe.proto's numbers for the fields the tests touch
NET_NAME, NET_LAYER, NET_V1_LAYERS = 1, 100, 2
LAYER_NAME, LAYER_TYPE, LAYER_BLOBS = 1, 2, 7
V1_NAME, V1_TYPE, V1_BLOBS, V1_CONVOLUTION, V1_INNER_PRODUCT = 4, 5, 6, 4, 14
BLOB_NUM, BLOB_CHANNELS, BLOB_HEIGHT, BLOB_WIDTH = 1, 2, 3, 4
BLOB_DATA, BLOB_SHAPE, BLOB_DOUBLE_DATA, SHAPE_DIM = 5, 7, 8, 1
STATE_ITER, STATE_LEARNED_NET, STATE_HISTORY, STATE_CURRENT_STEP = 1, 2, 3, 4


def varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def field(number: int, value) -> bytes:
    """An int as a varint field, bytes or str as a length-delimited one."""
    if isinstance(value, int):
        return varint(number << 3) + varint(value)
    payload = value.encode() if isinstance(value, str) else bytes(value)
    return varint(number << 3 | 2) + varint(len(payload)) + payload


def floats(values, double=False) -> bytes:
    return struct.pack(f"<{len(values)}{'d' if double else 'f'}", *values)


def blob(values, shape=None, legacy=None, double=False) -> bytes:
    """A BlobProto: N-D ``shape``, or Caffe's legacy (num, channels, height, width)."""
    out = b""
    if shape is not None:
        out += field(BLOB_SHAPE, field(SHAPE_DIM, b"".join(varint(d) for d in shape)))
    if legacy is not None:
        for number, size in zip((BLOB_NUM, BLOB_CHANNELS, BLOB_HEIGHT, BLOB_WIDTH), legacy, strict=True):
            out += field(number, size)
    return out + field(BLOB_DOUBLE_DATA if double else BLOB_DATA, floats(list(values), double))


def _read_varint(raw: bytes, at: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = raw[at]
        at += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, at


def decode(raw: bytes) -> list[tuple[int, object]]:
    """A message's fields in order: (number, int for varints, bytes otherwise)."""
    fields, at = [], 0
    while at < len(raw):
        key, at = _read_varint(raw, at)
        number, kind = key >> 3, key & 7
        if kind == 0:
            value, at = _read_varint(raw, at)
        elif kind == 2:
            size, at = _read_varint(raw, at)
            value, at = raw[at : at + size], at + size
        elif kind in (1, 5):
            width = 8 if kind == 1 else 4
            value, at = raw[at : at + width], at + width
        else:
            raise ValueError(f"wire type {kind} is not expected in Caffe's files")
        fields.append((number, value))
    return fields


def values_of(fields, number: int) -> list:
    return [value for n, value in fields if n == number]


def packed_varints(raw: bytes) -> list[int]:
    out, at = [], 0
    while at < len(raw):
        value, at = _read_varint(raw, at)
        out.append(value)
    return out


def unpack_floats(raw: bytes) -> list[float]:
    return list(struct.unpack(f"<{len(raw) // 4}f", raw))
