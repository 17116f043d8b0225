// SPDX-License-Identifier: GPL-2.0
/*
 * The emulator backend, byte by byte: this program plays the guest
 * (through a real vCPU whose every TIS access the kernel handles) and, in
 * turn, the emulator on /dev/vtis-emu<N>; then unmodified swtpm (TPM 2.0
 * and 1.2) serves a device, is killed and restarted.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "emu_util.h"
#include "kvm_util.h"
#include "swtpm.h"
#include "test_util.h"
#include "tis_regs.h"
#include "tis_util.h"
#include "tpm_cmd.h"
#include "vtis_util.h"

/* The longest wait after GO the module takes (kmod/mmio.h). */
#define GO_WAIT_US	5000
#define GO_TRIES	5

static struct kvm_vcpu *cpu;
static struct vtis_dev dev = VTIS_DEV_INIT;
static uint8_t cmd[12], answer[20], msg[EMU_MSG_MAX];
static size_t cmd_len, answer_len;

static void build_messages(void)
{
	uint8_t body[10] = { 0, 8, 1, 2, 3, 4, 5, 6, 7, 8 };
	struct cmdbuf b;

	tpm2_cmd_get_random(&b, 8);
	memcpy(cmd, b.d, b.n);
	cmd_len = b.n;
	answer_len = tpm_rsp(answer, TPM2_ST_NO_SESSIONS, 0, body,
			     sizeof(body));
}

static struct kvm_vtis_info info_now(void)
{
	struct kvm_vtis_info info;

	vtis_dev_info(&dev, &info);
	return info;
}

/* The next message on efd within ms is exactly want. */
static bool next_is(int efd, const void *want, size_t n, unsigned int ms)
{
	ssize_t got = emu_read(efd, msg, sizeof(msg), ms);

	return got == (ssize_t)n && !memcmp(msg, want, n);
}

static bool next_is_set_locality(int efd, unsigned int loc)
{
	uint8_t m[11];

	return next_is(efd, m, emu_set_locality_msg(m, loc, false), 5000);
}

static bool nothing_comes(int efd, unsigned int ms)
{
	return emu_read(efd, msg, sizeof(msg), ms) == -ETIMEDOUT;
}

static bool recv_is(unsigned int loc, const void *want, size_t n)
{
	const uint8_t *rsp;
	ssize_t got = tis_recv(cpu, loc, 5000, &rsp);

	return got == (ssize_t)n && !memcmp(rsp, want, n);
}

static bool recv_failure(unsigned int loc, unsigned int ms)
{
	const uint8_t *rsp;
	ssize_t got = tis_recv(cpu, loc, ms, &rsp);

	return got > 0 && tpm_is_failure(rsp, got);
}

static bool send_cmd(unsigned int loc)
{
	return !tis_send(cpu, loc, cmd, cmd_len, NULL);
}

/* A: no emulator: a failure response, at once. */
static void no_emulator(void)
{
	uint64_t t0 = now_ms();
	const uint8_t *rsp;
	ssize_t n = tis_transmit(cpu, 0, cmd, cmd_len, 5000, &rsp);
	struct kvm_vtis_info info;

	result(n > 0 && tpm_is_failure(rsp, n) && rsp[0] == 0x80 &&
	       rsp[1] == 0x01,
	       "no emulator: the guest reads a TPM2 failure response");
	result(now_ms() - t0 < 5000,
	       "... without waiting for any timeout (%llu ms)",
	       (unsigned long long)(now_ms() - t0));
	info = info_now();
	result(info.commands == 1 && info.errors == 1,
	       "info counts the command and the error (%llu, %llu)",
	       (unsigned long long)info.commands,
	       (unsigned long long)info.errors);
}

