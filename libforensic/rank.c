/*
 * rank: --where filters, top-N ranking with a bounded heap, and group-by
 * sums over escaped TSV records.
 */
#include <errno.h>
#include <stdlib.h>

#include "internal.h"
#include "rank.h"
#include "schema.h"
#include "rec.h"

/* ---- filters ---- */

int fx_filter_parse(struct fx_filter *f, const char *expr)
{
	const char *p = expr;
	size_t clen;

	memset(f, 0, sizeof(*f));
	f->idx = -1;
	while ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
	       *p == '_')
		p++;
	clen = (size_t)(p - expr);
	if (clen == 0)
		return -EINVAL;
	switch (*p) {
	case '=': f->op = FX_OP_EQ; p += 1; break;
	case '~': f->op = FX_OP_SUB; p += 1; break;
	case '>': f->op = FX_OP_GT; p += 1; break;
	case '<': f->op = FX_OP_LT; p += 1; break;
	case '!':
		if (p[1] != '=')
			return -EINVAL;
		f->op = FX_OP_NE;
		p += 2;
		break;
	default:
		return -EINVAL;
	}
	f->col = strndup(expr, clen);
	f->val = strdup(p);
	if (!f->col || !f->val) {
		fx_filter_release(f);
		return -ENOMEM;
	}
	f->is_num = fx_parse_u64(f->val, &f->num, 1) == 0;
	if ((f->op == FX_OP_GT || f->op == FX_OP_LT) && !f->is_num) {
		fx_filter_release(f);
		return -EINVAL;
	}
	return 0;
}

void fx_filter_release(struct fx_filter *f)
{
	free(f->col);
	free(f->val);
	f->col = NULL;
	f->val = NULL;
}

int fx_filter_match(const struct fx_filter *f, char *const *fields,
		    struct fx_buf *scratch)
{
	const char *s;
	uint64_t v;
	int num, eq;

	if (f->idx < 0)
		return 0;
	s = fields[f->idx];
	if (strchr(s, '\\')) {
		fx_buf_reset(scratch);
		if (fx_unescape(scratch, s, strlen(s)))
			return 0;
		s = scratch->data;
	}
	num = f->is_num && fx_parse_u64(s, &v, 0) == 0;
	switch (f->op) {
	case FX_OP_EQ:
	case FX_OP_NE:
		eq = num ? v == f->num : strcmp(s, f->val) == 0;
		return f->op == FX_OP_EQ ? eq : !eq;
	case FX_OP_SUB:
		return strstr(s, f->val) != NULL;
	case FX_OP_GT:
		return num && v > f->num;
	case FX_OP_LT:
		return num && v < f->num;
	}
	return 0;
}

/* ---- ranking ---- */

struct fx_rank_ent {
	uint64_t key;
	uint64_t seq;
	int missing;
	char *rec;		/* NUL-separated fields in output order */
	size_t len;
};

/* Group-by state: the group values in the strtab, g[i] for its key i. */
struct fx_group {
	uint64_t count;
	uint64_t *sum;
	uint64_t seq;
};

struct fx_group_tab {
	struct fx_strtab keys;
	struct fx_group *g;
	size_t cap;
	unsigned char *summable;	/* per output column */
};

static char **dup_cols(char *const *c, size_t n)
{
	char **o = calloc(n ? n : 1, sizeof(char *));
	size_t i;

	if (!o)
		return NULL;
	for (i = 0; i < n; i++) {
		o[i] = strdup(c[i]);
		if (!o[i]) {
			while (i--)
				free(o[i]);
			free(o);
			return NULL;
		}
	}
	return o;
}

