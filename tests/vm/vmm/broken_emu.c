// SPDX-License-Identifier: GPL-2.0
/*
 * Broken emulators, one bad behaviour at a time, and unmodified swtpm
 * killed -9 in the middle of commands, VTIS_KILLS times (default 100).
 *
 * For every case the guest (a real vCPU whose TIS accesses the kernel
 * handles) must read a TPM response within the documented bound
 * (emu_timeout_ms), a well-formed one or a TPM failure; no single guest
 * access may wait for the emulator (the guest times every access); and a
 * good emulator that connects next must be served normally.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "emu_util.h"
#include "kvm_util.h"
#include "swtpm.h"
#include "test_util.h"
#include "tis_util.h"
#include "tpm_cmd.h"
#include "vtis_util.h"

#define TIMEOUT_MS	3000		/* emu_timeout_ms during this test */
#define BOUND_MS	(TIMEOUT_MS + 5000)	/* plus slack for TCG */

static struct kvm_vcpu *cpu;
static struct vtis_dev dev = VTIS_DEV_INIT;
static struct cmdbuf cmd;
static uint8_t answer[20], msg[EMU_MSG_MAX];
static size_t answer_len;

static void set_timeout(unsigned int ms)
{
	char val[16];

	snprintf(val, sizeof(val), "%u", ms);
	param_set("emu_timeout_ms", val);
}

/* A good emulator connects and answers one command correctly. */
static void good_emulator_serves(const char *what)
{
	int efd = open(dev.node, O_RDWR | O_CLOEXEC);
	const uint8_t *rsp;
	ssize_t n, got;
	bool ok;

	tis_send(cpu, 0, cmd.d, cmd.n, NULL);
	n = emu_next_command(efd, msg, sizeof(msg), 5000);
	ok = n == (ssize_t)cmd.n && !memcmp(msg, cmd.d, cmd.n);
	if (ok)
		emu_write(efd, answer, answer_len);
	got = tis_recv(cpu, 0, BOUND_MS, &rsp);
	close(efd);
	result(ok && got == (ssize_t)answer_len &&
	       !memcmp(rsp, answer, answer_len),
	       "%s: then a good emulator is served normally", what);
}

/* What a bad emulator does with the command in flight; a note for it. */
typedef void (*behaviour)(int *efd, char *note, size_t len);

static void take_command(int efd)
{
	emu_next_command(efd, msg, sizeof(msg), 5000);
}

static void write_noting(int efd, const void *buf, size_t n,
			 const char *what, char *note, size_t len)
{
	snprintf(note, len, "; %s: %s", what, errname(emu_write(efd, buf, n)));
}

static void short_write(int *efd, char *note, size_t len)
{
	take_command(*efd);
	write_noting(*efd, tpm2_rsp_ok, 6, "write of 6 bytes", note, len);
}

static void long_write(int *efd, char *note, size_t len)
{
	static uint8_t big[4098];

	take_command(*efd);
	tpm_rsp(big, TPM2_ST_NO_SESSIONS, 0, NULL, 4088);
	write_noting(*efd, big, sizeof(big), "write of 4098 bytes", note, len);
}

/* A response whose header says size, written as n bytes. */
static void size_field(int efd, uint32_t size, size_t n)
{
	uint8_t r[32] = { 0 };

	tpm_rsp(r, TPM2_ST_NO_SESSIONS, 0, NULL, 0);
	r[2] = size >> 24;
	r[3] = size >> 16;
	r[4] = size >> 8;
	r[5] = size;
	take_command(efd);
	emu_write(efd, r, n);
}

static void size_field_big(int *efd, char *note, size_t len)
{
	(void)note;
	(void)len;
	size_field(*efd, 12, 10);
}

static void size_field_small(int *efd, char *note, size_t len)
{
	(void)note;
	(void)len;
	size_field(*efd, 6, 12);
}

static void size_field_huge(int *efd, char *note, size_t len)
{
	(void)note;
	(void)len;
	size_field(*efd, 0xffffffff, 32);
}

static void two_writes(int *efd, char *note, size_t len)
{
	take_command(*efd);
	emu_write(*efd, answer, answer_len);
	write_noting(*efd, answer, answer_len, "the second write", note, len);
}

static void silent(int *efd, char *note, size_t len)
{
	(void)note;
	(void)len;
	take_command(*efd);
}

static void close_mid(int *efd, char *note, size_t len)
{
	(void)note;
	(void)len;
	take_command(*efd);
	close(*efd);
	*efd = -1;
}

