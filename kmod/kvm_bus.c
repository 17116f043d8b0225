// SPDX-License-Identifier: GPL-2.0
/*
 * Everything kvm_vtis needs from KVM's internals lives here.
 *
 * KVM exports file_is_kvm(), kvm_get_kvm_safe() and kvm_put_kvm(), but not
 * kvm_io_bus_register_dev() / kvm_io_bus_unregister_dev().  Where the
 * running kernel exports the latter (a kernel carrying the small patch
 * shipped with this module), the build links them directly; otherwise they
 * are resolved once at load time through a kprobe on their names.  The
 * resolved address must be a function start inside kvm.ko; on kernels
 * built with indirect branch tracking it must carry ENDBR64, since an
 * indirect call anywhere else faults on CET hardware.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kallsyms.h>
#include <linux/kprobes.h>
#include <linux/kvm_host.h>
#include <linux/module.h>
#include <kvm/iodev.h>

#include "compat.h"
#include "kvm_bus.h"

typedef int (*vtis_bus_register_t)(struct kvm *kvm, enum kvm_bus bus_idx,
				   gpa_t addr, int len,
				   struct kvm_io_device *dev);
typedef int (*vtis_bus_unregister_t)(struct kvm *kvm, enum kvm_bus bus_idx,
				     struct kvm_io_device *dev);

/* Written once in vtis_kvm_bus_init(), before any device can exist. */
static vtis_bus_register_t vtis_bus_register_fn;
static vtis_bus_unregister_t vtis_bus_unregister_fn;

#ifdef VTIS_HAVE_EXPORTED_IO_BUS
static void *vtis_lookup(const char *name)
{
	if (!strcmp(name, "kvm_io_bus_register_dev"))
		return kvm_io_bus_register_dev;
	return kvm_io_bus_unregister_dev;
}
#else
static void *vtis_lookup(const char *name)
{
	struct kprobe kp = { .symbol_name = name };
	void *addr;

	if (register_kprobe(&kp) < 0)
		return NULL;
	addr = (void *)kp.addr;
	unregister_kprobe(&kp);
	return vtis_fixup_func_start(addr);
}
#endif

static void *vtis_resolve(const char *name)
{
	char sym[KSYM_SYMBOL_LEN];
	char want[KSYM_NAME_LEN + 8];
	void *addr = vtis_lookup(name);

	if (!addr) {
		pr_err("cannot load: KVM symbol %s not found (is kvm loaded, and the kernel built with CONFIG_KPROBES?)\n",
		       name);
		return NULL;
	}
	/* Must be exactly the start of that function, inside kvm.ko. */
	sprint_symbol(sym, (unsigned long)addr);
	snprintf(want, sizeof(want), "%s+0x0/", name);
	if (strncmp(sym, want, strlen(want)) ||
	    (!IS_BUILTIN(CONFIG_KVM) && !strstr(sym, " [kvm]"))) {
		pr_err("cannot load: %s resolves to %s, not to the start of KVM's function\n",
		       name, sym);
		return NULL;
	}
	if (!vtis_is_func_start(addr)) {
		pr_err("cannot load: %s does not begin with ENDBR64 (indirect branch tracking)\n",
		       name);
		return NULL;
	}
	return addr;
}

int vtis_kvm_bus_init(void)
{
	vtis_bus_register_fn = vtis_resolve("kvm_io_bus_register_dev");
	vtis_bus_unregister_fn = vtis_resolve("kvm_io_bus_unregister_dev");
	if (!vtis_bus_register_fn || !vtis_bus_unregister_fn)
		return -ENOENT;
	return 0;
}

struct kvm *vtis_kvm_get_vm(int fd)
{
	struct kvm *kvm;
	struct fd f = fdget(fd);

	if (!fd_file(f))
		return ERR_PTR(-EBADF);
	if (!file_is_kvm(fd_file(f))) {
		fdput(f);
		return ERR_PTR(-EINVAL);
	}
	kvm = fd_file(f)->private_data;
	/* The open file pins the VM; a zero count means it is being destroyed. */
	if (!kvm_get_kvm_safe(kvm))
		kvm = ERR_PTR(-ENODEV);
	fdput(f);
	return kvm;
}

bool vtis_kvm_get_safe(struct kvm *kvm)
{
	return kvm_get_kvm_safe(kvm);
}

void vtis_kvm_put(struct kvm *kvm)
{
	kvm_put_kvm(kvm);
}

pid_t vtis_kvm_owner_pid(const struct kvm *kvm)
{
	return kvm->userspace_pid;
}

/* Does [@base, @base + @len) overlap anything on the VM's MMIO bus? */
static bool vtis_mmio_overlaps(struct kvm *kvm, u64 base, u32 len)
{
	struct kvm_io_bus *bus;
	int i;

	lockdep_assert_held(&kvm->slots_lock);
	bus = rcu_dereference_protected(kvm->buses[KVM_MMIO_BUS],
					lockdep_is_held(&kvm->slots_lock));
	if (!bus)
		return false;
	for (i = 0; i < bus->dev_count; i++) {
		const struct kvm_io_range *r = &bus->range[i];
		/* A zero-length range (wildcard ioeventfd) covers its address. */
		u64 rlen = r->len ? r->len : 1;

		if (r->addr < base + len && base < r->addr + rlen)
			return true;
	}
	return false;
}

int vtis_kvm_bus_register(struct kvm *kvm, u64 base, u32 len,
			  struct kvm_io_device *dev)
{
	int ret;

	mutex_lock(&kvm->slots_lock);
	if (vtis_mmio_overlaps(kvm, base, len)) {
		ret = -EEXIST;
		goto out_unlock;
	}
	ret = vtis_bus_register_fn(kvm, KVM_MMIO_BUS, base, len, dev);
out_unlock:
	mutex_unlock(&kvm->slots_lock);
	return ret;
}

int vtis_kvm_bus_unregister(struct kvm *kvm, struct kvm_io_device *dev)
{
	int ret;

	mutex_lock(&kvm->slots_lock);
	ret = vtis_bus_unregister_fn(kvm, KVM_MMIO_BUS, dev);
	mutex_unlock(&kvm->slots_lock);
	return ret;
}
