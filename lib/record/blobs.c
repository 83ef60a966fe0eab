#include "blobs.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/util.h"

#define BLOB_CHUNK (1u << 20)

static int digest_known(struct blobs *b, const uint8_t d[32])
{
	for (size_t i = 0; i < b->n; i++)
		if (!memcmp(b->keys[i].digest, d, 32))
			return 1;
	return 0;
}

int rrk_blobs_add_fd(struct blobs *b, struct rrk_writer *w, int fd,
		     uint8_t digest[32], uint64_t *size)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return -1;
	int64_t mt = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
	for (size_t i = 0; i < b->n; i++) {
		struct blob_key *k = &b->keys[i];
		if (k->dev == st.st_dev && k->ino == st.st_ino && k->size == st.st_size &&
		    k->mtime_ns == mt) {
			memcpy(digest, k->digest, 32);
			*size = (uint64_t)st.st_size;
			return 0;
		}
	}
	uint8_t *data = NULL;
	size_t len = (size_t)st.st_size;
	if (len) {
		data = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
		if (data == MAP_FAILED)
			return -1;
	}
	rrk_sha256(data, len, digest);
	*size = len;
	int rc = 0;
	if (!digest_known(b, digest)) {
		struct rrk_blob h;
		memcpy(h.digest, digest, 32);
		h.total = len;
		size_t off = 0;
		do {
			size_t n = len - off < BLOB_CHUNK ? len - off : BLOB_CHUNK;
			h.offset = off;
			if (rrk_write_record(w, RRK_REC_BLOB, 0, &h, sizeof h, data ? data + off : NULL, n) < 0) {
				rc = -2;
				break;
			}
			off += n;
		} while (off < len);
	}
	if (data)
		munmap(data, len);
	if (rc)
		return rc;
	if (b->n == b->cap)
		b->keys = rrk_xrealloc(b->keys, (b->cap = b->cap * 2 + 16) * sizeof *b->keys);
	struct blob_key *k = &b->keys[b->n++];
	k->dev = st.st_dev;
	k->ino = st.st_ino;
	k->size = st.st_size;
	k->mtime_ns = mt;
	memcpy(k->digest, digest, 32);
	return 0;
}

void rrk_blobs_free(struct blobs *b)
{
	free(b->keys);
	memset(b, 0, sizeof *b);
}
