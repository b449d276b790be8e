/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The SRH HMAC keys of a node (endmt_hmac_keys), for the commands that
 * read them (loader/hmac.c has the commands themselves). */
#ifndef ENDMT_LOADER_HMAC_KEYS_H
#define ENDMT_LOADER_HMAC_KEYS_H

#include <stdint.h>
#include <jansson.h>
#include "endmt.h"

/* "rfc8754" / "extended" for an enum endmt_hmac_mode. */
const char *hmac_mode_name(unsigned int mode);

/* Key key_id of this node into *k: 0, -ENOENT, or -errno. */
int hmac_key_get(const struct endmt_maps_fds *m, uint32_t key_id, struct endmt_hmac_key *k);

/* Key IDs, algorithm and mode of every key (never the pads) into arr, by Key ID. */
void hmac_keys_json(int fd, json_t *arr);

#endif /* ENDMT_LOADER_HMAC_KEYS_H */