static void free_strv(char **v, size_t n)
{
	size_t i;

	for (i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

int fx_rank_init(struct fx_rank *k, const char *by, int asc, size_t limit,
		 const char *group)
{
	memset(k, 0, sizeof(*k));
	k->asc = asc;
	k->limit = limit;
	k->by_idx = -1;
	k->group_idx = -1;
	fx_buf_init(&k->line);
	if (by) {
		k->by = strdup(by);
		if (!k->by)
			return -ENOMEM;
	}
	if (group) {
		k->group = strdup(group);
		k->groups = calloc(1, sizeof(*k->groups));
		if (!k->group || !k->groups)
			return -ENOMEM;
	}
	return 0;
}

/* Identifiers and addresses are not quantities: never summed. */
static int summable(const char *col)
{
	enum fx_coltype t = fx_col_type(col);

	return t != FX_COL_ID && t != FX_COL_ADDR;
}

/*
 * Without --by, the kind's own figure (schema.h): rss for regions, inuse
 * for chunks, count for scan --top, delta for snapdiff's records...
 */
static int default_by(struct fx_rank *k, char *const *hdr, size_t n,
		      struct fx_err *err)
{
	const struct fx_reckind *kind = fx_reckind_of(hdr, n);
	const char *by = kind->sort;

	if (k->by)
		return 0;
	if (!by && kind->id == FX_REC_UNKNOWN)
		by = "rss";	/* records of no known kind: as before */
	if (!by) {
		fx_err_set(err, 0, "%s have no figure to rank by: give --by "
			   "COLUMN", kind->name);
		return -ENOENT;
	}
	k->by = strdup(by);
	return k->by ? 0 : -ENOMEM;
}

/* *idx: where column name is in names; else -1, err set, -ENOENT. */
static int col_index(const struct fx_strtab *names, const char *name,
		     const char *what, int *idx, struct fx_err *err)
{
	long c = fx_strtab_find(names, name, strlen(name));

	*idx = c < 0 ? -1 : (int)c;
	if (c >= 0)
		return 0;
	fx_err_set(err, 0, "no column '%s' to %s", name, what);
	return -ENOENT;
}

int fx_rank_columns(struct fx_rank *k, char *const *hdr, size_t n,
		    struct fx_err *err)
{
	struct fx_strtab names;
	size_t i;
	long c;
	int r = 0;

	/* This header's names in a hash (the first of a name that comes
	 * twice): mapping every output column stays linear in n. */
	fx_strtab_init(&names);
	for (i = 0; i < n; i++)
		if (fx_strtab_add(&names, hdr[i], strlen(hdr[i]), NULL) < 0) {
			r = -ENOMEM;
			goto out;
		}
	if (!k->cols) {
		r = default_by(k, hdr, n, err);
		if (r)
			goto out;
		k->cols = dup_cols(hdr, n);
		if (!k->cols) {
			r = -ENOMEM;
			goto out;
		}
		k->ncols = n;
		if (k->group) {
			r = col_index(&names, k->group, "group by",
				      &k->group_idx, err);
			if (r)
				goto out;
			k->groups->summable = malloc(n ? n : 1);
			if (!k->groups->summable) {
				r = -ENOMEM;
				goto out;
			}
			for (i = 0; i < n; i++)
				k->groups->summable[i] =
					(int)i != k->group_idx &&
					summable(k->cols[i]);
		} else {
			r = col_index(&names, k->by, "rank by", &k->by_idx,
				      err);
			if (r)
				goto out;
		}
	}
	/* For each output column, where it is in this input. */
	free(k->map);
	k->map = malloc((k->ncols ? k->ncols : 1) * sizeof(int));
	if (!k->map) {
		r = -ENOMEM;
		goto out;
	}
	k->nmap = n;
	for (i = 0; i < k->ncols; i++) {
		c = fx_strtab_find(&names, k->cols[i], strlen(k->cols[i]));
		k->map[i] = c < 0 ? -1 : (int)c;
	}
out:
	fx_strtab_release(&names);
	return r;
}

/* Is a better than b? */
static int better(const struct fx_rank *k, const struct fx_rank_ent *a,
		  const struct fx_rank_ent *b)
{
	if (a->missing != b->missing)
		return b->missing;
	if (a->key != b->key)
		return k->asc ? a->key < b->key : a->key > b->key;
	return a->seq < b->seq;
}

/* The heap keeps the worst kept record at the root. */
static void sift_down(struct fx_rank *k, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, w = i;
		struct fx_rank_ent t;

		if (l < k->n && better(k, &k->e[w], &k->e[l]))
			w = l;
		if (r < k->n && better(k, &k->e[w], &k->e[r]))
			w = r;
		if (w == i)
			return;
		t = k->e[i];
		k->e[i] = k->e[w];
		k->e[w] = t;
		i = w;
	}
}

static void sift_up(struct fx_rank *k, size_t i)
{
	while (i > 0) {
		size_t p = (i - 1) / 2;
		struct fx_rank_ent t;

		if (!better(k, &k->e[p], &k->e[i]))
			return;
		t = k->e[i];
		k->e[i] = k->e[p];
		k->e[p] = t;
		i = p;
	}
}

/* Offer an entry whose rec is in k->line; copies it only when kept. */
static int offer(struct fx_rank *k, uint64_t key, int missing, uint64_t seq)
{
	struct fx_rank_ent e = { key, seq, missing, NULL, k->line.len };

	if (k->limit && k->n == k->limit) {
		if (!better(k, &e, &k->e[0]))
			return 0;
		e.rec = malloc(e.len + 1);
		if (!e.rec)
			return -ENOMEM;
		memcpy(e.rec, k->line.data, e.len);
		free(k->e[0].rec);
		k->e[0] = e;
		sift_down(k, 0);
		return 0;
	}
	if (FX_GROW(k->e, k->n, k->cap, 64))
		return -ENOMEM;
	e.rec = malloc(e.len + 1);
	if (!e.rec)
		return -ENOMEM;
	memcpy(e.rec, k->line.data, e.len);
	k->e[k->n++] = e;
	if (k->limit)
		sift_up(k, k->n - 1);
	return 0;
}

static int is_missing(const char *s)
{
	return s[0] == '-' && s[1] == '\0';
}

/* Decimal digits only: quantities, not addresses. */
static int parse_dec(const char *s, uint64_t *v)
{
	if (*s < '0' || *s > '9' || (s[0] == '0' && s[1] == 'x'))
		return -EINVAL;
	return fx_parse_u64(s, v, 0);
}

static struct fx_group *group_find(struct fx_rank *k, const char *key)
{
	struct fx_group_tab *t = k->groups;
	size_t len = strlen(key);
	struct fx_group *g;
	uint64_t *sum;
	long i;

	i = fx_strtab_find(&t->keys, key, len);
	if (i >= 0)
		return &t->g[i];
	/* A new group: its room first, so that every key has its group. */
	if (FX_GROW(t->g, t->keys.n, t->cap, 64))
		return NULL;
	sum = calloc(k->ncols ? k->ncols : 1, sizeof(uint64_t));
	if (!sum)
		return NULL;
	i = fx_strtab_add(&t->keys, key, len, NULL);
	if (i < 0) {
		free(sum);
		return NULL;
	}
	g = &t->g[i];
	g->count = 0;
	g->sum = sum;
	g->seq = k->seq;
	return g;
}

/* The field of output column c in an input row, or "-". */
static const char *out_field(struct fx_rank *k, char *const *fields, size_t n,
			     int c)
{
	int i = k->map[c];

	return i >= 0 && (size_t)i < n ? fields[i] : "-";
}

static int add_group(struct fx_rank *k, char *const *fields, size_t n)
{
	struct fx_group *g;
	size_t i;
	uint64_t v;

	g = group_find(k, out_field(k, fields, n, k->group_idx));
	if (!g)
		return -ENOMEM;
	g->count++;
	for (i = 0; i < k->ncols; i++) {
		const char *f;

		if (!k->groups->summable[i])
			continue;
		f = out_field(k, fields, n, (int)i);
		if (is_missing(f))
			continue;
		if (parse_dec(f, &v))
			k->groups->summable[i] = 0;
		else
			g->sum[i] = fx_sat_add(g->sum[i], v);
	}
	return 0;
}

int fx_rank_add(struct fx_rank *k, char *const *fields, size_t n)
{
	const char *kf;
	uint64_t key = 0;
	int missing, c, r;

	k->seq++;
	if (k->group)
		return add_group(k, fields, n);
	kf = out_field(k, fields, n, k->by_idx);
	missing = is_missing(kf);
	if (!missing && fx_parse_u64(kf, &key, 0))
		return -EINVAL;
	k->valued += !missing;
	fx_buf_reset(&k->line);
	for (c = 0; c < (int)k->ncols; c++) {
		const char *f = out_field(k, fields, n, c);

		r = fx_buf_add(&k->line, f, strlen(f) + 1);
		if (r)
			return r;
	}
	return offer(k, key, missing, k->seq);
}

static int cmp_ent(const void *a, const void *b, void *arg)
{
	const struct fx_rank_ent *x = a, *y = b;

	if (better(arg, x, y))
		return -1;
	if (better(arg, y, x))
		return 1;
	return 0;
}

/* Turn the groups into ranked records: count, sums, group value. */
static int groups_to_entries(struct fx_rank *k, char ***cols, size_t *ncols,
			     struct fx_err *err)
{
	struct fx_group_tab *t = k->groups;
	size_t i, c, nc = 0;
	int by = -2, r = 0;
	char **oc;

	oc = calloc(k->ncols + 2, sizeof(char *));
	if (!oc)
		return -ENOMEM;
	oc[nc++] = "count";
	if (strcmp(k->by, "count") == 0)
		by = -1;
	for (c = 0; c < k->ncols; c++) {
		if (!t->summable[c])
			continue;
		if (strcmp(k->cols[c], k->by) == 0)
			by = (int)c;
		oc[nc++] = k->cols[c];
	}
	oc[nc++] = k->cols[k->group_idx];
	if (by == -2) {
		fx_err_set(err, 0, "cannot rank groups by '%s': not a summed "
			   "column", k->by);
		free(oc);
		return -ENOENT;
	}
	for (i = 0; i < t->keys.n && !r; i++) {
		struct fx_group *g = &t->g[i];
		const struct fx_strtab_ent *key = &t->keys.e[i];

		fx_buf_reset(&k->line);
		r |= fx_buf_add_u64(&k->line, g->count);
		r |= fx_buf_addc(&k->line, 0);
		for (c = 0; c < k->ncols; c++) {
			if (!t->summable[c])
				continue;
			r |= fx_buf_add_u64(&k->line, g->sum[c]);
			r |= fx_buf_addc(&k->line, 0);
		}
		r |= fx_buf_add(&k->line, key->key, key->len + 1);
		if (!r)
			r = offer(k, by == -1 ? g->count : g->sum[by], 0,
				  g->seq);
	}
	*cols = oc;
	*ncols = nc;
	return r ? -ENOMEM : 0;
}

int fx_rank_write(struct fx_rank *k, struct fx_writer *w, struct fx_err *err)
{
	char **cols = k->cols, **gcols = NULL;
	size_t ncols = k->ncols, i, f;
	int r;

	if (!k->cols)
		return 0;	/* no input at all */
	if (!k->group && k->n && !k->valued) {
		/* Keeping the first N of records that all lack the figure
		 * would look like a ranking and be none. */
		fx_err_set(err, 0, "no record has a value in column '%s' to "
			   "rank by (memmap --fast leaves the figures out: "
			   "give --by a column the records have, e.g. size)",
			   k->by);
		return -ENODATA;
	}
	if (k->group) {
		r = groups_to_entries(k, &gcols, &ncols, err);
		if (r)
			return r;
		cols = gcols;
	}
	qsort_r(k->e, k->n, sizeof(*k->e), cmp_ent, k);
	r = fx_writer_columns(w, (const char *const *)cols, ncols);
	for (i = 0; i < k->n && !r; i++) {
		const char *p = k->e[i].rec;

		for (f = 0; f < ncols && !r; f++) {
			size_t l = strlen(p);

			r = fx_writer_field(w, p, l);
			p += l + 1;
		}
		if (!r)
			r = fx_writer_end(w);
	}
	free(gcols);
	return r;
}

void fx_rank_release(struct fx_rank *k)
{
	size_t i;

	for (i = 0; i < k->n; i++)
		free(k->e[i].rec);
	free(k->e);
	if (k->groups) {
		for (i = 0; i < k->groups->keys.n; i++)
			free(k->groups->g[i].sum);
		fx_strtab_release(&k->groups->keys);
		free(k->groups->g);
		free(k->groups->summable);
		free(k->groups);
	}
	free_strv(k->cols, k->ncols);
	free(k->map);
	free(k->by);
	free(k->group);
	fx_buf_release(&k->line);
	memset(k, 0, sizeof(*k));
}
