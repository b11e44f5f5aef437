/*
 * threads: tasks and stack pointers from /proc (see threads.h).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "proc.h"
#include "threads.h"

/* The next space-separated token of [*p, e); its length, 0 at the end. */
static size_t token(const char **p, const char *e, const char **tok)
{
	const char *s = *p;

	while (s < e && (*s == ' ' || *s == '\n'))
		s++;
	*tok = s;
	while (s < e && *s != ' ' && *s != '\n')
		s++;
	*p = s;
	return (size_t)(s - *tok);
}

static int hex_u64(const char *t, size_t n, uint64_t *v)
{
	uint64_t x = 0;
	size_t i;
	int d;

	if (n < 3 || n > 18 || t[0] != '0' || t[1] != 'x')
		return -1;
	for (i = 2; i < n; i++) {
		d = fx_hexval(t[i]);
		if (d < 0)
			return -1;
		x = x << 4 | (uint64_t)d;
	}
	*v = x;
	return 0;
}

int fx_syscall_sp_parse(const char *buf, size_t len, uint64_t *sp)
{
	long nr;

	return fx_syscall_parse(buf, len, &nr, sp);
}

int fx_syscall_parse(const char *buf, size_t len, long *nr, uint64_t *sp)
{
	const char *p = buf, *e = buf + len, *t[10];
	size_t n[10], k = 0, i;
	long v = 0;

	if (len >= 7 && memcmp(buf, "running", 7) == 0)
		return -EAGAIN;
	while (k < 10 && (n[k] = token(&p, e, &t[k])) > 0)
		k++;
	if (k == 10 && token(&p, e, &t[0]) > 0)
		return -EBADMSG;
	/* "-1 SP PC" or "NR A1..A6 SP PC": SP is the second last. */
	if ((k != 3 || n[0] != 2 || memcmp(t[0], "-1", 2)) && k != 9)
		return -EBADMSG;
	if (k == 9) {
		/* NR is decimal, below 2^20 on every architecture. */
		for (i = 0; i < n[0]; i++) {
			if (t[0][i] < '0' || t[0][i] > '9' || i >= 7)
				return -EBADMSG;
			v = v * 10 + (t[0][i] - '0');
		}
	}
	*nr = k == 9 ? v : -1;
	return hex_u64(t[k - 2], n[k - 2], sp) ? -EBADMSG : 0;
}

int fx_task_stat_parse(const char *buf, size_t len, char *comm,
		       size_t commlen, uint64_t *kstkesp)
{
	const char *open = memchr(buf, '(', len), *close = NULL, *p, *e;
	const char *tok = NULL;
	size_t i, n = 0, clen;
	int field;

	for (i = len; i > 0; i--)
		if (buf[i - 1] == ')') {
			close = buf + i - 1;
			break;
		}
	if (!open || !close || close < open || !commlen)
		return -EBADMSG;
	clen = (size_t)(close - open - 1);
	if (clen > commlen - 1)
		clen = commlen - 1;
	memcpy(comm, open + 1, clen);
	comm[clen] = '\0';
	p = close + 1;
	e = buf + len;
	/* Field 3 (state) follows ')'; kstkesp is field 29. */
	for (field = 3; field <= 29; field++) {
		n = token(&p, e, &tok);
		if (!n)
			return -EBADMSG;
	}
	*kstkesp = 0;
	for (i = 0; i < n; i++) {
		if (tok[i] < '0' || tok[i] > '9' || *kstkesp > UINT64_MAX / 10)
			return -EBADMSG;
		*kstkesp = *kstkesp * 10 + (uint64_t)(tok[i] - '0');
	}
	return 0;
}

/* Read one task's comm and stack pointer: 0, or -ESRCH when it is gone. */
static int read_task(struct fx_proc *p, struct fx_thread *t,
		     struct fx_buf *b)
{
	char name[64];
	uint64_t esp = 0, t0;
	int r, tries;

	snprintf(name, sizeof(name), "task/%d/stat", t->tid);
	r = fx_proc_read(p, name, b, 0, NULL);
	if (r)
		return r == -ENOENT ? -ESRCH : r;
	if (fx_task_stat_parse(b->data, b->len, t->comm, sizeof(t->comm),
			       &esp))
		return -ESRCH;
	t->nr = -1;
	snprintf(name, sizeof(name), "task/%d/syscall", t->tid);
	/* A thread on a CPU may block a moment later: a few more looks,
	 * without sleeping and without stopping it, for 2 ms at most (on a
	 * loaded machine a yield can give the CPU away for milliseconds). */
	t0 = fx_now_ns();
	for (tries = 0; tries < 50 && fx_now_ns() - t0 < 2000000; tries++) {
		r = fx_proc_read(p, name, b, 0, NULL);
		if (r == -ENOENT || r == -ESRCH)
			return -ESRCH;
		if (r)
			break;
		r = fx_syscall_parse(b->data, b->len, &t->nr, &t->sp);
		if (r != -EAGAIN)
			break;
		sched_yield();
	}
	t->running = r == -EAGAIN;
	t->have_sp = r == 0;
	if (!t->have_sp && esp) {
		t->sp = esp;
		t->have_sp = 1;
	}
	return 0;
}

