/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vtisctl: attach kvm_vtis TPM devices to KVM VMs and write the ACPI
 * tables a guest needs to find them.
 */
#ifndef VTISCTL_H
#define VTISCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Exit codes. */
#define EXIT_OK		0
#define EXIT_FAIL	1	/* operational failure */
#define EXIT_USAGE	2	/* bad command line */

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#define VTIS_DEV_PATH	"/dev/kvm-vtis"

/* TIS window: guest-physical length, and the default base. */
#define TIS_WINDOW_SIZE		0x5000ULL
#define TIS_DEFAULT_BASE	0xFED40000ULL
#define TIS_BASE_ALIGN		0x1000ULL
#define TIS_BASE_LIMIT		0x100000000ULL	/* window must end at or below 4 GiB */

/* Host TPM chips are /dev/tpm0 .. /dev/tpm65535. */
#define TPM_INDEX_MAX		65535U

/* Families as the tool names them (the same values as the uapi header). */
enum tpm_family {
	FAMILY_1_2 = 1,
	FAMILY_2_0 = 2,
};

/* util.c: diagnostics and strict number parsing */
void err_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void dev_ioctl_err(const char *cmd, const char *req, uint32_t id, int e);
int usage_err(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int bad_option(const char *cmd, int c, char **argv);
int parse_u64(const char *s, uint64_t *out);
int parse_uint_range(const char *s, uint64_t min, uint64_t max, uint64_t *out);
int parse_family(const char *s, enum tpm_family *out);
const char *family_name(uint32_t family);
int parse_base(const char *cmd, const char *s, uint64_t *out);
int parse_log_size(const char *cmd, const char *opt, const char *s, uint64_t *out);
int check_log_window(const char *cmd, uint64_t base, uint64_t log_size);
int parse_interface(const char *s, uint32_t *out);
const char *interface_name(uint32_t interface);
int finish_output(void);
int make_dirs(const char *dir, unsigned int mode);
uint64_t now_ms(void);
void sleep_ms(unsigned int ms);
int full_write(int fd, const void *p, size_t n);
int full_read(int fd, void *p, size_t n);

/* json.c: a minimal JSON writer for flat objects */
struct json_obj {
	FILE *f;
	bool first;
};

void json_string(FILE *f, const char *s);
void json_begin(struct json_obj *o, FILE *f);
void json_end(struct json_obj *o);
void json_str(struct json_obj *o, const char *key, const char *val);
void json_u64(struct json_obj *o, const char *key, uint64_t val);
void json_s64(struct json_obj *o, const char *key, int64_t val);
void json_bool(struct json_obj *o, const char *key, bool val);
void json_null(struct json_obj *o, const char *key);
void json_u64_array(struct json_obj *o, const char *key, const uint64_t *vals,
		    size_t n);
/* ... and a reader: one member, found by a NULL-ended path of keys */
int json_get_str(const char *js, const char *const *path, char *out, size_t len);
int json_get_u64(const char *js, const char *const *path, uint64_t *out);

/* attach.c: commands that talk to the kernel */
int cmd_attach(int argc, char **argv);
int cmd_detach(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_info(int argc, char **argv);
int vtis_open(void);

/* stats.c: the stats command */
int cmd_stats(int argc, char **argv);

/* state.c: reset, save, restore */
int cmd_reset(int argc, char **argv);
int cmd_save(int argc, char **argv);
int cmd_restore(int argc, char **argv);

/* swtpm.c: attach --swtpm DIR, a provisioned and supervised swtpm */
struct kvm_vtis_info;

struct swtpm_cfg {
	char dir[4096];		/* the state directory, absolute */
	char ctrl[108];		/* swtpm's control socket (sun_path) */
	char log[4096 + 16];	/* what swtpm and its supervisor say */
	char bin[4096];		/* the swtpm binary */
	enum tpm_family family;
	int lock_fd;		/* DIR/vtisctl.lock, held */
};

int swtpm_prepare(const char *dir, enum tpm_family family, struct swtpm_cfg *c);
int swtpm_launch(const struct swtpm_cfg *c, const struct kvm_vtis_info *dev,
		 int *supervisor, int *swtpm, unsigned int timeout_ms);
void swtpm_abandon(const struct swtpm_cfg *c, int supervisor, long long log_from);
long long swtpm_log_size(const struct swtpm_cfg *c);

/* qemu.c: vtis-qemu, a drop-in for qemu-system-x86_64 */
int vtis_qemu_main(int argc, char **argv);

/* acpi.c: the acpi command */
int cmd_acpi(int argc, char **argv);

/* aml.c: a growable byte buffer and the few AML encodings we need */
struct buf {
	uint8_t *data;
	size_t len;
	size_t cap;
	bool oom;
};

void buf_free(struct buf *b);
void buf_put(struct buf *b, const void *p, size_t n);
void buf_u8(struct buf *b, uint8_t v);
void buf_u16(struct buf *b, uint16_t v);
void buf_u32(struct buf *b, uint32_t v);
void buf_u64(struct buf *b, uint64_t v);

void aml_pkg(struct buf *out, const uint8_t *op, size_t oplen,
	     const struct buf *body);
void aml_integer(struct buf *b, uint64_t v);
void aml_string(struct buf *b, const char *s);
uint32_t aml_eisaid(const char *id);
void aml_name_int(struct buf *b, const char *seg, uint64_t v);
void aml_name_str(struct buf *b, const char *seg, const char *s);
void aml_name_buffer(struct buf *b, const char *seg, const struct buf *bytes);
void aml_scope(struct buf *out, const char *path, const struct buf *body);
void aml_device(struct buf *out, const char *seg, const struct buf *body);
void aml_method_return_int(struct buf *out, const char *seg, uint64_t v);

#endif /* VTISCTL_H */
