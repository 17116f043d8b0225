// SPDX-License-Identifier: GPL-2.0
/*
 * Everything kvm_vtis needs from KVM's internals lives here.
 *
 * KVM exports file_is_kvm(), kvm_get_kvm_safe() and kvm_put_kvm(), but not
 * kvm_io_bus_register_dev() / kvm_io_bus_unregister_dev().  Where the
 * target kernel exports them (a kernel carrying the small patch shipped
 * with this module, see patches/), the build links them directly.
 * Otherwise this file updates the VM's MMIO bus itself, the way KVM does:
 * the bus is an RCU-published array of ranges sorted by address, replaced
 * as a whole under kvm->slots_lock and retired after an SRCU grace period
 * of kvm->srcu, which every vCPU holds while it dispatches an access.  The
 * layout comes from <linux/kvm_host.h> of the kernel built against, so a
 * change there is a build failure, not a silent mismatch.  (Calling KVM's
 * unexported functions through an address looked up at run time is not an
 * option: with indirect branch tracking their ENDBR64 is sealed, and such a
 * call faults.)
 */

#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kvm_host.h>
#include <linux/module.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <kvm/iodev.h>

#include "compat.h"
#include "kvm_bus.h"

#ifdef VTIS_HAVE_EXPORTED_IO_BUS
static int vtis_bus_insert(struct kvm *kvm, u64 base, u32 len,
			   struct kvm_io_device *dev)
{
	return kvm_io_bus_register_dev(kvm, KVM_MMIO_BUS, base, len, dev);
}

static int vtis_bus_remove(struct kvm *kvm, struct kvm_io_device *dev)
{
	return kvm_io_bus_unregister_dev(kvm, KVM_MMIO_BUS, dev);
}
#else
/* KVM's order: by address, then by end (equal ends: any order). */
static bool vtis_range_before(const struct kvm_io_range *a, u64 addr, u32 len)
{
	return a->addr < addr || (a->addr == addr && a->len <= len);
}

static int vtis_bus_insert(struct kvm *kvm, u64 base, u32 len,
			   struct kvm_io_device *dev)
{
	struct kvm_io_bus *bus, *new_bus;
	int i;

	lockdep_assert_held(&kvm->slots_lock);
	bus = kvm_get_bus(kvm, KVM_MMIO_BUS);
	if (!bus)
		return -ENOMEM;		/* KVM dropped the bus after an OOM */
	/* KVM's limit, not counting ioeventfds (bounded by the fd limit). */
	if (bus->dev_count - bus->ioeventfd_count > NR_IOBUS_DEVS - 1)
		return -ENOSPC;
	new_bus = kmalloc(struct_size(bus, range, bus->dev_count + 1),
			  GFP_KERNEL_ACCOUNT);
	if (!new_bus)
		return -ENOMEM;

	for (i = 0; i < bus->dev_count; i++)
		if (!vtis_range_before(&bus->range[i], base, len))
			break;
	memcpy(new_bus, bus, struct_size(bus, range, i));
	new_bus->dev_count = bus->dev_count + 1;
	new_bus->range[i] = (struct kvm_io_range) {
		.addr = base, .len = len, .dev = dev,
	};
	memcpy(new_bus->range + i + 1, bus->range + i,
	       flex_array_size(bus, range, bus->dev_count - i));

	rcu_assign_pointer(kvm->buses[KVM_MMIO_BUS], new_bus);
	synchronize_srcu_expedited(&kvm->srcu);
	kfree(bus);
	return 0;
}

static int vtis_bus_remove(struct kvm *kvm, struct kvm_io_device *dev)
{
	struct kvm_io_bus *bus, *new_bus;
	int i, j;

	lockdep_assert_held(&kvm->slots_lock);
	bus = kvm_get_bus(kvm, KVM_MMIO_BUS);
	if (!bus)
		return 0;
	for (i = 0; i < bus->dev_count; i++)
		if (bus->range[i].dev == dev)
			break;
	if (i == bus->dev_count)
		return 0;

	new_bus = kmalloc(struct_size(bus, range, bus->dev_count - 1),
			  GFP_KERNEL_ACCOUNT);
	if (new_bus) {
		memcpy(new_bus, bus, struct_size(bus, range, i));
		new_bus->dev_count = bus->dev_count - 1;
		memcpy(new_bus->range + i, bus->range + i + 1,
		       flex_array_size(bus, range, new_bus->dev_count - i));
	}
	/*
	 * Without memory for a smaller copy, do what KVM itself does: drop
	 * the whole bus (NULL), and once no vCPU can see it, destroy the
	 * other devices on it.  Our device is the caller's to tear down.
	 */
	rcu_assign_pointer(kvm->buses[KVM_MMIO_BUS], new_bus);
	synchronize_srcu_expedited(&kvm->srcu);
	if (!new_bus) {
		pr_err("VM %d: no memory to shrink its MMIO bus; dropped the bus\n",
		       kvm->userspace_pid);
		for (j = 0; j < bus->dev_count; j++) {
			struct kvm_io_device *other = bus->range[j].dev;

			if (j != i && other->ops->destructor)
				other->ops->destructor(other);
		}
	}
	kfree(bus);
	return new_bus ? 0 : -ENOMEM;
}
#endif

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

