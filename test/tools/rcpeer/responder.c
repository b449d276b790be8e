/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* rcpeer recv: the responder.  ICRC check, in-order PSN, coalesced ACKs,
 * one NAK per gap, duplicates re-ACKed, CNP on ECN CE. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <zlib.h>
#include "endmt/psn.h"
#include "rc.h"

struct responder {
	const struct opts *o;
	struct sock s;
	uint8_t *data;
	uint32_t epsn;		/* next expected PSN */
	uint32_t msn;		/* messages completed */
	int in_msg;		/* inside a multi-packet message */
	uint8_t msg_kind;	/* opcode of the message's FIRST */
	uint64_t msg_off;	/* where the next packet of the message goes */
	uint64_t done;		/* bytes applied, in order */
	int nak_sent;		/* a NAK for this gap is out */
	int dup_acked;		/* a duplicate since the last progress was re-ACKed */
	uint32_t since_ack;
	uint64_t last_cnp, last_rx, t0, t_done;
	uint64_t pkts, data_pkts, applied, dups, ooo, acks, naks, cnps, ce, rnrs;
	uint64_t bad_icrc, bad_qpn, bad_src, bad_opcode, bad_len, bad_reth, bad_seq;
	int stalled;
};

static int resp_send_aeth(struct responder *p, uint32_t psn, uint8_t syn)
{
	uint8_t pkt[BTH_LEN + AETH_LEN + ENDMT_ICRC_LEN];

	put_bth(pkt, ENDMT_OP_ACK, 0, p->o->dqpn, 0, 0, psn);
	put32(pkt + BTH_LEN, (uint32_t)syn << 24 | (p->msn & 0xffffff));
	return sock_send(&p->s, pkt, sizeof(pkt));
}

static void resp_ack(struct responder *p)
{
	if (!resp_send_aeth(p, endmt_psn_add(p->epsn, -1), AETH_ACK_SYN))
		p->acks++;
	p->since_ack = 0;
}

static void resp_nak(struct responder *p, uint8_t value)
{
	if (!resp_send_aeth(p, p->epsn, (uint8_t)(ENDMT_AETH_KIND_NAK << 5 | value)))
		p->naks++;
}

static void resp_cnp(struct responder *p, uint64_t now)
{
	uint8_t pkt[sizeof(struct endmt_cnp) + ENDMT_ICRC_LEN];

	/* Like a NIC's notification point: at most one CNP per interval. */
	if (p->cnps && now - p->last_cnp < (uint64_t)p->o->cnp_gap_us * 1000)
		return;
	memset(pkt, 0, sizeof(pkt));
	/* CNP: BECN set, PSN 0, DestQP = the Designated QPN (the aggregation
	 * key of the reverse path), 16 reserved octets. */
	put_bth(pkt, ENDMT_OP_CNP, 0, p->o->dqpn, 1, 0, 0);
	if (!sock_send(&p->s, pkt, sizeof(pkt))) {
		p->cnps++;
		p->last_cnp = now;
	}
}

static int op_is_first(uint8_t op)
{
	return op == ENDMT_OP_SEND_FIRST || op == ENDMT_OP_WRITE_FIRST;
}

static int op_is_only(uint8_t op)
{
	return op == ENDMT_OP_SEND_ONLY || op == ENDMT_OP_WRITE_ONLY;
}

static int op_is_middle(uint8_t op)
{
	return op == ENDMT_OP_SEND_MIDDLE || op == ENDMT_OP_WRITE_MIDDLE;
}

static int op_is_last(uint8_t op)
{
	return op == ENDMT_OP_SEND_LAST || op == ENDMT_OP_WRITE_LAST;
}

static int op_is_write(uint8_t op)
{
	return op >= ENDMT_OP_WRITE_FIRST && op <= ENDMT_OP_WRITE_ONLY_IMM;
}


/* The checks of a packet before its PSN is looked at.  0 with the header
 * and payload lengths, or -1 (counted) to drop it. */
static int resp_check(struct responder *p, const struct rx *r, size_t *hl, size_t *plen)
{
	const struct opts *o = p->o;
	uint8_t op = r->buf[0];
	size_t pad = ENDMT_BTH_PAD(r->buf[1]);

	if (!r->icrc_ok) {
		/* A corrupted packet is as good as lost: the gap it leaves
		 * is NAKed when the next one arrives. */
		p->bad_icrc++;
		return -1;
	}
	if (memcmp(&r->src, &p->s.peer, 16)) {
		p->bad_src++;
		return -1;
	}
	if ((get32(r->buf + 4) & ENDMT_BTH_QPN_MASK) != o->qpn) {
		p->bad_qpn++;
		return -1;
	}
	if (!(op_is_first(op) || op_is_only(op) || op_is_middle(op) || op_is_last(op)) ||
	    op_is_write(op) != o->op_write) {
		p->bad_opcode++;
		return -1;
	}
	*hl = BTH_LEN;
	if (endmt_op_has_reth(op))
		*hl += RETH_LEN;
	if (r->len < *hl + pad + ENDMT_ICRC_LEN) {
		p->bad_len++;
		return -1;
	}
	*plen = r->len - *hl - pad - ENDMT_ICRC_LEN;
	return 0;
}