static int cmp_tid(const void *a, const void *b)
{
	const struct fx_thread *x = a, *y = b;

	return (x->tid > y->tid) - (x->tid < y->tid);
}

int fx_threads_read(struct fx_proc *p, struct fx_thread **out, size_t *n)
{
	struct fx_thread *v = NULL;
	struct dirent *de;
	struct fx_buf b;
	size_t cnt = 0, cap = 0;
	DIR *d;
	int r = 0, other_ns;
	long tid;
	char *end;

	*out = NULL;
	*n = 0;
	d = fx_proc_tasks(p, &r);
	if (!d)
		return r;
	fx_buf_init(&b);
	/* In another pid namespace, each task's own number too (one more
	 * read per thread, only then). */
	other_ns = fx_proc_nstid(p, p->pid) != p->pid;
	while ((de = readdir(d)) != NULL) {
		tid = strtol(de->d_name, &end, 10);
		if (*end || tid <= 0)
			continue;
		if (FX_GROW(v, cnt, cap, 64)) {
			r = -ENOMEM;
			break;
		}
		memset(&v[cnt], 0, sizeof(v[cnt]));
		v[cnt].tid = (int)tid;
		v[cnt].nstid = other_ns ? fx_proc_nstid(p, (int)tid) : (int)tid;
		r = read_task(p, &v[cnt], &b);
		if (r == -ESRCH) {
			r = 0;	/* the thread exited: not there */
			continue;
		}
		if (r)
			break;
		cnt++;
	}
	closedir(d);
	fx_buf_release(&b);
	if (r) {
		free(v);
		return r;
	}
	qsort(v, cnt, sizeof(*v), cmp_tid);
	*out = v;
	*n = cnt;
	return cnt ? 0 : -ESRCH;
}

/* Append `,"regs":[...]` for the thread tid when regs has its. */
/* The registers the freeze read for tid, or NULL. */
static const struct fx_thread *regs_of(int tid, const struct fx_thread *regs,
				       size_t nregs)
{
	size_t k;

	for (k = 0; k < nregs; k++)
		if (regs[k].tid == tid && regs[k].have_regs)
			return &regs[k];
	return NULL;
}

static int regs_json(struct fx_buf *out, const struct fx_thread *rg)
{
	char num[32];
	int i, r;

	if (!rg)
		return 0;
	r = fx_buf_adds(out, ",\"regs\":[");
	for (i = 0; i < 17 && !r; i++) {
		snprintf(num, sizeof(num), "%s\"0x%llx\"", i ? "," : "",
			 (unsigned long long)rg->regs[i]);
		r = fx_buf_adds(out, num);
	}
	return r || fx_buf_addc(out, ']') ? -ENOMEM : 0;
}

int fx_threads_json(struct fx_buf *out, struct fx_proc *p,
		    const struct fx_thread *regs, size_t nregs)
{
	const struct fx_thread *rg;
	struct fx_thread *t = NULL;
	char num[64];
	size_t n = 0, i, k, tries;
	uint64_t t0;
	int r;

	/* Written just after a thaw: a thread let go is on its way back
	 * into the call it was stopped in, "running" for an instant. Give
	 * it that instant (yield, never sleep), 200 looks or 50 ms at most:
	 * a thread busy on a CPU stays "running" (bounded by count alone,
	 * the looks took 90 s with a busy thread on a loaded machine). */
	t0 = fx_now_ns();
	for (tries = 0;; tries++) {
		if (fx_threads_read(p, &t, &n))
			return 0;
		for (k = 0; k < n && (t[k].have_sp ||
				      regs_of(t[k].tid, regs, nregs)); k++)
			;
		if (k == n || tries == 200 || fx_now_ns() - t0 > 50000000)
			break;
		free(t);
		t = NULL;
		sched_yield();
	}
	r = fx_buf_adds(out, ",\"threads\":[");
	for (i = 0; !r && i < n; i++) {
		/* The freeze's registers are the capture's instant: its
		 * stack pointer (DWARF 7), not one read after the thaw
		 * (which a thread still running does not give). */
		rg = regs_of(t[i].tid, regs, nregs);
		if (rg)
			t[i].sp = rg->regs[7];
		if (t[i].have_sp || rg)
			snprintf(num, sizeof(num), "%s{\"tid\":%d,\"sp\":\"0x%llx\","
				 "\"comm\":", i ? "," : "", t[i].tid,
				 (unsigned long long)t[i].sp);
		else
			snprintf(num, sizeof(num), "%s{\"tid\":%d,\"sp\":null,"
				 "\"comm\":", i ? "," : "", t[i].tid);
		r = fx_buf_adds(out, num);
		r = r ? r : fx_json_bytes(out, t[i].comm, strlen(t[i].comm));
		r = r ? r : regs_json(out, rg);
		r = r ? r : fx_buf_addc(out, '}');
	}
	r = r ? r : fx_buf_addc(out, ']');
	free(t);
	return r ? -ENOMEM : 0;
}

