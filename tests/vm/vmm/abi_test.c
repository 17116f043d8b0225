// SPDX-License-Identifier: GPL-2.0
/*
 * The /dev/kvm-vtis ABI and the device's lifetime, against the real
 * module: attach arguments and their errnos, info and list, the emulator
 * node, the emulator fd after detach, detach by the VM's destruction, the
 * device limit, rmmod refused while a device exists and clean after.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kvm_util.h"
#include "test_util.h"
#include "tis_regs.h"
#include "vtis_util.h"

#define MAX_DEVICES	256

/* An attach argument as large as the kernel takes (one page). */
static union {
	struct kvm_vtis_attach a;
	uint8_t b[4096 + 8];
} arg;

static int ctl;

/* The valid arguments for vm_fd at the default base, to be spoilt. */
static struct kvm_vtis_attach *args(int vm_fd)
{
	memset(&arg, 0, sizeof(arg));
	vtis_attach_args(&arg.a, vm_fd, 0, KVM_VTIS_TPM_DEFAULT,
			 KVM_VTIS_BACKEND_EMULATOR, 0);
	return &arg.a;
}

static void attach_fails(const char *what, int want)
{
	int err = vtis_attach(ctl, &arg.a);

	result(err == want, "%s: %s (%s)", what, errname(want), errname(err));
}

static uint32_t count_devices(void)
{
	uint32_t n = ~0u;

	vtis_list(ctl, NULL, 0, &n);
	return n;
}

static void bad_attaches(struct kvm_vm *vm)
{
	int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);

	args(vm->fd)->size = 8;
	attach_fails("attach with size below the first version", -EINVAL);
	args(vm->fd)->size = 8192;
	attach_fails("attach with size above one page", -EINVAL);
	args(vm->fd)->flags = 1;
	attach_fails("attach with unknown flag", -EINVAL);
	args(vm->fd)->reserved0 = 1;
	attach_fails("attach with reserved0 set", -EINVAL);
	args(vm->fd)->family = 3;
	attach_fails("attach with unknown family", -EINVAL);
	args(vm->fd)->backend = 0;
	attach_fails("attach with backend 0", -EINVAL);
	args(vm->fd)->backend = 9;
	attach_fails("attach with unknown backend", -EINVAL);
	args(vm->fd)->backend = KVM_VTIS_BACKEND_HOST_TPM;
	arg.a.tpm_index = 99;
	attach_fails("attach with host TPM backend, no such chip", -ENXIO);
	args(vm->fd)->tpm_index = 1;
	attach_fails("attach with tpm_index with the emulator", -EINVAL);
	args(vm->fd)->base = KVM_VTIS_DEFAULT_BASE + 4;
	attach_fails("attach with misaligned base", -EINVAL);
	args(vm->fd)->base = 0xfffffffffffff000ULL;
	attach_fails("attach with wrapping base", -EINVAL);
	args(vm->fd)->base = 1ULL << 52;
	attach_fails("attach with base beyond 52 bits", -EINVAL);
	args(vm->fd)->size = sizeof(arg.a) + 8;
	arg.b[sizeof(arg.a) + 7] = 1;
	attach_fails("attach with non-zero bytes past the known struct", -E2BIG);
	args(vm->fd)->interface = 2;
	attach_fails("attach with an unknown interface", -EINVAL);
	args(vm->fd)->interface = KVM_VTIS_INTERFACE_CRB;
	arg.a.family = KVM_VTIS_TPM_1_2;
	attach_fails("attach of a CRB TPM 1.2", -EINVAL);
	args(vm->fd)->log_size = 4097;
	attach_fails("attach with a log size not a multiple of 4 KiB", -EINVAL);
	args(vm->fd)->log_size = KVM_VTIS_LOG_MAX + 4096;
	attach_fails("attach with a log size above KVM_VTIS_LOG_MAX", -EINVAL);
	args(vm->fd)->log_size = 8192;
	arg.a.base = (1ULL << 52) - KVM_VTIS_LOG_OFFSET - 4096;
	attach_fails("attach whose log window ends beyond 52 bits", -EINVAL);
	args(1000);
	attach_fails("attach with a closed vm_fd", -EBADF);
	args(devnull);
	attach_fails("attach with /dev/null as vm_fd", -EINVAL);
	args(vm->kvm_fd);
	attach_fails("attach with the /dev/kvm fd as vm_fd", -EINVAL);
	result(count_devices() == 0,
	       "no device exists after the failed attaches (%u)",
	       count_devices());
	close(devnull);
}

