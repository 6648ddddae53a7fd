/* The local spool: every picked-up file is copied here first (fsynced, its
 * sha256 computed while copying) and kept under its digest, so deliveries and
 * resends read a stable local copy whatever happens at the source. */
#ifndef KA_SPOOL_H
#define KA_SPOOL_H

#include <stdint.h>
#include "sha256.h"

struct progress;

struct spool {
	char *dir;
	char *objects;      /* DIR/objects: one file per distinct content */
	char *tmp;          /* DIR/tmp: copies in progress */
	char *corrupt;      /* DIR/corrupt: objects that no longer matched their
			       digest, set aside (created when first needed) */
	int dirty;          /* objects/ has renames not yet made durable */
};

struct spool_writer {
	int fd;
	char *tmp_path;
	struct sha256 hash;
	int64_t size;
	int error;          /* errno of the first failed write */
	struct progress *progress;  /* told each block written, or NULL (set after
				       spool_begin) */
	const char *want;   /* the sha256 the copy must have (staging a file again),
			       or NULL (set after spool_begin) */
};

int spool_open(struct spool *s, const char *dir, char *err);
void spool_release(struct spool *s);

/* Start a copy into the spool. */
int spool_begin(struct spool *s, struct spool_writer *w, char *err);
/* A sink_fn: append bytes to the copy and the digest. */
int spool_write(void *writer, const void *buf, size_t len);
/* A sink_at_fn: write bytes beyond the appended ones at their offset (a
 * transport fetching parts in parallel); thread-safe. spool_take_tail
 * digests them once every part is in. */
int spool_write_at(void *writer, const void *buf, size_t len, int64_t offset);
/* Digest the bytes written at offsets past the appended ones and count
 * them in the size. A no-op when spool_write_at was not used. */
int spool_take_tail(struct spool_writer *w, char *err);
/* Move the copy to objects/SHA256. Sets sha, *size and *path (caller frees).
 * Not durable until spool_sync. With w->want set and another digest, the
 * copy is dropped and KA_INVALID returned. */
int spool_commit(struct spool *s, struct spool_writer *w, char sha[SHA256_HEX],
		 int64_t *size, char **path, char *err);
/* After spool_write failed: "spool: cannot write PATH: reason" in err;
 * returns KA_NOSPACE for a full disk or quota, else KA_ERR. */
int spool_write_error(const struct spool_writer *w, char *err);
/* Drop an unfinished copy. */
void spool_abort(struct spool_writer *w);
/* Make every copy committed since the last call durable (syncfs). */
int spool_sync(struct spool *s, char *err);
/* Move objects/SHA256 aside to corrupt/SHA256.MILLISECONDS (it did not match
 * its digest): a later staging of the same content starts afresh, and the
 * bad bytes stay for a look. Sets *moved (caller frees); KA_NOENT when the
 * object is already gone. */
int spool_set_aside(struct spool *s, const char *sha256, char **moved, char *err);
/* The size of objects/SHA256, 0 when it is not there. */
int64_t spool_object_bytes(struct spool *s, const char *sha256);
/* Remove objects/SHA256 (no file needs it any more). KA_NOENT when it is
 * already gone. */
int spool_remove(struct spool *s, const char *sha256, char *err);
/* A walk over objects/ (pruning looks for objects no file needs). */
struct spool_walk {
	void *dir;          /* DIR * */
};
int spool_walk_open(struct spool *s, struct spool_walk *w, char *err);
/* The next object's digest in SHA: 1, or 0 at the end. */
int spool_walk_next(struct spool_walk *w, char sha[SHA256_HEX]);
void spool_walk_close(struct spool_walk *w);
/* Remove leftovers of copies interrupted by a crash. */
void spool_clean_tmp(struct spool *s);

#endif
