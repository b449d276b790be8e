// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The IPFIX template of a postcard (tm_ipfix.h): one table of enterprise
 * elements and one spec array, the exporter's and the collector's. */
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include "endmt.h"
#include "tm_ipfix.h"

/* Numbers are host order in the record (FB_IE_F_ENDIAN: fixbuf swaps
 * them); addresses and octet arrays are octets, never swapped. */
#define EN(name, num, len, type, desc) \
	FB_IE_INIT_FULL(name, TM_IPFIX_PEN, num, len, FB_IE_F_ENDIAN, 0, 0, type, desc)
#define EO(name, num, len, type, desc) \
	FB_IE_INIT_FULL(name, TM_IPFIX_PEN, num, len, 0, 0, 0, type, desc)

static fbInfoElement_t tm_ies[] = {
	EN("endmtPostcardKind", TM_IE_KIND, 1, FB_UINT_8, "1 edge, 2 fork (enum endmt_pc_kind)"),
	EN("endmtNodeId", TM_IE_NODE_ID, 4, FB_UINT_32, "exporter's IOAM node_id"),
	EO("endmtGroupProxy", TM_IE_PROXY, 16, FB_IP6_ADDR, "group: Proxy Address"),
	EN("endmtGroupDqpn", TM_IE_DQPN, 4, FB_UINT_32, "group: Designated QPN"),
	EN("endmtPsn", TM_IE_PSN, 4, FB_UINT_32, "BTH PSN of the sampled packet"),
	EN("endmtIoamNamespaceId", TM_IE_NS_ID, 2, FB_UINT_16, "IOAM Namespace-ID"),
	EN("endmtIoamTraceType", TM_IE_TRACE_TYPE, 4, FB_UINT_32, "IOAM-Trace-Type, 24 bits"),
	EN("endmtCopies", TM_IE_COPIES, 4, FB_UINT_32, "copies the exporter made"),
	EO("endmtIoamNodeData", TM_IE_NODE_DATA, FB_IE_VARLEN, FB_OCTET_ARRAY,
	   "IOAM node data list as carried, newest entry first"),
	EN("endmtIoamTraceFlags", TM_IE_TRACE_FLAGS, 1, FB_UINT_8, "IOAM trace Flags"),
	EN("endmtIoamNodes", TM_IE_NODES, 1, FB_UINT_8, "entries in endmtIoamNodeData"),
	EN("endmtAckPsn", TM_IE_ACK_PSN, 4, FB_UINT_32, "branch: newest AckPSN, source PSN space"),
	EN("endmtDataPsn", TM_IE_DATA_PSN, 4, FB_UINT_32, "group: newest data PSN the node forwarded"),
	EN("endmtAckLag", TM_IE_ACK_LAG, 4, FB_UINT_32, "PSNs forwarded, not acknowledged (24-bit serial)"),
	EN("endmtResponseAgeMs", TM_IE_RESP_AGE_MS, 4, FB_UINT_32, "ms since the branch's last response"),
	EN("endmtAcks", TM_IE_ACKS, 8, FB_UINT_64, "branch: ACKs received"),
	EN("endmtNaks", TM_IE_NAKS, 8, FB_UINT_64, "branch: NAKs received"),
	EN("endmtCnps", TM_IE_CNPS, 8, FB_UINT_64, "branch: CNPs received"),
	EN("endmtBranchKind", TM_IE_BRANCH_KIND, 1, FB_UINT_8, "1 receiver address, 2 ifindex"),
	EN("endmtAckFlags", TM_IE_ACK_FLAGS, 1, FB_UINT_8, "1 stale, 2 lag valid, 4 responded, 8 failed, 16 NAK pending"),
	EN("endmtPmPeriod", TM_IE_PM_PERIOD, 8, FB_UINT_64, "alternate marking: period index, CLOCK_REALTIME / period"),
	EN("endmtPmFlowId", TM_IE_PM_FLOW, 4, FB_UINT_32, "FlowMonID (RFC 9343) or Flow-ID Label (RFC 9714)"),
	EN("endmtPmEncoding", TM_IE_PM_ENC, 1, FB_UINT_8, "1 SRv6 AltMark, 2 MPLS Flow-ID Label"),
	EN("endmtPmColour", TM_IE_PM_COLOUR, 1, FB_UINT_8, "the L bit of the period: index & 1"),
	EN("endmtPmPacketKey", TM_IE_PM_PKT_KEY, 4, FB_UINT_32, "names the D-marked packet at every node"),
	FB_IE_NULL
};

