/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Reference classifier of the edge's XDP half for test_edge_xdp's fuzz,
 * written from the specifications, not from bpf/: RFC 8200 (IPv6), RFC 8754
 * (SRH), draft-li-spring-rdma-multicast-over-srv6-00 §6.2 and §7.2 (End.MT,
 * "the draft"), and where they leave a choice open, docs/DECISIONS.md
 * ("DECISIONS") and docs/PROTOCOL.md.  Each rule cites where it comes from.
 * What the specifications do not fix is only which counter names a drop:
 * when a packet breaks several rules, the first rule below names it. */
#ifndef ENDMT_TEST_EDGE_REF_H
#define ENDMT_TEST_EDGE_REF_H

#include <stdint.h>
#include <string.h>
#include <netinet/in.h>
#include "endmt/maps.h"
#include "endmt/meta.h"
#include "endmt/roce.h"
#include "endmt/srh.h"
#include "endmt/stats.h"
#include "wire.h"

struct refcfg {
	struct in6_addr sid, edge;	/* the local End.MT SID, its Edge Node Address */
	uint32_t flags, max_rcv;	/* the SID's entry (max_rcv 0: default) */
	uint8_t tlv_type;		/* the configured End.MT TLV type */
};

static inline unsigned int ref_g16(const uint8_t *p) { return (unsigned int)(p[0] << 8 | p[1]); }

/* The End.MT TLVs associated with our Edge Node Address, RFC 8754 §2.1 TLV
 * walk over [off, end).  A verdict, or -1 with m->tlv_off/ntlv/nrcv set. */
static inline int ref_tlvs(const uint8_t *f, size_t off, size_t end, const struct refcfg *cfg,
			   struct endmt_meta *m)
{
	while (off < end) {
		size_t tl;

		/* RFC 8754 §2.1.1.1: Pad1 is one octet, Type 0, no Length */
		if (f[off] == ENDMT_TLV_PAD1) {
			off++;
			continue;
		}
		/* RFC 8754 §2.1: every other TLV has Type and Length, and Length
		 * octets of value (PadN §2.1.1.2, HMAC §2.1.2, unknown types
		 * alike); none may reach past Hdr Ext Len (§2: the TLVs are
		 * part of the header) */
		if (off + W_TLV_HLEN > end)
			return ENDMT_STAT_DROP_TLV_TRUNC;
		tl = W_TLV_HLEN + f[off + W_TLV_LEN];
		if (off + tl > end)
			return ENDMT_STAT_DROP_TLV_TRUNC;
		/* Only End.MT TLVs are ours; PadN, HMAC (not verified: DECISIONS
		 * "Not done") and unknown types are skipped, RFC 8754 §2.1
		 * leaves their processing to local configuration. */
		if (f[off] == cfg->tlv_type) {
			const uint8_t *t = f + off;

			/* draft §7.2: a TLV too short for its own head has no
			 * Edge Node Address to tell whose it is: unreadable */
			if (tl < W_MT_HLEN)
				return ENDMT_STAT_DROP_TLV_NRCV;
			/* draft §6.2 S04 parses "the End.MT TLV associated with
			 * S"; §7.2: associated = Edge Node Address.  Another
			 * edge's TLV is that edge's to use, but DECISIONS
			 * "End.MT TLVs that lie" holds every End.MT TLV to
			 * §7.2's Length (a chain edge forwards them all). */
			if (memcmp(t + W_MT_EDGE, &cfg->edge, 16)) {
				if (tl != W_MT_HLEN + W_MT_RCV_LEN * (size_t)t[W_MT_NRCV])
					return ENDMT_STAT_DROP_TLV_NRCV;
			} else {
				/* draft §7.2: Length = value octets = 2 Reserved
				 * + 16 Edge Node Address + 1 Num Receivers + 3
				 * Reserved + 20 per receiver */
				if (tl != W_MT_HLEN + W_MT_RCV_LEN * (size_t)t[W_MT_NRCV])
					return ENDMT_STAT_DROP_TLV_NRCV;
				/* several of ours are concatenated (DECISIONS
				 * "Receivers per TLV"), at most
				 * ENDMT_MAX_NODE_TLVS (DECISIONS "TLVs per edge
				 * per packet") */
				if (m->ntlv == ENDMT_MAX_NODE_TLVS)
					return ENDMT_STAT_DROP_TOO_MANY_TLVS;
				m->tlv_off[m->ntlv++] = (uint16_t)off;
				m->nrcv += t[W_MT_NRCV];
			}
		}
		off += tl;
	}
	return -1;
}

/* The inner packet at f + in, up to the frame's end len: what the edge
 * copies (draft §6.2 S07-S10: a RoCEv2 RC request, per DECISIONS). */
