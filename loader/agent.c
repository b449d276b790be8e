// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* endmt agent: ends CNP windows (lib/cnp: one CNP upstream per group per
 * window, for the branch with the highest CCount, when the group's token
 * bucket allows it) and watches branch liveness.  Runs until SIGTERM/SIGINT,
 * or for --windows N.
 *
 * Window: default 1000 us.  DCQCN NICs use ~50 us between CNPs, but a
 * userspace loop on these shared 2-core machines does not wake that
 * precisely: measured with clock_nanosleep(TIMER_ABSTIME) here, wakeups are
 * late by tens of us typically and by up to milliseconds under load (see
 * docs/OPERATOR-GUIDE.md, "The agent's window").  At 1 ms the lateness is a
 * small fraction of the window; smaller windows are accepted (>= 50 us) but
 * the agent reports how late it woke so the operator can see the cost.
 *
 * Rate limit: a group sends at most cnp_burst CNPs at once and cnp_rate per
 * second (its configuration in endmt_groups, written by the CLI); a CNP due
 * when the bucket is empty is withheld and counted.  The buckets are this
 * process's memory; the counters per group go to endmt_cnp_limit (every
 * REPORT_NS and at exit) for `endmt show`.  So forged CNPs on one branch
 * cannot make the source hear more than cnp_rate CNPs per second, whatever
 * the window.
 *
 * Liveness: a branch is reported when it has been silent (no response)
 * for longer than --liveness-ms while the group has data it has not
 * acknowledged: its AckPSN is behind the newest AckPSN of another branch,
 * or it has a NAK outstanding.  The node cannot know what the source sent,
 * only what the other branches acknowledged, so that is the evidence used.
 * The report is one stderr line and a mark in endmt_stale (`endmt show`:
 * "STALE", JSON "stale": true) until the branch answers again.  It is a
 * report only: the group stays held back by the silent branch (the source
 * must never see data acknowledged that a receiver did not confirm) until
 * the operator removes the branch (`endmt branch del`).
 *
 * The agent never writes endmt_groups, the data path's state: it only reads
 * groups (BPF_F_LOCK lookups) and writes endmt_cnp_epoch, endmt_stale and
 * endmt_cnp_limit, which `endmt show` reads (docs/REVERSE-PATH.md, "Concurrency").
 *
 * Metrics: with --metrics (or --metrics-addr) loader/metrics.c serves
 * /metrics from a libmicrohttpd thread of its own, reading the same fds;
 * the window loop never waits for a scrape.
 *
 * Telemetry (--ipfix): every window also drains the postcard ring and sends
 * what it held as IPFIX, and once a second every group's branches' ACK
 * state (tm_export.c, docs/TELEMETRY.md). */
#include <errno.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "endmt.h"
#include "cnp.h"
#include "fanout.h"
#include "telemetry.h"
#include "metrics.h"
#include "tm_export.h"
#include "pm.h"
#include "pm_period.h"
#include "endmt/psn.h"
#include "endmt/fanout.h"

struct agent_args {
	uint32_t window_us;
	uint32_t liveness_ms;
	uint32_t windows;	/* 0: until a signal */
	bool once;
	bool no_fanout;
	bool metrics;		/* --metrics: serve /metrics on metrics_addr */
	const char *metrics_addr;
	const char *ipfix;	/* NULL: no telemetry export */
	uint32_t ipfix_refresh_s;
};

/* How often the XDP fan-out follows the FIB without a change notice. */
#define FANOUT_REFRESH_NS ((uint64_t)ENDMT_FANOUT_REFRESH_MS * 1000000ull)

/* How often the rate-limit counters are written for `show`. */
#define REPORT_NS (100ull * 1000000)

struct agent_stats {
	uint64_t windows, cnps, withheld, overruns, late_max_ns, late_sum_ns;
	uint64_t stale_reports, recoveries, tick_errors;
};

static volatile sig_atomic_t stop_sig;

static void on_signal(int sig)
{
	stop_sig = sig;
}

