/* The daemons as hrpctl reaches them: one control-socket connection per daemon, opened on first
 * use and kept for the session. */
#ifndef HS_CLI_IO_H
#define HS_CLI_IO_H

#include "exec.h"

#define CLI_IO_TIMEOUT_MS 2000

struct cli_io;

int cli_io_new(struct cli_io **out, const char *rundir);
void cli_io_free(struct cli_io *io);

/* call over the sockets of io (the ctx), now_ms from the real-time clock, save to disk. */
extern const struct cli_ops cli_io_ops;

/* save: writes the config file a save view describes (save.c, config_cmds.h). */
int cli_io_save(void *ctx, json_t *view, char *err, size_t errlen);

#endif
