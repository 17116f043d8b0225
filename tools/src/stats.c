// SPDX-License-Identifier: GPL-2.0
/*
 * vtisctl stats: a device's statistics (KVM_VTIS_STATS), once or live.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <linux/kvm_vtis.h>

#include "vtisctl.h"

#define WATCH_MAX_DEVICES	4096

/* Register classes by KVM_VTIS_REG_* index, as the key suffixes name them. */
static const char *const reg_class[] = {
	[KVM_VTIS_REG_ACCESS] = "access",
	[KVM_VTIS_REG_INT] = "int",
	[KVM_VTIS_REG_STS] = "sts",
	[KVM_VTIS_REG_FIFO] = "fifo",
	[KVM_VTIS_REG_ID] = "id",
	[KVM_VTIS_REG_OTHER] = "other",
	[KVM_VTIS_REG_LOG] = "log",
};

static void stats_help(void)
{
	printf("Usage: vtisctl stats ID [--json]\n"
	       "       vtisctl stats --watch [ID] [--interval SECS] [--count N]\n"
	       "\n"
	       "Print the statistics of device ID, one \"key value\" pair a line (the\n"
	       "keys of /sys/class/vtis/vtisID/stats, then service_hist: 32 counts of\n"
	       "commands by backend service time, bucket i holding [2^i, 2^(i+1)) us,\n"
	       "bucket 0 also below 1 us).  With --json: one object with these keys,\n"
	       "\"id\", and service_hist as an array.\n"
	       "\n"
	       "With --watch: a table of every device (or device ID), refreshed every\n"
	       "SECS seconds (default 1, at most 3600) until interrupted or N refreshes\n"
	       "were shown; rates are per second since the previous refresh.\n");
}

/* KVM_VTIS_STATS for id: 0, or the errno. */
static int get_stats(int fd, uint32_t id, struct kvm_vtis_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->size = sizeof(*st);
	st->id = id;
	if (ioctl(fd, KVM_VTIS_STATS, st) < 0)
		return errno;
	return 0;
}

static uint64_t sum(const __u64 *v, size_t n)
{
	uint64_t s = 0;
	size_t i;

	for (i = 0; i < n; i++)
		s += v[i];
	return s;
}

/* The flat counters, in the order they are printed. */
struct counter {
	const char *name;
	uint64_t val;
};

static size_t counters(const struct kvm_vtis_stats *st, struct counter *c)
{
	static char names[2][ARRAY_SIZE(reg_class)][32];
	size_t n = 0, i;

#define PUT(k, v) do { c[n].name = (k); c[n].val = (v); n++; } while (0)
	PUT("commands", st->commands);
	PUT("responses", st->responses);
	PUT("errors", st->errors);
	PUT("bytes_to_tpm", st->bytes_to_tpm);
	PUT("bytes_from_tpm", st->bytes_from_tpm);
	PUT("mmio_reads", sum(st->mmio_reads, KVM_VTIS_REG_CLASSES));
	PUT("mmio_writes", sum(st->mmio_writes, KVM_VTIS_REG_CLASSES));
	for (i = 0; i < ARRAY_SIZE(reg_class); i++) {
		snprintf(names[0][i], sizeof(names[0][i]), "mmio_reads_%s", reg_class[i]);
		PUT(names[0][i], st->mmio_reads[i]);
	}
	for (i = 0; i < ARRAY_SIZE(reg_class); i++) {
		snprintf(names[1][i], sizeof(names[1][i]), "mmio_writes_%s", reg_class[i]);
		PUT(names[1][i], st->mmio_writes[i]);
	}
	PUT("status_polls", st->status_polls);
	PUT("locality_changes", st->locality_changes);
	PUT("rejected_commands", st->rejected_commands);
	PUT("bad_responses", st->bad_responses);
	PUT("timeouts", st->timeouts);
	PUT("backend_failures", st->backend_failures);
	PUT("cancelled", st->cancelled);
	PUT("service_count", st->service_count);
	PUT("service_total_ns", st->service_total_ns);
	PUT("service_max_ns", st->service_max_ns);
#undef PUT
	return n;
}

#define MAX_COUNTERS	64

