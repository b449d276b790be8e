// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* endmt hmac set/del/show: SRH HMAC keys (endmt_hmac_keys).  The secret is
 * read from a file or stdin, never from argv (ps would show it), and never
 * stored: only its HMAC-SHA256 pads (lib/srh_hmac.c) go into the map,
 * whose pin is root-only like every pin. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <jansson.h>
#include "endmt.h"
#include "config.h"
#include "hmac_keys.h"
#include "srh_hmac.h"

#define SECRET_MAX 1024		/* octets; RFC 2104 hashes a key over 64 anyway */

static const char *const mode_choice[] = { "rfc8754", "extended", NULL };

const char *hmac_mode_name(unsigned int mode)
{
	return mode <= ENDMT_HMAC_EXTENDED ? mode_choice[mode] : "?";
}

struct hmac_args {
	uint32_t key_id;
	int mode;
	const char *secret_file;
};

/* The secret from path (NULL or "-": stdin) into buf, one trailing newline
 * dropped.  Its length, or -errno after the one error line. */
static int secret_read(const char *path, uint8_t *buf, size_t cap)
{
	bool in = !path || !strcmp(path, "-");
	int fd = in ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC), err = 0;
	size_t n = 0;
	ssize_t r;

	if (fd < 0) {
		err = -errno;
		errorf("hmac set: --secret-file %s: %s", path, strerror(-err));
		return err;
	}
	while (n <= cap && (r = read(fd, buf + n, cap + 1 - n)) != 0) {
		if (r < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			break;
		}
		n += (size_t)r;
	}
	if (!in)
		close(fd);
	if (err) {
		errorf("hmac set: reading the secret from %s: %s", in ? "stdin" : path,
		       strerror(-err));
		return err;
	}
	if (n > cap) {
		errorf("hmac set: the secret is over %d octets", SECRET_MAX);
		return -E2BIG;
	}
	if (n && buf[n - 1] == '\n')
		n--;
	if (!n) {
		errorf("hmac set: empty secret from %s (refused: anyone could forge)",
		       in ? "stdin" : path);
		return -EINVAL;
	}
	return (int)n;
}

int hmac_key_get(const struct endmt_maps_fds *m, uint32_t key_id, struct endmt_hmac_key *k)
{
	if (m->hmac_keys < 0)
		return -ENOENT;
	return bpf_map_lookup_elem(m->hmac_keys, &key_id, k) ? -errno : 0;
}

static int hmac_set_run(void *p)
{
	struct hmac_args *a = p;
	struct endmt_hmac_key k = { .alg = ENDMT_HMAC_ALG_SHA256, .mode = (uint8_t)a->mode };
	static uint8_t secret[SECRET_MAX + 1];
	struct endmt_maps_fds m;
	bool changed = true;
	int n, lock, err;

	n = secret_read(a->secret_file, secret, SECRET_MAX);
	if (n < 0)
		return n;
	endmt_hmac_pads_init(&k.pads, secret, (size_t)n);
	explicit_bzero(secret, sizeof(secret));
	err = cfg_begin_create(&m, &lock, "hmac set");
	if (err)
		goto out;
	err = map_set(m.hmac_keys, &a->key_id, &k, sizeof(k), &changed);
	cfg_end(&m, lock);
	if (err)
		errorf("hmac set: key %u: %s", a->key_id,
		       err == -E2BIG ? "key table full (64)" : strerror(-err));
	else
		report_change(changed, "hmac key", "written");
out:
	explicit_bzero(&k, sizeof(k));
	return err;
}

static int hmac_del_run(void *p)
{
	struct hmac_args *a = p;
	struct endmt_maps_fds m;
	int lock, err;

	err = cfg_begin(&m, &lock);
	if (err)
		return err;
	err = map_del(m.hmac_keys, &a->key_id);
	cfg_end(&m, lock);
	if (err) {
		errorf("hmac del: key %u: %s", a->key_id,
		       err == -ENOENT ? "no such key" : strerror(-err));
		return err;
	}
	report_change(true, "hmac key", "deleted");
	return 0;
}

static int u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