static void tiny_read_then_silent(int *efd, char *note, size_t len)
{
	uint8_t tiny[4];
	int err = read(*efd, tiny, sizeof(tiny)) < 0 ? -errno : 0;

	snprintf(note, len, "; read into 4 bytes: %s, then nothing",
		 errname(err));
}

/* One bad behaviour against a guest command in flight. */
static void bad_case(const char *what, behaviour bad, bool valid_answer)
{
	int efd = open(dev.node, O_RDWR | O_CLOEXEC);
	uint64_t t0 = now_ms(), took;
	const uint8_t *rsp;
	char note[96] = "";
	bool good;
	ssize_t n;

	tis_send(cpu, 0, cmd.d, cmd.n, NULL);
	bad(&efd, note, sizeof(note));
	n = tis_recv(cpu, 0, BOUND_MS + 5000, &rsp);
	took = now_ms() - t0;
	if (valid_answer)
		good = n == (ssize_t)answer_len &&
		       !memcmp(rsp, answer, answer_len);
	else
		good = n > 0 && tpm_is_failure(rsp, n);
	result(good && took < BOUND_MS,
	       "%s: the guest reads %s after %.2f s (bound %.1f s)%s", what,
	       valid_answer ? "the valid answer" : "a TPM failure",
	       took / 1000.0, BOUND_MS / 1000.0, note);
	if (efd >= 0)
		close(efd);
	good_emulator_serves(what);
}

static void bad_emulators(void)
{
	static const struct {
		const char *what;
		behaviour bad;
		bool valid_answer;
	} cases[] = {
		{ "a response shorter than a header (6 bytes)", short_write,
		  false },
		{ "a response longer than 4096 bytes", long_write, false },
		{ "a header size above the bytes written (12 vs 10)",
		  size_field_big, false },
		{ "a header size below 10", size_field_small, false },
		{ "a header size of 0xffffffff", size_field_huge, false },
		{ "two writes for one command", two_writes, true },
		{ "an emulator that never answers", silent, false },
		{ "an emulator closing mid-command", close_mid, false },
		{ "an emulator reading with a tiny buffer",
		  tiny_read_then_silent, false },
	};
	int efd = open(dev.node, O_RDWR | O_CLOEXEC);
	int err = emu_write(efd, answer, answer_len);
	size_t i;

	result(err == -EIO, "a write with nothing pending: EIO (%s)",
	       errname(err));
	close(efd);
	good_emulator_serves("a write with nothing pending");
	for (i = 0; i < ARRAY_SIZE(cases); i++)
		bad_case(cases[i].what, cases[i].bad, cases[i].valid_answer);
	diag("worst single guest access so far: %.1f ms",
	     vcpu_max_access_us(cpu) / 1000.0);
	result(vcpu_max_access_us(cpu) < TIMEOUT_MS * 1000 / 2,
	       "no guest access waited for a broken emulator (worst %.1f ms, the emulator timeout is %d ms)",
	       vcpu_max_access_us(cpu) / 1000.0, TIMEOUT_MS);
}

/* Bytes swtpm has read so far (/proc/PID/io). */
static unsigned long long rchar(pid_t pid)
{
	unsigned long long v = 0;
	char path[64], line[128];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/io", pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "rchar: %llu", &v) == 1)
			break;
	fclose(f);
	return v;
}

struct kills {
	unsigned int served, mid, answered, bad;
	uint64_t slowest;
	char problem[128];
};

static void kill_problem(struct kills *k, const char *what, unsigned int i)
{
	if (!k->problem[0])
		snprintf(k->problem, sizeof(k->problem), "kill %u: %s", i, what);
}

/* A fresh swtpm answers; then it is killed while it works on a command. */
static bool kill_once(struct swtpm *sw, const struct cmdbuf *rsa,
		      struct kills *k, unsigned int i, unsigned int *seed)
{
	unsigned long long base;
	const uint8_t *rsp;
	struct cmdbuf gr;
	uint64_t t0, end;
	ssize_t n;

