// SPDX-License-Identifier: GPL-2.0
/*
 * vtisctl acpi: write the ACPI tables that let a guest find a TIS TPM.
 *
 *   ssdt-tpm.aml  SSDT with Device (\_SB.TPM): _HID, _CRS, _STA; with
 *                 --log-size also Device (\_SB.TPML), a motherboard
 *                 resource (PNP0C02) that reserves the log window
 *   tpm2.aml      TPM 2.0: TPM2 table, start method 6 (FIFO/TIS) or, with
 *                 --interface crb, 7 (CRB: the control area at base + 0x40)
 *   tcpa.aml      TPM 1.2: TCPA client table
 *
 * Each file is a complete table with its header, as
 * "qemu-system-x86_64 -acpitable file=..." takes it.  Layouts follow the
 * ACPI specification (table header, AML, resource descriptors) and the TCG
 * ACPI Specification (TPM2 revision 4, TCPA client).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/kvm_vtis.h>

#include "vtisctl.h"

#define ACPI_HEADER_LEN		36
#define ACPI_OEM_ID		"KVMVTI"
#define ACPI_OEM_REVISION	1
#define ACPI_CREATOR_ID		"VTIS"
#define ACPI_CREATOR_REVISION	1

#define SSDT_REVISION		2	/* 64-bit integers */
#define TPM2_REVISION		4
#define TPM2_START_METHOD_TIS	6	/* "uses the FIFO/TIS interface", not CRB */
#define TPM2_START_METHOD_CRB	7	/* "uses the Command Response Buffer" */
#define CRB_CONTROL_AREA	0x40	/* CTRL_REQ in locality 0's page */
#define TCPA_REVISION		2
#define TCPA_CLIENT_LEN		50
#define PLATFORM_CLASS_CLIENT	0

/* Resource descriptors (ACPI 6.x, 6.4 "Resource Data Types for ACPI"). */
#define RES_IRQ		0x23	/* small item 0x04, length 3 */
#define RES_MEMORY32_FIXED	0x86	/* large item 0x06 */
#define RES_EXT_INTERRUPT	0x89	/* large item 0x09 */
#define RES_END_TAG		0x79	/* small item 0x0F, length 1 */

#define IRQ_LEVEL_LOW		0x08	/* IRQ: level (_HE 0), active low (_LL 1) */
#define EXT_IRQ_LEVEL_LOW	0x05	/* consumer, level, active low, exclusive */
#define EXT_IRQ_LEVEL_HIGH_SHARED 0x09	/* consumer, level, active high, shared */
#define Q35_PIRQ_FIRST		16	/* q35: GSIs 16-23 are the ICH9 PIRQs A-H */
#define Q35_GSI_MAX		23	/* ... and its IOAPIC's last input */
#define ISA_IRQ_MAX		15
#define IRQ_MAX			255

struct acpi_opts {
	enum tpm_family family;
	const char *out;
	uint64_t base;
	uint64_t irq;		/* 0: none */
	bool q35;		/* --machine q35 */
	bool crb;		/* --interface crb */
	bool log;
	bool log_window;	/* --log-size: the area is the device's log window */
	uint64_t log_addr;
	uint64_t log_size;
};

/* The table header; length and checksum are filled in by table_finish(). */
static void table_header(struct buf *b, const char *sig, uint8_t rev,
			 const char *oem_table_id)
{
	char id[8];
	size_t n = strlen(oem_table_id);

	memset(id, ' ', sizeof(id));
	memcpy(id, oem_table_id, n < sizeof(id) ? n : sizeof(id));
	buf_put(b, sig, 4);
	buf_u32(b, 0);			/* length */
	buf_u8(b, rev);
	buf_u8(b, 0);			/* checksum */
	buf_put(b, ACPI_OEM_ID, 6);
	buf_put(b, id, 8);
	buf_u32(b, ACPI_OEM_REVISION);
	buf_put(b, ACPI_CREATOR_ID, 4);
	buf_u32(b, ACPI_CREATOR_REVISION);
}

