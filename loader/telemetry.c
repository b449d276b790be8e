// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* endmt telemetry set/group/show: this node's IOAM identity (endmt_tm) and
 * a group's trace sampling at its head (struct endmt_encap tm_sample,
 * tm_slots).  docs/TELEMETRY.md has the design; include/endmt/ioam.h the
 * wire format. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include <jansson.h>
#include "endmt.h"
#include "config.h"
#include "telemetry.h"
#include "endmt/ioam.h"

int64_t tm_real_minus_tai(void)
{
	struct timespec r, t;

	clock_gettime(CLOCK_REALTIME, &r);
	clock_gettime(CLOCK_TAI, &t);
	/* Whole seconds on every system (the TAI offset is an integer); the
	 * two reads are nanoseconds apart, so round to the second. */
	return (((int64_t)r.tv_sec - t.tv_sec) * 1000000000LL + (r.tv_nsec - t.tv_nsec) +
		500000000LL) / 1000000000LL * 1000000000LL;
}

int tm_clock_sync(int fd)
{
	struct endmt_tm_node v;
	uint32_t zero = 0;
	int64_t d;

	if (fd < 0 || bpf_map_lookup_elem(fd, &zero, &v))
		return fd < 0 ? -ENOENT : -errno;
	d = tm_real_minus_tai();
	if (!v.node_id || v.real_minus_tai_ns == d)
		return 0;
	v.real_minus_tai_ns = d;
	return bpf_map_update_elem(fd, &zero, &v, BPF_ANY) ? -errno : 1;
}

int tm_node_write(int fd, uint32_t node_id, uint16_t ns, bool export, bool *changed)
{
	struct endmt_tm_node v = {
		.node_id = node_id, .ns_id = ns,
		.flags = export ? ENDMT_TM_F_EXPORT : 0,
		.real_minus_tai_ns = node_id ? tm_real_minus_tai() : 0,
	};
	uint32_t zero = 0;

	if (fd < 0)
		return -ENOENT;
	return map_set(fd, &zero, &v, sizeof(v), changed);
}

struct tm_args {
	uint32_t node_id;
	uint32_t ns;
	bool no_export;
	struct in6_addr proxy;
	uint32_t dqpn;
	const char *sample;
	uint32_t slots;
};

static void tm_defaults(void *p)
{
	((struct tm_args *)p)->slots = ENDMT_IOAM_SLOTS_DEF;
}

static int tm_set_run(void *p)
{
	struct tm_args *a = p;
	struct endmt_maps_fds m;
	bool changed = true;
	int lock, err;

	err = cfg_begin(&m, &lock);
	if (err)
		return err;
	err = tm_node_write(m.tm, a->node_id, (uint16_t)a->ns, !a->no_export, &changed);
	cfg_end(&m, lock);
	if (err) {
		errorf("telemetry set: %s", strerror(-err));
		return err;
	}
	report_change(changed, "telemetry identity", "written");
	return 0;
}

int tm_parse_sample(const char *s, uint8_t *v)
{
	char *end;
	unsigned long k;

	if (!strcmp(s, "off")) {
		*v = ENDMT_TM_OFF;
		return 0;
	}
	errno = 0;
	k = strtoul(s, &end, 10);
	if (errno || end == s || *end || k > ENDMT_TM_SHIFT_MAX)
		return -EINVAL;
	*v = (uint8_t)(k + 1);
	return 0;
}

static int tm_group_run(void *p)
{
	struct tm_args *a = p;
	struct endmt_encap *v = calloc(1, sizeof(*v));
	struct endmt_group_key k;
	struct endmt_maps_fds m;
	uint8_t sample;
	int lock, err;

	if (!v)
		return -ENOMEM;
	if (tm_parse_sample(a->sample, &sample)) {
		errorf("telemetry group: --sample '%s': expected off or K in 0..%d (1 packet in 2^K)",
		       a->sample, ENDMT_TM_SHIFT_MAX);
		free(v);
		return -EINVAL;
	}
	group_key_make(&k, &a->proxy, a->dqpn);
	err = cfg_begin(&m, &lock);
	if (err) {
		free(v);
		return err;
	}
	if (bpf_map_lookup_elem(m.encap, &k, v)) {
		err = -errno;
		cfg_end(&m, lock);
		errorf("telemetry group: %s", err == -ENOENT ?
		       "no template for this group here (telemetry is set at the group's head)" :
		       strerror(-err));
		free(v);
		return err;
	}
	v->tm_sample = sample;
	v->tm_slots = (uint8_t)a->slots;
	err = bpf_map_update_elem(m.encap, &k, v, BPF_EXIST) ? -errno : 0;
	cfg_end(&m, lock);
	free(v);
	if (err) {
		errorf("telemetry group: %s", strerror(-err));
		return err;
	}
	report_change(true, "group telemetry", "written");
	return 0;
}

