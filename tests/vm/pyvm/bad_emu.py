# SPDX-License-Identifier: GPL-2.0
"""A misbehaving emulator for /dev/vtis-emuN: refuses the first locality
announcement, then answers the guest's commands in turn with a response
whose size field is wrong, a 3-byte write (refused) and then silence
(the command times out), a correct response, and a 4097-byte write
(refused) followed by a correct response.  Exits when the device goes away
(end of file) or after a bound.  Prints what it did on stdout.

Usage: bad_emu.py /dev/vtis-emuN [SECONDS]
"""

import errno
import os
import select
import struct
import sys
import time

SET_LOCALITY = 0x20001000
OK = struct.pack(">HII", 0x8001, 10, 0)


def write(fd, data, counts, what):
    try:
        os.write(fd, data)
        counts[what] = counts.get(what, 0) + 1
    except OSError as e:
        if e.errno != errno.EIO:
            raise
        counts[what + "_eio"] = counts.get(what + "_eio", 0) + 1


def main():
    fd = os.open(sys.argv[1], os.O_RDWR)
    end = time.monotonic() + (float(sys.argv[2]) if len(sys.argv) > 2 else 120)
    counts = {}
    commands = 0
    announces = 0
    while time.monotonic() < end:
        ready, _, _ = select.select([fd], [], [], 0.5)
        if not ready:
            continue
        try:
            msg = os.read(fd, 4096)
        except OSError as e:
            if e.errno in (errno.EAGAIN, errno.EIO):
                continue
            raise
        if not msg:
            break
        ordinal = struct.unpack(">I", msg[6:10])[0] if len(msg) >= 10 else 0
        if ordinal == SET_LOCALITY and len(msg) == 11:
            announces += 1
            rc = 0x101 if announces == 1 else 0
            write(fd, struct.pack(">HII", 0x8001, 10, rc), counts,
                  "refuse_locality" if rc else "accept_locality")
            continue
        mode = commands % 4
        commands += 1
        if mode == 0:
            write(fd, struct.pack(">HII", 0x8001, 12, 0), counts, "size_field")
        elif mode == 1:
            write(fd, b"\x80\x01\x00", counts, "short")
        elif mode == 2:
            write(fd, OK, counts, "good")
        else:
            write(fd, bytes(4097), counts, "long")
            write(fd, OK, counts, "good_after_long")
    os.close(fd)
    print("bad_emu: %d commands, %d locality announcements, %s" %
          (commands, announces, " ".join("%s=%d" % kv for kv in sorted(counts.items()))))


if __name__ == "__main__":
    main()