static bool is_char_0600(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISCHR(st.st_mode) &&
	       (st.st_mode & 07777) == 0600;
}

/* A good attach (a larger struct, zero-tailed), what info and list say. */
static uint32_t good_attach(struct kvm_vm *vm, char *node, size_t len)
{
	struct kvm_vtis_info info;
	uint32_t ids[4], n = 0, id;
	char want[KVM_VTIS_NAME_LEN];
	int err;

	args(vm->fd)->size = sizeof(arg.a) + 8;
	err = vtis_attach(ctl, &arg.a);
	result(!err, "attach with a larger, zero-tailed struct succeeds (%s)",
	       errname(err));
	id = arg.a.id;
	snprintf(want, sizeof(want), "vtis-emu%u", id);
	result(id > 0 && !strcmp(arg.a.emu_name, want),
	       "attach returns an id > 0 and its node name (%u, %.32s)", id,
	       arg.a.emu_name);
	snprintf(node, len, "/dev/%s", want);
	result(is_char_0600(node), "%s is a char device, mode 0600", node);
	err = vtis_info(ctl, id, &info);
	result(!err && info.base == KVM_VTIS_DEFAULT_BASE &&
	       info.family == KVM_VTIS_TPM_2_0 &&
	       info.backend == KVM_VTIS_BACKEND_EMULATOR &&
	       info.owner_pid == getpid() && info.state == 0 &&
	       !strcmp(info.emu_name, want) && info.active_locality == 0xff,
	       "info describes the device (family %u backend %u owner %d state %#x locality %#x)",
	       info.family, info.backend, info.owner_pid, info.state,
	       info.active_locality);
	err = vtis_list(ctl, ids, ARRAY_SIZE(ids), &n);
	result(!err && n == 1 && ids[0] == id, "list shows the device (%u)",
	       n);
	err = vtis_list(ctl, NULL, 0, &n);
	result(!err && n == 1, "list with capacity 0 counts it (%u)", n);
	return id;
}

static void overlaps(struct kvm_vm *vm, uint32_t id)
{
	struct kvm_vtis_detach det = { .size = sizeof(det), .flags = 1 };
	struct kvm_vtis_info info;

	args(vm->fd);
	attach_fails("a second attach at the same base", -EEXIST);
	args(vm->fd)->base = KVM_VTIS_DEFAULT_BASE + 0x4000;
	attach_fails("a window overlapping the last page", -EEXIST);
	args(vm->fd)->base = KVM_VTIS_DEFAULT_BASE - 0x1000;
	attach_fails("a window overlapping the first page", -EEXIST);
	result(vtis_info(ctl, 4242, &info) == -ENOENT,
	       "info of an unknown id: ENOENT");
	result(vtis_detach(ctl, 4242) == -ENOENT,
	       "detach of an unknown id: ENOENT");
	det.id = id;
	result(ioctl(ctl, KVM_VTIS_DETACH, &det) < 0 && errno == EINVAL,
	       "detach with flags: EINVAL");
}

/* Guest accesses are served in the kernel. */
static void guest_reads(struct kvm_vcpu *cpu, uint32_t id)
{
	struct kvm_vtis_info info;
	uint32_t did = 0, acc = 0;

	vcpu_read(cpu, 0, TIS_DID_VID, 4, &did);
	vcpu_read(cpu, 0, TIS_ACCESS, 1, &acc);
	result(did == VTIS_DID_VID && (acc & ACCESS_VALID),
	       "the guest reads DID_VID and ACCESS.valid in the window (%#x %#x)",
	       did, acc);
	result(vm_tis_exits(cpu->vm) == 0,
	       "no guest access exited to userspace as MMIO (%llu)",
	       (unsigned long long)vm_tis_exits(cpu->vm));
	result(!vtis_info(ctl, id, &info) && info.mmio_reads >= 2,
	       "info counts the guest's MMIO reads (%llu)",
	       (unsigned long long)info.mmio_reads);
}

