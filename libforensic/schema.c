/*
 * schema: the record kinds and their columns (format at the top of
 * schema.h). Adding a kind or a column starts here.
 */
#include <string.h>

#include "internal.h"
#include "maps.h"
#include "schema.h"

/* Every column name any kind has, by its one type. */
static const char *const id_names[] = { "pid", "tid", "inode", "dev",
					"arena", "depth", "ppid",
					"starttime" };
static const char *const addr_names[] = { "start", "end", "offset", "addr",
	"region_start", "stack_start", "stack_end" };
static const char *const bytes_names[] = {
	"size", "rss", "pss", "pss_dirty", "shared_clean", "shared_dirty",
	"private_clean", "private_dirty", "referenced", "anonymous", "swap",
	"swap_pss", "locked", "anon_huge", "bytes", "stack_size",
	"stack_rss", "committed",
};
static const char *const count_names[] = { "count", "inuse", "free",
					   "regions", "len", "holes" };

const char *const fx_region_cols[] = {
	"pid", "start", "end", "perms", "offset", "dev", "inode", "size",
	"rss", "pss", "pss_dirty", "shared_clean", "shared_dirty",
	"private_clean", "private_dirty", "referenced", "anonymous", "swap",
	"swap_pss", "locked", "anon_huge", "vmflags", "kind", "starttime",
	"name",
};
const size_t fx_region_ncols = FX_ARRAY_SIZE(fx_region_cols);

const char *const fx_region_dump_cols[3] = { "file", "sha256", "holes" };
const char *const fx_region_class_cols[2] = { "class", "detail" };

static const char *const hit_cols[] = { "pid", "addr", "region_start",
					"enc", "len", "starttime", "text" };
static const char *const ctx_cols[] = { "pid", "addr", "region_start", "enc",
					"len", "before", "after", "starttime",
					"text" };
static const char *const top_cols[] = { "count", "bytes", "enc", "text" };
static const char *const chunk_cols[] = { "pid", "arena", "size", "inuse",
	"free", "inuse_bytes", "free_bytes", "starttime", "type" };
static const char *const thread_cols[] = { "pid", "tid", "comm",
	"stack_start", "stack_end", "stack_size", "stack_rss", "starttime",
	"stack" };
static const char *const summary_cols[] = { "pid", "regions", "size",
	"committed", "rss", "inuse_bytes", "free_bytes", "starttime", "class",
	"category" };
static const char *const object_cols[] = { "pid", "count", "bytes",
					   "starttime", "class" };
static const char *const holders_cols[] = { "pid", "depth", "count", "bytes",
					    "starttime", "class" };
static const char *const hole_cols[] = { "pid", "start", "end", "reason" };
static const char *const delta_cols[] = { "delta", "old", "new", "status" };

#define COLS(a) a, FX_ARRAY_SIZE(a)

/* In the order fx_reckind_of tries them: a kind whose telling columns
 * include another's comes first (scan --context's hits before hits). */
