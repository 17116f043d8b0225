# SPDX-License-Identifier: GPL-2.0
"""Test helpers run inside the test host: the /dev/kvm-vtis ABI, a minimal
KVM VM whose 32-bit guest performs MMIO accesses on request (so a test can
drive the TIS window access by access while every access is handled by the
kernel), and a TIS driver on top of it that behaves like Linux's tpm_tis.
"""

import ctypes
import errno
import fcntl
import mmap
import os
import select
import struct
import sys
import time

# --- the ABI (uapi/linux/kvm_vtis.h) ------------------------------------


def _ioc(d, nr, size):
    return (d << 30) | (size << 16) | (0xB8 << 8) | nr


IOW, IOR = 1, 2
GET_API_VERSION = _ioc(0, 0, 0)
ATTACH = _ioc(IOW | IOR, 1, 72)
DETACH = _ioc(IOW, 2, 16)
LIST = _ioc(IOW | IOR, 3, 24)
INFO = _ioc(IOW | IOR, 4, 128)

DEFAULT_BASE = 0xFED40000
TPM_1_2, TPM_2_0 = 1, 2
BACKEND_EMULATOR, BACKEND_HOST_TPM = 1, 2
STATE_EMU_CONNECTED, STATE_CMD_IN_FLIGHT = 1, 2

ATTACH_FMT = "<IIiIQIIII32s"
INFO_FMT = "<IIIIQIiII32s7Q"


def ctl_open():
    return os.open("/dev/kvm-vtis", os.O_RDWR | os.O_CLOEXEC)


def ioctl_buf(fd, req, buf):
    """ioctl with a mutable buffer; returns (ret, errno, buffer)."""
    b = bytearray(buf)
    try:
        ret = fcntl.ioctl(fd, req, b, True)
        return ret, 0, bytes(b)
    except OSError as e:
        return -1, e.errno, bytes(b)


def attach_raw(ctl, vm_fd, base=0, family=0, backend=BACKEND_EMULATOR,
               flags=0, tpm_index=0, reserved0=0, size=72, tail=b""):
    b = struct.pack(ATTACH_FMT, size, flags, vm_fd, family, base, backend,
                    tpm_index, 0, reserved0, b"") + tail
    # The ioctl number always encodes 72; pad the buffer to what we pass.
    if len(b) < 72:
        b += bytes(72 - len(b))
    ret, err, out = ioctl_buf(ctl, ATTACH, b)
    f = struct.unpack(ATTACH_FMT, out[:72])
    return err, f[7], f[9].rstrip(b"\0").decode()


def attach(ctl, vm_fd, **kw):
    err, dev_id, name = attach_raw(ctl, vm_fd, **kw)
    if err:
        raise OSError(err, "attach: " + os.strerror(err))
    return dev_id, name


def detach(ctl, dev_id, flags=0, reserved0=0, size=16):
    ret, err, _ = ioctl_buf(ctl, DETACH,
                            struct.pack("<IIII", size, flags, dev_id,
                                        reserved0))
    return err


def list_ids(ctl, capacity=256):
    arr = (ctypes.c_uint32 * max(capacity, 1))()
    b = struct.pack("<IIQII", 24, 0, ctypes.addressof(arr), capacity, 0)
    ret, err, out = ioctl_buf(ctl, LIST, b)
    if err:
        raise OSError(err, "list")
    count = struct.unpack("<IIQII", out)[4]
    return count, list(arr[:min(count, capacity)])


def info(ctl, dev_id):
    b = struct.pack(INFO_FMT, 128, 0, dev_id, 0, 0, 0, 0, 0, 0, b"",
                    0, 0, 0, 0, 0, 0, 0)
    ret, err, out = ioctl_buf(ctl, INFO, b)
    if err:
        return err, None
    f = struct.unpack(INFO_FMT, out)
    keys = ("size flags id family base backend owner_pid state "
            "active_locality emu_name commands responses errors "
            "mmio_reads mmio_writes bytes_to_tpm bytes_from_tpm").split()
    d = dict(zip(keys, f))
    d["emu_name"] = d["emu_name"].rstrip(b"\0").decode()
    return 0, d


