// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* endmt top: a live view of a node, refreshed every --interval-ms (default
 * one second), in plain ANSI (works over ssh, in tmux, on any VT100-like
 * terminal; no curses).  What it shows and where it comes from:
 *
 *   node line   packets/s and copies/s of the whole node (the counters of
 *               include/endmt/stats.h are per node, not per group:
 *               nodestat_packets, nodestat_copies), responses/s, drops/s.
 *               Bytes are not counted by the data path: none are shown.
 *   groups      per group what its entry holds: data PSNs/s (new PSNs this
 *               node forwarded, one per source packet; heads and edges
 *               note them), acknowledged PSNs/s (the minimum AckPSN's
 *               advance), the ACK lag in PSNs (nodestat_group_lag), ACKs,
 *               NAKs and CNPs received per second, stale branches.
 *   branches    of the selected group: lag, AckPSN, time since the last
 *               response, responses per second, liveness.
 *   drops       the drop reasons that moved, by rate, with their meaning.
 *
 * Keys: s cycles the sort key (lag, rate, silence, name), g / down arrow /
 * j selects the next group, G / up arrow / k the previous one, q quits.
 * Batch use: --once prints one frame (after one interval, so rates are
 * real) and exits; --iterations N stops after N frames; with either, and
 * when stdin or stdout is not a terminal, the frames are plain text one
 * after the other. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include "endmt.h"
#include "nodestat.h"
#include "endmt/psn.h"

struct top_args {
	uint32_t interval_ms;
	uint32_t iterations;	/* 0: until q or a signal */
	bool once;
};

enum sort_key { SORT_LAG, SORT_RATE, SORT_SILENCE, SORT_NAME, SORT__N };
static const char *const sort_names[SORT__N] = { "lag", "rate", "silence", "name" };

/* One group as sampled. */
struct tgroup {
	struct endmt_group_key key;
	struct endmt_group g;
	uint64_t stale;		/* bit i: branch i held stale */
	uint64_t now;
};

struct snap {
	uint64_t t;
	uint64_t v[ENDMT_STAT_MAX];
	struct tgroup *grp;
	unsigned int n, cap;
};

/* A group's line, computed from two samples. */
struct grow {
	const struct tgroup *cur, *prev;	/* prev NULL: new since the last sample */
	double data_rate, acked_rate, ack_rate, nak_rate, cnp_rate;
	bool has_data, has_lag;
	uint32_t lag;
	unsigned int stale;
	double silence;		/* the longest time since a branch's response, s */
};

struct brow {
	unsigned int i;
	char name[INET6_ADDRSTRLEN + 16];
	bool has_lag, has_age;
	uint32_t lag;
	double age, ack_rate, nak_rate, cnp_rate;
	const char *state;
};

struct top_ui {
	enum sort_key sort;
	struct endmt_group_key sel;
	bool have_sel;
	int rows, cols;
	bool tty;
};

static volatile sig_atomic_t top_stop, top_winch;

static void top_on_signal(int sig)
{
	if (sig == SIGWINCH)
		top_winch = 1;
	else
		top_stop = sig;
}

static int snap_group(const struct nodestat_group *ng, void *ctx)
{
	struct snap *s = ctx;
	struct tgroup *t;
	unsigned int i;

	if (s->n == s->cap) {
		unsigned int cap = s->cap ? 2 * s->cap : 8;

		t = realloc(s->grp, cap * sizeof(*t));
		if (!t)
			return -ENOMEM;
		s->grp = t;
		s->cap = cap;
	}
	t = &s->grp[s->n++];
	t->key = ng->key;
	t->g = ng->g;
	t->now = ng->now;
	t->stale = 0;
	for (i = 0; i < nodestat_nbranches(&ng->g); i++)
		if (nodestat_branch_stale(ng, i))
			t->stale |= 1ull << i;
	return 0;
}

static int snap_take(const struct endmt_maps_fds *m, struct snap *s)
{
	int err;

	s->n = 0;
	s->t = now_ns();
	err = nodestat_counters(m->stats, s->v);
	return err ? err : nodestat_groups(m, snap_group, s);
}

static const struct tgroup *snap_find(const struct snap *s, const struct endmt_group_key *k)
{
	unsigned int i;

	for (i = 0; i < s->n; i++)
		if (!memcmp(&s->grp[i].key, k, sizeof(*k)))
			return &s->grp[i];
	return NULL;
}

