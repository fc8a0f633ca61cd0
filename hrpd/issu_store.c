/* The upgrade record on disk (doc/issu.md, "The record"): hrpd's run dir, written whole to a
 * temporary file, synced, then renamed over the old one, so a crash leaves the old record or the
 * new one, never half of one. Read back through the record's own decoder, which refuses anything
 * out of range with the field's name. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hrpd.h"
#include "issu.h"
#include "log.h"

static int path_of(const struct hrpd_issu *u, const char *file, const char *suffix, char *out,
		   size_t len)
{
	int n = snprintf(out, len, "%s/%s%s", u->h->d->rundir, file, suffix);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int hrpd_issu_store(struct hrpd_issu *u, const char *file, const struct issu_record *r)
{
	char path[PATH_MAX], tmp[PATH_MAX];
	json_t *j = issu_record_encode(r);
	char *text = j ? json_dumps(j, JSON_INDENT(1) | JSON_SORT_KEYS) : NULL;
	int rc = -ENOMEM;

	json_decref(j);
	if (!text)
		return rc;
	if ((rc = path_of(u, file, "", path, sizeof(path))) < 0 ||
	    (rc = path_of(u, file, ".tmp", tmp, sizeof(tmp))) < 0)
		goto out;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		rc = -errno;
		goto out;
	}
	size_t len = strlen(text), done = 0;
	while (done < len) {
		ssize_t n = write(fd, text + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		done += (size_t)n;
	}
	rc = done == len && fsync(fd) == 0 ? 0 : -EIO;
	close(fd);
	if (rc == 0 && rename(tmp, path) < 0)
		rc = -errno;
	if (rc < 0)
		unlink(tmp);
out:
	if (rc < 0)
		hs_err("[issu]", "could not write %s: %s", file, strerror(-rc));
	free(text);
	return rc;
}

int hrpd_issu_unstore(struct hrpd_issu *u, const char *file)
{
	char path[PATH_MAX];
	int rc = path_of(u, file, "", path, sizeof(path));
	if (rc == 0 && unlink(path) < 0 && errno != ENOENT)
		rc = -errno;
	if (rc < 0)
		hs_err("[issu]", "could not remove %s: %s", file, strerror(-rc));
	return rc;
}

int hrpd_issu_load_file(struct hrpd_issu *u, const char *file, struct issu_record *r, char *err,
			size_t len)
{
	char path[PATH_MAX];
	json_error_t je;

	if (path_of(u, file, "", path, sizeof(path)) < 0)
		return -ENAMETOOLONG;
	if (access(path, F_OK) != 0)
		return -ENOENT;
	json_t *j = json_load_file(path, 0, &je);
	if (!j) {
		snprintf(err, len, "%s: %s", file, je.text);
		return -EINVAL;
	}
	int rc = issu_record_decode(j, r, err, len);
	json_decref(j);
	return rc < 0 ? -EINVAL : 0;
}

char *hrpd_issu_record_text(const struct issu_record *r, size_t max, size_t *len)
{
	static struct issu_record trimmed;
	trimmed = *r;
	for (;;) {
		json_t *j = issu_record_encode(&trimmed);
		char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
		json_decref(j);
		if (!text)
			return NULL;
		*len = strlen(text);
		if (*len <= max || trimmed.n_history == 0)
			return *len <= max ? text : (free(text), NULL);
		free(text);
		/* the oldest history goes first: the peer's copy is for resuming, not for the
		 * display */
		size_t drop = trimmed.n_history > 4 ? trimmed.n_history / 2 : 1;
		memmove(trimmed.history, trimmed.history + drop,
			(trimmed.n_history - drop) * sizeof(trimmed.history[0]));
		trimmed.n_history -= drop;
	}
}
