/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Named counters (per-CPU array endmt_stats, index = enum value).
 *
 * The contract.  Every counter is of one of two kinds:
 *   VERDICT  why a program run ended.  Each run of an endmt program (XDP or
 *            TC, any role) counts exactly one verdict reason, through
 *            endmt_verdict() (bpf/dp/stats.h), so the verdicts of a program
 *            add up to the packets it saw and each packet is explained by
 *            exactly one of them.
 *   EVENT    something that happened along the way, any number of times
 *            per run (one per copy sent, a response seen), counted through
 *            endmt_event().  Events explain what a verdict did; they are
 *            never a packet's explanation.
 * test/unit/verdicts.c checks the contract for every role.
 *
 * One X-macro is the only list: X(kind, NAME, "name", "help").  BPF gets the
 * enum, userspace the names, helps and kinds.  New counters are appended
 * inside their section; the numbering is internal (userspace always reads
 * names from this table). */
#ifndef ENDMT_STATS_H
#define ENDMT_STATS_H

#define ENDMT_STAT_LIST(X)						\
	/* everything */							\
	X(VERDICT, PASS_NOT_OURS,       "pass_not_ours",       "not endmt traffic, passed on")	\
	/* edge, XDP: End.MT parse */						\
	X(VERDICT, ENDMT_RX,            "endmt_rx",            "packets to a local End.MT SID") \
	X(VERDICT, DROP_OUTER_TRUNC,    "drop_outer_truncated", "outer IPv6 header truncated") \
	X(VERDICT, DROP_OUTER_VERSION,  "drop_outer_version",  "packet to a local End.MT SID whose IP version is not 6 (RFC 8200)") \
	X(VERDICT, DROP_REPL_DEVICE,    "drop_repl_wrong_device", "packet to a Replication SID on a device the tree does not arrive on (from below, say)") \
	X(VERDICT, DROP_REPL_SOURCE,    "drop_repl_source",    "packet to a Replication SID whose outer source is outside its SR-domain source prefix") \
	X(VERDICT, DROP_SID_DEVICE,     "drop_endmt_wrong_device", "End.MT packet on a device the tree does not arrive on (a receiver LAN, say)") \
	X(VERDICT, DROP_SID_SOURCE,     "drop_endmt_source",   "End.MT packet whose outer source is outside the SID's SR-domain source prefix") \
	X(VERDICT, DROP_OUTER_MAC,      "drop_outer_mac",      "End.MT frame to a multicast MAC that is not its DA's (RFC 2464; broadcast too), or to another host's MAC") \
	X(VERDICT, DROP_OUTER_SADDR,    "drop_outer_saddr",    "outer source multicast, unspecified or loopback (RFC 4291): no head sends that") \
	X(VERDICT, DROP_NO_SRH,         "drop_no_srh",         "End.MT SID without an SRH")	\
	X(VERDICT, DROP_SL_ZERO,        "drop_sl_zero",        "End.MT SID with Segments Left 0") \
	X(VERDICT, DROP_SRH_TRUNC,      "drop_srh_truncated",  "SRH shorter than its Hdr Ext Len") \
	X(VERDICT, DROP_SRH_LAST_ENTRY, "drop_srh_last_entry", "Last Entry inconsistent with the SRH length") \
	X(VERDICT, DROP_SRH_LOOP,       "drop_srh_loop",       "segments still to visit name this End.MT SID again: a forwarding loop") \
	X(VERDICT, DROP_TLV_TRUNC,      "drop_tlv_truncated",  "TLV length runs past the SRH") \
	X(VERDICT, DROP_TLV_NRCV,       "drop_tlv_num_receivers", "Num Receivers inconsistent with TLV length") \
	X(VERDICT, DROP_NO_TLV,         "drop_no_tlv",         "no End.MT TLV for this node") \
	X(VERDICT, DROP_TOO_MANY_TLVS,  "drop_too_many_tlvs",  "more End.MT TLVs for this node than supported") \
	X(VERDICT, DROP_TOO_MANY_RCV,   "drop_too_many_receivers", "receiver count above the configured maximum") \
	X(VERDICT, DROP_INNER_NOT_ROCE, "drop_inner_not_roce", "inner packet not IPv6/UDP/4791") \
	X(VERDICT, DROP_BTH_TRUNC,      "drop_bth_truncated",  "inner BTH truncated")	\
	X(VERDICT, DROP_INNER_LEN,      "drop_inner_length",   "inner lengths disagree with the packet") \
	X(VERDICT, DROP_OUTER_LEN,      "drop_outer_length",   "outer payload length disagrees with the packet") \
	X(VERDICT, DROP_INNER_HLIM,     "drop_inner_hop_limit", "inner hop limit expires at this node") \
	X(VERDICT, DROP_INNER_SADDR,    "drop_inner_saddr",    "inner source is not the Proxy Address (the inner DA), as every head sets it") \
	X(VERDICT, DROP_CHAIN_STRICT,   "drop_chain_strict",   "chain mode (segments left after End.MT) at a strict SID: no tree apply builds goes on past an edge") \
	X(VERDICT, DROP_ENDMT_GROUP,    "drop_endmt_unknown_group", "End.MT packet of a group not configured at this edge (strict SID)") \
	X(VERDICT, DROP_INNER_UNPADDED, "drop_inner_unpadded", "inner UDP length - 8 not a multiple of 4 (IBTA pads; the ICRC must be aligned)") \
	X(VERDICT, DROP_INNER_OPCODE,   "drop_inner_opcode",   "inner opcode not an RC SEND/WRITE request (READ/ATOMIC have no single responder)") \
	X(VERDICT, DROP_HMAC_MISSING,   "drop_hmac_missing",   "End.MT SID requires an SRH HMAC TLV; the packet has none") \
	X(VERDICT, DROP_HMAC_DUP,       "drop_hmac_duplicate", "more than one SRH HMAC TLV") \
	X(VERDICT, DROP_HMAC_LEN,       "drop_hmac_length",    "SRH HMAC TLV whose Length is not 38 (HMAC-SHA256)") \
	X(VERDICT, DROP_HMAC_KEY,       "drop_hmac_unknown_key", "SRH HMAC Key ID not in endmt_hmac_keys, or not the SID's") \
	X(VERDICT, DROP_HMAC_MISMATCH,  "drop_hmac_mismatch",  "SRH HMAC field differs from the HMAC of the packet's text") \
	X(EVENT,   HMAC_OK,             "hmac_verified",       "End.MT packets whose SRH HMAC verified") \
	/* edge, TC: decapsulate and replicate */				\
	X(VERDICT, DROP_META,           "drop_bad_metadata",   "TC saw End.MT packet without valid XDP metadata") \
	X(VERDICT, DROP_DECAP,          "drop_decap_failed",   "bpf_skb_adjust_room failed") \
	X(EVENT,   FWD_COPY,            "fwd_copies",          "per-receiver copies sent") \
	X(EVENT,   FWD_CHAIN,           "fwd_chain",           "outer packets sent on to the next segment") \
	X(EVENT,   FWD_NO_ROUTE,        "fwd_no_route",        "copies dropped: no route to the receiver") \
	X(EVENT,   FWD_NEIGH_SLOW,      "fwd_neigh_slow_path", "copies handed to the stack to resolve the neighbour") \
	X(EVENT,   DROP_CLONE,          "drop_clone_failed",   "bpf_clone_redirect failed") \
	X(VERDICT, ENDMT_CONSUMED,      "endmt_consumed",      "original packets consumed after replication") \
	X(EVENT,   FWD_MTU,             "fwd_mtu_exceeded",    "copies dropped: larger than the egress MTU") \
	X(EVENT,   DROP_CHAIN_HLIM,     "drop_chain_hop_limit", "outer packet not sent on: hop limit expired") \
	X(VERDICT, DROP_ECN_NOT_ECT,    "drop_ecn_not_ect",    "outer CE over a Not-ECT inner packet: not decapsulated (RFC 6040)") \
	X(VERDICT, DROP_GSO,            "drop_gso",            "GRO-merged End.MT packet: one ICRC per datagram, cannot be rewritten as one") \
	X(VERDICT, FWD_SLOW_RX,         "fwd_slow_path_rx",    "slow-path copies back at ingress, handed to the stack to route") \
	X(VERDICT, DROP_SLOW_TYPE,      "drop_slow_path_type", "slow-path copy could not be made PACKET_HOST") \
	X(EVENT,   DROP_RCV_INVALID,    "drop_rcv_never_valid", "copies not made: a TLV receiver that is never valid (multicast, ::, ::1, v4-mapped, link-local, the Proxy Address; QPN 0, 1, 0xffffff)") \
	X(EVENT,   DROP_RCV_MEMBER,     "drop_rcv_not_member", "copies not made: a TLV receiver that is not a configured receiver of the packet's group (strict SID)") \
	X(EVENT,   DROP_RCV_DUP,        "drop_rcv_duplicate",  "copies not made: a TLV receiver address already listed in this packet (one copy per receiver)") \
	/* edge, XDP fan-out (include/endmt/fanout.h) */			\
	X(EVENT,   ENDMT_FANOUT,        "endmt_fanout",        "End.MT packets (endmt_rx) decapsulated and replicated in XDP (devmap broadcast): no TC half") \
	X(EVENT,   FANOUT_TC,           "fanout_to_tc",        "End.MT packets of a group with XDP slots that took the TC path (a receiver without a valid slot, chain mode, UDP checksum, too long for an egress)") \
	X(EVENT,   FWD_COPY_XDP,        "fwd_copies_xdp",      "per-receiver copies sent by the XDP fan-out (also counted in fwd_copies)") \
	X(EVENT,   FANOUT_SKIP,         "fanout_slot_skipped", "broadcast clones a slot discarded: its receiver is not in this packet's TLVs") \
	X(EVENT,   DROP_FANOUT_META,    "drop_fanout_decap",   "End.MT packets (endmt_rx) lost in the XDP fan-out's decapsulation: a metadata or head adjustment failed after the decision") \
	X(EVENT,   DROP_FANOUT_SLOT,    "drop_fanout_slot",    "XDP copies not sent: the slot changed between the decision and the copy, or the frame is not what the decision saw") \
	/* head: H.Encaps.MT */							\
	X(VERDICT, HEAD_ENCAP,          "head_encap",          "source packets encapsulated, then routed by the kernel or replicated here (repl_copies)") \
	X(VERDICT, DROP_HEAD_ENCAP,     "drop_head_encap_failed", "could not push the outer headers") \
	X(VERDICT, DROP_HEAD_MTU,       "drop_head_mtu",       "encapsulated packet exceeds the MTU") \
	X(VERDICT, DROP_HEAD_MALFORMED, "drop_head_malformed", "group packet with truncated or inconsistent lengths, or GSO") \
	X(VERDICT, DROP_HEAD_NO_GROUP,  "drop_head_no_group",  "encap template without a group entry") \
	X(VERDICT, DROP_HEAD_SRC,       "drop_head_src_mismatch", "group packet not from the group's source address") \
	X(VERDICT, DROP_HEAD_UNPADDED,  "drop_head_unpadded",  "group packet whose UDP length - 8 is not a multiple of 4 (IBTA pads)") \
	X(VERDICT, DROP_HEAD_OPCODE,    "drop_head_opcode",    "group packet not an RC SEND/WRITE request: READ/ATOMIC to many has no single responder") \
	/* transit: RFC 9524 replication */					\
	X(VERDICT, REPL_RX,             "repl_rx",             "packets that arrived for a local Replication SID, replicated and consumed") \
	X(EVENT,   REPL_COPY,           "repl_copies",         "copies sent to downstream SIDs") \
	X(VERDICT, DROP_REPL_TRUNC,     "drop_repl_truncated", "IPv6 header truncated; Replication SID packet not version 6 or shorter than its payload length") \
	X(VERDICT, DROP_REPL_PAYLOAD,   "drop_repl_payload",   "Replication SID packet neither SRH nor IPv6-in-IPv6: a new DA would break its checksum") \
	X(VERDICT, DROP_REPL_HLIM,      "drop_repl_hop_limit", "Replication SID packet whose hop limit expires here") \
	X(VERDICT, DROP_REPL_ENTRY,     "drop_repl_bad_entry", "replication entry with 0 or more than ENDMT_MAX_REPL downstream SIDs") \
	X(EVENT,   DROP_REPL_LOOP,      "drop_repl_loop",      "copies not sent: downstream SID is a local Replication SID") \
	/* telemetry (include/endmt/ioam.h): edge, fork, head */		\
	X(VERDICT, DROP_HBH,            "drop_hbh_malformed",  "End.MT or Replication SID packet whose Hop-by-Hop header is truncated, longer than endmt reads (512 octets), or has an option running past it") \
	X(VERDICT, DROP_HBH_OPTION,     "drop_hbh_option",     "Hop-by-Hop option unknown to endmt whose action bits say discard (RFC 8200 4.2)") \
	X(EVENT,   TM_TRACE_ADDED,      "tm_traces",           "head: packets sent with an IOAM trace (sampled)") \
	X(EVENT,   TM_TRACE_MTU,        "tm_trace_mtu",        "head: sampled packets sent without a trace, which would not fit the MTU") \
	X(EVENT,   TM_POSTCARD,         "tm_postcards",        "postcards exported: a trace's last section (edge) or a section ending at a fork") \
	X(EVENT,   TM_POSTCARD_LOST,    "tm_postcards_lost",   "postcards not exported: the ring buffer was full (no agent reading it?)") \
	X(EVENT,   TM_TRACE_BAD,        "tm_trace_malformed",  "IOAM trace whose lengths (Opt Data Len, NodeLen, RemainingLen) disagree: neither filled nor exported, forwarded as it is or stripped with the outer header") \
	X(EVENT,   TM_TRACE_FOREIGN,    "tm_trace_foreign",    "IOAM option of another namespace, option type or trace type, or telemetry off here: forwarded untouched, not exported") \
	X(EVENT,   TM_TRACE_FULL,       "tm_trace_full",       "IOAM trace with no room left for this node: Overflow flag set (RFC 9197 4.4.1)") \
	X(VERDICT, DROP_DOH,            "drop_doh_malformed",  "End.MT or Replication SID packet whose Destination Options header is truncated, longer than endmt reads (64 octets), or has an option running past it") \
	X(VERDICT, DROP_DOH_OPTION,     "drop_doh_option",     "Destination option unknown to endmt whose action bits say discard (RFC 8200 4.2)") \
	X(EVENT,   PM_MARKED,           "pm_marked",           "marker (head, ingress LER): packets sent with an alternate mark") \
	X(EVENT,   PM_MARK_MTU,         "pm_mark_mtu",         "head: packets of a marked group sent unmarked, as the mark would not fit the MTU") \
	X(EVENT,   PM_COUNTED,          "pm_counted",          "packets counted in a configured flow's period counters") \
	X(EVENT,   PM_UNKNOWN_FLOW,     "pm_unknown_flow",     "alternate mark of a flow not configured on this node: not counted, forwarded as it is") \
	X(EVENT,   PM_DMARKS_LOST,      "pm_dmarks_lost",      "D-marked packets whose timestamp the ring buffer had no room for (no agent reading it?)") \
	X(EVENT,   PM_AM_BAD,           "pm_altmark_malformed", "AltMark option with an Opt Data Len other than 4 or a FlowMonID of 0: not counted, forwarded as it is") \
	/* MPLS (RFC 9714, bpf/mpls.bpf.c): ingress LER, counting node, egress */	\
	X(VERDICT, MPLS_MARKED,         "mpls_marked",         "ingress LER: packets of a configured flow sent with XL+FLI+FL inserted (also pm_marked)") \
	X(VERDICT, MPLS_MARK_MTU,       "mpls_mark_mtu",       "ingress LER: packets of a configured flow sent unmarked: 12 more octets would not fit the device MTU") \
	X(VERDICT, MPLS_MARK_FAILED,    "mpls_mark_failed",    "ingress LER: packets of a configured flow sent unmarked: GSO, or no room could be made (bpf_skb_change_head)") \
	X(VERDICT, MPLS_FLOW_RX,        "mpls_flow_rx",        "MPLS packets with a well-formed XL+FLI+FL within the readable depth: counted (pm_counted or pm_unknown_flow), passed on") \
	X(VERDICT, MPLS_E2E_PASS,       "mpls_e2e_passed",     "MPLS packets whose Flow-ID Label has T=1 (edge to edge) at a node not set as edge-to-edge processing: not counted, passed on") \
	X(VERDICT, MPLS_TOO_DEEP,       "mpls_too_deep",       "MPLS packets whose Flow-ID Label (or bottom of stack) lies deeper than this node reads (FRLD): not counted or marked, passed on") \
	X(VERDICT, DROP_MPLS_MALFORMED, "drop_mpls_fli_malformed", "MPLS packets with an XL or FLI with BoS set (no FL follows) or an XL followed by a reserved value 0-15") \
	X(VERDICT, DROP_MPLS_FL,        "drop_mpls_fl_invalid", "MPLS packets whose Flow-ID Label is 0-15 or has a TTL other than 0 (RFC 9714 §3)") \
	X(VERDICT, DROP_MPLS_TRUNC,     "drop_mpls_truncated", "MPLS frames that end inside the label stack (before its bottom entry)") \
	X(VERDICT, MPLS_POPPED,         "mpls_popped",         "egress: packets counted and XL+FLI+FL removed, the rest left to the kernel's MPLS") \
	X(VERDICT, DROP_MPLS_POP,       "drop_mpls_pop_failed", "egress: XL+FLI+FL could not be removed (head adjustment failed, or no label left and a payload neither IPv4 nor IPv6)") \
	/* responses (all roles) */						\
	X(EVENT,   RESP_RX,             "resp_rx",             "responses to a known group") \
	X(VERDICT, RESP_ACK_FWD,        "resp_ack_forwarded",  "ACKs forwarded (group minimum advanced)") \
	X(VERDICT, RESP_ACK_ABSORBED,   "resp_ack_absorbed",   "ACKs absorbed (minimum did not advance)") \
	X(VERDICT, RESP_ACK_STALE,      "resp_ack_stale",      "ACKs older than the branch's AckPSN") \
	X(VERDICT, RESP_ACK_DUP,        "resp_ack_duplicate",  "ACKs repeating the branch's AckPSN (answers to a retransmission), absorbed") \
	X(VERDICT, RESP_ACK_REPEAT,     "resp_ack_repeated",   "group minimum sent upstream again: every branch repeated its AckPSN") \
	X(VERDICT, RESP_NAK_FWD,        "resp_nak_forwarded",  "PSN sequence NAKs forwarded") \
	X(VERDICT, RESP_NAK_ABSORBED,   "resp_nak_absorbed",   "PSN sequence NAKs absorbed (same ePSN, no progress)") \
	X(VERDICT, RESP_RNR_FWD,        "resp_rnr_forwarded",  "RNR NAKs forwarded, PSN at most the group minimum + 1") \
	X(VERDICT, RESP_RNR_ABSORBED,   "resp_rnr_absorbed",   "RNR NAKs absorbed: same PSN forwarded within its RNR timer") \
	X(VERDICT, RESP_FATAL_FWD,      "resp_fatal_nak_forwarded", "fatal NAKs forwarded, PSN at most the group minimum + 1") \
	X(VERDICT, RESP_CNP_COUNTED,    "resp_cnp_counted",    "CNPs counted for the window") \
	X(VERDICT, RESP_CNP_CAPPED,     "resp_cnp_capped",     "CNPs over the per-branch cap, not counted") \
	X(VERDICT, DROP_RESP_GROUP,     "drop_resp_unknown_group", "response to the Proxy Address with an unknown QPN") \
	X(VERDICT, DROP_RESP_BRANCH,    "drop_resp_unknown_branch", "response from outside the branch set") \
	X(VERDICT, DROP_RESP_MOVED,     "drop_resp_branch_moved", "response whose branch a concurrent configuration change moved") \
	X(VERDICT, DROP_RESP_MALFORMED, "drop_resp_malformed", "truncated or inconsistent response headers") \
	X(VERDICT, DROP_RESP_OPCODE,    "drop_resp_opcode",    "response opcode endmt does not aggregate") \
	X(VERDICT, RESP_NAK_STALE,      "resp_nak_stale",      "PSN sequence NAKs older than the branch's AckPSN or ePSN") \
	X(VERDICT, DROP_PROXY_DATA,     "drop_proxy_data",     "a request (not a response) to a Proxy Address that did not come in on the head's source link") \
	X(VERDICT, DROP_RESP_ORIGIN,    "drop_resp_unknown_origin", "response whose source address is no receiver or child node of the group below this node") \
	X(VERDICT, DROP_RESP_WRONG_DEV, "drop_resp_wrong_device", "response from a known source address on another device than the one toward it") \
	X(VERDICT, DROP_RESP_PSN_AHEAD, "drop_resp_psn_ahead", "ACK/NAK whose PSN is after every data PSN this node forwarded (or before any)")

