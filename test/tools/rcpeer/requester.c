/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* rcpeer send: the requester.  FIRST/MIDDLE/LAST (or ONLY) WRITE or SEND
 * packets, a window, go-back-N on NAK and timeout, the rate halved on CNP
 * with additive recovery. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <zlib.h>
#include "endmt/psn.h"
#include "rc.h"

struct requester {
	const struct opts *o;
	struct sock s;
	uint8_t *data;
	uint32_t npkts, ppm;	/* packets in all, packets per message */
	uint32_t una, nxt, high; /* packet indices: oldest unacked, next, highest sent + 1 */
	uint32_t last_nak_idx;	/* go-back-N point of the last NAK acted on */
	int nak_pending;	/* a NAK was acted on and una has not moved since */
	uint64_t t0, timer, next_tx, last_cnp, last_rai;
	uint32_t consec_timeouts;
	double rate, min_rate;	/* Mbps, 0 = unlimited */
	uint64_t sent, retrans, naks, cnps, timeouts, acks, stale_acks, rnr;
	uint64_t bad_icrc, bad_qpn, bad_src, bad_opcode, bad_len, fatal_naks;
	uint32_t fatal_syndrome;
};

static uint32_t idx_psn(const struct requester *q, uint32_t idx)
{
	return endmt_psn_add(q->o->psn, (int32_t)idx);
}

/* Builds and sends packet idx of the transfer. */
static int req_send_one(struct requester *q, uint32_t idx, int ackreq)
{
	const struct opts *o = q->o;
	uint8_t pkt[PKT_MAX];
	uint64_t off = (uint64_t)idx * o->mtu;
	uint32_t m = idx / q->ppm, j = idx % q->ppm;
	uint64_t moff = (uint64_t)m * o->msg_bytes;
	uint64_t mlen = o->bytes - moff < o->msg_bytes ? o->bytes - moff : o->msg_bytes;
	uint32_t mpk = (uint32_t)((mlen + o->mtu - 1) / o->mtu);
	size_t plen = o->bytes - off < o->mtu ? (size_t)(o->bytes - off) : o->mtu;
	size_t pad = (4 - plen % 4) % 4, len = BTH_LEN;
	uint8_t op;
	int err;

	if (mpk == 1)
		op = o->op_write ? ENDMT_OP_WRITE_ONLY : ENDMT_OP_SEND_ONLY;
	else if (j == 0)
		op = o->op_write ? ENDMT_OP_WRITE_FIRST : ENDMT_OP_SEND_FIRST;
	else if (j == mpk - 1)
		op = o->op_write ? ENDMT_OP_WRITE_LAST : ENDMT_OP_SEND_LAST;
	else
		op = o->op_write ? ENDMT_OP_WRITE_MIDDLE : ENDMT_OP_SEND_MIDDLE;
	put_bth(pkt, op, (uint8_t)pad, o->dqpn, 0, ackreq, idx_psn(q, idx));
	if (endmt_op_has_reth(op)) {
		uint64_t va = o->va + moff;

		put32(pkt + len, (uint32_t)(va >> 32));
		put32(pkt + len + 4, (uint32_t)va);
		put32(pkt + len + 8, o->rkey);
		put32(pkt + len + 12, (uint32_t)mlen);
		len += RETH_LEN;
	}
	memcpy(pkt + len, q->data + off, plen);
	memset(pkt + len + plen, 0, pad);
	len += plen + pad + ENDMT_ICRC_LEN;
	err = sock_send(&q->s, pkt, len);
	if (err)
		return err;
	q->sent++;
	if (idx < q->high)
		q->retrans++;
	else
		q->high = idx + 1;
	return 0;
}

static double measured_mbps(const struct requester *q, uint64_t now)
{
	double s = (double)(now - q->t0) / 1e9;

	return s > 0 ? (double)q->una * q->o->mtu * 8 / s / 1e6 : 0;
}