/* The same branch in the previous sample (slots may move). */
static const struct endmt_branch *prev_branch(const struct tgroup *p, const struct endmt_branch *b)
{
	unsigned int i;

	if (!p)
		return NULL;
	for (i = 0; i < nodestat_nbranches(&p->g); i++)
		if ((p->g.br[i].flags & ENDMT_BR_VALID) && !memcmp(p->g.br[i].id, b->id, 16))
			return &p->g.br[i];
	return NULL;
}

/* A counter's rate; a counter that went back (a branch re-added, maps
 * recreated) counts as new from 0. */
static double rate(uint64_t cur, uint64_t prev, double dt)
{
	return dt > 0 ? (double)(cur >= prev ? cur - prev : cur) / dt : 0;
}

/* PSNs per second from a to b, serial order; a step back is 0. */
static double psn_rate(uint32_t b, uint32_t a, double dt)
{
	uint32_t d = endmt_psn_diff(b, a);

	return dt > 0 && d < ENDMT_PSN_HALF ? d / dt : 0;
}

/* The minimum AckPSN over the valid branches; false without one. */
static bool min_ack(const struct endmt_group *g, uint32_t *m)
{
	unsigned int i;
	bool any = false;

	for (i = 0; i < nodestat_nbranches(g); i++) {
		if (!(g->br[i].flags & ENDMT_BR_VALID))
			continue;
		*m = any ? endmt_psn_min(*m, g->br[i].ack_psn) : g->br[i].ack_psn;
		any = true;
	}
	return any;
}

static void grow_make(struct grow *r, const struct tgroup *c, const struct tgroup *p, double dt)
{
	const struct endmt_group *g = &c->g;
	unsigned int i;
	uint32_t a, b;

	memset(r, 0, sizeof(*r));
	r->cur = c;
	r->prev = p;
	r->has_data = (g->state & ENDMT_GS_DATA_FWD) != 0;
	r->has_lag = nodestat_group_lag(g, &r->lag);
	if (p && r->has_data && (p->g.state & ENDMT_GS_DATA_FWD))
		r->data_rate = psn_rate(g->data_psn, p->g.data_psn, dt);
	if (p && min_ack(g, &a) && min_ack(&p->g, &b))
		r->acked_rate = psn_rate(a, b, dt);
	for (i = 0; i < nodestat_nbranches(g); i++) {
		const struct endmt_branch *br = &g->br[i], *pb = prev_branch(p, br);

		if (!(br->flags & ENDMT_BR_VALID))
			continue;
		r->stale += c->stale >> i & 1;
		if (pb) {
			r->ack_rate += rate(br->acks, pb->acks, dt);
			r->nak_rate += rate(br->naks, pb->naks, dt);
			r->cnp_rate += rate(br->cnps, pb->cnps, dt);
		}
		if (br->last_seen_ns && c->now > br->last_seen_ns &&
		    (c->now - br->last_seen_ns) / 1e9 > r->silence)
			r->silence = (c->now - br->last_seen_ns) / 1e9;
	}
}

static void brow_make(struct brow *r, const struct tgroup *c, const struct tgroup *p,
		      unsigned int i, double dt)
{
	const struct endmt_branch *b = &c->g.br[i], *pb = prev_branch(p, b);

	memset(r, 0, sizeof(*r));
	r->i = i;
	nodestat_branch_name(&c->g, i, r->name, sizeof(r->name));
	r->has_lag = nodestat_branch_lag(&c->g, i, &r->lag);
	r->has_age = b->last_seen_ns != 0;
	if (r->has_age)
		r->age = c->now > b->last_seen_ns ? (c->now - b->last_seen_ns) / 1e9 : 0;
	if (pb) {
		r->ack_rate = rate(b->acks, pb->acks, dt);
		r->nak_rate = rate(b->naks, pb->naks, dt);
		r->cnp_rate = rate(b->cnps, pb->cnps, dt);
	}
	r->state = b->flags & ENDMT_BR_FAILED ? "FAILED" :
		   c->stale >> i & 1 ? "STALE" :
		   b->flags & ENDMT_BR_NAK_PENDING ? "NAK pending" :
		   !(b->flags & ENDMT_BR_ACKED) ? "no ACK yet" : "live";
}

static enum sort_key cur_sort;