enum endmt_stat_kind {
	ENDMT_STAT_KIND_VERDICT,
	ENDMT_STAT_KIND_EVENT,
};
/* What `endmt show` calls each kind: ENDMT_STAT_KIND_NAME_##kind. */
#define ENDMT_STAT_KIND_NAME_VERDICT "verdict"
#define ENDMT_STAT_KIND_NAME_EVENT   "event"
/* What each kind means, in a sentence (the agent's /metrics HELP lines). */
#define ENDMT_STAT_KIND_HELP_VERDICT \
	"Program runs by the reason they ended: each run of an endmt program counts exactly one verdict, so a program's verdicts add up to the packets it saw"
#define ENDMT_STAT_KIND_HELP_EVENT \
	"Things that happened along the way (a copy sent, a response seen), any number per program run; never a packet's explanation"

#define ENDMT_STAT_ENUM(kind, name, str, help) ENDMT_STAT_##name,
enum endmt_stat {
	ENDMT_STAT_LIST(ENDMT_STAT_ENUM)
	ENDMT_STAT_MAX
};
#undef ENDMT_STAT_ENUM

/* The kind of counter s (generated from the list). */
#define ENDMT_STAT_KIND_CASE(kind, name, str, help) \
	case ENDMT_STAT_##name: return ENDMT_STAT_KIND_##kind;
static inline enum endmt_stat_kind endmt_stat_kind(enum endmt_stat s)
{
	switch (s) {
	ENDMT_STAT_LIST(ENDMT_STAT_KIND_CASE)
	default: return ENDMT_STAT_KIND_EVENT;
	}
}
#undef ENDMT_STAT_KIND_CASE

#define ENDMT_STATS_SLOTS 128	/* endmt_stats max_entries: room to append */
_Static_assert(ENDMT_STAT_MAX <= ENDMT_STATS_SLOTS, "grow ENDMT_STATS_SLOTS");

#endif /* ENDMT_STATS_H */
