// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* endmt pm set/flow/group/show: this node's period engine (endmt_pm), the
 * counters of the flows it counts (endmt_pm_counts) and, at a group's head,
 * the group's FlowMonID (endmt_pm_groups).  docs/PM.md has the design,
 * include/endmt/pm.h the maps; `endmt pm report` (pm_report.c) judges what
 * the collector gathered. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <jansson.h>
#include "endmt.h"
#include "config.h"
#include "pm.h"
#include "pm_flow.h"
#include "telemetry.h"
#include "endmt/ioam.h"

int pm_cfg_write(int fd, uint64_t period_ns, uint32_t count_period, uint32_t node_id,
		 bool *changed)
{
	struct endmt_pm_cfg v = {
		.period_ns = period_ns, .count_period = count_period, .node_id = node_id,
		.real_minus_tai_ns = tm_real_minus_tai(),
	};
	uint32_t zero = 0;

	if (fd < 0)
		return -ENOENT;
	return map_set(fd, &zero, &v, sizeof(v), changed);
}

int pm_clock_sync(int fd)
{
	struct endmt_pm_cfg v;
	uint32_t zero = 0;
	int64_t d;

	if (fd < 0 || bpf_map_lookup_elem(fd, &zero, &v))
		return fd < 0 ? -ENOENT : -errno;
	d = tm_real_minus_tai();
	if (!v.period_ns || v.real_minus_tai_ns == d)
		return 0;
	v.real_minus_tai_ns = d;
	return bpf_map_update_elem(fd, &zero, &v, BPF_ANY) ? -errno : 1;
}

int pm_group_write(int groups_fd, int counts_fd, const struct endmt_group_key *k,
		   uint32_t flow, bool *changed)
{
	struct endmt_pm_group cur, v = { .flow = flow };
	int err;

	*changed = false;
	if (groups_fd < 0 || counts_fd < 0)
		return -ENOENT;
	if (!bpf_map_lookup_elem(groups_fd, k, &cur)) {
		if (cur.flow == flow)
			return pm_flow_counters(counts_fd, flow, ENDMT_PM_SRV6, ENDMT_PM_OUT, true);
		/* Another flow before: its OUT counters go with it. */
		err = pm_flow_counters(counts_fd, cur.flow, ENDMT_PM_SRV6, ENDMT_PM_OUT, false);
		if (err && err != -EINVAL)
			return err;
		if (!flow) {
			*changed = true;
			return bpf_map_delete_elem(groups_fd, k) && errno != ENOENT ? -errno : 0;
		}
	} else if (!flow) {
		return 0;
	}
	/* Counters first: the head counts from its first marked packet. */
	err = pm_flow_counters(counts_fd, flow, ENDMT_PM_SRV6, ENDMT_PM_OUT, true);
	if (err)
		return err;
	if (bpf_map_update_elem(groups_fd, k, &v, BPF_ANY))
		return -errno;
	*changed = true;
	return 0;
}

struct pm_args {
	uint32_t period_ms, count, node_id;
	bool period_set, count_set, node_set;
	int action;		/* pm flow: 0 add, 1 del */
	uint32_t flow;
	int enc;		/* index into enc_names */
	int point;		/* enum endmt_pm_point */
	struct in6_addr proxy;
	uint32_t dqpn;
	bool flow_set, off;
};

static const char *const action_names[] = { "add", "del", NULL };
static const char *const enc_names[] = { "srv6", "mpls", NULL };
static const char *const point_names[] = { "in", "out", NULL };

static void pm_defaults(void *p)
{
	((struct pm_args *)p)->period_ms = ENDMT_PM_DEF_PERIOD_MS;
}

static int pm_set_run(void *p)
{
	struct pm_args *a = p;
	struct endmt_pm_cfg cur = {};
	struct endmt_tm_node tm = {};
	struct endmt_maps_fds m;
	uint32_t zero = 0, node_id;
	bool changed = false;
	int lock, err;

	err = cfg_begin(&m, &lock);
	if (err)
		return err;
	if (m.pm < 0) {
		err = -ENOENT;
		errorf("pm set: no endmt_pm map under %s (a data path without alternate marking?)",
		       env.pin_root);
		goto out;
	}
	bpf_map_lookup_elem(m.pm, &zero, &cur);
	/* What is not given stays; a node id defaults to telemetry's. */
	node_id = a->node_set ? a->node_id : cur.node_id;
	if (!a->node_set && !node_id && m.tm >= 0 && !bpf_map_lookup_elem(m.tm, &zero, &tm))
		node_id = tm.node_id;
	err = pm_cfg_write(m.pm, a->period_set || !cur.period_ns ?
			   (uint64_t)a->period_ms * 1000000ull : cur.period_ns,
			   a->count_set ? a->count : cur.count_period, node_id, &changed);
	if (err)
		errorf("pm set: writing endmt_pm: %s", strerror(-err));
out:
	cfg_end(&m, lock);
	if (!err)
		report_change(changed, "period engine", "written");
	return err;
}