/* Set the length and make every byte of the table sum to 0. */
static void table_finish(struct buf *b)
{
	uint8_t sum = 0;
	size_t i;

	if (b->oom || b->len < ACPI_HEADER_LEN)
		return;
	b->data[4] = b->len & 0xff;
	b->data[5] = (b->len >> 8) & 0xff;
	b->data[6] = (b->len >> 16) & 0xff;
	b->data[7] = (b->len >> 24) & 0xff;
	b->data[9] = 0;
	for (i = 0; i < b->len; i++)
		sum += b->data[i];
	b->data[9] = (uint8_t)(0x100 - sum);
}

/*
 * _CRS: Memory32Fixed (ReadWrite, base, 0x5000) and, with an IRQ,
 * IRQ (Level, ActiveLow, Exclusive) {irq} for ISA IRQs 1-15 or Interrupt
 * (ResourceConsumer, Level, ActiveLow, Exclusive) {irq} for 16-255: the
 * TIS line is a level (INTF_CAPABILITY says low level), and kvm_vtis
 * holds it asserted while an enabled interrupt is pending, so the guest
 * loses none.  On q35, GSIs 16-23 are the ICH9 PIRQ lines that PCI INTx
 * shares, active high: there the interrupt is (ResourceConsumer, Level,
 * ActiveHigh, Shared), as the PIRQ links of QEMU's own DSDT say, or the
 * guest could not program one pin two ways.  KVM takes kvm_vtis' level
 * as asserted whatever the polarity, so the device is the same.
 */
static void crs_memory32(struct buf *crs, uint64_t base, uint64_t len)
{
	buf_u8(crs, RES_MEMORY32_FIXED);
	buf_u16(crs, 9);
	buf_u8(crs, 1);				/* read/write */
	buf_u32(crs, (uint32_t)base);
	buf_u32(crs, (uint32_t)len);
}

static void build_crs(struct buf *crs, const struct acpi_opts *o)
{
	crs_memory32(crs, o->base, TIS_WINDOW_SIZE);
	if (o->irq && o->irq <= ISA_IRQ_MAX) {
		buf_u8(crs, RES_IRQ);
		buf_u16(crs, (uint16_t)(1U << o->irq));
		buf_u8(crs, IRQ_LEVEL_LOW);
	} else if (o->irq) {
		buf_u8(crs, RES_EXT_INTERRUPT);
		buf_u16(crs, 6);
		buf_u8(crs, o->q35 && o->irq >= Q35_PIRQ_FIRST ? EXT_IRQ_LEVEL_HIGH_SHARED
							      : EXT_IRQ_LEVEL_LOW);
		buf_u8(crs, 1);			/* one interrupt */
		buf_u32(crs, (uint32_t)o->irq);
	}
	buf_u8(crs, RES_END_TAG);
	buf_u8(crs, 0);				/* checksum 0: treated as valid */
}

/*
 * Device (TPML): the log window, a motherboard resource (PNP0C02), so the
 * OS keeps it out of what it hands to PCI BARs.  Not in the TPM's own
 * _CRS: Linux's tpm_tis takes a memory resource there for its registers.
 */
static void build_log_dev(struct buf *sb, const struct acpi_opts *o)
{
	struct buf dev = { 0 }, crs = { 0 };

	aml_name_int(&dev, "_HID", aml_eisaid("PNP0C02"));
	aml_name_str(&dev, "_UID", "VTISLOG");
	crs_memory32(&crs, o->log_addr, o->log_size);
	buf_u8(&crs, RES_END_TAG);
	buf_u8(&crs, 0);
	aml_name_buffer(&dev, "_CRS", &crs);
	aml_method_return_int(&dev, "_STA", 0x0F);
	aml_device(sb, "TPML", &dev);
	if (crs.oom || dev.oom)
		sb->oom = true;
	buf_free(&crs);
	buf_free(&dev);
}

