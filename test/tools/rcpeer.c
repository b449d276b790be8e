/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* rcpeer: a RoCEv2 RC requester or responder over a UDP socket.
 *
 * The host kernel has no RDMA stack, so the sources and receivers of the
 * integration tests and the demo are this tool: a point-to-point RC peer of
 * the Proxy Address that knows nothing of multicast.  It speaks the wire
 * format of include/endmt/roce.h (BTH, RETH, AETH, CNP, ICRC) on UDP 4791.
 *
 *   rcpeer send ...   requester: FIRST/MIDDLE/LAST (or ONLY) WRITE or SEND
 *                     packets, window, go-back-N on NAK and timeout, rate
 *                     halved on CNP with additive recovery
 *   rcpeer recv ...   responder: ICRC check, in-order PSN, coalesced ACKs,
 *                     one NAK per gap, duplicates re-ACKed, CNP on ECN CE
 *   rcpeer selftest   the ICRC of this tool against lib/icrc_full.c
 *
 * The ICRC covers the IPv6 and UDP headers the kernel will send (or has
 * received): SA, DA, payload length and ports are known to the socket, the
 * masked fields (TC, flow label, hop limit, UDP checksum) are not needed.
 * The CRC itself is zlib's crc32, which is the same CRC-32 as the ICRC and
 * an implementation independent of both the data path and lib/icrc_full.c.
 *
 * Reports are JSON on stdout (and --out FILE).  Exit 0 on success, 1 on a
 * failed transfer, 2 on a usage error or when interrupted.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <linux/udp.h>
#include <zlib.h>
#include "endmt/icrc.h"
#include "endmt/psn.h"
#include "endmt/roce.h"
#include "icrc_full.h"

#define BTH_LEN  ((size_t)sizeof(struct endmt_bth))
#define RETH_LEN ((size_t)sizeof(struct endmt_reth))
#define AETH_LEN ((size_t)sizeof(struct endmt_aeth))
#define MAX_MTU  4096
#define PKT_MAX  (BTH_LEN + RETH_LEN + MAX_MTU + 4 + ENDMT_ICRC_LEN)
#define BURST_MAX 16
/* AETH syndrome of a positive ACK: kind 00, credit field 0x1f = "no credit
 * limit" (the requester never waits for credits). */
#define AETH_ACK_SYN 0x1f
#define RNR_TIMER_CODE 1	/* RNR NAK timer 0.01 ms (IBTA table 45) */

struct opts {
	int recv;
	struct in6_addr local, peer;
	int have_local, have_peer;
	uint32_t qpn, dqpn, psn;
	int have_qpn, have_dqpn;
	uint64_t bytes;
	uint32_t mtu;
	int op_write;
	double rate_mbps;	/* 0: unlimited */
	double rai_mbps;	/* additive increase per recovery period */
	uint32_t timeout_ms;	/* retransmission timeout */
	uint32_t max_retries;	/* consecutive timeouts before giving up */
	int ecn;
	const char *out;
	uint64_t stall_after;	/* 0: never */
	uint64_t rnr_first;	/* recv: answer RNR to the first N in-order packets */
	uint64_t seed;
	uint32_t window;
	uint32_t msg_bytes;
	uint32_t ack_every;
	uint64_t va;
	uint32_t rkey;
	uint32_t idle_ms;	/* recv: give up after this long without data */
	uint32_t linger_ms;	/* recv: stay to re-ACK retransmissions */
	uint32_t cnp_gap_us;	/* recv: at most one CNP per this interval */
	int verbose;
};

static volatile sig_atomic_t stop_sig;

