/* Loading a model folder that lies (issue 22): a NaN in a weight reaches the hidden states (attention used to turn
 * a row of NaN scores into zeros) and is reported at load; config.json's sizes are checked against the weights
 * before anything is allocated; FIFOs named like model files are refused instead of blocking open() for ever.
 * Runs under alarm() (a FIFO used to hang) and, outside ASan, a 2 GB address-space limit (hidden_size 65536 over a
 * small model asked for 155 GB). */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include "../tap.h"
#include "model/model.h"
#include "data/data-internal.h"
#include "../testutil.h"

static char tmp[256];

static tg_encoder_config
tiny(void)
{
	tg_encoder_config c;

	tg_encoder_config_sized(&c, TG_ARCH_BERT, (tg_encoder_sizes){ 40, 16, 2, 2, 32, 16 });
	c.hidden_dropout = c.attention_dropout = 0.0f;
	return c;
}

/* Count the NaN and the finite values of a forward pass's last hidden states. */
static void
forward_counts(tg_encoder *e, int64_t *nan, int64_t *finite)
{
	int32_t ids[2 * 6] = { 2, 5, 9, 11, 3, 0,  2, 7, 3, 0, 0, 0 };
	float mask[2 * 6] = { 1, 1, 1, 1, 1, 0,  1, 1, 1, 0, 0, 0 };
	tg_batch b = { .B = 2, .T = 6, .ids = ids, .mask = mask };
	tg_encoder_out out = { 0 };
	tg_error err = { 0 };
	int64_t i;

	*nan = *finite = 0;
	if (tg_encoder_forward(e, NULL, &b, false, -1, &out, &err) != TG_OK) {
		diag("forward: %s", err.msg);
		return;
	}
	for (i = 0; i < out.last->numel; i++) {
		*nan += isnan(out.last->data[i]);
		*finite += isfinite(out.last->data[i]);
	}
	tg_encoder_out_free(&out);
}

/* PyTorch gives NaN hidden states for a NaN in a query weight; tamga gave finite ones (attention's row max skipped
 * the NaN scores and took the row for a fully masked one). */
static void
nan_query_weight(void)
{
	tg_encoder_config c = tiny();
	tg_error err = { 0 };
	tg_encoder *e = tg_encoder_new(&c, false, false, &err);
	int64_t nan, finite;

	if (!ok(e != NULL, "tiny encoder: %s", err.msg))
		return;
	tg_encoder_init_random(e, 7);
	forward_counts(e, &nan, &finite);
	ok(nan == 0 && finite > 0, "finite weights give finite hidden states (%lld NaN)", (long long)nan);
	e->layers[0].w[TG_SITE_Q]->data[3] = NAN;      /* one element of layer 0's query weight */
	forward_counts(e, &nan, &finite);
	ok(nan > 0, "a NaN in a query weight gives NaN hidden states, as in PyTorch (%lld NaN, %lld finite)",
	    (long long)nan, (long long)finite);
	tg_encoder_free(e);
}

/* Run tg_encoder_load with stderr in a file; returns the encoder, the stderr text in buf. */
/* The warnings of a load: the engine says them to the default observer (it never writes to stderr itself). */
typedef struct capture {
	char  *buf;
	size_t n;
} capture;

static void
on_note(void *ud, const tg_event *ev)
{
	capture *c = ud;
	size_t len = strlen(c->buf);

	if (ev->kind == TG_EV_NOTE && ev->severity == TG_SEV_WARNING)
		snprintf(c->buf + len, c->n - len, "%s: %s\n", ev->what ? ev->what : "", ev->msg);
}

static tg_encoder *
load_capture(const char *dir, char *buf, size_t n, tg_error *err)
{
	capture c = { buf, n };
	tg_observer old;
	tg_encoder *e;

	buf[0] = '\0';
	old = tg_observer_set_default(on_note, &c);
	e = tg_encoder_load(dir, err);
	tg_observer_set_default(old.fn, old.ud);
	return e;
}

static void
nonfinite_warning(void)
{
	tg_encoder_config c = tiny();
	tg_error err = { 0 };
	tg_encoder *e = tg_encoder_new(&c, false, false, &err), *back;
	char dir[300], out[4096];
	bool one_line;

	snprintf(dir, sizeof dir, "%s/nan", tmp);
	tg_encoder_init_random(e, 8);
	e->layers[1].w[TG_SITE_K]->data[0] = NAN;
	e->layers[1].w[TG_SITE_K]->data[5] = INFINITY;
	e->layers[1].w[TG_SITE_K]->data[9] = NAN;
	if (!ok(tg_encoder_save(e, dir, &err) == TG_OK, "save a model with 3 non-finite weights: %s", err.msg))
		return;
	back = load_capture(dir, out, sizeof out, &err);
	ok(back != NULL, "it still loads: %s", err.msg);
	one_line = strchr(out, '\n') == strrchr(out, '\n');
	out[strcspn(out, "\n")] = '\0';
	ok(strstr(out, "encoder.layer.1.attention.self.key.weight' has 3 non-finite values") != NULL && one_line,
	    "one warning line names the tensor and the count: %s", out);
	tg_encoder_free(back);
	tg_encoder_free(e);
	snprintf(dir, sizeof dir, "%s/clean", tmp);
	e = tg_encoder_new(&c, false, false, &err);
	tg_encoder_init_random(e, 9);
	tg_encoder_save(e, dir, &err);
	back = load_capture(dir, out, sizeof out, &err);
	ok(back != NULL && out[0] == '\0', "finite weights load without a warning (%s)", out);
	tg_encoder_free(back);
	tg_encoder_free(e);
}

