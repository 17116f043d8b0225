// SPDX-License-Identifier: GPL-2.0
/*
 * Platform reset, and the device's state as a migration blob (the format
 * is described with KVM_VTIS_SAVE_STATE in the uapi header).
 *
 * The blob is written and read field by field, little-endian, never as a
 * memory image of a struct: its layout does not depend on the compiler or
 * on any struct.  This file writes and checks its header (magic, version,
 * length, family, backend, checksum, interface); the frontend's state
 * follows it,
 * written and checked by the frontend (its save() and parse()).  Restore
 * checks the header, the length, the checksum, and the frontend every
 * field and its invariants, into a scratch copy, and only then takes the
 * device's lock and replaces its state, after checking that the device
 * can take it.
 */

#include <linux/crc32.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include <linux/kvm_vtis.h>

#include "compat.h"
#include "device.h"
#include "state.h"

#define VTIS_BLOB_MAGIC		0x53495456U	/* "VTIS" little-endian */
#define VTIS_BLOB_VERSION	1U
#define VTIS_BLOB_LEN_OFF	8U
#define VTIS_BLOB_CRC_OFF	24U

void vtis_blob_put8(struct vtis_blob *b, u8 v)
{
	b->p[b->off++] = v;
}

void vtis_blob_put32(struct vtis_blob *b, u32 v)
{
	put_unaligned_le32(v, b->p + b->off);
	b->off += 4;
}

void vtis_blob_put_bytes(struct vtis_blob *b, const u8 *src, u32 n)
{
	memcpy(b->p + b->off, src, n);
	b->off += n;
}

static bool vtis_blob_has(struct vtis_blob *b, u32 n)
{
	if (b->bad || b->len - b->off < n) {
		b->bad = true;
		return false;
	}
	return true;
}

u8 vtis_blob_get8(struct vtis_blob *b)
{
	return vtis_blob_has(b, 1) ? b->p[b->off++] : 0;
}

u16 vtis_blob_get16(struct vtis_blob *b)
{
	u16 v;

	if (!vtis_blob_has(b, 2))
		return 0;
	v = get_unaligned_le16(b->p + b->off);
	b->off += 2;
	return v;
}

u32 vtis_blob_get32(struct vtis_blob *b)
{
	u32 v;

	if (!vtis_blob_has(b, 4))
		return 0;
	v = get_unaligned_le32(b->p + b->off);
	b->off += 4;
	return v;
}

void vtis_blob_get_bytes(struct vtis_blob *b, u8 *dst, u32 n)
{
	if (!vtis_blob_has(b, n)) {
		memset(dst, 0, n);
		return;
	}
	memcpy(dst, b->p + b->off, n);
	b->off += n;
}

/* CRC-32 of the blob with its checksum field read as zero. */
static u32 vtis_blob_crc(const u8 *p, u32 len)
{
	static const u8 zero[4];
	u32 crc;

	crc = crc32_le(~0U, p, VTIS_BLOB_CRC_OFF);
	crc = crc32_le(crc, zero, sizeof(zero));
	crc = crc32_le(crc, p + VTIS_BLOB_CRC_OFF + 4,
		       len - VTIS_BLOB_CRC_OFF - 4);
	return ~crc;
}

/* The longest blob device @dev writes. */
static u32 vtis_blob_max(const struct vtis_dev *dev)
{
	return VTIS_BLOB_HDR_SIZE + dev->fe->state_max;
}

/*
 * Serialise device @dev's state into @p (vtis_blob_max() bytes), under its
 * lock; its length.
 */
static u32 vtis_blob_write(struct vtis_dev *dev, u8 *p)
{
	struct vtis_blob b = { .p = p, .len = vtis_blob_max(dev) };

	lockdep_assert_held(&dev->lock);
	vtis_blob_put32(&b, VTIS_BLOB_MAGIC);
	put_unaligned_le16(VTIS_BLOB_VERSION, p + b.off);
	put_unaligned_le16(VTIS_BLOB_HDR_SIZE, p + b.off + 2);
	b.off += 4;
	vtis_blob_put32(&b, 0);		/* total length, below */
	vtis_blob_put32(&b, dev->family);
	vtis_blob_put32(&b, dev->backend);
	vtis_blob_put32(&b, 0);		/* flags */
	vtis_blob_put32(&b, 0);		/* checksum, below */
	vtis_blob_put32(&b, dev->interface);

	dev->fe->save(dev, &b);
	put_unaligned_le32(b.off, p + VTIS_BLOB_LEN_OFF);
	put_unaligned_le32(vtis_blob_crc(p, b.off), p + VTIS_BLOB_CRC_OFF);
	return b.off;
}

