/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* rdmacast: an ordinary libibverbs RC endpoint of an endmt group, for the
 * rdma_rxe interop test (vmtest/rxe_endmt.sh).  Nothing in it knows about
 * multicast: it is what an unmodified RDMA application does, connected to the
 * Proxy Address.
 *
 *   rdmacast send ...   the source: one RC QP with remote GID = Proxy Address
 *                       and remote QPN = Designated QPN.  Posts, per chunk of
 *                       --msg bytes, an RDMA WRITE of the chunk and then a
 *                       SEND of its first --send-bytes; every work request is
 *                       signalled and every completion must be a success.
 *   rdmacast recv ...   a receiver: one RC QP with the same remote GID and
 *                       QPN (it is a normal RC peer of the Proxy), a buffer
 *                       registered for remote write, one receive posted per
 *                       SEND the source will make.  The last SEND completes
 *                       after every WRITE before it was placed (RC ordering),
 *                       so then the buffer and the SEND payloads are checked.
 *
 * Control plane (what the test provides, out of the draft's scope): QPNs,
 * PSNs and memory keys are exchanged through files.  Each side writes --info
 * (key value lines: qpn, psn, and for a receiver va, rkey, len) once its QP
 * exists, atomically (rename).  The source then waits for --go, which names
 * the va and rkey its RETHs carry (the first receiver's; the edges translate
 * for the others).  A receiver, once done, waits for --stop (so it keeps
 * answering retransmissions another branch causes) and exits.
 *
 * Data: --bytes of a xorshift64 stream seeded with --seed, the same on every
 * side, so each side checks independently; --dump writes the buffer (the
 * source's data, a receiver's WRITE target) for a byte-for-byte cmp.
 * Exit 0 on success, 1 on a failed transfer or check, 2 on a usage error.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/mman.h>
#include <infiniband/verbs.h>

#define PORT_NUM 1
#define MAX_OUTSTANDING 32

struct opts {
	int recv;
	const char *dev, *info, *go, *stop, *dump;
	struct in6_addr addr, proxy;
	int have_addr, have_proxy;
	uint32_t dqpn, psn;
	uint64_t bytes, msg, send_bytes, seed;
	int timeout_s, ack_timeout;
	int have_dqpn;
};

struct ep {
	struct ibv_context *ctx;
	struct ibv_pd *pd;
	struct ibv_cq *cq;
	struct ibv_qp *qp;
	struct ibv_mr *mr, *rmr;
	uint8_t *buf, *rbuf;	/* data buffer; receive slots (recv only) */
	size_t buf_len, rbuf_len;
	int gid_index;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void fill(uint8_t *p, uint64_t n, uint64_t seed)
{
	uint64_t x = seed ? seed : 0x9e3779b97f4a7c15ULL, i;

	for (i = 0; i < n; i++) {
		if (i % 8 == 0) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
		}
		p[i] = (uint8_t)(x >> (8 * (i % 8)));
	}
}

static uint64_t nchunks(const struct opts *o)
{
	return (o->bytes + o->msg - 1) / o->msg;
}

static int parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;
	uint64_t mul = 1;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s)
		return -EINVAL;
	if (*end == 'K' || *end == 'k')
		mul = 1024, end++;
	else if (*end == 'M' || *end == 'm')
		mul = 1024 * 1024, end++;
	if (*end || v > max / mul)
		return -ERANGE;
	*out = v * mul;
	return 0;
}

/* Index of this device's GID that equals ADDR (rxe fills the table from
 * the netdev's addresses, asynchronously: wait up to 10 s). */
static int find_gid(struct ep *e, const struct in6_addr *addr)
{
	struct ibv_port_attr pa;
	union ibv_gid gid;
	int i, try;

	for (try = 0; try < 100; try++) {
		if (ibv_query_port(e->ctx, PORT_NUM, &pa))
			return -errno;
		for (i = 0; i < pa.gid_tbl_len; i++) {
			if (ibv_query_gid(e->ctx, PORT_NUM, i, &gid))
				continue;
			if (!memcmp(gid.raw, addr, 16))
				return i;
		}
		usleep(100000);
	}
	return -ENOENT;
}