static void on_signal(int sig)
{
	stop_sig = sig;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void put16(uint8_t *p, uint16_t v) { p[0] = v >> 8; p[1] = v & 0xff; }
static void put32(uint8_t *p, uint32_t v) { put16(p, v >> 16); put16(p + 2, v & 0xffff); }
static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t get32(const uint8_t *p) { return (uint32_t)get16(p) << 16 | get16(p + 2); }

/* The payload: splitmix64 of the seed, so a receiver regenerates and
 * verifies it without seeing the sender's buffer. */
static void fill_data(uint8_t *buf, uint64_t n, uint64_t seed)
{
	uint64_t x = seed, i;

	for (i = 0; i < n; i += 8) {
		uint64_t z = (x += 0x9e3779b97f4a7c15ull);
		uint64_t k;

		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
		z ^= z >> 31;
		for (k = 0; k < 8 && i + k < n; k++)
			buf[i + k] = (uint8_t)(z >> (8 * k));
	}
}

/* ICRC of a RoCEv2 UDP payload (BTH .. ICRC, len includes the ICRC) carried
 * from sa:sport to da:dport.  The masked fields are all-ones, as the ICRC
 * definition requires, so their real values do not matter. */
static uint32_t roce_icrc(const struct in6_addr *sa, const struct in6_addr *da,
			  uint16_t sport, uint16_t dport, const uint8_t *bth, size_t len)
{
	uint8_t h[ENDMT_ICRC_PSEUDO_LRH + ENDMT_IP6_HLEN + ENDMT_UDP_HLEN + BTH_LEN];
	uint8_t *ip6 = h + ENDMT_ICRC_PSEUDO_LRH, *udp = ip6 + ENDMT_IP6_HLEN;
	uint16_t ulen = (uint16_t)(ENDMT_UDP_HLEN + len);
	uLong crc;

	memset(h, 0xff, ENDMT_ICRC_PSEUDO_LRH);
	put32(ip6, 0x6fffffffu);		/* version 6, TC and FL masked */
	put16(ip6 + 4, ulen);
	ip6[6] = 17;
	ip6[7] = 0xff;				/* hop limit masked */
	memcpy(ip6 + ENDMT_IP6_OFF_SADDR, sa, 16);
	memcpy(ip6 + ENDMT_IP6_OFF_DADDR, da, 16);
	put16(udp, sport);
	put16(udp + 2, dport);
	put16(udp + 4, ulen);
	put16(udp + 6, 0xffff);			/* checksum masked */
	memcpy(udp + ENDMT_UDP_HLEN, bth, BTH_LEN);
	udp[ENDMT_UDP_HLEN + ENDMT_BTH_MASKED_OCTET] = 0xff;
	crc = crc32(0L, h, sizeof(h));
	crc = crc32(crc, bth + BTH_LEN, (uInt)(len - BTH_LEN - ENDMT_ICRC_LEN));
	return (uint32_t)crc;
}

static void icrc_put(uint8_t *p, uint32_t v)
{
	p[0] = v & 0xff;
	p[1] = (v >> 8) & 0xff;
	p[2] = (v >> 16) & 0xff;
	p[3] = v >> 24;
}

static uint32_t icrc_get(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_bth(uint8_t *b, uint8_t op, uint8_t pad, uint32_t dqpn, int becn,
		    int ackreq, uint32_t psn)
{
	b[0] = op;
	b[1] = (uint8_t)(pad << 4);		/* SE 0, M 0, TVer 0 */
	put16(b + 2, 0xffff);			/* default P_Key */
	put32(b + 4, (becn ? ENDMT_BTH_BECN : 0) | (dqpn & ENDMT_BTH_QPN_MASK));
	put32(b + 8, (ackreq ? ENDMT_BTH_ACKREQ : 0) | (psn & ENDMT_BTH_PSN_MASK));
}

/* The UDP socket of a peer: bound to [local]:4791, sends to [peer]:4791, so
 * both ports of every packet (and so its ICRC) are known. */
struct sock {
	int fd;
	struct in6_addr local, peer;
	uint64_t send_errors;
};

static int sock_open(struct sock *s, const struct opts *o)
{
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_port = htons(ENDMT_ROCE_PORT) };
	int one = 1, buf = 8 << 20, tclass = o->ecn ? 0x02 /* ECT(0) */ : 0;
	int err;

	s->local = o->local;
	s->peer = o->peer;
	s->send_errors = 0;
	s->fd = socket(AF_INET6, SOCK_DGRAM, 0);
	if (s->fd < 0)
		return -errno;
	sa.sin6_addr = o->local;
	if (setsockopt(s->fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) ||
	    setsockopt(s->fd, IPPROTO_IPV6, IPV6_RECVTCLASS, &one, sizeof(one)) ||
	    setsockopt(s->fd, IPPROTO_IPV6, IPV6_TCLASS, &tclass, sizeof(tclass)) ||
	    setsockopt(s->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)))
		goto err;
	/* RoCEv2 over IPv6 may carry UDP checksum 0 (rxe sends 0; the edges
	 * keep a 0 they receive); the ICRC is the integrity check, so accept
	 * them as a RoCE NIC does.  The agents' CNPs carry a real checksum. */
	if (setsockopt(s->fd, IPPROTO_UDP, UDP_NO_CHECK6_RX, &one, sizeof(one)))
		goto err;
	/* Larger buffers so a burst of a window is not lost in the socket;
	 * best effort (net.core.*mem_max caps them). */
	setsockopt(s->fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
	setsockopt(s->fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf));
	if (bind(s->fd, (struct sockaddr *)&sa, sizeof(sa)))
		goto err;
	return 0;
err:
	err = -errno;
	close(s->fd);
	s->fd = -1;
	return err;
}

