/* NER readers: PAN-X as processed by XTREME ("token<TAB>TAG") and KazNERD ("token TAG"), IOB2, blank-line separated. */
#include <stdlib.h>
#include <string.h>
#include "data/data-internal.h"

enum { NER_PANX, NER_KAZNERD };

/* 'O', 'B' or 'I' for a well-formed IOB2 tag; 0 otherwise. */
static char
iob_prefix(const char *tag)
{
	if (strcmp(tag, "O") == 0)
		return 'O';
	if ((tag[0] == 'B' || tag[0] == 'I') && tag[1] == '-' && tag[2] != '\0')
		return tag[0];
	return 0;
}

static tg_dataset *
ner_read(const char *path, int fmt, const tg_read_opts *opts, tg_error *err)
{
	tg_dataset *ds;
	tg_lineit it;
	char *line, prefix[40];
	const char *prev = "O";
	size_t linelen, plen = 0;
	int64_t sent_line = 0, sent_words = 0;
	int grow, lenient = opts != NULL && opts->lenient, skipping = 0;
	tg_error local = { 0 }, *E = lenient ? &local : err;   /* lenient: sentence errors are reported, not returned */

	if ((ds = tg_dataset_from_file(path, TG_DS_TAGGING, 0, 0, &it, err)) == NULL)
		return NULL;
	if (fmt == NER_PANX)
		ds->labels = tg_labels_for(opts, tg_panx_tags, 7, &grow);
	else
		ds->labels = tg_labels_for(opts, NULL, 0, &grow);
	if (opts != NULL && opts->lang_prefix != NULL) {
		snprintf(prefix, sizeof prefix, "%s:", opts->lang_prefix);
		plen = strlen(prefix);
	}
	while ((line = tg_lineit_next(&it, &linelen)) != NULL) {
		char *sep, *tag, *tok = line;
		int32_t id;
		char pfx;

		if (skipping) {                 /* lenient: the rest of a malformed sentence */
			skipping = linelen != 0;
			continue;
		}
		if (linelen == 0) {
			if (sent_words > 0)
				tg_dataset_end_sentence(ds, sent_line);
			sent_words = 0;
			prev = "O";
			continue;
		}
		if (fmt == NER_PANX) {
			sep = strchr(line, '\t');
			if (sep == NULL) {
				tg_error_at(E, path, it.line, "expected token<TAB>tag, found no tab");
				if (strchr(line, ' ') != NULL)
					tg_error_hint(E, "PAN-X separates token and tag by a tab; KazNERD files use a space");
				goto bad;
			}
			if (strchr(sep + 1, '\t') != NULL) {
				int nf = 1;
				char *q;

				for (q = line; *q; q++)
					nf += *q == '\t';
				tg_error_at(E, path, it.line, "expected 2 tab-separated fields, found %d", nf);
				goto bad;
			}
		} else {
			sep = strrchr(line, ' ');
			if (sep == NULL) {
				tg_error_at(E, path, it.line, "expected 'token TAG', found no space");
				if (strchr(line, '\t') != NULL)
					tg_error_hint(E, "KazNERD separates token and tag by a space; PAN-X files use a tab");
				goto bad;
			}
		}
		*sep = '\0';
		tag = sep + 1;
		if (plen > 0 && strncmp(tok, prefix, plen) == 0)
			tok += plen;
		if (*tok == '\0') {
			tg_error_at(E, path, it.line, "empty token");
			goto bad;
		}
		pfx = iob_prefix(tag);
		if (pfx == 0) {
			tg_error_at(E, path, it.line, "tag '%s' is not IOB2 (O, B-TYPE or I-TYPE)", tag);
			goto bad;
		}
		if (pfx == 'I' && (strcmp(prev, "O") == 0 || strcmp(prev + 2, tag + 2) != 0)) {
			tg_error_at(E, path, it.line, "%s continues no %s entity (previous tag: %s)", tag, tag + 2, prev);
			tg_error_hint(E, "IOB2 entities start with B-; convert IOB1 data to IOB2 first");
			goto bad;
		}
		id = tg_labels_find(ds->labels, tag);
		if (id < 0) {
			if (!grow) {
				tg_error_at(E, path, it.line, "unknown tag '%s'", tag);
				if (fmt == NER_PANX)
					tg_error_hint(E, "PAN-X tags are O, B-PER, I-PER, B-ORG, I-ORG, B-LOC, I-LOC");
				goto bad;
			}
			id = tg_labels_add(ds->labels, tag);
		}
		if (sent_words == 0)
			sent_line = it.line;
		tg_read_check_token(opts, path, it.line, tok);
		tg_dataset_push_word(ds, tok, id);
		sent_words++;
		prev = tag;
		continue;
bad:
		/* strict: the first error ends the read; lenient: report it, drop the sentence's words, go on */
		if (!lenient)
			goto fail;
		tg_read_skip(opts, ds, E);
		ds->n_words = ds->off[ds->n];
		sent_words = 0;
		prev = "O";
		skipping = 1;
	}
	if (sent_words > 0)
		tg_dataset_end_sentence(ds, sent_line);
	ds->labels->frozen = !grow;
	return ds;
fail:
	tg_dataset_free(ds);
	return NULL;
}

tg_dataset *
tg_panx_read(const char *path, const tg_read_opts *opts, tg_error *err)
{
	return ner_read(path, NER_PANX, opts, err);
}

tg_dataset *
tg_kaznerd_read(const char *path, const tg_read_opts *opts, tg_error *err)
{
	return ner_read(path, NER_KAZNERD, opts, err);
}
