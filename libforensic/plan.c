/*
 * plan: selections matched to the live map, copied, described (plan.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dumpdir.h"
#include "internal.h"
#include "plan.h"
#include "proc.h"
#include "rec.h"
#include "select.h"

static uint64_t overlap(uint64_t s, uint64_t e, const struct fx_region *g)
{
	uint64_t a = s > g->start ? s : g->start;
	uint64_t b = e < g->end ? e : g->end;

	return b > a ? b - a : 0;
}

size_t fx_dumpplan_find(const struct fx_dumpplan *pl, uint64_t addr)
{
	return fx_region_after(&pl->maps, addr);
}

/* reuse: may the selection's smaps text stand for a fresh read? */
static int make(struct fx_dumpplan *pl, struct fx_proc *p,
		const struct fx_selection *sel, int include_dd, int reuse)
{
	const struct fx_region *g;
	struct fx_planitem *it;
	struct fx_err err;
	uint64_t ov, readable;
	size_t i, k;
	int r;

	memset(pl, 0, sizeof(*pl));
	pl->pid = p->pid;
	pl->starttime = p->starttime;
	pl->p = p;
	pl->sel = sel;
	pl->include_dd = include_dd;
	fx_maps_init(&pl->maps);
	fx_buf_init(&pl->text);
	/* The selection's own read of the map, moments ago, when it made
	 * one: a second would walk the target's page tables again. */
	if (reuse && sel->smaps_pid == p->pid && sel->smaps.len)
		r = fx_buf_add(&pl->text, sel->smaps.data, sel->smaps.len);
	else
		r = fx_proc_read_map(p, "smaps", &pl->text, 0, NULL);
	if (!r)
		r = fx_maps_parse(&pl->maps, pl->text.data, pl->text.len, &err);
	if (r)
		return r;
	if (!pl->maps.n)
		return -ESRCH;	/* a zombie, or exited while we read */
	pl->it = calloc(sel->n ? sel->n : 1, sizeof(*pl->it));
	if (!pl->it)
		return -ENOMEM;
	for (i = 0; i < sel->n; i++) {
		if (sel->s[i].pid != p->pid)
			continue;
		it = &pl->it[pl->n++];
		it->sel = &sel->s[i];
		pl->mapped += it->sel->end - it->sel->start;
		readable = 0;
		it->skip = "unmapped";
		for (k = fx_dumpplan_find(pl, it->sel->start);
		     k < pl->maps.n && pl->maps.r[k].start < it->sel->end;
		     k++) {
			g = &pl->maps.r[k];
			ov = overlap(it->sel->start, it->sel->end, g);
			if (!ov)
				continue;
			if (fx_dump_skip_reason(g, include_dd)) {
				if (!readable)
					it->skip = fx_dump_skip_reason(
						g, include_dd);
				continue;
			}
			readable += ov;
			it->skip = NULL;
			/* Resident bytes, prorated for a part of a region. */
			it->present += (uint64_t)((double)g->v[FX_F_RSS] *
						  ov / (g->end - g->start));
		}
		if (it->skip) {
			pl->nskip++;
			snprintf(it->file, sizeof(it->file), "-");
		} else {
			snprintf(it->file, sizeof(it->file),
				 "%d-0x%012llx-0x%012llx.bin", p->pid,
				 (unsigned long long)it->sel->start,
				 (unsigned long long)it->sel->end);
		}
		pl->present += it->present;
	}
	return 0;
}

int fx_dumpplan_make(struct fx_dumpplan *pl, struct fx_proc *p,
		     const struct fx_selection *sel, int include_dd)
{
	return make(pl, p, sel, include_dd, 1);
}

uint64_t fx_dumpplan_need(const struct fx_dumpplan *pl)
{
	uint64_t n = pl->present + pl->fill;

	return n + n / 64 + (1 << 20);
}

static int same_region(const struct fx_region *a, const struct fx_region *b)
{
	return a->start == b->start && a->end == b->end &&
	       a->offset == b->offset && a->inode == b->inode &&
	       a->dev_major == b->dev_major && a->dev_minor == b->dev_minor &&
	       !memcmp(a->perms, b->perms, 4) && a->name_len == b->name_len &&
	       (!a->name_len || !memcmp(a->name, b->name, a->name_len));
}

