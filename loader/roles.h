/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef ENDMT_ROLES_H
#define ENDMT_ROLES_H

#include <stdbool.h>
#include <stdint.h>
#include "endmt.h"

struct role_desc {
	const char *name;
	const char *xdp_prog;	/* always present */
	const char *tc_prog;	/* TC ingress */
	bool tc_required;	/* attach fails without it (every role has one now;
				 * the flag stays for roles that may not) */
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
