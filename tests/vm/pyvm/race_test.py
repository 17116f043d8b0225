# SPDX-License-Identifier: GPL-2.0
"""Concurrency and teardown races: two vCPUs sending commands from two
localities at once through one device (each must get its own answer),
detach while vCPUs hammer the window, detach racing VM destruction, and
VM destruction with a command in flight."""

import os
import select
import struct
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vtis import *  # noqa: E402,F401,F403

ST2_OK = bytes.fromhex("80010000000a00000000")


def emulator(efd, stop, served):
    """Answer set-locality with success and GetRandom(n) with n copies of
    the requesting locality's tag byte (taken from the command)."""
    p = select.poll()
    p.register(efd, select.POLLIN)
    while not stop.is_set():
        if not p.poll(100):
            continue
        try:
            m = os.read(efd, 4096)
        except OSError:
            continue
        if not m:
            return
        if len(m) == 11 and m[6:10] == bytes.fromhex("20001000"):
            os.write(efd, ST2_OK)
            continue
        n = struct.unpack(">H", m[10:12])[0]
        body = struct.pack(">H", n) + bytes([n]) * n
        try:
            os.write(efd, struct.pack(">HII", 0x8001, 10 + len(body), 0) +
                     body)
            served.append(n)
        except OSError:
            pass


ctl = ctl_open()

# --- two vCPUs, two localities, one device, interleaved ------------------
vm = VM(vcpus=2)
dev, name = attach(ctl, vm.fd)
efd = os.open("/dev/" + name, os.O_RDWR)
stop = threading.Event()
served = []
emu = threading.Thread(target=emulator, args=(efd, stop, served))
emu.start()
results = {}


def guest(cpu, loc, n, rounds):
    t = TIS(cpu)
    bad = []
    for _ in range(rounds):
        try:
            t.request(loc, timeout=60)
            rsp, _ = t.transmit(tpm2_getrandom(n), loc, timeout=30)
        except RuntimeError as ex:
            bad.append(str(ex))
            continue
        want = struct.pack(">HIIH", 0x8001, 12 + n, 0, n) + bytes([n]) * n
        if rsp != want:
            bad.append(rsp.hex())
    results[loc] = bad


threads = [threading.Thread(target=guest, args=(vm.cpus[0], 0, 5, 15)),
           threading.Thread(target=guest, args=(vm.cpus[1], 2, 9, 15))]
for th in threads:
    th.start()
for th in threads:
    th.join()
check("two vCPUs at localities 0 and 2: 15 commands each, no cross-talk",
      results.get(0) == [] and results.get(2) == [], results)
check("the emulator served all 30", len(served) == 30, len(served))
check("no exit to userspace for the window with two vCPUs",
      vm.mmio_exits() == 0, [c.exits for c in vm.cpus])

# --- detach while both vCPUs hammer the window ----------------------------
hammer_stop = threading.Event()
counts = [0, 0]


def hammer(i, cpu):
    t = TIS(cpu)
    while not hammer_stop.is_set():
        cpu.read8(t.reg(i, ACCESS))
        cpu.write8(t.reg(i, ACCESS), A_REQUEST)
        cpu.read32(t.reg(i, STS))
        cpu.write8(t.reg(i, ACCESS), A_ACTIVE)
        counts[i] += 1


hs = [threading.Thread(target=hammer, args=(i, c))
      for i, c in enumerate(vm.cpus)]
for th in hs:
    th.start()
time.sleep(1.0)
check("detach while two vCPUs access the window", detach(ctl, dev) == 0)
time.sleep(0.5)
hammer_stop.set()
for th in hs:
    th.join()
check("... the vCPUs kept running (accesses now exit to userspace)",
      vm.mmio_exits() > 0 and min(counts) > 0, (counts, vm.mmio_exits()))
stop.set()
emu.join()
os.close(efd)
vm.close()

# --- detach racing VM destruction, 40 times --------------------------------
leftover = 0
for i in range(40):
    vm = VM()
    dev, name = attach(ctl, vm.fd)
    efd = os.open("/dev/" + name, os.O_RDWR)
    a = threading.Thread(target=vm.close)
    b = threading.Thread(target=detach, args=(ctl, dev))
    if i % 2:
        a, b = b, a
    a.start()
    b.start()
    a.join()
    b.join()
    if os.read(efd, 4096) != b"":
        leftover += 1
    os.close(efd)
check("detach racing VM destruction (40 rounds): nothing left",
      leftover == 0 and list_ids(ctl) == (0, []), (leftover, list_ids(ctl)))

# --- VM destroyed with a command in flight at the emulator ----------------
vm = VM()
dev, name = attach(ctl, vm.fd)
efd = os.open("/dev/" + name, os.O_RDWR)
t = TIS(vm)
t.send(tpm2_getrandom(4), 0)
p = select.poll()
p.register(efd, select.POLLIN)
p.poll(5000)
os.read(efd, 4096)          # the set-locality announcement
os.write(efd, ST2_OK)
p.poll(5000)
m = os.read(efd, 4096)      # the command: the emulator is now working on it
vm.close()
check("VM destroyed mid-command: the device is gone",
      list_ids(ctl) == (0, []) and m == tpm2_getrandom(4))
try:
    os.write(efd, struct.pack(">HII", 0x8001, 10, 0))
    werr = 0
except OSError as e:
    werr = e.errno
check("... the emulator's late answer fails (ENODEV), its read sees EOF",
      werr == 19 and os.read(efd, 4096) == b"", werr)
os.close(efd)
os.close(ctl)
done()