# --- a minimal KVM VM -----------------------------------------------------

KVM_GET_API_VERSION = 0xAE00
KVM_CREATE_VM = 0xAE01
KVM_GET_VCPU_MMAP_SIZE = 0xAE04
KVM_CREATE_VCPU = 0xAE41
KVM_SET_USER_MEMORY_REGION = 0x4020AE46
KVM_RUN = 0xAE80
KVM_GET_REGS = 0x8090AE81
KVM_SET_REGS = 0x4090AE82
KVM_GET_SREGS = 0x8138AE83
KVM_SET_SREGS = 0x4138AE84
KVM_EXIT_IO, KVM_EXIT_MMIO = 2, 6

MAILBOX = 0x1000
MEM_SIZE = 0x10000

# 32-bit flat code: loop { op = mbox[0]; addr = mbox[1]; do op; out 0x10 }
# ops: 1 read8, 2 write8, 3 read32, 4 write32; value in mbox[3].
GUEST_CODE = bytes.fromhex(
    "be00100000"    # 00 mov esi, MAILBOX
    "8b06"          # 05 mov eax, [esi]
    "8b5604"        # 07 mov edx, [esi+4]
    "83f801" "7413"  # 0a cmp eax,1 ; je 22
    "83f802" "7416"  # 0f cmp eax,2 ; je 2a
    "83f803" "7418"  # 14 cmp eax,3 ; je 31
    "83f804" "741a"  # 19 cmp eax,4 ; je 38
    "e610"          # 1e out 0x10, al
    "ebde"          # 20 jmp 00
    "0fb602" "89460c" "ebf4"    # 22 movzx eax,byte [edx]; mov [esi+12],eax
    "8b460c" "8802" "ebed"      # 2a mov eax,[esi+12]; mov [edx],al
    "8b02" "89460c" "ebe6"      # 31 mov eax,[edx]; mov [esi+12],eax
    "8b460c" "8902" "ebdf"      # 38 mov eax,[esi+12]; mov [edx],eax
)


class VM:
    """A VM with vCPUs in 32-bit flat protected mode; vCPU i runs its own
    copy of the guest code with its own mailbox."""

    def __init__(self, vcpus=1):
        self.kvm = os.open("/dev/kvm", os.O_RDWR | os.O_CLOEXEC)
        self.fd = fcntl.ioctl(self.kvm, KVM_CREATE_VM, 0)
        self.mem = mmap.mmap(-1, MEM_SIZE)
        addr = ctypes.addressof(ctypes.c_char.from_buffer(self.mem))
        region = struct.pack("<IIQQQ", 0, 0, 0, MEM_SIZE, addr)
        fcntl.ioctl(self.fd, KVM_SET_USER_MEMORY_REGION, region)
        self.cpus = [VCPU(self, i) for i in range(vcpus)]
        # vCPU 0 is the VM's default for the access helpers.
        self.vcpu, self.run_map, self.mbox = (self.cpus[0].fd,
                                              self.cpus[0].run_map,
                                              self.cpus[0].mbox)
        self.exits = self.cpus[0].exits

    def _op(self, op, addr, val=0):
        return self.cpus[0]._op(op, addr, val)

    def read8(self, addr):
        return self.cpus[0].read8(addr)

    def write8(self, addr, val):
        self.cpus[0].write8(addr, val)

    def read32(self, addr):
        return self.cpus[0].read32(addr)

    def write32(self, addr, val):
        self.cpus[0].write32(addr, val)

    def mmio_exits(self):
        return sum(c.exits.get(KVM_EXIT_MMIO, 0) for c in self.cpus)

    def close(self):
        for c in self.cpus:
            c.close()
        os.close(self.fd)
        os.close(self.kvm)


