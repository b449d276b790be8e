// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* endmt: the command table and a tiny main().  Each command lives in its
 * own file with its option table (params.c parses, checks and prints help). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "endmt.h"

extern const struct cmd cmd_attach, cmd_detach, cmd_group_add, cmd_group_del,
	cmd_branch_add, cmd_branch_del, cmd_sid_add, cmd_sid_del, cmd_receiver_add,
	cmd_receiver_del, cmd_encap_set, cmd_encap_del, cmd_repl_add, cmd_repl_del,
	cmd_apply, cmd_show, cmd_agent, cmd_hmac_set, cmd_hmac_del, cmd_hmac_show,
	cmd_tm_set, cmd_tm_group, cmd_tm_show, cmd_version, cmd_top, cmd_collect, cmd_tree,
	cmd_pm_set, cmd_pm_flow, cmd_pm_group, cmd_pm_show, cmd_pm_report,
	cmd_mpls_attach, cmd_mpls_detach, cmd_mpls_flow, cmd_mpls_node, cmd_mpls_show;
extern bool error_printed;

const struct cmd *const endmt_cmds[] = {
	&cmd_attach, &cmd_detach, &cmd_group_add, &cmd_group_del, &cmd_branch_add,
	&cmd_branch_del, &cmd_sid_add, &cmd_sid_del, &cmd_receiver_add,
	&cmd_receiver_del, &cmd_encap_set, &cmd_encap_del, &cmd_repl_add, &cmd_repl_del,
	&cmd_apply, &cmd_show, &cmd_agent, &cmd_hmac_set, &cmd_hmac_del, &cmd_hmac_show,
	&cmd_tm_set, &cmd_tm_group, &cmd_tm_show, &cmd_version, &cmd_top, &cmd_collect,
	&cmd_tree, &cmd_pm_set, &cmd_pm_flow, &cmd_pm_group, &cmd_pm_show, &cmd_pm_report,
	&cmd_mpls_attach, &cmd_mpls_detach, &cmd_mpls_flow, &cmd_mpls_node, &cmd_mpls_show,
	NULL,
};

static void usage(FILE *f)
{
	const struct cmd *const *c;

	fprintf(f, "Usage: endmt [-v] [--json] [--pin-root DIR] COMMAND [ARGS]\n"
		   "       endmt --version\n"
		   "RDMA RC multicast over SRv6: attach the data path, configure it, "
		   "watch it.\n\nCommands:\n");
	for (c = endmt_cmds; *c; c++)
		fprintf(f, "  %-16s %s\n", (*c)->name, (*c)->summary);
	fprintf(f, "\n'endmt COMMAND --help' describes each command.  The pin root "
		   "defaults to " ENDMT_DEF_PIN_ROOT " (env ENDMT_PIN_ROOT).\n"
		   "Global options may also follow the command.\n");
}

/* Matches "group add" against argv[i], argv[i+1]; returns words used. */
static int match(const struct cmd *c, int argc, char **argv, int i)
{
	const char *sp = strchr(c->name, ' ');

	if (!sp)
		return strcmp(c->name, argv[i]) ? 0 : 1;
	if (strncmp(c->name, argv[i], sp - c->name) || argv[i][sp - c->name])
		return 0;
	if (i + 1 >= argc || strcmp(sp + 1, argv[i + 1]))
		return -1;	/* right noun, wrong or missing verb */
	return 2;
}

/* "endmt pm", "endmt pm --help", "endmt pm bogus": a noun without one of
 * its verbs.  --help lists the noun's commands on stdout (exit 0); else the
 * same list is the error (exit 2). */
static int noun_usage(const char *noun, const char *verb)
{
	size_t len = strlen(noun);
	const struct cmd *const *c;
	char verbs[256] = "";
	size_t off = 0;

	if (verb && (!strcmp(verb, "-h") || !strcmp(verb, "--help"))) {
		printf("Usage: endmt %s VERB [ARGS]\n\nCommands:\n", noun);
		for (c = endmt_cmds; *c; c++)
			if (!strncmp((*c)->name, noun, len) && (*c)->name[len] == ' ')
				printf("  %-16s %s\n", (*c)->name, (*c)->summary);
		printf("\n'endmt %s VERB --help' describes each command.\n", noun);
		return 0;
	}
	for (c = endmt_cmds; *c; c++)
		if (!strncmp((*c)->name, noun, len) && (*c)->name[len] == ' ' && off < sizeof(verbs))
			off += (size_t)snprintf(verbs + off, sizeof(verbs) - off, "%s%s",
						off ? ", " : "", (*c)->name + len + 1);
	if (verb)
		errorf("unknown command '%s %s': %s takes %s (see endmt %s --help)", noun, verb,
		       noun, verbs, noun);
	else
		errorf("%s: which one? %s (see endmt %s --help)", noun, verbs, noun);
	return 2;
}

int main(int argc, char **argv)
{
	const struct cmd *const *c;
	const char *root = getenv("ENDMT_PIN_ROOT");
	void *cfg = NULL;
	int i = 1, n = 0, used, err;
	bool noun = false;

	env.pin_root = root && *root ? root : ENDMT_DEF_PIN_ROOT;
	/* --json anywhere: also an error before it was parsed is JSON */
	for (i = 1; i < argc && strcmp(argv[i], "--"); i++)
		env.json |= !strcmp(argv[i], "--json") || !strcmp(argv[i], "-j");
	i = 1;
	/* Global options before the command (params_parse takes them after). */
	while (i < argc && argv[i][0] == '-') {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		}
		if (!strcmp(argv[i], "--version"))
			return version_print();
		if (!strcmp(argv[i], "--man"))	/* hidden: the build writes endmt.8 */
			return man_print(stdout);
		err = params_global(argc, argv, i, &used);
		if (err < 0)
			return 2;
		if (!err) {
			errorf("unknown global option '%s' (see endmt --help)", argv[i]);
			return 2;
		}
		i += used;
	}
	if (i >= argc) {
		usage(stderr);
		return 2;
	}
	for (c = endmt_cmds; *c; c++) {
		n = match(*c, argc, argv, i);
		if (n > 0)
			break;
		noun |= n < 0;
	}
	if (!*c && noun)
		return noun_usage(argv[i], i + 1 < argc ? argv[i + 1] : NULL);
	if (!*c) {
		errorf("unknown command '%s' (see endmt --help)", argv[i]);
		return 2;
	}
	env.cmd = (*c)->name;
	cfg = calloc(1, (*c)->cfg_size ? (*c)->cfg_size : 1);
	if (!cfg) {
		errorf("out of memory");
		return 1;
	}
	setup_libbpf_print();
	err = params_parse(*c, argc - i - n, argv + i + n, cfg);
	if (err > 0) {		/* --help */
		err = 0;
		goto out;
	}
	if (err)
		goto out;
	err = (*c)->run(cfg);
	if (err)		/* only if nothing more specific was said */
		errorf("%s: %s", (*c)->name, strerror(err < 0 ? -err : err));
out:
	free(cfg);
	return err ? 1 : 0;
}
