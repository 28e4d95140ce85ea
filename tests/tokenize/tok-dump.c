/* Test bridge: reads lines from stdin, prints one line of token ids (or pieces) per input line.
 *
 *   tok-dump [-e] [-w] [-W] [-p] [-d] [-i] MODEL
 *     -e  input lines carry backslash escapes (\\ \n \r \t \0 \xHH), so a "line" may hold any byte
 *     -w  a line is a list of words separated by TAB: use tg_tokenizer_encode_words
 *     -W  append " | " and the word index of each token
 *     -p  print pieces instead of ids
 *     -d  print the decoded text of the ids instead
 *     -i  print the vocabulary size, special ids and description, then exit
 * A line that fails prints "ERR: message".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tokenize/tokenizer.h"

static size_t
unescape(char *s, size_t n)
{
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		if (s[i] != '\\' || i + 1 >= n) {
			s[o++] = s[i];
			continue;
		}
		switch (s[++i]) {
		case 'n': s[o++] = '\n'; break;
		case 'r': s[o++] = '\r'; break;
		case 't': s[o++] = '\t'; break;
		case '0': s[o++] = '\0'; break;
		case 'x':
			if (i + 2 < n) {
				char hex[3] = {s[i + 1], s[i + 2], 0};
				s[o++] = (char)strtol(hex, NULL, 16);
				i += 2;
			}
			break;
		default: s[o++] = s[i]; break;
		}
	}
	return o;
}

int
main(int argc, char **argv)
{
	int esc = 0, words = 0, wordidx = 0, pieces = 0, decode = 0, info = 0, opt, n, i;
	tg_error err = {0};
	tg_tokenizer *t;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;

	while ((opt = getopt(argc, argv, "ewWpdi")) != -1) {
		switch (opt) {
		case 'e': esc = 1; break;
		case 'w': words = 1; break;
		case 'W': wordidx = 1; break;
		case 'p': pieces = 1; break;
		case 'd': decode = 1; break;
		case 'i': info = 1; break;
		default:
			fprintf(stderr, "usage: tok-dump [-e] [-w] [-W] [-p] [-d] [-i] MODEL\n");
			return 2;
		}
	}
	if (optind + 1 != argc) {
		fprintf(stderr, "usage: tok-dump [-e] [-w] [-W] [-p] [-d] [-i] MODEL\n");
		return 2;
	}
	if ((t = tg_tokenizer_load(argv[optind], &err)) == NULL) {
		fprintf(stderr, "tok-dump: %s\n", err.msg);
		if (err.hint[0])
			fprintf(stderr, "hint: %s\n", err.hint);
		return 1;
	}
	if (info) {
		const tg_tok_specials *s = tg_tokenizer_specials(t);
		printf("vocab %d\ncls %d\nsep %d\nbos %d\neos %d\npad %d\nunk %d\nmask %d\nkind %d\n%s\n",
		       tg_tokenizer_vocab_size(t), s->cls, s->sep, s->bos, s->eos, s->pad, s->unk, s->mask,
		       (int)tg_tokenizer_kind(t), tg_tokenizer_describe(t));
		tg_tokenizer_free(t);
		return 0;
	}
	while ((len = getline(&line, &cap, stdin)) >= 0) {
		int32_t *ids = NULL, *wo = NULL;
		size_t m = (size_t)len;
		if (m > 0 && line[m - 1] == '\n')
			m--;
		if (esc)
			m = unescape(line, m);
		if (words) {
			const char **w = malloc((m + 2) * sizeof *w);
			int nw = 0;
			size_t a = 0, k;
			line[m] = '\0';
			for (k = 0; k <= m; k++)
				if (k == m || line[k] == '\t') {
					line[k] = '\0';
					if (m > 0)
						w[nw++] = line + a;
					a = k + 1;
				}
			n = tg_tokenizer_encode_words(t, w, nw, &ids, &wo, &err);
			free(w);
		} else {
			n = tg_tokenizer_encode(t, line, m, &ids, &wo, &err);
		}
		if (n < 0) {
			printf("ERR: %s\n", err.msg);
			continue;
		}
		if (decode) {
			char *s = tg_tokenizer_decode(t, ids, n, &err);
			printf("%s\n", s ? s : "ERR");
			free(s);
		} else {
			for (i = 0; i < n; i++) {
				if (pieces)
					printf(i ? " %s" : "%s", tg_tokenizer_piece(t, ids[i]));
				else
					printf(i ? " %d" : "%d", ids[i]);
			}
			if (wordidx) {
				printf(" |");
				for (i = 0; i < n; i++)
					printf(" %d", wo[i]);
			}
			printf("\n");
		}
		free(ids);
		free(wo);
	}
	free(line);
	tg_tokenizer_free(t);
	return 0;
}
