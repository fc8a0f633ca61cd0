/* hrpctl's command table: every command it knows, one row each (commands.c). */
#ifndef HS_CLI_COMMANDS_H
#define HS_CLI_COMMANDS_H

#include "cli_command.h"

extern const struct cli_table cli_commands;

#endif
