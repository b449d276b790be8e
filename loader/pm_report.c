// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* endmt pm report: per-branch loss, one-way delay and jitter of every flow
 * the collector gathered (its --state file's "pm" section, pm_state.c),
 * placed on the tree file's parent relations (docs/PM.md).
 *
 * A node's upstream is its nearest ancestor in the tree file that has
 * records for the flow (nodes that do not count the flow are skipped).
 * Per branch and period: lost = upstream's packets - downstream's (exact:
 * both counted the same colour of the same period), delay = downstream's
 * D-mark time - upstream's for the same packet (pkt_key), jitter = this
 * period's delay - the previous period's (RFC 3393's IPDV of the D-marked
 * packets).  Only complete periods are judged: every node's record is
 * there, or it is missing for good (the node reported a later period, or
 * the grace time after the period's guard time passed); so a late record
 * is never phantom loss, and a missing one is named. */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <jansson.h>
#include "endmt.h"
#include "tree.h"

#define REPORT_MAX_PERIODS 1024
#define REPORT_MAX_NODES 64

struct report_args {
	const char *state, *tree;
	uint32_t periods, grace_ms;
	bool watch;
};

static volatile sig_atomic_t stop_sig;

static void on_signal(int sig)
{
	stop_sig = sig;
}

struct rnode {
	uint32_t id;
	json_t *o;		/* the state's node object */
	int tidx;		/* tree node index, -1: not in the tree file */
	int up;			/* index of the upstream rnode, -1: none */
	bool have_last;
	uint64_t last;
};

struct rflow {
	json_t *f;
	uint64_t period_ns;
	struct rnode n[REPORT_MAX_NODES];
	int nn;
	uint64_t k[REPORT_MAX_PERIODS];	/* complete periods, ascending */
	int nk;
};

static json_t *per_get(const struct rnode *n, const char *what, uint64_t k)
{
	char key[24];

	snprintf(key, sizeof(key), "%" PRIu64, k);
	return json_object_get(json_object_get(n->o, what), key);
}

static int u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Places the flow's nodes on the tree and finds its complete periods. */
static void flow_build(struct rflow *r, json_t *f, const struct tree *t, uint64_t written,
		       uint64_t grace_ns)
{
	const char *id;
	json_t *n, *per, *v;
	const char *pk;
	uint64_t cand[REPORT_MAX_PERIODS], k, due;
	int nc = 0, i, j, p;

	memset(r, 0, sizeof(*r));
	r->f = f;
	r->period_ns = json_integer_value(json_object_get(f, "period_ns"));
	json_object_foreach(json_object_get(f, "nodes"), id, n) {
		struct rnode *x;

		if (r->nn == REPORT_MAX_NODES)
			break;
		x = &r->n[r->nn++];
		x->id = (uint32_t)strtoul(id, NULL, 10);
		x->o = n;
		x->tidx = -1;
		x->up = -1;
		v = json_object_get(n, "last_period");
		x->have_last = json_is_integer(v);
		x->last = json_integer_value(v);
		for (i = 0; i < t->nnodes; i++)
			if (t->nodes[i].ioam_id == x->id)
				x->tidx = i;
		per = json_object_get(n, "periods");
		json_object_foreach(per, pk, v) {
			k = strtoull(pk, NULL, 10);
			for (j = 0; j < nc && cand[j] != k; j++)
				;
			if (j == nc && nc < REPORT_MAX_PERIODS)
				cand[nc++] = k;
		}
	}
	/* Upstream: the nearest ancestor with records. */
	for (i = 0; i < r->nn; i++) {
		if (r->n[i].tidx < 0)
			continue;
		for (p = t->nodes[r->n[i].tidx].parent; p >= 0 && r->n[i].up < 0;
		     p = t->nodes[p].parent)
			for (j = 0; j < r->nn; j++)
				if (r->n[j].tidx == p)
					r->n[i].up = j;
	}
	qsort(cand, nc, sizeof(cand[0]), u64_cmp);
	for (j = 0; j < nc; j++) {
		k = cand[j];
		/* The period's guard time ends at (k+1)T + T/2: after that
		 * and the grace time, a record not here is missing for good. */
		due = (k + 1) * r->period_ns + r->period_ns / 2 + grace_ns;
		for (i = 0; i < r->nn; i++) {
			if (r->n[i].tidx < 0 || per_get(&r->n[i], "periods", k))
				continue;
			if ((r->n[i].have_last && r->n[i].last > k) || written >= due)
				continue;
			break;	/* may still come */
		}
		if (i == r->nn)
			r->k[r->nk++] = k;
	}
}

static bool dm_delay(const struct rnode *u, const struct rnode *d, uint64_t k, int64_t *delay)
{
	json_t *a = per_get(u, "dmarks", k), *b = per_get(d, "dmarks", k);

	if (!a || !b || json_integer_value(json_object_get(a, "pkt_key")) !=
			json_integer_value(json_object_get(b, "pkt_key")))
		return false;
	*delay = json_integer_value(json_object_get(b, "real_ns")) -
		 json_integer_value(json_object_get(a, "real_ns"));
	return true;
}

/* One branch in one period. */
static json_t *branch_period(const struct rflow *r, int d, uint64_t k, bool prev_ok)
{
	const struct rnode *dn = &r->n[d], *un = &r->n[dn->up];
	json_t *pu = per_get(un, "periods", k), *pd = per_get(dn, "periods", k);
	json_t *o = json_pack("{s:I, s:I}", "upstream", (json_int_t)un->id,
			      "downstream", (json_int_t)dn->id), *miss = json_array();
	int64_t up, down, delay, dprev;

	if (!pu)
		json_array_append_new(miss, json_integer(un->id));
	if (!pd)
		json_array_append_new(miss, json_integer(dn->id));
	json_object_set_new(o, "missing", miss);
	up = pu ? json_integer_value(json_object_get(pu, "packets")) : 0;
	down = pd ? json_integer_value(json_object_get(pd, "packets")) : 0;
	json_object_set_new(o, "upstream_packets", pu ? json_integer(up) : json_null());
	json_object_set_new(o, "downstream_packets", pd ? json_integer(down) : json_null());
	json_object_set_new(o, "upstream_bytes",
			    pu ? json_incref(json_object_get(pu, "bytes")) : json_null());
	json_object_set_new(o, "downstream_bytes",
			    pd ? json_incref(json_object_get(pd, "bytes")) : json_null());
	json_object_set_new(o, "lost", pu && pd ? json_integer(up - down) : json_null());
	json_object_set_new(o, "loss_pct", pu && pd ?
			    json_real(up ? (double)(up - down) * 100.0 / (double)up : 0.0) :
			    json_null());
	if (dm_delay(un, dn, k, &delay)) {
		json_object_set_new(o, "delay_ns", json_integer(delay));
		json_object_set_new(o, "jitter_ns", prev_ok && k > 0 &&
				    dm_delay(un, dn, k - 1, &dprev) ?
				    json_integer(delay - dprev) : json_null());
	} else {
		json_object_set_new(o, "delay_ns", json_null());
		json_object_set_new(o, "jitter_ns", json_null());
	}
	return o;
}

static bool is_complete(const struct rflow *r, uint64_t k)
{
	int i;

	for (i = 0; i < r->nk; i++)
		if (r->k[i] == k)
			return true;
	return false;
}

static json_t *flow_json(const struct rflow *r, uint32_t nper)
{
	json_t *o = json_pack("{s:O, s:O, s:I}", "enc", json_object_get(r->f, "enc"),
			      "flow", json_object_get(r->f, "flow"),
			      "period_ns", (json_int_t)r->period_ns);
	json_t *nodes = json_array(), *unpl = json_array(), *brs = json_array(), *pers = json_array();
	json_t *p, *pb;
	int i, d, first = r->nk > (int)nper ? r->nk - (int)nper : 0;

	for (i = 0; i < r->nn; i++) {
		json_array_append_new(r->n[i].tidx < 0 ? unpl : nodes, json_integer(r->n[i].id));
		if (r->n[i].up >= 0)
			json_array_append_new(brs, json_pack("{s:I, s:I}",
				"upstream", (json_int_t)r->n[r->n[i].up].id,
				"downstream", (json_int_t)r->n[i].id));
	}
	for (i = first; i < r->nk; i++) {
		pb = json_array();
		for (d = 0; d < r->nn; d++)
			if (r->n[d].up >= 0)
				json_array_append_new(pb, branch_period(r, d, r->k[i],
					r->k[i] > 0 && is_complete(r, r->k[i] - 1)));
		p = json_pack("{s:I, s:I, s:o}", "period", (json_int_t)r->k[i],
			      "start_ns", (json_int_t)(r->k[i] * r->period_ns), "branches", pb);
		json_array_append_new(pers, p);
	}
	json_object_set_new(o, "nodes", nodes);
	json_object_set_new(o, "unplaced", unpl);
	json_object_set_new(o, "branches", brs);
	json_object_set_new(o, "periods", pers);
	return o;
}

static void cell_i(char *buf, size_t len, json_t *v)
{
	if (json_is_integer(v))
		snprintf(buf, len, "%lld", (long long)json_integer_value(v));
	else
		snprintf(buf, len, "-");
}

static void cell_us(char *buf, size_t len, json_t *v)
{
	if (json_is_integer(v))
		snprintf(buf, len, "%.3f", (double)json_integer_value(v) / 1000.0);
	else
		snprintf(buf, len, "-");
}

#define ROW_FMT "%-14s %-12s %12s %10s %10s %6s %8s %11s %11s%s\n"

static void print_header(void)
{
	printf(ROW_FMT, "FLOW", "BRANCH", "PERIOD", "UPSTREAM", "DOWNSTREAM", "LOST", "LOSS%",
	       "DELAY_US", "JITTER_US", "");
}

/* One period's rows. */
static void print_period(const char *fname, json_t *p)
{
	char br[32], per[24], up[24], down[24], lost[24], pct[16], dl[24], jt[24], note[96];
	json_t *b, *m, *x;
	size_t i, j;

	snprintf(per, sizeof(per), "%lld", (long long)json_integer_value(json_object_get(p, "period")));
	json_array_foreach(json_object_get(p, "branches"), i, b) {
		snprintf(br, sizeof(br), "%lld->%lld",
			 (long long)json_integer_value(json_object_get(b, "upstream")),
			 (long long)json_integer_value(json_object_get(b, "downstream")));
		cell_i(up, sizeof(up), json_object_get(b, "upstream_packets"));
		cell_i(down, sizeof(down), json_object_get(b, "downstream_packets"));
		cell_i(lost, sizeof(lost), json_object_get(b, "lost"));
		x = json_object_get(b, "loss_pct");
		if (json_is_real(x))
			snprintf(pct, sizeof(pct), "%.3f", json_real_value(x));
		else
			snprintf(pct, sizeof(pct), "-");
		cell_us(dl, sizeof(dl), json_object_get(b, "delay_ns"));
		cell_us(jt, sizeof(jt), json_object_get(b, "jitter_ns"));
		note[0] = '\0';
		m = json_object_get(b, "missing");
		json_array_foreach(m, j, x)
			snprintf(note + strlen(note), sizeof(note) - strlen(note), "%s%lld",
				 j ? "," : "  missing: node ", (long long)json_integer_value(x));
		printf(ROW_FMT, fname, br, per, up, down, lost, pct, dl, jt, note);
	}
}

static void flow_name(json_t *f, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%lld", json_string_value(json_object_get(f, "enc")) ?: "?",
		 (long long)json_integer_value(json_object_get(f, "flow")));
}

/* The report of the state file now; NULL after printing why. */
static json_t *report_build(const struct report_args *a, const struct tree *t)
{
	json_error_t jerr;
	json_t *st, *pm, *f, *out, *flows;
	struct rflow *r = calloc(1, sizeof(*r));
	uint64_t written;
	size_t i;

	if (!r)
		return NULL;
	st = json_load_file(a->state, 0, &jerr);
	if (!st) {
		errorf("pm report: %s: %s (is `endmt collect --state %s` running?)", a->state,
		       jerr.text, a->state);
		free(r);
		return NULL;
	}
	written = json_integer_value(json_object_get(st, "written_ns"));
	pm = json_object_get(st, "pm");
	flows = json_array();
	json_array_foreach(json_object_get(pm, "flows"), i, f) {
		flow_build(r, f, t, written, (uint64_t)a->grace_ms * 1000000ull);
		json_array_append_new(flows, flow_json(r, a->periods));
	}
	out = json_pack("{s:I, s:o}", "state_written_ns", (json_int_t)written, "flows", flows);
	json_decref(st);
	free(r);
	return out;
}

static void report_text(json_t *rep, bool header)
{
	json_t *f, *p, *x;
	char fname[32];
	size_t i, j;

	if (!json_array_size(json_object_get(rep, "flows"))) {
		printf("pm report: no alternate-marking records in the state yet\n");
		return;
	}
	if (header)
		print_header();
	json_array_foreach(json_object_get(rep, "flows"), i, f) {
		flow_name(f, fname, sizeof(fname));
		json_array_foreach(json_object_get(f, "periods"), j, p)
			print_period(fname, p);
		json_array_foreach(json_object_get(f, "unplaced"), j, x)
			printf("%-14s node %lld has records but is not in the tree file: not judged\n",
			       fname, (long long)json_integer_value(x));
		if (!json_array_size(json_object_get(f, "periods")))
			printf("%-14s no complete period yet\n", fname);
	}
}

/* --watch without a terminal: each period's rows once, when complete. */
static void watch_new(json_t *rep, uint64_t *shown, int nshown)
{
	json_t *f, *p;
	char fname[32];
	size_t i, j;
	uint64_t k;

	json_array_foreach(json_object_get(rep, "flows"), i, f) {
		if ((int)i >= nshown)
			break;
		flow_name(f, fname, sizeof(fname));
		json_array_foreach(json_object_get(f, "periods"), j, p) {
			k = json_integer_value(json_object_get(p, "period"));
			if (shown[i] && k <= shown[i] - 1)
				continue;
			if (env.json)
				json_print(json_pack("{s:O, s:O, s:O}", "enc", json_object_get(f, "enc"),
						     "flow", json_object_get(f, "flow"), "period", p));
			else
				print_period(fname, p);
			shown[i] = k + 1;
		}
	}
	fflush(stdout);
}

static int pm_report_run(void *p)
{
	struct report_args *a = p;
	struct sigaction sa = { .sa_handler = on_signal };
	struct tree *t = calloc(1, sizeof(*t));
	uint64_t shown[64] = {};
	bool tty = isatty(STDOUT_FILENO);
	json_t *rep;
	int err = 0;

	if (!t)
		return -ENOMEM;
	t->file = a->tree;
	err = tree_load(t);	/* says what is wrong with the file */
	if (err)
		goto out;
	if (!a->watch) {
		rep = report_build(a, t);
		if (!rep) {
			err = -EINVAL;
			goto out;
		}
		if (env.json)
			json_print_doc(rep);
		else {
			report_text(rep, true);
			json_decref(rep);
		}
		goto out;
	}
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	if (!tty && !env.json)
		print_header();
	while (!stop_sig) {
		rep = report_build(a, t);
		if (rep && tty && !env.json) {
			printf("\033[H\033[2J");
			report_text(rep, true);
			fflush(stdout);
		} else if (rep) {
			watch_new(rep, shown, 64);
		}
		json_decref(rep);
		/* The collector writes its state once a second. */
		if (!stop_sig)
			sleep(1);
	}
out:
	tree_free(t);
	free(t);
	return err;
}

static void report_defaults(void *p)
{
	struct report_args *a = p;

	a->periods = 10;
	a->grace_ms = 2000;
}

#define O(f) offsetof(struct report_args, f)
static const struct opt report_opts[] = {
	{ "state", OPT_STR, O(state), NOSET, "FILE", "the state file of `endmt collect` (its \"pm\" section)", 0, 0, NULL, true, false },
	{ "tree", OPT_STR, O(tree), NOSET, "FILE", "the tree file: a node's upstream is its nearest ancestor there with records for the flow (nodes by ioam_id)", 0, 0, NULL, true, false },
	{ "periods", OPT_U32, O(periods), NOSET, "N", "the last N complete periods (default 10)", 1, REPORT_MAX_PERIODS, NULL, false, false },
	{ "grace-ms", OPT_U32, O(grace_ms), NOSET, "N", "a node's record not in the state this long after the period's guard time is missing (default 2000)", 0, 600000, NULL, false, false },
	{ "watch", OPT_FLAG, O(watch), NOSET, NULL, "redraw every second until SIGINT/SIGTERM; without a terminal, print each period once when it is complete", 0, 0, NULL, false, false },
	{}
};
#undef O

/* "report", not "show --state": show reads this node's maps, report judges
 * every node's records that the collector gathered. */
const struct cmd cmd_pm_report = {
	"pm report", "Loss, delay and jitter per branch and period from the collector's state (every node's records; pm show is this node's raw counters).",
	report_opts, sizeof(struct report_args), report_defaults, pm_report_run,
};