/*
 * The firmware event log window: plain bytes after the registers, served
 * in the kernel, counted as its own class, zeroed by a reset, part of the
 * device's range on the bus.
 */
static void log_window(void)
{
	struct vm_config cfg = VM_CONFIG_DEFAULT;
	struct kvm_vtis_stats st;
	struct kvm_vcpu *cpu;
	struct kvm_vm *vm = vm_create_booted(&cfg, &cpu);
	uint32_t v[6] = { ~0u, ~0u, ~0u, ~0u, ~0u, ~0u }, id, did = 0;
	uint64_t exits;
	int err, bad;

	if (!vm) {
		result(false, "log window: create a VM");
		return;
	}
	args(vm->fd)->log_size = 8192;
	err = vtis_attach(ctl, &arg.a);
	id = arg.a.id;
	result(!err && id, "log window: attach with an 8 KiB log window (%s)",
	       errname(err));
	if (err)
		goto out_free;
	exits = cpu->exits_mmio;
	/* Localities 5 and 6 of the guest's driver: base + 0x5000, + 0x6000. */
	bad = !!vcpu_read(cpu, 5, 0, 4, &v[0]);
	bad |= !!vcpu_read(cpu, 6, 0xffc, 4, &v[1]);
	result(!bad && v[0] == 0 && v[1] == 0,
	       "log window: its first and last bytes read zero (%#x %#x)",
	       v[0], v[1]);
	bad = !!vcpu_write(cpu, 5, 0, 4, 0x11223344);
	bad |= !!vcpu_write(cpu, 5, 0x802, 2, 0xbeef);
	bad |= !!vcpu_write(cpu, 6, 0xfff, 1, 0xa5);
	bad |= !!vcpu_read(cpu, 5, 0, 4, &v[2]);
	bad |= !!vcpu_read(cpu, 5, 0x802, 2, &v[3]);
	bad |= !!vcpu_read(cpu, 6, 0xffc, 4, &v[4]);
	bad |= !!vcpu_read(cpu, 5, 1, 1, &v[5]);
	result(!bad && v[2] == 0x11223344 && v[3] == 0xbeef &&
	       v[4] == 0xa5000000 && v[5] == 0x33,
	       "log window: the guest reads back what it wrote (%#x %#x %#x %#x)",
	       v[2], v[3], v[4], v[5]);
	vcpu_read(cpu, 0, TIS_DID_VID, 4, &did);
	result(did == VTIS_DID_VID, "log window: the registers are still there (DID_VID %#x)",
	       did);
	result(cpu->exits_mmio == exits,
	       "log window: no access exited to userspace (%llu)",
	       (unsigned long long)(cpu->exits_mmio - exits));
	err = vtis_stats(ctl, id, &st);
	result(!err && st.mmio_reads[KVM_VTIS_REG_LOG] == 6 &&
	       st.mmio_writes[KVM_VTIS_REG_LOG] == 3,
	       "log window: stats count its 6 reads and 3 writes as class log (%llu %llu)",
	       (unsigned long long)st.mmio_reads[KVM_VTIS_REG_LOG],
	       (unsigned long long)st.mmio_writes[KVM_VTIS_REG_LOG]);
	args(vm->fd)->base = KVM_VTIS_DEFAULT_BASE + KVM_VTIS_LOG_OFFSET + 4096;
	attach_fails("log window: another device in the log window", -EEXIST);
	err = vtis_reset(ctl, id);
	v[0] = v[1] = ~0u;
	bad = !!vcpu_read(cpu, 5, 0, 4, &v[0]);
	bad |= !!vcpu_read(cpu, 6, 0xffc, 4, &v[1]);
	result(!err && !bad && v[0] == 0 && v[1] == 0,
	       "log window: KVM_VTIS_RESET zeroes it (%s; %#x %#x)", errname(err),
	       v[0], v[1]);
	result(!vtis_detach(ctl, id), "log window: detach");
out_free:
	vm_free(vm);
}