bool vtis_kvm_in_vcpu_of(const struct kvm *kvm)
{
	struct kvm_vcpu *vcpu = kvm_get_running_vcpu();

	return vcpu && vcpu->kvm == kvm;
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
	ret = vtis_bus_insert(kvm, base, len, dev);
out_unlock:
	mutex_unlock(&kvm->slots_lock);
	return ret;
}

int vtis_kvm_bus_unregister(struct kvm *kvm, struct kvm_io_device *dev)
{
	int ret;

	mutex_lock(&kvm->slots_lock);
	ret = vtis_bus_remove(kvm, dev);
	mutex_unlock(&kvm->slots_lock);
	return ret;
}

/*
 * Driving a GSI of the VM's in-kernel irqchip (KVM_VTIS_IRQ_DIRECT), the
 * way kvm_set_irq() does, which KVM does not export: the routes of the
 * GSI are looked up in kvm->irq_routing (under kvm->irq_srcu) and each
 * route's own set() callback, stored there by KVM, is called outside the
 * SRCU section.  The level is kept per interrupt source id, as for KVM's
 * own users, so the line is ours alone even on a shared pin.  Source ids
 * come from kvm->arch.irq_sources_bitmap under kvm->irq_lock, as
 * kvm_request_irq_source_id() hands them out.
 */
#if defined(CONFIG_HAVE_KVM_IRQ_ROUTING) && defined(CONFIG_X86)
static int vtis_gsi_routes(struct kvm *kvm, u32 gsi,
			   struct kvm_kernel_irq_routing_entry *out)
{
	struct kvm_irq_routing_table *rt;
	struct kvm_kernel_irq_routing_entry *e;
	int n = 0, idx;

	idx = srcu_read_lock(&kvm->irq_srcu);
	rt = srcu_dereference(kvm->irq_routing, &kvm->irq_srcu);
	if (rt && gsi < rt->nr_rt_entries) {
		hlist_for_each_entry(e, &rt->map[gsi], link) {
			if (n == KVM_NR_IRQCHIPS)
				break;
			if (e->type == KVM_IRQ_ROUTING_IRQCHIP)
				out[n++] = *e;
		}
	}
	srcu_read_unlock(&kvm->irq_srcu, idx);
	return n;
}

int vtis_kvm_irq_source_get(struct kvm *kvm, u32 gsi)
{
	struct kvm_kernel_irq_routing_entry routes[KVM_NR_IRQCHIPS];
	unsigned long *map = &kvm->arch.irq_sources_bitmap;
	int id;

	if (!vtis_gsi_routes(kvm, gsi, routes))
		return -ENXIO;
	mutex_lock(&kvm->irq_lock);
	id = find_first_zero_bit(map, BITS_PER_LONG);
	if (id < BITS_PER_LONG)
		__set_bit(id, map);
	else
		id = -ENOSPC;
	mutex_unlock(&kvm->irq_lock);
	return id;
}

void vtis_kvm_irq_set(struct kvm *kvm, int source, u32 gsi, bool level)
{
	struct kvm_kernel_irq_routing_entry routes[KVM_NR_IRQCHIPS];
	int n = vtis_gsi_routes(kvm, gsi, routes);

	while (n--)
		routes[n].set(&routes[n], kvm, source, level, false);
}

void vtis_kvm_irq_source_put(struct kvm *kvm, int source, u32 gsi)
{
	vtis_kvm_irq_set(kvm, source, gsi, false);
	mutex_lock(&kvm->irq_lock);
	__clear_bit(source, &kvm->arch.irq_sources_bitmap);
	mutex_unlock(&kvm->irq_lock);
}
#else
int vtis_kvm_irq_source_get(struct kvm *kvm, u32 gsi)
{
	return -EOPNOTSUPP;
}

void vtis_kvm_irq_set(struct kvm *kvm, int source, u32 gsi, bool level)
{
}

void vtis_kvm_irq_source_put(struct kvm *kvm, int source, u32 gsi)
{
}
#endif
