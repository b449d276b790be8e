// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The role objects, through their skeletons: which programs each role
 * attaches where, and the rodata knobs set before load (the End.MT TLV
 * type: only the edge parses TLVs; the head's come ready-made in its
 * template, the transit response path reads none). */
#include <errno.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "roles.h"
#include "head.skel.h"
#include "transit.skel.h"
#include "edge.skel.h"

const struct role_desc role_descs[ROLE__N] = {
	[ROLE_HEAD]    = { "endmt_head_xdp",    "endmt_head_tc" },
	[ROLE_TRANSIT] = { "endmt_transit_xdp", "endmt_transit_tc" },
	[ROLE_EDGE]    = { "endmt_edge_xdp",    "endmt_edge_tc" },
};

/* set_rodata: the knobs this object reads, written before load. */
#define ROLE_OPEN(sk, set_rodata)					\
	do {								\
		struct sk *s = sk##__open_opts(oo);			\
									\
		if (!s)							\
			return -errno;					\
		set_rodata;						\
		ro->skel = s;						\
		ro->obj = s->obj;					\
		ro->destroy = (void (*)(void *))sk##__destroy;		\
	} while (0)

int role_open(enum endmt_role role, uint8_t tlv_type, const char *pin_root,
	      struct role_obj *ro)
{
	LIBBPF_OPTS(bpf_object_open_opts, oo_, .pin_root_path = pin_root);
	struct bpf_object_open_opts *oo = &oo_;

	memset(ro, 0, sizeof(*ro));
	switch (role) {
	case ROLE_HEAD:
		ROLE_OPEN(endmt_head, (void)s);
		break;
	case ROLE_TRANSIT:
		ROLE_OPEN(endmt_transit, (void)s);
		break;
	case ROLE_EDGE:
		ROLE_OPEN(endmt_edge, s->rodata->cfg_tlv_type = tlv_type);
		break;
	default:
		return -EINVAL;
	}
	return 0;
}

void role_close(struct role_obj *ro)
{
	if (ro->skel)
		ro->destroy(ro->skel);
	memset(ro, 0, sizeof(*ro));
}
