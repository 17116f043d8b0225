// SPDX-License-Identifier: GPL-2.0
/*
 * Platform reset, and the device's state as a migration blob (the format
 * is described with KVM_VTIS_SAVE_STATE in the uapi header).
 *
 * The blob is written and read field by field, little-endian, never as a
 * memory image of a struct: its layout does not depend on the compiler or
 * on struct vtis_tis_state.  Restore checks the header, the length, the
 * checksum, every field and finally the TIS core's invariants
 * (vtis_tis_state_check()) into a scratch copy, and only then takes the
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
#define VTIS_BLOB_HDR_SIZE	32U
#define VTIS_BLOB_CRC_OFF	24U
/* Fixed part of the TIS state: 28 bytes, then 12 per locality. */
#define VTIS_BLOB_TIS_FIXED	28U
#define VTIS_BLOB_LOC_SIZE	12U
#define VTIS_BLOB_MIN		(VTIS_BLOB_HDR_SIZE + VTIS_BLOB_TIS_FIXED + \
				 VTIS_NUM_LOCALITIES * VTIS_BLOB_LOC_SIZE)
#define VTIS_BLOB_MAX		(VTIS_BLOB_MIN + VTIS_BUFFER_SIZE)

static_assert(VTIS_BLOB_MAX <= KVM_VTIS_STATE_MAX);

/* A cursor over the blob: writes and reads stay inside [p, end). */
struct vtis_blob {
	u8 *p;
	u32 off;
	u32 len;
	bool bad;		/* a read past the end */
};

static void vtis_put8(struct vtis_blob *b, u8 v)
{
	b->p[b->off++] = v;
}

static void vtis_put32(struct vtis_blob *b, u32 v)
{
	put_unaligned_le32(v, b->p + b->off);
	b->off += 4;
}

static bool vtis_blob_has(struct vtis_blob *b, u32 n)
{
	if (b->bad || b->len - b->off < n) {
		b->bad = true;
		return false;
	}
	return true;
}

static u8 vtis_get8(struct vtis_blob *b)
{
	return vtis_blob_has(b, 1) ? b->p[b->off++] : 0;
}

static u16 vtis_get16(struct vtis_blob *b)
{
	u16 v;

	if (!vtis_blob_has(b, 2))
		return 0;
	v = get_unaligned_le16(b->p + b->off);
	b->off += 2;
	return v;
}

