/*
 * diff: matching two captures record by record (format and kinds at the
 * top of diff.h).
 *
 * Each key seen in either capture is one entry: its key text (the key
 * columns' escaped values joined by TAB) in an open-addressing hash, the
 * summed value of each side, and the values of the output columns from
 * the newest side that had the key. Memory is one entry per distinct key.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "diff.h"
#include "internal.h"
#include "maps.h"
#include "rec.h"
#include "schema.h"

#define MAX_OUT FX_REC_MAXSHOW

/* Kinds snapdiff compares; their keys and columns come from the schema. */
static int diffable(enum fx_rec_kind k)
{
	return k == FX_REC_REGION || k == FX_REC_CHUNK || k == FX_REC_TOP ||
	       k == FX_REC_THREAD || k == FX_REC_SUMMARY ||
	       k == FX_REC_OBJECT || k == FX_REC_HOLDERS;
}

/* The index of `name` in kind k's shown columns, or -1. */
static int show_index(enum fx_rec_kind k, const char *name)
{
	const struct fx_reckind *rk = fx_reckind(k);
	int i;

	for (i = 0; i < MAX_OUT && rk->show[i]; i++)
		if (strcmp(rk->show[i], name) == 0)
			return i;
	return -1;
}

static const char *const status_names[] = {
	[FX_DELTA_NEW] = "new",		[FX_DELTA_GROWN] = "grown",
	[FX_DELTA_SAME] = "same",	[FX_DELTA_SHRUNK] = "shrunk",
	[FX_DELTA_GONE] = "gone",
};

struct fx_diff_ent {
	const char *key;	/* key text (owned by d->keys) */
	char *vals;		/* output column values, NUL-separated */
	uint64_t v[2];		/* summed value per side */
	uint64_t span[2];	/* region: end - start */
	uint64_t end[2];	/* region: end */
	uint8_t seen[2];	/* the side has the key */
	uint8_t num[2];		/* the side has a number (not "-") */
	uint8_t dead;		/* merged into another entry */
	int64_t delta;		/* new - old (write time) */
	enum fx_delta_status status;
};

/* Private per-load state: which kind each side's first header had. */
struct load {
	struct fx_diff *d;
	enum fx_diff_side side;
	enum fx_rec_kind kind;	/* this capture's kind so far */
	struct fx_reader rd;
	struct fx_err *err;
};

const char *fx_diff_kind_name(enum fx_rec_kind k)
{
	return fx_reckind(k)->name;
}

const char *fx_delta_status_name(enum fx_delta_status s)
{
	return status_names[s];
}

static int find_col(const struct fx_reader *rd, const char *name)
{
	return fx_reader_col(rd, name);
}

enum fx_rec_kind fx_diff_kind_of(char *const *hdr, size_t n)
{
	enum fx_rec_kind k = fx_reckind_of(hdr, n)->id;

	return diffable(k) ? k : FX_REC_UNKNOWN;
}

int fx_diff_init(struct fx_diff *d, const char *by, const char *group)
{
	memset(d, 0, sizeof(*d));
	fx_buf_init(&d->key);
	d->by = by ? strdup(by) : NULL;
	d->group = group ? strdup(group) : NULL;
	d->keys = calloc(1, sizeof(*d->keys));	/* an empty strtab */
	if ((by && !d->by) || (group && !d->group) || !d->keys) {
		fx_diff_release(d);
		return -ENOMEM;
	}
	return 0;
}

void fx_diff_release(struct fx_diff *d)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		free(d->e[i].vals);
	free(d->e);
	if (d->keys)
		fx_strtab_release(d->keys);
	free(d->keys);
	free(d->by);
	free(d->group);
	fx_buf_release(&d->key);
	memset(d, 0, sizeof(*d));
}

/* The output columns: the kind's, or the group column alone. */
static size_t out_cols(const struct fx_diff *d, const char **cols)
{
	size_t i, n = 0;

	if (d->group) {
		cols[0] = d->group;
		return 1;
	}
	for (i = 0; i < MAX_OUT && fx_reckind(d->kind)->show[i]; i++)
		cols[n++] = fx_reckind(d->kind)->show[i];
	return n;
}

static unsigned key_mask(const struct fx_diff *d)
{
	const struct fx_reckind *rk = fx_reckind(d->kind);
	unsigned m = 0;
	int i;

	if (d->group)
		return 1u;
	for (i = 0; i < MAX_OUT && rk->show[i]; i++)
		if (fx_reckind_is_key(rk, rk->show[i]))
			m |= 1u << i;
	return m;
}