int fx_dumpplan_refresh(struct fx_dumpplan *pl, int *remade)
{
	const struct fx_selection *sel = pl->sel;
	struct fx_proc *p = pl->p;
	struct fx_maps now;
	struct fx_buf text;
	struct fx_err err;
	int r, same = 0, include_dd = pl->include_dd, no_hash = pl->no_hash;
	size_t i;

	*remade = 0;
	fx_buf_init(&text);
	fx_maps_init(&now);
	r = fx_proc_read_map(p, "maps", &text, 0, NULL);
	if (!r)
		r = fx_maps_parse(&now, text.data, text.len, &err);
	if (!r && now.n == pl->maps.n) {
		for (same = 1, i = 0; i < now.n && same; i++)
			same = same_region(&now.r[i], &pl->maps.r[i]);
	}
	fx_maps_release(&now);
	fx_buf_release(&text);
	if (r || same)
		return r;
	*remade = 1;
	fx_dumpplan_release(pl);
	r = make(pl, p, sel, include_dd, 0);	/* the map moved: read it */
	pl->no_hash = no_hash;
	return r;
}

void fx_dumpplan_release(struct fx_dumpplan *pl)
{
	size_t i;

	for (i = 0; i < pl->n; i++) {
		if (pl->it[i].res.md)
			fx_dump_res_finish(&pl->it[i].res);
		free(pl->it[i].res.runs);
	}
	free(pl->it);
	pl->it = NULL;
	pl->n = 0;
	fx_maps_release(&pl->maps);
	fx_buf_release(&pl->text);
}

/* Why region g is not read (a skip reason, or a fork's), or NULL. */
static const char *region_why(const struct fx_dumpplan *pl,
			      const struct fx_region *g)
{
	const char *why = fx_dump_skip_reason(g, pl->include_dd);

	/* Snapshot: a fork leaves these out of the copy, or empty. */
	if (!why && pl->live_p && (g->vmflags & FX_VM_DC))
		why = "dontfork";
	else if (!why && pl->live_p && (g->vmflags & FX_VM_WF))
		why = "wipeonfork";
	return why;
}

void fx_dumpplan_p_done(struct fx_dumpplan *pl, void (*done)(void *arg),
			void *arg)
{
	size_t i;

	pl->p_last = pl->n;
	for (i = 0; i < pl->n; i++)
		if (!pl->it[i].skip && !fx_dumpplan_from_live(pl, &pl->it[i]))
			pl->p_last = i;
	pl->p_done = pl->p_last < pl->n ? done : NULL;
	pl->p_done_arg = arg;
}

/* Is it the last item read from pl->p, with p_done still to call? */
static int p_last(const struct fx_dumpplan *pl, const struct fx_planitem *it)
{
	return pl->p_done && pl->p_last < pl->n && it == &pl->it[pl->p_last];
}

/* The last region of item it that is read (none: pl->maps.n). */
static size_t last_read(const struct fx_dumpplan *pl,
			const struct fx_planitem *it)
{
	size_t k, last = pl->maps.n;

	for (k = fx_dumpplan_find(pl, it->sel->start);
	     k < pl->maps.n && pl->maps.r[k].start < it->sel->end; k++)
		if (!region_why(pl, &pl->maps.r[k]))
			last = k;
	return last;
}

/* p_done, once. */
static void p_done(struct fx_dumpplan *pl)
{
	void (*fn)(void *) = pl->p_done;

	pl->p_done = NULL;
	if (fn)
		fn(pl->p_done_arg);
}

int fx_dumpplan_copy(struct fx_dumpplan *pl, struct fx_planitem *it,
		     struct fx_dumper *d, int fd, uint64_t base,
		     struct fx_dumpdir *dd, struct fx_capture *cap)
{
	uint64_t s = it->sel->start, e = it->sel->end, cur = s, a, b;
	const struct fx_region *g;
	const char *why;
	size_t k, last = p_last(pl, it) ? last_read(pl, it) : pl->maps.n;
	int r = 0;

