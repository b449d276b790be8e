/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The IPFIX (RFC 7011) form of a postcard (include/endmt/ioam.h): the
 * information elements, the one template, and the record both the agent's
 * exporter (tm_export.c) and `endmt collect` (collect.c) use, so the two
 * cannot disagree.  docs/TELEMETRY.md, "Export (IPFIX)", lists every IE. */
#ifndef ENDMT_TM_IPFIX_H
#define ENDMT_TM_IPFIX_H

#include <stdint.h>
#include <fixbuf/public.h>
#include "endmt/ioam.h"

/* RFC 5612 reserves Private Enterprise Number 32473 for documentation and
 * examples: endmt has no PEN of its own, and a number taken from the
 * registry's list of real enterprises would claim somebody else's. */
#define TM_IPFIX_PEN		32473
#define TM_IPFIX_TID		256	/* the postcard template, internal and external */
#define TM_IPFIX_TID_ACK	257	/* the ACK-state template */
#define TM_IPFIX_TID_PM		258	/* alternate marking: a period's counts */
#define TM_IPFIX_TID_DMARK	259	/* alternate marking: a D-marked packet */
#define TM_IPFIX_PORT		"4739"	/* RFC 7011 §10.3.4 (IANA "ipfix") */

/* Enterprise IE numbers under TM_IPFIX_PEN. */
enum tm_ipfix_ie {
	TM_IE_KIND = 1,		/* endmtPostcardKind, unsigned8 */
	TM_IE_NODE_ID,		/* endmtNodeId, unsigned32 */
	TM_IE_PROXY,		/* endmtGroupProxy, ipv6Address */
	TM_IE_DQPN,		/* endmtGroupDqpn, unsigned32 */
	TM_IE_PSN,		/* endmtPsn, unsigned32 */
	TM_IE_NS_ID,		/* endmtIoamNamespaceId, unsigned16 */
	TM_IE_TRACE_TYPE,	/* endmtIoamTraceType, unsigned32 */
	TM_IE_COPIES,		/* endmtCopies, unsigned32 */
	TM_IE_NODE_DATA,	/* endmtIoamNodeData, octetArray (variable) */
	TM_IE_TRACE_FLAGS,	/* endmtIoamTraceFlags, unsigned8 */
	TM_IE_NODES,		/* endmtIoamNodes, unsigned8 */
	/* The ACK-state template: one receiver branch (edge) or device branch
	 * (transit, head) of a group as the node's endmt_groups has it. */
	TM_IE_ACK_PSN,		/* endmtAckPsn, unsigned32 */
	TM_IE_DATA_PSN,		/* endmtDataPsn, unsigned32 */
	TM_IE_ACK_LAG,		/* endmtAckLag, unsigned32: PSNs */
	TM_IE_RESP_AGE_MS,	/* endmtResponseAgeMs, unsigned32 */
	TM_IE_ACKS,		/* endmtAcks, unsigned64 */
	TM_IE_NAKS,		/* endmtNaks, unsigned64 */
	TM_IE_CNPS,		/* endmtCnps, unsigned64 */
	TM_IE_BRANCH_KIND,	/* endmtBranchKind, unsigned8 */
	TM_IE_ACK_FLAGS,	/* endmtAckFlags, unsigned8 */
	/* Alternate marking (RFC 9341; templates TM_IPFIX_TID_PM and
	 * TM_IPFIX_TID_DMARK, docs/PM.md).  From 32: room above. */
	TM_IE_PM_PERIOD = 32,	/* endmtPmPeriod, unsigned64: period index k */
	TM_IE_PM_FLOW,		/* endmtPmFlowId, unsigned32: FlowMonID / Flow-ID Label */
	TM_IE_PM_ENC,		/* endmtPmEncoding, unsigned8: 1 SRv6, 2 MPLS */
	TM_IE_PM_COLOUR,	/* endmtPmColour, unsigned8: L, k & 1 */
	TM_IE_PM_PKT_KEY,	/* endmtPmPacketKey, unsigned32 */
};

/* endmtBranchKind: what names the branch. */
enum tm_branch_kind {
	TM_BRANCH_RECEIVER = 1,	/* destinationIPv6Address: the receiver (an edge) */
	TM_BRANCH_IFINDEX = 2,	/* egressInterface: the device (transit, head) */
};

/* endmtAckFlags */
#define TM_ACK_F_STALE		0x01	/* the agent's liveness mark holds */
#define TM_ACK_F_LAG		0x02	/* endmtAckLag is valid (the node notes
					 * the group's data PSN: head, edge) */
#define TM_ACK_F_RESPONDED	0x04	/* endmtResponseAgeMs is valid */
#define TM_ACK_F_FAILED		0x08	/* fatal NAK: the receiver's QP is in error */
#define TM_ACK_F_NAK_PENDING	0x10	/* a NAK outstanding (endmt_branch) */
#define TM_ACK_AGE_MAX		0xffffffffu	/* endmtResponseAgeMs saturates */

/* The internal record (fixbuf's memory layout of the template: fields in
 * template order, widest first so none needs padding but the tail). */
