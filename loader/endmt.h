/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Shared declarations of the endmt CLI: the command table, logging, the pin
 * root (maps, lock, per-device state) and the configuration operations that
 * both the single commands and `apply` use. */
#ifndef ENDMT_LOADER_H
#define ENDMT_LOADER_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <netinet/in.h>
#include <jansson.h>
#include "endmt/maps.h"
#include "endmt/receiver.h"
#include "endmt/roce.h"
#include "tlv.h"
#include "util.h"

#define ENDMT_DEF_PIN_ROOT "/sys/fs/bpf/endmt"

/* QPNs and PSNs are 24-bit BTH fields, 0..QPN_MAX (signed: option bounds
 * and PSN offsets go down to -QPN_MAX). */
#define QPN_MAX ((int64_t)ENDMT_BTH_QPN_MASK)

/* ---- global options and logging (util.c) ---- */
struct endmt_env {
	int verbose;
	bool json;
	const char *pin_root;
	const char *prog;	/* "endmt" */
	const char *cmd;	/* the command running ("group add"), for messages */
	bool log_ts;		/* errorf/infof lines start with a timestamp (agent) */
};
extern struct endmt_env env;

/* One line on stderr: "endmt: <what failed>".  Commands print exactly one
 * such line on failure (callers below the command return -errno quietly or
 * print the one line themselves, never both). */
void errorf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void infof(const char *fmt, ...) __attribute__((format(printf, 1, 2)));	/* -v only */
/* A running daemon's log line on stderr: "<ISO 8601 UTC with ms> endmt WHO:
 * <msg>"; agent_log is WHO "agent" (collect.c has "collect"). */