	for (k = fx_dumpplan_find(pl, s);
	     k < pl->maps.n && pl->maps.r[k].start < e && !r; k++) {
		g = &pl->maps.r[k];
		a = g->start > s ? g->start : s;
		b = g->end < e ? g->end : e;
		if (a > cur) {
			it->res.holes += a - cur;
			if (dd)
				r = fx_dumpdir_hole_reason(dd, cur, a,
							   "unmapped");
		}
		why = region_why(pl, g);
		if (!r && why) {
			it->res.holes += b - a;
			if (dd)
				r = fx_dumpdir_hole_reason(dd, a, b, why);
			if (!r && cap)
				r = fx_capture_skip(cap, a, b, why, g->name,
						    g->name_len);
		} else if (!r) {
			/* The last read from p: p_done as soon as it is
			 * read, before it is written. */
			if (k == last) {
				d->read_end = pl->p_done;
				d->read_end_arg = pl->p_done_arg;
				pl->p_done = NULL;
			}
			r = fx_dumper_copy(d, a, b, fd, base + (a - s),
					   dd ? fx_dumpdir_hole : pl->hole,
					   dd ? (void *)dd : pl->hole_arg,
					   &it->res);
			d->read_end = NULL;	/* not called: stopped early */
		}
		cur = b;
	}
	/* Nothing of the last item read from p was read (all skipped). */
	if (!r && p_last(pl, it))
		p_done(pl);
	if (!r && cur < e) {
		it->res.holes += e - cur;
		if (dd)
			r = fx_dumpdir_hole_reason(dd, cur, e, "unmapped");
	}
	return r;
}

/*
 * The same range selected twice (after `cat a a`): the file exists,
 * made by an earlier item of this plan. Take its results. 0, or -EEXIST
 * when no earlier item made it (a file we did not write).
 */
static int same_as_earlier(struct fx_dumpplan *pl, struct fx_planitem *it)
{
	struct fx_planitem *e;
	void *md = it->res.md;

	for (e = pl->it; e < it; e++) {
		if (e->state != 1 || strcmp(e->file, it->file))
			continue;
		it->res = e->res;
		it->res.md = md;	/* freed by finish, as its own */
		it->res.runs = NULL;
		it->res.nruns = it->res.cap = 0;
		it->res.deferred = 0;
		fx_dump_res_finish(&it->res);
		memcpy(it->res.sha256, e->res.sha256, sizeof(it->res.sha256));
		return 0;
	}
	return -EEXIST;
}

/* Copy one item into its own file of dd. */
static int run_item(struct fx_dumpplan *pl, struct fx_planitem *it,
		    struct fx_dumpdir *dd, struct fx_dumper *d,
		    struct fx_capture *cap)
{
	uint64_t s = it->sel->start, e = it->sel->end;
	int fd = -1, r;

	r = fx_dump_res_init(&it->res);
	if (r)
		return r;
	if (it->skip) {
		it->res.holes = e - s;
		r = fx_dumpdir_hole_reason(dd, s, e, it->skip);
	} else {
		/* Sized after the copy, not before: on ext4, writes into a
		 * file already extended sparse ran slower than appends. */
		fd = fx_dumpdir_file(dd, it->file, 0);
		if (fd == -EEXIST && (r = same_as_earlier(pl, it)) == 0) {
			it->state = 1;
			return 0;
		}
		r = fd < 0 ? fd : fx_dumpplan_copy(pl, it, d, fd, 0, dd, cap);
		if (fd >= 0 && ftruncate(fd, (off_t)(e - s)) < 0 && !r)
			r = -errno;
	}
	if (fd >= 0 && close(fd) < 0 && !r)
		r = -errno;
	/* A readable region of which nothing was present keeps its (all
	 * sparse) file: every record of a readable region has one. */
	fx_dump_res_finish(&it->res);
	it->state = r ? -1 : 1;
	/* Not the target's doing, nor ours: the output failed. */
	if (r && r != -ESRCH && r != -EINTR)
		pl->failed = dd->holes.err ? "holes.tsv" : it->file;
	return r;
}