/* B, C, D: announcements, commands and answers, byte for byte. */
static void protocol(int efd)
{
	struct pollfd p = { .fd = efd, .events = POLLIN | POLLOUT };
	struct kvm_vtis_info info;

	send_cmd(0);
	result(next_is_set_locality(efd, 0),
	       "the first message is TPM_ORD_SET_LOCALITY for locality 0");
	result(!emu_write(efd, tpm2_rsp_ok, sizeof(tpm2_rsp_ok)),
	       "writing the set-locality reply succeeds");
	result(next_is(efd, cmd, cmd_len, 5000),
	       "then the guest's command arrives whole");
	result(poll(&p, 1, 0) == 1 && (p.revents & POLLOUT) &&
	       !(p.revents & POLLIN),
	       "poll reports POLLOUT while a response is expected (%#x)",
	       p.revents);
	info = info_now();
	result(info.state == (KVM_VTIS_STATE_EMU_CONNECTED |
			      KVM_VTIS_STATE_CMD_IN_FLIGHT),
	       "info: emulator connected, command in flight (state %#x)",
	       info.state);
	result(!emu_write(efd, answer, answer_len), "the response is accepted");
	result(recv_is(0, answer, answer_len),
	       "the guest reads exactly the emulator's response");
	info = info_now();
	result(info.bytes_to_tpm == 2 * cmd_len &&
	       info.bytes_from_tpm == answer_len && info.responses == 1,
	       "info counts bytes both ways (%llu to, %llu from, %llu responses)",
	       (unsigned long long)info.bytes_to_tpm,
	       (unsigned long long)info.bytes_from_tpm,
	       (unsigned long long)info.responses);

	send_cmd(0);
	result(next_is(efd, cmd, cmd_len, 5000),
	       "same locality again: the command comes without announcement");
	emu_write(efd, answer, answer_len);
	result(recv_is(0, answer, answer_len), "... and is answered");

	send_cmd(3);
	result(next_is_set_locality(efd, 3), "locality 3: announced first");
	emu_write(efd, tpm2_rsp_ok, sizeof(tpm2_rsp_ok));
	result(next_is(efd, cmd, cmd_len, 5000), "... then the command");
	emu_write(efd, answer, answer_len);
	result(recv_is(3, answer, answer_len), "... answered at locality 3");
}

/* E, E2: reads into a small or a bad buffer leave the command there. */
static void bad_reads(int efd)
{
	struct pollfd p = { .fd = efd, .events = POLLIN };
	uint8_t small[5];
	ssize_t r;
	int err;

	send_cmd(3);
	poll(&p, 1, 5000);
	err = read(efd, small, sizeof(small)) < 0 ? -errno : 0;
	result(err == -EIO,
	       "read with a buffer smaller than the command: EIO (%s)",
	       errname(err));
	result(next_is(efd, cmd, cmd_len, 5000),
	       "... and the command is still there for a proper read");
	emu_write(efd, answer, answer_len);
	recv_is(3, answer, answer_len);

	send_cmd(3);
	poll(&p, 1, 5000);
	/* the raw syscall: the compiler knows address 8 holds nothing */
	r = syscall(SYS_read, efd, 8UL, 4096UL);
	err = r < 0 ? -errno : 0;
	result(r == -1 && err == -EFAULT,
	       "read into an unmapped buffer: EFAULT (%s)", errname(err));
	result(next_is(efd, cmd, cmd_len, 5000),
	       "... and the command is offered again");
	emu_write(efd, answer, answer_len);
	result(recv_is(3, answer, answer_len), "... and answered");
}

/* F: the emulator closes mid-command; a new one is told the locality. */
static int reconnect(int efd)
{
	send_cmd(3);
	emu_read(efd, msg, sizeof(msg), 5000);
	close(efd);
	result(recv_failure(3, 5000),
	       "emulator closed mid-command: the guest reads a failure response");
	efd = open(dev.node, O_RDWR | O_CLOEXEC);
	send_cmd(3);
	result(next_is_set_locality(efd, 3),
	       "a reopened emulator is told the locality again");
	emu_write(efd, tpm2_rsp_ok, sizeof(tpm2_rsp_ok));
	emu_read(efd, msg, sizeof(msg), 5000);
	emu_write(efd, answer, answer_len);
	result(recv_is(3, answer, answer_len), "... and serves the command");
	return efd;
}