/* Spec flag: in the internal template only (the record's tail padding). */
#define TM_SPEC_INTERNAL 1

/* In struct tm_rec's order. */
static fbInfoElementSpec_t tm_spec[] = {
	{ "observationTimeNanoseconds", 8, 0 },
	{ "observationPointId", 8, 0 },
	{ "endmtIoamNodeData", FB_IE_VARLEN, 0 },
	{ "sourceIPv6Address", 16, 0 },
	{ "destinationIPv6Address", 16, 0 },
	{ "endmtGroupProxy", 16, 0 },
	{ "ingressInterface", 4, 0 },
	{ "egressInterface", 4, 0 },
	{ "endmtNodeId", 4, 0 },
	{ "endmtGroupDqpn", 4, 0 },
	{ "endmtPsn", 4, 0 },
	{ "endmtIoamTraceType", 4, 0 },
	{ "endmtCopies", 4, 0 },
	{ "endmtIoamNamespaceId", 2, 0 },
	{ "endmtPostcardKind", 1, 0 },
	{ "endmtIoamTraceFlags", 1, 0 },
	{ "endmtIoamNodes", 1, 0 },
	{ "paddingOctets", 7, TM_SPEC_INTERNAL },
	FB_IESPEC_NULL
};

/* In struct tm_ack_rec's order. */
static fbInfoElementSpec_t tm_ack_spec[] = {
	{ "observationTimeNanoseconds", 8, 0 },
	{ "endmtAcks", 8, 0 },
	{ "endmtNaks", 8, 0 },
	{ "endmtCnps", 8, 0 },
	{ "endmtGroupProxy", 16, 0 },
	{ "destinationIPv6Address", 16, 0 },
	{ "egressInterface", 4, 0 },
	{ "endmtNodeId", 4, 0 },
	{ "endmtGroupDqpn", 4, 0 },
	{ "endmtAckPsn", 4, 0 },
	{ "endmtDataPsn", 4, 0 },
	{ "endmtAckLag", 4, 0 },
	{ "endmtResponseAgeMs", 4, 0 },
	{ "endmtBranchKind", 1, 0 },
	{ "endmtAckFlags", 1, 0 },
	{ "paddingOctets", 2, TM_SPEC_INTERNAL },
	FB_IESPEC_NULL
};

/* In struct tm_pm_rec's order. */
static fbInfoElementSpec_t tm_pm_spec[] = {
	{ "flowStartNanoseconds", 8, 0 },
	{ "flowEndNanoseconds", 8, 0 },
	{ "packetDeltaCount", 8, 0 },
	{ "octetDeltaCount", 8, 0 },
	{ "endmtPmPeriod", 8, 0 },
	{ "endmtNodeId", 4, 0 },
	{ "endmtPmFlowId", 4, 0 },
	{ "endmtPmEncoding", 1, 0 },
	{ "flowDirection", 1, 0 },
	{ "endmtPmColour", 1, 0 },
	{ "paddingOctets", 5, TM_SPEC_INTERNAL },
	FB_IESPEC_NULL
};

/* In struct tm_dmark_rec's order. */
static fbInfoElementSpec_t tm_dmark_spec[] = {
	{ "observationTimeNanoseconds", 8, 0 },
	{ "endmtPmPeriod", 8, 0 },
	{ "endmtNodeId", 4, 0 },
	{ "endmtPmFlowId", 4, 0 },
	{ "endmtPmPacketKey", 4, 0 },
	{ "endmtPmEncoding", 1, 0 },
	{ "flowDirection", 1, 0 },
	{ "endmtPmColour", 1, 0 },
	{ "paddingOctets", 1, TM_SPEC_INTERNAL },
	FB_IESPEC_NULL
};

_Static_assert(sizeof(struct tm_pm_rec) == 5 * 8 + 2 * 4 + 3 + 5,
	       "tm_pm_rec must have no padding fixbuf does not know of");
_Static_assert(sizeof(struct tm_dmark_rec) == 2 * 8 + 3 * 4 + 3 + 1,
	       "tm_dmark_rec must have no padding fixbuf does not know of");