class VCPU:
    def __init__(self, vm, i):
        self.vm = vm
        self.mem = vm.mem
        code_at = 0x100 * i
        self.mbox = MAILBOX + 0x100 * i
        code = bytearray(GUEST_CODE)
        struct.pack_into("<I", code, 1, self.mbox)
        self.mem[code_at:code_at + len(code)] = bytes(code)
        self.fd = fcntl.ioctl(vm.fd, KVM_CREATE_VCPU, i)
        self.vcpu = self.fd
        size = fcntl.ioctl(vm.kvm, KVM_GET_VCPU_MMAP_SIZE, 0)
        self.run_map = mmap.mmap(self.fd, size, mmap.MAP_SHARED,
                                 mmap.PROT_READ | mmap.PROT_WRITE)
        sregs = bytearray(312)
        fcntl.ioctl(self.vcpu, KVM_GET_SREGS, sregs, True)
        # kvm_segment: base, limit, selector, type, present, dpl, db, s, l, g
        for i, typ in ((0, 0xB), (1, 3), (2, 3), (3, 3), (4, 3), (5, 3)):
            struct.pack_into("<QIHBBBBBBBBBB", sregs, i * 24, 0, 0xFFFFFFFF,
                             8 if i == 0 else 16, typ, 1, 0, 1, 1, 0, 1, 0,
                             0, 0)
        cr0 = struct.unpack_from("<Q", sregs, 224)[0]
        struct.pack_into("<Q", sregs, 224, cr0 | 1)
        fcntl.ioctl(self.vcpu, KVM_SET_SREGS, sregs)
        regs = bytearray(144)
        fcntl.ioctl(self.vcpu, KVM_GET_REGS, regs, True)
        struct.pack_into("<Q", regs, 128, code_at)    # rip
        struct.pack_into("<Q", regs, 136, 2)      # rflags
        fcntl.ioctl(self.vcpu, KVM_SET_REGS, regs)
        self.exits = {}

    def _op(self, op, addr, val=0):
        struct.pack_into("<IIII", self.mem, self.mbox, op, addr, 0, val)
        while True:
            fcntl.ioctl(self.vcpu, KVM_RUN, 0)
            reason = struct.unpack_from("<I", self.run_map, 8)[0]
            self.exits[reason] = self.exits.get(reason, 0) + 1
            if reason == KVM_EXIT_IO:
                break
            if reason == KVM_EXIT_MMIO:
                # Not ours: complete reads with all-ones and go on.
                is_write = struct.unpack_from("<B", self.run_map, 52)[0]
                if not is_write:
                    struct.pack_into("<8s", self.run_map, 40, b"\xff" * 8)
                continue
            raise RuntimeError("unexpected KVM exit %d" % reason)
        return struct.unpack_from("<I", self.mem, self.mbox + 12)[0]

    def read8(self, addr):
        return self._op(1, addr) & 0xFF

    def write8(self, addr, val):
        self._op(2, addr, val & 0xFF)

    def read32(self, addr):
        return self._op(3, addr)

    def write32(self, addr, val):
        self._op(4, addr, val)

    def mmio_exits(self):
        return self.exits.get(KVM_EXIT_MMIO, 0)

    def close(self):
        self.run_map.close()
        os.close(self.fd)


# --- a TIS driver, as Linux's tpm_tis does it (8-bit FIFO accesses) ------

ACCESS, STS, FIFO, DID_VID = 0x0, 0x18, 0x24, 0xF00
A_VALID, A_ACTIVE, A_REQUEST = 0x80, 0x20, 0x02
S_VALID, S_READY, S_GO, S_AVAIL, S_EXPECT = 0x80, 0x40, 0x20, 0x10, 0x08