/* Stores the ICRC into the last 4 octets of pkt and sends it to the peer. */
static int sock_send(struct sock *s, uint8_t *pkt, size_t len)
{
	struct sockaddr_in6 da = { .sin6_family = AF_INET6,
				   .sin6_port = htons(ENDMT_ROCE_PORT), .sin6_addr = s->peer };

	icrc_put(pkt + len - ENDMT_ICRC_LEN,
		 roce_icrc(&s->local, &s->peer, ENDMT_ROCE_PORT, ENDMT_ROCE_PORT, pkt, len));
	for (;;) {
		if (sendto(s->fd, pkt, len, 0, (struct sockaddr *)&da, sizeof(da)) == (ssize_t)len)
			return 0;
		if (errno == EINTR && !stop_sig)
			continue;
		if (errno == ENOBUFS || errno == EAGAIN) {
			/* The qdisc or device queue is full: wait for room
			 * rather than turn local congestion into loss. */
			struct pollfd p = { .fd = s->fd, .events = POLLOUT };

			poll(&p, 1, 1);
			continue;
		}
		s->send_errors++;
		return -errno;
	}
}

struct rx {
	uint8_t buf[PKT_MAX + 64];
	size_t len;
	struct in6_addr src;
	uint16_t sport;
	int tclass;
	int icrc_ok;
};

/* Non-blocking receive of one datagram.  1 when one was read, 0 when none
 * is waiting, -errno on error. */
static int sock_recv(struct sock *s, struct rx *r)
{
	struct sockaddr_in6 from;
	char cbuf[CMSG_SPACE(sizeof(int)) * 2];
	struct iovec iov = { .iov_base = r->buf, .iov_len = sizeof(r->buf) };
	struct msghdr m = { .msg_name = &from, .msg_namelen = sizeof(from),
			    .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *c;
	ssize_t n;

	n = recvmsg(s->fd, &m, MSG_DONTWAIT);
	if (n < 0)
		return (errno == EAGAIN || errno == EINTR) ? 0 : -errno;
	r->len = (size_t)n;
	r->src = from.sin6_addr;
	r->sport = ntohs(from.sin6_port);
	r->tclass = 0;
	for (c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
		if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_TCLASS)
			memcpy(&r->tclass, CMSG_DATA(c), sizeof(int));
	/* The socket is bound to one address, so that is the packet's DA. */
	r->icrc_ok = r->len >= BTH_LEN + ENDMT_ICRC_LEN && !(m.msg_flags & MSG_TRUNC) &&
		     icrc_get(r->buf + r->len - ENDMT_ICRC_LEN) ==
			     roce_icrc(&r->src, &s->local, r->sport, ENDMT_ROCE_PORT,
				       r->buf, r->len);
	return 1;
}

static void wait_readable(int fd, uint64_t ns)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	struct timespec ts = { .tv_sec = (time_t)(ns / 1000000000ull),
			       .tv_nsec = (long)(ns % 1000000000ull) };

	ppoll(&p, 1, &ts, NULL);
}

