/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Differences between the kernels kvm_vtis builds for.  Features are
 * probed at build time (see Kbuild and kmod/probe.sh); the results arrive as
 * VTIS_HAVE_* macros in the generated compat_probed.h, and nothing outside
 * this header tests kernel versions.
 */
#ifndef KVM_VTIS_COMPAT_H
#define KVM_VTIS_COMPAT_H

#include <linux/string.h>
#include <linux/types.h>

#include "compat_probed.h"

/* get_unaligned_be32() and friends moved from asm/ to linux/. */
#ifdef VTIS_HAVE_LINUX_UNALIGNED_H
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif

/* class_create() lost its owner argument; devnode() got a const device. */
#ifdef VTIS_HAVE_CLASS_CREATE_OWNER
#define vtis_class_create(name)	class_create(THIS_MODULE, name)
#else
#define vtis_class_create(name)	class_create(name)
#endif

#ifdef VTIS_HAVE_CONST_DEVNODE
#define VTIS_DEVNODE_CONST	const
#else
#define VTIS_DEVNODE_CONST
#endif

/* struct fd became an opaque word; fd_file() reads its file. */
#ifndef VTIS_HAVE_FD_FILE
#define fd_file(f)	((f).file)
#endif

/* eventfd_signal() lost its count argument (it always was 1 for us). */
#ifdef VTIS_HAVE_EVENTFD_SIGNAL_NO_COUNT
#define vtis_eventfd_signal(ctx)	eventfd_signal(ctx)
#else
#define vtis_eventfd_signal(ctx)	eventfd_signal(ctx, 1)
#endif

#endif /* KVM_VTIS_COMPAT_H */
