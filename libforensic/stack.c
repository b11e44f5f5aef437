/*
 * stack: call stacks through libdwfl over our memory source (see stack.h).
 */
#include <elf.h>
#include <elfutils/libdwfl.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/user.h>

#include "buf.h"
#include "elfseg.h"
#include "freeze.h"
#include "heap.h"
#include "internal.h"
#include "lazylib.h"
#include "maps.h"
#include "proc.h"
#include "stack.h"
#include "threads.h"

/* libdw, opened by the first unwinder (lazylib.h); libelf, which it
 * uses, is linked. */
#define DWFL_FNS(X, T)                                                         \
	X(T, dwfl_addrmodule)                                                  \
	X(T, dwfl_attach_state)                                                \
	X(T, dwfl_begin)                                                       \
	X(T, dwfl_build_id_find_debuginfo)                                     \
	X(T, dwfl_end)                                                         \
	X(T, dwfl_errmsg)                                                      \
	X(T, dwfl_frame_pc)                                                    \
	X(T, dwfl_frame_reg)                                                   \
	X(T, dwfl_getthread_frames)                                            \
	X(T, dwfl_module_addrinfo)                                             \
	X(T, dwfl_module_getelf)                                               \
	X(T, dwfl_module_info)                                                 \
	X(T, dwfl_report_begin)                                                \
	X(T, dwfl_report_end)                                                  \
	X(T, dwfl_report_module)                                               \
	X(T, dwfl_thread_state_register_pc)                                    \
	X(T, dwfl_thread_state_registers)
FX_LAZY_DEFINE(dw, FX_LIB_DW, DWFL_FNS);

/* A file image handed to libelf is at most this long. */
#define IMAGE_MAX (512ull << 20)
/* Memory reads per thread before the unwind is cut short. */
#define READS_MAX 65536
/* Frame texts remembered by pc. */
#define NAME_CACHE 1024
/* A running thread's stack kept in the stop: the red zone below its
 * stack pointer, and this much from there up. */
#define KEEP_BELOW 128
#define KEEP_MAX (64u << 10)

void fx_regs_from_user(const uint64_t *user, uint64_t *dwarf)
{
	/* user_regs_struct: r15 r14 r13 r12 rbp rbx r11 r10 r9 r8 rax rcx
	 * rdx rsi rdi orig_rax rip cs eflags rsp ss fs_base gs_base ds es
	 * fs gs. */
	static const unsigned char idx[17] = { 10, 12, 11, 5, 13, 14, 4, 19,
					       9, 8, 7, 6, 3, 2, 1, 0, 16 };
	int i;

	for (i = 0; i < 17; i++)
		dwarf[i] = user[idx[i]];
}

/* Bytes of a stack copied while the thread was stopped. */
struct kept {
	uint64_t addr;
	size_t len;
	unsigned char *bytes;
};

/* One reported module: where its bytes come from. */
struct umod {
	struct fx_unwinder *u;
	size_t region;		/* its first region in u->m */
	int vdso;
};

struct fx_unwinder {
	const struct fx_maps *m;
	struct fx_heap_src *mem;
	fx_file_fn file;
	void *fctx;
	Dwfl *dwfl;
	Elf *machine;		/* a bare ELF header: x86-64 */
	unsigned char ehdr[sizeof(Elf64_Ehdr)];
	struct umod *mods;
	size_t nmods;
	void **images;		/* file images given to libelf */
	size_t nimages, capimages;
	/* The thread being unwound. */
	const struct fx_thread *cur;
	unsigned reads;
	int bad_err;		/* the last read failed: why (0: it did not) */
	uint64_t bad_addr;
	struct {
		Dwarf_Addr pc;
		char *text;
	} names[NAME_CACHE];
	struct kept *kept;	/* stack bytes copied in a stop */
	size_t nkept;
};