/* A new header: check its kind, find the columns. */
static int header(struct load *l)
{
	struct fx_diff *d = l->d;
	struct fx_reader *rd = &l->rd;
	enum fx_rec_kind k = fx_diff_kind_of(rd->hdr, rd->nhdr);
	const char *cols[MAX_OUT];
	/* The first header is "the header"; a later one is named by the
	 * line of its first record. */
	unsigned long line = l->kind == FX_REC_UNKNOWN ? 0 : rd->lineno;
	size_t i, n;

	if (k == FX_REC_UNKNOWN) {
		fx_err_set(l->err, line,
			   "records of a kind snapdiff does not compare "
			   "(it compares region records, chunk histograms, "
			   "scan --top histograms, thread lists, "
			   "classify summaries, object histograms and "
			   "holders chains)");
		return -EINVAL;
	}
	if (l->kind != FX_REC_UNKNOWN && k != l->kind) {
		fx_err_set(l->err, rd->lineno,
			   "%s after %s: one capture must hold one kind",
			   fx_reckind(k)->name, fx_reckind(l->kind)->name);
		return -EINVAL;
	}
	if (d->kind != FX_REC_UNKNOWN && k != d->kind) {
		fx_err_set(l->err, line,
			   "%s, where the old capture holds %s: compare two "
			   "captures of one kind",
			   fx_reckind(k)->name, fx_reckind(d->kind)->name);
		return -EINVAL;
	}
	l->kind = d->kind = k;
	if (!d->by) {
		d->by = strdup(fx_reckind(k)->sort);
		if (!d->by)
			return -ENOMEM;
	}
	d->by_idx = find_col(rd, d->by);
	if (d->by_idx < 0) {
		fx_err_set(l->err, line, "no column '%s' to compare",
			   d->by);
		return -ENOENT;
	}
	if (d->group) {
		d->group_idx = find_col(rd, d->group);
		if (d->group_idx < 0) {
			fx_err_set(l->err, line,
				   "no column '%s' to group by", d->group);
			return -ENOENT;
		}
	}
	n = out_cols(d, cols);
	for (i = 0; i < n; i++)
		d->col[i] = find_col(rd, cols[i]);
	d->pid_idx = find_col(rd, "pid");
	d->st_idx = find_col(rd, "starttime");
	if (k == FX_REC_REGION) {
		d->start_idx = find_col(rd, "start");
		d->end_idx = find_col(rd, "end");
		if (!d->group && d->col[show_index(k, "class")] >= 0)
			d->has_class = 1;
	}
	if (k == FX_REC_SUMMARY && !d->group &&
	    d->col[show_index(k, "category")] >= 0)
		d->has_class = 1;
	return 0;
}

/* The entry of key d->key, created when new; NULL on -ENOMEM. */
static struct fx_diff_ent *lookup(struct fx_diff *d, int *created)
{
	struct fx_diff_ent *e;
	long i;

	*created = 0;
	i = fx_strtab_find(d->keys, d->key.data, d->key.len);
	if (i >= 0)
		return &d->e[i];
	/* A new key: its entry's room first, so that every key has one. */
	if (FX_GROW(d->e, d->n, d->cap, 256))
		return NULL;
	i = fx_strtab_add(d->keys, d->key.data, d->key.len, NULL);
	if (i < 0)
		return NULL;
	e = &d->e[i];
	memset(e, 0, sizeof(*e));
	e->key = d->keys->e[i].key;
	d->n++;
	*created = 1;
	return e;
}

static const char *field(char *const *f, int idx)
{
	return idx >= 0 ? f[idx] : "-";
}

/* The output values of row f, NUL-separated, into a new string. */
static char *row_vals(const struct fx_diff *d, char *const *f, size_t n)
{
	struct fx_buf b;
	size_t i;

	fx_buf_init(&b);
	for (i = 0; i < n; i++)
		if (fx_buf_add(&b, field(f, d->col[i]),
			       strlen(field(f, d->col[i])) + 1))
			break;
	if (i < n) {
		fx_buf_release(&b);
		return NULL;
	}
	return b.data;
}


/* One record of side l->side. */
/* Note the pid p (text) of a record of side s, started at st (text:
 * its starttime, "-" unknown). */