static int cmp_double_desc(double a, double b)
{
	return a < b ? 1 : a > b ? -1 : 0;
}

static int grow_cmp(const void *x, const void *y)
{
	const struct grow *a = x, *b = y;
	int c = 0;

	switch (cur_sort) {
	case SORT_LAG: c = cmp_double_desc(a->has_lag ? a->lag : -1.0, b->has_lag ? b->lag : -1.0); break;
	case SORT_RATE: c = cmp_double_desc(a->data_rate + a->ack_rate, b->data_rate + b->ack_rate); break;
	case SORT_SILENCE: c = cmp_double_desc(a->silence, b->silence); break;
	default: break;
	}
	return c ? c : memcmp(&a->cur->key, &b->cur->key, sizeof(a->cur->key));
}

static int brow_cmp(const void *x, const void *y)
{
	const struct brow *a = x, *b = y;
	int c = 0;

	switch (cur_sort) {
	case SORT_LAG: c = cmp_double_desc(a->has_lag ? a->lag : -1.0, b->has_lag ? b->lag : -1.0); break;
	case SORT_RATE: c = cmp_double_desc(a->ack_rate + a->nak_rate + a->cnp_rate,
					    b->ack_rate + b->nak_rate + b->cnp_rate); break;
	case SORT_SILENCE: c = cmp_double_desc(a->has_age ? a->age : 1e18, b->has_age ? b->age : 1e18); break;
	default: break;
	}
	return c ? c : strcmp(a->name, b->name);
}

struct drow {
	unsigned int s;
	double rate;
};

static int drow_cmp(const void *x, const void *y)
{
	const struct drow *a = x, *b = y;

	return a->rate != b->rate ? cmp_double_desc(a->rate, b->rate) : (int)a->s - (int)b->s;
}

/* Drop reasons: the drop_* counters (include/endmt/stats.h's naming), and
 * the copies dropped for want of a route or for the MTU. */
static bool is_drop(unsigned int s)
{
	return !strncmp(nodestat_stat_names[s], "drop_", 5) || s == ENDMT_STAT_FWD_NO_ROUTE ||
	       s == ENDMT_STAT_FWD_MTU;
}

/* "12.3k" style: rates fit their columns. */
static const char *num(char *b, size_t n, double v)
{
	if (v < 0)
		snprintf(b, n, "-");
	else if (v < 10000)
		snprintf(b, n, "%.0f", v);
	else if (v < 10e6)
		snprintf(b, n, "%.1fk", v / 1e3);
	else
		snprintf(b, n, "%.1fM", v / 1e6);
	return b;
}

static const char *age_str(char *b, size_t n, bool has, double s)
{
	if (!has)
		snprintf(b, n, "never");
	else if (s < 1)
		snprintf(b, n, "%.0f ms", s * 1e3);
	else if (s < 600)
		snprintf(b, n, "%.1f s", s);
	else
		snprintf(b, n, "%.0f min", s / 60);
	return b;
}

/* The frame, line by line, into f (each line cut to the width by out()). */
struct frame {
	FILE *out;
	const struct top_ui *ui;
	int lines;
};