class TIS:
    def __init__(self, vm, base=DEFAULT_BASE):
        self.vm = vm
        self.base = base

    def reg(self, loc, off):
        return self.base + (loc << 12) + off

    def request(self, loc, timeout=2.0):
        self.vm.write8(self.reg(loc, ACCESS), A_REQUEST)
        end = time.time() + timeout
        while not self.vm.read8(self.reg(loc, ACCESS)) & A_ACTIVE:
            if time.time() > end:
                raise RuntimeError("locality %d not granted" % loc)

    def release(self, loc):
        self.vm.write8(self.reg(loc, ACCESS), A_ACTIVE)

    def sts(self, loc):
        return self.vm.read32(self.reg(loc, STS))

    def wait_sts(self, loc, mask, timeout):
        end = time.time() + timeout
        while True:
            s = self.sts(loc)
            if s & mask == mask:
                return s
            if time.time() > end:
                raise RuntimeError("STS %#x never had %#x" % (s, mask))
            time.sleep(0.001)

    def send(self, cmd, loc=0):
        """Write a command and GO; return the first STS read after GO."""
        self.request(loc)
        self.vm.write8(self.reg(loc, STS), S_READY)
        self.wait_sts(loc, S_READY, 2.0)
        for b in cmd[:-1]:
            self.vm.write8(self.reg(loc, FIFO), b)
        s = self.sts(loc)
        if not s & S_EXPECT:
            raise RuntimeError("Expect dropped early (STS %#x)" % s)
        self.vm.write8(self.reg(loc, FIFO), cmd[-1])
        s = self.sts(loc)
        if s & S_EXPECT:
            raise RuntimeError("Expect still set (STS %#x)" % s)
        self.vm.write8(self.reg(loc, STS), S_GO)
        return self.sts(loc)

    def recv(self, loc=0, timeout=60.0):
        """Wait for the response, read it, give up the locality."""
        self.wait_sts(loc, S_VALID | S_AVAIL, timeout)
        hdr = bytes(self.vm.read8(self.reg(loc, FIFO)) for _ in range(10))
        size = struct.unpack(">I", hdr[2:6])[0]
        if size < 10 or size > 4096:
            raise RuntimeError("bad response size %d" % size)
        rest = bytes(self.vm.read8(self.reg(loc, FIFO))
                     for _ in range(size - 10))
        s = self.sts(loc)
        if s & S_AVAIL:
            raise RuntimeError("dataAvail still set after the response")
        self.vm.write8(self.reg(loc, STS), S_READY)
        self.release(loc)
        return hdr + rest

    def transmit(self, cmd, loc=0, timeout=60.0):
        """Send one command; return (response bytes, first STS after GO)."""
        first = self.send(cmd, loc)
        return self.recv(loc, timeout), first


def tpm2_getrandom(n):
    return struct.pack(">HIIH", 0x8001, 12, 0x17B, n)


def tpm12_getrandom(n):
    return struct.pack(">HIII", 0x00C1, 14, 0x46, n)


def rc_of(rsp):
    return struct.unpack(">I", rsp[6:10])[0]


# --- the emulator's side (/dev/vtis-emuN) and module parameters -----------

PARAM = "/sys/module/kvm_vtis/parameters/"
ST2_OK = bytes.fromhex("80010000000a00000000")
ST12_OK = bytes.fromhex("00c40000000a00000000")


def param(name, val=None):
    """Read a parameter of kvm_vtis, or write it when val is given."""
    if val is None:
        with open(PARAM + name) as f:
            return f.read().strip()
    with open(PARAM + name, "w") as f:
        f.write(str(val))


def set_loc(loc, tpm12=False):
    """The locality announcement the module sends before a command."""
    return struct.pack(">HIIB", 0x00C1 if tpm12 else 0x8002, 11,
                       0x20001000, loc)


def emu_read(efd, size=4096, timeout=5.0):
    """The next message on an emulator fd, or None after timeout seconds."""
    p = select.poll()
    p.register(efd, select.POLLIN)
    if not p.poll(int(timeout * 1000)):
        return None
    return os.read(efd, size)


def errno_of(fn, *args):
    try:
        fn(*args)
        return 0
    except OSError as e:
        return e.errno


def rsp2(body=b"", rc=0):
    return struct.pack(">HII", 0x8001, 10 + len(body), rc) + body


def is_failure(rsp):
    return len(rsp) == 10 and rc_of(rsp) != 0


# --- result lines ----------------------------------------------------------

failed = False


def check(desc, cond, diag=None):
    global failed
    if cond:
        print("ok - " + desc, flush=True)
    else:
        failed = True
        print("not ok - " + desc, flush=True)
        if diag is not None:
            for line in str(diag).splitlines():
                print("#   " + line, flush=True)


def done():
    sys.exit(1 if failed else 0)


def err_name(e):
    return errno.errorcode.get(e, str(e)) if e else "success"