static int print_stats(const struct kvm_vtis_stats *st, bool json)
{
	uint64_t hist[KVM_VTIS_SERVICE_BUCKETS];
	struct counter c[MAX_COUNTERS];
	size_t n = counters(st, c), i;
	uint32_t buckets = st->service_buckets;

	if (buckets > KVM_VTIS_SERVICE_BUCKETS)
		buckets = KVM_VTIS_SERVICE_BUCKETS;
	if (json) {
		struct json_obj o;

		json_begin(&o, stdout);
		json_u64(&o, "id", st->id);
		for (i = 0; i < n; i++)
			json_u64(&o, c[i].name, c[i].val);
		for (i = 0; i < buckets; i++)
			hist[i] = st->service_hist[i];
		json_u64_array(&o, "service_hist", hist, buckets);
		json_end(&o);
		putchar('\n');
		return finish_output();
	}
	printf("id %" PRIu32 "\n", st->id);
	for (i = 0; i < n; i++)
		printf("%s %" PRIu64 "\n", c[i].name, c[i].val);
	printf("service_hist");
	for (i = 0; i < buckets; i++)
		printf(" %llu", (unsigned long long)st->service_hist[i]);
	putchar('\n');
	return finish_output();
}

/* ---- --watch ----------------------------------------------------------- */

struct snap {
	uint32_t id;
	struct kvm_vtis_stats st;
};

/* Ids of all devices (sorted by the kernel); NULL on failure. */
static uint32_t *list_ids(int fd, uint32_t *count)
{
	struct kvm_vtis_list l;
	uint32_t *ids = NULL, cap = 16;
	int tries;

	for (tries = 0; tries < 8; tries++) {
		uint32_t *p = realloc(ids, (size_t)cap * sizeof(*ids));

		if (!p)
			break;
		ids = p;
		memset(&l, 0, sizeof(l));
		l.size = sizeof(l);
		l.ids = (uintptr_t)ids;
		l.capacity = cap;
		if (ioctl(fd, KVM_VTIS_LIST, &l) < 0) {
			err_msg("stats: KVM_VTIS_LIST failed: %s", strerror(errno));
			free(ids);
			return NULL;
		}
		if (l.count <= cap) {
			*count = l.count;
			return ids;
		}
		if (l.count > WATCH_MAX_DEVICES)
			break;
		cap = l.count + 16;
	}
	err_msg("stats: cannot list the devices");
	free(ids);
	return NULL;
}

static const struct kvm_vtis_stats *find_prev(const struct snap *prev, size_t n,
					      uint32_t id)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (prev[i].id == id)
			return &prev[i].st;
	return NULL;
}

static double rate(uint64_t now, uint64_t before, double secs)
{
	return now >= before && secs > 0 ? (double)(now - before) / secs : 0;
}

static void watch_row(const struct kvm_vtis_stats *st,
		      const struct kvm_vtis_stats *old, double secs)
{
	uint64_t mmio = sum(st->mmio_reads, KVM_VTIS_REG_CLASSES) +
			sum(st->mmio_writes, KVM_VTIS_REG_CLASSES);
	uint64_t old_mmio = old ? sum(old->mmio_reads, KVM_VTIS_REG_CLASSES) +
				  sum(old->mmio_writes, KVM_VTIS_REG_CLASSES) : mmio;
	uint64_t failed = st->errors + st->rejected_commands + st->timeouts;

	printf("%-4" PRIu32 " %10llu %8.1f %10llu %10llu %9.0f %8llu %8llu %10llu %10llu\n",
	       st->id, (unsigned long long)st->commands,
	       rate(st->commands, old ? old->commands : st->commands, secs),
	       (unsigned long long)st->bytes_to_tpm,
	       (unsigned long long)st->bytes_from_tpm,
	       rate(mmio, old_mmio, secs),
	       (unsigned long long)st->status_polls,
	       (unsigned long long)failed,
	       (unsigned long long)(st->service_count ?
				    st->service_total_ns / st->service_count / 1000 : 0),
	       (unsigned long long)(st->service_max_ns / 1000));
}