static void add_pid(struct fx_diff *d, int s, const char *p, const char *st)
{
	long *v = d->pids[s];
	unsigned long long *t = d->starts[s];
	size_t i, n = d->npids[s];
	uint64_t pid, when;

	if (fx_parse_u64(p, &pid, 0) || pid > INT32_MAX)
		return;
	if (!st || fx_parse_u64(st, &when, 0))
		when = 0;
	for (i = 0; i < n && v[i] < (long)pid; i++)
		;
	if (i < n && v[i] == (long)pid) {
		if (!t[i])
			t[i] = when;
		return;
	}
	if (n == FX_DIFF_PIDS) {
		d->pids_more[s] = 1;
		return;
	}
	memmove(v + i + 1, v + i, (n - i) * sizeof(*v));
	memmove(t + i + 1, t + i, (n - i) * sizeof(*t));
	v[i] = (long)pid;
	t[i] = when;
	d->npids[s]++;
}

/* The pids of side s as text ("4242", "4242, 4243", "...") into b. */
static void pid_list(const struct fx_diff *d, int s, char *b, size_t len)
{
	size_t i, at = 0;

	b[0] = '\0';
	for (i = 0; i < d->npids[s] && i < 4 && at < len; i++)
		at += (size_t)snprintf(b + at, len - at, "%s%ld", i ? ", " : "",
				       d->pids[s][i]);
	if ((d->npids[s] > 4 || d->pids_more[s]) && at < len)
		snprintf(b + at, len - at, ", ...");
}

/* A pid of both captures whose start times, both known, differ: its index
 * in d->pids[0] (the same in d->pids[1]), or -1. The pid lists are equal. */
static int reused_pid(const struct fx_diff *d)
{
	size_t i;

	for (i = 0; i < d->npids[0]; i++)
		if (d->starts[0][i] && d->starts[1][i] &&
		    d->starts[0][i] != d->starts[1][i])
			return (int)i;
	return -1;
}

int fx_diff_other_process(const struct fx_diff *d, char *msg, size_t len)
{
	char o[64], w[64];
	int k;

	if (!d->npids[0] || !d->npids[1])
		return 0;
	if (d->npids[0] == d->npids[1] && d->pids_more[0] == d->pids_more[1] &&
	    !memcmp(d->pids[0], d->pids[1], d->npids[0] * sizeof(long))) {
		k = reused_pid(d);
		if (k < 0)
			return 0;
		snprintf(msg, len, "the captures are of different processes: "
			 "pid %ld started at %llu in the old capture, at %llu "
			 "in the new (its pid was reused): records match by "
			 "pid, so another process's are compared as its",
			 d->pids[0][k], d->starts[0][k], d->starts[1][k]);
		return 1;
	}
	pid_list(d, 0, o, sizeof(o));
	pid_list(d, 1, w, sizeof(w));
	snprintf(msg, len, "the captures are of different processes (old: "
		 "pid %s; new: pid %s): records match by pid, so those of a "
		 "pid in one capture only are all new or gone", o, w);
	return 1;
}

static int record(struct load *l)
{
	struct fx_diff *d = l->d;
	char *const *f = l->rd.f;
	const char *cols[MAX_OUT], *v = f[d->by_idx];
	size_t i, n = out_cols(d, cols);
	unsigned keys = key_mask(d);
	struct fx_diff_ent *e;
	uint64_t val = 0, start, end;
	int created, s = l->side;

	if (!(v[0] == '-' && !v[1]) && fx_parse_u64(v, &val, 0)) {
		fx_err_set(l->err, l->rd.lineno,
			   "'%.40s' is not a number in column '%s'", v, d->by);
		return -EDOM;
	}
	fx_buf_reset(&d->key);
	for (i = 0; i < n; i++) {
		const char *k = field(f, d->col[i]);

		if (!(keys >> i & 1))
			continue;
		if ((d->key.len && fx_buf_addc(&d->key, '\t')) ||
		    fx_buf_adds(&d->key, k))
			return -ENOMEM;
	}
	if (!d->key.data && fx_buf_adds(&d->key, ""))
		return -ENOMEM;
	d->key.data[d->key.len] = '\0';
	e = lookup(d, &created);
	if (!e)
		return -ENOMEM;
	if (!e->seen[s] || !e->vals) {
		/* The newest side's values describe the key. */
		char *vals = row_vals(d, f, n);

		if (!vals)
			return -ENOMEM;
		free(e->vals);
		e->vals = vals;
	}
	if (!(v[0] == '-' && !v[1])) {
		e->v[s] = fx_sat_add(e->v[s], val);
		e->num[s] = 1;
	}
	if (d->kind == FX_REC_REGION && !d->group && d->start_idx >= 0 &&
	    d->end_idx >= 0 && !fx_parse_u64(f[d->start_idx], &start, 0) &&
	    !fx_parse_u64(f[d->end_idx], &end, 0) && end >= start) {
		e->span[s] = fx_sat_add(e->span[s], end - start);
		if (end > e->end[s])
			e->end[s] = end;
	}
	e->seen[s] = 1;
	if (d->pid_idx >= 0)
		add_pid(d, s, f[d->pid_idx],
			d->st_idx >= 0 ? f[d->st_idx] : NULL);
	return 0;
}