void hmac_keys_json(int fd, json_t *arr)
{
	uint32_t ids[ENDMT_MAX_HMAC_KEYS], k, *prev = NULL;
	struct endmt_hmac_key v;
	size_t n = 0, i;
	json_t *o;

	if (fd < 0)
		return;
	while (n < ENDMT_MAX_HMAC_KEYS && !bpf_map_get_next_key(fd, prev, &k)) {
		ids[n++] = k;
		prev = &ids[n - 1];
	}
	qsort(ids, n, sizeof(ids[0]), u32_cmp);	/* by Key ID, not hash order */
	for (i = 0; i < n; i++) {
		if (bpf_map_lookup_elem(fd, &ids[i], &v))
			continue;
		/* never the pads: they forge as well as the secret */
		o = json_object();
		json_object_set_new(o, "key_id", json_integer(ids[i]));
		json_object_set_new(o, "algorithm", json_string(v.alg == ENDMT_HMAC_ALG_SHA256 ?
								"hmac-sha256" : "?"));
		json_object_set_new(o, "mode", json_string(hmac_mode_name(v.mode)));
		json_array_append_new(arr, o);
	}
	explicit_bzero(&v, sizeof(v));
}

static int hmac_show_run(void *p)
{
	struct endmt_maps_fds m;
	json_t *arr = json_array();
	size_t i;
	int err;

	(void)p;
	err = pin_root_check("hmac show", false);
	if (err) {
		json_decref(arr);
		return err;
	}
	err = maps_open(&m, false);
	if (err && err != -ENOENT) {
		json_decref(arr);
		return err;
	}
	if (!err) {
		hmac_keys_json(m.hmac_keys, arr);
		maps_close(&m);
	}
	err = 0;
	if (env.json) {
		err = json_print(json_pack("{s:o}", "hmac_keys", arr));
		arr = NULL;
	} else {
		printf("hmac keys (%zu)\n", json_array_size(arr));
		for (i = 0; i < json_array_size(arr); i++) {
			json_t *o = json_array_get(arr, i);

			printf("  key-id %lld  %s  mode %s\n",
			       (long long)json_integer_value(json_object_get(o, "key_id")),
			       json_string_value(json_object_get(o, "algorithm")),
			       json_string_value(json_object_get(o, "mode")));
		}
	}
	json_decref(arr);
	return err;
}

static void hmac_defaults(void *p)
{
	((struct hmac_args *)p)->mode = ENDMT_HMAC_RFC8754;
}

#define O(f) offsetof(struct hmac_args, f)
static const struct opt hmac_set_opts[] = {
	{ "key-id", OPT_U32, O(key_id), NOSET, "N", "the HMAC Key ID (1..4294967295), as in the tree file's hmac_key_id", 1, UINT32_MAX, NULL, true, false },
	{ "mode", OPT_ENUM, O(mode), NOSET, "MODE", "HMAC text: rfc8754 (RFC 8754 exactly, what the kernel verifies; leaves the End.MT TLVs out) or extended (also every TLV); default rfc8754", 0, 0, mode_choice, false, false },
	{ "secret-file", OPT_STR, O(secret_file), NOSET, "FILE", "read the secret from FILE (- or no option: stdin; never on the command line); one trailing newline is dropped; empty is refused; the secret is not stored, only its HMAC-SHA256 pads", 0, 0, NULL, false, false },
	{}
};
static const struct opt hmac_del_opts[] = {
	{ "key-id", OPT_U32, O(key_id), NOSET, "N", "the HMAC Key ID", 1, UINT32_MAX, NULL, true, false },
	{}
};
static const struct opt hmac_show_opts[] = {
	{}
};
#undef O

const struct cmd cmd_hmac_set = {
	"hmac set", "Set an SRH HMAC key (RFC 8754 HMAC-SHA256) on this node, secret from a file or stdin.",
	hmac_set_opts, sizeof(struct hmac_args), hmac_defaults, hmac_set_run,
};
const struct cmd cmd_hmac_del = {
	"hmac del", "Remove an SRH HMAC key.",
	hmac_del_opts, sizeof(struct hmac_args), hmac_defaults, hmac_del_run,
};
const struct cmd cmd_hmac_show = {
	"hmac show", "List the SRH HMAC keys: Key ID, algorithm, mode (never the secret).",
	hmac_show_opts, sizeof(struct hmac_args), hmac_defaults, hmac_show_run,
};