/*
 * The blob of CRB device @id restores into a new CRB device (the guest
 * reads its locality and buffer back there) and not into a TIS device.
 */
static void crb_migrate(uint32_t id)
{
	struct vm_config cfg = VM_CONFIG_DEFAULT;
	static uint8_t blob[KVM_VTIS_STATE_MAX];
	uint32_t len = sizeof(blob), v = 0, st = 0, tis, crb;
	struct kvm_vcpu *cpu;
	struct kvm_vm *vm = vm_create_booted(&cfg, &cpu);
	int err, bad;

	err = vtis_save(ctl, id, blob, &len);
	result(!err && len > 3968, "crb: save (%s, %u bytes)", errname(err), len);
	if (!vm || err)
		goto out_free;
	args(vm->fd);
	err = vtis_attach(ctl, &arg.a);
	tis = arg.a.id;
	result(!err && vtis_restore(ctl, tis, blob, len) == -EINVAL,
	       "crb: its blob does not restore into a TIS device (EINVAL)");
	vtis_detach(ctl, tis);
	args(vm->fd)->interface = KVM_VTIS_INTERFACE_CRB;
	err = vtis_attach(ctl, &arg.a);
	crb = arg.a.id;
	err = err ? err : vtis_restore(ctl, crb, blob, len);
	bad = !!vcpu_read(cpu, 0, 0x80, 4, &v);
	bad |= !!vcpu_read(cpu, 0, 0x00, 4, &st);
	result(!err && !bad && v == 0x04030201 && (st & 0x82) == 0x82,
	       "crb: it restores into a CRB device: locality 0 active, the buffer's bytes (%s; %#x %#x)",
	       errname(err), st, v);
	vtis_detach(ctl, crb);
out_free:
	if (vm)
		vm_free(vm);
}

/*
 * A CRB device: the guest reads the CRB's identification and idle state
 * in the kernel, info says which interface it is, it migrates.
 */
static void crb_device(void)
{
	struct vm_config cfg = VM_CONFIG_DEFAULT;
	struct kvm_vtis_info info;
	struct kvm_vcpu *cpu;
	struct kvm_vm *vm = vm_create_booted(&cfg, &cpu);
	uint32_t intf = 0, sts = 0, laddr = 0, id;
	int err, bad;

	if (!vm) {
		result(false, "crb: create a VM");
		return;
	}
	args(vm->fd)->interface = KVM_VTIS_INTERFACE_CRB;
	err = vtis_attach(ctl, &arg.a);
	result(!err && arg.a.id, "crb: attach a CRB device (%s)", errname(err));
	if (err)
		goto out_free;
	bad = !!vcpu_read(cpu, 0, 0x30, 4, &intf);
	bad |= !!vcpu_read(cpu, 0, 0x44, 4, &sts);
	bad |= !!vcpu_read(cpu, 0, 0x5c, 4, &laddr);
	result(!bad && (intf & 0xf) == 1 && ((intf >> 14) & 1) && sts == 2 &&
	       laddr == KVM_VTIS_DEFAULT_BASE + 0x80,
	       "crb: the guest reads INTF_ID (CRB), CTRL_STS (idle) and CTRL_CMD_LADDR (%#x %#x %#x)",
	       intf, sts, laddr);
	result(vm_tis_exits(vm) == 0, "crb: no access exited to userspace (%llu)",
	       (unsigned long long)vm_tis_exits(vm));
	err = vtis_info(ctl, arg.a.id, &info);
	result(!err && info.interface == KVM_VTIS_INTERFACE_CRB &&
	       info.family == KVM_VTIS_TPM_2_0,
	       "crb: info says interface CRB, TPM 2.0 (%u %u)", info.interface,
	       info.family);
	/* locality 0, and four bytes in the buffer */
	bad = !!vcpu_write(cpu, 0, 0x08, 4, 1);
	bad |= !!vcpu_write(cpu, 0, 0x80, 4, 0x04030201);
	result(!bad, "crb: the guest takes locality 0 and writes the buffer");
	id = arg.a.id;
	crb_migrate(id);
	result(!vtis_detach(ctl, id), "crb: detach");
out_free:
	vm_free(vm);
}

