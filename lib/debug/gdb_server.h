/* play --gdb: a replay under a gdb remote-protocol server (gdb_server.c),
 * which watches the replay engine from above (doc/design.md, "Debugging a
 * replay"). */
#ifndef RRK_GDB_SERVER_H
#define RRK_GDB_SERVER_H

#include "replay/replay.h"

/* Replays the trace of o for gdb. spec: "" launch gdb (with gdb_args,
 * NULL-terminated, or NULL), ":PORT" serve on a port, "-" speak on
 * standard input and output. Returns the program's status at the end. */
int rrk_replay_gdb(const struct replay_options *o, const char *spec, char **gdb_args);

#endif