int fx_diff_load(struct fx_diff *d, enum fx_diff_side side, int fd,
		 struct fx_err *err)
{
	struct load l = { d, side, FX_REC_UNKNOWN, { 0 }, err };
	int r;

	err->line = 0;
	err->msg[0] = '\0';
	if (fx_reader_init(&l.rd, fd, fx_region_cols, fx_region_ncols))
		return -ENOMEM;
	while ((r = fx_reader_next(&l.rd)) != 0) {
		if (r == -EBADMSG) {
			*err = l.rd.err;
			break;
		}
		if (r < 0) {
			fx_err_set(err, 0, "%s", strerror(-r));
			break;
		}
		if (l.rd.hdr_changed && (r = header(&l)) != 0)
			break;
		if ((r = record(&l)) != 0)
			break;
	}
	/* A header alone (no records) still tells the kind. */
	if (!r && l.kind == FX_REC_UNKNOWN && l.rd.hdr) {
		l.rd.hdr_changed = 1;
		r = header(&l);
	}
	if (!r && l.kind == FX_REC_UNKNOWN) {
		fx_err_set(err, 0, "no header and no record (an empty "
			   "capture?)");
		r = -ENODATA;
	}
	if (r == -ENOMEM)
		fx_err_set(err, 0, "out of memory");
	fx_reader_release(&l.rd);
	return r;
}

/* ---- matching what is left by end, and the deltas ---- */

static int by_pid_end(const void *a, const void *b, void *arg)
{
	const struct fx_diff *d = arg;
	const struct fx_diff_ent *x = &d->e[*(const size_t *)a];
	const struct fx_diff_ent *y = &d->e[*(const size_t *)b];
	uint64_t ex = x->seen[0] ? x->end[0] : x->end[1];
	uint64_t ey = y->seen[0] ? y->end[0] : y->end[1];
	int c = strcmp(x->vals, y->vals);	/* pid comes first */

	if (c)
		return c;
	return ex < ey ? -1 : ex > ey;
}

/*
 * Regions only in one capture are matched by pid and end: a stack that
 * grew down keeps its end and moves its start. The new side's entry takes
 * the old side's figures; the old entry is dead.
 */
static int match_by_end(struct fx_diff *d)
{
	size_t *o = malloc((d->n + 1) * sizeof(*o));
	size_t *w = malloc((d->n + 1) * sizeof(*w));
	size_t no = 0, nw = 0, i = 0, j = 0, k;

	if (!o || !w) {
		free(o);
		free(w);
		return -ENOMEM;
	}
	for (k = 0; k < d->n; k++) {
		struct fx_diff_ent *e = &d->e[k];

		if (e->seen[0] != e->seen[1] && e->end[e->seen[1]])
			(e->seen[0] ? o : w)[e->seen[0] ? no++ : nw++] = k;
	}
	qsort_r(o, no, sizeof(*o), by_pid_end, d);
	qsort_r(w, nw, sizeof(*w), by_pid_end, d);
	while (i < no && j < nw) {
		int c = by_pid_end(&o[i], &w[j], d);
		struct fx_diff_ent *a = &d->e[o[i]], *b = &d->e[w[j]];

		if (c < 0) {
			i++;
		} else if (c > 0) {
			j++;
		} else {
			b->v[0] = a->v[0];
			b->num[0] = a->num[0];
			b->span[0] = a->span[0];
			b->end[0] = a->end[0];
			b->seen[0] = 1;
			a->dead = 1;
			i++;
			j++;
		}
	}
	free(o);
	free(w);
	return 0;
}