static void req_on_cnp(struct requester *q, uint64_t now)
{
	double r = q->rate > 0 ? q->rate : measured_mbps(q, now);

	/* Multiplicative decrease, as DCQCN's reaction point does. */
	r /= 2;
	if (r < 1)
		r = 1;
	q->rate = r;
	if (q->min_rate == 0 || r < q->min_rate)
		q->min_rate = r;
	q->cnps++;
	q->last_cnp = now;
	q->last_rai = now;
}

/* Additive recovery: every millisecond without a CNP, rai_mbps more, up to
 * the configured rate (or back to unlimited past 100 Gbps). */
static void req_recover(struct requester *q, uint64_t now)
{
	const uint64_t period = 1000000;

	if (q->rate == 0 || now - q->last_rai < period || now - q->last_cnp < period)
		return;
	q->last_rai = now;
	q->rate += q->o->rai_mbps;
	if (q->o->rate_mbps > 0 && q->rate > q->o->rate_mbps)
		q->rate = q->o->rate_mbps;
	else if (q->o->rate_mbps == 0 && q->rate > 100000)
		q->rate = 0;
}

/* A NAK of any kind whose PSN is d after una acknowledges everything before
 * it, as every RC requester takes it.  Returns -1 for a stale one (its PSN
 * not in [una, nxt]). */
static int req_nak_acks(struct requester *q, uint32_t d)
{
	if (d > q->nxt - q->una) {
		q->stale_acks++;
		return -1;
	}
	if (d) {
		q->una += d;
		q->consec_timeouts = 0;
	}
	return 0;
}

static void req_on_response(struct requester *q, struct rx *r, uint64_t now)
{
	uint8_t op;
	uint32_t psn, d, syn;

	if (!r->icrc_ok) {
		q->bad_icrc++;
		return;
	}
	if (memcmp(&r->src, &q->s.peer, 16)) {
		q->bad_src++;
		return;
	}
	if ((get32(r->buf + 4) & ENDMT_BTH_QPN_MASK) != q->o->qpn) {
		q->bad_qpn++;
		return;
	}
	op = r->buf[0];
	if (op == ENDMT_OP_CNP) {
		if (r->len != sizeof(struct endmt_cnp) + ENDMT_ICRC_LEN) {
			q->bad_len++;
			return;
		}
		req_on_cnp(q, now);
		return;
	}
	if (op != ENDMT_OP_ACK) {
		q->bad_opcode++;
		return;
	}
	if (r->len != BTH_LEN + AETH_LEN + ENDMT_ICRC_LEN) {
		q->bad_len++;
		return;
	}
	psn = get32(r->buf + 8) & ENDMT_BTH_PSN_MASK;
	syn = r->buf[BTH_LEN];
	/* Distance from the oldest unacked PSN; responses about PSNs before
	 * it are stale (serial arithmetic, so this holds across 2^24). */
	d = endmt_psn_diff(psn, idx_psn(q, q->una));
	switch (ENDMT_AETH_KIND(syn)) {
	case ENDMT_AETH_KIND_ACK:
		q->acks++;
		if (d >= q->nxt - q->una) {	/* not in [una, nxt) */
			q->stale_acks++;
			return;
		}
		q->una += d + 1;
		q->nak_pending = 0;
		q->consec_timeouts = 0;
		q->timer = now;
		return;
	case ENDMT_AETH_KIND_NAK:
		if (ENDMT_AETH_VALUE(syn) != ENDMT_NAK_PSN_SEQ_ERR) {
			q->fatal_naks++;
			q->fatal_syndrome = syn;
			return;
		}
		q->naks++;
		/* The NAK acknowledges everything before its PSN. */
		if (req_nak_acks(q, d))
			return;
		if (d)
			q->nak_pending = 0;
		/* Go back N, once per NAK point: a second NAK for the
		 * same PSN before any progress is already being served. */
		if (q->nak_pending && q->last_nak_idx == q->una)
			return;
		q->nak_pending = 1;
		q->last_nak_idx = q->una;
		q->nxt = q->una;
		q->timer = now;
		return;
	case ENDMT_AETH_KIND_RNR:
		/* Receiver not ready at PSN psn: like every RC requester, take
		 * it as acknowledging everything before psn (so a response
		 * ahead of what every receiver has would complete data it
		 * lacks, which the receivers' checks would show), then
		 * resend from there after the timeout. */
		q->rnr++;
		if (req_nak_acks(q, d))
			return;
		q->nxt = q->una;
		q->timer = now;
		return;
	default:
		q->bad_opcode++;
		return;
	}
}