_Static_assert(sizeof(struct tm_ack_rec) == 8 * 4 + 32 + 7 * 4 + 2 + 2,
	       "tm_ack_rec must have no padding fixbuf does not know of");

_Static_assert(sizeof(struct tm_rec) == 8 + 8 + sizeof(fbVarfield_t) + 48 + 7 * 4 + 2 + 3 + 7,
	       "tm_rec must have no padding fixbuf does not know of");

fbInfoModel_t *tm_ipfix_model(void)
{
	fbInfoModel_t *m = fbInfoModelAlloc();

	if (m)
		fbInfoModelAddElementArray(m, tm_ies);
	return m;
}

static fbTemplate_t *tm_template(fbInfoModel_t *model, uint16_t tid, uint32_t flags,
				 GError **err)
{
	fbTemplate_t *t = fbTemplateAlloc(model);
	fbInfoElementSpec_t *spec = tid == TM_IPFIX_TID ? tm_spec :
				    tid == TM_IPFIX_TID_ACK ? tm_ack_spec :
				    tid == TM_IPFIX_TID_PM ? tm_pm_spec : tm_dmark_spec;

	if (t && !fbTemplateAppendSpecArray(t, spec, flags, err)) {
		fbTemplateFreeUnused(t);
		return NULL;
	}
	return t;
}

#define TM_NTIDS 4
static const uint16_t tm_tids[TM_NTIDS] = { TM_IPFIX_TID, TM_IPFIX_TID_ACK, TM_IPFIX_TID_PM,
					    TM_IPFIX_TID_DMARK };

fbSession_t *tm_ipfix_session(fbInfoModel_t *model, gboolean exporter, GError **err)
{
	fbSession_t *s = fbSessionAlloc(model);
	fbTemplate_t *t;
	size_t i;

	if (!s)
		return NULL;
	for (i = 0; i < TM_NTIDS; i++) {
		t = tm_template(model, tm_tids[i], TM_SPEC_INTERNAL, err);
		if (!t || !fbSessionAddTemplate(s, TRUE, tm_tids[i], t, err))
			goto fail;
		if (!exporter)
			continue;
		t = tm_template(model, tm_tids[i], 0, err);
		if (!t || !fbSessionAddTemplate(s, FALSE, tm_tids[i], t, err))
			goto fail;
	}
	return s;
fail:
	fbSessionFree(s);
	return NULL;
}

gboolean tm_ipfix_domain(fbSession_t *s, uint32_t domain, gboolean *added, GError **err)
{
	fbTemplate_t *t;
	size_t i;

	*added = FALSE;
	fbSessionSetDomain(s, domain);
	for (i = 0; i < TM_NTIDS; i++) {
		if (fbSessionGetTemplate(s, FALSE, tm_tids[i], NULL))
			continue;
		t = tm_template(fbSessionGetInfoModel(s), tm_tids[i], 0, err);
		if (!t || !fbSessionAddTemplate(s, FALSE, tm_tids[i], t, err))
			return FALSE;
		*added = TRUE;
	}
	return TRUE;
}

static unsigned int pc_nodes(const struct endmt_postcard *pc)
{
	return pc->nodes < ENDMT_IOAM_SLOTS_MAX ? pc->nodes : ENDMT_IOAM_SLOTS_MAX;
}

void tm_rec_from_postcard(struct tm_rec *r, const struct endmt_postcard *pc)
{
	const struct endmt_ioam_node *own = (const void *)pc->data;

	memset(r, 0, sizeof(*r));
	r->export_ntp = tm_ns_to_ntp(pc->export_ns);
	r->obs_point = (uint64_t)pc->node_id << 32 | pc->in_ifindex;
	r->data.buf = (uint8_t *)pc->data;
	r->data.len = pc_nodes(pc) * ENDMT_IOAM_NODE_OCTETS;
	memcpy(r->src, pc->outer_src, 16);
	memcpy(r->dst, pc->outer_dst, 16);
	memcpy(r->proxy, pc->proxy, 16);
	r->in_if = pc->in_ifindex;
	r->out_if = pc_nodes(pc) ? ntohs(own->out_if) : 0;
	r->node_id = pc->node_id;
	r->dqpn = pc->dqpn;
	r->psn = pc->psn;
	r->trace_type = pc->trace_type;
	r->copies = pc->copies;
	r->ns_id = pc->ns_id;
	r->kind = pc->kind;
	r->flags = pc->flags;
	r->nodes = pc_nodes(pc);
}

