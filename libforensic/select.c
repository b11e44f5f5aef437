/*
 * select: ranges to work on, from records or from the command line.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"
#include "maps.h"
#include "proc.h"
#include "rec.h"
#include "select.h"

/* Columns dump-region computes: never passed through from the input. */
static const char *const recomputed[] = { "file", "sha256", "holes" };

void fx_selection_init(struct fx_selection *sel)
{
	memset(sel, 0, sizeof(*sel));
	fx_buf_init(&sel->smaps);
}

void fx_selection_release(struct fx_selection *sel)
{
	size_t i, k;

	for (i = 0; i < sel->n; i++) {
		for (k = 0; k < sel->ncols; k++)
			free(sel->s[i].f[k]);
		free(sel->s[i].f);
	}
	for (k = 0; k < sel->ncols; k++)
		free(sel->cols[k]);
	free(sel->cols);
	free(sel->s);
	free(sel->pid);
	if (sel->pidtab)
		fx_strtab_release(sel->pidtab);
	free(sel->pidtab);
	fx_buf_release(&sel->smaps);
	memset(sel, 0, sizeof(*sel));
}

int fx_selection_col(const struct fx_selection *sel, const char *name)
{
	size_t i;

	for (i = 0; i < sel->ncols; i++)
		if (!strcmp(sel->cols[i], name))
			return (int)i;
	return -1;
}

unsigned long long fx_selection_pin(const struct fx_selection *sel, long pid)
{
	int c = fx_selection_col(sel, "starttime");
	uint64_t v;
	size_t i;

	if (sel->pin || c < 0)
		return sel->pin;
	for (i = 0; i < sel->n; i++)
		if (sel->s[i].pid == pid)
			return fx_parse_u64(sel->s[i].f[c], &v, 0) ? 0 : v;
	return 0;
}

static int set_cols(struct fx_selection *sel, const struct fx_reader *r)
{
	int st = fx_reader_col(r, "starttime") >= 0;
	size_t i;

	sel->cols = calloc(r->nhdr + 1, sizeof(*sel->cols));
	if (!sel->cols)
		return -ENOMEM;
	for (i = 0; i <= r->nhdr; i++) {
		/* Records without a start time (saved before it was a
		 * column): it goes before name, or last, as "-". */
		if (!st && (i == r->nhdr || !strcmp(r->hdr[i], "name"))) {
			st = 1;
			sel->cols[sel->ncols] = strdup("starttime");
			if (!sel->cols[sel->ncols++])
				return -ENOMEM;
		}
		if (i == r->nhdr)
			break;
		if (fx_in_list(r->hdr[i], recomputed,
			       FX_ARRAY_SIZE(recomputed)))
			continue;
		sel->cols[sel->ncols] = strdup(r->hdr[i]);
		if (!sel->cols[sel->ncols++])
			return -ENOMEM;
	}
	if (fx_selection_col(sel, "pid") < 0 ||
	    fx_selection_col(sel, "start") < 0 ||
	    fx_selection_col(sel, "end") < 0) {
		fx_err_set(&sel->err, r->lineno,
			   "the input has no pid, start and end columns "
			   "(region records, e.g. from memmap)");
		return -EINVAL;
	}
	return 0;
}

/* Note pid among the distinct pids (a hash: a million pids stay linear). */
static int add_pid(struct fx_selection *sel, long pid)
{
	long k;

	if (!sel->pidtab) {
		sel->pidtab = calloc(1, sizeof(*sel->pidtab));
		if (!sel->pidtab)
			return -ENOMEM;
	}
	if (fx_strtab_find(sel->pidtab, (const char *)&pid, sizeof(pid)) >= 0)
		return 0;
	if (FX_GROW(sel->pid, sel->npids, sel->pidcap, 8))
		return -ENOMEM;
	k = fx_strtab_add(sel->pidtab, (const char *)&pid, sizeof(pid), NULL);
	if (k < 0)
		return (int)k;
	sel->pid[sel->npids++] = pid;
	return 0;
}