/* config.json over-states the sizes of the weights beside it. */
static void
config_vs_weights(void)
{
	tg_encoder_config c = tiny();
	tg_error err = { 0 };
	tg_encoder *e = tg_encoder_new(&c, false, false, &err), *back;
	char dir[300], path[400];

	snprintf(dir, sizeof dir, "%s/lie", tmp);
	tg_encoder_init_random(e, 10);
	tg_encoder_save(e, dir, &err);
	tg_encoder_free(e);
	snprintf(path, sizeof path, "%s/config.json", dir);
	tu_write_text(path, "{\"model_type\":\"bert\",\"vocab_size\":40,\"hidden_size\":65536,\"num_hidden_layers\":2,"
	    "\"num_attention_heads\":2,\"intermediate_size\":32,\"max_position_embeddings\":16}");
	back = tg_encoder_load(dir, &err);
	ok(back == NULL && strstr(err.msg, "has shape (40, 16), config.json implies (40, 65536)") != NULL,
	    "hidden_size 65536 over width-16 weights: a shape error before any allocation: %s", err.msg);
	tg_encoder_free(back);
	tu_write_text(path, "{\"model_type\":\"bert\",\"vocab_size\":40,\"hidden_size\":16,\"num_hidden_layers\":1024,"
	    "\"num_attention_heads\":2,\"intermediate_size\":32,\"max_position_embeddings\":16}");
	back = tg_encoder_load(dir, &err);
	ok(back == NULL && strstr(err.msg, "config.json has 1024 layers (num_hidden_layers), but the weights hold 2"),
	    "1024 layers in config.json over 2-layer weights: %s", err.msg);
	tg_encoder_free(back);
	ok(tg_encoder_check_weights(dir, &(tg_encoder_config){ 0 }, &err) == TG_ERR,
	    "tg_encoder_check_weights refuses a config with no heads: %s", err.msg);
	tu_write_text(path, "{\"model_type\":\"bert\",\"vocab_size\":40,\"hidden_size\":16,\"num_hidden_layers\":2,"
	    "\"num_attention_heads\":2,\"intermediate_size\":32,\"max_position_embeddings\":16,\"hidden_act\":5}");
	back = tg_encoder_load(dir, &err);
	ok(back == NULL && strstr(err.msg, "\"hidden_act\" must be a string") != NULL,
	    "hidden_act 5 is refused, naming the field (it was read as gelu): %s", err.msg);
	tg_encoder_free(back);
}

/* FIFOs named like the files tamga reads: refused at once (open() of a FIFO blocks until a writer comes). */
static void
fifos(void)
{
	tg_encoder_config c = tiny();
	tg_error err = { 0 };
	tg_encoder *e = tg_encoder_new(&c, false, false, &err), *back;
	char dir[300], path[400], *buf, *start;
	size_t len;

	snprintf(dir, sizeof dir, "%s/fifo", tmp);
	tg_encoder_init_random(e, 11);
	tg_encoder_save(e, dir, &err);
	tg_encoder_free(e);
	snprintf(path, sizeof path, "%s/model.safetensors", dir);
	unlink(path);
	if (!ok(mkfifo(path, 0600) == 0, "mkfifo %s: %s", path, strerror(errno)))
		return;
	alarm(20);
	back = tg_encoder_load(dir, &err);
	ok(back == NULL && strstr(err.msg, "model.safetensors: not a regular file") != NULL,
	    "a FIFO named model.safetensors is refused: %s", err.msg);
	snprintf(path, sizeof path, "%s/config.json", dir);
	unlink(path);
	mkfifo(path, 0600);
	back = tg_encoder_load(dir, &err);
	ok(back == NULL && strstr(err.msg, "config.json: cannot read: not a regular file") != NULL,
	    "a FIFO named config.json is refused: %s", err.msg);
	ok(tg_file_slurp(path, &buf, &len, &start, &err) == TG_ERR &&
	    strstr(err.msg, "cannot open: a FIFO (named pipe)") != NULL, "a data file that is a FIFO is refused: %s",
	    err.msg);
	ok(tg_fopen_regular("/dev/zero", &err) == NULL && strstr(err.msg, "a character device") != NULL,
	    "a device is refused (it never ends): %s", err.msg);
	ok(tg_open_regular(tmp, &err) < 0 && strstr(err.msg, "a folder") != NULL, "a folder is refused: %s", err.msg);
	alarm(0);
}

int
main(void)
{
	signal(SIGPIPE, SIG_IGN);
#if !defined(__SANITIZE_ADDRESS__)
	{
		struct rlimit rl = { 2ull << 30, 2ull << 30 };   /* old code asked for 155 GB here: fail fast, not swap */
		setrlimit(RLIMIT_AS, &rl);
	}
#endif
	tg_threads_init();
	tu_mkdtemp(tmp, sizeof tmp, "tamga-load");
	nan_query_weight();
	nonfinite_warning();
	config_vs_weights();
	fifos();
	tu_rm_rf(tmp);
	return done_testing();
}
