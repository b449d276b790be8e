/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef ENDMT_ROLES_H
#define ENDMT_ROLES_H

#include <stdbool.h>
#include <stdint.h>
#include "endmt.h"

/* A role's programs; its name is role_names[role]. */
struct role_desc {
	const char *xdp_prog;
	const char *tc_prog;	/* TC ingress */
};
extern const struct role_desc role_descs[ROLE__N];

struct role_obj {
	void *skel;
	struct bpf_object *obj;	/* opened, not loaded: libxdp loads it */
	void (*destroy)(void *skel);
};

/* Opens the role's skeleton with maps reused from pin_root and the End.MT
 * TLV type in rodata.  Returns 0 or -errno. */
int role_open(enum endmt_role role, uint8_t tlv_type, const char *pin_root,
	      struct role_obj *ro);
void role_close(struct role_obj *ro);

#endif