/* The current row of r as one more selection. */
static int add_row(struct fx_selection *sel, struct fx_reader *r)
{
	struct fx_sel *s;
	uint64_t pid, start, end;
	const char *v;
	size_t k;
	int c, cs, ce;

	/* A later header (after `cat a b`) may lack a column: check each. */
	c = fx_reader_col(r, "pid");
	cs = fx_reader_col(r, "start");
	ce = fx_reader_col(r, "end");
	if (c < 0 || cs < 0 || ce < 0 || (size_t)c >= r->nf ||
	    (size_t)cs >= r->nf || (size_t)ce >= r->nf ||
	    fx_parse_u64(r->f[c], &pid, 0) || !pid || pid > 0x7fffffff ||
	    fx_parse_u64(r->f[cs], &start, 0) ||
	    fx_parse_u64(r->f[ce], &end, 0) || end <= start ||
	    start % 4096 || end % 4096) {
		fx_err_set(&sel->err, r->lineno,
			   "line %lu: not a region record (pid, start, end)",
			   r->lineno);
		return -EBADMSG;
	}
	/* memmap --rollup's record is the process's totals, its span the
	 * whole address space ("42T mapped", then EFBIG): not a region. */
	if (fx_reader_rollup(r, pid, &sel->err)) {
		struct fx_err why = sel->err;

		fx_err_set(&sel->err, r->lineno, "line %lu: %s", r->lineno,
			   why.msg);
		return -EBADMSG;
	}
	/* The same range twice (after `cat a b`, or a tee): once. */
	if (sel->n && sel->s[sel->n - 1].pid == (long)pid &&
	    sel->s[sel->n - 1].start == start && sel->s[sel->n - 1].end == end)
		return 0;
	if (FX_GROW(sel->s, sel->n, sel->cap, 64))
		return -ENOMEM;
	s = &sel->s[sel->n];
	s->pid = (long)pid;
	s->start = start;
	s->end = end;
	s->f = calloc(sel->ncols, sizeof(*s->f));
	if (!s->f)
		return -ENOMEM;
	sel->n++;
	for (k = 0; k < sel->ncols; k++) {
		c = fx_reader_col(r, sel->cols[k]);
		v = c >= 0 && (size_t)c < r->nf ? r->f[c] : "-";
		s->f[k] = strdup(v);
		if (!s->f[k])
			return -ENOMEM;
	}
	return add_pid(sel, s->pid);
}

int fx_selection_read(struct fx_selection *sel, int fd)
{
	struct fx_reader r;
	int ret;

	ret = fx_reader_init(&r, fd, fx_region_cols, fx_region_ncols);
	if (ret)
		return ret;
	while ((ret = fx_reader_next(&r)) > 0) {
		if (!sel->cols && (ret = set_cols(sel, &r)))
			break;
		ret = add_row(sel, &r);
		if (ret)
			break;
	}
	if (ret == -EBADMSG && !sel->err.msg[0])
		sel->err = r.err;
	fx_reader_release(&r);
	return ret < 0 ? ret : 0;
}

/* Whether a region of m is named "[name]" ([heap], [stack], [vdso]):
 * what a selector "heap" was meant to be. */
static int bracketed(const struct fx_maps *m, const char *name)
{
	size_t i, n = strlen(name);

	for (i = 0; i < m->n; i++)
		if (m->r[i].name_len == n + 2 && m->r[i].name[0] == '[' &&
		    !memcmp(m->r[i].name + 1, name, n) &&
		    m->r[i].name[n + 1] == ']')
			return 1;
	return 0;
}

/* Does selector a pick region g? Clips *s, *e for ranges. */
static int picks(const char *a, const struct fx_region *g, uint64_t *s,
		 uint64_t *e)
{
	const char *slash;
	uint64_t x, y;
	char *dash;

	if (!strncmp(a, "0x", 2)) {
		dash = strchr(a, '-');
		if (!dash) {
			if (fx_parse_u64(a, &x, 0))
				return -1;
			return x >= g->start && x < g->end;
		}
		*dash = 0;
		x = y = 0;
		if (fx_parse_u64(a, &x, 0) || fx_parse_u64(dash + 1, &y, 0) ||
		    y <= x) {
			*dash = '-';
			return -1;
		}
		*dash = '-';
		x &= ~4095ULL;
		y = (y + 4095) & ~4095ULL;
		if (y <= g->start || x >= g->end)
			return 0;
		*s = x > g->start ? x : g->start;
		*e = y < g->end ? y : g->end;
		return 1;
	}
	if (!g->name_len)
		return 0;
	if (!strcmp(g->name, a))
		return 1;
	slash = strrchr(g->name, '/');
	return slash && !strcmp(slash + 1, a);
}

