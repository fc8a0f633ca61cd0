/* Logging to syslog or stderr with a fixed object prefix, and run-time debug categories. */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static const char *const category_names[HS_DBG_MAX] = {
	[HS_DBG_CONFIG] = "config",   [HS_DBG_CTL] = "ctl",   [HS_DBG_LOOP] = "loop",
	[HS_DBG_VRRP] = "vrrp",       [HS_DBG_VGMP] = "vgmp", [HS_DBG_HRP] = "hrp",
	[HS_DBG_NETLINK] = "netlink", [HS_DBG_SYNC] = "sync",
};

static const char *const level_names[] = {
	[LOG_EMERG] = "emerg",  [LOG_ALERT] = "alert",   [LOG_CRIT] = "crit", [LOG_ERR] = "error",
	[LOG_WARNING] = "warn", [LOG_NOTICE] = "notice", [LOG_INFO] = "info", [LOG_DEBUG] = "debug",
};

static struct {
	char ident[32];
	bool to_syslog;
	int level;
	uint32_t debug_mask;
} log_state = { .ident = "hotstandby", .level = LOG_INFO };

void hs_log_open(const char *ident, bool to_syslog)
{
	snprintf(log_state.ident, sizeof(log_state.ident), "%s", ident);
	log_state.to_syslog = to_syslog;
	if (to_syslog)
		openlog(log_state.ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void hs_log_close(void)
{
	if (log_state.to_syslog)
		closelog();
	log_state.to_syslog = false;
}

void hs_log_set_level(int level)
{
	log_state.level = level;
}

bool hs_log_enabled(int level)
{
	return level <= log_state.level;
}

const char *hs_log_ident(void)
{
	return log_state.ident;
}

const char *hs_debug_category_name(enum hs_debug_category cat)
{
	if (cat < 0 || cat >= HS_DBG_MAX)
		return NULL;
	return category_names[cat];
}

enum hs_debug_category hs_debug_category_from_name(const char *name)
{
	for (int i = 0; i < HS_DBG_MAX; i++)
		if (strcmp(category_names[i], name) == 0)
			return (enum hs_debug_category)i;
	return HS_DBG_INVALID;
}

void hs_debug_set(enum hs_debug_category cat, bool on)
{
	if (cat < 0 || cat >= HS_DBG_MAX)
		return;
	if (on)
		log_state.debug_mask |= 1u << cat;
	else
		log_state.debug_mask &= ~(1u << cat);
}

bool hs_debug_enabled(enum hs_debug_category cat)
{
	return cat >= 0 && cat < HS_DBG_MAX && (log_state.debug_mask & (1u << cat));
}

uint32_t hs_debug_mask(void)
{
	return log_state.debug_mask;
}

void hs_log(int level, const char *prefix, const char *fmt, ...)
{
	/* Debug lines come through hs_debug() only when their category is on. */
	if (level > log_state.level && level != LOG_DEBUG)
		return;
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	if (log_state.to_syslog) {
		syslog(level, "%s%s%s", prefix ? prefix : "", prefix ? " " : "", msg);
		return;
	}
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	struct tm tm;
	localtime_r(&ts.tv_sec, &tm);
	fprintf(stderr, "%02d:%02d:%02d.%03ld %s %s: %s%s%s\n", tm.tm_hour, tm.tm_min, tm.tm_sec,
		ts.tv_nsec / 1000000, level_names[level & 7], log_state.ident, prefix ? prefix : "",
		prefix ? " " : "", msg);
}