static void branch_name(const struct endmt_group *g, const struct endmt_branch *b,
			char *buf, size_t len)
{
	uint32_t ifindex;
	char name[IF_NAMESIZE];

	if (g->flags & ENDMT_GF_BRANCH_IFINDEX) {
		memcpy(&ifindex, b->id, sizeof(ifindex));
		snprintf(buf, len, "%s", if_indextoname(ifindex, name) ? name : "ifindex?");
	} else {
		addr_str(b->id, buf);
	}
}

/* Decides staleness of every branch of g at `now` (taken before g was read)
 * against the marks `st` in force; fills `nst` and returns true when the
 * marks must be rewritten. */
static bool liveness_group(const struct endmt_group_key *k, const struct endmt_group *g,
			   const struct endmt_stale *st, struct endmt_stale *nst,
			   uint64_t now, uint64_t since, uint64_t limit_ns,
			   struct agent_stats *s)
{
	uint32_t i, n = g->nbranches < ENDMT_MAX_BRANCHES ? g->nbranches : ENDMT_MAX_BRANCHES;
	uint32_t newest = endmt_psn_add(g->start_psn, -1);
	bool any = false, refresh = false;
	uint64_t held = 0;	/* st's bits that still name the branch in the slot */
	char p[INET6_ADDRSTRLEN], bn[INET6_ADDRSTRLEN];

	memset(nst, 0, sizeof(*nst));
	for (i = 0; i < n; i++)
		if ((st->mask >> i & 1) && !memcmp(st->id[i], g->br[i].id, 16))
			held |= 1ull << i;

	for (i = 0; i < n; i++) {
		if (!(g->br[i].flags & ENDMT_BR_VALID) || !(g->br[i].flags & ENDMT_BR_ACKED))
			continue;
		newest = any ? endmt_psn_max(newest, g->br[i].ack_psn) : g->br[i].ack_psn;
		any = true;
	}
	for (i = 0; i < n; i++) {
		const struct endmt_branch *b = &g->br[i];
		/* What the data path applies now: the mark, unless the branch
		 * answered after it was made. */
		bool in_force = endmt_stale_branch(st, g, i);
		/* Silence is measured from the branch's own last answer.  One
		 * that never answered is measured from this agent's start,
		 * unless an earlier agent's mark still holds it: that mark is
		 * older evidence than our start (a restart is no answer). */
		uint64_t seen = b->last_seen_ns ? b->last_seen_ns :
				(held >> i & 1) && in_force ? 0 : since;
		bool behind = endmt_psn_before(b->ack_psn, newest) ||
			      (b->flags & ENDMT_BR_NAK_PENDING);
		bool stale = (b->flags & ENDMT_BR_VALID) && behind && now > seen &&
			     now - seen > limit_ns;

		if (stale) {
			nst->mask |= 1ull << i;
			/* A mark it outlived must be renewed (a newer marked_ns). */
			if (!in_force)
				refresh = true;
		}
		if (stale == in_force && stale == !!(held >> i & 1))
			continue;
		branch_name(g, b, bn, sizeof(bn));
		if ((held >> i & 1) && !(stale && in_force)) {
			s->recoveries++;
			agent_log("group %s/%u branch %s recovered",
				addr_str(k->proxy, p), k->dqpn, bn);
		}
		if (stale && !in_force) {
			s->stale_reports++;
			agent_log("group %s/%u branch %s silent for %llu ms "
				"with data unacknowledged (AckPSN %u, newest %u%s)",
				addr_str(k->proxy, p), k->dqpn, bn,
				(unsigned long long)((now - seen) / 1000000), b->ack_psn, newest,
				b->flags & ENDMT_BR_NAK_PENDING ? ", NAK pending" : "");
		}
	}
	if (!refresh && nst->mask == held && held == st->mask)
		return false;
	/* marked_ns = `now`, read before the group: a branch that answers
	 * after our read has a newer last_seen_ns and stays live. */
	nst->marked_ns = refresh ? now : st->marked_ns;
	for (i = 0; i < n; i++)
		if (nst->mask >> i & 1)
			memcpy(nst->id[i], g->br[i].id, 16);
	return true;
}

/* One liveness pass over every group of groups_fd; marks in stale_fd,
 * the agent's own map (the data path only reads it). */
