/* The recorder's set of files already stored in the trace as blobs. */
#ifndef RRK_BLOBS_H
#define RRK_BLOBS_H

#include <stdint.h>
#include <sys/types.h>

#include "format/trace.h"

struct blob_key {
	dev_t dev;
	ino_t ino;
	off_t size;
	int64_t mtime_ns;
	uint8_t digest[32];
};
struct blobs {
	struct blob_key *keys;
	size_t n, cap;
};
/* Stores the regular file open at fd in the trace unless an identical
 * file is already there; fills digest and size. Returns 0, -1 (read
 * error, errno set) or -2 (trace write error). */
int rrk_blobs_add_fd(struct blobs *b, struct rrk_writer *w, int fd,
		     uint8_t digest[32], uint64_t *size);
void rrk_blobs_free(struct blobs *b);

#endif