int fx_dumpplan_from_live(const struct fx_dumpplan *pl,
			  const struct fx_planitem *it)
{
	size_t k = fx_dumpplan_find(pl, it->sel->start);
	const struct fx_region *g = &pl->maps.r[k];

	if (!pl->live_p || k >= pl->maps.n || g->start >= it->sel->end)
		return 0;
	return g->perms[3] == 's' ||
	       (g->perms[1] != 'w' && (g->inode || g->kind == FX_KIND_VDSO));
}

int fx_dumpplan_needs_live(const struct fx_dumpplan *pl)
{
	size_t i;

	for (i = 0; i < pl->n; i++)
		if (!pl->it[i].skip && fx_dumpplan_from_live(pl, &pl->it[i]))
			return 1;
	return 0;
}

static int dumper(struct fx_dumpplan *pl, struct fx_dumper *d,
		  struct fx_proc *p, int use_scan, volatile sig_atomic_t *stop)
{
	int r = fx_dumper_init(d, p, use_scan, stop);

	if (r)
		return r;
	d->no_hash = pl->no_hash;
	d->defer_hash = pl->defer_hash;
	d->progress = pl->progress;
	d->progress_arg = pl->progress_arg;
	return 0;
}

int fx_dumpplan_run(struct fx_dumpplan *pl, struct fx_dumpdir *dd,
		    int use_scan, volatile sig_atomic_t *stop,
		    struct fx_capture *cap)
{
	struct fx_dumper d, dl;
	struct fx_planitem *it;
	size_t i;
	/* Snapshot: a reader of the target too, when something is read
	 * from it (its threads, buffers and descriptors cost a
	 * millisecond). */
	int r, live = fx_dumpplan_needs_live(pl);

	r = dumper(pl, &d, pl->p, use_scan, stop);
	if (r)
		return r;
	if (live && (r = dumper(pl, &dl, pl->live_p, use_scan, stop))) {
		fx_dumper_release(&d);
		return r;
	}
	for (i = 0; i < pl->n && !r; i++) {
		it = &pl->it[i];
		r = run_item(pl, it, dd,
			     live && fx_dumpplan_from_live(pl, it) ? &dl : &d,
			     cap);
	}
	fx_dumper_release(&d);
	if (live)
		fx_dumper_release(&dl);
	return r;
}