static void addr_str(const struct in6_addr *a, char *buf)
{
	inet_ntop(AF_INET6, a, buf, INET6_ADDRSTRLEN);
}

/* Writes the report to stdout and, if asked, to a file. */
static void emit(const struct opts *o, const char *json)
{
	FILE *f;

	printf("%s\n", json);
	fflush(stdout);
	if (!o->out)
		return;
	f = fopen(o->out, "w");
	if (!f) {
		fprintf(stderr, "rcpeer: cannot write %s: %s\n", o->out, strerror(errno));
		return;
	}
	fprintf(f, "%s\n", json);
	fclose(f);
}

/* ---------------------------------------------------------------- requester */

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

static int requester_run(const struct opts *o)
{
	struct requester q = { .o = o };
	uint64_t pkt_bits, now, elapsed;
	char json[2048], la[INET6_ADDRSTRLEN], pa[INET6_ADDRSTRLEN], err_s[128] = "";
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
	pkt_bits = (uint64_t)(o->mtu + 100) * 8;
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

	while (q.una < q.npkts && !stop_sig) {
		uint32_t n, i, room;
		uint64_t wait;

		now = now_ns();
		if (q.fatal_naks) {
			snprintf(err_s, sizeof(err_s), "fatal NAK syndrome 0x%02x", q.fatal_syndrome);
			break;
		}
		if (q.nxt > q.una && now - q.timer > (uint64_t)o->timeout_ms * 1000000) {
			/* Retransmission timeout: go back to the oldest unacked. */
			q.timeouts++;
			if (++q.consec_timeouts > o->max_retries) {
				snprintf(err_s, sizeof(err_s),
					 "no progress after %u timeouts at PSN %u",
					 o->max_retries, idx_psn(&q, q.una));
				break;
			}
			q.nxt = q.una;
			q.nak_pending = 0;
			q.timer = now;
		}
		req_recover(&q, now);

		room = o->window - (q.nxt - q.una);
		n = q.npkts - q.nxt < room ? q.npkts - q.nxt : room;
		if (n > BURST_MAX)
			n = BURST_MAX;
		if (q.rate > 0) {
			uint64_t per = (uint64_t)(pkt_bits * 1000 / q.rate);	/* ns */
			uint64_t allowed;

			/* Pacing with at most a burst of credit. */
			if (q.next_tx + per * BURST_MAX < now)
				q.next_tx = now - per * BURST_MAX;
			allowed = now >= q.next_tx ? (now - q.next_tx) / per + 1 : 0;
			if (n > allowed)
				n = (uint32_t)allowed;
			q.next_tx += per * n;
		}
		if (n && q.nxt == q.una)
			q.timer = now;
		for (i = 0; i < n && !err; i++) {
			/* AckReq on the last packet of each burst. */
			err = req_send_one(&q, q.nxt, i == n - 1);
			if (!err)
				q.nxt++;
		}
		if (err) {
			snprintf(err_s, sizeof(err_s), "send: %s", strerror(-err));
			break;
		}
		while (sock_recv(&q.s, r) > 0)
			req_on_response(&q, r, now_ns());
		if (q.una >= q.npkts)
			break;
		if (n == 0) {
			now = now_ns();
			wait = 1000000;	/* 1 ms: RTO and recovery granularity */
			if (q.rate > 0 && q.next_tx > now && q.next_tx - now < wait &&
			    q.nxt - q.una < o->window && q.nxt < q.npkts)
				wait = q.next_tx - now;
			wait_readable(q.s.fd, wait);
			while (sock_recv(&q.s, r) > 0)
				req_on_response(&q, r, now_ns());
		}
	}
	now = now_ns();
	elapsed = now - q.t0;
	if (stop_sig && !err_s[0])
		snprintf(err_s, sizeof(err_s), "interrupted by signal %d", (int)stop_sig);
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
		 q.una >= q.npkts && !err_s[0] ? "true" : "false",
		 err_s[0] ? "\"" : "", err_s[0] ? err_s : "null", err_s[0] ? "\"" : "",
		 la, pa, o->qpn, o->dqpn, o->psn, idx_psn(&q, q.npkts - 1),
		 o->op_write ? "write" : "send", o->mtu, o->bytes,
		 q.una >= q.npkts ? o->bytes : (uint64_t)q.una * o->mtu, q.npkts,
		 q.sent, q.retrans, q.naks, q.cnps, q.timeouts, q.acks, q.stale_acks, q.rnr,
		 q.bad_icrc, q.bad_qpn, q.bad_src, q.bad_opcode, q.bad_len, q.s.send_errors,
		 q.min_rate, q.rate, (double)elapsed / 1e9,
		 elapsed ? (double)o->bytes * 8 / ((double)elapsed / 1e9) / 1e6 : 0.0,
		 o->seed, crc);
	emit(o, json);
	close(q.s.fd);
	free(q.data);
	free(r);
	if (stop_sig)
		return 2;
	return q.una >= q.npkts && !err_s[0] ? 0 : 1;
}