/* Retransmission timeout: go back to the oldest unacked.  -1 (and err_s)
 * when there were too many in a row. */
static int req_timeout(struct requester *q, uint64_t now, char *err_s, size_t sz)
{
	const struct opts *o = q->o;

	if (!(q->nxt > q->una && now - q->timer > (uint64_t)o->timeout_ms * 1000000))
		return 0;
	q->timeouts++;
	if (++q->consec_timeouts > o->max_retries) {
		snprintf(err_s, sz, "no progress after %u timeouts at PSN %u",
			 o->max_retries, idx_psn(q, q->una));
		return -1;
	}
	q->nxt = q->una;
	q->nak_pending = 0;
	q->timer = now;
	return 0;
}

/* How many packets to send now: what the window has room for, at most a
 * burst, and what the pacing allows. */
static uint32_t req_burst(struct requester *q, uint64_t now)
{
	uint64_t pkt_bits = (uint64_t)(q->o->mtu + 100) * 8;
	uint32_t room = q->o->window - (q->nxt - q->una);
	uint32_t n = q->npkts - q->nxt < room ? q->npkts - q->nxt : room;

	if (n > BURST_MAX)
		n = BURST_MAX;
	if (q->rate > 0) {
		uint64_t per = (uint64_t)(pkt_bits * 1000 / q->rate);	/* ns */
		uint64_t allowed;

		/* Pacing with at most a burst of credit. */
		if (q->next_tx + per * BURST_MAX < now)
			q->next_tx = now - per * BURST_MAX;
		allowed = now >= q->next_tx ? (now - q->next_tx) / per + 1 : 0;
		if (n > allowed)
			n = (uint32_t)allowed;
		q->next_tx += per * n;
	}
	return n;
}

static void req_drain(struct requester *q, struct rx *r)
{
	while (sock_recv(&q->s, r) > 0)
		req_on_response(q, r, now_ns());
}

/* One turn of the requester: timeouts, a burst, the responses.  1 (and
 * err_s) when the transfer failed. */
static int req_step(struct requester *q, struct rx *r, char *err_s, size_t sz)
{
	const struct opts *o = q->o;
	uint64_t now = now_ns(), wait;
	uint32_t n, i;
	int err = 0;

	if (q->fatal_naks) {
		snprintf(err_s, sz, "fatal NAK syndrome 0x%02x", q->fatal_syndrome);
		return 1;
	}
	if (req_timeout(q, now, err_s, sz))
		return 1;
	req_recover(q, now);
	n = req_burst(q, now);
	if (n && q->nxt == q->una)
		q->timer = now;
	for (i = 0; i < n && !err; i++) {
		/* AckReq on the last packet of each burst. */
		err = req_send_one(q, q->nxt, i == n - 1);
		if (!err)
			q->nxt++;
	}
	if (err) {
		snprintf(err_s, sz, "send: %s", strerror(-err));
		return 1;
	}
	req_drain(q, r);
	if (q->una >= q->npkts || n)
		return 0;
	now = now_ns();
	wait = 1000000;	/* 1 ms: RTO and recovery granularity */
	if (q->rate > 0 && q->next_tx > now && q->next_tx - now < wait &&
	    q->nxt - q->una < o->window && q->nxt < q->npkts)
		wait = q->next_tx - now;
	wait_readable(q->s.fd, wait);
	req_drain(q, r);
	return 0;
}