static void settle(struct fx_diff *d, struct fx_diff_ent *e)
{
	__int128 x = (__int128)e->v[1] - (__int128)e->v[0];

	e->delta = x > INT64_MAX ? INT64_MAX : x < -INT64_MAX ? -INT64_MAX :
	      (int64_t)x;
	if (!e->seen[0])
		e->status = FX_DELTA_NEW;
	else if (!e->seen[1])
		e->status = FX_DELTA_GONE;
	else if (e->delta > 0)
		e->status = FX_DELTA_GROWN;
	else if (e->delta < 0)
		e->status = FX_DELTA_SHRUNK;
	else if (d->kind == FX_REC_REGION && e->span[1] != e->span[0])
		e->status = e->span[1] > e->span[0] ? FX_DELTA_GROWN :
						      FX_DELTA_SHRUNK;
	else
		e->status = FX_DELTA_SAME;
}

static int by_growth(const void *a, const void *b, void *arg)
{
	const struct fx_diff *d = arg;
	const struct fx_diff_ent *x = &d->e[*(const size_t *)a];
	const struct fx_diff_ent *y = &d->e[*(const size_t *)b];

	if (x->delta != y->delta)
		return x->delta > y->delta ? -1 : 1;
	if (x->status != y->status)
		return x->status < y->status ? -1 : 1;
	return strcmp(x->key, y->key);
}

static uint64_t mag(int64_t v)
{
	return v < 0 ? (uint64_t)-v : (uint64_t)v;
}

/* ---- the terminal table: signs, human figures, a total row ---- */

/* A figure for people: sizes human, counts grouped ("50,000"). */
static void figure(char *out, size_t n, uint64_t v, int sign, int size)
{
	char num[32], grp[48];
	size_t len, i, j = 0;

	if (size) {
		fx_human_size(v, grp, sizeof(grp));
	} else {
		snprintf(num, sizeof(num), "%llu", (unsigned long long)v);
		len = strlen(num);
		for (i = 0; i < len; i++) {
			if (i && (len - i) % 3 == 0)
				grp[j++] = ',';
			grp[j++] = num[i];
		}
		grp[j] = '\0';
	}
	snprintf(out, n, "%s%s", sign > 0 ? "+" : sign < 0 ? "-" : "", grp);
}

struct cells {
	char c[3][56];
};

static void table_cells(const struct fx_diff *d, const struct fx_diff_ent *e,
			struct cells *c)
{
	int size = fx_col_is_size(d->by);
	int s;

	s = e->delta > 0 ? 1 : e->delta < 0 ? -1 : 0;
	figure(c->c[0], sizeof(c->c[0]), mag(e->delta), s, size);
	for (s = 0; s < 2; s++) {
		if (e->seen[s] && e->num[s])
			figure(c->c[1 + s], sizeof(c->c[0]), e->v[s], 0, size);
		else
			snprintf(c->c[1 + s], sizeof(c->c[0]), "-");
	}
}

/* Region records without any class column, summaries from before the
 * category column: that column is left out. */
static int skip_col(const struct fx_diff *d, size_t i)
{
	if (d->group)
		return 0;
	if (d->kind == FX_REC_REGION)
		return (int)i == show_index(d->kind, "class") && !d->has_class;
	return d->kind == FX_REC_SUMMARY &&
	       (int)i == show_index(d->kind, "category") &&
	       !d->has_class;
}

/* Right-align a cell to width w (the writer aligns text to the left). */
static int padded(struct fx_writer *w, const char *s, size_t width)
{
	char tmp[64];
	size_t len = strlen(s), pad = len < width ? width - len : 0;

	if (pad + len >= sizeof(tmp))
		return fx_writer_field(w, s, len);
	memset(tmp, ' ', pad);
	memcpy(tmp + pad, s, len + 1);
	return fx_writer_field(w, tmp, pad + len);
}

static int write_row(const struct fx_diff *d, struct fx_writer *w,
		     const struct fx_diff_ent *e, const struct cells *c,
		     const size_t *width, size_t nvals)
{
	const char *p = e->vals;
	size_t i;
	int r = 0, s;

	if (c) {
		for (i = 0; i < 3; i++)
			r |= padded(w, c->c[i], width[i]);
	} else {
		r |= fx_writer_u64(w, mag(e->delta));
		for (s = 0; s < 2; s++)
			r |= e->seen[s] && e->num[s] ? fx_writer_u64(w, e->v[s])
						     : fx_writer_missing(w);
	}
	r |= fx_writer_field(w, status_names[e->status],
			     strlen(status_names[e->status]));
	for (i = 0; i < nvals; i++) {
		if (!skip_col(d, i))
			r |= fx_writer_field(w, p, strlen(p));
		p += strlen(p) + 1;
	}
	if (r)
		return -ENOMEM;
	return fx_writer_end(w);
}