/* ---------------------------------------------------------------- responder */

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

static void resp_on_data(struct responder *p, struct rx *r, uint64_t now)
{
	const struct opts *o = p->o;
	uint8_t op = r->buf[0];
	uint32_t psn = get32(r->buf + 8) & ENDMT_BTH_PSN_MASK;
	int ackreq = !!(get32(r->buf + 8) & ENDMT_BTH_ACKREQ);
	size_t hl = BTH_LEN, plen, pad = ENDMT_BTH_PAD(r->buf[1]);
	uint64_t off;

	p->pkts++;
	if (!r->icrc_ok) {
		/* A corrupted packet is as good as lost: the gap it leaves
		 * is NAKed when the next one arrives. */
		p->bad_icrc++;
		return;
	}
	if (memcmp(&r->src, &p->s.peer, 16)) {
		p->bad_src++;
		return;
	}
	if ((get32(r->buf + 4) & ENDMT_BTH_QPN_MASK) != o->qpn) {
		p->bad_qpn++;
		return;
	}
	if (!(op_is_first(op) || op_is_only(op) || op_is_middle(op) || op_is_last(op)) ||
	    op_is_write(op) != o->op_write) {
		p->bad_opcode++;
		return;
	}
	if (endmt_op_has_reth(op))
		hl += RETH_LEN;
	if (r->len < hl + pad + ENDMT_ICRC_LEN) {
		p->bad_len++;
		return;
	}
	plen = r->len - hl - pad - ENDMT_ICRC_LEN;
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
	if (((op_is_first(op) || op_is_only(op)) && p->in_msg) ||
	    ((op_is_middle(op) || op_is_last(op)) && !p->in_msg)) {
		p->bad_seq++;
		return;
	}
	if (((op_is_first(op) || op_is_middle(op)) && plen != o->mtu) || plen > o->mtu) {
		p->bad_len++;
		return;
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
			return;
		}
		p->msg_off = va - o->va;
	} else if (op_is_first(op) || op_is_only(op)) {
		p->msg_off = p->done;	/* SEND: sequential */
	}
	off = p->msg_off;
	if (off > o->bytes || plen > o->bytes - off) {
		p->bad_len++;
		return;
	}
	memcpy(p->data + off, r->buf + hl, plen);
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