/* Read len bytes at addr of the process (bounded per thread). */
static int mem_read(struct fx_unwinder *u, uint64_t addr, void *buf,
		    size_t len)
{
	int r;

	size_t i;

	if (u->reads >= READS_MAX)
		return -E2BIG;
	u->reads++;
	/* A stack copied in the stop reads as it was then. */
	for (i = 0; i < u->nkept; i++)
		if (addr >= u->kept[i].addr &&
		    addr - u->kept[i].addr <= u->kept[i].len &&
		    len <= u->kept[i].len - (addr - u->kept[i].addr)) {
			memcpy(buf, u->kept[i].bytes + (addr - u->kept[i].addr),
			       len);
			u->bad_err = 0;
			return 0;
		}
	r = u->mem->read(u->mem->ctx, addr, buf, len);
	if (r) {
		u->bad_err = r;
		u->bad_addr = addr;
	} else {
		u->bad_err = 0;
	}
	return r;
}

/* Keep an image for libelf until the unwinder goes. */
static int keep_image(struct fx_unwinder *u, void *p)
{
	if (FX_GROW(u->images, u->nimages, u->capimages, 16))
		return -ENOMEM;
	u->images[u->nimages++] = p;
	return 0;
}

/* The whole file region r maps, read through u->file: *len bytes. */
static unsigned char *read_file(struct fx_unwinder *u,
				const struct fx_region *r, size_t *len)
{
	size_t cap = 0, n = 0, step = 1u << 20;
	unsigned char *b = NULL, *nb;
	long got;

	for (;;) {
		if (n + step > cap) {
			if (cap + step > IMAGE_MAX)
				break;
			nb = realloc(b, cap + step);
			if (!nb)
				break;
			b = nb;
			cap += step;
		}
		got = u->file(u->fctx, r, n, b + n, step);
		if (got <= 0)
			break;
		n += (size_t)got;
		if ((size_t)got < step)
			break;
	}
	if (!n) {
		free(b);
		return NULL;
	}
	*len = n;
	return b;
}

/* Dwfl_Callbacks.find_elf: a module's ELF from our file reader (or, for
 * [vdso], from memory), never from a path of libdwfl's choosing. */
static int find_elf(Dwfl_Module *mod, void **userdata, const char *name,
		    Dwarf_Addr base, char **file_name, Elf **elfp)
{
	struct umod *um = *userdata;
	struct fx_unwinder *u;
	const struct fx_region *r;
	unsigned char *img;
	size_t len = 0;

	(void)mod;
	(void)name;
	(void)base;
	*file_name = NULL;
	*elfp = NULL;
	if (!um)
		return -1;
	u = um->u;
	r = &u->m->r[um->region];
	if (um->vdso) {
		len = (size_t)(r->end - r->start);
		img = len <= (1u << 20) ? malloc(len) : NULL;
		if (img && u->mem->read(u->mem->ctx, r->start, img, len)) {
			free(img);
			img = NULL;
		}
	} else {
		img = u->file ? read_file(u, r, &len) : NULL;
	}
	if (!img)
		return -1;
	if (keep_image(u, img)) {
		free(img);
		return -1;
	}
	*elfp = elf_memory((char *)img, len);
	/* The path, for libdwfl's messages and build-id matching only. */
	if (*elfp && !um->vdso)
		*file_name = strdup(r->name);
	return -1;
}

/* Dwfl_Callbacks.find_debuginfo: by build-id under debuginfo_path only
 * (a .gnu_debuglink names a file the target chose: not followed). */
static int find_debuginfo(Dwfl_Module *mod, void **userdata,
			  const char *modname, Dwarf_Addr base,
			  const char *file_name, const char *debuglink_file,
			  GElf_Word debuglink_crc, char **debuginfo_file_name)
{
	(void)debuglink_file;
	(void)debuglink_crc;
	return dw.dwfl_build_id_find_debuginfo(mod, userdata, modname, base,
					       file_name, NULL, 0,
					       debuginfo_file_name);
}

static char debug_path[] = "/usr/lib/debug";
static char *debug_path_p = debug_path;

static const Dwfl_Callbacks dwfl_cb = {
	.find_elf = find_elf,
	.find_debuginfo = find_debuginfo,
	.debuginfo_path = &debug_path_p,
};

