/* JSON through jansson: strings made valid UTF-8, and building that cannot
 * fail but on out-of-memory (see common_json.h). */
#include "common_json.h"

#include <stdlib.h>
#include <string.h>

#include "common.h"

static void nomem(void) __attribute__((noreturn));
static void nomem(void)
{
	fputs("kargo-agent: out of memory building JSON\n", stderr);
	abort();
}

static json_t *built(json_t *v)
{
	if (!v)
		nomem();
	return v;
}

/* A copy of [S, S+LEN) with every byte outside a valid UTF-8 sequence
 * (and every NUL) replaced by U+FFFD (EF BF BD), its length in *OUTLEN. */
static char *utf8_repair(const char *s, size_t len, size_t *outlen)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;
	char *out = xmalloc(len * 3 + 1);
	size_t o = 0;
	while (p < end) {
		size_t n = *p >= 0x80 ? utf8_seq(p, end) : *p != 0;
		if (n) {
			memcpy(out + o, p, n);
			o += n;
			p += n;
		} else {
			memcpy(out + o, "\xef\xbf\xbd", 3);
			o += 3;
			p++;
		}
	}
	out[o] = '\0';
	*outlen = o;
	return out;
}

json_t *kjson_textn(const char *s, size_t len)
{
	if (!s)
		return built(json_null());
	if (utf8_valid((const unsigned char *)s, len) && !memchr(s, '\0', len))
		return built(json_stringn_nocheck(s, len));
	size_t n;
	char *fixed = utf8_repair(s, len, &n);
	json_t *v = built(json_stringn_nocheck(fixed, n));
	free(fixed);
	return v;
}

json_t *kjson_text(const char *s)
{
	return kjson_textn(s, s ? strlen(s) : 0);
}

json_t *kjson_int(int64_t v)
{
	return built(json_integer((json_int_t)v));
}

json_t *kjson_object(void)
{
	return built(json_object());
}

json_t *kjson_array(void)
{
	return built(json_array());
}

void kjson_put(json_t *obj, const char *key, json_t *v)
{
	if (json_object_set_new(obj, key, v) != 0)
		nomem();
}

void kjson_add(json_t *arr, json_t *v)
{
	if (json_array_append_new(arr, v) != 0)
		nomem();
}

char *kjson_dump(const json_t *v)
{
	char *s = json_dumps(v, KJSON_FLAGS);
	if (!s)
		nomem();   /* every string in V is valid UTF-8 (kjson_text) */
	return s;
}

int kjson_print(FILE *out, const json_t *v)
{
	return json_dumpf(v, out, KJSON_FLAGS) == 0 ? 0 : -1;
}