void log_vline(const char *who, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
void agent_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_stamp(FILE *f);	/* "2026-12-03T16:51:48.123Z " */
void setup_libbpf_print(void);
/* --json output, the only way JSON reaches stdout (log.c): o on one line,
 * compact (json_print), or indented (json_print_doc: `show`); each takes the
 * reference and returns 0 or -errno (NULL o: -ENOMEM, said on stderr).
 * Strings from outside (device names, paths, names from argv) go in through
 * json_str: jansson escapes what JSON needs, and octets that are not UTF-8
 * become U+FFFD instead of failing the whole object. */
int json_print(json_t *o);
int json_print_doc(json_t *o);
json_t *json_str(const char *s);

/* ---- option tables (params.c) ---- */
enum opt_type {
	OPT_FLAG,	/* bool */
	OPT_STR,	/* const char * */
	OPT_U32,	/* uint32_t with [min, max] */
	OPT_S32,	/* int32_t with [min, max] (as int64 bounds) */
	OPT_U64,	/* uint64_t, any value */
	OPT_ADDR,	/* struct in6_addr */
	OPT_ENUM,	/* int index into choices[] */
	OPT_STRS,	/* repeatable: struct strlist */
};

struct strlist {
	const char *v[ENDMT_MAX_NODE_TLVS * 8];
	int n;
};

struct opt {
	const char *name;	/* long name without "--"; NULL ends the table */
	enum opt_type type;
	size_t off;		/* offset of the value in the command's struct */
	size_t set_off;		/* offset of a bool "given" flag, or (size_t)-1 */
	const char *metavar;
	const char *help;
	int64_t min, max;	/* OPT_U32/OPT_S32 */
	const char *const *choices;	/* OPT_ENUM, NULL terminated */
	bool required;
	bool positional;	/* taken from the first free argument */
};

#define NOSET ((size_t)-1)

struct cmd {
	const char *name;	/* "group add" */
	const char *summary;
	const struct opt *opts;
	size_t cfg_size;
	void (*defaults)(void *cfg);
	int (*run)(void *cfg);
};

extern const struct cmd *const endmt_cmds[];

int params_parse(const struct cmd *c, int argc, char **argv, void *cfg);
/* Global options (-v/--verbose, --json/-j, --pin-root DIR), accepted before
 * or after the command: 1 if argv[i] is one (argv slots in *used), 0 if
 * not, -errno after printing why. */
int params_global(int argc, char **argv, int i, int *used);
void params_usage(const struct cmd *c, FILE *f);
/* The pieces of params_usage, for the man page (man.c): the usage line
 * after "endmt ", and one option's left column and help text. */
void params_synopsis(const struct cmd *c, char *buf, size_t len);
void params_opt_text(const struct opt *o, char *left, size_t llen, char *help, size_t hlen);
/* The global options' line at the end of every command's --help. */
#define ENDMT_GLOBAL_HELP "-v (libbpf/libxdp output), --json, --pin-root DIR " \
	"(or ENDMT_PIN_ROOT; default " ENDMT_DEF_PIN_ROOT ")"

/* ---- version and manual (version.c, man.c) ---- */
const char *endmt_version(void);	/* "0.1.0 (git describe)" or "0.1.0" */
int version_print(void);		/* endmt --version, endmt version */
int man_print(FILE *f);			/* endmt --man: endmt(8) in roff */
int parse_addr(const char *s, struct in6_addr *a);
int parse_u64(const char *s, uint64_t *v);
const char *addr_str(const void *a16, char *buf);	/* buf >= INET6_ADDRSTRLEN */
/* NULL, or why t cannot be the End.MT TLV type (RFC 8754's own TLVs). */
const char *tlv_type_refused(uint32_t t);

/* ---- pin root, lock, maps (pin.c) ---- */
/* One fd per pinned map (include/endmt/maps.h, ENDMT_PINNED_MAPS), named
 * as the map without "endmt_".  Read-only commands get -1 for cnp_epoch,
 * stale, cnp_limit and rcv_group when the pins of an older endmt lack them. */
struct endmt_maps_fds {
#define ENDMT_MAP_FD(name) int name;
	ENDMT_PINNED_MAPS(ENDMT_MAP_FD)
#undef ENDMT_MAP_FD
};

/* Mounts bpffs if needed, creates the pin root and its dev/ directory. */
int pin_root_prepare(void);

/* A network namespace: st_dev/st_ino of /proc/<pid>/ns/net. */
struct netns_id {
	uint64_t dev, ino;
};
int netns_self(struct netns_id *ns);
bool netns_same(const struct netns_id *a, const struct netns_id *b);
/* "net:[4026532301] (/run/netns/a)" into buf. */
const char *netns_str(const struct netns_id *ns, char *buf, size_t len);
/* "belongs to network namespace ..., this command runs in ...: run it there
 * (nsenter ...)" into buf, for a record made in owner. */
const char *netns_refusal(const struct netns_id *owner, char *buf, size_t len);

/* PINROOT/owner (a one-slot array map): where the pin root belongs. */
struct pin_owner {
	uint32_t magic;
	uint32_t reserved;
	uint64_t netns_dev, netns_ino;	/* /proc/self/ns/net of the first writer */
	uint64_t bpffs_dev;		/* st_dev of the pin root */
};
#define PIN_OWNER_MAGIC 0x454d544fu	/* "EMTO" */

/* 0, or -EXDEV after saying why: the pin root is on a bpffs private to
 * this command (ip netns exec's /sys, another mount namespace). */
int pin_root_shared(const char *cmd);
/* Every command's check of its pin root, messages prefixed with cmd:
 * on a shared bpffs (pin_root_shared); existing unless create (then
 * prepared, and its owner recorded if it has none); owned by this network
 * namespace and on the bpffs of its records.  0 or -errno after saying why. */
int pin_root_check(const char *cmd, bool create);
/* The agent's lock per pin root; -EBUSY (naming the holder's pid) when
 * another agent holds it. */
int pin_agent_lock(int *lock_fd);
/* flock(LOCK_EX) on the pin root directory; returns the fd to close. */
int pin_lock(int *lock_fd);
void pin_unlock(int lock_fd);
/* Creates (from bpf/maps.bpf.c) or reuses the pinned maps and opens them.
 * With create == false, missing pins are -ENOENT (read-only commands). */
int maps_open(struct endmt_maps_fds *m, bool create);
void maps_close(struct endmt_maps_fds *m);
/* A record of what an attach did: a one-slot array map pinned at path (it
 * lives and dies with the other pins in bpffs) holding len octets that
 * start with a u32 magic.  read: val zeroed first (an older endmt's record
 * is shorter), then -ENOENT (none), -EBADMSG (not magic's) or -errno.
 * write: makes dir (0700) if needed, creates and pins the map as name;
 * 0 or -errno, and on failure dir removed again if it is empty. */
int pin_record_read(const char *path, uint32_t magic, void *val, size_t len);
int pin_record_write(const char *dir, const char *path, const char *name, const void *val,
		     size_t len);

/* ---- attachments (attach.c) ---- */
enum endmt_role { ROLE_HEAD = 0, ROLE_TRANSIT, ROLE_EDGE, ROLE__N };
/* XDP attach modes; the index of a mode's name in mode_names. */
enum endmt_mode { MODE_NATIVE = 0, MODE_SKB, MODE_HW, MODE__N };
extern const char *const role_names[ROLE__N + 1];	/* by enum endmt_role, NULL terminated */
extern const char *const mode_names[MODE__N + 1];	/* by enum endmt_mode, NULL terminated */

/* Per-device state, pinned under PINROOT/dev/<ifname>/state (a one-slot
 * array map, so it lives and dies with the other pins in bpffs). */
struct dev_state {
	uint32_t magic;
	uint32_t role;		/* enum endmt_role */
	uint32_t ifindex;
	uint32_t mode;		/* index into mode_names */
	uint32_t xdp_prog_id;
	uint32_t tc_handle;	/* 0: no TC program attached */
	uint32_t tc_priority;
	uint32_t tc_hook_created;	/* we created clsact: destroy it on detach */
	uint32_t tlv_type;
	uint32_t reserved;
	/* Where the attachment lives: /proc/self/ns/net of attach (0 in the
	 * records of an older endmt: not checked), st_dev of the pin root. */
	uint64_t netns_dev, netns_ino;
	uint64_t bpffs_dev;
};
#define DEV_STATE_MAGIC 0x454d5444u	/* "EMTD" */

int dev_state_read(const char *ifname, struct dev_state *st);	/* -ENOENT */
int do_attach(const char *ifname, enum endmt_role role, int mode, uint8_t tlv_type);
/* Removes the TC filter (handle, priority; handle 0: none) on ifindex's
 * TC ingress (egress: its egress), and the clsact qdisc too when
 * hook_created (the attach made it).  What is gone already is no error.
 * 0 or -errno. */
int tc_filter_undo(uint32_t ifindex, bool egress, uint32_t handle, uint32_t priority,
		   bool hook_created);
int do_detach(const char *ifname);

/* ---- configuration (config.c) ---- */
struct group_cfg {
	struct endmt_group_key key;
	uint32_t flags;		/* ENDMT_GF_* */
	uint32_t start_psn;
	uint32_t src_qpn;
	uint8_t src_addr[16];
	uint8_t resp_saddr[16];
	uint32_t cnp_cap;
	uint32_t cnp_rate;	/* 0 = no limit */
	uint32_t cnp_burst;
};

void group_key_make(struct endmt_group_key *k, const struct in6_addr *proxy, uint32_t dqpn);
void branch_id_ifindex(uint8_t id[16], uint32_t ifindex);


#endif /* ENDMT_LOADER_H */