static int responder_run(const struct opts *o)
{
	struct responder p = { .o = o };
	struct rx *r = malloc(sizeof(*r));
	uint8_t *expect = malloc(o->bytes);
	char json[2048], la[INET6_ADDRSTRLEN], pa[INET6_ADDRSTRLEN];
	const char *why = NULL;
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
	for (;;) {
		uint64_t now = now_ns();

		if (stop_sig) {
			why = "interrupted";
			break;
		}
		if (p.t_done && now - p.last_rx > (uint64_t)o->linger_ms * 1000000)
			break;
		if (!p.t_done && now - p.last_rx > (uint64_t)o->idle_ms * 1000000) {
			why = p.stalled ? "stalled" : "idle timeout";
			break;
		}
		wait_readable(p.s.fd, 50000000);
		while (sock_recv(&p.s, r) > 0) {
			now = now_ns();
			if (!p.pkts)
				p.t0 = now;	/* elapsed counts from the first packet */
			p.last_rx = now;
			if (r->len < BTH_LEN) {
				p.bad_len++;
				continue;
			}
			resp_on_data(&p, r, now);
		}
	}
	fill_data(expect, o->bytes, o->seed);
	match = p.t_done && !memcmp(expect, p.data, o->bytes);
	crc = (uint32_t)crc32(0L, p.data, (uInt)o->bytes);
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
		 la, pa, o->qpn, o->dqpn, o->psn, p.epsn, p.msn, p.t_done ? "true" : "false",
		 o->bytes, p.done, p.pkts, p.data_pkts, p.applied, p.dups, p.ooo, p.acks,
		 p.naks, p.cnps, p.ce, p.bad_icrc, p.bad_qpn, p.bad_src, p.bad_opcode,
		 p.bad_len, p.bad_reth, p.bad_seq, p.stalled ? "true" : "false", p.rnrs,
		 (double)((p.t_done ? p.t_done : now_ns()) - p.t0) / 1e9, o->seed,
		 match ? "true" : "false", crc);
	emit(o, json);
	close(p.s.fd);
	free(p.data);
	free(r);
	free(expect);
	if (stop_sig)
		return 2;
	return match ? 0 : 1;
}

/* ---------------------------------------------------------------- selftest */

/* The ICRC of this tool (zlib, reconstructed headers) must equal the
 * project's reference (lib/icrc_full.c over a real IPv6 packet) for every
 * packet shape the tool sends. */
static int selftest(void)
{
	uint8_t ip6[ENDMT_IP6_HLEN + ENDMT_UDP_HLEN + PKT_MAX];
	struct in6_addr sa, da;
	size_t lens[] = { BTH_LEN + AETH_LEN + 4, BTH_LEN + 16 + 4, BTH_LEN + RETH_LEN + 1024 + 4,
			  BTH_LEN + 1 + 3 + 4, BTH_LEN + 4096 + 4 };
	unsigned i, bad = 0;

	inet_pton(AF_INET6, "fd00:10::2", &sa);
	inet_pton(AF_INET6, "fd00:ff::1", &da);
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		uint8_t *udp = ip6 + ENDMT_IP6_HLEN, *bth = udp + ENDMT_UDP_HLEN;
		size_t len = lens[i], k;
		uint32_t a, b;

		for (k = 0; k < len; k++)
			bth[k] = (uint8_t)(k * 7 + i);
		put32(ip6, 0x60000000u | (uint32_t)(i * 0x1234567u & 0x0fffffffu));
		put16(ip6 + 4, (uint16_t)(ENDMT_UDP_HLEN + len));
		ip6[6] = 17;
		ip6[7] = (uint8_t)(64 - i);
		memcpy(ip6 + 8, &sa, 16);
		memcpy(ip6 + 24, &da, 16);
		put16(udp, (uint16_t)(0xc000 + i));
		put16(udp + 2, ENDMT_ROCE_PORT);
		put16(udp + 4, (uint16_t)(ENDMT_UDP_HLEN + len));
		put16(udp + 6, (uint16_t)(i * 4321));
		a = roce_icrc(&sa, &da, (uint16_t)(0xc000 + i), ENDMT_ROCE_PORT, bth, len);
		b = endmt_icrc_compute(ip6, ENDMT_IP6_HLEN + ENDMT_UDP_HLEN + len);
		if (a != b) {
			fprintf(stderr, "selftest: len %zu: rcpeer 0x%08x reference 0x%08x\n",
				len, a, b);
			bad++;
		}
	}
	printf("{\"selftest\": %s, \"cases\": %zu}\n", bad ? "false" : "true",
	       sizeof(lens) / sizeof(lens[0]));
	return bad ? 1 : 0;
}