static inline int ref_inner(const uint8_t *f, size_t in, size_t len)
{
	const uint8_t *x = f + in;
	size_t rem = len - in, plen, ulen;

	/* draft §6.2 S09-S10 rewrite BTH and ICRC: an IPv6/UDP/BTH inner
	 * packet must be whole before it can be judged (RFC 8200 §3, RFC
	 * 768, IBTA annex A17 RoCEv2: UDP port 4791) */
	if (rem < W_IP6_LEN)
		return ENDMT_STAT_DROP_BTH_TRUNC;
	if ((x[0] >> 4) != 6 || x[W_IP6_NEXTHDR] != IPPROTO_UDP)
		return ENDMT_STAT_DROP_INNER_NOT_ROCE;
	if (rem < W_IN_BTH)
		return ENDMT_STAT_DROP_BTH_TRUNC;
	if (ref_g16(x + W_IN_UDP_DPORT) != ENDMT_ROCE_PORT)
		return ENDMT_STAT_DROP_INNER_NOT_ROCE;
	if (rem < W_IN_RETH)
		return ENDMT_STAT_DROP_BTH_TRUNC;
	/* RFC 8200 §3 Payload Length and RFC 768 Length describe exactly
	 * the octets left; UDP header + BTH + ICRC at least */
	plen = ref_g16(x + W_IP6_PLEN), ulen = ref_g16(x + W_IN_UDP_LEN);
	if (W_IP6_LEN + plen != rem || ulen != plen ||
	    ulen < W_IN_RETH - W_IN_UDP + ENDMT_ICRC_LEN)
		return ENDMT_STAT_DROP_INNER_LEN;
	/* DECISIONS "Padding": IBTA pads to 4 octets (BTH PadCnt) */
	if ((ulen - (W_IN_BTH - W_IN_UDP)) % 4)
		return ENDMT_STAT_DROP_INNER_UNPADDED;
	/* DECISIONS "Opcodes on a group": RC SEND and RDMA WRITE, 0x00-0x0b */
	if (x[W_IN_OPCODE] > ENDMT_OP_WRITE_ONLY_IMM)
		return ENDMT_STAT_DROP_INNER_OPCODE;
	/* IBTA 9.3: WRITE FIRST/ONLY carry a RETH after the BTH */
	if (endmt_op_has_reth(x[W_IN_OPCODE]) &&
	    ulen < W_IN_RETH_END - W_IN_UDP + ENDMT_ICRC_LEN)
		return ENDMT_STAT_DROP_BTH_TRUNC;
	/* DECISIONS "Hop limits": copies leave as if routed, RFC 8200 §3 */
	if (x[W_IP6_HLIM] <= 1)
		return ENDMT_STAT_DROP_INNER_HLIM;
	/* draft §5.1: the head rewrites the inner SA to the Proxy Address,
	 * the inner DA; DECISIONS "Inner source address" */
	if (memcmp(x + W_IP6_SADDR, x + W_IP6_DADDR, 16))
		return ENDMT_STAT_DROP_INNER_SADDR;
	return -1;
}

/* The verdict counter of frame f (len octets) at an edge with cfg; for
 * ENDMT_STAT_ENDMT_RX the metadata it hands to TC in *m. */
static inline int ref_classify(const uint8_t *f, size_t len, const struct refcfg *cfg,
			       struct endmt_meta *m)
{
	const uint8_t *ip6 = f + W_OUT, *srh = f + W_SRH;
	size_t srh_end, max_le, max;
	unsigned int sl, le;
	int v;

