// SPDX-License-Identifier: GPL-2.0
/*
 * vtisctl: reset, save and restore (KVM_VTIS_RESET, KVM_VTIS_SAVE_STATE,
 * KVM_VTIS_RESTORE_STATE), and swtpm's control channel for CMD_INIT.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <linux/kvm_vtis.h>

#include "vtisctl.h"

/* swtpm's control channel: command codes and what CMD_INIT takes. */
#define SWTPM_CMD_INIT		2U
#define SWTPM_CTRL_TIMEOUT_MS	30000

/* The blob header (see KVM_VTIS_SAVE_STATE in the uapi header). */
#define BLOB_MAGIC		0x53495456U
#define BLOB_VERSION		1U
#define BLOB_HDR_SIZE		32U
#define BLOB_CRC_OFF		24U

/* How long save waits for a command in flight to finish. */
#define SAVE_WAIT_DEFAULT_S	30U
#define SAVE_WAIT_MAX_S		3600U

static int parse_dev_id(const char *cmd, const char *s, uint32_t *id)
{
	uint64_t v;

	if (parse_uint_range(s, 1, UINT32_MAX, &v))
		return usage_err(cmd, "ID '%s' must be a number from 1 to 4294967295",
				 s);
	*id = (uint32_t)v;
	return 0;
}

static uint32_t get_le32(const uint8_t *p)
{
	return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/* CRC-32 (IEEE 802.3, zlib's crc32()), bit by bit: blobs are small. */
static uint32_t crc32_update(uint32_t crc, const uint8_t *p, size_t n)
{
	int k;

	while (n--) {
		crc ^= *p++;
		for (k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320U & -(crc & 1));
	}
	return crc;
}

/* What is wrong with a blob's envelope, or NULL; the kernel checks the rest. */
static const char *blob_problem(const uint8_t *p, size_t len)
{
	static const uint8_t zero[4];
	uint32_t crc;

	if (len < BLOB_HDR_SIZE)
		return "shorter than its header";
	if (get_le32(p) != BLOB_MAGIC)
		return "no kvm_vtis state blob (bad magic)";
	if ((get_le32(p + 4) & 0xffff) != BLOB_VERSION ||
	    get_le32(p + 4) >> 16 != BLOB_HDR_SIZE)
		return "unknown blob version";
	if (get_le32(p + 8) != len)
		return "truncated, or has trailing bytes (length field differs from its size)";
	crc = crc32_update(~0U, p, BLOB_CRC_OFF);
	crc = crc32_update(crc, zero, sizeof(zero));
	crc = crc32_update(crc, p + BLOB_CRC_OFF + 4, len - BLOB_CRC_OFF - 4);
	if (~crc != get_le32(p + BLOB_CRC_OFF))
		return "corrupted (checksum mismatch)";
	return NULL;
}

static int one_id_arg(const char *cmd, int argc, char **argv, int nargs,
		      uint32_t *id)
{
	if (argc - optind < nargs)
		return usage_err(cmd, nargs == 1 ? "a device ID is required" :
				 "a device ID and a FILE are required");
	if (argc - optind > nargs)
		return usage_err(cmd, "unexpected argument '%s'",
				 argv[optind + nargs]);
	return parse_dev_id(cmd, argv[optind], id);
}

/* ---- reset ---------------------------------------------------------- */

static void reset_help(void)
{
	printf("Usage: vtisctl reset ID [--ctrl PATH]\n"
	       "\n"
	       "Put device ID into its power-on state, as a platform reset does: no\n"
	       "locality active, FIFO empty, a command in flight abandoned (its answer\n"
	       "is dropped).  Run it while the VM is stopped, before its vCPUs restart.\n"
	       "\n"
	       "  --ctrl PATH   then restart the emulator's TPM: send CMD_INIT on swtpm's\n"
	       "                control channel (swtpm --ctrl type=unixio,path=PATH), so\n"
	       "                the guest's TPM2_Startup / TPM_Startup succeeds again.\n"
	       "                Without it, restart the TPM yourself.\n");
}

/* CMD_INIT on swtpm's control socket; 0, or -1 after a message. */
static int swtpm_init(const char *path)
{
	uint8_t req[8] = { 0, 0, 0, SWTPM_CMD_INIT, 0, 0, 0, 0 };
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct pollfd pfd;
	uint8_t rsp[4];
	size_t got = 0;
	ssize_t n;
	uint32_t res;
	int fd, r;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		err_msg("reset: control socket path '%s' is too long", path);
		return -1;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		err_msg("reset: socket: %s", strerror(errno));
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		err_msg("reset: cannot connect to swtpm's control channel %s: %s",
			path, strerror(errno));
		goto err_close;
	}
	if (full_write(fd, req, sizeof(req))) {
		err_msg("reset: sending CMD_INIT to %s: %s", path,
			strerror(errno));
		goto err_close;
	}
	while (got < sizeof(rsp)) {
		pfd.fd = fd;
		pfd.events = POLLIN;
		r = poll(&pfd, 1, SWTPM_CTRL_TIMEOUT_MS);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			err_msg("reset: no answer to CMD_INIT from %s within %d s",
				path, SWTPM_CTRL_TIMEOUT_MS / 1000);
			goto err_close;
		}
		n = read(fd, rsp + got, sizeof(rsp) - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err_msg("reset: %s closed without answering CMD_INIT", path);
			goto err_close;
		}
		got += (size_t)n;
	}
	close(fd);
	res = (uint32_t)rsp[0] << 24 | (uint32_t)rsp[1] << 16 |
	      (uint32_t)rsp[2] << 8 | rsp[3];
	if (res) {
		err_msg("reset: swtpm failed CMD_INIT (TPM result %#" PRIx32 ")",
			res);
		return -1;
	}
	return 0;