/* ---------------------------------------------------------------- options */

static void usage(FILE *f)
{
	fprintf(f,
"usage: rcpeer send --local ADDR --peer ADDR --qpn N --dqpn N [--psn N] --bytes N\n"
"                   [--mtu 1024] [--op write|send] [--rate-mbps R] [--timeout-ms T]\n"
"                   [--ecn] [--window 64] [--msg-bytes 65536] [--max-retries 100]\n"
"                   [--rai-mbps 100] [--va N] [--rkey N] [--seed N] [--out FILE]\n"
"       rcpeer recv --local ADDR --peer ADDR --qpn N --dqpn N [--psn N] --bytes N\n"
"                   [--mtu 1024] [--op write|send] [--ack-every 16] [--stall-after N]\n"
"                   [--rnr-first N]\n"
"                   [--idle-ms 20000] [--linger-ms 1000] [--cnp-gap-us 50]\n"
"                   [--va N] [--rkey N] [--seed N] [--out FILE]\n"
"       rcpeer selftest\n"
"--qpn is this peer's own QP (DestQP of packets it accepts), --dqpn the QP it\n"
"sends to (the Designated QPN of the group).  Both ends use UDP port 4791.\n");
}

static int parse_u64(const char *s, uint64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 0);
	if (errno || end == s)
		return -EINVAL;
	/* K/M/G suffixes for sizes. */
	if (*end == 'K' || *end == 'k')
		*v <<= 10, end++;
	else if (*end == 'M' || *end == 'm')
		*v <<= 20, end++;
	else if (*end == 'G' || *end == 'g')
		*v <<= 30, end++;
	return *end ? -EINVAL : 0;
}