/*
 * The records shown, summed into t, and counted by status into text (for
 * the table's total row).
 */
static void sum_shown(const struct fx_diff *d, const size_t *idx, size_t n,
		      struct fx_diff_ent *t, char *text, size_t tlen)
{
	size_t cnt[FX_DELTA_NSTATUS] = { 0 }, i, len = 0;
	__int128 net = 0;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < n; i++) {
		const struct fx_diff_ent *e = &d->e[idx[i]];

		t->v[0] = fx_sat_add(t->v[0], e->v[0]);
		t->v[1] = fx_sat_add(t->v[1], e->v[1]);
		net += e->delta;
		cnt[e->status]++;
	}
	t->delta = net > INT64_MAX ? INT64_MAX : net < -INT64_MAX ? -INT64_MAX :
	       (int64_t)net;
	t->seen[0] = t->seen[1] = t->num[0] = t->num[1] = 1;
	text[0] = '\0';
	for (i = 0; i < FX_DELTA_NSTATUS; i++)
		if (cnt[i] && len < tlen)
			len += (size_t)snprintf(text + len, tlen - len,
						"%s%zu %s", len ? ", " : "",
						cnt[i], status_names[i]);
}

/* The table's last row: status "total", the key columns empty. */
static int total_row(struct fx_writer *w, const struct cells *c,
		     const char *text, const size_t *width, size_t nout)
{
	size_t i;
	int r = 0;

	for (i = 0; i < 3; i++)
		r |= padded(w, c->c[i], width[i]);
	r |= fx_writer_field(w, "total", 5);
	for (i = 1; i < nout; i++)
		r |= fx_writer_field(w, "", 0);
	r |= fx_writer_field(w, text, strlen(text));
	if (r)
		return -ENOMEM;
	return fx_writer_end(w);
}

int fx_diff_write(struct fx_diff *d, struct fx_writer *w,
		  struct fx_diff_show *show)
{
	const char *cols[4 + MAX_OUT] = { "delta", "old", "new", "status" };
	const char *out[MAX_OUT];
	size_t nout = out_cols(d, out), ncols = 4, i, n = 0;
	size_t width[3] = { 5, 3, 3 };
	struct cells *cells = NULL;
	struct fx_diff_ent total;
	char text[200];
	size_t *idx;
	int table = w->fmt == FX_FMT_TABLE, r = 0;

	for (i = 0; i < nout; i++)
		if (!skip_col(d, i))
			cols[ncols++] = out[i];
	r = fx_writer_columns(w, cols, ncols);
	if (r)
		return r;
	if (d->kind == FX_REC_REGION && !d->group && (r = match_by_end(d)))
		return r;
	memset(show->count, 0, sizeof(show->count));
	idx = malloc((d->n + 1) * sizeof(*idx));
	if (!idx)
		return -ENOMEM;
	for (i = 0; i < d->n; i++) {
		struct fx_diff_ent *e = &d->e[i];

		if (e->dead)
			continue;
		settle(d, e);
		show->count[e->status]++;
		if (e->status == FX_DELTA_SAME && !show->same)
			continue;
		if (mag(e->delta) < show->min_delta)
			continue;
		idx[n++] = i;
	}
	qsort_r(idx, n, sizeof(*idx), by_growth, d);
	if (show->limit && n > show->limit)
		n = show->limit;
	show->shown = n;
	if (table) {
		/* Cells of every row and of the total row (cells[n]), to
		 * right-align them to the widest. */
		cells = calloc(n + 1, sizeof(*cells));
		if (!cells) {
			free(idx);
			return -ENOMEM;
		}
		sum_shown(d, idx, n, &total, text, sizeof(text));
		table_cells(d, &total, &cells[n]);
		for (i = 0; i <= n; i++) {
			if (i < n)
				table_cells(d, &d->e[idx[i]], &cells[i]);
			for (size_t j = 0; j < 3; j++)
				if (strlen(cells[i].c[j]) + 2 > width[j])
					width[j] = strlen(cells[i].c[j]) + 2;
		}
	}
	for (i = 0; i < n && !r; i++)
		r = write_row(d, w, &d->e[idx[i]], table ? &cells[i] : NULL,
			      width, nout);
	if (table && n && !r)
		r = total_row(w, &cells[n], text, width, ncols - 4);
	free(cells);
	free(idx);
	return r;
}