	swtpm_start(sw, dev.node);
	if (vtis_wait_state(dev.ctl, dev.id, KVM_VTIS_STATE_EMU_CONNECTED,
			    true, 60000)) {
		kill_problem(k, "swtpm did not connect", i);
		swtpm_diag(sw, 10);
		swtpm_kill(sw);
		return false;
	}
	/*
	 * Recovery: the fresh swtpm answers a GetRandom.  How long swtpm
	 * takes to start on its state is not under test (on a debug kernel
	 * it can exceed the short timeout): the long default meanwhile.
	 */
	set_timeout(30000);
	tpm2_cmd_get_random(&gr, 16);
	n = tis_transmit(cpu, 0, gr.d, gr.n, 30000, &rsp);
	set_timeout(TIMEOUT_MS);
	if (n == 28 && !be32_at(rsp + 6))
		k->served++;
	else
		kill_problem(k, "GetRandom failed after the restart", i);
	base = rchar(sw->pid);
	t0 = now_ms();
	tis_send(cpu, 0, rsa->d, rsa->n, NULL);
	end = now_ms() + 30000;
	while (rchar(sw->pid) < base + rsa->n && now_ms() < end)
		sleep_ms(1);
	usleep(rand_r(seed) % 5000);
	swtpm_kill(sw);
	n = tis_recv(cpu, 0, BOUND_MS + 5000, &rsp);
	t0 = now_ms() - t0;
	k->slowest = t0 > k->slowest ? t0 : k->slowest;
	if (n > 0 && tpm_is_failure(rsp, n)) {
		k->mid++;
	} else if (n > TPM_HDR_LEN && !be32_at(rsp + 6) &&
		   be32_at(rsp + 2) == n) {
		k->answered++;
	} else {
		k->bad++;
		kill_problem(k, "neither a failure nor a whole answer", i);
	}
	if (t0 >= BOUND_MS)
		kill_problem(k, "beyond the bound", i);
	return true;
}

static void swtpm_kills(unsigned int kills)
{
	unsigned int seed = getpid(), i;
	struct kills k = { 0 };
	struct kvm_vtis_info info;
	struct cmdbuf rsa;
	struct swtpm sw;
	uint64_t t0 = now_ms();

	/*
	 * TPM2_CreatePrimary RSA-2048: long enough that a kill right after
	 * swtpm has read it lands while it works on it.
	 */
	tpm2_cmd_create_primary_rsa(&rsa);
	swtpm_init(&sw, false, NULL, NULL);
	for (i = 0; i < kills; i++)
		if (!kill_once(&sw, &rsa, &k, i, &seed))
			break;
	swtpm_cleanup(&sw);
	diag("%u kills in %llu s: %u failures (killed mid-command), %u answered before the kill, slowest %.2f s",
	     kills, (unsigned long long)(now_ms() - t0) / 1000, k.mid,
	     k.answered, k.slowest / 1000.0);
	result(!k.bad && k.mid + k.answered == kills && k.slowest < BOUND_MS,
	       "swtpm killed -9 mid-command %u times: each time the guest read a TPM failure or a whole answer, within %.1f s%s%s",
	       kills, BOUND_MS / 1000.0, k.problem[0] ? "; " : "", k.problem);
	result(k.mid * 2 > kills,
	       "... and most kills landed mid-command (%u of %u)", k.mid,
	       kills);
	result(k.served == kills,
	       "... and each restarted swtpm was served (%u of %u)", k.served,
	       kills);
	result(vcpu_max_access_us(cpu) < TIMEOUT_MS * 1000 / 2,
	       "no guest access waited for an emulator (worst %.1f ms)",
	       vcpu_max_access_us(cpu) / 1000.0);
	if (!vtis_dev_info(&dev, &info))
		diag("device %u: commands %llu responses %llu errors %llu",
		     dev.id, (unsigned long long)info.commands,
		     (unsigned long long)info.responses,
		     (unsigned long long)info.errors);
}

int main(void)
{
	const char *env = getenv("VTIS_KILLS");
	unsigned int kills = env ? strtoul(env, NULL, 10) : 100;
	struct vm_config cfg = VM_CONFIG_DEFAULT;
	uint8_t body[10] = { 0, 8, 11, 12, 13, 14, 15, 16, 17, 18 };
	struct kvm_vm *vm;

	test_start(600 + kills * 30);
	tpm2_cmd_get_random(&cmd, 8);
	answer_len = tpm_rsp(answer, TPM2_ST_NO_SESSIONS, 0, body,
			     sizeof(body));
	set_timeout(TIMEOUT_MS);
	vm = vm_create_booted(&cfg, &cpu);
	if (!vm || vtis_dev_attach(&dev, vm->fd, 0, KVM_VTIS_TPM_2_0,
				   KVM_VTIS_BACKEND_EMULATOR, 0)) {
		result(false, "a VM with a TPM 2.0 device");
		set_timeout(30000);
		return test_end();
	}
	/* Every guest access, timed: none may wait for an emulator. */
	cpu->mb->time_accesses = 1;
	bad_emulators();
	swtpm_kills(kills);
	result(vtis_dev_detach(&dev) == 0, "detach");
	vm_free(vm);
	vtis_dev_close(&dev);
	set_timeout(30000);
	return test_end();
}
