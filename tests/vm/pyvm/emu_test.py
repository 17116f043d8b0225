# SPDX-License-Identifier: GPL-2.0
"""The emulator backend, byte by byte: this script plays the guest (through
a real vCPU whose every TIS access the kernel handles) and, in turn, the
emulator on /dev/vtis-emu<N>; then unmodified swtpm serves the device."""

import ctypes
import errno
import os
import select
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vtis import *  # noqa: E402,F401,F403


ctl = ctl_open()
vm = VM()
dev_id, name = attach(ctl, vm.fd)
node = "/dev/" + name
t = TIS(vm)
cmd = tpm2_getrandom(8)
answer = rsp2(struct.pack(">H", 8) + bytes(range(1, 9)))

# A: no emulator: a failure response, at once.
start = time.time()
rsp, _ = t.transmit(cmd, timeout=5)
check("no emulator: the guest reads a TPM2 failure response",
      is_failure(rsp) and rsp[:2] == b"\x80\x01", rsp.hex())
check("... without waiting for any timeout", time.time() - start < 5)
inf = info(ctl, dev_id)[1]
check("info counts the command and the error",
      inf["commands"] == 1 and inf["errors"] == 1, inf)

# B: first command: the locality is announced, then the command, whole.
efd = os.open(node, os.O_RDWR)
t.send(cmd, 0)
m1 = emu_read(efd)
check("the first message is TPM_ORD_SET_LOCALITY for locality 0",
      m1 == set_loc(0), m1 and m1.hex())
check("writing the set-locality reply succeeds",
      os.write(efd, ST2_OK) == 10)
m2 = emu_read(efd)
check("then the guest's command arrives whole", m2 == cmd, m2 and m2.hex())
p = select.poll()
p.register(efd, select.POLLIN | select.POLLOUT)
ev = p.poll(0)
check("poll reports POLLOUT while a response is expected",
      ev and ev[0][1] & select.POLLOUT and not ev[0][1] & select.POLLIN, ev)
inf = info(ctl, dev_id)[1]
check("info: emulator connected, command in flight",
      inf["state"] == STATE_EMU_CONNECTED | STATE_CMD_IN_FLIGHT, inf)
check("the response is accepted", os.write(efd, answer) == len(answer))
rsp = t.recv(0, timeout=5)
check("the guest reads exactly the emulator's response", rsp == answer,
      rsp.hex())
inf = info(ctl, dev_id)[1]
check("info counts bytes both ways",
      inf["bytes_to_tpm"] == len(cmd) * 2 and
      inf["bytes_from_tpm"] == len(answer) and inf["responses"] == 1, inf)

# C: same locality again: no announcement.
t.send(cmd, 0)
m = emu_read(efd)
check("same locality again: the command comes without announcement",
      m == cmd, m and m.hex())
os.write(efd, answer)
check("... and is answered", t.recv(0, timeout=5) == answer)

# D: another locality is announced first.
t.send(cmd, 3)
m = emu_read(efd)
check("locality 3: announced first", m == set_loc(3), m and m.hex())
os.write(efd, ST2_OK)
m = emu_read(efd)
check("... then the command", m == cmd)
os.write(efd, answer)
check("... answered at locality 3", t.recv(3, timeout=5) == answer)

# E: a read buffer smaller than the command: EIO, the command stays.
t.send(cmd, 3)
e = errno_of(os.read, efd, 5)
check("read with a buffer smaller than the command: EIO", e == errno.EIO,
      err_name(e))
m = emu_read(efd)
check("... and the command is still there for a proper read", m == cmd)
os.write(efd, answer)
t.recv(3, timeout=5)

# E2: a read into a bad buffer: EFAULT, and the command is offered again.
libc = ctypes.CDLL(None, use_errno=True)
t.send(cmd, 3)
select.select([efd], [], [], 5)
r = libc.read(efd, ctypes.c_void_p(8), 4096)
e = ctypes.get_errno()
check("read into an unmapped buffer: EFAULT", r == -1 and e == errno.EFAULT,
      (r, err_name(e)))
m = emu_read(efd)
check("... and the command is offered again", m == cmd, m and m.hex())
os.write(efd, answer)
check("... and answered", t.recv(3, timeout=5) == answer)

# F: the emulator closes mid-command; a new one gets the locality again.
t.send(cmd, 3)
emu_read(efd)
os.close(efd)
rsp = t.recv(3, timeout=5)
check("emulator closed mid-command: the guest reads a failure response",
      is_failure(rsp), rsp.hex())
