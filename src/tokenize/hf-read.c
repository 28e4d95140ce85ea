/* Reading tokenizer.json members (hf-int.h): type checks, and messages that name the file and the JSON path. */
#include <stdarg.h>
#include <stdio.h>
#include "tokenize/hf-int.h"

int __attribute__((format(printf, 3, 4)))
hf_jfail(jctx *c, const char *where, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return tg_error_set(c->err, TG_E_FORMAT, "%s: %s: %s", c->file, where, msg);
}

const char *
hf_jtype(const json_t *j)
{
	switch (json_typeof(j)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL: return "a number";
	case JSON_TRUE: case JSON_FALSE: return "a boolean";
	default: return "null";
	}
}

/* Optional boolean member: absent or null keeps *out. */
int
hf_jbool(jctx *c, json_t *o, const char *where, const char *key, bool *out)
{
	json_t *j = json_object_get(o, key);

	if (j == NULL || json_is_null(j))
		return TG_OK;
	if (!json_is_boolean(j))
		return hf_jfail(c, where, "'%s' should be true or false, not %s", key, hf_jtype(j));
	*out = json_is_true(j);
	return TG_OK;
}

const char *
hf_jobject_type(jctx *c, json_t *j, const char *where)
{
	json_t *t;

	if (!json_is_object(j)) {
		hf_jfail(c, where, "expected an object, found %s", hf_jtype(j));
		return NULL;
	}
	t = json_object_get(j, "type");
	if (json_is_string(t))
		return json_string_value(t);
	if (t == NULL)
		hf_jfail(c, where, "missing 'type'");
	else
		hf_jfail(c, where, "'type' should be a string, not %s", hf_jtype(t));
	return NULL;
}

int
hf_jsequence(jctx *c, json_t *j, const char *where, const char *key, hf_jparse_fn parse, void *items, size_t size,
    int *n)
{
	json_t *a = json_object_get(j, key);
	char sub[160];
	size_t i;

	if (!json_is_array(a))
		return hf_jfail(c, where, "'%s' should be an array", key);
	for (i = 0; i < json_array_size(a); i++) {
		snprintf(sub, sizeof sub, "%s.%s[%zu]", where, key, i);
		(*n)++;
		if (parse(c, json_array_get(a, i), sub, (char *)items + i * size) != TG_OK)
			return TG_ERR;
	}
	return TG_OK;
}

const char *
hf_jstr(json_t *o, const char *key)
{
	json_t *j = json_object_get(o, key);
	return json_is_string(j) ? json_string_value(j) : NULL;
}