static void line(struct frame *fr, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void line(struct frame *fr, const char *fmt, ...)
{
	char b[512];
	va_list ap;
	int w = fr->ui->tty ? fr->ui->cols : (int)sizeof(b) - 1;

	if (fr->ui->tty && fr->lines >= fr->ui->rows)
		return;		/* below the screen */
	va_start(ap, fmt);
	vsnprintf(b, sizeof(b), fmt, ap);
	va_end(ap);
	if (w > 0 && w < (int)sizeof(b))
		b[w] = 0;
	/* the line break before a line, not after: the last row of the
	 * screen must not scroll it */
	if (fr->lines)
		fputs(fr->ui->tty ? "\r\n" : "\n", fr->out);
	fputs(b, fr->out);
	if (fr->ui->tty)
		fputs("\033[K", fr->out);
	fr->lines++;
}

static void draw(FILE *out, struct top_ui *ui, const struct snap *cur, const struct snap *prev)
{
	double dt = (cur->t - prev->t) / 1e9, drops = 0, resp;
	struct frame fr = { .out = out, .ui = ui };
	struct grow *gr = calloc(cur->n ? cur->n : 1, sizeof(*gr));
	struct brow *br = NULL;
	struct drow dr[ENDMT_STAT_MAX];
	unsigned int i, n, nd = 0, sel = 0;
	char a[INET6_ADDRSTRLEN], k[64], b1[16], b2[16], b3[16], b4[16], b5[16], b6[16];
	time_t wall = time(NULL);
	struct tm tm;

	if (!gr)
		return;
	cur_sort = ui->sort;
	localtime_r(&wall, &tm);
	if (ui->tty)
		fputs("\033[H", out);
	line(&fr, "endmt top  %s  %02d:%02d:%02d  every %.1f s  sort: %s  [s]ort [g]roup [q]uit",
	     env.pin_root, tm.tm_hour, tm.tm_min, tm.tm_sec, dt, sort_names[ui->sort]);
	for (i = 0; i < ENDMT_STAT_MAX; i++) {
		double r = rate(cur->v[i], prev->v[i], dt);

		if (!is_drop(i))
			continue;
		drops += r;
		if (cur->v[i])
			dr[nd++] = (struct drow){ i, r };
	}
	resp = rate(cur->v[ENDMT_STAT_RESP_RX], prev->v[ENDMT_STAT_RESP_RX], dt);
	line(&fr, "node: packets %s/s  copies %s/s  responses %s/s  drops %s/s  (bytes: not counted by the data path)",
	     num(b1, sizeof(b1), rate(nodestat_packets(cur->v), nodestat_packets(prev->v), dt)),
	     num(b2, sizeof(b2), rate(nodestat_copies(cur->v), nodestat_copies(prev->v), dt)),
	     num(b3, sizeof(b3), resp), num(b4, sizeof(b4), drops));
	line(&fr, "%s", "");

	for (i = 0; i < cur->n; i++)
		grow_make(&gr[i], &cur->grp[i], snap_find(prev, &cur->grp[i].key), dt);
	qsort(gr, cur->n, sizeof(*gr), grow_cmp);
	if (!ui->have_sel || !snap_find(cur, &ui->sel)) {
		ui->have_sel = cur->n > 0;
		if (cur->n)
			ui->sel = gr[0].cur->key;
	}
	line(&fr, "  %-30s %3s %5s %9s %9s %7s %7s %6s %6s", "GROUP (proxy/dqpn)", "BR", "STALE",
	     "DATA/s", "ACKED/s", "LAG", "ACK/s", "NAK/s", "CNP/s");
	for (i = 0; i < cur->n; i++) {
		const struct grow *r = &gr[i];
		bool is_sel = ui->have_sel && !memcmp(&r->cur->key, &ui->sel, sizeof(ui->sel));

		if (is_sel)
			sel = i;
		snprintf(k, sizeof(k), "%s/%u", addr_str(r->cur->key.proxy, a), r->cur->key.dqpn);
		line(&fr, "%c %-30s %3u %5u %9s %9s %7s %7s %6s %6s", is_sel ? '>' : ' ', k,
		     nodestat_nbranches(&r->cur->g), r->stale,
		     r->has_data ? num(b1, sizeof(b1), r->data_rate) : "-",
		     num(b2, sizeof(b2), r->acked_rate),
		     r->has_lag ? num(b3, sizeof(b3), r->lag) : "-",
		     num(b4, sizeof(b4), r->ack_rate), num(b5, sizeof(b5), r->nak_rate),
		     num(b6, sizeof(b6), r->cnp_rate));
	}
	if (!cur->n)
		line(&fr, "  (no groups)");
	line(&fr, "%s", "");

	if (cur->n) {
		const struct tgroup *c = gr[sel].cur;

		n = nodestat_nbranches(&c->g);
		br = calloc(n ? n : 1, sizeof(*br));
		for (i = 0; br && i < n; i++)
			brow_make(&br[i], c, gr[sel].prev, i, dt);
		if (br)
			qsort(br, n, sizeof(*br), brow_cmp);
		line(&fr, "branches of %s/%u%s", addr_str(c->key.proxy, a), c->key.dqpn,
		     c->g.state & ENDMT_GS_DATA_FWD ? "" : "  (no data PSN noted here, a transit or no data yet: no lag)");
		line(&fr, "  %-30s %7s %8s %10s %6s %6s %6s  %s", "BRANCH", "LAG", "AckPSN",
		     "LAST SEEN", "ACK/s", "NAK/s", "CNP/s", "STATE");
		for (i = 0; br && i < n; i++) {
			const struct brow *r = &br[i];

			if (!(c->g.br[r->i].flags & ENDMT_BR_VALID))
				continue;
			if (ui->tty && fr.lines == ui->rows - 1 && i + 1 < n) {
				line(&fr, "  ... %u more (a taller terminal shows them)", n - i);
				break;
			}
			line(&fr, "  %-30s %7s %8u %10s %6s %6s %6s  %s", r->name,
			     r->has_lag ? num(b1, sizeof(b1), r->lag) : "-", c->g.br[r->i].ack_psn,
			     age_str(b2, sizeof(b2), r->has_age, r->age),
			     num(b3, sizeof(b3), r->ack_rate), num(b4, sizeof(b4), r->nak_rate),
			     num(b5, sizeof(b5), r->cnp_rate), r->state);
		}
		if (!n)
			line(&fr, "  (no branches)");
		line(&fr, "%s", "");
	}

	qsort(dr, nd, sizeof(*dr), drow_cmp);
	line(&fr, "top drop reasons%s", nd ? "" : ": none since the maps were created");
	for (i = 0; i < nd && i < 8; i++)
		line(&fr, "  %-26s %8s/s %12llu  %s", nodestat_stat_names[dr[i].s],
		     num(b1, sizeof(b1), dr[i].rate), (unsigned long long)cur->v[dr[i].s],
		     nodestat_stat_helps[dr[i].s]);
	if (ui->tty)	/* the rest of the screen, without a scroll */
		fputs(fr.lines < ui->rows ? "\r\n\033[J" : "\033[J", out);
	else
		fputs("\n\n", out);	/* a blank line between frames */
	fflush(out);
	free(br);
	free(gr);
}

/* The groups in the order drawn, to step the selection by d. */
static void select_step(struct top_ui *ui, const struct snap *cur, const struct snap *prev, int d)
{
	double dt = (cur->t - prev->t) / 1e9;
	struct grow *gr;
	unsigned int i;

	if (!cur->n)
		return;
	gr = calloc(cur->n, sizeof(*gr));
	if (!gr)
		return;
	cur_sort = ui->sort;
	for (i = 0; i < cur->n; i++)
		grow_make(&gr[i], &cur->grp[i], snap_find(prev, &cur->grp[i].key), dt);
	qsort(gr, cur->n, sizeof(*gr), grow_cmp);
	for (i = 0; i < cur->n; i++)
		if (ui->have_sel && !memcmp(&gr[i].cur->key, &ui->sel, sizeof(ui->sel)))
			break;
	i = i == cur->n ? 0 : (i + cur->n + d) % cur->n;
	ui->sel = gr[i].cur->key;
	ui->have_sel = true;
	free(gr);
}

static void term_size(struct top_ui *ui)
{
	struct winsize ws;

	ui->rows = 24;
	ui->cols = 80;
	if (!ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) && ws.ws_row && ws.ws_col) {
		ui->rows = ws.ws_row;
		ui->cols = ws.ws_col;
	}
}