err_close:
	close(fd);
	return -1;
}

int cmd_reset(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "ctrl", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *ctrl = NULL;
	struct kvm_vtis_reset r;
	uint32_t id;
	int c, rc, fd;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", lopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			reset_help();
			return finish_output();
		case 'c':
			if (!optarg[0])
				return usage_err("reset", "--ctrl needs a socket path");
			ctrl = optarg;
			break;
		default:
			return bad_option("reset", c, argv);
		}
	}
	rc = one_id_arg("reset", argc, argv, 1, &id);
	if (rc)
		return rc;
	fd = vtis_open();
	if (fd < 0)
		return EXIT_FAIL;
	memset(&r, 0, sizeof(r));
	r.size = sizeof(r);
	r.id = id;
	rc = ioctl(fd, KVM_VTIS_RESET, &r);
	close(fd);
	if (rc < 0) {
		dev_ioctl_err("reset", "KVM_VTIS_RESET", id, errno);
		return EXIT_FAIL;
	}
	if (ctrl && swtpm_init(ctrl))
		return EXIT_FAIL;
	return EXIT_OK;
}

/* ---- save ----------------------------------------------------------- */

static void save_help(void)
{
	printf("Usage: vtisctl save ID FILE [--wait SECS]\n"
	       "\n"
	       "Write the TIS state of device ID (registers, FIFO, a response being\n"
	       "read) to FILE as a versioned, checksummed blob, for 'vtisctl restore'\n"
	       "on another device.  Stop the VM's vCPUs first.  The TPM's own state\n"
	       "moves with the emulator (swtpm's state blobs), not here.\n"
	       "\n"
	       "  --wait SECS   wait at most SECS (default 30; 0: not at all) for a\n"
	       "                command at the emulator to finish first, so that it is\n"
	       "                not run twice; one still in flight is saved and sent to\n"
	       "                the emulator again on restore.\n"
	       "\n"
	       "A device on the host's TPM cannot be saved: its chip stays with the host.\n");
}

static int wait_not_busy(int fd, uint32_t id, unsigned int secs)
{
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	struct kvm_vtis_info info;
	unsigned int i;

	for (i = 0; i <= secs * 50; i++) {
		memset(&info, 0, sizeof(info));
		info.size = sizeof(info);
		info.id = id;
		if (ioctl(fd, KVM_VTIS_INFO, &info) < 0)
			return -1;	/* the save reports it */
		if (!(info.state & KVM_VTIS_STATE_CMD_IN_FLIGHT))
			return 0;
		nanosleep(&ts, NULL);
	}
	err_msg("save: warning: a command is still in flight after %u s; it is saved and runs again after restore",
		secs);
	return 0;
}

