# SPDX-License-Identifier: GPL-2.0
"""The /dev/kvm-vtis ABI and the device lifetime, against the real module:
attach arguments and their errnos, info and list, the emulator node, the
emulator fd after detach, detach by VM destruction, rmmod refusal."""

import errno
import os
import select
import stat
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vtis import *  # noqa: E402,F401,F403
import vtis  # noqa: E402


def loaded():
    with open("/proc/modules") as f:
        return any(line.startswith("kvm_vtis ") for line in f)


ctl = ctl_open()
vm = VM()

# --- bad arguments, each with its documented errno ----------------------
devnull = os.open("/dev/null", os.O_RDWR)
cases = [
    ("size below the first version", dict(size=8), errno.EINVAL),
    ("size above one page", dict(size=8192), errno.EINVAL),
    ("unknown flag", dict(flags=1), errno.EINVAL),
    ("reserved0 set", dict(reserved0=1), errno.EINVAL),
    ("unknown family", dict(family=3), errno.EINVAL),
    ("backend 0", dict(backend=0), errno.EINVAL),
    ("unknown backend", dict(backend=9), errno.EINVAL),
    ("host TPM backend, no such chip",
     dict(backend=BACKEND_HOST_TPM, tpm_index=99), errno.ENXIO),
    ("tpm_index with the emulator", dict(tpm_index=1), errno.EINVAL),
    ("misaligned base", dict(base=DEFAULT_BASE + 4), errno.EINVAL),
    ("wrapping base", dict(base=0xFFFFFFFFFFFFF000), errno.EINVAL),
    ("base beyond 52 bits", dict(base=1 << 52), errno.EINVAL),
    ("non-zero bytes past the known struct",
     dict(size=80, tail=b"\0" * 7 + b"\1"), errno.E2BIG),
]
for what, kw, want in cases:
    err, _, _ = attach_raw(ctl, vm.fd, **kw)
    check("attach with %s: %s" % (what, err_name(want)), err == want,
          "got %s" % err_name(err))
err, _, _ = attach_raw(ctl, 1000)
check("attach with a closed vm_fd: EBADF", err == errno.EBADF, err_name(err))
err, _, _ = attach_raw(ctl, devnull)
check("attach with /dev/null as vm_fd: EINVAL", err == errno.EINVAL,
      err_name(err))
err, _, _ = attach_raw(ctl, vm.kvm)
check("attach with the /dev/kvm fd as vm_fd: EINVAL", err == errno.EINVAL,
      err_name(err))
check("no device exists after the failed attaches",
      list_ids(ctl)[0] == 0, list_ids(ctl))

# --- a good attach -----------------------------------------------------
err, dev_id, name = attach_raw(ctl, vm.fd, size=80, tail=bytes(8))
check("attach with a larger, zero-tailed struct succeeds", err == 0,
      err_name(err))
check("attach returns an id > 0 and its node name",
      dev_id > 0 and name == "vtis-emu%d" % dev_id, (dev_id, name))
node = "/dev/" + name
st = os.stat(node) if os.path.exists(node) else None
check("%s is a char device, mode 0600" % node,
      st is not None and stat.S_ISCHR(st.st_mode) and
      stat.S_IMODE(st.st_mode) == 0o600, st)
err, inf = info(ctl, dev_id)
check("info describes the device",
      err == 0 and inf["base"] == DEFAULT_BASE and inf["family"] == TPM_2_0
      and inf["backend"] == BACKEND_EMULATOR
      and inf["owner_pid"] == os.getpid() and inf["state"] == 0
      and inf["emu_name"] == name and inf["active_locality"] == 0xFF, inf)
check("list shows the device", list_ids(ctl) == (1, [dev_id]),
      list_ids(ctl))
check("list with capacity 0 counts it", list_ids(ctl, 0) == (1, []))

err, _, _ = attach_raw(ctl, vm.fd)
check("a second attach at the same base: EEXIST", err == errno.EEXIST,
      err_name(err))
err, _, _ = attach_raw(ctl, vm.fd, base=DEFAULT_BASE + 0x4000)
check("a window overlapping the last page: EEXIST", err == errno.EEXIST,
      err_name(err))
err, _, _ = attach_raw(ctl, vm.fd, base=DEFAULT_BASE - 0x1000)
check("a window overlapping the first page: EEXIST", err == errno.EEXIST,
      err_name(err))
check("info of an unknown id: ENOENT", info(ctl, 4242)[0] == errno.ENOENT)
check("detach of an unknown id: ENOENT", detach(ctl, 4242) == errno.ENOENT)
check("detach with flags: EINVAL", detach(ctl, dev_id, flags=1) ==
      errno.EINVAL)

