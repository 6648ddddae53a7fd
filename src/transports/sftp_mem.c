/* Every allocation libssh2 makes for one session, kept on a list so that
 * what it leaks can be freed with the session. libssh2 1.10 returns early
 * from libssh2_sftp_close_handle when the FXP_CLOSE cannot be sent or its
 * answer does not come (the connection is gone, or io_timeout passed), and
 * never frees that handle nor the read-ahead or write requests it holds:
 * 1.5 MB after a stalled 1 MiB write. A daemon facing a flaky server would
 * lose that on every dropped transfer. */
#include "sftp_int.h"

#include <stdlib.h>

static union sftp_block *block_of(void *p)
{
	return (union sftp_block *)p - 1;
}

static void block_link(struct sftp_mem *m, union sftp_block *b)
{
	b->l.prev = &m->head;
	b->l.next = m->head.l.next;
	m->head.l.next->l.prev = b;
	m->head.l.next = b;
}

static void block_unlink(union sftp_block *b)
{
	b->l.prev->l.next = b->l.next;
	b->l.next->l.prev = b->l.prev;
}

void sftp_mem_init(struct sftp_mem *m)
{
	m->head.l.prev = m->head.l.next = &m->head;
}

/* libssh2's allocator callbacks; *abstract is the struct sftp_mem. */
void *sftp_mem_alloc(size_t n, void **abstract)
{
	union sftp_block *b = malloc(sizeof(*b) + n);
	if (!b)
		return NULL;
	block_link(*abstract, b);
	return b + 1;
}

void *sftp_mem_realloc(void *p, size_t n, void **abstract)
{
	if (!p)
		return sftp_mem_alloc(n, abstract);
	union sftp_block *b = block_of(p);
	block_unlink(b);
	union sftp_block *nb = realloc(b, sizeof(*b) + n);
	block_link(*abstract, nb ? nb : b);
	return nb ? nb + 1 : NULL;
}

void sftp_mem_free(void *p, void **abstract)
{
	if (!p)
		return;
	union sftp_block *b = block_of(p);
	block_unlink(b);
	free(b);
}

size_t sftp_mem_release(struct sftp_mem *m)
{
	size_t n = 0;
	while (m->head.l.next != &m->head) {
		union sftp_block *b = m->head.l.next;
		block_unlink(b);
		free(b);
		n++;
	}
	return n;
}