static void build_ssdt(struct buf *t, const struct acpi_opts *o)
{
	struct buf dev = { 0 }, crs = { 0 }, sb = { 0 };

	table_header(t, "SSDT", SSDT_REVISION, "VTISTPM");
	if (o->family == FAMILY_2_0)
		aml_name_str(&dev, "_HID", "MSFT0101");
	else
		aml_name_int(&dev, "_HID", aml_eisaid("PNP0C31"));
	aml_name_int(&dev, "_UID", 1);
	build_crs(&crs, o);
	aml_name_buffer(&dev, "_CRS", &crs);
	aml_method_return_int(&dev, "_STA", 0x0F);
	aml_device(&sb, "TPM", &dev);
	if (o->log_window)
		build_log_dev(&sb, o);
	aml_scope(t, "_SB", &sb);
	if (crs.oom || dev.oom || sb.oom)
		t->oom = true;
	buf_free(&crs);
	buf_free(&dev);
	buf_free(&sb);
	table_finish(t);
}

static void build_tpm2(struct buf *t, const struct acpi_opts *o)
{
	static const uint8_t params[12];

	table_header(t, "TPM2", TPM2_REVISION, "VTISTPM2");
	buf_u16(t, PLATFORM_CLASS_CLIENT);
	buf_u16(t, 0);				/* reserved */
	/*
	 * CRB: the control area is locality 0's CTRL_REQ, at the _CRS
	 * memory's start + 0x40 (Linux's tpm_crb requires exactly that).
	 */
	buf_u64(t, o->crb ? o->base + CRB_CONTROL_AREA : 0);
	buf_u32(t, o->crb ? TPM2_START_METHOD_CRB : TPM2_START_METHOD_TIS);
	buf_put(t, params, sizeof(params));	/* start method parameters */
	/*
	 * LAML and LASA are optional, but a revision 4 table without them
	 * reads as truncated to table parsers: always include them, 0 when
	 * there is no log area.
	 */
	buf_u32(t, o->log ? (uint32_t)o->log_size : 0);	/* LAML */
	buf_u64(t, o->log ? o->log_addr : 0);		/* LASA */
	table_finish(t);
}

static void build_tcpa(struct buf *t, const struct acpi_opts *o)
{
	table_header(t, "TCPA", TCPA_REVISION, "VTISTCPA");
	buf_u16(t, PLATFORM_CLASS_CLIENT);
	buf_u32(t, o->log ? (uint32_t)o->log_size : 0);	/* LAML */
	buf_u64(t, o->log ? o->log_addr : 0);		/* LASA */
	table_finish(t);
}

