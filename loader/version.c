// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* endmt version / endmt --version: the release number (the VERSION file)
 * and, when built from a git checkout, `git describe --always --dirty` of
 * it.  Both are written into $(O)/version.h at build time (the Makefile
 * rewrites it only when they change, so only this file rebuilds). */
#include <stdio.h>
#include "endmt.h"
#include "version.h"

const char *endmt_version(void)
{
	return ENDMT_GIT[0] ? ENDMT_RELEASE " (" ENDMT_GIT ")" : ENDMT_RELEASE;
}

int version_print(void)
{
	if (env.json)
		return json_print(json_pack("{s:s, s:s, s:s?}", "version", endmt_version(),
				     "release", ENDMT_RELEASE,
				     "git", ENDMT_GIT[0] ? ENDMT_GIT : NULL));
	else
		printf("endmt %s\n", endmt_version());
	return 0;
}

static int version_run(void *cfg)
{
	(void)cfg;
	return version_print();
}

const struct cmd cmd_version = {
	"version", "Print the version of endmt (also: endmt --version).",
	NULL, 0, NULL, version_run,
};