/* G, H, I: silence, a malformed answer, a refused locality. */
static void failures(int efd)
{
	uint8_t bad[TPM_HDR_LEN], m[11];
	char old[32] = "30000";
	uint64_t t0, took, errors;
	bool ok;
	int err;

	param_get("emu_timeout_ms", old, sizeof(old));
	param_set("emu_timeout_ms", "300");
	send_cmd(3);
	emu_read(efd, msg, sizeof(msg), 5000);
	t0 = now_ms();
	ok = recv_failure(3, 10000);
	took = now_ms() - t0;
	result(ok && took >= 200,
	       "a silent emulator: failure response after the timeout (%llu ms)",
	       (unsigned long long)took);
	err = emu_write(efd, answer, answer_len);
	result(err == -EIO, "the late response: EIO (%s)", errname(err));
	param_set("emu_timeout_ms", old);

	errors = info_now().errors;
	send_cmd(3);
	emu_read(efd, msg, sizeof(msg), 5000);
	tpm_rsp(bad, TPM2_ST_NO_SESSIONS, 0, NULL, 0);
	bad[5] = 12;		/* the size field lies */
	result(write(efd, bad, sizeof(bad)) == sizeof(bad),
	       "a response whose size field lies is taken by write()");
	result(recv_failure(3, 5000),
	       "... and the guest reads a failure response instead");
	result(info_now().errors == errors + 1, "... counted as an error");

	send_cmd(1);
	emu_set_locality_msg(m, 1, false);
	ok = next_is(efd, m, sizeof(m), 5000);
	tpm_rsp(bad, TPM2_ST_NO_SESSIONS, 0x101, NULL, 0);
	emu_write(efd, bad, sizeof(bad));
	result(recv_failure(1, 5000) && ok,
	       "a refused set-locality fails the guest's command");
	result(nothing_comes(efd, 200),
	       "... and the emulator never saw the command");
}

/* J: the guest aborts a queued command (commandReady while it executes). */
static void abort_queued(int efd)
{
	uint32_t sts = 0;

	send_cmd(0);
	vcpu_write(cpu, 0, TIS_STS, 1, STS_COMMAND_READY);
	sleep_ms(300);
	/* The announcement may have been queued and dropped, or not. */
	result(nothing_comes(efd, 500), "an aborted, unread command is dropped");
	result(!tis_wait_sts(cpu, 0, STS_COMMAND_READY, 5000, &sts),
	       "... and the locality is ready again (STS %#x)", sts);
	vcpu_write(cpu, 0, TIS_ACCESS, 1, ACCESS_ACTIVE);
	send_cmd(0);
	result(emu_next_command(efd, msg, sizeof(msg), 5000) ==
	       (ssize_t)cmd_len && !memcmp(msg, cmd, cmd_len),
	       "the next command goes through after the abort");
	emu_write(efd, answer, answer_len);
	result(recv_is(0, answer, answer_len), "... and is answered");
}

/* K: the guest cannot send the set-locality command or the TCG prefix. */
static void guest_vendor_commands(int efd)
{
	uint8_t setloc[11], prefixed[14] = { 0, 0, 0, 8, 0, 0, 0, 14 };
	const uint8_t *rsp;

	emu_set_locality_msg(setloc, 0, false);
	memcpy(prefixed + 8, cmd, 6);
	tis_transmit(cpu, 0, setloc, sizeof(setloc), 5000, &rsp);
	result(nothing_comes(efd, 200),
	       "a guest's TPM_ORD_SET_LOCALITY never reaches the emulator");
	tis_transmit(cpu, 0, prefixed, sizeof(prefixed), 5000, &rsp);
	result(nothing_comes(efd, 200),
	       "a guest's a TCG-prefixed command never reaches the emulator");
}

struct reader {
	int efd;
	ssize_t n;
	bool answer;
};