static int write_errno(int fd, size_t n)
{
	uint8_t *b = calloc(1, n);
	int err;

	err = write(fd, b, n) < 0 ? -errno : 0;
	free(b);
	return err;
}

/* The emulator node, open and idle. */
static int emulator_node(const char *node, uint32_t id)
{
	struct kvm_vtis_info info;
	struct pollfd p;
	uint8_t buf[4096];
	int efd, second, err;
	static const size_t sizes[] = { 10, 5, 4097 };
	static const char *const what[] = {
		"nothing pending", "5 bytes", "4097 bytes",
	};
	size_t i;

	efd = open(node, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	second = open(node, O_RDWR | O_CLOEXEC);
	err = second < 0 ? -errno : 0;
	result(efd >= 0 && err == -EBUSY,
	       "a second opener of the emulator node: EBUSY (%s)",
	       errname(err));
	if (second >= 0)
		close(second);
	result(!vtis_info(ctl, id, &info) &&
	       (info.state & KVM_VTIS_STATE_EMU_CONNECTED),
	       "info shows the emulator connected (state %#x)", info.state);
	err = read(efd, buf, sizeof(buf)) < 0 ? -errno : 0;
	result(err == -EAGAIN,
	       "non-blocking read with nothing queued: EAGAIN (%s)",
	       errname(err));
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		err = write_errno(efd, sizes[i]);
		result(err == -EIO, "emulator write of %s: EIO (%s)", what[i],
		       errname(err));
	}
	p = (struct pollfd){ .fd = efd, .events = POLLIN | POLLOUT };
	result(poll(&p, 1, 0) == 0,
	       "poll on an idle emulator node reports nothing (%#x)",
	       p.revents);
	return efd;
}

/* Detach: the node goes, the open emulator fd sees POLLHUP and EOF. */
static void detach_checks(struct kvm_vcpu *cpu, uint32_t id, const char *node,
			  int efd)
{
	struct pollfd p = { .fd = efd, .events = POLLIN | POLLOUT };
	struct kvm_vtis_info info;
	uint32_t n = ~0u, acc = 0;
	uint8_t buf[16];
	int err;

	result(vtis_detach(ctl, id) == 0, "detach succeeds");
	result(access(node, F_OK) != 0, "the emulator node is removed");
	result(poll(&p, 1, 0) == 1 && (p.revents & POLLHUP),
	       "poll on the old emulator fd: POLLHUP (%#x)", p.revents);
	result(read(efd, buf, sizeof(buf)) == 0,
	       "read on the old emulator fd: EOF");
	err = write_errno(efd, 10);
	result(err == -ENODEV, "write on the old emulator fd: ENODEV (%s)",
	       errname(err));
	result(vtis_detach(ctl, id) == -ENOENT, "detach again: ENOENT");
	result(vtis_info(ctl, id, &info) == -ENOENT,
	       "info after detach: ENOENT");
	vtis_list(ctl, NULL, 0, &n);
	result(n == 0, "list is empty after detach (%u)", n);
	vcpu_read(cpu, 0, TIS_ACCESS, 1, &acc);
	result(vm_tis_exits(cpu->vm) > 0 && acc == 0xff,
	       "after detach the window is no longer served by the kernel (%llu exits, ACCESS %#x)",
	       (unsigned long long)vm_tis_exits(cpu->vm), acc);
}

