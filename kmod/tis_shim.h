/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The few kernel definitions the TIS core uses, for building it in
 * userspace (unit tests, fuzzing).  Not used in kernel builds.
 */
#ifndef KVM_VTIS_TIS_SHIM_H
#define KVM_VTIS_TIS_SHIM_H

#ifdef __KERNEL__
#error "tis_shim.h is for userspace builds only"
#endif

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;

#ifndef BIT
#define BIT(n)		(1UL << (n))
#endif

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

#endif /* KVM_VTIS_TIS_SHIM_H */
