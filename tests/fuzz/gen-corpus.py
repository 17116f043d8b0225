#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Write the seed corpus for tests/fuzz/tis_fuzz.c.

Each seed is the access sequence Linux's tpm_tis driver performs (probe,
a TPM 2.0 and a TPM 1.2 GetRandom, locality changes, aborts), encoded in
the harness's input format (see the comment at the top of tis_fuzz.c),
plus backend events around it.  Output is deterministic.

Usage: gen-corpus.py OUTDIR
"""
import os
import struct
import sys

ACCESS, INT_ENABLE, INT_VECTOR, INT_STATUS = 0x00, 0x08, 0x0C, 0x10
INTF_CAPS, STS, FIFO, IFACE_ID, XFIFO = 0x14, 0x18, 0x24, 0x30, 0x80
DID_VID, RID = 0xF00, 0xF04
WIDTH = {1: 0, 2: 1, 4: 2, 8: 3}

CFG_TPM12, CFG_SYNC, CFG_FAIL_CANCEL, CFG_EVENTS = 1, 2, 4, 8
CFG_NO_SUBMIT, CFG_NO_OPS = 0x10, 0x20


class Seq:
    def __init__(self, cfg=CFG_EVENTS):
        self.b = bytearray([cfg])

    def _addr(self, loc, reg):
        return struct.pack("<H", (loc << 12) | reg)

    def rd(self, loc, reg, w=4):
        self.b += bytes([WIDTH[w] << 4]) + self._addr(loc, reg)
        return self

    def wr(self, loc, reg, val, w=1):
        self.b += bytes([0x08 | WIDTH[w] << 4]) + self._addr(loc, reg)
        self.b += val.to_bytes(w, "little")
        return self

    def rsp(self, data):
        """a raw answer from the backend (mode 1)"""
        self.b += bytes([2]) + struct.pack("<H", len(data)) + bytes([1])
        self.b += data
        return self

    def rsp_gen(self, length, mode):
        self.b += bytes([2]) + struct.pack("<H", length) + bytes([mode])
        return self

    def fail(self):
        self.b += bytes([3])
        return self

    def cancel_ack(self):
        self.b += bytes([4])
        return self

    def reset(self, reinit=False, tpm12=False):
        self.b += bytes([5 | (8 if reinit else 0) | (0x10 if tpm12 else 0)])
        return self

    def stray(self, data=b"\x80\x01" + bytes(14)):
        self.b += bytes([6]) + data[:16].ljust(16, b"\0")
        return self

    def owner(self, established=None, save=False, toggle_sync=False, vec=0):
        op = 7
        if established is not None:
            op |= 8 | (0x10 if established else 0)
        if save:
            op |= 0x20
        if toggle_sync:
            op |= 0x40
        self.b += bytes([op, vec])
        return self

    # --- what tpm_tis does -------------------------------------------------
    def request_locality(self, loc=0):
        self.rd(loc, ACCESS, 1)
        self.wr(loc, ACCESS, 0x02)
        return self.rd(loc, ACCESS, 1)

    def relinquish(self, loc=0):
        return self.wr(loc, ACCESS, 0x20)

    def probe(self, loc=0):
        self.rd(loc, DID_VID, 4).rd(loc, RID, 1)
        self.request_locality(loc)
        self.rd(loc, INTF_CAPS, 4).rd(loc, INT_VECTOR, 1)
        self.rd(loc, INT_ENABLE, 4).wr(loc, INT_ENABLE, 0x0000008F, 4)
        self.rd(loc, STS, 4).rd(loc, IFACE_ID, 4)
        return self.relinquish(loc)

    def send(self, cmd, loc=0, w=1):
        self.request_locality(loc)
        self.rd(loc, STS, 1)
        self.wr(loc, STS, 0x40)
        self.rd(loc, STS, 1)
        i = 0
        while i < len(cmd) - 1:
            self.rd(loc, STS, 4)     # burstCount
            n = min(w, len(cmd) - 1 - i)
            while n not in WIDTH:
                n -= 1
            self.wr(loc, FIFO, int.from_bytes(cmd[i:i + n], "little"), n)
            i += n
            self.rd(loc, STS, 1)     # stsValid, Expect
        self.wr(loc, FIFO, cmd[-1])
        self.rd(loc, STS, 1)
        return self.wr(loc, STS, 0x20)   # tpmGo

    def fill(self, data, loc=0):
        """commandReady, then the bytes as 8-byte XDATA_FIFO writes"""
        self.request_locality(loc).wr(loc, STS, 0x40)
        for i in range(0, len(data), 8):
            chunk = data[i:i + 8].ljust(8, b"\0")
            self.wr(loc, XFIFO, int.from_bytes(chunk, "little"), 8)
        self.rd(loc, STS, 4)
        return self.wr(loc, STS, 0x20)

    def recv(self, n, loc=0, w=1, reg=FIFO):
        self.rd(loc, STS, 1)     # dataAvail | stsValid
        got = 0
        while got < n:
            self.rd(loc, STS, 4)
            k = min(w, n - got)
            while k not in WIDTH:
                k -= 1
            self.rd(loc, reg, k)
            got += k
        self.rd(loc, STS, 1)     # no more data
        self.wr(loc, STS, 0x40)
        return self.relinquish(loc)


def tpm2_cmd(cc, body=b"", tag=0x8001):
    return struct.pack(">HII", tag, 10 + len(body), cc) + body


def tpm2_rsp(rc, body=b"", tag=0x8001):
    return struct.pack(">HII", tag, 10 + len(body), rc) + body


GETRANDOM2 = tpm2_cmd(0x17B, b"\x00\x08")
GETRANDOM2_RSP = tpm2_rsp(0, b"\x00\x08" + bytes(range(1, 9)))
GETCAP2 = tpm2_cmd(0x17A, struct.pack(">III", 6, 0x100, 1))
GETCAP2_RSP = tpm2_rsp(0, bytes([0]) + struct.pack(">III", 6, 1, 0x100)
                       + b"2.0\0")
GETRANDOM12 = struct.pack(">HIII", 0xC1, 14, 0x46, 8)
GETRANDOM12_RSP = struct.pack(">HII", 0xC4, 22, 0) + struct.pack(">I", 8) \
    + bytes(range(8))
SET_LOCALITY = tpm2_cmd(0x20001000, b"\x02")
TCG_PREFIX = struct.pack(">II", 8, 0) + GETRANDOM2


def seeds():
    s = {}
    s["probe-tpm2"] = Seq().probe()
    s["probe-tpm12"] = Seq(CFG_EVENTS | CFG_TPM12).probe()
    q = Seq().probe().send(GETCAP2).rsp(GETCAP2_RSP).recv(len(GETCAP2_RSP))
    s["tpm2-probe-getcap"] = q
    s["getrandom-tpm2"] = Seq().send(GETRANDOM2).rsp(GETRANDOM2_RSP) \
        .recv(len(GETRANDOM2_RSP))
    s["getrandom-tpm2-burst4"] = Seq().send(GETRANDOM2, w=4) \
        .rsp(GETRANDOM2_RSP).recv(len(GETRANDOM2_RSP), w=4)
    s["getrandom-tpm2-xfifo8"] = Seq().send(GETRANDOM2, w=8) \
        .rsp(GETRANDOM2_RSP).recv(len(GETRANDOM2_RSP), w=8, reg=XFIFO)
    s["getrandom-tpm12"] = Seq(CFG_EVENTS | CFG_TPM12).probe() \
        .send(GETRANDOM12).rsp(GETRANDOM12_RSP).recv(len(GETRANDOM12_RSP))
    s["getrandom-tpm2-loc2"] = Seq().send(GETRANDOM2, loc=2) \
        .rsp(GETRANDOM2_RSP).recv(len(GETRANDOM2_RSP), loc=2)
    s["sync-backend"] = Seq(CFG_EVENTS | CFG_SYNC).send(GETRANDOM2) \
        .recv(12)
    s["abort-cancel-ack"] = Seq().send(GETRANDOM2).wr(0, STS, 0x40) \
        .cancel_ack().rd(0, STS, 4).send(GETRANDOM2).rsp(GETRANDOM2_RSP) \
        .recv(len(GETRANDOM2_RSP))
    s["command-cancel-tpm2"] = Seq().send(GETRANDOM2) \
        .wr(0, STS, 0x01000000, 4).cancel_ack().recv(10)
    s["cancel-fails-at-once"] = Seq(CFG_EVENTS | CFG_FAIL_CANCEL) \
        .send(GETRANDOM2).wr(0, STS, 0x40).rd(0, STS, 4)
    s["backend-failure"] = Seq().send(GETRANDOM2).fail().recv(10)
    s["response-too-big"] = Seq().send(GETRANDOM2).rsp_gen(5000, 0) \
        .recv(10)
    s["response-size-mismatch"] = Seq().send(GETRANDOM2).rsp_gen(30, 3 | 8) \
        .recv(10)
    s["response-echo"] = Seq().send(GETRANDOM2).rsp_gen(0, 2) \
        .recv(len(GETRANDOM2))
    s["response-max"] = Seq().send(GETRANDOM2).rsp_gen(4096, 0) \
        .recv(64, w=8, reg=XFIFO)
    s["set-locality-refused"] = Seq().send(SET_LOCALITY).recv(10)
    s["tcg-prefix-refused"] = Seq().send(TCG_PREFIX).recv(10)
    s["seize-during-execution"] = Seq().send(GETRANDOM2) \
        .wr(3, ACCESS, 0x08).rd(3, ACCESS, 1).rsp(GETRANDOM2_RSP) \
        .rd(0, ACCESS, 1).rd(3, STS, 4)
    s["relinquish-to-pending"] = Seq().request_locality(0) \
        .request_locality(2).relinquish(0).rd(2, ACCESS, 1) \
        .send(GETRANDOM2, loc=2).rsp(GETRANDOM2_RSP).recv(12, loc=2)
    s["reset-mid-command"] = Seq().send(GETRANDOM2).reset() \
        .rsp(GETRANDOM2_RSP).stray().probe()
    s["reinit-tpm12"] = Seq().send(GETRANDOM2).reset(True, True) \
        .send(GETRANDOM12).rsp(GETRANDOM12_RSP).recv(22)
    s["owner-state-save"] = Seq().owner(True, vec=5).send(GETRANDOM2) \
        .owner(save=True).rsp(GETRANDOM2_RSP).owner(save=True) \
        .recv(len(GETRANDOM2_RSP))
    s["interrupts"] = Seq().request_locality(0) \
        .wr(0, INT_ENABLE, 0x8000008F, 4).send(GETRANDOM2) \
        .rsp(GETRANDOM2_RSP).rd(0, INT_STATUS, 4) \
        .wr(0, INT_STATUS, 0x87, 4).recv(len(GETRANDOM2_RSP))
    s["tcg-prefix-full-buffer"] = Seq().fill(TCG_PREFIX.ljust(4096, b"\0")) \
        .recv(10)
    s["overflow-full-buffer"] = Seq().fill(
        tpm2_cmd(0x17B).ljust(4104, b"\1")).recv(10)
    s["no-backend"] = Seq(CFG_EVENTS | CFG_NO_SUBMIT).send(GETRANDOM2) \
        .recv(10)
    s["no-ops"] = Seq(CFG_NO_OPS).send(GETRANDOM2).recv(10)
    s["reset-establishment-loc3"] = Seq().owner(True) \
        .request_locality(3).wr(3, STS, 0x02000000, 4).rd(3, ACCESS, 1)
    s["withdraw-during-deferral"] = Seq().send(GETRANDOM2) \
        .wr(2, ACCESS, 0x02).relinquish(0).relinquish(2) \
        .cancel_ack().rd(0, ACCESS, 1)
    s["locality4-and-outside"] = Seq().rd(4, STS, 8).wr(4, ACCESS, 2) \
        .rd(0, 0xFFE, 4).rd(0xF, 0x000, 4)
    return s


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: gen-corpus.py OUTDIR")
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for name, seq in sorted(seeds().items()):
        with open(os.path.join(out, name), "wb") as f:
            f.write(bytes(seq.b))


if __name__ == "__main__":
    main()