/* Dwfl_Thread_Callbacks: the one thread being unwound, our memory, its
 * registers. */
static pid_t next_thread(Dwfl *dwfl, void *arg, void **thread_argp)
{
	(void)dwfl;
	(void)arg;
	(void)thread_argp;
	return 0;
}

static bool get_thread(Dwfl *dwfl, pid_t tid, void *arg, void **thread_argp)
{
	struct fx_unwinder *u = arg;

	(void)dwfl;
	if (!u->cur || u->cur->tid != tid)
		return false;
	*thread_argp = (void *)u->cur;
	return true;
}

static bool memory_read(Dwfl *dwfl, Dwarf_Addr addr, Dwarf_Word *result,
			void *arg)
{
	struct fx_unwinder *u = arg;
	uint64_t v;

	(void)dwfl;
	if (mem_read(u, addr, &v, sizeof(v)))
		return false;
	*result = v;
	return true;
}

static bool set_initial_registers(Dwfl_Thread *thread, void *thread_arg)
{
	const struct fx_thread *t = thread_arg;
	Dwarf_Word regs[17];
	int i;

	for (i = 0; i < 17; i++)
		regs[i] = t->regs[i];
	if (!dw.dwfl_thread_state_registers(thread, 0, 17, regs))
		return false;
	dw.dwfl_thread_state_register_pc(thread, regs[16]);
	return true;
}

static const Dwfl_Thread_Callbacks thread_cb = {
	.next_thread = next_thread,
	.get_thread = get_thread,
	.memory_read = memory_read,
	.set_initial_registers = set_initial_registers,
};

static int is_elf_file(struct fx_unwinder *u, const struct fx_region *r)
{
	unsigned char mag[SELFMAG];

	if (u->mem->read(u->mem->ctx, r->start, mag, SELFMAG) == 0)
		return memcmp(mag, ELFMAG, SELFMAG) == 0;
	return u->file && u->file(u->fctx, r, 0, mag, SELFMAG) == SELFMAG &&
	       memcmp(mag, ELFMAG, SELFMAG) == 0;
}

static int same_file(const struct fx_region *a, const struct fx_region *b)
{
	return a->inode == b->inode && a->dev_major == b->dev_major &&
	       a->dev_minor == b->dev_minor && a->name_len == b->name_len &&
	       !memcmp(a->name, b->name, a->name_len);
}

/* Report every ELF file mapping (from its offset-0 mapping to the last
 * mapping of the same file before another file) and [vdso]. */
static int report(struct fx_unwinder *u)
{
	const struct fx_maps *m = u->m;
	size_t i, k, nm = 0;
	uint64_t hi;
	void **ud;

	u->mods = calloc(m->n ? m->n : 1, sizeof(*u->mods));
	if (!u->mods)
		return -ENOMEM;
	dw.dwfl_report_begin(u->dwfl);
	for (i = 0; i < m->n; i++) {
		const struct fx_region *r = &m->r[i];
		int vdso = r->kind == FX_KIND_VDSO;
		Dwfl_Module *mod;

		if (!vdso && (r->name[0] != '/' || !r->inode || r->offset ||
			      strlen(r->name) != r->name_len ||
			      !is_elf_file(u, r)))
			continue;
		hi = r->end;
		for (k = i + 1; k < m->n && !vdso; k++) {
			const struct fx_region *x = &m->r[k];

			if (same_file(x, r) && x->offset)
				hi = x->end;
			else if (x->name_len || x->inode)
				break;
		}
		u->mods[nm] = (struct umod){ u, i, vdso };
		mod = dw.dwfl_report_module(u->dwfl, vdso ? "[vdso]" : r->name,
					    r->start, hi);
		if (!mod)
			continue;	/* overlapping a module: left out */
		dw.dwfl_module_info(mod, &ud, NULL, NULL, NULL, NULL, NULL,
				    NULL);
		*ud = &u->mods[nm++];
	}
	u->nmods = nm;
	return dw.dwfl_report_end(u->dwfl, NULL, NULL) ? -EIO : 0;
}