efd = os.open(node, os.O_RDWR)
t.send(cmd, 3)
m = emu_read(efd)
check("a reopened emulator is told the locality again", m == set_loc(3),
      m and m.hex())
os.write(efd, ST2_OK)
emu_read(efd)
os.write(efd, answer)
check("... and serves the command", t.recv(3, timeout=5) == answer)

# G: the emulator does not answer: timeout, a late answer gets EIO.
old = param("emu_timeout_ms")
param("emu_timeout_ms", 300)
t.send(cmd, 3)
emu_read(efd)
start = time.time()
rsp = t.recv(3, timeout=10)
took = time.time() - start
check("a silent emulator: failure response after the timeout",
      is_failure(rsp) and took >= 0.2, "%s after %.2fs" % (rsp.hex(), took))
e = errno_of(os.write, efd, answer)
check("the late response: EIO", e == errno.EIO, err_name(e))
param("emu_timeout_ms", old)

# H: a malformed response: the guest gets a failure, counted as error.
errors = info(ctl, dev_id)[1]["errors"]
t.send(cmd, 3)
emu_read(efd)
bad = struct.pack(">HII", 0x8001, 12, 0)
check("a response whose size field lies is taken by write()",
      os.write(efd, bad) == 10)
rsp = t.recv(3, timeout=5)
check("... and the guest reads a failure response instead", is_failure(rsp),
      rsp.hex())
check("... counted as an error",
      info(ctl, dev_id)[1]["errors"] == errors + 1)

# I: the emulator refuses the locality: the command fails, no hang.
t.send(cmd, 1)
m = emu_read(efd)
os.write(efd, struct.pack(">HII", 0x8001, 10, 0x101))
rsp = t.recv(1, timeout=5)
check("a refused set-locality fails the guest's command", is_failure(rsp)
      and m == set_loc(1), rsp.hex())
check("... and the emulator never saw the command",
      emu_read(efd, timeout=0.2) is None)

# J: the guest aborts a queued command (commandReady during execution).
t.send(cmd, 0)
vm.write8(t.reg(0, STS), S_READY)
time.sleep(0.3)
m = emu_read(efd, timeout=0.5)
# Either the announcement was already queued and then dropped, or nothing.
check("an aborted, unread command is dropped", m is None, m and m.hex())
s = t.wait_sts(0, S_READY, 5)
check("... and the locality is ready again", s & S_READY, hex(s))
t.release(0)
t.send(cmd, 0)
m = emu_read(efd)
if m == set_loc(0):
    os.write(efd, ST2_OK)
    m = emu_read(efd)
check("the next command goes through after the abort", m == cmd)
os.write(efd, answer)
check("... and is answered", t.recv(0, timeout=5) == answer)

# K: the guest cannot send the set-locality command or the TCG prefix.
for what, c in (("TPM_ORD_SET_LOCALITY", set_loc(0)),
                ("a TCG-prefixed command",
                 bytes.fromhex("00000008") + struct.pack(">I", 14) + cmd[:6])):
    try:
        rsp, _ = t.transmit(c, 0, timeout=5)
    except RuntimeError as ex:
        rsp = str(ex).encode()
    seen = emu_read(efd, timeout=0.2)
    check("a guest's %s never reaches the emulator" % what, seen is None,
          seen and seen.hex())

# M: the wait after GO.  A blocked reader gets the command; with a long
# go_wait_us the vCPU's first STS read after GO already finds dataAvail.
got = []


def blocking_emulator(replies):
    for _ in range(replies):
        m = os.read(efd, 4096)
        got.append(m)
        if len(m) == 11:
            os.write(efd, ST2_OK)
        else:
            os.write(efd, answer)


old_wait = param("go_wait_us")
param("go_wait_us", 100000)
th = threading.Thread(target=blocking_emulator, args=(1,))
th.start()
time.sleep(0.2)
first = t.send(cmd, 0)
rsp = t.recv(0, timeout=5)
th.join()
check("a blocked read() returns the command when the guest sends it",
      got == [cmd] and rsp == answer, got)
check("go_wait_us=100000: dataAvail at the first STS read after GO",
      first & S_AVAIL, hex(first))
th = threading.Thread(target=blocking_emulator, args=(0,))
start = time.time()
first = t.send(cmd, 0)
took = time.time() - start
check("... and a silent emulator holds the GO write about that long",
      0.09 <= took < 5 and not first & S_AVAIL, "%.3fs" % took)
