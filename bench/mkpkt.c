/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Writes one benchmark frame (bench/benchpkt.h) as a trafgen configuration
 * ("{ 0x.., ... }") or as raw octets, for bench/rate.sh.
 *   mkpkt KIND NRCV PAYLEN SMAC DMAC [raw]
 * KIND: endmt | dt6 | plain | mcast. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "benchpkt.h"

int main(int argc, char **argv)
{
	static uint8_t frame[10000];
	uint8_t smac[6], dmac[6];
	enum bp_kind k;
	int n, i;

	if (argc < 6) {
		fprintf(stderr, "usage: mkpkt endmt|dt6|plain|mcast NRCV PAYLEN SMAC DMAC [raw]\n");
		return 2;
	}
	if (!strcmp(argv[1], "endmt"))
		k = BP_ENDMT;
	else if (!strcmp(argv[1], "dt6"))
		k = BP_DT6;
	else if (!strcmp(argv[1], "plain"))
		k = BP_PLAIN;
	else if (!strcmp(argv[1], "mcast"))
		k = BP_MCAST;
	else {
		fprintf(stderr, "mkpkt: unknown kind '%s'\n", argv[1]);
		return 2;
	}
	if (bp_parse_mac(argv[4], smac) || bp_parse_mac(argv[5], dmac)) {
		fprintf(stderr, "mkpkt: bad MAC address\n");
		return 2;
	}
	n = bp_build(frame, sizeof(frame), k, atoi(argv[2]), (size_t)atol(argv[3]),
		     smac, dmac);
	if (n < 0) {
		fprintf(stderr, "mkpkt: cannot build the frame: %s\n", strerror(-n));
		return 1;
	}
	if (argc > 6 && !strcmp(argv[6], "raw")) {
		if (fwrite(frame, 1, (size_t)n, stdout) != (size_t)n)
			return 1;
		return 0;
	}
	printf("{");
	for (i = 0; i < n; i++)
		printf("%s0x%02x", i ? (i % 16 ? ", " : ",\n  ") : " ", frame[i]);
	printf(" }\n");
	return 0;
}
