// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Configured flows' counters in endmt_pm_counts (loader/pm_flow.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "pm_flow.h"

int pm_count_read(int counts_fd, const struct endmt_pm_key *k, struct endmt_pm_count *sum)
{
	struct endmt_pm_count *v;
	int n = libbpf_num_possible_cpus(), i, err = 0;

	memset(sum, 0, sizeof(*sum));
	if (n <= 0)
		return n < 0 ? n : -EINVAL;
	v = calloc((size_t)n, sizeof(*v));
	if (!v)
		return -ENOMEM;
	if (bpf_map_lookup_elem(counts_fd, k, v)) {
		err = -errno;
		goto out;
	}
	for (i = 0; i < n; i++) {
		sum->packets += v[i].packets;
		sum->bytes += v[i].bytes;
	}
out:
	free(v);
	return err;
}

int pm_flow_counters(int counts_fd, uint32_t flow, uint8_t enc, uint8_t point, bool add)
{
	struct endmt_pm_key k = { .flow = flow, .enc = enc, .point = point };
	struct endmt_pm_count *zero;
	int n = libbpf_num_possible_cpus(), err = 0;

	if (!flow || flow > ENDMT_PM_FLOW_MAX || (enc != ENDMT_PM_SRV6 && enc != ENDMT_PM_MPLS) ||
	    point > ENDMT_PM_OUT)
		return -EINVAL;
	if (n <= 0)
		return n < 0 ? n : -EINVAL;
	zero = calloc((size_t)n, sizeof(*zero));
	if (!zero)
		return -ENOMEM;
	for (k.colour = 0; k.colour < 2 && !err; k.colour++) {
		if (add) {
			/* BPF_NOEXIST: an existing entry keeps its counts. */
			if (bpf_map_update_elem(counts_fd, &k, zero, BPF_NOEXIST) && errno != EEXIST)
				err = -errno;
		} else if (bpf_map_delete_elem(counts_fd, &k) && errno != ENOENT) {
			err = -errno;
		}
	}
	free(zero);
	return err;
}

const char *pm_enc_name(uint8_t enc)
{
	return enc == ENDMT_PM_SRV6 ? "srv6" : enc == ENDMT_PM_MPLS ? "mpls" : NULL;
}

int pm_enc_parse(const char *s, uint8_t *enc)
{
	if (!strcmp(s, "srv6"))
		*enc = ENDMT_PM_SRV6;
	else if (!strcmp(s, "mpls"))
		*enc = ENDMT_PM_MPLS;
	else
		return -EINVAL;
	return 0;
}