int fx_unwinder_new(struct fx_unwinder **up, const struct fx_maps *m,
		    struct fx_heap_src *mem, fx_file_fn file, void *fctx,
		    char *msg, size_t len)
{
	struct fx_unwinder *u;
	Elf64_Ehdr *eh;
	int r;

	*up = NULL;
	if (msg && len)
		msg[0] = '\0';
	if (fx_lazy_load(&dw_lazy)) {
		if (msg && len)
			snprintf(msg, len, "%s", fx_lazy_why(&dw_lazy));
		return -ELIBACC;
	}
	/* Never the network (libdwfl asks debuginfod when this is set). */
	unsetenv("DEBUGINFOD_URLS");
	elf_version(EV_CURRENT);
	u = calloc(1, sizeof(*u));
	if (!u)
		return -ENOMEM;
	u->m = m;
	u->mem = mem;
	u->file = file;
	u->fctx = fctx;
	eh = (Elf64_Ehdr *)(void *)u->ehdr;
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_type = ET_CORE;
	eh->e_machine = EM_X86_64;
	eh->e_version = EV_CURRENT;
	eh->e_ehsize = sizeof(*eh);
	u->machine = elf_memory((char *)u->ehdr, sizeof(u->ehdr));
	u->dwfl = u->machine ? dw.dwfl_begin(&dwfl_cb) : NULL;
	r = u->dwfl ? report(u) : -EIO;
	if (!r && !dw.dwfl_attach_state(u->dwfl, u->machine, 1, &thread_cb, u))
		r = -EIO;
	if (r) {
		if (msg && len)
			snprintf(msg, len, "libdwfl: %s",
				 r == -ENOMEM ? strerror(ENOMEM) :
						dw.dwfl_errmsg(-1));
		fx_unwinder_free(u);
		return r;
	}
	*up = u;
	return 0;
}

void fx_unwinder_free(struct fx_unwinder *u)
{
	size_t i;

	if (!u)
		return;
	if (u->dwfl)
		dw.dwfl_end(u->dwfl);
	if (u->machine)
		elf_end(u->machine);
	for (i = 0; i < u->nimages; i++)
		free(u->images[i]);
	for (i = 0; i < NAME_CACHE; i++)
		free(u->names[i].text);
	for (i = 0; i < u->nkept; i++)
		free(u->kept[i].bytes);
	free(u->kept);
	free(u->images);
	free(u->mods);
	free(u);
}

/* The state of one thread's unwind. */
struct walk {
	struct fx_unwinder *u;
	struct fx_buf *out;
	unsigned frames;
	int oom, more, loop;
	Dwarf_Addr pc, sp;	/* the previous frame's */
};

/* The text of the frame at pc (adjusted: inside the call), malloc'd. */
static char *frame_text(struct fx_unwinder *u, Dwarf_Addr pc)
{
	Dwfl_Module *mod = dw.dwfl_addrmodule(u->dwfl, pc);
	const char *name = NULL, *modname = NULL, *base;
	char num[40], *dm = NULL, *t;
	Dwarf_Addr low = 0, bias = 0;
	GElf_Off off;
	GElf_Sym sym;

	if (mod) {
		name = dw.dwfl_module_addrinfo(mod, pc, &off, &sym, NULL, NULL,
					       NULL);
		modname = dw.dwfl_module_info(mod, NULL, &low, NULL, NULL, NULL,
					      NULL, NULL);
	}
	if (name && name[0]) {
		if (name[0] == '_' && name[1] == 'Z')
			dm = fx_demangle(name, NULL);
		t = strdup(dm ? dm : name);
		free(dm);
		return t;
	}
	if (!mod) {
		snprintf(num, sizeof(num), "0x%llx", (unsigned long long)pc);
		return strdup(num);
	}
	base = modname ? strrchr(modname, '/') : NULL;
	base = base ? base + 1 : modname ? modname : "?";
	if (!dw.dwfl_module_getelf(mod, &bias))
		bias = low;
	snprintf(num, sizeof(num), "+0x%llx", (unsigned long long)(pc - bias));
	t = malloc(strlen(base) + strlen(num) + 1);
	if (t)
		strcat(strcpy(t, base), num);
	return t;
}