static void req_report(const struct requester *q, uint32_t crc, const char *err_s)
{
	const struct opts *o = q->o;
	uint64_t elapsed = now_ns() - q->t0;
	char json[2048], la[INET6_ADDRSTRLEN], pa[INET6_ADDRSTRLEN];

	addr_str(&o->local, la);
	addr_str(&o->peer, pa);
	snprintf(json, sizeof(json),
		 "{\"role\": \"requester\", \"ok\": %s, \"error\": %s%s%s, "
		 "\"local\": \"%s\", \"peer\": \"%s\", \"qpn\": %u, \"dqpn\": %u, "
		 "\"start_psn\": %u, \"end_psn\": %u, \"op\": \"%s\", \"mtu\": %u, "
		 "\"bytes\": %" PRIu64 ", \"bytes_acked\": %" PRIu64 ", \"packets\": %u, "
		 "\"packets_sent\": %" PRIu64 ", \"retransmissions\": %" PRIu64 ", "
		 "\"naks\": %" PRIu64 ", \"cnps\": %" PRIu64 ", \"timeouts\": %" PRIu64 ", "
		 "\"acks\": %" PRIu64 ", \"stale_responses\": %" PRIu64 ", \"rnr_naks\": %" PRIu64 ", "
		 "\"bad_icrc\": %" PRIu64 ", \"bad_qpn\": %" PRIu64 ", \"bad_src\": %" PRIu64 ", "
		 "\"bad_opcode\": %" PRIu64 ", \"bad_len\": %" PRIu64 ", \"send_errors\": %" PRIu64 ", "
		 "\"min_rate_mbps\": %.1f, \"final_rate_mbps\": %.1f, "
		 "\"elapsed_s\": %.6f, \"goodput_mbps\": %.1f, \"seed\": %" PRIu64 ", "
		 "\"crc32\": \"0x%08x\"}",
		 q->una >= q->npkts && !err_s[0] ? "true" : "false",
		 err_s[0] ? "\"" : "", err_s[0] ? err_s : "null", err_s[0] ? "\"" : "",
		 la, pa, o->qpn, o->dqpn, o->psn, idx_psn(q, q->npkts - 1),
		 o->op_write ? "write" : "send", o->mtu, o->bytes,
		 q->una >= q->npkts ? o->bytes : (uint64_t)q->una * o->mtu, q->npkts,
		 q->sent, q->retrans, q->naks, q->cnps, q->timeouts, q->acks, q->stale_acks, q->rnr,
		 q->bad_icrc, q->bad_qpn, q->bad_src, q->bad_opcode, q->bad_len, q->s.send_errors,
		 q->min_rate, q->rate, (double)elapsed / 1e9,
		 elapsed ? (double)o->bytes * 8 / ((double)elapsed / 1e9) / 1e6 : 0.0,
		 o->seed, crc);
	emit(o, json);
}

int requester_run(const struct opts *o)
{
	struct requester q = { .o = o };
	char la[INET6_ADDRSTRLEN], err_s[128] = "";
	uint32_t crc;
	struct rx *r = malloc(sizeof(*r));
	int err = 0;

	q.data = malloc(o->bytes);
	if (!q.data || !r) {
		fprintf(stderr, "rcpeer: out of memory for %" PRIu64 " bytes\n", o->bytes);
		free(q.data);
		free(r);
		return 2;
	}
	fill_data(q.data, o->bytes, o->seed);
	crc = (uint32_t)crc32(0L, q.data, (uInt)o->bytes);
	q.npkts = (uint32_t)((o->bytes + o->mtu - 1) / o->mtu);
	q.ppm = o->msg_bytes / o->mtu;
	q.rate = o->rate_mbps;
	err = sock_open(&q.s, o);
	if (err) {
		addr_str(&o->local, la);
		fprintf(stderr, "rcpeer: cannot bind [%s]:%d: %s\n", la, ENDMT_ROCE_PORT,
			strerror(-err));
		free(q.data);
		free(r);
		return 2;
	}
	q.t0 = q.timer = q.last_rai = now_ns();
	q.next_tx = q.t0;
	while (q.una < q.npkts && !stop_sig)
		if (req_step(&q, r, err_s, sizeof(err_s)))
			break;
	if (stop_sig && !err_s[0])
		snprintf(err_s, sizeof(err_s), "interrupted by signal %d", (int)stop_sig);
	req_report(&q, crc, err_s);
	close(q.s.fd);
	free(q.data);
	free(r);
	if (stop_sig)
		return 2;
	return q.una >= q.npkts && !err_s[0] ? 0 : 1;
}
