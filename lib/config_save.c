/* Writing the config file atomically, with the old one kept as FILE.bak (config_save.h). */
#include "config_save.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int failed(char *err, size_t errlen, const char *step, const char *path)
{
	int r = -errno;

	snprintf(err, errlen, "cannot %s %s: %s", step, path, strerror(-r));
	return r;
}

static int write_all(int fd, const char *text)
{
	size_t len = strlen(text), off = 0;

	while (off < len) {
		ssize_t n = write(fd, text + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		off += (size_t)n;
	}
	return 0;
}

/* Step 1: the new text in a temporary file of the same directory, on disk. */
static int write_temp(const char *path, const char *text, char *tmp, size_t tmplen,
		      const struct stat *old, char *err, size_t errlen)
{
	int fd;

	if (snprintf(tmp, tmplen, "%s.tmp.XXXXXX", path) >= (int)tmplen) {
		errno = ENAMETOOLONG;
		return failed(err, errlen, "name a file beside", path);
	}
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return failed(err, errlen, "create a file beside", path);
	if (fchmod(fd, old ? old->st_mode & 07777 : 0600) < 0 ||
	    (old && fchown(fd, old->st_uid, old->st_gid) < 0 && errno != EPERM) ||
	    write_all(fd, text) < 0 || fsync(fd) < 0) {
		int r = failed(err, errlen, "write", tmp);
		close(fd);
		unlink(tmp);
		return r;
	}
	if (close(fd) < 0) {
		int r = failed(err, errlen, "write", tmp);
		unlink(tmp);
		return r;
	}
	return 0;
}

/* Step 2: FILE.bak is the old file, replaced in one rename. */
static int keep_backup(const char *path, char *err, size_t errlen)
{
	char bak[PATH_MAX], baktmp[PATH_MAX];

	if (snprintf(bak, sizeof(bak), "%s.bak", path) >= (int)sizeof(bak) ||
	    snprintf(baktmp, sizeof(baktmp), "%s.bak.tmp", path) >= (int)sizeof(baktmp)) {
		errno = ENAMETOOLONG;
		return failed(err, errlen, "name the backup of", path);
	}
	if (unlink(baktmp) < 0 && errno != ENOENT)
		return failed(err, errlen, "remove", baktmp);
	if (link(path, baktmp) < 0)
		return failed(err, errlen, "link the backup", baktmp);
	if (rename(baktmp, bak) < 0) {
		int r = failed(err, errlen, "rename the backup to", bak);
		unlink(baktmp);
		return r;
	}
	return 0;
}

/* Step 4. */
static int sync_dir(const char *path, char *err, size_t errlen)
{
	char buf[PATH_MAX];
	int fd, r = 0;

	snprintf(buf, sizeof(buf), "%s", path);
	const char *dir = dirname(buf);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return failed(err, errlen, "open the directory", dir);
	if (fsync(fd) < 0)
		r = failed(err, errlen, "sync the directory", dir);
	close(fd);
	return r;
}

int hs_config_save_file(const char *path, const char *text, bool *backup, char *err, size_t errlen)
{
	char tmp[PATH_MAX];
	struct stat st;
	bool had = stat(path, &st) == 0;
	int r;

	if (!had && errno != ENOENT)
		return failed(err, errlen, "look at", path);
	if (had && !S_ISREG(st.st_mode)) {
		errno = EINVAL;
		return failed(err, errlen, "replace (not a regular file)", path);
	}
	r = write_temp(path, text, tmp, sizeof(tmp), had ? &st : NULL, err, errlen);
	if (r < 0)
		return r; /* write_temp removed what it made */
	if (had)
		r = keep_backup(path, err, errlen);
	if (r == 0 && rename(tmp, path) < 0)
		r = failed(err, errlen, "rename the new file to", path);
	if (r < 0) {
		unlink(tmp);
		return r;
	}
	*backup = had;
	return sync_dir(path, err, errlen);
}