/* Append the frame at pc to out. libdwfl's symbol lookup scans the
 * module's table: the frames of threads waiting in the same calls are
 * looked up once. */
static int add_frame(struct walk *w, Dwarf_Addr pc)
{
	struct fx_unwinder *u = w->u;
	size_t slot = (size_t)(pc * 0x9e3779b97f4a7c15ULL >> 54) % NAME_CACHE;

	if (!u->names[slot].text || u->names[slot].pc != pc) {
		char *t = frame_text(u, pc);

		if (!t)
			return -ENOMEM;
		free(u->names[slot].text);
		u->names[slot].text = t;
		u->names[slot].pc = pc;
	}
	if ((w->frames && fx_buf_addc(w->out, ';')) ||
	    fx_buf_adds(w->out, u->names[slot].text))
		return -ENOMEM;
	return 0;
}

static int frame_cb(Dwfl_Frame *f, void *arg)
{
	struct walk *w = arg;
	Dwarf_Addr pc;
	Dwarf_Word sp;
	bool act = false;

	if (!dw.dwfl_frame_pc(f, &pc, &act))
		return DWARF_CB_ABORT;
	if (w->frames >= FX_STACK_MAX_FRAMES) {
		w->more = 1;
		return DWARF_CB_ABORT;
	}
	/* A frame that is the one before it (same pc, same stack pointer)
	 * would repeat for ever: hostile or broken CFI. */
	if (dw.dwfl_frame_reg(f, 7, &sp) != 0)
		sp = 0;
	if (w->frames && pc == w->pc && sp == w->sp) {
		w->loop = 1;
		return DWARF_CB_ABORT;
	}
	w->pc = pc;
	w->sp = sp;
	/* A return address points after the call: look up the call. */
	if (add_frame(w, act || !pc ? pc : pc - 1)) {
		w->oom = 1;
		return DWARF_CB_ABORT;
	}
	w->frames++;
	return DWARF_CB_OK;
}

static const char *read_reason(int err)
{
	switch (err) {
	case -ENODATA: return "swapped out";
	case -ESRCH: return "the process exited";
	case -E2BIG: return "too many reads";
	default: return "not captured";
	}
}

int fx_unwind(struct fx_unwinder *u, const struct fx_thread *t,
	      struct fx_buf *out)
{
	struct walk w = { u, out, 0, 0, 0, 0, 0, 0 };
	char why[160];
	int r;

	if (!t->have_regs)
		return fx_buf_adds(out, "-") ? -ENOMEM : 0;
	/* libdwfl names threads by positive ids; a core may say anything. */
	if (t->tid <= 0)
		return fx_buf_adds(out, "[unwind stopped: no thread id]") ?
			       -ENOMEM : 0;
	u->cur = t;
	u->reads = 0;
	u->bad_err = 0;
	r = dw.dwfl_getthread_frames(u->dwfl, t->tid, frame_cb, &w);
	u->cur = NULL;
	if (w.oom)
		return -ENOMEM;
	why[0] = '\0';
	if (w.more)
		snprintf(why, sizeof(why), "[more than %d frames]",
			 FX_STACK_MAX_FRAMES);
	else if (w.loop)
		snprintf(why, sizeof(why), "[unwind stopped: a frame repeats]");
	else if (u->bad_err)
		/* The last read failed: that is where the unwind ended
		 * (libdwfl may call it a clean end). */
		snprintf(why, sizeof(why), "[stack unreadable at 0x%llx: %s]",
			 (unsigned long long)u->bad_addr,
			 read_reason(u->bad_err));
	else if (r)
		snprintf(why, sizeof(why), "[unwind stopped: %s]",
			 dw.dwfl_errmsg(-1));
	if (!w.frames && !why[0])
		snprintf(why, sizeof(why), "[unwind stopped: %s]",
			 r ? dw.dwfl_errmsg(-1) : "no frame");
	if (why[0] && ((w.frames && fx_buf_addc(out, ';')) ||
		       fx_buf_adds(out, why)))
		return -ENOMEM;
	return 0;
}

