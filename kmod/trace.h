/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tracepoints of kvm_vtis (trace system "kvm_vtis"): guest MMIO accesses,
 * commands submitted and completed, locality changes, the emulator coming
 * and going, and every refused or repaired input.  Each is a static key:
 * while disabled, a call site costs a patched-out branch and its
 * arguments are not evaluated beyond what the call passes.
 *
 * Localities are 0-4, or -1 for none (VTIS_NO_LOCALITY stored as s8).
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM kvm_vtis

#if !defined(KVM_VTIS_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define KVM_VTIS_TRACE_H

#include <linux/minmax.h>
#include <linux/string.h>
#include <linux/tracepoint.h>

#include "reason.h"
#include "tis.h"

TRACE_DEFINE_ENUM(VTIS_EVR_OK);
TRACE_DEFINE_ENUM(VTIS_EVR_BAD_RESPONSE);
TRACE_DEFINE_ENUM(VTIS_EVR_FAILED);
TRACE_DEFINE_ENUM(VTIS_EVR_DROPPED);
TRACE_DEFINE_ENUM(VTIS_OBS_PREFIX);
TRACE_DEFINE_ENUM(VTIS_OBS_VENDOR);
TRACE_DEFINE_ENUM(VTIS_OBS_SIZE);
TRACE_DEFINE_ENUM(VTIS_OBS_NO_BACKEND);
TRACE_DEFINE_ENUM(VTIS_OBS_BAD_RESPONSE);
TRACE_DEFINE_ENUM(VTIS_OBS_EMU_PROTOCOL);
TRACE_DEFINE_ENUM(VTIS_OBS_TIMEOUT);
TRACE_DEFINE_ENUM(VTIS_OBS_NO_EMULATOR);
TRACE_DEFINE_ENUM(VTIS_OBS_EMU_GONE);
TRACE_DEFINE_ENUM(VTIS_OBS_LOCALITY_REFUSED);

/* A guest access to the window, after the TIS core handled it. */
TRACE_EVENT(kvm_vtis_mmio,
	TP_PROTO(u32 id, u32 offset, u32 len, const void *val, bool write),
	TP_ARGS(id, offset, len, val, write),
	TP_STRUCT__entry(
		__field(u32, id)
		__field(u16, offset)
		__field(u8, locality)
		__field(u8, len)
		__field(bool, write)
		__field(u64, val)
	),
	TP_fast_assign(
		__entry->id = id;
		__entry->locality = offset >> VTIS_LOCALITY_SHIFT;
		__entry->offset = offset & ((1U << VTIS_LOCALITY_SHIFT) - 1);
		__entry->len = len;
		__entry->write = write;
		__entry->val = 0;
		memcpy(&__entry->val, val, min_t(u32, len, sizeof(u64)));
	),
	TP_printk("dev %u loc %u %s off 0x%03x len %u val 0x%llx",
		  __entry->id, __entry->locality,
		  __entry->write ? "write" : "read", __entry->offset,
		  __entry->len, __entry->val)
);

/* A command goes to the backend. */
TRACE_EVENT(kvm_vtis_cmd_submit,
	TP_PROTO(u32 id, u8 locality, u32 ordinal, u32 len),
	TP_ARGS(id, locality, ordinal, len),
	TP_STRUCT__entry(
		__field(u32, id)
		__field(u32, ordinal)
		__field(u32, len)
		__field(s8, locality)
	),
	TP_fast_assign(
		__entry->id = id;
		__entry->ordinal = ordinal;
		__entry->len = len;
		__entry->locality = (s8)locality;
	),
	TP_printk("dev %u loc %d ordinal 0x%x len %u", __entry->id,
		  __entry->locality, __entry->ordinal,
		  __entry->len)
);

/*
 * The command at the backend ended: rc and len of what the guest reads,
 * and the backend's service time.
 */