static int liveness_check(int groups_fd, int stale_fd, uint64_t since, uint64_t limit_ns,
			  struct agent_stats *s)
{
	struct endmt_group_key k, *prev = NULL;
	struct endmt_group *g = calloc(1, sizeof(*g));
	struct endmt_stale *st = calloc(1, sizeof(*st)), *nst = calloc(1, sizeof(*nst));
	uint64_t now;
	int err = 0;

	if (!g || !st || !nst) {
		err = -ENOMEM;
		goto out;
	}
	while (!bpf_map_get_next_key(groups_fd, prev, &k)) {
		prev = &k;
		now = now_ns();
		if (bpf_map_lookup_elem_flags(groups_fd, &k, g, BPF_F_LOCK))
			continue;	/* deleted meanwhile */
		if (bpf_map_lookup_elem_flags(stale_fd, &k, st, BPF_F_LOCK))
			memset(st, 0, sizeof(*st));
		/* In place under the value's lock; an emptied mask stays as an
		 * entry (deleting would free memory a reader may still use). */
		if (liveness_group(&k, g, st, nst, now, since, limit_ns, s) &&
		    bpf_map_update_elem(stale_fd, &k, nst, BPF_ANY | BPF_F_LOCK) && !err)
			err = -errno;
	}
	/* Marks of groups that no longer exist: nobody reads them. */
	prev = NULL;
	while (!bpf_map_get_next_key(stale_fd, prev, &k)) {
		if (bpf_map_lookup_elem_flags(groups_fd, &k, g, BPF_F_LOCK) && errno == ENOENT &&
		    !bpf_map_delete_elem(stale_fd, &k))
			continue;	/* k is gone: the walk starts over */
		prev = &k;
	}
out:
	free(nst);
	free(st);
	free(g);
	return err;
}

/* The rate-limit counters for `show`; a failure is reported, not fatal. */
static void agent_report(struct endmt_cnp_limiter *lim, int groups_fd)
{
	int r = endmt_cnp_limit_publish(lim, groups_fd);

	if (r)
		agent_log("writing endmt_cnp_limit: %s", strerror(-r));
}

static void ts_add(struct timespec *t, uint64_t ns)
{
	t->tv_nsec += ns % 1000000000ull;
	t->tv_sec += ns / 1000000000ull + t->tv_nsec / 1000000000;
	t->tv_nsec %= 1000000000;
}

