/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vtis-vmm's shared declarations: the options, the results, the VM, the
 * TPM command buffers and what each file offers the others.
 */
#ifndef VTIS_VMM_H
#define VTIS_VMM_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/kvm.h>
#include <linux/kvm_vtis.h>

#include "mailbox.h"
#include "sha.h"

#define __printf(a, b)	__attribute__((format(printf, a, b)))
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

extern const uint8_t guest_image[], guest_image_end[];

#define SCALE_MAX_VMS	64

struct options {
	bool tpm12;
	bool host_tpm;			/* attach to the host's TPM chip */
	unsigned int tpm_index;
	bool no_attach;
	bool spawn_swtpm;
	bool no_detach;
	bool verbose;
	bool expect_errors;		/* TPM failures are part of the run */
	bool irqchip;			/* KVM_CREATE_IRQCHIP for the VM */
	unsigned int storm;		/* accesses of the storm scenario */
	unsigned int vms;		/* VMs of the scale scenario */
	unsigned int extends;		/* extends per VM of the scale scenario */
	const char *hold_file;
	unsigned int timeout;		/* whole run, seconds */
	unsigned int wait_emu;		/* seconds for an emulator to connect */
	unsigned int guest_timeout_ms;
	unsigned int guest_duration_ms;
	unsigned int poll_us;
	unsigned int loop_secs;
	uint64_t base;
	const char *state_dir;
	const char *emu_file;
	const char *swtpm;
	const char *vtisctl;
};

extern struct options opt;
extern unsigned int failures;
extern struct vm the_vm;

struct vm {
	int kvm_fd;
	int vm_fd;
	int vcpu_fd;
	struct kvm_run *run;
	size_t run_size;
	uint8_t *mem;
	struct mailbox *mb;
	bool dead;			/* the vCPU cannot run any more */
	int fault_vector;		/* CPU exception the guest reported, or -1 */

	/* exits to userspace */
	uint64_t exits;
	uint64_t exits_io;
	uint64_t exits_mmio;
	uint64_t exits_mmio_tis;
	uint64_t exits_other;

	/* kvm_vtis */
	int vtis_fd;
	bool attached;
	uint32_t id;
	char emu_name[KVM_VTIS_NAME_LEN];

	/* swtpm */
	pid_t swtpm_pid;
	char state_dir[128];
	char ctrl[160];			/* swtpm's control socket */
	bool own_state_dir;
	bool emu_lost;			/* the emulator was killed on purpose */
	bool detached_mid;		/* detach-mid ran: counts stop there */
	uint32_t refused;		/* guest commands the device refuses */
	uint64_t exits_at_detach;
	uint32_t accesses_at_detach;

	char log[256];
	size_t log_len;

	/* TIS accesses by a second vCPU that has finished (guest-storm) */
	uint32_t ap_reads, ap_writes;
	uint32_t ap_class_reads[8], ap_class_writes[8];
};

struct scenario {
	const char *name;
	void (*fn)(struct vm *vm);
	bool tpm2_only;
};

/* TPM and TIS constants */
#define TPM2_ST_NO_SESSIONS	0x8001
#define TPM2_ST_SESSIONS	0x8002
#define TPM2_CC_HASH		0x0000017d
#define TPM2_CC_GET_RANDOM	0x0000017b
#define TPM2_CC_PCR_READ	0x0000017e
#define TPM2_CC_PCR_EXTEND	0x00000182
#define TPM2_ALG_SHA256		0x000b
#define TPM2_RH_NULL		0x40000007
#define TPM2_RS_PW		0x40000009
#define TPM2_RC_SUCCESS		0x000
#define TPM2_RC_LOCALITY	0x907
#define TPM2_RC_SIZE_P1		0x1d5	/* TPM_RC_SIZE, parameter 1 */
#define TPM_TAG_RQU_COMMAND	0x00c1
#define TPM_TAG_RSP_COMMAND	0x00c4
#define TPM_ORD_EXTEND		0x00000014
#define TPM_ORD_PCR_READ	0x00000015
#define TPM_ORD_GET_RANDOM	0x00000046
#define TPM2_CC_CREATE_PRIMARY	0x00000131
#define TPM2_CC_FLUSH_CONTEXT	0x00000165
#define TPM2_RH_OWNER		0x40000001
#define TPM2_ALG_RSA		0x0001
#define TPM2_ALG_AES		0x0006
#define TPM2_ALG_CFB		0x0043
#define TPM2_ALG_NULL		0x0010
#define TPM2_RC_CANCELED	0x909
#define TIS_STS			0x18
#define TIS_STS_COMMAND_CANCEL	0x01000000u
#define TPM2_CC_STARTUP		0x00000144
#define TPM2_SU_CLEAR		0x0000
#define TPM2_RC_INITIALIZE	0x100
#define TIS_ACCESS		0x00
#define TIS_INT_ENABLE		0x08
#define TIS_DATA_FIFO		0x24
#define TIS_STS_VALID		0x80
#define TIS_STS_DATA_AVAIL	0x10
#define TIS_STS_CMD_READY	0x40
#define TIS_INT_VECTOR		0x0c
#define TIS_INT_STATUS		0x10
#define TIS_INT_ALL		0x87u	/* cmdReady, locChange, stsValid, dataAvail */
#define TIS_INT_GLOBAL		0x80000000u
#define TIS_INT_LOW_LEVEL	0x08u
#define IRQ_GSI			10u
#define IRQ_CMDS		4
#define ACC_VALID	0x80
#define ACC_ACTIVE	0x20
#define ACC_PENDING	0x04
#define ACC_REQUEST	0x02
#define TPM2_RC_COMMAND_CODE	0x143
#define TPM2_RC_COMMAND_SIZE	0x142