os.read(efd, 4096)
os.write(efd, answer)
t.recv(0, timeout=5)
param("go_wait_us", 0)
start = time.time()
t.send(cmd, 0)
took0 = time.time() - start
check("go_wait_us=0: no wait after GO", took0 < took - 0.05,
      "%.3fs vs %.3fs" % (took0, took))
os.read(efd, 4096)
os.write(efd, answer)
t.recv(0, timeout=5)
param("go_wait_us", old_wait)

# L: detach mid-command: the emulator sees POLLHUP and EOF, and a reader
# blocked in read() is woken with EOF.
t.send(cmd, 0)
emu_read(efd)
blocked = []
th = threading.Thread(target=lambda: blocked.append(os.read(efd, 4096)))
th.start()
time.sleep(0.2)
check("detach mid-command", detach(ctl, dev_id) == 0)
th.join(5)
check("... a reader blocked in read() gets EOF", blocked == [b""], blocked)
p = select.poll()
p.register(efd, select.POLLIN)
ev = p.poll(1000)
check("... the emulator gets POLLHUP", ev and ev[0][1] & select.POLLHUP, ev)
check("... and EOF", os.read(efd, 4096) == b"")
os.close(efd)
check("no exit to userspace for the TIS window in all of this",
      vm.mmio_exits() == 0, vm.exits)
vm.close()

# --- unmodified swtpm -------------------------------------------------------


def swtpm_start(node, state, tpm2=True):
    args = ["swtpm", "chardev", "--chardev", node, "--tpmstate",
            "dir=" + state, "--locality", "allow-set-locality", "--flags",
            "not-need-init,startup-clear"]
    if tpm2:
        args.append("--tpm2")
    return subprocess.Popen(args, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)


def wait_connected(dev, timeout=60.0):
    end = time.time() + timeout
    while not info(ctl, dev)[1]["state"] & STATE_EMU_CONNECTED:
        if time.time() > end:
            return False
        time.sleep(0.1)
    return True


def swtpm_run(tpm2):
    fam = "TPM 2.0" if tpm2 else "TPM 1.2"
    state = tempfile.mkdtemp()
    vm = VM()
    dev, name = attach(ctl, vm.fd, family=TPM_2_0 if tpm2 else TPM_1_2)
    t = TIS(vm)
    sw = swtpm_start("/dev/" + name, state, tpm2)
    check("swtpm (%s) opens the node" % fam, wait_connected(dev), sw.args)
    gr = tpm2_getrandom if tpm2 else tpm12_getrandom
    firsts = []
    ok = True
    for loc in (0, 2, 0, 3 if tpm2 else 1):
        try:
            rsp, first = t.transmit(gr(16), loc, timeout=30)
        except RuntimeError as ex:
            rsp, first = str(ex).encode(), 0
        firsts.append(first & S_AVAIL != 0)
        size = 10 + (2 if tpm2 else 4) + 16
        if len(rsp) != size or rc_of(rsp) != 0:
            ok = False
            print("#   locality %d: %s" % (loc, rsp.hex()))
    check("swtpm (%s) answers GetRandom from localities 0, 2 and %d" %
          (fam, 3 if tpm2 else 1), ok)
    print("# %s: dataAvail at the first STS read after GO: %d of %d" %
          (fam, sum(firsts), len(firsts)))
    if tpm2:
        sw.send_signal(signal.SIGKILL)
        sw.wait()
        rsp, _ = t.transmit(gr(16), 0, timeout=30)
        check("swtpm killed: the guest reads a failure response",
              is_failure(rsp), rsp.hex())
        sw = swtpm_start("/dev/" + name, state, tpm2)
        wait_connected(dev)
        rsp, _ = t.transmit(gr(16), 0, timeout=30)
        check("a restarted swtpm (same state) serves the next command",
              len(rsp) == 28 and rc_of(rsp) == 0, rsp.hex())
    detach(ctl, dev)
    try:
        sw.wait(timeout=10)
        exited = True
    except subprocess.TimeoutExpired:
        sw.kill()
        sw.wait()
        exited = False
    check("swtpm (%s) exits on its own after detach" % fam, exited)
    check("no exit to userspace for the TIS window with swtpm (%s)" % fam,
          vm.mmio_exits() == 0, vm.exits)
    vm.close()
    shutil.rmtree(state, ignore_errors=True)


swtpm_run(True)
swtpm_run(False)
os.close(ctl)
done()