/* Write a file completely, through a temporary name and rename(). */
static int write_file(const char *dir, const char *name, const struct buf *b)
{
	char path[PATH_MAX], tmp[PATH_MAX];
	size_t off = 0;
	int fd;

	if (b->oom) {
		err_msg("out of memory building %s", name);
		return -1;
	}
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path) ||
	    (size_t)snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir, name) >= sizeof(tmp)) {
		err_msg("acpi: --out path too long");
		return -1;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		err_msg("acpi: cannot create %s: %s", tmp, strerror(errno));
		return -1;
	}
	while (off < b->len) {
		ssize_t n = write(fd, b->data + off, b->len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err_msg("acpi: cannot write %s: %s", tmp,
				strerror(n < 0 ? errno : EIO));
			close(fd);
			unlink(tmp);
			return -1;
		}
		off += (size_t)n;
	}
	if (close(fd)) {
		err_msg("acpi: cannot write %s: %s", tmp, strerror(errno));
		unlink(tmp);
		return -1;
	}
	if (rename(tmp, path)) {
		err_msg("acpi: cannot rename %s to %s: %s", tmp, path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	printf("%s\n", path);
	return 0;
}

static void acpi_help(void)
{
	printf("Usage: vtisctl acpi --tpm 2.0|1.2 --out DIR [--base ADDR] [--irq N]\n"
	       "                    [--machine pc|q35] [--log-size SIZE | --log-area ADDR:SIZE]\n"
	       "                    [--interface tis|crb]\n"
	       "\n"
	       "Write the ACPI tables a guest needs to find the TPM, each a complete\n"
	       "table for 'qemu-system-x86_64 -acpitable file=...':\n"
	       "  DIR/ssdt-tpm.aml  Device (\\_SB.TPM), _HID MSFT0101 (2.0) or PNP0C31 (1.2)\n"
	       "  DIR/tpm2.aml      TPM 2.0: TPM2 table, start method 6 (FIFO/TIS), or\n"
	       "                    with --interface crb 7 (CRB, control area base + 0x40)\n"
	       "  DIR/tcpa.aml      TPM 1.2: TCPA client table\n"
	       "The paths written are printed, one a line.\n"
	       "\n"
	       "Options:\n"
	       "  --tpm 2.0|1.2          TPM family (required)\n"
	       "  --out DIR              directory to write to, made if missing (required)\n"
	       "  --base ADDR            TIS window base (default 0xfed40000): a non-zero\n"
	       "                         multiple of 4 KiB, window below 4 GiB\n"
	       "  --irq N                interrupt in _CRS, level-triggered, active low:\n"
	       "                         1-15 (not 2) as IRQ, 16-255 as Interrupt; give the\n"
	       "                         same N to 'vtisctl attach --irq';\n"
	       "                         default: none (the guest polls)\n"
	       "  --machine pc|q35       the QEMU machine (default pc); q35: N is 1..23,\n"
	       "                         and 16-23 (the ICH9 PIRQs) are declared\n"
	       "                         level, active high, shared\n"
	       "  --log-size SIZE        the device's firmware event log window (vtisctl\n"
	       "                         attach --log-size SIZE) as the log area: LASA\n"
	       "                         base + 0x5000, LAML SIZE, and Device (\\_SB.TPML)\n"
	       "                         (PNP0C02) reserving it; SIZE a multiple of 4096\n"
	       "                         up to 1048576 (0: none).  SeaBIOS measures the\n"
	       "                         boot into it, the guest's OS reads it\n"
	       "  --interface tis|crb    the device's interface (vtisctl attach --interface);\n"
	       "                         default tis; crb needs --tpm 2.0\n"
	       "  --log-area ADDR:SIZE   event log area (LASA:LAML) in memory the VMM\n"
	       "                         provides, SIZE 1..0xffffffff;\n"
	       "                         default: none (LAML and LASA 0)\n"
	       "  -h, --help             this help\n"
	       "Numbers are decimal or 0x-prefixed hexadecimal.\n");
}

static int parse_log_area(const char *s, struct acpi_opts *o)
{
	const char *colon = strchr(s, ':');
	char addr[32];
	size_t n = colon ? (size_t)(colon - s) : 0;

	if (!colon || n >= sizeof(addr))
		return usage_err("acpi", "--log-area '%s' must be ADDR:SIZE", s);
	memcpy(addr, s, n);
	addr[n] = '\0';
	if (parse_u64(addr, &o->log_addr))
		return usage_err("acpi", "--log-area '%s': bad address", s);
	if (parse_uint_range(colon + 1, 1, UINT32_MAX, &o->log_size))
		return usage_err("acpi", "--log-area '%s': SIZE must be 1..0xffffffff", s);
	if (o->log_size - 1 > UINT64_MAX - o->log_addr)
		return usage_err("acpi",
				 "--log-area '%s': area wraps past the end of the address space", s);
	o->log = true;
	return 0;
}

int cmd_acpi(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "tpm", required_argument, NULL, 't' },
		{ "out", required_argument, NULL, 'o' },
		{ "base", required_argument, NULL, 'b' },
		{ "irq", required_argument, NULL, 'i' },
		{ "log-area", required_argument, NULL, 'l' },
		{ "log-size", required_argument, NULL, 's' },
		{ "interface", required_argument, NULL, 'I' },
		{ "machine", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct acpi_opts o = { .base = TIS_DEFAULT_BASE };
	struct buf ssdt = { 0 }, tbl = { 0 };
	bool have_tpm = false, have_log_size = false;
	uint32_t interface = KVM_VTIS_INTERFACE_TIS;
	uint64_t log_size = 0;
	struct stat st;
	int c, rc;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", lopts, NULL)) != -1) {
		switch (c) {
		case 't':
			if (parse_family(optarg, &o.family))
				return usage_err("acpi", "--tpm '%s' must be 2.0 or 1.2", optarg);
			have_tpm = true;
			break;
		case 'o':
			o.out = optarg;
			break;
		case 'b':
			rc = parse_base("acpi", optarg, &o.base);
			if (rc)
				return rc;
			break;
		case 'i':
			if (parse_uint_range(optarg, 1, IRQ_MAX, &o.irq) || o.irq == 2)
				return usage_err("acpi", "--irq '%s' must be 1..255 and not 2",
						 optarg);
			break;
		case 'l':
			rc = parse_log_area(optarg, &o);
			if (rc)
				return rc;
			break;
		case 's':
			rc = parse_log_size("acpi", "--log-size", optarg, &log_size);
			if (rc)
				return rc;
			have_log_size = true;
			break;
		case 'I':
			if (parse_interface(optarg, &interface))
				return usage_err("acpi", "--interface '%s' must be tis or crb",
						 optarg);
			o.crb = interface == KVM_VTIS_INTERFACE_CRB;
			break;
		case 'm':
			if (strcmp(optarg, "pc") && strcmp(optarg, "q35"))
				return usage_err("acpi", "--machine '%s' must be pc or q35", optarg);
			o.q35 = !strcmp(optarg, "q35");
			break;
		case 'h':
			acpi_help();
			return finish_output();
		case ':':
			return bad_option("acpi", c, argv);
		default:
			return bad_option("acpi", c, argv);
		}
	}
	if (optind < argc)
		return usage_err("acpi", "unexpected argument '%s'", argv[optind]);
	if (!have_tpm)
		return usage_err("acpi", "--tpm 2.0|1.2 is required");
	if (!o.out)
		return usage_err("acpi", "--out DIR is required");
	if (o.crb && o.family == FAMILY_1_2)
		return usage_err("acpi", "--interface crb is TPM 2.0 only (CRB has no TPM 1.2)");
	if (have_log_size && o.log)
		return usage_err("acpi", "give --log-size (the device's log window) or --log-area, not both");
	if (log_size) {
		rc = check_log_window("acpi", o.base, log_size);
		if (rc)
			return rc;
		o.log = o.log_window = true;
		o.log_addr = o.base + KVM_VTIS_LOG_OFFSET;
		o.log_size = log_size;
	}
	if (o.q35 && o.irq > Q35_GSI_MAX)
		return usage_err("acpi", "--irq %llu: q35's IOAPIC has GSIs up to %d",
				 (unsigned long long)o.irq, Q35_GSI_MAX);
	rc = make_dirs(o.out, 0755);
	if (rc) {
		err_msg("acpi: cannot create --out '%s': %s", o.out, strerror(-rc));
		return EXIT_FAIL;
	}
	if (stat(o.out, &st))
		return usage_err("acpi", "--out '%s': %s", o.out, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return usage_err("acpi", "--out '%s' is not a directory", o.out);

	build_ssdt(&ssdt, &o);
	if (o.family == FAMILY_2_0)
		build_tpm2(&tbl, &o);
	else
		build_tcpa(&tbl, &o);
	rc = EXIT_OK;
	if (write_file(o.out, "ssdt-tpm.aml", &ssdt) ||
	    write_file(o.out, o.family == FAMILY_2_0 ? "tpm2.aml" : "tcpa.aml", &tbl))
		rc = EXIT_FAIL;
	buf_free(&ssdt);
	buf_free(&tbl);
	if (rc == EXIT_OK)
		rc = finish_output();
	return rc;
}