static int watch(int fd, uint32_t one, unsigned int interval, uint64_t count)
{
	struct snap *prev = NULL, *cur;
	size_t nprev = 0, ncur;
	uint32_t *ids, n, i;
	double t_prev = 0, t;
	uint64_t round;
	bool tty = isatty(STDOUT_FILENO);
	char stamp[32];
	time_t wall;
	int e;

	for (round = 0; !count || round < count; round++) {
		if (round)
			sleep_ms(interval * 1000);
		if (one) {
			ids = malloc(sizeof(*ids));
			if (!ids) {
				err_msg("stats: out of memory");
				goto fail;
			}
			ids[0] = one;
			n = 1;
		} else {
			ids = list_ids(fd, &n);
			if (!ids)
				goto fail;
		}
		cur = calloc(n ? n : 1, sizeof(*cur));
		if (!cur) {
			free(ids);
			err_msg("stats: out of memory");
			goto fail;
		}
		t = now_ms() / 1000.0;
		for (i = 0, ncur = 0; i < n; i++) {
			e = get_stats(fd, ids[i], &cur[ncur].st);
			/* Detached meanwhile, or another user's. */
			if ((e == ENOENT || e == EPERM) && !one)
				continue;
			if (e) {
				dev_ioctl_err("stats", "KVM_VTIS_STATS", ids[i], e);
				free(ids);
				free(cur);
				goto fail;
			}
			cur[ncur++].id = ids[i];
		}
		free(ids);
		wall = time(NULL);
		strftime(stamp, sizeof(stamp), "%H:%M:%S", localtime(&wall));
		if (tty)
			fputs("\033[H\033[J", stdout);
		printf("vtisctl stats --watch: %zu device%s, every %u s, %s\n", ncur,
		       ncur == 1 ? "" : "s", interval, stamp);
		printf("%-4s %10s %8s %10s %10s %9s %8s %8s %10s %10s\n", "ID", "COMMANDS",
		       "CMD/S", "TO_TPM", "FROM_TPM", "MMIO/S", "POLLS", "FAILED",
		       "SVC_AVG_US", "SVC_MAX_US");
		for (i = 0; i < ncur; i++)
			watch_row(&cur[i].st, find_prev(prev, nprev, cur[i].id),
				  t - t_prev);
		if (finish_output()) {
			free(cur);
			goto fail;
		}
		free(prev);
		prev = cur;
		nprev = ncur;
		t_prev = t;
	}
	free(prev);
	close(fd);
	return EXIT_OK;
fail:
	free(prev);
	close(fd);
	return EXIT_FAIL;
}

int cmd_stats(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "watch", no_argument, NULL, 'w' },
		{ "interval", required_argument, NULL, 'i' },
		{ "count", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool json = false, watching = false, have_interval = false, have_count = false;
	uint64_t interval = 1, count = 0, v;
	struct kvm_vtis_stats st;
	uint32_t id = 0;
	int c, fd, e;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", lopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'w':
			watching = true;
			break;
		case 'i':
			if (parse_uint_range(optarg, 1, 3600, &interval))
				return usage_err("stats", "--interval '%s' must be 1 to 3600 seconds",
						 optarg);
			have_interval = true;
			break;
		case 'c':
			if (parse_uint_range(optarg, 1, UINT32_MAX, &count))
				return usage_err("stats", "--count '%s' must be a number from 1",
						 optarg);
			have_count = true;
			break;
		case 'h':
			stats_help();
			return finish_output();
		default:
			return bad_option("stats", c, argv);
		}
	}
	if (optind < argc) {
		if (optind + 1 < argc)
			return usage_err("stats", "unexpected argument '%s'", argv[optind + 1]);
		if (parse_uint_range(argv[optind], 1, UINT32_MAX, &v))
			return usage_err("stats", "ID '%s' must be a number from 1 to 4294967295",
					 argv[optind]);
		id = (uint32_t)v;
	}
	if (watching && json)
		return usage_err("stats", "--json and --watch do not go together");
	if (!watching && (have_interval || have_count))
		return usage_err("stats", "--interval and --count need --watch");
	if (!watching && !id)
		return usage_err("stats", "a device ID is required (or --watch)");

	fd = vtis_open();
	if (fd < 0)
		return EXIT_FAIL;
	if (watching)
		return watch(fd, id, (unsigned int)interval, count);
	e = get_stats(fd, id, &st);
	close(fd);
	if (e == ENOTTY) {
		err_msg("stats: the loaded kvm_vtis has no statistics ioctl (too old)");
		return EXIT_FAIL;
	}
	if (e) {
		dev_ioctl_err("stats", "KVM_VTIS_STATS", id, e);
		return EXIT_FAIL;
	}
	return print_stats(&st, json);
}