	memset(m, 0, sizeof(*m));
	/* not IPv6: none of our business */
	if (len < W_ETH_LEN || ref_g16(f + W_ETH_PROTO) != ETH_P_IPV6)
		return ENDMT_STAT_PASS_NOT_OURS;
	if (len < W_SRH)
		return ENDMT_STAT_DROP_OUTER_TRUNC;
	/* draft §6.2: "a packet destined to S, where S is a local End.MT
	 * SID"; anything else (other DAs, Replication SIDs) goes on */
	if (memcmp(ip6 + W_IP6_DADDR, &cfg->sid, 16) || !(cfg->flags & ENDMT_SID_F_ENDMT))
		return ENDMT_STAT_PASS_NOT_OURS;
	/* RFC 8200 §3: Version = 6 */
	if ((ip6[0] >> 4) != 6)
		return ENDMT_STAT_DROP_OUTER_VERSION;
	/* RFC 2464 §7: a multicast frame to an IPv6 address goes to 33:33
	 * and its last 4 octets; any other group MAC (broadcast included) is
	 * not the SID's (DECISIONS "Destination MAC") */
	if ((f[0] & 1) && (f[0] != 0x33 || f[1] != 0x33 ||
			   memcmp(f + 2, ip6 + W_IP6_DADDR + 12, 4)))
		return ENDMT_STAT_DROP_OUTER_MAC;
	/* RFC 4291 §2.7: a multicast address is never a source; §2.5.2/§2.5.3:
	 * :: and ::1 never appear as a source on a link (DECISIONS "Outer
	 * source address") */
	{
		static const uint8_t zero15[15];
		const uint8_t *sa = ip6 + W_IP6_SADDR;

		if (sa[0] == 0xff || (!memcmp(sa, zero15, 15) && sa[15] <= 1))
			return ENDMT_STAT_DROP_OUTER_SADDR;
	}
	/* draft §6.2 S01/S14, Ref4: no SRH (RFC 8754 §2: Next Header 43,
	 * Routing Type 4) is not valid for End.MT */
	if (ip6[W_IP6_NEXTHDR] != ENDMT_NEXTHDR_ROUTING)
		return ENDMT_STAT_DROP_NO_SRH;
	if (len < W_SRH_SEGS)
		return ENDMT_STAT_DROP_SRH_TRUNC;
	if (srh[W_SRH_TYPE - W_SRH] != ENDMT_SRH_ROUTING_TYPE)
		return ENDMT_STAT_DROP_NO_SRH;
	/* draft §6.2 S01/S14, Ref4: SL = 0 is not valid for End.MT */
	sl = f[W_SRH_SL], le = f[W_SRH_LE];
	if (!sl)
		return ENDMT_STAT_DROP_SL_ZERO;
	/* RFC 8754 §2: Hdr Ext Len counts 8-octet units after the first 8 */
	srh_end = W_SRH + ENDMT_SRH_LEN(f[W_SRH_HDRLEN]);
	if (srh_end > len)
		return ENDMT_STAT_DROP_SRH_TRUNC;
	/* RFC 8754 §4.3.1.1: max_LE = (Hdr Ext Len / 2) - 1; Last Entry >
	 * max_LE or Segments Left > Last Entry + 1 is a Parameter Problem.
	 * SL = Last Entry + 1 is legal: a reduced SRH (§4.1.1) whose active
	 * segment, the DA, is not in the list (DECISIONS "Reduced SRH"). */
	max_le = f[W_SRH_HDRLEN] / 2;	/* max_LE + 1, never negative */
	if ((size_t)le + 1 > max_le || sl > le + 1)
		return ENDMT_STAT_DROP_SRH_LAST_ENTRY;
	/* DECISIONS "Segment-list loops": with SL > 1 the packet goes on
	 * (chain), and a segment still to visit, SRH[0..SL-1], equal to this
	 * SID brings it back here */
	if (sl > 1) {
		unsigned int i;

		for (i = 0; i < sl; i++)
			if (!memcmp(f + W_SRH_SEG(i), &cfg->sid, 16))
				return ENDMT_STAT_DROP_SRH_LOOP;
	}
	/* RFC 8754 §2: the TLVs follow Segment List[Last Entry] */
	v = ref_tlvs(f, W_SRH_SEG(le + 1), srh_end, cfg, m);
	if (v >= 0)
		return v;
	/* draft §6.2 S04: the End.MT TLV associated with S must be there */
	if (!m->ntlv)
		return ENDMT_STAT_DROP_NO_TLV;
	/* DECISIONS "TLVs per edge per packet": the SID's max_rcv, default
	 * ENDMT_DEF_MAX_RCV, never above ENDMT_MAX_RCV */
	max = cfg->max_rcv ? cfg->max_rcv : ENDMT_DEF_MAX_RCV;
	if (max > ENDMT_MAX_RCV)
		max = ENDMT_MAX_RCV;
	if (m->nrcv > max)
		return ENDMT_STAT_DROP_TOO_MANY_RCV;
	/* docs/PROTOCOL.md: the SRH carries the inner IPv6 packet (41) */
	if (srh[W_SRH_NEXTHDR - W_SRH] != ENDMT_NEXTHDR_IPV6)
		return ENDMT_STAT_DROP_INNER_NOT_ROCE;
	/* RFC 8200 §3: Payload Length = the octets after the IPv6 header;
	 * fewer in the frame is a truncated packet. */
	if (W_SRH + (size_t)ref_g16(ip6 + W_IP6_PLEN) > len)
		return ENDMT_STAT_DROP_OUTER_LEN;
	/* More in the frame are not part of the IPv6 packet (RFC 8200 §3: it
	 * ends at Payload Length); DECISIONS "Octets after the outer packet"
	 * refuses them at an edge. */
	if (W_SRH + (size_t)ref_g16(ip6 + W_IP6_PLEN) < len)
		return ENDMT_STAT_DROP_OUTER_LEN;
	v = ref_inner(f, srh_end, len);
	if (v >= 0)
		return v;
	m->magic = ENDMT_META_MAGIC;
	m->srh_off = W_SRH;
	m->inner_off = (uint16_t)srh_end;
	/* draft §6.2 S02 then S01 again downstream: SL - 1 > 0 means the
	 * outer packet also goes on to its next segment (DECISIONS "Segment
	 * list": chain mode) */
	m->flags = sl - 1 ? ENDMT_META_F_CHAIN : 0;
	/* DECISIONS "XDP fan-out": the SID lets TC know whether the XDP
	 * half may replicate it instead (every SID but `--fanout tc`) */
	if (!(cfg->flags & ENDMT_SID_F_TC_ONLY))
		m->flags |= ENDMT_META_F_FANOUT;
	return ENDMT_STAT_ENDMT_RX;
}

#endif /* ENDMT_TEST_EDGE_REF_H */