/* A device lives as long as its VM, not its attaching fd. */
static void lifetime(void)
{
	struct vtis_dev d = VTIS_DEV_INIT;
	struct vm_config cfg = VM_CONFIG_DEFAULT;
	struct kvm_vtis_info info;
	struct kvm_vm *vm = vm_create(&cfg);
	uint32_t ids[4], n = 0;
	uint8_t buf[16];
	int efd = -1;

	if (!vm || vtis_dev_attach(&d, vm->fd, 0, KVM_VTIS_TPM_1_2,
				   KVM_VTIS_BACKEND_EMULATOR, 0)) {
		result(false, "a second VM with a TPM 1.2 device");
		if (vm)
			vm_free(vm);
		return;
	}
	vtis_dev_close(&d);
	vtis_list(ctl, ids, ARRAY_SIZE(ids), &n);
	result(n == 1 && ids[0] == d.id,
	       "closing the attaching fd keeps the device (%u)", n);
	result(!vtis_info(ctl, d.id, &info) && info.family == KVM_VTIS_TPM_1_2,
	       "a TPM 1.2 device reports family 1 (%u)", info.family);
	efd = open(d.node, O_RDWR | O_CLOEXEC);
	vm_free(vm);
	result(count_devices() == 0, "destroying the VM removes its device");
	result(access(d.node, F_OK) != 0, "... and its emulator node");
	result(efd >= 0 && read(efd, buf, sizeof(buf)) == 0,
	       "... and the emulator fd reads EOF");
	if (efd >= 0)
		close(efd);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* 256 devices on one VM; the 257th does not fit; the VM's end takes all. */
static void device_limit(struct kvm_vm *vm)
{
	static uint32_t ids[MAX_DEVICES + 1], listed[MAX_DEVICES + 1];
	uint32_t i, n = 0, got = 0;
	int err = 0;

	for (i = 0; i <= MAX_DEVICES; i++) {
		args(vm->fd)->base = 0x100000000ULL + i * 0x10000ULL;
		err = vtis_attach(ctl, &arg.a);
		if (err)
			break;
		ids[n++] = arg.a.id;
	}
	result(n == MAX_DEVICES && err == -ENOSPC,
	       "256 devices attach, the 257th gets ENOSPC (%u attached, then %s)",
	       n, errname(err));
	qsort(ids, n, sizeof(ids[0]), cmp_u32);
	vtis_list(ctl, listed, ARRAY_SIZE(listed), &got);
	result(got == n && !memcmp(ids, listed, n * sizeof(ids[0])),
	       "list returns all 256, in order (%u)", got);
	for (i = 0; i < n / 2; i++)
		vtis_detach(ctl, ids[i]);
	result(count_devices() == MAX_DEVICES / 2,
	       "detaching half leaves 128 (%u)", count_devices());
	vm_free(vm);
	result(count_devices() == 0,
	       "destroying the VM removes the other 128 (%u)",
	       count_devices());
}

int main(void)
{
	struct vm_config cfg = VM_CONFIG_DEFAULT;
	struct kvm_vcpu *cpu;
	struct kvm_vm *vm;
	char node[64];
	uint32_t id;
	int efd, err;

	test_start(600);
	ctl = vtis_open();
	vm = vm_create_booted(&cfg, &cpu);
	if (ctl < 0 || !vm) {
		result(false, "open %s and create a VM (%s)", VTIS_CTL_PATH,
		       errname(ctl < 0 ? ctl : 0));
		return test_end();
	}
	bad_attaches(vm);
	id = good_attach(vm, node, sizeof(node));
	overlaps(vm, id);
	guest_reads(cpu, id);
	efd = emulator_node(node, id);
	err = module_unload("kvm_vtis");
	result(err && module_loaded("kvm_vtis"),
	       "rmmod is refused while a device exists (%s)", errname(err));
	detach_checks(cpu, id, node, efd);
	close(efd);
	lifetime();
	log_window();
	crb_device();
	device_limit(vm);
	close(ctl);
	err = module_unload("kvm_vtis");
	result(!err && !module_loaded("kvm_vtis"),
	       "rmmod succeeds once no device exists (%s)", errname(err));
	return test_end();
}