static int write_info(const char *path, const char *text)
{
	char tmp[4096];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f)
		return -errno;
	fputs(text, f);
	if (fclose(f))
		return -errno;
	return rename(tmp, path) ? -errno : 0;
}

/* Waits for PATH to exist; with KEY, reads "KEY value" from it. */
static int wait_file(const char *path, int timeout_s, const char *key, uint64_t *val)
{
	double end = now_s() + timeout_s;
	char line[256], k[64];
	unsigned long long v;
	FILE *f;
	int found = 0;

	while (!(f = fopen(path, "r"))) {
		if (now_s() > end)
			return -ETIMEDOUT;
		usleep(50000);
	}
	while (key && fgets(line, sizeof(line), f))
		if (sscanf(line, "%63s %lli", k, (long long *)&v) == 2 && !strcmp(k, key)) {
			*val = v;
			found = 1;
		}
	fclose(f);
	return key && !found ? -ENOENT : 0;
}

static int ep_open(struct ep *e, const struct opts *o)
{
	struct ibv_device **list;
	struct ibv_qp_init_attr ia = { 0 };
	uint64_t n = nchunks(o);
	int i, num, err = 0;

	list = ibv_get_device_list(&num);
	if (!list)
		return -errno;
	for (i = 0; i < num; i++)
		if (!strcmp(ibv_get_device_name(list[i]), o->dev))
			break;
	if (i == num) {
		ibv_free_device_list(list);
		fprintf(stderr, "rdmacast: no RDMA device %s\n", o->dev);
		return -ENODEV;
	}
	e->ctx = ibv_open_device(list[i]);
	ibv_free_device_list(list);
	if (!e->ctx)
		return -errno;
	e->gid_index = find_gid(e, &o->addr);
	if (e->gid_index < 0) {
		fprintf(stderr, "rdmacast: %s has no GID for the given --addr\n", o->dev);
		return e->gid_index;
	}
	e->pd = ibv_alloc_pd(e->ctx);
	e->cq = e->pd ? ibv_create_cq(e->ctx, 2 * (int)n + 2 * MAX_OUTSTANDING + 16, NULL, NULL, 0) : NULL;
	if (!e->cq)
		return -errno;
	e->buf_len = o->bytes;
	e->buf = mmap(NULL, e->buf_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (e->buf == MAP_FAILED)
		return -errno;
	if (o->recv) {
		/* A receiver's buffer starts as something else than the data, so
		 * a WRITE that never arrived shows. */
		memset(e->buf, 0xa5, e->buf_len);
		e->rbuf_len = n * o->send_bytes;
		e->rbuf = mmap(NULL, e->rbuf_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (e->rbuf == MAP_FAILED)
			return -errno;
		memset(e->rbuf, 0x5a, e->rbuf_len);
		e->mr = ibv_reg_mr(e->pd, e->buf, e->buf_len,
				   IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE);
		e->rmr = e->mr ? ibv_reg_mr(e->pd, e->rbuf, e->rbuf_len, IBV_ACCESS_LOCAL_WRITE) : NULL;
		if (!e->rmr)
			return -errno;
	} else {
		fill(e->buf, e->buf_len, o->seed);
		e->mr = ibv_reg_mr(e->pd, e->buf, e->buf_len, IBV_ACCESS_LOCAL_WRITE);
		if (!e->mr)
			return -errno;
	}
	ia.send_cq = e->cq;
	ia.recv_cq = e->cq;
	ia.qp_type = IBV_QPT_RC;
	ia.cap.max_send_wr = MAX_OUTSTANDING;
	ia.cap.max_recv_wr = o->recv ? (uint32_t)n : 1;
	ia.cap.max_send_sge = 1;
	ia.cap.max_recv_sge = 1;
	e->qp = ibv_create_qp(e->pd, &ia);
	if (!e->qp)
		err = -errno;
	return err;
}

static void ep_close(struct ep *e)
{
	if (e->qp)
		ibv_destroy_qp(e->qp);
	if (e->rmr)
		ibv_dereg_mr(e->rmr);
	if (e->mr)
		ibv_dereg_mr(e->mr);
	if (e->cq)
		ibv_destroy_cq(e->cq);
	if (e->pd)
		ibv_dealloc_pd(e->pd);
	if (e->ctx)
		ibv_close_device(e->ctx);
	if (e->buf && e->buf != MAP_FAILED)
		munmap(e->buf, e->buf_len);
	if (e->rbuf && e->rbuf != MAP_FAILED)
		munmap(e->rbuf, e->rbuf_len);
}

/* RESET -> INIT -> RTR (-> RTS for the source).  Both roles connect to
 * (Proxy Address, Designated QPN); rq_psn is the receiver's own start PSN
 * (the edge shifts the source's PSNs by the receiver's psn_offset), sq_psn
 * the source's. */
static int ep_connect(struct ep *e, const struct opts *o)
{
	struct ibv_qp_attr a = { 0 };

	a.qp_state = IBV_QPS_INIT;
	a.pkey_index = 0;
	a.port_num = PORT_NUM;
	a.qp_access_flags = o->recv ? IBV_ACCESS_REMOTE_WRITE : 0;
	if (ibv_modify_qp(e->qp, &a, IBV_QP_STATE | IBV_QP_PKEY_INDEX | IBV_QP_PORT | IBV_QP_ACCESS_FLAGS))
		return -errno;

	memset(&a, 0, sizeof(a));
	a.qp_state = IBV_QPS_RTR;
	a.path_mtu = IBV_MTU_1024;
	a.dest_qp_num = o->dqpn;
	a.rq_psn = o->psn;
	a.max_dest_rd_atomic = 1;
	a.min_rnr_timer = 12;
	a.ah_attr.is_global = 1;
	memcpy(a.ah_attr.grh.dgid.raw, &o->proxy, 16);
	a.ah_attr.grh.sgid_index = e->gid_index;
	a.ah_attr.grh.hop_limit = 64;
	a.ah_attr.port_num = PORT_NUM;
	if (ibv_modify_qp(e->qp, &a, IBV_QP_STATE | IBV_QP_AV | IBV_QP_PATH_MTU | IBV_QP_DEST_QPN |
			  IBV_QP_RQ_PSN | IBV_QP_MAX_DEST_RD_ATOMIC | IBV_QP_MIN_RNR_TIMER))
		return -errno;
	if (o->recv)
		return 0;

	memset(&a, 0, sizeof(a));
	a.qp_state = IBV_QPS_RTS;
	/* 4.096 us * 2^timeout: rxe's ACK timer.  Under TCG an ACK through
	 * three routers can take longer than the usual 14 (67 ms). */
	a.timeout = o->ack_timeout;
	a.retry_cnt = 7;
	a.rnr_retry = 7;
	a.sq_psn = o->psn;
	a.max_rd_atomic = 1;
	if (ibv_modify_qp(e->qp, &a, IBV_QP_STATE | IBV_QP_TIMEOUT | IBV_QP_RETRY_CNT |
			  IBV_QP_RNR_RETRY | IBV_QP_SQ_PSN | IBV_QP_MAX_QP_RD_ATOMIC))
		return -errno;
	return 0;
}

static int qp_state(struct ibv_qp *qp)
{
	struct ibv_qp_attr a;
	struct ibv_qp_init_attr ia;

	if (ibv_query_qp(qp, &a, IBV_QP_STATE, &ia))
		return -errno;
	return a.qp_state;
}

static const char *state_name(int s)
{
	static const char *n[] = { "RESET", "INIT", "RTR", "RTS", "SQD", "SQE", "ERR" };

	return s >= 0 && s < 7 ? n[s] : "?";
}

static int dump(const char *path, const uint8_t *p, size_t n)
{
	FILE *f;

	if (!path)
		return 0;
	f = fopen(path, "w");
	if (!f)
		return -errno;
	if (fwrite(p, 1, n, f) != n) {
		fclose(f);
		return -EIO;
	}
	return fclose(f) ? -errno : 0;
}

static int run_send(struct ep *e, const struct opts *o)
{
	uint64_t n = nchunks(o), posted = 0, done = 0, va = 0, rkey = 0, total = 2 * n;
	uint64_t writes = 0, sends = 0;
	struct ibv_wc wc[16];
	double t0, end;
	char text[256];
	int err, i, k, st;

	snprintf(text, sizeof(text), "qpn %u\npsn %u\n", e->qp->qp_num, o->psn);
	err = write_info(o->info, text);
	if (err)
		return err;
	/* The go file names the remote buffer (va, rkey) every RETH carries. */
	err = wait_file(o->go, o->timeout_s, "va", &va);
	err = err ?: wait_file(o->go, o->timeout_s, "rkey", &rkey);
	if (err) {
		fprintf(stderr, "rdmacast: no va/rkey in %s: %s\n", o->go, strerror(-err));
		return err;
	}
	err = ep_connect(e, o);
	if (err) {
		fprintf(stderr, "rdmacast: connecting the QP failed: %s\n", strerror(-err));
		return err;
	}
	t0 = now_s();
	end = t0 + o->timeout_s;
	while (done < total) {
		/* WR i: even = WRITE of chunk i/2, odd = SEND of its head. */
		while (posted < total && posted - done < MAX_OUTSTANDING) {
			uint64_t c = posted / 2, off = c * o->msg;
			uint64_t len = o->bytes - off < o->msg ? o->bytes - off : o->msg;
			struct ibv_sge sge = { .addr = (uintptr_t)e->buf + off, .lkey = e->mr->lkey };
			struct ibv_send_wr wr = { 0 }, *bad;

			wr.wr_id = posted;
			wr.sg_list = &sge;
			wr.num_sge = 1;
			wr.send_flags = IBV_SEND_SIGNALED;
			if (posted % 2 == 0) {
				wr.opcode = IBV_WR_RDMA_WRITE;
				wr.wr.rdma.remote_addr = va + off;
				wr.wr.rdma.rkey = (uint32_t)rkey;
				sge.length = (uint32_t)len;
			} else {
				wr.opcode = IBV_WR_SEND;
				sge.length = (uint32_t)(len < o->send_bytes ? len : o->send_bytes);
			}
			if (ibv_post_send(e->qp, &wr, &bad)) {
				err = -errno;
				fprintf(stderr, "rdmacast: ibv_post_send #%" PRIu64 ": %s\n", posted, strerror(errno));
				return err;
			}
			posted++;
		}
		k = ibv_poll_cq(e->cq, 16, wc);
		if (k < 0) {
			fprintf(stderr, "rdmacast: ibv_poll_cq failed\n");
			return -EIO;
		}
		for (i = 0; i < k; i++) {
			if (wc[i].status != IBV_WC_SUCCESS) {
				fprintf(stderr, "rdmacast: work request %" PRIu64 " (%s) completed with %s (%d), QP %s\n",
					(uint64_t)wc[i].wr_id, wc[i].wr_id % 2 ? "SEND" : "RDMA WRITE",
					ibv_wc_status_str(wc[i].status), wc[i].status,
					state_name(qp_state(e->qp)));
				return -EIO;
			}
			if (wc[i].wr_id != done ||
			    wc[i].opcode != (done % 2 ? IBV_WC_SEND : IBV_WC_RDMA_WRITE)) {
				fprintf(stderr, "rdmacast: completion %" PRIu64 " out of order (wr_id %" PRIu64 ", opcode %d)\n",
					done, (uint64_t)wc[i].wr_id, wc[i].opcode);
				return -EIO;
			}
			if (done % 2)
				sends++;
			else
				writes++;
			done++;
		}
		if (!k && now_s() > end) {
			fprintf(stderr, "rdmacast: timeout: %" PRIu64 " of %" PRIu64 " completions, QP %s\n",
				done, total, state_name(qp_state(e->qp)));
			return -ETIMEDOUT;
		}
		if (!k)
			usleep(200);
	}
	st = qp_state(e->qp);
	printf("rdmacast send: %" PRIu64 " RDMA WRITEs and %" PRIu64 " SENDs of %" PRIu64 " bytes in %.3f s, all completions successful, QP %s (qpn %u, psn %u)\n",
	       writes, sends, o->bytes, now_s() - t0, state_name(st), e->qp->qp_num, o->psn);
	if (st != IBV_QPS_RTS) {
		fprintf(stderr, "rdmacast: the QP is in state %s, not RTS\n", state_name(st));
		return -EIO;
	}
	return dump(o->dump, e->buf, e->buf_len);
}

static int run_recv(struct ep *e, const struct opts *o)
{
	uint64_t n = nchunks(o), got = 0, i, bad = 0;
	uint8_t *want;
	struct ibv_wc wc[16];
	double end;
	char text[512];
	int err, k, j;

	err = ep_connect(e, o);
	if (err) {
		fprintf(stderr, "rdmacast: connecting the QP failed: %s\n", strerror(-err));
		return err;
	}
	/* Every receive before the info file: the source may start as soon as
	 * the test has read it, and an RNR NAK is not what this test is about. */
	for (i = 0; i < n; i++) {
		struct ibv_sge sge = { .addr = (uintptr_t)e->rbuf + i * o->send_bytes,
				       .length = (uint32_t)o->send_bytes, .lkey = e->rmr->lkey };
		struct ibv_recv_wr wr = { .wr_id = i, .sg_list = &sge, .num_sge = 1 }, *badwr;

		if (ibv_post_recv(e->qp, &wr, &badwr)) {
			err = -errno;
			fprintf(stderr, "rdmacast: ibv_post_recv: %s\n", strerror(errno));
			return err;
		}
	}
	snprintf(text, sizeof(text), "qpn %u\npsn %u\nva 0x%" PRIx64 "\nrkey 0x%x\nlen %zu\n",
		 e->qp->qp_num, o->psn, (uint64_t)(uintptr_t)e->buf, e->mr->rkey, e->buf_len);
	err = write_info(o->info, text);
	if (err)
		return err;

	end = now_s() + o->timeout_s;
	while (got < n) {
		k = ibv_poll_cq(e->cq, 16, wc);
		if (k < 0)
			return -EIO;
		for (j = 0; j < k; j++) {
			if (wc[j].status != IBV_WC_SUCCESS || wc[j].opcode != IBV_WC_RECV ||
			    wc[j].wr_id != got) {
				fprintf(stderr, "rdmacast: receive %" PRIu64 ": %s (%d), opcode %d, wr_id %" PRIu64 "\n",
					got, ibv_wc_status_str(wc[j].status), wc[j].status, wc[j].opcode,
					(uint64_t)wc[j].wr_id);
				return -EIO;
			}
			got++;
		}
		if (!k && now_s() > end) {
			fprintf(stderr, "rdmacast: timeout: %" PRIu64 " of %" PRIu64 " SENDs received, QP %s\n",
				got, n, state_name(qp_state(e->qp)));
			return -ETIMEDOUT;
		}
		if (!k)
			usleep(200);
	}
	/* The last SEND is behind every WRITE: the buffer is final now. */
	want = malloc(o->bytes);
	if (!want)
		return -ENOMEM;
	fill(want, o->bytes, o->seed);
	for (i = 0; i < o->bytes; i++)
		bad += e->buf[i] != want[i];
	for (i = 0; i < n; i++) {
		uint64_t off = i * o->msg, len = o->bytes - off < o->msg ? o->bytes - off : o->msg;

		if (len > o->send_bytes)
			len = o->send_bytes;
		if (memcmp(e->rbuf + i * o->send_bytes, want + off, len)) {
			fprintf(stderr, "rdmacast: SEND %" PRIu64 " payload differs\n", i);
			bad++;
		}
	}
	free(want);
	printf("rdmacast recv: %" PRIu64 " SENDs received, %" PRIu64 " bytes written, %" PRIu64 " wrong, QP %s (qpn %u, psn %u)\n",
	       got, o->bytes, bad, state_name(qp_state(e->qp)), e->qp->qp_num, o->psn);
	fflush(stdout);
	err = dump(o->dump, e->buf, e->buf_len);
	if (err)
		return err;
	/* Stay: another branch's loss makes the source retransmit to every
	 * receiver, and this QP must still be there to re-ACK. */
	if (o->stop && wait_file(o->stop, o->timeout_s, NULL, NULL))
		fprintf(stderr, "rdmacast: no %s after %d s\n", o->stop, o->timeout_s);
	return bad ? -EIO : 0;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: rdmacast send|recv --dev RXE --addr GID --proxy ADDR --dqpn N --info FILE [options]\n"
		"  --dev RXE          RDMA device (e.g. an rdma_rxe link)\n"
		"  --addr ADDR        this endpoint's IPv6 address (its GID on --dev)\n"
		"  --proxy ADDR       Proxy Address (the remote GID of every QP)\n"
		"  --dqpn N           Designated QPN (the remote QPN of every QP)\n"
		"  --psn N            start PSN: sq_psn of the source, rq_psn of a receiver (0)\n"
		"  --bytes N[K|M]     data size (1M); --msg N: per WRITE (64K); --send-bytes N: per SEND (4K)\n"
		"  --seed N           data seed (1)\n"
		"  --info FILE        written once the QP exists (qpn, psn; receivers: va, rkey, len)\n"
		"  --go FILE          send: wait for it, read va and rkey for the RETHs\n"
		"  --stop FILE        recv: once done, wait for it before exiting\n"
		"  --dump FILE        write the data buffer here at the end\n"
		"  --ack-timeout N    send: QP timeout exponent (18 = 1 s)\n"
		"  --timeout S        give up after S seconds (120)\n");
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "dev", 1, 0, 'd' }, { "addr", 1, 0, 'a' }, { "proxy", 1, 0, 'p' },
		{ "dqpn", 1, 0, 'q' }, { "psn", 1, 0, 's' }, { "bytes", 1, 0, 'b' },
		{ "msg", 1, 0, 'm' }, { "send-bytes", 1, 0, 'S' }, { "seed", 1, 0, 'r' },
		{ "info", 1, 0, 'i' }, { "go", 1, 0, 'g' }, { "stop", 1, 0, 'x' },
		{ "dump", 1, 0, 'D' }, { "timeout", 1, 0, 't' }, { "ack-timeout", 1, 0, 'A' },
		{ 0 }
	};
	struct opts o = { .bytes = 1 << 20, .msg = 64 << 10, .send_bytes = 4096, .seed = 1,
			  .timeout_s = 120, .ack_timeout = 18 };
	struct ep e = { 0 };
	uint64_t v;
	int c, err, li = 0;

	if (argc < 2 || (strcmp(argv[1], "send") && strcmp(argv[1], "recv"))) {
		usage();
		return 2;
	}
	o.recv = !strcmp(argv[1], "recv");
	optind = 2;
	while ((c = getopt_long(argc, argv, "", lo, &li)) != -1) {
		err = 0;
		switch (c) {
		case 'd': o.dev = optarg; break;
		case 'a': err = inet_pton(AF_INET6, optarg, &o.addr) == 1 ? 0 : -EINVAL; o.have_addr = 1; break;
		case 'p': err = inet_pton(AF_INET6, optarg, &o.proxy) == 1 ? 0 : -EINVAL; o.have_proxy = 1; break;
		case 'q': err = parse_u64(optarg, 0xffffff, &v); o.dqpn = (uint32_t)v; o.have_dqpn = 1; break;
		case 's': err = parse_u64(optarg, 0xffffff, &v); o.psn = (uint32_t)v; break;
		case 'b': err = parse_u64(optarg, 1ULL << 30, &o.bytes); break;
		case 'm': err = parse_u64(optarg, 1ULL << 30, &o.msg); break;
		case 'S': err = parse_u64(optarg, 1ULL << 20, &o.send_bytes); break;
		case 'r': err = parse_u64(optarg, UINT64_MAX, &o.seed); break;
		case 'i': o.info = optarg; break;
		case 'g': o.go = optarg; break;
		case 'x': o.stop = optarg; break;
		case 'D': o.dump = optarg; break;
		case 't': err = parse_u64(optarg, 86400, &v); o.timeout_s = (int)v; break;
		case 'A': err = parse_u64(optarg, 31, &v); o.ack_timeout = (int)v; break;
		default: usage(); return 2;
		}
		if (err) {
			fprintf(stderr, "rdmacast: bad value '%s' for --%s\n", optarg, lo[li].name);
			return 2;
		}
	}
	if (!o.dev || !o.have_addr || !o.have_proxy || !o.have_dqpn || !o.info ||
	    (!o.recv && !o.go) || !o.bytes || !o.msg || !o.send_bytes) {
		usage();
		return 2;
	}
	err = ep_open(&e, &o);
	if (err)
		fprintf(stderr, "rdmacast: setting up %s failed: %s\n", o.dev, strerror(-err));
	else
		err = o.recv ? run_recv(&e, &o) : run_send(&e, &o);
	ep_close(&e);
	return err ? 1 : 0;
}