int fx_dumpplan_rehash(struct fx_dumpplan *pl, int dirfd, int fd)
{
	struct fx_planitem *it;
	size_t i;
	int f, r = 0, r2;

	if (!pl->defer_hash || pl->no_hash)
		return 0;
	for (i = 0; i < pl->n; i++) {
		it = &pl->it[i];
		if (it->skip || it->state == 0)
			continue;
		f = fd >= 0 ? fd :
			      openat(dirfd, it->file,
				     O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (f < 0) {
			r2 = -errno;
		} else {
			r2 = fx_dump_res_rehash(&it->res, f);
			if (fd < 0)
				close(f);
		}
		if (r2 && !r)
			r = r2;
	}
	return r;
}

int fx_dumpplan_compress(struct fx_dumpplan *pl, struct fx_dumpdir *dd,
			 int level, size_t *kept)
{
	struct fx_planitem *it;
	size_t i, n;
	int r = 0, r2;

	*kept = 0;
	for (i = 0; i < pl->n; i++) {
		it = &pl->it[i];
		if (it->skip || it->state != 1 || !strcmp(it->file, "-"))
			continue;
		n = strlen(it->file);
		if (n > 4 && !strcmp(it->file + n - 4, ".zst"))
			continue;	/* the same range twice: done */
		if (it->res.holes > FX_ZSTD_MAX_HOLES) {
			(*kept)++;
			continue;
		}
		r2 = fx_dumpdir_compress(dd, it->file, level);
		if (r2 == -ENOENT)
			r2 = 0;	/* a duplicate: the earlier item compressed it */
		if (!r2 && n + 4 < sizeof(it->file))
			strcat(it->file, ".zst");
		if (r2 && !r)
			r = r2;
	}
	return r;
}

size_t fx_dumpplan_unmapped(const struct fx_dumpplan *pl)
{
	size_t i, n = 0;

	for (i = 0; i < pl->n; i++)
		n += pl->it[i].skip && !strcmp(pl->it[i].skip, "unmapped");
	return n;
}

size_t fx_dumpplan_done(const struct fx_dumpplan *pl)
{
	size_t i, n = 0;

	for (i = 0; i < pl->n; i++)
		n += pl->it[i].state != 0;
	return n;
}

void fx_dumpplan_skipped(const struct fx_dumpplan *pl, struct fx_capture *cap)
{
	const struct fx_selection *sel = pl->sel;
	struct fx_buf name;
	const char *nm;
	size_t i;
	int c = fx_selection_col(sel, "name");

	fx_buf_init(&name);
	for (i = 0; i < pl->n; i++) {
		if (!pl->it[i].skip)
			continue;
		fx_buf_reset(&name);
		nm = c >= 0 ? pl->it[i].sel->f[c] : "-";
		if (strcmp(nm, "-"))
			fx_unescape(&name, nm, strlen(nm));
		fx_capture_skip(cap, pl->it[i].sel->start, pl->it[i].sel->end,
				pl->it[i].skip, name.data, name.len);
	}
	fx_buf_release(&name);
}

/* The output columns: the selection's, file sha256 holes before name. */
static int set_columns(struct fx_writer *w, const struct fx_selection *sel,
		       size_t *at)
{
	static const char *const extra[] = { "file", "sha256", "holes" };
	const char **cols;
	size_t i, n = 0;
	int r;

	*at = sel->ncols;
	if (sel->ncols && !strcmp(sel->cols[sel->ncols - 1], "name"))
		*at = sel->ncols - 1;
	if (w->ncols)
		return 0;	/* already set (an earlier pid) */
	cols = calloc(sel->ncols + 3, sizeof(*cols));
	if (!cols)
		return -ENOMEM;
	for (i = 0; i <= sel->ncols; i++) {
		if (i == *at) {
			cols[n++] = extra[0];
			cols[n++] = extra[1];
			cols[n++] = extra[2];
		}
		if (i < sel->ncols)
			cols[n++] = sel->cols[i];
	}
	r = fx_writer_columns(w, cols, n);
	free(cols);
	return r;
}

static int write_one(struct fx_writer *w, const struct fx_dumpplan *pl,
		     const struct fx_planitem *it, const char *dir)
{
	const struct fx_selection *sel = pl->sel;
	struct fx_buf path;
	size_t i, at;
	int r, cst = fx_selection_col(sel, "starttime");

	r = set_columns(w, sel, &at);
	for (i = 0; i <= sel->ncols && !r; i++) {
		if (i == at) {
			if (!strcmp(it->file, "-") || !dir) {
				fx_writer_text(w, it->file, strlen(it->file));
			} else {
				fx_buf_init(&path);
				fx_buf_adds(&path, dir);
				fx_buf_addc(&path, '/');
				fx_buf_adds(&path, it->file);
				fx_writer_text(w, path.data, path.len);
				fx_buf_release(&path);
			}
			if (it->res.sha256[0] && strcmp(it->file, "-"))
				fx_writer_field(w, it->res.sha256, 64);
			else
				fx_writer_missing(w);
			fx_writer_u64(w, it->res.holes);
		}
		/* A record without a start time gets the process's. */
		if (i < sel->ncols && (int)i == cst &&
		    !strcmp(it->sel->f[i], "-"))
			fx_writer_u64_known(w, pl->starttime);
		else if (i < sel->ncols)
			fx_writer_field(w, it->sel->f[i],
					strlen(it->sel->f[i]));
	}
	return r ? r : fx_writer_end(w);
}

int fx_dumpplan_write(const struct fx_dumpplan *pl, struct fx_writer *idx,
		      struct fx_writer *out, const char *dir)
{
	size_t i;
	int r = 0, r2;

	for (i = 0; i < pl->n; i++) {
		if (pl->it[i].state != 1 && !(pl->it[i].state == -1 &&
					      pl->it[i].res.captured))
			continue;
		if (idx && (r2 = write_one(idx, pl, &pl->it[i], NULL)) && !r)
			r = r2;
		if (out && (r2 = write_one(out, pl, &pl->it[i], dir)) && !r &&
		    r2 != -EPIPE)
			r = r2;
	}
	return r;
}
