/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vtis-vmm, the multi-scenario test VMM: its options, its test VM (a VM of
 * the library with vCPU 0, a kvm_vtis device and maybe swtpm), and the
 * scenarios each file offers.
 */
#ifndef VTIS_VMM_H
#define VTIS_VMM_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "crb_regs.h"
#include "emu_util.h"
#include "kvm_util.h"
#include "swtpm.h"
#include "test_util.h"
#include "tis_regs.h"
#include "tpm_cmd.h"
#include "vtis_util.h"

#define SCALE_MAX_VMS	64

struct options {
	bool tpm12;
	bool host_tpm;			/* attach to the host's TPM chip */
	unsigned int tpm_index;
	bool no_attach;
	bool spawn_swtpm;
	bool no_detach;
	bool expect_errors;		/* TPM failures are part of the run */
	unsigned int storm;		/* accesses of the storm scenario */
	unsigned int vms;		/* VMs of the scale scenario */
	unsigned int extends;		/* extends per VM of the scale scenario */
	const char *hold_file;
	unsigned int timeout;		/* whole run, seconds */
	unsigned int wait_emu;		/* seconds for an emulator to connect */
	unsigned int loop_secs;
	const char *state_dir;
	const char *emu_file;
	const char *swtpm;
	const char *vtisctl;
	struct vm_config vm;		/* base, irqchip, the guest's bounds */
	bool selftest;
	bool any_selected;
};

extern struct options opt;

/* The device (and the guest's driver) is a CRB one (--interface crb). */
static inline bool opt_crb(void)
{
	return opt.vm.interface == KVM_VTIS_INTERFACE_CRB;
}

/* A test VM: the VM and its vCPU 0, its device, its swtpm. */
struct tvm {
	struct kvm_vm *vm;
	struct kvm_vcpu *cpu;
	struct vtis_dev dev;
	struct swtpm sw;
	bool emu_lost;			/* TPM failures are expected */
	bool detached_mid;		/* detach-mid ran: counts stop there */
	uint32_t refused;		/* guest commands the device refuses */
	uint64_t exits_at_detach;
	uint32_t accesses_at_detach;
};

/* struct scenario.iface: the device interfaces a scenario runs on. */
enum sc_iface {
	SC_TIS = 0,		/* TIS only: it drives TIS registers itself */
	SC_ANY,			/* TIS and CRB: commands through the guest's driver */
	SC_CRB,			/* CRB only */
};

struct scenario {
	const char *name;
	void (*fn)(struct tvm *t);
	bool tpm2_only;
	enum sc_iface iface;
};



static inline bool hex_eq(const uint8_t *a, const uint8_t *b, size_t n)
{
	return memcmp(a, b, n) == 0;
}

extern const struct scenario scenarios[];
extern const size_t n_scenarios;
extern bool selected[];

#define IRQ_GSI			10u
#define IRQ_CMDS		4

/* options.c: the options */
void usage(FILE *f);
bool parse_args(int argc, char **argv);

/* selftest.c: the SHA code against known answers */
void selftest(void);

/* tvm.c: the test VMs */
struct tvm *tvm_new(bool main_vm);
int tvm_attach(struct tvm *t, bool main_vm);
int tvm_swtpm(struct tvm *t);
int tvm_wait_emulator(struct tvm *t);
void tvm_free(struct tvm *t, bool detach, const char *reaped);
uint32_t tvm_accesses(const struct tvm *t);
void tpm_get_random_cmd(struct cmdbuf *b, uint16_t n);
bool get_random_ok(struct tvm *t, const char *what);

/* scenarios.c: probe, commands, localities, TPM 1.2, loops */
void scenario_probe(struct tvm *t);
void scenario_getrandom(struct tvm *t);
void scenario_extend(struct tvm *t);
void scenario_bigcmd(struct tvm *t);
void scenario_localities(struct tvm *t);
void scenario_tpm12(struct tvm *t);
void scenario_loop(struct tvm *t);
void scenario_extend_loop(struct tvm *t);
void scenario_read_loop(struct tvm *t);
void scenario_access_cost(struct tvm *t);

/* emuloss.c: the emulator killed, detach mid-command */
void scenario_emu_restart(struct tvm *t);
void scenario_detach_mid(struct tvm *t);

/* scale.c: memory, scale, two VMs */
void scenario_scale(struct tvm *t);
void scenario_two_vm(struct tvm *t);

/* obs.c: statistics */
void scenario_obs(struct tvm *t);

/* storm.c: storms, guest faults */
void scenario_storm(struct tvm *t);
void scenario_guest_storm(struct tvm *t);
void scenario_guest_fault(struct tvm *t);

/* hosttpm.c: host TPM backend */
void scenario_host_pcr(struct tvm *t);
void scenario_cancel(struct tvm *t);
void scenario_host_loss(struct tvm *t);

/* migrate.c: reset and migration */
void scenario_reset(struct tvm *t);
void scenario_migrate(struct tvm *t);

/* irq.c: interrupt line */
void scenario_irq(struct tvm *t);

/* crb.c: the CRB interface's own */
void scenario_crb_probe(struct tvm *t);
void scenario_crb_bigcmd(struct tvm *t);

#endif /* VTIS_VMM_H */
