/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* rcpeer: the code both roles share (see rc.h), and the selftest of the ICRC. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <linux/udp.h>
#include <zlib.h>
#include "icrc_full.h"
#include "rc.h"

volatile sig_atomic_t stop_sig;

/* The payload: splitmix64 of the seed, so a receiver regenerates and
 * verifies it without seeing the sender's buffer. */
void fill_data(uint8_t *buf, uint64_t n, uint64_t seed)
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
uint32_t roce_icrc(const struct in6_addr *sa, const struct in6_addr *da,
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

void put_bth(uint8_t *b, uint8_t op, uint8_t pad, uint32_t dqpn, int becn,
	     int ackreq, uint32_t psn)
{
	b[0] = op;
	b[1] = (uint8_t)(pad << 4);		/* SE 0, M 0, TVer 0 */
	put16(b + 2, 0xffff);			/* default P_Key */
	put32(b + 4, (becn ? ENDMT_BTH_BECN : 0) | (dqpn & ENDMT_BTH_QPN_MASK));
	put32(b + 8, (ackreq ? ENDMT_BTH_ACKREQ : 0) | (psn & ENDMT_BTH_PSN_MASK));
}

int sock_open(struct sock *s, const struct opts *o)
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
	if (setsockopt(s->fd, IPPROTO_UDP, UDP_NO_CHECK6_RX, &one, sizeof(one)) ||
	    (o->udp_csum0 &&
	     setsockopt(s->fd, IPPROTO_UDP, UDP_NO_CHECK6_TX, &one, sizeof(one))))
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
int sock_send(struct sock *s, uint8_t *pkt, size_t len)
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

/* Non-blocking receive of one datagram.  1 when one was read, 0 when none
 * is waiting, -errno on error. */
int sock_recv(struct sock *s, struct rx *r)
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

void wait_readable(int fd, uint64_t ns)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	struct timespec ts = { .tv_sec = (time_t)(ns / 1000000000ull),
			       .tv_nsec = (long)(ns % 1000000000ull) };

	ppoll(&p, 1, &ts, NULL);
}

void addr_str(const struct in6_addr *a, char *buf)
{
	inet_ntop(AF_INET6, a, buf, INET6_ADDRSTRLEN);
}

/* Writes the report to stdout and, if asked, to a file. */
void emit(const struct opts *o, const char *json)
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

/* The ICRC of this tool (zlib, reconstructed headers) must equal the
 * project's reference (lib/icrc_full.c over a real IPv6 packet) for every
 * packet shape the tool sends. */
int selftest(void)
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

