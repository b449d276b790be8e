// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Only the maps, no programs.  `endmt` loads this object first so every
 * pinned map exists (created and pinned by name under the pin root) before
 * any role is attached or any configuration is written: config commands work
 * on a node with nothing attached, and every role object reuses the same
 * pins. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "maps/endmt_maps.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";