/* Skip the literal s at *p (within end): 0, or -EBADMSG. */
static int lit(const char **p, const char *end, const char *s)
{
	size_t n = strlen(s);

	if ((size_t)(end - *p) < n || memcmp(*p, s, n) != 0)
		return -EBADMSG;
	*p += n;
	return 0;
}

/* A JSON string at *p into comm (ASCII kept, other bytes '?'). */
static int jstr(const char **p, const char *end, char *comm, size_t cap)
{
	const char *q = *p;
	size_t k = 0;
	char c;

	if (q >= end || *q != '"')
		return -EBADMSG;
	for (q++; q < end && *q != '"'; q++) {
		c = *q;
		if (c == '\\') {
			if (++q >= end)
				return -EBADMSG;
			c = *q == 'n' ? '\n' : *q == 't' ? '\t' : *q;
			if (*q == 'u') {
				if (end - q < 5)
					return -EBADMSG;
				q += 4;
				c = '?';
			}
		}
		if (k + 1 < cap)
			comm[k++] = (unsigned char)c < 0x80 ? c : '?';
	}
	if (q >= end)
		return -EBADMSG;
	comm[k] = 0;
	*p = q + 1;
	return 0;
}

/* 17 "0x..." strings and the closing ']' at *p (after '['). */
static int parse_regs(const char **p, const char *end, uint64_t *regs)
{
	const char *q;
	int i;

	for (i = 0; i < 17; i++) {
		if ((i && lit(p, end, ",")) || lit(p, end, "\"0x"))
			return -EBADMSG;
		for (q = *p; q < end && q - *p < 17 && fx_hexval(*q) >= 0; q++)
			;
		if (q == *p || q - *p > 16 || q >= end || *q != '"' ||
		    hex_u64(*p - 2, (size_t)(q - *p) + 2, &regs[i]))
			return -EBADMSG;
		*p = q + 1;
	}
	return lit(p, end, "]");
}

int fx_threads_json_parse(const char *buf, size_t len, struct fx_thread **out,
			  size_t *n)
{
	static const char key[] = "\"threads\":[";
	const char *p = NULL, *end = buf + len, *q;
	struct fx_thread *v = NULL, *nv, *t;
	size_t cnt = 0, i;
	char *e;
	long tid;

	*out = NULL;
	*n = 0;
	for (i = 0; i + sizeof(key) - 1 <= len && !p; i++)
		if (!memcmp(buf + i, key, sizeof(key) - 1))
			p = buf + i + sizeof(key) - 1;
	if (!p)
		return -ENOENT;
	while (p < end && *p != ']') {
		if (cnt && lit(&p, end, ","))
			goto bad;
		nv = realloc(v, (cnt + 1) * sizeof(*v));
		if (!nv) {
			free(v);
			return -ENOMEM;
		}
		v = nv;
		t = &v[cnt++];
		memset(t, 0, sizeof(*t));
		t->nr = -1;
		if (lit(&p, end, "{\"tid\":"))
			goto bad;
		for (q = p; q < end && *q >= '0' && *q <= '9'; q++)
			;
		if (q == p || q - p > 9)
			goto bad;
		tid = strtol(p, NULL, 10);
		t->tid = t->nstid = (int)tid;
		p = q;
		if (lit(&p, end, ",\"sp\":"))
			goto bad;
		if (!lit(&p, end, "null")) {
			t->running = 1;
		} else if (!lit(&p, end, "\"0x")) {
			for (q = p; q < end && q - p < 17 &&
				    ((*q >= '0' && *q <= '9') ||
				     (*q >= 'a' && *q <= 'f'));
			     q++)
				;
			if (q == p || q >= end || *q != '"')
				goto bad;
			t->sp = strtoull(p, &e, 16);
			t->have_sp = 1;
			p = q + 1;
		} else {
			goto bad;
		}
		if (lit(&p, end, ",\"comm\":"))
			goto bad;
		if (p < end && *p == '"') {
			if (jstr(&p, end, t->comm, sizeof(t->comm)))
				goto bad;
		} else {
			/* {"bytes":"..."}: not ASCII; skip to its '}'. */
			q = memchr(p, '}', (size_t)(end - p));
			if (!q)
				goto bad;
			strcpy(t->comm, "-");
			p = q + 1;
		}
		if (!lit(&p, end, ",\"regs\":[")) {
			if (parse_regs(&p, end, t->regs))
				goto bad;
			t->have_regs = 1;
		}
		if (lit(&p, end, "}"))
			goto bad;
	}
	if (p >= end)
		goto bad;
	*out = v;
	*n = cnt;
	return 0;
bad:
	free(v);
	return -EBADMSG;
}
