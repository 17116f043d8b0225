/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Platform reset and the migration blob of a device (state.c): the
 * ioctls' entry points, and the cursor a frontend writes and reads its
 * part of the blob with.
 */
#ifndef KVM_VTIS_STATE_H
#define KVM_VTIS_STATE_H

#include <linux/compiler.h>
#include <linux/types.h>

/* The blob's header; the frontend's state follows it. */
#define VTIS_BLOB_HDR_SIZE	32U

struct vtis_dev;

/**
 * struct vtis_blob - a cursor over a migration blob
 * @p: the blob
 * @off: the offset of the next field to write or read
 * @len: the blob's length: reads stay below it; writes trust the writer,
 *	who sized the blob for the most it writes
 * @bad: a read would have gone past @len; it and every later read gave 0
 */
struct vtis_blob {
	u8 *p;
	u32 off;
	u32 len;
	bool bad;
};

/**
 * vtis_blob_put8() - append a byte
 * @b: the cursor
 * @v: the byte
 */
void vtis_blob_put8(struct vtis_blob *b, u8 v);

/**
 * vtis_blob_put32() - append a 32-bit field, little-endian
 * @b: the cursor
 * @v: the value
 */
void vtis_blob_put32(struct vtis_blob *b, u32 v);

/**
 * vtis_blob_put_bytes() - append bytes
 * @b: the cursor
 * @src: the bytes
 * @n: how many
 */
void vtis_blob_put_bytes(struct vtis_blob *b, const u8 *src, u32 n);

/**
 * vtis_blob_get8() - read a byte
 * @b: the cursor
 *
 * Return: the byte, or 0 (and @b->bad set) past the end.
 */
u8 vtis_blob_get8(struct vtis_blob *b);

/**
 * vtis_blob_get16() - read a 16-bit field, little-endian
 * @b: the cursor
 *
 * Return: the value, or 0 (and @b->bad set) past the end.
 */
u16 vtis_blob_get16(struct vtis_blob *b);

/**
 * vtis_blob_get32() - read a 32-bit field, little-endian
 * @b: the cursor
 *
 * Return: the value, or 0 (and @b->bad set) past the end.
 */
u32 vtis_blob_get32(struct vtis_blob *b);

/**
 * vtis_blob_get_bytes() - read bytes
 * @b: the cursor
 * @dst: where they go (@n bytes: zeroes, and @b->bad set, past the end)
 * @n: how many
 */
void vtis_blob_get_bytes(struct vtis_blob *b, u8 *dst, u32 n);

/**
 * vtis_dev_reset() - KVM_VTIS_RESET: power-on state
 * @dev: the device (the caller holds a reference)
 *
 * A command in flight is abandoned: the backend forgets it, then the
 * frontend.
 *
 * Return: 0, or -ENOENT when the device is gone.
 */
int vtis_dev_reset(struct vtis_dev *dev);

/**
 * vtis_dev_save_state() - KVM_VTIS_SAVE_STATE: write the blob
 * @dev: the device (the caller holds a reference)
 * @ubuf: where to
 * @len: in: @ubuf's size; out: the blob's length (also on -ENOSPC)
 *
 * Return: 0, -EOPNOTSUPP (the backend is not migratable), -ENOENT (the
 * device is gone), -ENOSPC (@ubuf too small), -EFAULT or -ENOMEM.
 */
int vtis_dev_save_state(struct vtis_dev *dev, void __user *ubuf, u32 *len);

/**
 * vtis_dev_restore_state() - KVM_VTIS_RESTORE_STATE: check the blob whole,
 * then load it
 * @dev: the device (the caller holds a reference)
 * @ubuf: the blob
 * @len: its length
 *
 * On any error the device is left as it was.
 *
 * Return: 0, -EOPNOTSUPP (the backend is not migratable), -EINVAL (a bad
 * blob, or one of another family or backend), -ENOENT (the device is
 * gone), -EBUSY (a command is in flight), -EFAULT or -ENOMEM.
 */
int vtis_dev_restore_state(struct vtis_dev *dev, const void __user *ubuf,
			   u32 len);

#endif /* KVM_VTIS_STATE_H */