static int tm_show_run(void *p)
{
	struct endmt_maps_fds m;
	struct endmt_tm_node v = {};
	uint32_t zero = 0;
	json_t *o;
	int err;

	(void)p;
	err = maps_open(&m, false);
	if (err) {
		errorf("telemetry show: no endmt maps under %s: %s", env.pin_root, strerror(-err));
		return err;
	}
	if (m.tm >= 0)
		bpf_map_lookup_elem(m.tm, &zero, &v);
	maps_close(&m);
	o = json_pack("{s:I, s:I, s:b, s:I}", "node_id", (json_int_t)v.node_id,
		      "namespace", (json_int_t)v.ns_id, "export",
		      (v.flags & ENDMT_TM_F_EXPORT) != 0, "real_minus_tai_ns",
		      (json_int_t)v.real_minus_tai_ns);
	if (env.json)
		return json_print(o);
	if (!v.node_id) {
		printf("telemetry off on this node (no IOAM node id)\n");
	} else {
		printf("telemetry node-id %u namespace %u export %s\n", v.node_id, v.ns_id,
		       v.flags & ENDMT_TM_F_EXPORT ? "on" : "off");
	}
	json_decref(o);
	return 0;
}

#define O(f) offsetof(struct tm_args, f)
static const struct opt tm_set_opts[] = {
	{ "node-id", OPT_U32, O(node_id), NOSET, "N", "this node's IOAM node_id (1..16777215) in every trace entry and postcard; 0 turns telemetry off here (traces pass untouched)", 0, 0xffffff, NULL, true, false },
	{ "namespace", OPT_U32, O(ns), NOSET, "NS", "IOAM Namespace-ID this node fills and exports (0..65535, default 0); traces of other namespaces pass untouched", 0, 0xffff, NULL, false, false },
	{ "no-export", OPT_FLAG, O(no_export), NOSET, NULL, "fill trace entries but export no postcards from this node", 0, 0, NULL, false, false },
	{}
};
static const struct opt tm_group_opts[] = {
	{ "proxy", OPT_ADDR, O(proxy), NOSET, "ADDR", "Proxy Address of the group", 0, 0, NULL, true, false },
	{ "dqpn", OPT_U32, O(dqpn), NOSET, "N", "Designated QPN of the group", 0, 0xffffff, NULL, true, false },
	{ "sample", OPT_STR, O(sample), NOSET, "off|K", "trace 1 packet in 2^K (K 0..16, 0: every packet), chosen by PSN so that every node sees the same samples; off: no trace", 0, 0, NULL, true, false },
	{ "slots", OPT_U32, O(slots), NOSET, "N", "node entries pre-allocated per trace (1..8, default 5): the head, the kernel IOAM routers and the node that ends the section", 1, ENDMT_IOAM_SLOTS_MAX, NULL, false, false },
	{}
};
static const struct opt tm_show_opts[] = {
	{}
};
#undef O

const struct cmd cmd_tm_set = {
	"telemetry set", "Set this node's IOAM node id and namespace (on-path telemetry, RFC 9630).",
	tm_set_opts, sizeof(struct tm_args), tm_defaults, tm_set_run,
};
const struct cmd cmd_tm_group = {
	"telemetry group", "Trace a group's packets at its head: 1 in 2^K, or off.",
	tm_group_opts, sizeof(struct tm_args), tm_defaults, tm_group_run,
};
const struct cmd cmd_tm_show = {
	"telemetry show", "Show this node's telemetry identity.",
	tm_show_opts, sizeof(struct tm_args), tm_defaults, tm_show_run,
};
