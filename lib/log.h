/* Logging: syslog or stderr, a fixed object prefix on every line, and debug categories that the
 * control socket can switch at run time. The library never prints on its own behalf except here. */
#ifndef HS_LOG_H
#define HS_LOG_H

#include <stdbool.h>
#include <stdint.h>
#include <syslog.h>

enum hs_debug_category {
	HS_DBG_CONFIG,
	HS_DBG_CTL,
	HS_DBG_LOOP,
	HS_DBG_VRRP,
	HS_DBG_VGMP,
	HS_DBG_HRP,
	HS_DBG_NETLINK,
	HS_DBG_SYNC,
	HS_DBG_MAX,
	HS_DBG_INVALID = -1,
};

/* ident is the daemon name; to_syslog false writes "<level> <ident>: <prefix> msg" to stderr. */
void hs_log_open(const char *ident, bool to_syslog);
void hs_log_close(void);

/* Lowest syslog level that is written (LOG_INFO by default, LOG_DEBUG with -d). */
void hs_log_set_level(int level);
/* Whether a line at level would be written; the ident given to hs_log_open(). */
bool hs_log_enabled(int level);
const char *hs_log_ident(void);

const char *hs_debug_category_name(enum hs_debug_category cat);
enum hs_debug_category hs_debug_category_from_name(const char *name);
void hs_debug_set(enum hs_debug_category cat, bool on);
bool hs_debug_enabled(enum hs_debug_category cat);
uint32_t hs_debug_mask(void);

/* prefix names the object the line speaks of, e.g. "[ctl]" or "[VRID 5] [IPv4]"; may be NULL. */
void hs_log(int level, const char *prefix, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define hs_err(prefix, ...)    hs_log(LOG_ERR, prefix, __VA_ARGS__)
#define hs_warn(prefix, ...)   hs_log(LOG_WARNING, prefix, __VA_ARGS__)
#define hs_notice(prefix, ...) hs_log(LOG_NOTICE, prefix, __VA_ARGS__)
#define hs_info(prefix, ...)   hs_log(LOG_INFO, prefix, __VA_ARGS__)
#define hs_debug(cat, prefix, ...)                                                                 \
	do {                                                                                       \
		if (hs_debug_enabled(cat))                                                         \
			hs_log(LOG_DEBUG, prefix, __VA_ARGS__);                                    \
	} while (0)

#endif