/* An emulator blocked in read(): one message, then (answer) a response. */
static void *blocked_reader(void *arg)
{
	struct reader *r = arg;

	r->n = read(r->efd, msg, sizeof(msg));
	if (r->answer && r->n > 0)
		emu_write(r->efd, answer, answer_len);
	return NULL;
}

/* How long the guest's send (up to the STS read after GO) takes. */
static uint64_t timed_send(uint32_t *first)
{
	uint64_t t0 = now_ns();

	tis_send(cpu, 0, cmd, cmd_len, first);
	return (now_ns() - t0) / 1000;
}

/* The emulator takes the command sent and answers it; the guest reads it. */
static void answer_sent(int efd)
{
	emu_read(efd, msg, sizeof(msg), 5000);
	emu_write(efd, answer, answer_len);
	recv_is(0, answer, answer_len);
}

/*
 * The shortest of GO_TRIES sends to a silent emulator (answered after
 * each) with go_wait_us at GO_WAIT_US (*held) and at 0 (*free_us), taken in
 * turns: both see the same load on the machine, so their difference is
 * the wait (a busy test host makes every send slower, not only one kind).
 */
static void min_send_pair(int efd, uint64_t *held, uint64_t *free_us,
			  uint32_t *first)
{
	uint64_t t;
	char val[32];
	int i;

	snprintf(val, sizeof(val), "%u", GO_WAIT_US);
	*held = *free_us = UINT64_MAX;
	for (i = 0; i < GO_TRIES; i++) {
		param_set("go_wait_us", val);
		t = timed_send(first);
		if (t < *held)
			*held = t;
		answer_sent(efd);
		param_set("go_wait_us", "0");
		t = timed_send(NULL);
		if (t < *free_us)
			*free_us = t;
		answer_sent(efd);
	}
}

/* M: the wait after GO, and its bound (it runs inside the VM's SRCU). */
static void go_wait(int efd)
{
	struct reader r = { .efd = efd, .answer = true };
	char old[32] = "2000", val[32], now[32] = "";
	uint64_t took, took0;
	uint32_t first = 0;
	pthread_t th;
	bool got;
	int err;

	param_get("go_wait_us", old, sizeof(old));
	err = param_set("go_wait_us", "100000");
	param_get("go_wait_us", now, sizeof(now));
	result(err < 0 && !strcmp(now, old),
	       "go_wait_us=100000 is refused (%s), the value stays %s",
	       errname(err), now);
	err = param_set("go_wait_us", "5001");
	result(err < 0, "go_wait_us=5001 is refused too (%s)", errname(err));
	snprintf(val, sizeof(val), "%u", GO_WAIT_US);
	err = param_set("go_wait_us", val);
	result(!err, "go_wait_us=%u, the bound, is taken", GO_WAIT_US);
	pthread_create(&th, NULL, blocked_reader, &r);
	sleep_ms(200);
	tis_send(cpu, 0, cmd, cmd_len, &first);
	got = recv_is(0, answer, answer_len);
	pthread_join(th, NULL);
	result(r.n == (ssize_t)cmd_len && !memcmp(msg, cmd, cmd_len) && got,
	       "a blocked read() returns the command when the guest sends it");
	result(first & STS_DATA_AVAIL,
	       "go_wait_us=%u: dataAvail at the first STS read after GO (STS %#x)",
	       GO_WAIT_US, first);
	/*
	 * A silent emulator: the GO write waits the whole bound, and with
	 * go_wait_us=0 not at all (sends with each, in turns).
	 */
	min_send_pair(efd, &took, &took0, &first);
	result(took >= GO_WAIT_US * 9 / 10 && !(first & STS_DATA_AVAIL),
	       "... and a silent emulator holds the GO write that long (at least %llu us in %d tries)",
	       (unsigned long long)took, GO_TRIES);
	result(took0 + GO_WAIT_US / 2 < took,
	       "go_wait_us=0: no wait after GO (%llu us against %llu us, least of %d each, in turns)",
	       (unsigned long long)took0, (unsigned long long)took, GO_TRIES);
	param_set("go_wait_us", old);
}