/* Reads the keys waiting on stdin; returns true when one changed the view. */
static bool keys(struct top_ui *ui, const struct snap *cur, const struct snap *prev)
{
	char b[64];
	ssize_t n, i;
	bool redraw = false;

	n = read(STDIN_FILENO, b, sizeof(b));
	for (i = 0; i < n; i++) {
		if (b[i] == '\033' && i + 2 < n && b[i + 1] == '[') {
			if (b[i + 2] == 'A')
				select_step(ui, cur, prev, -1);
			else if (b[i + 2] == 'B')
				select_step(ui, cur, prev, 1);
			i += 2;
			redraw = true;
			continue;
		}
		switch (b[i]) {
		case 'q': case 'Q':
			top_stop = -1;
			return false;
		case 's':
			ui->sort = (ui->sort + 1) % SORT__N;
			redraw = true;
			break;
		case 'S':
			ui->sort = (ui->sort + SORT__N - 1) % SORT__N;
			redraw = true;
			break;
		case 'g': case 'j': case '\t':
			select_step(ui, cur, prev, 1);
			redraw = true;
			break;
		case 'G': case 'k':
			select_step(ui, cur, prev, -1);
			redraw = true;
			break;
		case 0x0c:	/* ^L */
			redraw = true;
			break;
		}
	}
	return redraw;
}