/* A packet whose PSN is not the expected one. */
static void resp_not_expected(struct responder *p, uint32_t psn, int ackreq)
{
	if (endmt_psn_before(psn, p->epsn)) {
		/* Duplicate: already applied; re-ACK so a requester
		 * that lost our ACK moves on. */
		p->dups++;
		if (ackreq || !p->dup_acked) {
			p->dup_acked = 1;
			resp_ack(p);
		}
	} else {
		/* Ahead of ePSN: a gap.  Dropped; NAK once per gap. */
		p->ooo++;
		if (!p->nak_sent) {
			p->nak_sent = 1;
			resp_nak(p, ENDMT_NAK_PSN_SEQ_ERR);
		}
	}
}

/* Where the payload of the in-order packet r goes (p->msg_off): checks
 * the opcode sequence, the lengths and the RETH.  -1 (counted) to drop. */
static int resp_place(struct responder *p, const struct rx *r, size_t plen)
{
	const struct opts *o = p->o;
	uint8_t op = r->buf[0];

	if (((op_is_first(op) || op_is_only(op)) && p->in_msg) ||
	    ((op_is_middle(op) || op_is_last(op)) && !p->in_msg)) {
		p->bad_seq++;
		return -1;
	}
	if (((op_is_first(op) || op_is_middle(op)) && plen != o->mtu) || plen > o->mtu) {
		p->bad_len++;
		return -1;
	}
	if (endmt_op_has_reth(op)) {
		const uint8_t *reth = r->buf + BTH_LEN;
		uint64_t va = (uint64_t)get32(reth) << 32 | get32(reth + 4);
		uint32_t rkey = get32(reth + 8), dlen = get32(reth + 12);

		if (rkey != o->rkey || va < o->va || va - o->va > o->bytes ||
		    dlen > o->bytes - (va - o->va) ||
		    (op_is_only(op) && dlen != plen)) {
			p->bad_reth++;
			resp_nak(p, ENDMT_NAK_REMOTE_ACCESS);
			return -1;
		}
		p->msg_off = va - o->va;
	} else if (op_is_first(op) || op_is_only(op)) {
		p->msg_off = p->done;	/* SEND: sequential */
	}
	if (p->msg_off > o->bytes || plen > o->bytes - p->msg_off) {
		p->bad_len++;
		return -1;
	}
	return 0;
}

static void resp_on_data(struct responder *p, struct rx *r, uint64_t now)
{
	const struct opts *o = p->o;
	uint8_t op = r->buf[0];
	uint32_t psn = get32(r->buf + 8) & ENDMT_BTH_PSN_MASK;
	int ackreq = !!(get32(r->buf + 8) & ENDMT_BTH_ACKREQ);
	size_t hl, plen;

	p->pkts++;
	if (resp_check(p, r, &hl, &plen))
		return;
	p->data_pkts++;
	if (o->stall_after && p->data_pkts > o->stall_after) {
		/* Fault injection: a receiver that stops responding. */
		p->stalled = 1;
		return;
	}
	/* ECN CE on arrival: tell the sender, whatever the PSN. */
	if ((r->tclass & 3) == 3) {
		p->ce++;
		resp_cnp(p, now);
	}
	if (psn != p->epsn) {
		resp_not_expected(p, psn, ackreq);
		return;
	}
	/* Fault injection: no receive buffer yet (a slow consumer): an RNR
	 * NAK at the expected PSN, which acknowledges what came before it. */
	if (p->rnrs < o->rnr_first) {
		if (!resp_send_aeth(p, p->epsn, (uint8_t)(ENDMT_AETH_KIND_RNR << 5 | RNR_TIMER_CODE)))
			p->rnrs++;
		return;
	}
	/* In order: check the opcode sequence and lengths. */
	if (resp_place(p, r, plen))
		return;
	memcpy(p->data + p->msg_off, r->buf + hl, plen);
	p->msg_off += plen;
	p->done += plen;
	p->applied++;
	p->epsn = endmt_psn_add(p->epsn, 1);
	p->nak_sent = 0;
	p->dup_acked = 0;
	p->in_msg = op_is_first(op) || op_is_middle(op);
	if (op_is_last(op) || op_is_only(op))
		p->msn = (p->msn + 1) & 0xffffff;
	if (p->done >= o->bytes && !p->in_msg && !p->t_done)
		p->t_done = now;
	/* Coalesced ACKs: on AckReq, every K packets, and at the end. */
	if (ackreq || ++p->since_ack >= o->ack_every || p->t_done == now)
		resp_ack(p);
}