/*
 * N: a locality announcement the emulator read but did not answer in
 * time.  The emulator may have taken it (swtpm does, and answers late):
 * its locality is unknown, so the module announces again before the next
 * command, also one from the locality it had announced before.
 */
static void stale_locality(int efd)
{
	char old[32] = "30000";
	bool ok;
	int err;

	send_cmd(0);
	emu_next_command(efd, msg, sizeof(msg), 5000);
	emu_write(efd, answer, answer_len);
	ok = recv_is(0, answer, answer_len);
	result(ok, "stale locality: a command at locality 0 is served");
	param_get("emu_timeout_ms", old, sizeof(old));
	param_set("emu_timeout_ms", "200");
	send_cmd(2);
	ok = next_is_set_locality(efd, 2);
	result(ok && recv_failure(2, 10000),
	       "... locality 2 announced, not answered in time: the guest's command fails");
	err = emu_write(efd, tpm2_rsp_ok, sizeof(tpm2_rsp_ok));
	result(err == -EIO,
	       "... the emulator's late answer to the announcement: EIO (%s)",
	       errname(err));
	param_set("emu_timeout_ms", old);
	send_cmd(0);
	ok = next_is_set_locality(efd, 0);
	result(ok,
	       "the next command at locality 0 is announced again (the emulator may be at 2)");
	if (ok)
		emu_write(efd, tpm2_rsp_ok, sizeof(tpm2_rsp_ok));
	result(next_is(efd, cmd, cmd_len, 5000), "... and then arrives");
	emu_write(efd, answer, answer_len);
	result(recv_is(0, answer, answer_len),
	       "... and the guest reads its answer");
}

/* L: detach mid-command: POLLHUP and EOF; a blocked reader wakes. */
static void detach_mid(int efd)
{
	struct reader r = { .efd = efd, .n = -2 };
	struct pollfd p = { .fd = efd, .events = POLLIN };
	struct timespec ts;
	uint8_t buf[16];
	pthread_t th;
	bool joined;

	send_cmd(0);
	emu_read(efd, msg, sizeof(msg), 5000);
	pthread_create(&th, NULL, blocked_reader, &r);
	sleep_ms(200);
	result(vtis_dev_detach(&dev) == 0, "detach mid-command");
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 5;
	joined = !pthread_timedjoin_np(th, NULL, &ts);
	result(joined && r.n == 0,
	       "... a reader blocked in read() gets EOF (%zd)", r.n);
	if (!joined) {
		pthread_cancel(th);
		pthread_join(th, NULL);
	}
	result(poll(&p, 1, 1000) == 1 && (p.revents & POLLHUP),
	       "... the emulator gets POLLHUP (%#x)", p.revents);
	result(read(efd, buf, sizeof(buf)) == 0, "... and EOF");
}

static void by_hand(void)
{
	int efd;

	no_emulator();
	efd = open(dev.node, O_RDWR | O_CLOEXEC);
	protocol(efd);
	bad_reads(efd);
	efd = reconnect(efd);
	failures(efd);
	abort_queued(efd);
	guest_vendor_commands(efd);
	go_wait(efd);
	stale_locality(efd);
	detach_mid(efd);
	close(efd);
	result(vm_tis_exits(cpu->vm) == 0,
	       "no exit to userspace for the TIS window in all of this (%llu)",
	       (unsigned long long)vm_tis_exits(cpu->vm));
}