static int pm_flow_run(void *p)
{
	struct pm_args *a = p;
	struct endmt_maps_fds m;
	int lock, err;

	err = cfg_begin(&m, &lock);
	if (err)
		return err;
	err = m.pm_counts < 0 ? -ENOENT :
	      pm_flow_counters(m.pm_counts, a->flow, (uint8_t)(a->enc + 1), (uint8_t)a->point,
			       a->action == 0);
	cfg_end(&m, lock);
	if (err) {
		errorf("pm flow %s: flow %u %s %s: %s", action_names[a->action], a->flow,
		       enc_names[a->enc], point_names[a->point],
		       err == -ENOENT && m.pm_counts < 0 ? "no endmt_pm_counts map here" :
		       err == -E2BIG ? "the counters map is full" : strerror(-err));
		return err;
	}
	report_change(true, "flow counters", a->action == 0 ? "written" : "deleted");
	return 0;
}

static int pm_group_run(void *p)
{
	struct pm_args *a = p;
	struct endmt_group_key k;
	struct endmt_maps_fds m;
	bool changed = false;
	int lock, err;

	if (a->flow_set == a->off) {
		errorf("pm group: give either --flow ID or --off");
		return -EINVAL;
	}
	group_key_make(&k, &a->proxy, a->dqpn);
	err = cfg_begin(&m, &lock);
	if (err)
		return err;
	err = pm_group_write(m.pm_groups, m.pm_counts, &k, a->off ? 0 : a->flow, &changed);
	cfg_end(&m, lock);
	if (err) {
		errorf("pm group: %s", err == -ENOENT ? "no endmt_pm_groups map here" :
		       strerror(-err));
		return err;
	}
	report_change(changed, "group marking", a->off ? "deleted" : "written");
	return 0;
}

/* Every configured (flow, enc, point) once: the colour 0 entries. */
static json_t *flows_json(int fd)
{
	struct endmt_pm_key k, *prev = NULL;
	struct endmt_pm_count c;
	json_t *arr = json_array(), *f, *cols;
	uint8_t colour;

	if (fd < 0)
		return arr;
	while (!bpf_map_get_next_key(fd, prev, &k)) {
		prev = &k;
		if (k.colour)
			continue;
		cols = json_array();
		for (colour = 0; colour < 2; colour++) {
			struct endmt_pm_key kc = k;

			kc.colour = colour;
			if (pm_count_read(fd, &kc, &c))
				memset(&c, 0, sizeof(c));
			json_array_append_new(cols, json_pack("{s:I, s:I}",
				"packets", (json_int_t)c.packets, "bytes", (json_int_t)c.bytes));
		}
		f = json_pack("{s:I, s:s, s:s, s:o}", "flow", (json_int_t)k.flow,
			      "enc", pm_enc_name(k.enc) ? pm_enc_name(k.enc) : "?",
			      "point", k.point == ENDMT_PM_OUT ? "out" : "in", "colours", cols);
		json_array_append_new(arr, f);
	}
	return arr;
}

static json_t *groups_json(int fd)
{
	struct endmt_group_key k, *prev = NULL;
	struct endmt_pm_group v;
	char a[INET6_ADDRSTRLEN];
	json_t *arr = json_array();

	if (fd < 0)
		return arr;
	while (!bpf_map_get_next_key(fd, prev, &k)) {
		prev = &k;
		if (bpf_map_lookup_elem(fd, &k, &v))
			continue;
		json_array_append_new(arr, json_pack("{s:s, s:I, s:I, s:I}",
			"proxy", addr_str(k.proxy, a), "dqpn", (json_int_t)k.dqpn,
			"flow", (json_int_t)v.flow, "marked", (json_int_t)v.st.seq));
	}
	return arr;
}