static const struct fx_reckind kinds[FX_REC_NKINDS] = {
	[FX_REC_UNKNOWN] = { FX_REC_UNKNOWN, "unknown records", NULL, 0,
			     { NULL }, { NULL }, { NULL }, NULL },
	[FX_REC_DELTA] = { FX_REC_DELTA, "snapdiff deltas", COLS(delta_cols),
			   { NULL }, { NULL }, { "delta", "old", "status" },
			   "delta" },
	[FX_REC_REGION] = { FX_REC_REGION, "region records",
			    COLS(fx_region_cols), { "pid", "start" },
			    { "pid", "start", "end", "class", "name" },
			    { "start", "end", "perms" }, "rss" },
	[FX_REC_HIT_CONTEXT] = { FX_REC_HIT_CONTEXT, "scan hits with context",
				 COLS(ctx_cols), { "pid", "addr", "enc" },
				 { "pid", "addr", "enc", "text" },
				 { "addr", "before", "after" }, "len" },
	[FX_REC_HIT] = { FX_REC_HIT, "scan hits", COLS(hit_cols),
			 { "pid", "addr", "enc" },
			 { "pid", "addr", "enc", "text" },
			 { "addr", "region_start", "len" }, "len" },
	[FX_REC_TOP] = { FX_REC_TOP, "a scan --top histogram", COLS(top_cols),
			 { "enc", "text" }, { "enc", "text" },
			 { "count", "enc", "text" }, "count" },
	[FX_REC_CHUNK] = { FX_REC_CHUNK, "a chunk histogram", COLS(chunk_cols),
			   { "pid", "arena", "size", "type" },
			   { "pid", "arena", "size", "type" },
			   { "arena", "inuse", "free" }, "inuse" },
	[FX_REC_THREAD] = { FX_REC_THREAD, "a thread list", COLS(thread_cols),
			    { "pid", "tid" }, { "pid", "tid", "comm" },
			    { "tid", "stack_start" }, "stack_rss" },
	[FX_REC_SUMMARY] = { FX_REC_SUMMARY, "a classify summary",
			     COLS(summary_cols), { "pid", "class", "category" },
			     { "pid", "class", "category" },
			     { "regions", "class" }, "rss" },
	[FX_REC_HOLDERS] = { FX_REC_HOLDERS, "a holders chain",
			     COLS(holders_cols), { "pid", "depth", "class" },
			     { "pid", "depth", "class" },
			     { "depth", "count", "class" }, "count" },
	[FX_REC_OBJECT] = { FX_REC_OBJECT, "an object histogram",
			    COLS(object_cols), { "pid", "class" },
			    { "pid", "class" }, { "count", "bytes", "class" },
			    "bytes" },
	[FX_REC_HOLE] = { FX_REC_HOLE, "a holes list", COLS(hole_cols),
			  { "pid", "start" }, { "pid", "start", "end", "reason" },
			  { "start", "end", "reason" }, NULL },
};

const struct fx_reckind *fx_reckind(enum fx_rec_kind id)
{
	return &kinds[id < FX_REC_NKINDS ? id : FX_REC_UNKNOWN];
}

static int has(char *const *hdr, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(hdr[i], name) == 0)
			return 1;
	return 0;
}

const struct fx_reckind *fx_reckind_of(char *const *hdr, size_t n)
{
	size_t k, i;

	for (k = FX_REC_UNKNOWN + 1; k < FX_REC_NKINDS; k++) {
		for (i = 0; i < 3 && kinds[k].need[i]; i++)
			if (!has(hdr, n, kinds[k].need[i]))
				break;
		if (i == 3 || !kinds[k].need[i])
			return &kinds[k];
	}
	return &kinds[FX_REC_UNKNOWN];
}

int fx_reckind_is_key(const struct fx_reckind *k, const char *name)
{
	size_t i;

	for (i = 0; i < 4 && k->key[i]; i++)
		if (strcmp(k->key[i], name) == 0)
			return 1;
	return 0;
}

enum fx_coltype fx_col_type(const char *name)
{
	static const struct {
		const char *const *names;
		size_t n;
		enum fx_coltype type;
	} types[] = { { COLS(id_names), FX_COL_ID },
		      { COLS(addr_names), FX_COL_ADDR },
		      { COLS(bytes_names), FX_COL_BYTES },
		      { COLS(count_names), FX_COL_COUNT } };
	size_t i, n = strlen(name);

	for (i = 0; i < FX_ARRAY_SIZE(types); i++)
		if (fx_in_list(name, types[i].names, types[i].n))
			return types[i].type;
	if (n > 6 && strcmp(name + n - 6, "_bytes") == 0)
		return FX_COL_BYTES;
	return FX_COL_TEXT;
}

int fx_col_is_size(const char *name)
{
	return fx_col_type(name) == FX_COL_BYTES;
}