/* GetRandom(16) of the family at loc answers 16 bytes with rc 0. */
static bool get_random16(struct kvm_vcpu *vcpu, bool tpm12, unsigned int loc,
			 uint32_t *first)
{
	const uint8_t *rsp;
	struct cmdbuf b;
	ssize_t n;

	tpm_cmd_get_random(&b, tpm12, 16);
	if (tis_send(vcpu, loc, b.d, b.n, first))
		return false;
	n = tis_recv(vcpu, loc, 30000, &rsp);
	if (n != TPM_HDR_LEN + (tpm12 ? 4 : 2) + 16 || be32_at(rsp + 6)) {
		diag("locality %u: %zd bytes", loc, n);
		if (n > 0)
			hexdump("response", rsp, n);
		return false;
	}
	return true;
}

/* Unmodified swtpm serves a device of the family. */
static void swtpm_run(bool tpm12)
{
	const char *fam = tpm12 ? "TPM 1.2" : "TPM 2.0";
	unsigned int locs[] = { 0, 2, 0, tpm12 ? 1 : 3 }, i, avail = 0;
	struct vm_config cfg = VM_CONFIG_DEFAULT;
	struct vtis_dev d = VTIS_DEV_INIT;
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	struct swtpm sw;
	const uint8_t *rsp;
	struct cmdbuf b;
	uint32_t first;
	bool ok = true;
	ssize_t n;

	swtpm_init(&sw, tpm12, NULL, NULL);
	vm = vm_create_booted(&cfg, &vcpu);
	if (!vm || vtis_dev_attach(&d, vm->fd, 0, tpm12 ? KVM_VTIS_TPM_1_2 :
				   KVM_VTIS_TPM_2_0,
				   KVM_VTIS_BACKEND_EMULATOR, 0)) {
		result(false, "%s: a VM with a device", fam);
		goto out;
	}
	swtpm_start(&sw, d.node);
	if (!result(!vtis_wait_state(d.ctl, d.id,
					KVM_VTIS_STATE_EMU_CONNECTED, true, 60000),
		       "swtpm (%s) opens the node", fam))
		swtpm_diag(&sw, 10);
	for (i = 0; i < ARRAY_SIZE(locs); i++) {
		first = 0;
		ok &= get_random16(vcpu, tpm12, locs[i], &first);
		avail += !!(first & STS_DATA_AVAIL);
	}
	result(ok, "swtpm (%s) answers GetRandom from localities 0, 2 and %u",
	       fam, locs[3]);
	diag("%s: dataAvail at the first STS read after GO: %u of %zu", fam,
	     avail, ARRAY_SIZE(locs));
	if (!tpm12) {
		swtpm_kill(&sw);
		tpm_cmd_get_random(&b, tpm12, 16);
		n = tis_transmit(vcpu, 0, b.d, b.n, 30000, &rsp);
		result(n > 0 && tpm_is_failure(rsp, n),
		       "swtpm killed: the guest reads a failure response");
		swtpm_start(&sw, d.node);
		vtis_wait_state(d.ctl, d.id, KVM_VTIS_STATE_EMU_CONNECTED,
				true, 60000);
		result(get_random16(vcpu, tpm12, 0, NULL),
		       "a restarted swtpm (same state) serves the next command");
	}
	vtis_dev_detach(&d);
	result(swtpm_reap(&sw, 10000),
	       "swtpm (%s) exits on its own after detach", fam);
	result(vm_tis_exits(vm) == 0,
	       "no exit to userspace for the TIS window with swtpm (%s)", fam);
out:
	if (vm)
		vm_free(vm);
	swtpm_cleanup(&sw);
	vtis_dev_close(&d);
}

int main(void)
{
	struct vm_config cfg = VM_CONFIG_DEFAULT;
	struct kvm_vm *vm;

	test_start(900);
	build_messages();
	vm = vm_create_booted(&cfg, &cpu);
	if (!vm || vtis_dev_attach(&dev, vm->fd, 0, KVM_VTIS_TPM_2_0,
				   KVM_VTIS_BACKEND_EMULATOR, 0)) {
		result(false, "a VM with a TPM 2.0 device");
		return test_end();
	}
	by_hand();
	vm_free(vm);
	vtis_dev_close(&dev);
	swtpm_run(false);
	swtpm_run(true);
	return test_end();
}
