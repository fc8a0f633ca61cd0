/* Structured state-change records: the journal's fields under journald, key=value pairs on the
 * one log line elsewhere. Both forms are made from one list of pairs, so they never differ. */
#include "log_event.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>
#include <systemd/sd-journal.h>

#include "log.h"

#define PAIRS_MAX (6 + HS_EVENT_EXTRA_MAX)

struct pair {
	const char *key;
	const char *value;
};

struct pairs {
	struct pair p[PAIRS_MAX];
	size_t n;
	char prio[2][24];
};

static void add(struct pairs *ps, const char *key, const char *value)
{
	if (key && value && ps->n < PAIRS_MAX)
		ps->p[ps->n++] = (struct pair){ key, value };
}

static void collect(const struct hs_event *e, struct pairs *ps)
{
	ps->n = 0;
	add(ps, "event", e->event);
	add(ps, "old_state", e->old_state);
	add(ps, "new_state", e->new_state);
	add(ps, "reason", e->reason);
	if (e->local_priority != HS_EVENT_NO_PRIORITY) {
		snprintf(ps->prio[0], sizeof(ps->prio[0]), "%ld", e->local_priority);
		add(ps, "local_priority", ps->prio[0]);
	}
	if (e->peer_priority != HS_EVENT_NO_PRIORITY) {
		snprintf(ps->prio[1], sizeof(ps->prio[1]), "%ld", e->peer_priority);
		add(ps, "peer_priority", ps->prio[1]);
	}
	for (size_t i = 0; i < HS_EVENT_EXTRA_MAX && e->extra[i].key; i++)
		add(ps, e->extra[i].key, e->extra[i].value);
}

int hs_event_message(char *buf, size_t len, const char *prefix, const struct hs_event *e)
{
	char prio[64] = "";
	if (e->local_priority != HS_EVENT_NO_PRIORITY && e->peer_priority != HS_EVENT_NO_PRIORITY)
		snprintf(prio, sizeof(prio), ", priority %ld, peer %ld", e->local_priority,
			 e->peer_priority);
	else if (e->local_priority != HS_EVENT_NO_PRIORITY)
		snprintf(prio, sizeof(prio), ", priority %ld", e->local_priority);
	return snprintf(buf, len, "%s%s%s -> %s (%s)%s", prefix ? prefix : "", prefix ? " " : "",
			e->old_state ? e->old_state : "?", e->new_state ? e->new_state : "?",
			e->reason ? e->reason : "?", prio);
}

static bool needs_quotes(const char *v)
{
	if (!*v)
		return true;
	for (; *v; v++)
		if (isspace((unsigned char)*v) || *v == '"' || *v == '\\' || *v == '=')
			return true;
	return false;
}

int hs_event_pairs(char *buf, size_t len, const struct hs_event *e)
{
	struct pairs ps;
	size_t off = 0;
	collect(e, &ps);
	if (len)
		buf[0] = '\0';
	for (size_t i = 0; i < ps.n; i++) {
		char val[256];
		const char *v = ps.p[i].value;
		if (needs_quotes(v)) {
			size_t o = 0;
			val[o++] = '"';
			for (; *v && o + 3 < sizeof(val); v++) {
				if (*v == '"' || *v == '\\')
					val[o++] = '\\';
				/* one line, whatever a value holds */
				val[o++] = *v == '\n' ? ' ' : *v;
			}
			val[o++] = '"';
			val[o] = '\0';
			v = val;
		}
		int r = snprintf(buf + (off < len ? off : len), off < len ? len - off : 0,
				 "%s%s=%s", i ? " " : "", ps.p[i].key, v);
		if (r < 0)
			return r;
		off += (size_t)r;
	}
	return (int)off;
}

int hs_event_journal_fields(char *buf, size_t len, const struct hs_event *e)
{
	struct pairs ps;
	size_t off = 0;
	collect(e, &ps);
	for (size_t i = 0; i < ps.n; i++) {
		size_t start = off;
		int r = snprintf(buf + (off < len ? off : len), off < len ? len - off : 0,
				 "HS_%s=%s", ps.p[i].key, ps.p[i].value);
		if (r < 0 || off + (size_t)r + 1 > len)
			return -1;
		for (size_t k = start + 3; k < len && buf[k] != '='; k++)
			buf[k] = (char)toupper((unsigned char)buf[k]);
		off += (size_t)r + 1; /* keeps the NUL */
	}
	return (int)ps.n;
}

/* systemd sets JOURNAL_STREAM to the device and inode of the stream it connected stdout and
 * stderr to; it is inherited by children whose stderr went elsewhere, hence the comparison. */
static bool stderr_is_journal(void)
{
	const char *s = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	if (!s || sscanf(s, "%llu:%llu", &dev, &ino) != 2 || fstat(STDERR_FILENO, &st) < 0)
		return false;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

static int send_journal(int level, const char *msg, const struct hs_event *e)
{
	char fields[2048], head[3][1100];
	struct iovec iov[3 + PAIRS_MAX];
	int n = hs_event_journal_fields(fields, sizeof(fields), e);
	if (n < 0)
		return -1;
	snprintf(head[0], sizeof(head[0]), "MESSAGE=%s", msg);
	snprintf(head[1], sizeof(head[1]), "PRIORITY=%d", level);
	snprintf(head[2], sizeof(head[2]), "SYSLOG_IDENTIFIER=%s", hs_log_ident());
	int k = 0;
	for (; k < 3; k++)
		iov[k] = (struct iovec){ head[k], strlen(head[k]) };
	for (const char *f = fields; n-- > 0; f += strlen(f) + 1)
		iov[k++] = (struct iovec){ (void *)f, strlen(f) };
	return sd_journal_sendv(iov, k);
}

void hs_event(int level, const char *prefix, const struct hs_event *e)
{
	char msg[1024], pairs[1024];
	if (!hs_log_enabled(level))
		return;
	hs_event_message(msg, sizeof(msg), prefix, e);
	if (stderr_is_journal() && send_journal(level, msg, e) >= 0)
		return;
	hs_event_message(msg, sizeof(msg), NULL, e);
	hs_event_pairs(pairs, sizeof(pairs), e);
	hs_log(level, prefix, "%s %s", msg, pairs);
}
