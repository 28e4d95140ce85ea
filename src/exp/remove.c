/* Removing a stored run: its rows (steps, evaluations, artifacts) and its files in the workspace. */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "exp/exp.h"

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return (flag == FTW_DP ? rmdir(path) : unlink(path)) == 0 || errno == ENOENT ? 0 : -1;
}

static void
rm_tree(const char *path)
{
	if (access(path, F_OK) == 0)
		nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int
tg_run_remove(tg_store *s, int64_t run_id, tg_error *err)
{
	tg_run_info ri;
	char path[4200];
	const char *ws = tg_store_dir(s);
	int rc;

	tg_run_info_init(&ri);
	if (tg_store_run_get(s, run_id, &ri, err) != TG_OK)
		return TG_ERR;
	if ((ri.status == TG_RUN_RUNNING || ri.status == TG_RUN_PAUSED) && tg_run_lease_held(&ri)) {
		char who[128];
		tg_error_set(err, TG_E_STATE, "run #%lld is %s (%s): it cannot be removed while it trains", (long long)run_id,
		    tg_run_status_name(ri.status), tg_run_lease_holder(&ri, who, sizeof who));
		tg_run_info_clear(&ri);
		return tg_error_hint(err, "cancel it first (c in the workbench, or Ctrl-C where it runs)");
	}
	tg_run_info_clear(&ri);
	if ((rc = tg_store_run_delete(s, run_id, err)) != TG_OK)
		return rc;
	snprintf(path, sizeof path, "%s/run-%lld.ckpt", tg_store_checkpoint_dir(s), (long long)run_id);
	unlink(path);
	snprintf(path, sizeof path, "%s/logs/run-%lld.log", ws, (long long)run_id);
	unlink(path);
	snprintf(path, sizeof path, "%s/adapters/run-%lld", ws, (long long)run_id);
	rm_tree(path);
	snprintf(path, sizeof path, "%s/items/run-%lld", ws, (long long)run_id);
	rm_tree(path);
	return TG_OK;
}