static int pm_show_run(void *p)
{
	struct endmt_maps_fds m;
	struct endmt_pm_cfg v = {};
	uint32_t zero = 0;
	json_t *o, *it, *c0, *c1;
	size_t i;
	int err;

	(void)p;
	err = maps_open(&m, false);
	if (err) {
		errorf("pm show: no endmt maps under %s: %s", env.pin_root, strerror(-err));
		return err;
	}
	if (m.pm >= 0)
		bpf_map_lookup_elem(m.pm, &zero, &v);
	o = json_pack("{s:I, s:I, s:I, s:I, s:I, s:o, s:o}",
		      "period_ms", (json_int_t)(v.period_ns / 1000000),
		      "period_ns", (json_int_t)v.period_ns,
		      "count_period", (json_int_t)v.count_period,
		      "node_id", (json_int_t)v.node_id,
		      "real_minus_tai_ns", (json_int_t)v.real_minus_tai_ns,
		      "flows", flows_json(m.pm_counts), "groups", groups_json(m.pm_groups));
	maps_close(&m);
	if (env.json)
		return json_print(o);
	if (!v.period_ns && !v.count_period)
		printf("pm: no period engine on this node (endmt pm set)\n");
	else if (v.count_period)
		printf("pm period %u packets (count-based, tests) node-id %u\n", v.count_period,
		       v.node_id);
	else
		printf("pm period %llu ms node-id %u\n",
		       (unsigned long long)(v.period_ns / 1000000), v.node_id);
	json_array_foreach(json_object_get(o, "flows"), i, it) {
		c0 = json_array_get(json_object_get(it, "colours"), 0);
		c1 = json_array_get(json_object_get(it, "colours"), 1);
		printf("flow %lld %s %s: colour 0 %lld packets %lld bytes, colour 1 %lld packets "
		       "%lld bytes\n", json_integer_value(json_object_get(it, "flow")),
		       json_string_value(json_object_get(it, "enc")),
		       json_string_value(json_object_get(it, "point")),
		       json_integer_value(json_object_get(c0, "packets")),
		       json_integer_value(json_object_get(c0, "bytes")),
		       json_integer_value(json_object_get(c1, "packets")),
		       json_integer_value(json_object_get(c1, "bytes")));
	}
	json_array_foreach(json_object_get(o, "groups"), i, it)
		printf("group %s/%lld marks flow %lld (%lld packets marked)\n",
		       json_string_value(json_object_get(it, "proxy")),
		       json_integer_value(json_object_get(it, "dqpn")),
		       json_integer_value(json_object_get(it, "flow")),
		       json_integer_value(json_object_get(it, "marked")));
	json_decref(o);
	return 0;
}

#define STR_(x) #x
#define STR(x) STR_(x)
#define O(f) offsetof(struct pm_args, f)
static const struct opt pm_set_opts[] = {
	{ "period", OPT_U32, O(period_ms), O(period_set), "MS", "period length in milliseconds (default " STR(ENDMT_PM_DEF_PERIOD_MS) ", at least " STR(ENDMT_PM_MIN_PERIOD_MS) "): colour = (CLOCK_REALTIME / period) & 1, the same on every node", ENDMT_PM_MIN_PERIOD_MS, 3600000, NULL, false, false },
	{ "count", OPT_U32, O(count), O(count_set), "N", "tests only: a marker flips the colour every N packets instead (0: time-based, the default)", 0, UINT32_MAX, NULL, false, false },
	{ "node-id", OPT_U32, O(node_id), O(node_set), "ID", "this node's identity in period and D-mark records (default: the telemetry node id, if set)", 0, 0xffffff, NULL, false, false },
	{}
};
static const struct opt pm_flow_opts[] = {
	{ "action", OPT_ENUM, O(action), NOSET, "add|del", "make or remove the flow's counters here (both colours; add keeps existing counts)", 0, 0, action_names, true, true },
	{ "id", OPT_U32, O(flow), NOSET, "ID", "FlowMonID (SRv6) or Flow-ID Label (MPLS), 1..1048575", 1, ENDMT_PM_FLOW_MAX, NULL, true, true },
	{ "enc", OPT_ENUM, O(enc), NOSET, "srv6|mpls", "the encoding: RFC 9343 AltMark or RFC 9714 Flow-ID Label", 0, 0, enc_names, true, false },
	{ "point", OPT_ENUM, O(point), NOSET, "in|out", "where the node counts: in (what it accepted) or out (what a marker sent)", 0, 0, point_names, true, false },
	{}
};
static const struct opt pm_group_opts[] = {
	{ "proxy", OPT_ADDR, O(proxy), NOSET, "ADDR", "Proxy Address of the group", 0, 0, NULL, true, false },
	{ "dqpn", OPT_U32, O(dqpn), NOSET, "N", "Designated QPN of the group", 0, 0xffffff, NULL, true, false },
	{ "flow", OPT_U32, O(flow), O(flow_set), "ID", "mark the group's packets with this FlowMonID (1..1048575) and count them (OUT)", 1, ENDMT_PM_FLOW_MAX, NULL, false, false },
	{ "off", OPT_FLAG, O(off), NOSET, NULL, "stop marking the group (its OUT counters go)", 0, 0, NULL, false, false },
	{}
};
static const struct opt pm_show_opts[] = {
	{}
};
#undef O

const struct cmd cmd_pm_set = {
	"pm set", "Set this node's alternate-marking period (RFC 9341) and node id.",
	pm_set_opts, sizeof(struct pm_args), pm_defaults, pm_set_run,
};
const struct cmd cmd_pm_flow = {
	"pm flow", "Add or delete the loss/delay counters of a flow at this node.",
	pm_flow_opts, sizeof(struct pm_args), pm_defaults, pm_flow_run,
};
const struct cmd cmd_pm_group = {
	"pm group", "Mark a group's packets at its head with a FlowMonID, or stop.",
	pm_group_opts, sizeof(struct pm_args), pm_defaults, pm_group_run,
};
const struct cmd cmd_pm_show = {
	"pm show", "Show this node's period engine and its flows' raw counters.",
	pm_show_opts, sizeof(struct pm_args), pm_defaults, pm_show_run,
};