static u32 vtis_get32(struct vtis_blob *b)
{
	u32 v;

	if (!vtis_blob_has(b, 4))
		return 0;
	v = get_unaligned_le32(b->p + b->off);
	b->off += 4;
	return v;
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

/* Serialise @st of device @dev into @p (VTIS_BLOB_MAX bytes); its length. */
static u32 vtis_blob_write(const struct vtis_dev *dev,
			   const struct vtis_tis_state *st, u8 *p)
{
	struct vtis_blob b = { .p = p, .len = VTIS_BLOB_MAX };
	u32 total = VTIS_BLOB_MIN + st->len;
	int l;

	vtis_put32(&b, VTIS_BLOB_MAGIC);
	put_unaligned_le16(VTIS_BLOB_VERSION, p + b.off);
	put_unaligned_le16(VTIS_BLOB_HDR_SIZE, p + b.off + 2);
	b.off += 4;
	vtis_put32(&b, total);
	vtis_put32(&b, dev->family);
	vtis_put32(&b, dev->backend);
	vtis_put32(&b, 0);		/* flags */
	vtis_put32(&b, 0);		/* checksum, below */
	vtis_put32(&b, 0);		/* reserved */

	vtis_put32(&b, st->version);
	vtis_put32(&b, st->family);
	vtis_put8(&b, st->active_locality);
	vtis_put8(&b, st->aborting_locality);
	vtis_put8(&b, st->next_locality);
	vtis_put8(&b, st->established);
	vtis_put8(&b, st->pending);
	vtis_put8(&b, st->busy);
	vtis_put8(&b, st->int_vector);
	vtis_put8(&b, st->flags);
	vtis_put32(&b, st->rw_offset);
	vtis_put32(&b, st->len);
	vtis_put32(&b, 0);		/* reserved */
	for (l = 0; l < VTIS_NUM_LOCALITIES; l++) {
		vtis_put8(&b, st->loc[l].access);
		vtis_put8(&b, st->loc[l].state);
		vtis_put8(&b, 0);
		vtis_put8(&b, 0);
		vtis_put32(&b, st->loc[l].int_enable);
		vtis_put32(&b, st->loc[l].int_status);
	}
	memcpy(p + b.off, st->buf, st->len);
	b.off += st->len;
	put_unaligned_le32(vtis_blob_crc(p, total), p + VTIS_BLOB_CRC_OFF);
	return b.off;
}

/*
 * Parse and check a blob of @len bytes for device @dev into @st (zeroed
 * by the caller).  0 or -EINVAL; @dev's fixed fields only are read.
 */
static int vtis_blob_read(const struct vtis_dev *dev, u8 *p, u32 len,
			  struct vtis_tis_state *st)
{
	struct vtis_blob b = { .p = p, .len = len };
	u32 family, backend, flags, crc, reserved;
	u16 version, hdr_size;
	int l;

	if (len < VTIS_BLOB_MIN || len > VTIS_BLOB_MAX)
		return -EINVAL;
	if (vtis_get32(&b) != VTIS_BLOB_MAGIC)
		return -EINVAL;
	version = vtis_get16(&b);
	hdr_size = vtis_get16(&b);
	if (version != VTIS_BLOB_VERSION || hdr_size != VTIS_BLOB_HDR_SIZE)
		return -EINVAL;
	if (vtis_get32(&b) != len)
		return -EINVAL;
	family = vtis_get32(&b);
	backend = vtis_get32(&b);
	flags = vtis_get32(&b);
	crc = vtis_get32(&b);
	reserved = vtis_get32(&b);
	if (flags || reserved || crc != vtis_blob_crc(p, len))
		return -EINVAL;
	if (family != dev->family || backend != dev->backend)
		return -EINVAL;

	st->version = vtis_get32(&b);
	st->family = vtis_get32(&b);
	st->active_locality = vtis_get8(&b);
	st->aborting_locality = vtis_get8(&b);
	st->next_locality = vtis_get8(&b);
	st->established = vtis_get8(&b);
	st->pending = vtis_get8(&b);
	st->busy = vtis_get8(&b);
	st->int_vector = vtis_get8(&b);
	st->flags = vtis_get8(&b);
	st->rw_offset = vtis_get32(&b);
	st->len = vtis_get32(&b);
	reserved = vtis_get32(&b);
	for (l = 0; l < VTIS_NUM_LOCALITIES; l++) {
		st->loc[l].access = vtis_get8(&b);
		st->loc[l].state = vtis_get8(&b);
		st->loc[l].pad[0] = vtis_get8(&b);
		st->loc[l].pad[1] = vtis_get8(&b);
		st->loc[l].int_enable = vtis_get32(&b);
		st->loc[l].int_status = vtis_get32(&b);
	}
	if (b.bad || reserved)
		return -EINVAL;
	/* The buffer's bytes, exactly: nothing may follow them. */
	if (st->len > VTIS_BUFFER_SIZE || len - b.off != st->len)
		return -EINVAL;
	memcpy(st->buf, p + b.off, st->len);
	/* The family inside must be the device's too. */
	if (st->family != (dev->family == KVM_VTIS_TPM_1_2 ?
			   VTIS_FAMILY_1_2 : VTIS_FAMILY_2_0))
		return -EINVAL;
	return vtis_tis_state_check(st);
}

int vtis_dev_reset(struct vtis_dev *dev)
{
	mutex_lock(&dev->lock);
	if (dev->dead) {
		mutex_unlock(&dev->lock);
		return -ENOENT;
	}
	/* The backend forgets the command first: the core then has none. */
	dev->be.ops->reset(&dev->be);
	vtis_tis_reset(&dev->tis);
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
	blob = kvmalloc(VTIS_BLOB_MAX, GFP_KERNEL_ACCOUNT);
	if (!blob)
		return -ENOMEM;
	mutex_lock(&dev->lock);
	if (dev->dead) {
		mutex_unlock(&dev->lock);
		ret = -ENOENT;
		goto out_free;
	}
	n = vtis_blob_write(dev, &dev->tis.s, blob);
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
	struct vtis_tis_state *st;
	struct vtis_tis *tis = &dev->tis;
	u8 *blob;
	int ret;

	if (!vtis_dev_migratable(dev))
		return -EOPNOTSUPP;
	if (!len || len > KVM_VTIS_STATE_MAX)
		return -EINVAL;
	blob = kvmalloc(len, GFP_KERNEL_ACCOUNT);
	if (!blob)
		return -ENOMEM;
	/* The state and its buffer, in one piece. */
	st = kvzalloc(sizeof(*st) + VTIS_BUFFER_SIZE, GFP_KERNEL_ACCOUNT);
	if (!st) {
		ret = -ENOMEM;
		goto out_free_blob;
	}
	st->buf = (u8 *)(st + 1);
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
	} else if (vtis_tis_busy(tis) || !dev->be.ops->idle(&dev->be)) {
		ret = -EBUSY;
	} else {
		/* Whatever the core held is replaced: the backend forgets it. */
		dev->be.ops->reset(&dev->be);
		/*
		 * INT_VECTOR is the destination's wiring (KVM_VTIS_SET_IRQ),
		 * not the source's.
		 */
		st->int_vector = tis->s.int_vector;
		ret = vtis_tis_load_state(tis, st);
		/* The source's answer did not come along: ask again. */
		if (!ret && vtis_tis_busy(tis))
			vtis_dev_resubmit(dev, tis->s.buf, tis->s.len,
					  tis->s.next_locality);
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
