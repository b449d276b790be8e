#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Extracts the uncompressed ELF vmlinux from an x86 bzImage.

qemu boots an ELF vmlinux through its PVH entry point directly, which skips
the in-guest decompression: under TCG that saves about 3 s per boot.  The
kernel's own scripts/extract-vmlinux is not on this machine, so: find the
compressed payload by its magic, decompress it, and keep the result only if
it is an ELF image with a PVH note (qemu refuses an ELF without one).

usage: extract-vmlinux.py BZIMAGE OUT
"""
import gzip
import lzma
import struct
import sys
import zlib

XZ_MAGIC = b"\xfd7zXZ\x00"
GZ_MAGIC = b"\x1f\x8b\x08"
XEN_ELFNOTE_PHYS32_ENTRY = 18


def try_xz(blob, off):
    # The payload is followed by other setup data: decompress one stream and
    # ignore what follows it.
    d = lzma.LZMADecompressor(format=lzma.FORMAT_XZ)
    return d.decompress(blob[off:])


def try_gz(blob, off):
    d = zlib.decompressobj(16 + zlib.MAX_WBITS)
    return d.decompress(blob[off:])


def has_pvh_note(elf):
    """True if an ELF64 PT_NOTE segment holds the Xen PHYS32_ENTRY note."""
    if elf[:4] != b"\x7fELF" or elf[4] != 2:
        return False
    phoff, = struct.unpack_from("<Q", elf, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", elf, 0x36)
    for i in range(phnum):
        p = phoff + i * phentsize
        ptype, = struct.unpack_from("<I", elf, p)
        if ptype != 4:  # PT_NOTE
            continue
        off, = struct.unpack_from("<Q", elf, p + 8)
        size, = struct.unpack_from("<Q", elf, p + 32)
        q, end = off, off + size
        while q + 12 <= end:
            namesz, descsz, ntype = struct.unpack_from("<III", elf, q)
            name = elf[q + 12:q + 12 + namesz].rstrip(b"\0")
            if name == b"Xen" and ntype == XEN_ELFNOTE_PHYS32_ENTRY:
                return True
            q += 12 + ((namesz + 3) & ~3) + ((descsz + 3) & ~3)
    return False


def main():
    if len(sys.argv) != 3:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    blob = open(sys.argv[1], "rb").read()
    for magic, fn in ((XZ_MAGIC, try_xz), (GZ_MAGIC, try_gz)):
        off = blob.find(magic)
        while off >= 0:
            try:
                out = fn(blob, off)
            except (lzma.LZMAError, zlib.error, gzip.BadGzipFile, EOFError):
                out = b""
            if out[:4] == b"\x7fELF":
                if not has_pvh_note(out):
                    print("extract-vmlinux: ELF has no PVH note; boot the bzImage",
                          file=sys.stderr)
                    return 1
                with open(sys.argv[2], "wb") as f:
                    f.write(out)
                return 0
            off = blob.find(magic, off + 1)
    print("extract-vmlinux: no xz/gzip ELF payload in %s" % sys.argv[1], file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