TRACE_EVENT(kvm_vtis_cmd_complete,
	TP_PROTO(u32 id, u8 locality, u32 rc, u32 len, u64 service_ns,
		 u8 result),
	TP_ARGS(id, locality, rc, len, service_ns, result),
	TP_STRUCT__entry(
		__field(u64, service_ns)
		__field(u32, id)
		__field(u32, rc)
		__field(u32, len)
		__field(s8, locality)
		__field(u8, result)
	),
	TP_fast_assign(
		__entry->service_ns = service_ns;
		__entry->id = id;
		__entry->rc = rc;
		__entry->len = len;
		__entry->locality = (s8)locality;
		__entry->result = result;
	),
	TP_printk("dev %u loc %d rc 0x%x len %u service_ns %llu result %s",
		  __entry->id, __entry->locality, __entry->rc,
		  __entry->len, __entry->service_ns,
		  __print_symbolic(__entry->result,
				    { VTIS_EVR_OK, "ok" },
				    { VTIS_EVR_BAD_RESPONSE, "bad_response" },
				    { VTIS_EVR_FAILED, "failed" },
				    { VTIS_EVR_DROPPED, "dropped" }))
);

/* The active locality changed. */
TRACE_EVENT(kvm_vtis_locality,
	TP_PROTO(u32 id, u8 from, u8 to),
	TP_ARGS(id, from, to),
	TP_STRUCT__entry(
		__field(u32, id)
		__field(s8, from)
		__field(s8, to)
	),
	TP_fast_assign(
		__entry->id = id;
		__entry->from = (s8)from;
		__entry->to = (s8)to;
	),
	TP_printk("dev %u from %d to %d", __entry->id,
		  __entry->from, __entry->to)
);

/* An emulator opened the device's /dev/vtis-emu<N>. */
TRACE_EVENT(kvm_vtis_emu_connect,
	TP_PROTO(u32 id, pid_t pid),
	TP_ARGS(id, pid),
	TP_STRUCT__entry(
		__field(u32, id)
		__field(pid_t, pid)
	),
	TP_fast_assign(
		__entry->id = id;
		__entry->pid = pid;
	),
	TP_printk("dev %u pid %d", __entry->id, __entry->pid)
);

/* The emulator closed it; mid_command: a command was at the emulator. */
TRACE_EVENT(kvm_vtis_emu_disconnect,
	TP_PROTO(u32 id, bool mid_command),
	TP_ARGS(id, mid_command),
	TP_STRUCT__entry(
		__field(u32, id)
		__field(bool, mid_command)
	),
	TP_fast_assign(
		__entry->id = id;
		__entry->mid_command = mid_command;
	),
	TP_printk("dev %u mid_command %d", __entry->id, __entry->mid_command)
);

/* A refused or repaired input, or a command the backend failed. */
TRACE_EVENT(kvm_vtis_reject,
	TP_PROTO(u32 id, u8 locality, u8 reason, u32 ordinal, u32 rc,
		 u32 len),
	TP_ARGS(id, locality, reason, ordinal, rc, len),
	TP_STRUCT__entry(
		__field(u32, id)
		__field(u32, ordinal)
		__field(u32, rc)
		__field(u32, len)
		__field(s8, locality)
		__field(u8, reason)
	),
	TP_fast_assign(
		__entry->id = id;
		__entry->ordinal = ordinal;
		__entry->rc = rc;
		__entry->len = len;
		__entry->locality = (s8)locality;
		__entry->reason = reason;
	),
	TP_printk("dev %u loc %d reason %s ordinal 0x%x rc 0x%x len %u",
		  __entry->id, __entry->locality,
		  __print_symbolic(__entry->reason,
				    { VTIS_OBS_PREFIX, "prefix" },
				    { VTIS_OBS_VENDOR, "vendor" },
				    { VTIS_OBS_SIZE, "size" },
				    { VTIS_OBS_NO_BACKEND, "no_backend" },
				    { VTIS_OBS_BAD_RESPONSE, "bad_response" },
				    { VTIS_OBS_EMU_PROTOCOL, "emu_protocol" },
				    { VTIS_OBS_TIMEOUT, "timeout" },
				    { VTIS_OBS_NO_EMULATOR, "no_emulator" },
				    { VTIS_OBS_EMU_GONE, "emu_gone" },
				    { VTIS_OBS_LOCALITY_REFUSED, "locality_refused" }),
		  __entry->ordinal, __entry->rc, __entry->len)
);

#endif /* KVM_VTIS_TRACE_H */

/* This part must be outside the include guard. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