static int parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "local", 1, 0, 'l' }, { "peer", 1, 0, 'p' }, { "qpn", 1, 0, 'q' },
		{ "dqpn", 1, 0, 'd' }, { "psn", 1, 0, 's' }, { "bytes", 1, 0, 'b' },
		{ "mtu", 1, 0, 'm' }, { "op", 1, 0, 'o' }, { "rate-mbps", 1, 0, 'r' },
		{ "timeout-ms", 1, 0, 't' }, { "ecn", 0, 0, 'e' }, { "out", 1, 0, 'O' },
		{ "stall-after", 1, 0, 'S' }, { "seed", 1, 0, 'x' }, { "window", 1, 0, 'w' },
		{ "msg-bytes", 1, 0, 'M' }, { "ack-every", 1, 0, 'k' }, { "va", 1, 0, 'V' },
		{ "rkey", 1, 0, 'R' }, { "idle-ms", 1, 0, 'i' }, { "linger-ms", 1, 0, 'L' },
		{ "cnp-gap-us", 1, 0, 'c' }, { "max-retries", 1, 0, 'X' },
		{ "rai-mbps", 1, 0, 'a' }, { "rnr-first", 1, 0, 'n' },
		{ "help", 0, 0, 'h' }, { 0, 0, 0, 0 },
	};
	uint64_t v;
	int c;

	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		v = 0;
		if (c != 'l' && c != 'p' && c != 'o' && c != 'O' && c != 'e' && c != 'h' &&
		    c != '?' && c != 'r' && c != 'a' && parse_u64(optarg, &v)) {
			fprintf(stderr, "rcpeer: bad number '%s'\n", optarg);
			return -EINVAL;
		}
		switch (c) {
		case 'l':
			if (inet_pton(AF_INET6, optarg, &o->local) != 1)
				goto bad_addr;
			o->have_local = 1;
			break;
		case 'p':
			if (inet_pton(AF_INET6, optarg, &o->peer) != 1)
				goto bad_addr;
			o->have_peer = 1;
			break;
		case 'q': o->qpn = (uint32_t)v; o->have_qpn = 1; break;
		case 'd': o->dqpn = (uint32_t)v; o->have_dqpn = 1; break;
		case 's': o->psn = (uint32_t)v; break;
		case 'b': o->bytes = v; break;
		case 'm': o->mtu = (uint32_t)v; break;
		case 'o':
			if (!strcmp(optarg, "write"))
				o->op_write = 1;
			else if (!strcmp(optarg, "send"))
				o->op_write = 0;
			else {
				fprintf(stderr, "rcpeer: --op is write or send\n");
				return -EINVAL;
			}
			break;
		case 'r': o->rate_mbps = atof(optarg); break;
		case 'a': o->rai_mbps = atof(optarg); break;
		case 't': o->timeout_ms = (uint32_t)v; break;
		case 'e': o->ecn = 1; break;
		case 'O': o->out = optarg; break;
		case 'S': o->stall_after = v; break;
		case 'n': o->rnr_first = v; break;
		case 'x': o->seed = v; break;
		case 'w': o->window = (uint32_t)v; break;
		case 'M': o->msg_bytes = (uint32_t)v; break;
		case 'k': o->ack_every = (uint32_t)v; break;
		case 'V': o->va = v; break;
		case 'R': o->rkey = (uint32_t)v; break;
		case 'i': o->idle_ms = (uint32_t)v; break;
		case 'L': o->linger_ms = (uint32_t)v; break;
		case 'c': o->cnp_gap_us = (uint32_t)v; break;
		case 'X': o->max_retries = (uint32_t)v; break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); return -EINVAL;
		}
	}
	if (!o->have_local || !o->have_peer || !o->have_qpn || !o->have_dqpn || !o->bytes) {
		fprintf(stderr, "rcpeer: --local, --peer, --qpn, --dqpn and --bytes are required\n");
		return -EINVAL;
	}
	if (o->mtu < 256 || o->mtu > MAX_MTU || (o->mtu & (o->mtu - 1))) {
		fprintf(stderr, "rcpeer: --mtu is 256, 512, 1024, 2048 or 4096\n");
		return -EINVAL;
	}
	if (!o->msg_bytes || o->msg_bytes % o->mtu) {
		fprintf(stderr, "rcpeer: --msg-bytes must be a multiple of --mtu\n");
		return -EINVAL;
	}
	/* Packet indices stay far inside half the PSN space, where serial
	 * arithmetic is unambiguous; a buffer is held in memory. */
	if (o->bytes > (1ull << 31) || o->bytes / o->mtu >= ENDMT_PSN_HALF / 2) {
		fprintf(stderr, "rcpeer: --bytes too large\n");
		return -EINVAL;
	}
	if (!o->window || o->window >= ENDMT_PSN_HALF || !o->ack_every || !o->timeout_ms) {
		fprintf(stderr, "rcpeer: --window, --ack-every and --timeout-ms must be > 0\n");
		return -EINVAL;
	}
	if (o->qpn > ENDMT_BTH_QPN_MASK || o->dqpn > ENDMT_BTH_QPN_MASK ||
	    o->psn > ENDMT_PSN_MASK) {
		fprintf(stderr, "rcpeer: QPNs and PSNs are 24 bits\n");
		return -EINVAL;
	}
	return 0;
bad_addr:
	fprintf(stderr, "rcpeer: bad IPv6 address '%s'\n", optarg);
	return -EINVAL;
}

int main(int argc, char **argv)
{
	struct opts o = {
		.mtu = 1024, .op_write = 1, .timeout_ms = 100, .max_retries = 100,
		.seed = 1, .window = 64, .msg_bytes = 65536, .ack_every = 16,
		.va = 0x10000000ull, .rkey = 0x1234, .idle_ms = 20000, .linger_ms = 1000,
		.cnp_gap_us = 50, .rai_mbps = 100,
	};
	struct sigaction sa = { .sa_handler = on_signal };

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (!strcmp(argv[1], "selftest"))
		return selftest();
	if (!strcmp(argv[1], "recv"))
		o.recv = 1;
	else if (strcmp(argv[1], "send")) {
		usage(stderr);
		return 2;
	}
	if (parse_args(argc - 1, argv + 1, &o))
		return 2;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	return o.recv ? responder_run(&o) : requester_run(&o);
}
