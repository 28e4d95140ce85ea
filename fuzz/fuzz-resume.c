/* Fuzz the trainer's resume path: each input is a fine-tuning checkpoint that a fixed tiny 4-step run
 * (fuzz/resume-exercise.h) resumes from through tg_train, as `tamga train --resume` does: the checks of every
 * field, the checksum and the tensors, then the restored state driving the training loop, its evaluations and the
 * checkpoints it writes back. Seeds (seed-models, mkseeds.py): the run's own checkpoints after steps 1, 3 and 4, and
 * version-1 copies of them (no checksum), whose data the fuzzer can change without failing the checksum. */
#include <stdlib.h>
#include "fuzz/fuzz.h"
#include "fuzz/resume-exercise.h"

static char *path;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc; (void)argv;
	path = fz_path("run.ckpt");
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	tg_error err = {0};
	tg_train_result res;

	free(fz_write("run.ckpt", data, size));
	rx_run(path, true, 0, &res, &err);
	tg_train_result_clear(&res);
	return 0;
}