struct cmdbuf {
	uint8_t d[4096];
	size_t n;
	bool overflow;
};

/* A response, parsed with bounds checks. */
struct resp {
	const uint8_t *p;
	size_t len;
	size_t off;
	bool bad;		/* read past the end */
	uint16_t tag;
	uint32_t rc;
};

/* vmm.c: options, results, the VM, main */
void __printf(2, 3) result(bool ok, const char *fmt, ...);
void __printf(1, 2) diag(const char *fmt, ...);
void hexdump(const char *what, const uint8_t *p, size_t n);
void swtpm_track(struct vm *vm, pid_t pid);
int vm_create(struct vm *vm);
int vcpu_create(struct vm *vm, unsigned int index);
const char *status_name(uint32_t st);
int guest_op(struct vm *vm, uint32_t op, unsigned int loc,
	     uint32_t flags);
int guest_read(struct vm *vm, unsigned int loc, uint32_t off,
	       unsigned int width, uint32_t *val);
int guest_boot(struct vm *vm);
uint32_t guest_accesses(struct vm *vm);

/* attach.c: kvm_vtis and swtpm */
int vtis_info(struct vm *vm, struct kvm_vtis_info *info);
int vtis_stats(struct vm *vm, struct kvm_vtis_stats *st);
int vtis_attach(struct vm *vm);
void vtis_detach(struct vm *vm);
void sleep_ms(unsigned int ms);
pid_t prog_start(const char *const argv[]);
int swtpm_spawn(struct vm *vm);
int wait_emulator(struct vm *vm);
void remove_state_dir(struct vm *vm);
bool swtpm_reap(struct vm *vm, unsigned int ms);
void vm_destroy(struct vm *vm);

/* tpm.c: TPM commands */
void put8(struct cmdbuf *b, uint8_t v);
void put16(struct cmdbuf *b, uint16_t v);
void put32(struct cmdbuf *b, uint32_t v);
void putbytes(struct cmdbuf *b, const void *p, size_t n);
void cmd_start(struct cmdbuf *b, uint16_t tag, uint32_t code);
void cmd_end(struct cmdbuf *b);
uint32_t get(struct resp *r, unsigned int bytes);
const uint8_t *getbytes(struct resp *r, size_t n);
int tpm_op(struct vm *vm, uint32_t op, unsigned int loc,
	   uint32_t flags, const struct cmdbuf *cmd, struct resp *r,
	   const char *what);
int tpm_transmit(struct vm *vm, unsigned int loc, uint32_t flags,
		 const struct cmdbuf *cmd, struct resp *r,
		 const char *what);
void tpm2_cmd_get_random(struct cmdbuf *b, uint16_t n);
void tpm2_cmd_pcr_read(struct cmdbuf *b, unsigned int pcr);
void tpm2_cmd_pcr_extend(struct cmdbuf *b, unsigned int pcr,
			 const uint8_t digest[SHA256_DIGEST_SIZE]);
void tpm2_cmd_hash(struct cmdbuf *b, const uint8_t *data, uint16_t n);
void cmd_get_random_any(struct cmdbuf *b, uint16_t n);
uint64_t now_ms(void);
int tpm2_get_random(struct vm *vm, unsigned int loc, uint32_t flags,
		    uint8_t *out, uint16_t n, const char *what);
int tpm2_pcr_read(struct vm *vm, unsigned int loc, uint32_t flags,
		  unsigned int pcr, uint8_t out[SHA256_DIGEST_SIZE],
		  const char *what);
int64_t tpm2_pcr_extend(struct vm *vm, unsigned int loc, uint32_t flags,
			unsigned int pcr,
			const uint8_t digest[SHA256_DIGEST_SIZE],
			const char *what);
void test_digest(uint8_t out[SHA256_DIGEST_SIZE], const char *label);

/* scenarios.c: scenarios */
bool hex_eq(const uint8_t *a, const uint8_t *b, size_t n);
void scenario_probe(struct vm *vm);
void scenario_getrandom(struct vm *vm);
bool extend_and_check(struct vm *vm, unsigned int loc, uint32_t flags,
		      unsigned int pcr, const char *what);
void scenario_extend(struct vm *vm);
void scenario_bigcmd(struct vm *vm);
void scenario_localities(struct vm *vm);
void scenario_tpm12(struct vm *vm);
void scenario_loop(struct vm *vm);
void scenario_extend_loop(struct vm *vm);
bool get_random_ok(struct vm *vm, const char *what);
void scenario_emu_restart(struct vm *vm);
void scenario_detach_mid(struct vm *vm);
void scenario_read_loop(struct vm *vm);
void scenario_access_cost(struct vm *vm);

/* scale.c: memory, scale, two VMs */
void scenario_scale(struct vm *vm);
void scenario_two_vm(struct vm *vm);

/* obs.c: statistics */
void scenario_obs(struct vm *vm);

/* storm.c: storms */
void scenario_storm(struct vm *vm);
void scenario_guest_storm(struct vm *vm);
void scenario_guest_fault(struct vm *vm);

/* hosttpm.c: host TPM backend */
void scenario_host_pcr(struct vm *vm);
void scenario_cancel(struct vm *vm);
void scenario_host_loss(struct vm *vm);

/* migrate.c: reset and migration */
void scenario_reset(struct vm *vm);
void scenario_migrate(struct vm *vm);

/* irq.c: interrupt line */
void scenario_irq(struct vm *vm);

#endif /* VTIS_VMM_H */
