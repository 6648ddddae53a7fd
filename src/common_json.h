/* JSON through jansson: how the agent builds every JSON it prints or
 * stores (the CLI's --json output, a file's parse summary). Text from
 * outside (a server's file names, a file's fields) is not always UTF-8, and
 * jansson refuses such strings: kjson_text makes them valid first. */
#ifndef KA_COMMON_JSON_H
#define KA_COMMON_JSON_H

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

/* Compact (no blanks after ',' and ':'), keys in the order they were set. */
#define KJSON_FLAGS (JSON_COMPACT | JSON_PRESERVE_ORDER)

/* S as a JSON string, null when S is NULL; each byte that does not belong
 * to a valid UTF-8 sequence becomes U+FFFD. Never NULL (aborts with a
 * message on out-of-memory, as xmalloc does); so do the others below. */
json_t *kjson_text(const char *s);
/* The same for LEN bytes (a NUL among them becomes U+FFFD too). */
json_t *kjson_textn(const char *s, size_t len);
json_t *kjson_int(int64_t v);
json_t *kjson_object(void);
json_t *kjson_array(void);
/* Set KEY (ASCII, from the code) of object OBJ to V, which it takes over. */
void kjson_put(json_t *obj, const char *key, json_t *v);
/* Append V, which it takes over, to array ARR. */
void kjson_add(json_t *arr, json_t *v);
/* V as one line of compact JSON, without a newline; caller frees. */
char *kjson_dump(const json_t *v);
/* V written to OUT the same way; 0, or -1 when the write failed. */
int kjson_print(FILE *out, const json_t *v);

#endif