static int top_run(void *p)
{
	struct top_args *a = p;
	struct sigaction sa = { .sa_handler = top_on_signal }, old_int, old_term, old_winch;
	struct snap s[2] = {};
	struct endmt_maps_fds m;
	struct termios saved, raw;
	struct top_ui ui = {};
	uint32_t frames = 0, limit = a->once ? 1 : a->iterations;
	uint64_t ival = (uint64_t)a->interval_ms * 1000000ull, next;
	int cur = 0, err;
	bool raw_on = false;

	if (env.json) {
		errorf("top: no --json (a view for people): use `endmt show --json`, or the agent's "
		       "--metrics for time series");
		return -EINVAL;
	}
	err = maps_open(&m, false);
	if (err) {
		errorf("top: no endmt maps under %s: %s (wrong --pin-root, or nothing applied yet)",
		       env.pin_root, strerror(-err));
		return err;
	}
	/* --once and --iterations are for batch use: plain frames, like
	 * top -b -n, which stay on the screen */
	ui.tty = !a->once && !a->iterations && isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	sigaction(SIGWINCH, &sa, &old_winch);
	if (ui.tty && !tcgetattr(STDIN_FILENO, &saved)) {
		raw = saved;
		raw.c_lflag &= ~(ICANON | ECHO);
		raw.c_cc[VMIN] = 0;
		raw.c_cc[VTIME] = 0;
		raw_on = !tcsetattr(STDIN_FILENO, TCSANOW, &raw);
		/* the alternate screen, cursor hidden: the shell's screen
		 * comes back on exit */
		fputs("\033[?1049h\033[?25l\033[H\033[2J", stdout);
		term_size(&ui);
	}
	err = snap_take(&m, &s[cur]);
	next = s[cur].t + ival;
	if (ui.tty)
		printf("endmt top: %s, first rates in %.1f s\033[K\r\n", env.pin_root, ival / 1e9);
	fflush(stdout);
	while (!err && !top_stop && (!limit || frames < limit)) {
		struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN };
		uint64_t t = now_ns();
		int r;

		if (t < next) {
			r = poll(&pfd, ui.tty ? 1 : 0, (int)((next - t + 999999) / 1000000));
			if (top_winch) {
				top_winch = 0;
				term_size(&ui);
				if (frames)
					draw(stdout, &ui, &s[cur], &s[!cur]);
			}
			if (r > 0 && (pfd.revents & POLLIN) && keys(&ui, &s[cur], &s[!cur]) && frames)
				draw(stdout, &ui, &s[cur], &s[!cur]);
			if (r > 0 && (pfd.revents & (POLLHUP | POLLERR)))
				ui.tty = false;	/* the terminal went away */
			continue;
		}
		cur = !cur;
		err = snap_take(&m, &s[cur]);
		if (err)
			break;
		next += ival;
		if (next < s[cur].t)	/* late (a stopped terminal): start again */
			next = s[cur].t + ival;
		draw(stdout, &ui, &s[cur], &s[!cur]);
		frames++;
	}
	if (ui.tty || raw_on)
		fputs("\033[?25h\033[?1049l", stdout);
	fflush(stdout);
	if (raw_on)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	sigaction(SIGWINCH, &old_winch, NULL);
	free(s[0].grp);
	free(s[1].grp);
	maps_close(&m);
	if (err)
		errorf("top: reading the maps under %s: %s", env.pin_root, strerror(-err));
	return err;
}

static void top_defaults(void *p)
{
	struct top_args *a = p;

	a->interval_ms = 1000;
}

#define O(f) offsetof(struct top_args, f)
static const struct opt top_opts[] = {
	{ "interval-ms", OPT_U32, O(interval_ms), NOSET, "N", "refresh every N ms (default 1000)", 100, 3600000, NULL, false, false },
	{ "once", OPT_FLAG, O(once), NOSET, NULL, "print one frame (rates over one interval) and exit: batch use", 0, 0, NULL, false, false },
	{ "iterations", OPT_U32, O(iterations), NOSET, "N", "stop after N frames (like top -n)", 1, UINT32_MAX, NULL, false, false },
	{}
};
#undef O

const struct cmd cmd_top = {
	"top", "Watch the node live: rates per group and branch, ACK lag, liveness, drops (keys: s sort, g group, q quit).",
	top_opts, sizeof(struct top_args), top_defaults, top_run,
};