/*
 * Parse and check a blob of @len bytes for device @dev into @st (the
 * frontend's scratch state, zeroed by the caller).  0 or -EINVAL; @dev's
 * fixed fields only are read.
 */
static int vtis_blob_read(struct vtis_dev *dev, u8 *p, u32 len, void *st)
{
	struct vtis_blob b = { .p = p, .len = len };
	u32 family, backend, flags, crc, interface;
	u16 version, hdr_size;

	if (len < VTIS_BLOB_HDR_SIZE || len > vtis_blob_max(dev))
		return -EINVAL;
	if (vtis_blob_get32(&b) != VTIS_BLOB_MAGIC)
		return -EINVAL;
	version = vtis_blob_get16(&b);
	hdr_size = vtis_blob_get16(&b);
	if (version != VTIS_BLOB_VERSION || hdr_size != VTIS_BLOB_HDR_SIZE)
		return -EINVAL;
	if (vtis_blob_get32(&b) != len)
		return -EINVAL;
	family = vtis_blob_get32(&b);
	backend = vtis_blob_get32(&b);
	flags = vtis_blob_get32(&b);
	crc = vtis_blob_get32(&b);
	interface = vtis_blob_get32(&b);
	if (flags || crc != vtis_blob_crc(p, len))
		return -EINVAL;
	if (family != dev->family || backend != dev->backend ||
	    interface != dev->interface)
		return -EINVAL;
	return dev->fe->parse(dev, &b, st);
}

int vtis_dev_reset(struct vtis_dev *dev)
{
	mutex_lock(&dev->lock);
	if (dev->dead) {
		mutex_unlock(&dev->lock);
		return -ENOENT;
	}
	/* The backend forgets the command first: the frontend then has none. */
	dev->be.ops->reset(&dev->be);
	dev->fe->reset(dev);
	if (dev->log)
		memset(dev->log, 0, dev->log_size);
	/* A vCPU waiting after GO returns to the guest now. */
	vtis_dev_done(dev);
	mutex_unlock(&dev->lock);
	return 0;
}

int vtis_dev_save_state(struct vtis_dev *dev, void __user *ubuf, u32 *len)
{
	u8 *blob;
	u32 n;
	int ret;

	if (!vtis_dev_migratable(dev))
		return -EOPNOTSUPP;
	blob = kvmalloc(vtis_blob_max(dev), GFP_KERNEL_ACCOUNT);
	if (!blob)
		return -ENOMEM;
	mutex_lock(&dev->lock);
	if (dev->dead) {
		mutex_unlock(&dev->lock);
		ret = -ENOENT;
		goto out_free;
	}
	n = vtis_blob_write(dev, blob);
	mutex_unlock(&dev->lock);

	ret = 0;
	if (*len < n)
		ret = -ENOSPC;
	else if (copy_to_user(ubuf, blob, n))
		ret = -EFAULT;
	*len = n;
out_free:
	kvfree(blob);
	return ret;
}

int vtis_dev_restore_state(struct vtis_dev *dev, const void __user *ubuf,
			   u32 len)
{
	void *st;
	u8 *blob;
	int ret;

	if (!vtis_dev_migratable(dev))
		return -EOPNOTSUPP;
	if (!len || len > KVM_VTIS_STATE_MAX)
		return -EINVAL;
	blob = kvmalloc(len, GFP_KERNEL_ACCOUNT);
	if (!blob)
		return -ENOMEM;
	st = kvzalloc(dev->fe->state_size, GFP_KERNEL_ACCOUNT);
	if (!st) {
		ret = -ENOMEM;
		goto out_free_blob;
	}
	if (copy_from_user(blob, ubuf, len)) {
		ret = -EFAULT;
		goto out_free_state;
	}
	ret = vtis_blob_read(dev, blob, len, st);
	if (ret)
		goto out_free_state;

	mutex_lock(&dev->lock);
	if (dev->dead) {
		ret = -ENOENT;
	} else if (dev->fe->busy(dev) || !dev->be.ops->idle(&dev->be)) {
		ret = -EBUSY;
	} else {
		/* Whatever the frontend held is replaced: the backend forgets it. */
		dev->be.ops->reset(&dev->be);
		ret = dev->fe->load(dev, st);
		if (!ret)
			vtis_dev_done(dev);
	}
	mutex_unlock(&dev->lock);

out_free_state:
	kvfree(st);
out_free_blob:
	kvfree(blob);
	return ret;
}