int fx_selection_args(struct fx_selection *sel, int argc, char **argv)
{
	struct fx_maps m;
	struct fx_writer w;
	struct fx_region g;
	struct fx_proc p;
	struct fx_buf b;
	uint64_t s, e;
	size_t i;
	int a, fd, r, hit, any, pid;

	if (fx_pid_parse(argv[0], &pid, &sel->pin)) {
		fx_err_set(&sel->err, 0, "'%s' is not a pid (PID, or "
			   "PID@STARTTIME to pin the process meant)", argv[0]);
		return -EINVAL;
	}
	r = fx_proc_open_pinned(&p, pid, sel->pin);
	if (r == -ESTALE) {
		fx_err_set(&sel->err, 0, "process %d is not the one meant: it "
			   "did not start at %llu (that process exited; its pid "
			   "was reused)", pid, sel->pin);
		return r;
	}
	if (r) {
		fx_err_set(&sel->err, 0, "cannot open process %d: %s%s",
			   pid, strerror(-r),
			   r == -EACCES ? " (run as the process owner or root)" :
					  "");
		return r;
	}
	fx_buf_init(&b);
	fx_maps_init(&m);
	fd = memfd_create("selection", MFD_CLOEXEC);
	r = fd < 0 ? -errno : fx_proc_read_map(&p, "smaps", &b, 0, NULL);
	if (!r)
		r = fx_maps_parse(&m, b.data, b.len, &sel->err);
	if (r && !sel->err.msg[0])
		fx_err_set(&sel->err, 0, "cannot read the map of process %lu: %s",
			   (unsigned long)pid, strerror(-r));
	fx_writer_init(&w, fd, FX_FMT_TSV);
	if (!r)
		r = fx_writer_columns(&w, fx_region_cols, fx_region_ncols);
	for (a = 1; a < argc && !r; a++) {
		for (i = 0, any = 0; i < m.n && !r; i++) {
			g = m.r[i];
			s = g.start;
			e = g.end;
			hit = picks(argv[a], &g, &s, &e);
			if (hit < 0) {
				fx_err_set(&sel->err, 0,
					   "bad address or range '%s' (0xADDR "
					   "or 0xSTART-0xEND)", argv[a]);
				r = -EINVAL;
			} else if (hit) {
				g.start = s;
				g.end = e;
				g.v[FX_F_SIZE] = e - s;
				r = fx_region_write(&w, (long)pid, p.starttime, &g);
				any = 1;
			}
		}
		if (!r && !any) {
			fx_err_set(&sel->err, 0,
				   "no region of process %lu matches '%s'%s%s%s",
				   (unsigned long)pid, argv[a],
				   bracketed(&m, argv[a]) ? " (did you mean '[" :
							    "",
				   bracketed(&m, argv[a]) ? argv[a] : "",
				   bracketed(&m, argv[a]) ? "]'?)" : "");
			r = -ENOENT;
		}
	}
	for (i = 0; argc == 1 && i < m.n && !r; i++)
		r = fx_region_write(&w, (long)pid, p.starttime, &m.r[i]);
	if (!r)
		r = fx_writer_flush(&w);
	fx_writer_release(&w);
	if (!r && lseek(fd, 0, SEEK_SET) < 0)
		r = -errno;
	if (!r)
		r = fx_selection_read(sel, fd);
	if (fd >= 0)
		close(fd);
	if (!r) {
		fx_buf_release(&sel->smaps);
		sel->smaps = b;
		sel->smaps_pid = (long)pid;
		fx_buf_init(&b);
	}
	fx_maps_release(&m);
	fx_buf_release(&b);
	fx_proc_release(&p);
	return r;
}