# --- guest accesses are served in the kernel ---------------------------
t = TIS(vm)
did = vm.read32(t.reg(0, DID_VID))
acc = vm.read8(t.reg(0, ACCESS))
check("the guest reads DID_VID and ACCESS.valid in the window",
      did == 0x00011014 and acc & A_VALID, "%#x %#x" % (did, acc))
check("no guest access exited to userspace as MMIO", vm.mmio_exits() == 0,
      vm.exits)
err, inf = info(ctl, dev_id)
check("info counts the guest's MMIO reads", inf["mmio_reads"] >= 2, inf)

# --- the emulator node -----------------------------------------------------
efd = os.open(node, os.O_RDWR | os.O_NONBLOCK)
try:
    os.open(node, os.O_RDWR)
    second = 0
except OSError as e:
    second = e.errno
check("a second opener of the emulator node: EBUSY", second == errno.EBUSY,
      err_name(second))
check("info shows the emulator connected",
      info(ctl, dev_id)[1]["state"] & STATE_EMU_CONNECTED)
try:
    os.read(efd, 4096)
    rerr = 0
except OSError as e:
    rerr = e.errno
check("non-blocking read with nothing queued: EAGAIN", rerr == errno.EAGAIN,
      err_name(rerr))
for what, data in (("nothing pending", bytes(10)), ("5 bytes", bytes(5)),
                   ("4097 bytes", bytes(4097))):
    try:
        os.write(efd, data)
        werr = 0
    except OSError as e:
        werr = e.errno
    check("emulator write of %s: EIO" % what, werr == errno.EIO,
          err_name(werr))
p = select.poll()
p.register(efd, select.POLLIN | select.POLLOUT)
check("poll on an idle emulator node reports nothing", p.poll(0) == [],
      p.poll(0))

# --- the module cannot go while a device exists ---------------------------
r = subprocess.run(["rmmod", "kvm_vtis"], capture_output=True, text=True)
check("rmmod is refused while a device exists", r.returncode != 0 and
      loaded(), r.stderr)

# --- detach: the node goes, the open emulator fd sees EOF and POLLHUP ----
check("detach succeeds", detach(ctl, dev_id) == 0)
check("the emulator node is removed", not os.path.exists(node))
ev = p.poll(0)
check("poll on the old emulator fd: POLLHUP",
      ev and ev[0][1] & select.POLLHUP, ev)
check("read on the old emulator fd: EOF", os.read(efd, 4096) == b"")
try:
    os.write(efd, bytes(10))
    werr = 0
except OSError as e:
    werr = e.errno
check("write on the old emulator fd: ENODEV", werr == errno.ENODEV,
      err_name(werr))
check("detach again: ENOENT", detach(ctl, dev_id) == errno.ENOENT)
check("info after detach: ENOENT", info(ctl, dev_id)[0] == errno.ENOENT)
check("list is empty after detach", list_ids(ctl) == (0, []))
acc = vm.read8(t.reg(0, ACCESS))
check("after detach the window is no longer served by the kernel",
      vm.mmio_exits() > 0 and acc == 0xFF, (vm.exits, acc))
os.close(efd)

# --- a device lives as long as its VM, not its attaching fd -----------
vm2 = VM()
ctl2 = ctl_open()
id2, name2 = attach(ctl2, vm2.fd, family=TPM_1_2)
os.close(ctl2)
check("closing the attaching fd keeps the device", list_ids(ctl) ==
      (1, [id2]), list_ids(ctl))
check("a TPM 1.2 device reports family 1",
      info(ctl, id2)[1]["family"] == TPM_1_2)
efd2 = os.open("/dev/" + name2, os.O_RDWR)
vm2.close()
check("destroying the VM removes its device", list_ids(ctl) == (0, []),
      list_ids(ctl))
check("... and its emulator node", not os.path.exists("/dev/" + name2))
check("... and the emulator fd reads EOF", os.read(efd2, 4096) == b"")
os.close(efd2)

# --- the device limit ----------------------------------------------------
ids = []
err = 0
for i in range(257):
    err, dev, _ = attach_raw(ctl, vm.fd, base=0x100000000 + i * 0x10000)
    if err:
        break
    ids.append(dev)
check("256 devices attach, the 257th gets ENOSPC",
      len(ids) == 256 and err == errno.ENOSPC,
      "%d attached, then %s" % (len(ids), err_name(err)))
check("list returns all 256", list_ids(ctl) == (256, sorted(ids)))
for dev in ids[:128]:
    detach(ctl, dev)
check("detaching half leaves 128", list_ids(ctl)[0] == 128)
vm.close()
check("destroying the VM removes the other 128", list_ids(ctl) == (0, []),
      list_ids(ctl))

os.close(ctl)
os.close(devnull)
r = subprocess.run(["rmmod", "kvm_vtis"], capture_output=True, text=True)
check("rmmod succeeds once no device exists", r.returncode == 0 and
      not loaded(), r.stderr)
done()