struct tm_rec {
	uint64_t export_ntp;	/* observationTimeNanoseconds, NTP format */
	uint64_t obs_point;	/* observationPointId: node_id << 32 | in_ifindex */
	fbVarfield_t data;	/* endmtIoamNodeData */
	uint8_t src[16];	/* sourceIPv6Address: outer source (the head) */
	uint8_t dst[16];	/* destinationIPv6Address: outer destination */
	uint8_t proxy[16];
	uint32_t in_if;		/* ingressInterface */
	uint32_t out_if;	/* egressInterface: the exporter's own entry's */
	uint32_t node_id, dqpn, psn, trace_type, copies;
	uint16_t ns_id;
	uint8_t kind, flags, nodes;
	uint8_t pad[7];		/* paddingOctets, internal template only */
};

/* The ACK-state record, fixbuf's memory layout of template
 * TM_IPFIX_TID_ACK (widest first, no padding but the tail's). */
struct tm_ack_rec {
	uint64_t export_ntp;	/* observationTimeNanoseconds, NTP format */
	uint64_t acks, naks, cnps;
	uint8_t proxy[16];	/* endmtGroupProxy */
	uint8_t addr[16];	/* destinationIPv6Address: the receiver, or :: */
	uint32_t out_if;	/* egressInterface: the device, or 0 */
	uint32_t node_id, dqpn;
	uint32_t ack_psn, data_psn, lag, age_ms;
	uint8_t kind;		/* enum tm_branch_kind */
	uint8_t flags;		/* TM_ACK_F_* */
	uint8_t pad[2];		/* paddingOctets, internal template only */
};

/* A period's counts at one counting point (the agent's period reader,
 * pm_period.c): fixbuf's memory layout of template TM_IPFIX_TID_PM. */
struct tm_pm_rec {
	uint64_t start_ntp;	/* flowStartNanoseconds: k * T */
	uint64_t end_ntp;	/* flowEndNanoseconds: (k + 1) * T */
	uint64_t packets;	/* packetDeltaCount */
	uint64_t bytes;		/* octetDeltaCount */
	uint64_t period;	/* endmtPmPeriod */
	uint32_t node_id;	/* endmtNodeId */
	uint32_t flow;		/* endmtPmFlowId */
	uint8_t enc;		/* endmtPmEncoding */
	uint8_t point;		/* flowDirection: 0 ingress (IN), 1 egress (OUT) */
	uint8_t colour;		/* endmtPmColour */
	uint8_t pad[5];		/* paddingOctets, internal template only */
};

/* A D-marked packet counted at one point: template TM_IPFIX_TID_DMARK. */
struct tm_dmark_rec {
	uint64_t obs_ntp;	/* observationTimeNanoseconds: when counted */
	uint64_t period;	/* endmtPmPeriod: obs / T at the exporter */
	uint32_t node_id;	/* endmtNodeId */
	uint32_t flow;		/* endmtPmFlowId */
	uint32_t pkt_key;	/* endmtPmPacketKey */
	uint8_t enc;		/* endmtPmEncoding */
	uint8_t point;		/* flowDirection */
	uint8_t colour;		/* endmtPmColour */
	uint8_t pad[1];		/* paddingOctets, internal template only */
};

/* "HOST:PORT", "[IPV6]:PORT", "HOST", a bare IPv6 address, ":PORT"
 * (empty host) -> host and service (TM_IPFIX_PORT when none is given), for
 * the agent's --ipfix and collect's --listen.  0 or -EINVAL. */
#define TM_HOST_MAX 256
#define TM_SVC_MAX 16
int tm_ipfix_hostport(const char *s, char host[TM_HOST_MAX], char svc[TM_SVC_MAX]);

/* The information model: IANA's and endmt's elements.  NULL: no memory. */
fbInfoModel_t *tm_ipfix_model(void);
/* A session holding the internal templates (and, for an exporter, the
 * external ones) under TM_IPFIX_TID, TM_IPFIX_TID_ACK,
 * TM_IPFIX_TID_PM and TM_IPFIX_TID_DMARK.  NULL with *err set on failure. */
fbSession_t *tm_ipfix_session(fbInfoModel_t *model, gboolean exporter, GError **err);

/* An exporter's session to observation domain `domain`: fixbuf keeps
 * external templates per domain, so the templates are added to a new one
 * (*added: and fixbuf has written it into the buffer already). */
gboolean tm_ipfix_domain(fbSession_t *s, uint32_t domain, gboolean *added, GError **err);

/* Postcard <-> record.  The record points into pc's data (from) or the
 * message buffer (to: copied out, at most ENDMT_IOAM_SLOTS_MAX entries). */
void tm_rec_from_postcard(struct tm_rec *r, const struct endmt_postcard *pc);
void tm_rec_to_postcard(const struct tm_rec *r, struct endmt_postcard *pc);

/* fixbuf (glib) logs on its own (a UDP send refused, "packets will be
 * lost"): its messages go to stderr as "STAMP endmt WHO: ipfix: ...", at most
 * one every 10 s unless -v, debug output only with -vv. */
void tm_ipfix_log_init(const char *who);

/* CLOCK_REALTIME nanoseconds <-> the NTP format of dateTimeNanoseconds
 * (RFC 7011 §6.1.10: seconds since 1900 . 2^-32 fractions). */
uint64_t tm_ns_to_ntp(uint64_t ns);
uint64_t tm_ntp_to_ns(uint64_t ntp);

#endif
