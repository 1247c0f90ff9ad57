"""8-bit RGB PNG files without an imaging library, for the Python tests.

The tests make and read small images (crops of the Kodak files, test
patterns) with only numpy and zlib, which GNU Radio's Python already has.
Import it after putting this folder on sys.path (see the tests that use it).
"""

import struct
import zlib

import numpy as np

_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else b if pb <= pc else c


def read_png_rgb(path, rows=None):
    """The first `rows` rows (all by default) of a non-interlaced 8-bit RGB
    PNG (as the Kodak files are) as uint8 [rows, width, 3]."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != _SIGNATURE:
        raise ValueError(f"{path}: not a PNG file")
    pos, idat, size = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", body)
            if (depth, color, interlace) != (8, 2, 0):
                raise ValueError(f"{path}: not a non-interlaced 8-bit RGB PNG")
            size = (width, height)
        elif kind == b"IDAT":
            idat += body
    if size is None:
        raise ValueError(f"{path}: no IHDR chunk")
    width, height = size
    rows = height if rows is None else rows
    raw, stride, bpp = zlib.decompress(idat), 3 * width, 3
    out, prev = [], bytearray(stride)
    for y in range(rows):
        kind = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):  # undo the row's filter (PNG spec, section 9)
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            line[i] = (line[i] + (0, a, b, (a + b) // 2, _paeth(a, b, c))[kind]) & 255
        out.append(bytes(line))
        prev = line
    return np.frombuffer(b"".join(out), dtype=np.uint8).reshape(rows, width, 3)


def write_png_rgb(path, image):
    """uint8 [height, width, 3] -> an 8-bit RGB PNG (rows unfiltered)."""
    image = np.ascontiguousarray(image, dtype=np.uint8)
    height, width, _ = image.shape

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    raw = b"".join(b"\x00" + image[y].tobytes() for y in range(height))
    with open(path, "wb") as f:
        f.write(_SIGNATURE + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def crop_png(source, path, top, left, height, width):
    """Writes the height x width crop of `source` at (top, left) to `path`."""
    image = read_png_rgb(source, rows=top + height)
    write_png_rgb(path, image[top:top + height, left:left + width])


def grey_ramp(height, width):
    """A test pattern: grey from black (left) to white (right)."""
    row = (np.arange(width) * 255 // max(width - 1, 1)).astype(np.uint8)
    return np.repeat(np.broadcast_to(row[None, :, None], (height, width, 1)), 3, axis=2)