static int agent_run(void *p)
{
	struct agent_args *a = p;
	struct sigaction sa = { .sa_handler = on_signal };	/* no SA_RESTART */
	struct endmt_cnp_tick_result res;
	struct endmt_cnp_limiter lim = { .report_fd = -1 };
	struct endmt_maps_fds m;
	struct agent_stats s = {};
	struct timespec next;
	uint64_t win = (uint64_t)a->window_us * 1000, t, since, next_live = 0, next_report;
	uint64_t limit = (uint64_t)a->liveness_ms * 1000000, live_every;
	uint64_t *epoch = NULL, next_fanout = 0;
	struct fanout *fo = NULL;
	struct metrics *mt = NULL;
	struct tm_export *tx = NULL;
	struct pm_reader *pr = NULL;
	bool fanout_due = false;
	int sock = -1, agent_lock = -1, err, r;

	if (a->once)
		a->windows = 1;
	/* First: a SIGTERM or SIGINT during the start (maps, fan-out, the
	 * metrics server: seconds on a slow machine) ends the agent cleanly at
	 * its first window.  A background job of a non-interactive shell
	 * starts with SIGINT ignored; until this ran, a ^C was lost and the
	 * agent ran on (test_cli's agent case hung in the vmtest guest). */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	err = pin_root_check("agent", false);
	if (!err)
		err = pin_agent_lock(&agent_lock);
	if (err)
		return err;
	env.log_ts = true;
	err = maps_open(&m, true);
	if (err) {
		pin_unlock(agent_lock);
		return err;
	}
	err = endmt_cnp_limiter_init(&lim, m.cnp_limit);
	if (err)
		goto out;
	err = endmt_cnp_epoch_mmap(m.cnp_epoch, &epoch);
	if (err) {
		errorf("agent: cannot map endmt_cnp_epoch under %s: %s", env.pin_root,
		       strerror(-err));
		goto out;
	}
	sock = endmt_cnp_sock_open();
	if (sock < 0) {
		err = sock;
		errorf("agent: cannot open the raw IPv6 socket for CNPs: %s", strerror(-err));
		goto out;
	}
	if (!a->no_fanout) {
		err = fanout_open(&fo, &m);
		if (err)
			goto out;
	}
	if (a->metrics || a->metrics_addr) {
		err = metrics_start(&mt, a->metrics_addr ? a->metrics_addr : ENDMT_METRICS_DEF_ADDR, &m);
		if (err)
			goto out;
	}
	if (a->ipfix) {
		err = tm_export_open(&tx, env.pin_root, a->ipfix, a->ipfix_refresh_s);
		if (!err)	/* alternate marking's periods and D-marks (pm_period.c) */
			err = pm_reader_open(&pr, &m);
		if (err)
			goto out;
	}
	/* Liveness needs no 1 ms resolution: a quarter of the limit. */
	live_every = limit / 4 > win ? limit / 4 : win;
	since = now_ns();
	next_report = since + REPORT_NS;
	infof("agent: window %u us, liveness %u ms", a->window_us, a->liveness_ms);
	clock_gettime(CLOCK_MONOTONIC, &next);
	while (!stop_sig && (!a->windows || s.windows < a->windows)) {
		ts_add(&next, win);
		r = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
		if (r == EINTR)
			continue;	/* the loop condition sees the signal */
		t = now_ns();
		{
			uint64_t due = (uint64_t)next.tv_sec * 1000000000ull + next.tv_nsec;
			uint64_t late = t > due ? t - due : 0;

			s.late_sum_ns += late;
			if (late > s.late_max_ns)
				s.late_max_ns = late;
			if (late > win) {	/* missed windows: restart the grid */
				s.overruns++;
				clock_gettime(CLOCK_MONOTONIC, &next);
			}
		}
		/* No pin lock: the agent writes nothing a configuration
		 * command or the data path writes (groups are only read). */
		r = endmt_cnp_tick(m.groups, epoch, &lim, sock, &res);
		if (r) {
			s.tick_errors++;
			if (s.tick_errors == 1 || env.verbose)
				agent_log("CNP window: %s", strerror(-r));
		}
		s.cnps += res.cnps_sent;
		s.withheld += res.cnps_withheld;
		if (t >= next_report) {
			agent_report(&lim, m.groups);
			/* IOAM timestamps are POSIX time, the data path reads
			 * TAI: keep their offset current (leap seconds). */
			if (tm_clock_sync(m.tm) > 0 && env.verbose)
				fprintf(stderr, "endmt agent: telemetry clock offset updated\n");
			if (pm_clock_sync(m.pm) > 0 && env.verbose)
				fprintf(stderr, "endmt agent: alternate marking clock offset updated\n");
			next_report = t + REPORT_NS;
		}
		if (limit && t >= next_live) {
			r = liveness_check(m.groups, m.stale, since, limit, &s);
			if (r)
				agent_log("liveness: %s", strerror(-r));
			next_live = t + live_every;
		}
		/* XDP fan-out: every refresh period, and soon after the
		 * kernel announced a change (at most every 10 ms). */
		if (fo && fanout_changed(fo))
			fanout_due = true;
		if (fo && (t >= next_fanout ||
			   (fanout_due && t + FANOUT_REFRESH_NS - 10000000ull >= next_fanout))) {
			fanout_due = false;
			r = fanout_refresh(fo);
			if (r && env.verbose)
				agent_log("fan-out: %s", strerror(-r));
			next_fanout = t + FANOUT_REFRESH_NS;
		}
		tm_export_poll(tx, t);
		tm_export_acks(tx, &m, t);
		pm_reader_poll(pr, tx);
		s.windows++;
	}
	agent_report(&lim, m.groups);
	if (env.json) {
		json_t *o = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:i}",
				     "windows", (json_int_t)s.windows,
				     "cnps_sent", (json_int_t)s.cnps,
				     "cnps_withheld", (json_int_t)s.withheld,
				     "overruns", (json_int_t)s.overruns,
				     "late_avg_us", (json_int_t)(s.windows ?
						s.late_sum_ns / s.windows / 1000 : 0),
				     "late_max_us", (json_int_t)(s.late_max_ns / 1000),
				     "stale_reports", (json_int_t)s.stale_reports,
				     "recoveries", (json_int_t)s.recoveries,
				     "tick_errors", (json_int_t)s.tick_errors,
				     "signal", (int)stop_sig);

		if (tx)
			json_object_set_new(o, "telemetry", tm_export_json(tx));
		if (pr)
			json_object_set_new(o, "pm", pm_reader_json(pr));
		json_print(o);
	} else {
		printf("agent: %llu windows, %llu CNPs sent, %llu withheld (rate limit), "
		       "%llu overruns, wakeup late avg %llu us max %llu us, %llu stale reports%s\n",
		       (unsigned long long)s.windows, (unsigned long long)s.cnps,
		       (unsigned long long)s.withheld, (unsigned long long)s.overruns,
		       (unsigned long long)(s.windows ? s.late_sum_ns / s.windows / 1000 : 0),
		       (unsigned long long)(s.late_max_ns / 1000),
		       (unsigned long long)s.stale_reports,
		       stop_sig ? (stop_sig == SIGTERM ? " (SIGTERM)" : " (SIGINT)") : "");
		tm_export_print(tx);
	}