int cmd_save(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "wait", required_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static uint8_t blob[KVM_VTIS_STATE_MAX];
	unsigned int wait_s = SAVE_WAIT_DEFAULT_S;
	struct kvm_vtis_state s;
	const char *file;
	uint32_t id;
	uint64_t v;
	int c, rc, fd, out;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", lopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			save_help();
			return finish_output();
		case 'w':
			if (parse_uint_range(optarg, 0, SAVE_WAIT_MAX_S, &v))
				return usage_err("save", "--wait '%s' must be 0 to %u seconds",
						 optarg, SAVE_WAIT_MAX_S);
			wait_s = (unsigned int)v;
			break;
		default:
			return bad_option("save", c, argv);
		}
	}
	rc = one_id_arg("save", argc, argv, 2, &id);
	if (rc)
		return rc;
	file = argv[optind + 1];
	if (!file[0])
		return usage_err("save", "FILE must not be empty");
	fd = vtis_open();
	if (fd < 0)
		return EXIT_FAIL;
	if (wait_s)
		wait_not_busy(fd, id, wait_s);
	memset(&s, 0, sizeof(s));
	s.size = sizeof(s);
	s.id = id;
	s.len = sizeof(blob);
	s.data = (uintptr_t)blob;
	rc = ioctl(fd, KVM_VTIS_SAVE_STATE, &s);
	close(fd);
	if (rc < 0) {
		if (errno == EOPNOTSUPP)
			err_msg("save: device %" PRIu32 " is on the host's TPM: its state (PCRs, keys, sessions, NV) stays in the host's chip and cannot be migrated",
				id);
		else
			dev_ioctl_err("save", "KVM_VTIS_SAVE_STATE", id, errno);
		return EXIT_FAIL;
	}
	if (s.len > sizeof(blob)) {
		err_msg("save: the kernel returned %" PRIu32 " bytes", s.len);
		return EXIT_FAIL;
	}
	out = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (out < 0) {
		err_msg("save: cannot create %s: %s", file, strerror(errno));
		return EXIT_FAIL;
	}
	if (full_write(out, blob, s.len) || fsync(out) || close(out)) {
		err_msg("save: cannot write %s: %s", file, strerror(errno));
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

/* ---- restore -------------------------------------------------------- */

static void restore_help(void)
{
	printf("Usage: vtisctl restore ID FILE\n"
	       "\n"
	       "Load the TIS state saved by 'vtisctl save' into device ID, typically a\n"
	       "fresh device on the destination VM, before its vCPUs run.  The device\n"
	       "must be an emulator device of the blob's TPM family with no command in\n"
	       "flight; connect its emulator, holding the source TPM's state, first.\n"
	       "A truncated, corrupted or foreign FILE is refused and the device is\n"
	       "left untouched.\n");
}

int cmd_restore(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static uint8_t blob[KVM_VTIS_STATE_MAX + 1];
	struct kvm_vtis_state s;
	const char *file, *why;
	size_t len = 0;
	ssize_t n;
	uint32_t id;
	int c, rc, fd, in;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", lopts, NULL)) != -1) {
		if (c == 'h') {
			restore_help();
			return finish_output();
		}
		return bad_option("restore", c, argv);
	}
	rc = one_id_arg("restore", argc, argv, 2, &id);
	if (rc)
		return rc;
	file = argv[optind + 1];
	in = open(file, O_RDONLY | O_CLOEXEC);
	if (in < 0) {
		err_msg("restore: cannot open %s: %s", file, strerror(errno));
		return EXIT_FAIL;
	}
	while (len < sizeof(blob)) {
		n = read(in, blob + len, sizeof(blob) - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err_msg("restore: cannot read %s: %s", file,
				strerror(errno));
			close(in);
			return EXIT_FAIL;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(in);
	if (len > KVM_VTIS_STATE_MAX) {
		err_msg("restore: %s: too large for a state blob (over %u bytes)",
			file, KVM_VTIS_STATE_MAX);
		return EXIT_FAIL;
	}
	why = blob_problem(blob, len);
	if (why) {
		err_msg("restore: %s: %s", file, why);
		return EXIT_FAIL;
	}
	fd = vtis_open();
	if (fd < 0)
		return EXIT_FAIL;
	memset(&s, 0, sizeof(s));
	s.size = sizeof(s);
	s.id = id;
	s.len = (uint32_t)len;
	s.data = (uintptr_t)blob;
	rc = ioctl(fd, KVM_VTIS_RESTORE_STATE, &s);
	close(fd);
	if (rc < 0) {
		if (errno == EOPNOTSUPP)
			err_msg("restore: device %" PRIu32 " is on the host's TPM, which cannot take a migrated state",
				id);
		else if (errno == EBUSY)
			err_msg("restore: device %" PRIu32 " has a command in flight; restore into a quiescent device",
				id);
		else if (errno == EINVAL)
			err_msg("restore: device %" PRIu32 " refused %s (another TPM family or backend, or an inconsistent state); the device is unchanged",
				id, file);
		else
			dev_ioctl_err("restore", "KVM_VTIS_RESTORE_STATE", id, errno);
		return EXIT_FAIL;
	}
	return EXIT_OK;
}