static void resp_report(const struct responder *p, int match, uint32_t crc, const char *why)
{
	const struct opts *o = p->o;
	char json[2048], la[INET6_ADDRSTRLEN], pa[INET6_ADDRSTRLEN];

	addr_str(&o->local, la);
	addr_str(&o->peer, pa);
	snprintf(json, sizeof(json),
		 "{\"role\": \"responder\", \"ok\": %s, \"error\": %s%s%s, "
		 "\"local\": \"%s\", \"peer\": \"%s\", \"qpn\": %u, \"dqpn\": %u, "
		 "\"start_psn\": %u, \"epsn\": %u, \"msn\": %u, \"complete\": %s, "
		 "\"bytes\": %" PRIu64 ", \"bytes_received\": %" PRIu64 ", "
		 "\"packets\": %" PRIu64 ", \"data_packets\": %" PRIu64 ", \"applied\": %" PRIu64 ", "
		 "\"duplicates\": %" PRIu64 ", \"out_of_order\": %" PRIu64 ", "
		 "\"acks_sent\": %" PRIu64 ", \"naks_sent\": %" PRIu64 ", \"cnps_sent\": %" PRIu64 ", "
		 "\"ce_marked\": %" PRIu64 ", \"bad_icrc\": %" PRIu64 ", \"bad_qpn\": %" PRIu64 ", "
		 "\"bad_src\": %" PRIu64 ", \"bad_opcode\": %" PRIu64 ", \"bad_len\": %" PRIu64 ", "
		 "\"bad_reth\": %" PRIu64 ", \"bad_seq\": %" PRIu64 ", \"stalled\": %s, "
		 "\"rnrs_sent\": %" PRIu64 ", "
		 "\"elapsed_s\": %.6f, \"seed\": %" PRIu64 ", \"match\": %s, \"crc32\": \"0x%08x\"}",
		 match ? "true" : "false", why ? "\"" : "", why ? why : "null", why ? "\"" : "",
		 la, pa, o->qpn, o->dqpn, o->psn, p->epsn, p->msn, p->t_done ? "true" : "false",
		 o->bytes, p->done, p->pkts, p->data_pkts, p->applied, p->dups, p->ooo, p->acks,
		 p->naks, p->cnps, p->ce, p->bad_icrc, p->bad_qpn, p->bad_src, p->bad_opcode,
		 p->bad_len, p->bad_reth, p->bad_seq, p->stalled ? "true" : "false", p->rnrs,
		 (double)((p->t_done ? p->t_done : now_ns()) - p->t0) / 1e9, o->seed,
		 match ? "true" : "false", crc);
	emit(o, json);
}

/* Receives until the transfer is done and the linger is over, or until it
 * goes idle.  NULL, or why it stopped early. */
static const char *resp_loop(struct responder *p, struct rx *r)
{
	const struct opts *o = p->o;

	for (;;) {
		uint64_t now = now_ns();

		if (stop_sig)
			return "interrupted";
		if (p->t_done && now - p->last_rx > (uint64_t)o->linger_ms * 1000000)
			return NULL;
		if (!p->t_done && now - p->last_rx > (uint64_t)o->idle_ms * 1000000)
			return p->stalled ? "stalled" : "idle timeout";
		wait_readable(p->s.fd, 50000000);
		while (sock_recv(&p->s, r) > 0) {
			now = now_ns();
			if (!p->pkts)
				p->t0 = now;	/* elapsed counts from the first packet */
			p->last_rx = now;
			if (r->len < BTH_LEN) {
				p->bad_len++;
				continue;
			}
			resp_on_data(p, r, now);
		}
	}
}

int responder_run(const struct opts *o)
{
	struct responder p = { .o = o };
	struct rx *r = malloc(sizeof(*r));
	uint8_t *expect = malloc(o->bytes);
	char la[INET6_ADDRSTRLEN];
	const char *why;
	uint32_t crc;
	int match, err;

	p.data = calloc(1, o->bytes);
	if (!p.data || !r || !expect) {
		fprintf(stderr, "rcpeer: out of memory for %" PRIu64 " bytes\n", o->bytes);
		free(p.data);
		free(r);
		free(expect);
		return 2;
	}
	err = sock_open(&p.s, o);
	if (err) {
		addr_str(&o->local, la);
		fprintf(stderr, "rcpeer: cannot bind [%s]:%d: %s\n", la, ENDMT_ROCE_PORT,
			strerror(-err));
		free(p.data);
		free(r);
		free(expect);
		return 2;
	}
	p.epsn = o->psn;
	p.t0 = p.last_rx = now_ns();
	/* Ready: scripts wait for this line before starting the sender. */
	fprintf(stderr, "rcpeer: listening\n");
	why = resp_loop(&p, r);
	fill_data(expect, o->bytes, o->seed);
	match = p.t_done && !memcmp(expect, p.data, o->bytes);
	crc = (uint32_t)crc32(0L, p.data, (uInt)o->bytes);
	resp_report(&p, match, crc, why);
	close(p.s.fd);
	free(p.data);
	free(r);
	free(expect);
	if (stop_sig)
		return 2;
	return match ? 0 : 1;
}
