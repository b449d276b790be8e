/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* rcpeer: what the requester (requester.c), the responder (responder.c) and
 * the command line (main.c) share: options, the UDP socket of a peer, the
 * ICRC (zlib) and the packet helpers (rc.c).  main.c says what the tool is. */
#ifndef RCPEER_RC_H
#define RCPEER_RC_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include "endmt/icrc.h"
#include "endmt/roce.h"
#include "util.h"

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
	int udp_csum0;		/* send UDP checksum 0 (UDP_NO_CHECK6_TX), as rxe */
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

/* The signal that asked us to stop (SIGTERM, SIGINT), 0 until then. */
extern volatile sig_atomic_t stop_sig;


/* The UDP socket of a peer: bound to [local]:4791, sends to [peer]:4791, so
 * both ports of every packet (and so its ICRC) are known. */
struct sock {
	int fd;
	struct in6_addr local, peer;
	uint64_t send_errors;
};

struct rx {
	uint8_t buf[PKT_MAX + 64];
	size_t len;
	struct in6_addr src;
	uint16_t sport;
	int tclass;
	int icrc_ok;
};

void fill_data(uint8_t *buf, uint64_t n, uint64_t seed);
uint32_t roce_icrc(const struct in6_addr *sa, const struct in6_addr *da,
		   uint16_t sport, uint16_t dport, const uint8_t *bth, size_t len);
void put_bth(uint8_t *b, uint8_t op, uint8_t pad, uint32_t dqpn, int becn,
	     int ackreq, uint32_t psn);
int sock_open(struct sock *s, const struct opts *o);
int sock_send(struct sock *s, uint8_t *pkt, size_t len);
int sock_recv(struct sock *s, struct rx *r);
void wait_readable(int fd, uint64_t ns);
void addr_str(const struct in6_addr *a, char *buf);
void emit(const struct opts *o, const char *json);
int selftest(void);

/* The roles: exit status 0 on success, 1 on a failed transfer, 2 when
 * interrupted or out of resources; the report is JSON (emit). */
int requester_run(const struct opts *o);
int responder_run(const struct opts *o);

#endif