out:
	pm_reader_close(pr);
	tm_export_close(tx);
	metrics_stop(mt);
	fanout_close(fo);
	if (sock >= 0)
		close(sock);
	endmt_cnp_epoch_munmap(epoch);
	endmt_cnp_limiter_free(&lim);
	maps_close(&m);
	pin_unlock(agent_lock);
	return err;
}

static void agent_defaults(void *p)
{
	struct agent_args *a = p;

	a->window_us = 1000;
	a->liveness_ms = 1000;
	a->ipfix_refresh_s = TM_EXPORT_REFRESH_S;
}

#define STR_(x) #x
#define STR(x) STR_(x)	/* a default in a help text, as the code has it */
#define O(f) offsetof(struct agent_args, f)
static const struct opt agent_opts[] = {
	{ "window-us", OPT_U32, O(window_us), NOSET, "N", "CNP window T in microseconds (default 1000)", 50, 10000000, NULL, false, false },
	{ "liveness-ms", OPT_U32, O(liveness_ms), NOSET, "N", "report branches silent this long with data unacknowledged (default 1000, 0 = off)", 0, 3600000, NULL, false, false },
	{ "windows", OPT_U32, O(windows), NOSET, "N", "stop after N windows (tests)", 1, UINT32_MAX, NULL, false, false },
	{ "once", OPT_FLAG, O(once), NOSET, NULL, "run one window and exit (same as --windows 1)", 0, 0, NULL, false, false },
	{ "ipfix", OPT_STR, O(ipfix), NOSET, "HOST[:PORT]", "export telemetry postcards, and every branch's ACK state once a second, as IPFIX over UDP to this collector (port 4739 if omitted; [IPV6]:PORT)", 0, 0, NULL, false, false },
	{ "ipfix-refresh-s", OPT_U32, O(ipfix_refresh_s), NOSET, "N", "resend the IPFIX templates every N seconds (default " STR(TM_EXPORT_REFRESH_S) ")", 1, 3600, NULL, false, false },
	{ "no-fanout", OPT_FLAG, O(no_fanout), NOSET, NULL, "do not keep the edge's XDP fan-out (every copy takes the TC path)", 0, 0, NULL, false, false },
	{ "metrics", OPT_FLAG, O(metrics), NOSET, NULL, "serve Prometheus metrics on http://" ENDMT_METRICS_DEF_ADDR "/metrics (default: no metrics)", 0, 0, NULL, false, false },
	{ "metrics-addr", OPT_STR, O(metrics_addr), NOSET, "ADDR:PORT", "serve them on ADDR:PORT instead (implies --metrics; [::1]:9477, 0.0.0.0:9477, ...)", 0, 0, NULL, false, false },
	{}
};
#undef O

const struct cmd cmd_agent = {
	"agent", "End CNP windows and watch branch liveness until SIGTERM/SIGINT.",
	agent_opts, sizeof(struct agent_args), agent_defaults, agent_run,
};
