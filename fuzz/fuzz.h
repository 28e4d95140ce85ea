/* Shared by the libFuzzer targets: a private scratch folder for readers that take a path, and input splitting.
 *
 *   fuzz-common.c        the helpers below
 *   fuzz-safetensors.c   safetensors header and tensor table (tg_st_open_mem), tensor conversion
 *   fuzz-st-index.c      model.safetensors.index.json over two fixed shards (tg_st_set_open)
 *   fuzz-checkpoint.c    a model folder: fixed tiny config.json + fuzzed model.safetensors (tg_encoder_load)
 *   fuzz-config.c        config.json (tg_encoder_config_load)
 *   fuzz-tokenizer-json.c  tokenizer.json, then encode/decode of text after the split mark
 *   fuzz-vocab.c         tokenizer_config.json + vocab.txt, then encode/decode
 *   fuzz-spm.c           SentencePiece .model files through tg_tokenizer_load, then encode/decode
 *   fuzz-tok-encode.c    arbitrary text through fixed tokenizers of every kind
 *   fuzz-conllu.c        CoNLL-U (both multiword-token conventions)
 *   fuzz-ner.c           PAN-X (with and without a language prefix) and KazNERD
 *   fuzz-pairs.c         XNLI TSV, Kardes-NLU NLI and STS CSV
 *   fuzz-copa.c          XCOPA JSONL and Kardes-NLU COPA CSV
 *   fuzz-text.c          Tatoeba, bitext and eBible (two files), gettext TSV, text lines
 *   fuzz-csv.c           the RFC 4180 record reader with ',' and '\t'
 *   fuzz-layers.c        layer selections (tg_layers_parse / tg_layers_check / tg_layers_format)
 *   fuzz-peft-spec.c     PEFT spec strings (tg_peft_spec_parse / format round trip)
 *   fuzz-adapter.c       adapter folders (adapter_config.json + adapter_model.safetensors, tg_peft_load)
 *   fuzz-resume.c        fine-tuning checkpoints, resumed by a tiny run through tg_train (the trainer's resume path)
 *   tok-exercise.h, data-exercise.h   what the tokenizer and dataset targets do with what loaded
 *   resume-exercise.h    fuzz-resume's tiny run (also used by seed-models and tests/bad-inputs/bad-check)
 *   seed-models.c        seeds written with tamga's own writers (checkpoints, adapters of every method)
 *   mkseeds.py           all other seeds: slices of the data root, generated tokenizers and files
 *   run-fuzz.sh          `make fuzz`: each target for FUZZ_SECONDS, a summary line from libFuzzer's final stats
 *   tamga.dict           one libFuzzer dictionary for every target
 */
#ifndef TG_FUZZ_H
#define TG_FUZZ_H

#include <stddef.h>
#include <stdint.h>

/* The libFuzzer entry points (declared here for -Wmissing-prototypes). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* Where one input is split into several files or strings; listed in fuzz/tamga.dict so the fuzzer finds it. */
#define FZ_SPLIT "\n--8<--\n"

/* The scratch folder of this process (created on first use under $TMPDIR or /dev/shm, removed at exit). */
const char *fz_dir(void);
/* dir/name (malloc'd). */
char *fz_path(const char *name);
/* Write n bytes to dir/name (creating subfolders); returns the malloc'd path. Aborts on I/O failure. */
char *fz_write(const char *name, const void *data, size_t n);
/* Split data at FZ_SPLIT into at most max parts (the last part keeps any further marks); returns the count.
 * part[i]/len[i] point into data. */
int fz_split(const uint8_t *data, size_t size, int max, const uint8_t **part, size_t *len);
/* A NUL-terminated copy (malloc'd). */
char *fz_strndup(const void *data, size_t n);

#endif