void tm_rec_to_postcard(const struct tm_rec *r, struct endmt_postcard *pc)
{
	size_t len = r->data.len < sizeof(pc->data) ? r->data.len : sizeof(pc->data);

	memset(pc, 0, sizeof(*pc));
	pc->kind = r->kind;
	pc->node_id = r->node_id;
	pc->export_ns = tm_ntp_to_ns(r->export_ntp);
	memcpy(pc->proxy, r->proxy, 16);
	pc->dqpn = r->dqpn;
	pc->psn = r->psn;
	pc->in_ifindex = r->in_if;
	pc->ns_id = r->ns_id;
	/* What the octets hold, whatever the count said. */
	pc->nodes = len / ENDMT_IOAM_NODE_OCTETS;
	if (r->nodes < pc->nodes)
		pc->nodes = r->nodes;
	pc->flags = r->flags;
	pc->trace_type = r->trace_type;
	pc->copies = r->copies;
	memcpy(pc->outer_src, r->src, 16);
	memcpy(pc->outer_dst, r->dst, 16);
	if (len)
		memcpy(pc->data, r->data.buf, len);
}

int tm_ipfix_hostport(const char *s, char host[TM_HOST_MAX], char svc[TM_SVC_MAX])
{
	const char *colon = strrchr(s, ':'), *end;
	size_t hl;

	snprintf(svc, TM_SVC_MAX, "%s", TM_IPFIX_PORT);
	if (s[0] == '[') {
		end = strchr(s, ']');
		if (!end || (end[1] && (end[1] != ':' || !end[2])))
			return -EINVAL;
		hl = end - s - 1;
		if (end[1] && snprintf(svc, TM_SVC_MAX, "%s", end + 2) >= TM_SVC_MAX)
			return -EINVAL;
		s++;
	} else if (colon && strchr(s, ':') == colon) {	/* one colon: host:port */
		hl = colon - s;
		if (!colon[1] || snprintf(svc, TM_SVC_MAX, "%s", colon + 1) >= TM_SVC_MAX)
			return -EINVAL;
	} else {		/* no port, or a bare IPv6 address */
		hl = strlen(s);
	}
	if (hl >= TM_HOST_MAX)
		return -EINVAL;
	memcpy(host, s, hl);
	host[hl] = '\0';
	return 0;
}

#define LOG_EVERY_NS (10ull * 1000000000)

static void on_glib_log(const gchar *domain, GLogLevelFlags level, const gchar *msg,
			gpointer who)
{
	static uint64_t next;
	uint64_t now = now_ns();

	(void)domain;
	if ((level & (G_LOG_LEVEL_DEBUG | G_LOG_LEVEL_INFO)) && env.verbose < 2)
		return;
	if (!env.verbose && now < next)
		return;
	next = now + LOG_EVERY_NS;
	log_stamp(stderr);	/* a daemon's line, as agent_log's */
	fprintf(stderr, "%s %s: ipfix: %s\n", env.prog, (const char *)who, msg);
}

void tm_ipfix_log_init(const char *who)
{
	g_log_set_default_handler(on_glib_log, (gpointer)who);
}

#define NTP_UNIX_OFFSET 2208988800ull	/* 1900-01-01 to 1970-01-01, seconds */

uint64_t tm_ns_to_ntp(uint64_t ns)
{
	uint64_t frac = ((ns % 1000000000ull) << 32) / 1000000000ull;

	return (ns / 1000000000ull + NTP_UNIX_OFFSET) << 32 | frac;
}

uint64_t tm_ntp_to_ns(uint64_t ntp)
{
	uint64_t sec = ntp >> 32, frac = ntp & 0xffffffffull;

	if (sec < NTP_UNIX_OFFSET)
		return 0;
	/* Rounded to the nearest: ns -> ntp -> ns gives ns back. */
	return (sec - NTP_UNIX_OFFSET) * 1000000000ull + ((frac * 1000000000ull + (1ull << 31)) >> 32);
}