int fx_unwinder_keep(struct fx_unwinder *u, uint64_t sp)
{
	const struct fx_region *r = fx_region_at(u->m, sp);
	uint64_t lo = sp > KEEP_BELOW ? sp - KEEP_BELOW : 0, hi, a;
	struct kept *k;
	unsigned char *b;
	size_t got = 0;

	if (!r || lo < r->start)
		lo = r ? r->start : lo;
	hi = r && r->end - lo > KEEP_MAX ? lo + KEEP_MAX : r ? r->end : lo;
	if (!r || hi <= lo)
		return 0;
	b = malloc(hi - lo);
	k = realloc(u->kept, (u->nkept + 1) * sizeof(*k));
	if (!b || !k) {
		free(b);
		if (k)
			u->kept = k;
		return -ENOMEM;
	}
	u->kept = k;
	/* Page by page: the copy ends at the first page not readable. */
	for (a = lo; a < hi; a = (a | 4095) + 1) {
		size_t n = (size_t)(((a | 4095) + 1 < hi ? (a | 4095) + 1 :
							   hi) - a);

		if (u->mem->read(u->mem->ctx, a, b + (a - lo), n))
			break;
		got += n;
	}
	if (!got) {
		free(b);
		return 0;
	}
	u->kept[u->nkept++] = (struct kept){ lo, got, b };
	return 0;
}

int fx_stack_regs_read(const struct fx_freeze *f, struct fx_thread **out,
		       size_t *n)
{
	struct user_regs_struct regs;
	struct fx_thread *t;
	size_t i;

	*n = 0;
	*out = t = calloc(f->n ? f->n : 1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	for (i = 0; i < f->n; i++) {
		if (!f->t[i].stopped || f->t[i].gone ||
		    ptrace(PTRACE_GETREGS, f->t[i].tid, 0, &regs) < 0)
			continue;
		t[*n].tid = t[*n].nstid = f->t[i].tid;
		fx_regs_from_user((const uint64_t *)(void *)&regs, t[*n].regs);
		t[*n].have_regs = 1;
		t[*n].sp = t[*n].regs[7];
		t[*n].have_sp = 1;
		(*n)++;
	}
	return 0;
}

int fx_stack_regs_frozen(struct fx_thread *t, size_t n, struct fx_proc *p,
			 const struct fx_freeze_opts *o,
			 struct fx_unwinder *u, char *msg, size_t len)
{
	struct fx_thread *got = NULL;
	struct fx_freeze f;
	size_t i, k, ngot = 0;
	int r;

	for (k = 0; k < n; k++)
		t[k].have_regs = 0;
	r = fx_freeze_checked(&f, p, o, msg, len);
	if (r) {
		if (!msg[0] && r != -EINTR)
			snprintf(msg, len, "pid %d: %s", p->pid, strerror(-r));
		return r;
	}
	r = fx_stack_regs_read(&f, &got, &ngot);
	/* A thread that was running would have moved on by the time its
	 * stack is unwound: the top of its stack is kept as it is now. */
	for (i = 0; !r && u && i < ngot; i++)
		for (k = 0; k < f.n; k++)
			if (f.t[k].tid == got[i].tid &&
			    f.t[k].state_before == 'R')
				r = fx_unwinder_keep(u, got[i].regs[7]);
	if (fx_freeze_thaw(&f)) {
		snprintf(msg, len, "pid %d: a thread could not be let go "
			 "cleanly; check its state", p->pid);
		r = r ? r : -EIO;
	} else {
		fx_freeze_say_pause(&f, msg, len);
	}
	fx_freeze_release(&f);
	for (i = 0; i < ngot; i++)
		for (k = 0; k < n; k++)
			if (t[k].tid == got[i].tid) {
				memcpy(t[k].regs, got[i].regs,
				       sizeof(t[k].regs));
				t[k].have_regs = 1;
			}
	free(got);
	return r;
}
