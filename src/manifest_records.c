/* The manifest's records as callers receive them (manifest.h): the state
 * names and how each record's memory is given back. Shared by the front
 * and every backend; calls nothing of the manifest. */
#include "manifest.h"

#include <stdlib.h>
#include <string.h>

const char *const manifest_states[MANIFEST_NSTATES] = {
	ST_STAGED, ST_PENDING, ST_DELIVERED, ST_DONE, ST_REJECTED, ST_DEAD, ST_CORRUPT,
};

void mfile_release(struct mfile *f)
{
	free(f->route);
	free(f->source_uri);
	free(f->name);
	free(f->format);
	free(f->state);
	free(f->last_error);
	free(f->spool_path);
	free(f->summary);
	memset(f, 0, sizeof(*f));
}

void mdeliveries_free(struct mdelivery *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].dest);
		free(v[i].final_path);
		free(v[i].state);
	}
	free(v);
}

void mevents_free(struct mevent *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].event);
		free(v[i].detail);
	}
	free(v);
}

void mremote_status_free(struct mremote_status *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].remote);
		free(v[i].last_error);
	}
	free(v);
}

void mroute_status_free(struct mroute_status *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].route);
		free(v[i].last_error);
		free(v[i].skipped);
	}
	free(v);
}

void msummary_release(struct msummary *s)
{
	free(s->format);
	for (size_t i = 0; i < s->nerrors; i++) {
		free(s->errors[i].cls);
		free(s->errors[i].field);
		free(s->errors[i].msg);
	}
	free(s->errors);
	for (size_t i = 0; i < s->nwarnings; i++)
		free(s->warnings[i]);
	free(s->warnings);
	memset(s, 0, sizeof(*s));
}
