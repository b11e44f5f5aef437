/*
 * fuzz_jvm: the readers of a JVM's vmStructs tables and of the structures
 * they describe, over hostile memory (the target controls all of it).
 *
 * Input starting with 'E': the rest is an ELF file for fx_elf_dynsyms.
 * Input starting with 'R': the rest is raw memory at IMG; the 21 table
 * symbols (vmstructs.h) sit at IMG + 8 * i, so the tables, their layout
 * and their strings all come from the input (fx_vmstructs_read).
 * Otherwise the harness lays out well-formed tables at TAB (every field,
 * type and constant jvm.c asks for), their offsets and static addresses
 * taken from the input's first bytes, and the input itself is the JVM's
 * memory at IMG: heaps, code heaps, classes, threads and their names are
 * then walked through pointers the input chooses (fx_jvm_inspect_tables).
 * Every span and thread found must be sane.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "elfseg.h"
#include "image.h"
#include "forensic.h"
#include "jvm.h"
#include "vmstructs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define TAB 0x40000000ull
#define STRIDE 48

/* What jvm.c reads: type, field (NULL: a type size), static or not. */
static const struct {
	const char *type, *field;
	int is_static;
} want[] = {
	{ "Universe", "_collectedHeap", 1 },
	{ "CodeCache", "_heaps", 1 },
	{ "ClassLoaderDataGraph", "_head", 1 },
	{ "ThreadsSMRSupport", "_java_thread_list", 1 },
	{ "JVMFlag", "flags", 1 },
	{ "JVMFlag", "numFlags", 1 },
	{ "Abstract_VM_Version", "_s_vm_release", 1 },
	{ "CompressedOops", "_narrow_oop._base", 1 },
	{ "CompressedOops", "_narrow_oop._shift", 1 },
	{ "MetaspaceObj", "_shared_metaspace_base", 1 },
	{ "MetaspaceObj", "_shared_metaspace_top", 1 },
	{ "vmClasses",
	  "_klasses[static_cast<int>(vmClassID::Thread_klass_knum)]", 1 },
	{ "vmClasses",
	  "_klasses[static_cast<int>(vmClassID::String_klass_knum)]", 1 },
	{ "CollectedHeap", "_reserved", 0 },
	{ "MemRegion", "_start", 0 },
	{ "MemRegion", "_word_size", 0 },
	{ "CodeHeap", "_memory", 0 },
	{ "CodeHeap", "_segmap", 0 },
	{ "VirtualSpace", "_low_boundary", 0 },
	{ "VirtualSpace", "_high_boundary", 0 },
	{ "GrowableArrayBase", "_len", 0 },
	{ "GrowableArray<int>", "_data", 0 },
	{ "ClassLoaderData", "_next", 0 },
	{ "ClassLoaderData", "_klasses", 0 },
	{ "Klass", "_next_link", 0 },
	{ "Klass", "_layout_helper", 0 },
	{ "Klass", "_name", 0 },
	{ "InstanceKlass", "_constants", 0 },
	{ "InstanceKlass", "_methods", 0 },
	{ "InstanceKlass", "_fields", 0 },
	{ "InstanceKlass", "_java_fields_count", 0 },
	{ "Array<Klass*>", "_length", 0 },
	{ "Array<u2>", "_data", 0 },
	{ "Symbol", "_length", 0 },
	{ "Symbol", "_body", 0 },
	{ "ThreadsList", "_length", 0 },
	{ "ThreadsList", "_threads", 0 },
	{ "JavaThread", "_osthread", 0 },
	{ "JavaThread", "_thread_state", 0 },
	{ "JavaThread", "_threadObj", 0 },
	{ "JavaThread", "_stack_base", 0 },
	{ "JavaThread", "_stack_size", 0 },
	{ "OSThread", "_thread_id", 0 },
	{ "OopHandle", "_obj", 0 },
	{ "JVMFlag", "_name", 0 },
	{ "JVMFlag", "_addr", 0 },
};

static const char *const types[] = { "JVMFlag", "ConstantPool" };
static const char *const consts[] = {
	"HeapWordSize", "FieldInfo::field_slots",
	"FieldInfo::name_index_offset", "FieldInfo::low_packed_offset",
	"FieldInfo::high_packed_offset", "FIELDINFO_TAG_SIZE",
};

#define NWANT (sizeof(want) / sizeof(want[0]))
#define NTYPES 2
#define NCONSTS 6

/* The harness's table memory: variables, arrays, strings. */
struct tab {
	unsigned char b[65536];
	size_t used;
};

static uint64_t tab_put(struct tab *t, const void *p, size_t len)
{
	uint64_t a = TAB + t->used;

	if (t->used + len > sizeof(t->b))
		abort();
	memcpy(t->b + t->used, p, len);
	t->used += (len + 7) & ~(size_t)7;
	return a;
}

static uint64_t tab_u64(struct tab *t, uint64_t v)
{
	return tab_put(t, &v, 8);
}

static uint64_t tab_str(struct tab *t, const char *s)
{
	return tab_put(t, s, strlen(s) + 1);
}

static long elf_read(void *ctx, uint64_t off, void *buf, size_t len)
{
	const struct image *m = ctx;

	if (off >= m->len)
		return 0;
	if (len > m->len - off)
		len = m->len - off;
	memcpy(buf, m->img + off, len);
	return (long)len;
}

static uint16_t in16(const uint8_t **p, const uint8_t *e)
{
	uint16_t v = 0;

	if (*p + 2 <= e) {
		memcpy(&v, *p, 2);
		*p += 2;
	}
	return v;
}

/* Lay out the four tables in t; returns the symbol addresses in sym. */
static void build_tables(struct tab *t, const uint8_t **p, const uint8_t *e,
			 uint64_t *sym)
{
	uint64_t ent[NWANT + 1][6], tent[NTYPES + 1][3], cent[NCONSTS + 1][2];
	uint64_t lent[1][2] = { { 0, 0 } };
	size_t i;

	memset(ent, 0, sizeof(ent));
	memset(tent, 0, sizeof(tent));
	memset(cent, 0, sizeof(cent));
	for (i = 0; i < NWANT; i++) {
		uint16_t v = in16(p, e);

		ent[i][0] = tab_str(t, want[i].type);
		ent[i][1] = tab_str(t, want[i].field);
		ent[i][2] = tab_str(t, "x");
		ent[i][3] = (uint64_t)want[i].is_static;
		ent[i][4] = want[i].is_static ? 0 : v;
		ent[i][5] = want[i].is_static ? IMG + v : 0;
	}
	for (i = 0; i < NTYPES; i++) {
		tent[i][0] = tab_str(t, types[i]);
		tent[i][2] = in16(p, e);
	}
	for (i = 0; i < NCONSTS; i++) {
		cent[i][0] = tab_str(t, consts[i]);
		cent[i][1] = (uint64_t)(int64_t)(int8_t)in16(p, e);
	}
	sym[FX_VMS_STRUCTS] = tab_u64(t, tab_put(t, ent, sizeof(ent)));
	sym[FX_VMS_S_TYPE] = tab_u64(t, 0);
	sym[FX_VMS_S_FIELD] = tab_u64(t, 8);
	sym[FX_VMS_S_TSTRING] = tab_u64(t, 16);
	sym[FX_VMS_S_STATIC] = tab_u64(t, 24);
	sym[FX_VMS_S_OFFSET] = tab_u64(t, 32);
	sym[FX_VMS_S_ADDRESS] = tab_u64(t, 40);
	sym[FX_VMS_S_STRIDE] = tab_u64(t, STRIDE);
	sym[FX_VMS_TYPES] = tab_u64(t, tab_put(t, tent, sizeof(tent)));
	sym[FX_VMS_T_TYPE] = tab_u64(t, 0);
	sym[FX_VMS_T_SUPER] = tab_u64(t, 8);
	sym[FX_VMS_T_SIZE] = tab_u64(t, 16);
	sym[FX_VMS_T_STRIDE] = tab_u64(t, 24);
	sym[FX_VMS_INTS] = tab_u64(t, tab_put(t, cent, sizeof(cent)));
	sym[FX_VMS_I_NAME] = tab_u64(t, 0);
	sym[FX_VMS_I_VALUE] = tab_u64(t, 8);
	sym[FX_VMS_I_STRIDE] = tab_u64(t, 16);
	sym[FX_VMS_LONGS] = tab_u64(t, tab_put(t, lent, sizeof(lent)));
	sym[FX_VMS_L_NAME] = tab_u64(t, 0);
	sym[FX_VMS_L_VALUE] = tab_u64(t, 8);
	sym[FX_VMS_L_STRIDE] = tab_u64(t, 16);
}

static void check(const struct fx_jvm *j)
{
	size_t i;

	for (i = 0; i < j->ns; i++)
		if (j->s[i].end <= j->s[i].start ||
		    (unsigned)j->s[i].part >= FX_JVM_NPARTS)
			abort();
	for (i = 0; i < j->nt; i++)
		if (j->t[i].tid <= 0 || j->t[i].stack_hi < j->t[i].stack_lo ||
		    strlen(j->t[i].name) >= sizeof(j->t[i].name))
			abort();
	if (strlen(j->note) >= sizeof(j->note))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tab t;
	uint64_t sym[FX_VMS_NSYMS];
	struct image mem = { data, size, NULL, 0, TAB };
	struct fx_heap_src src = { image_read, &mem };
	const uint8_t *p = data, *e = data + size;
	char maps[256];
	struct fx_err err = { 0, "" };
	uint64_t end = IMG + ((size + 4095) & ~4095ull) + 4096;
	struct fx_maps m;
	struct fx_jvm j;
	size_t i;

	if (size && data[0] == 'E') {
		mem.img = data + 1;
		mem.len = size - 1;
		fx_elf_dynsyms(elf_read, &mem, fx_vms_symbols, FX_VMS_NSYMS,
			       sym);
		return 0;
	}
	if (size && data[0] == 'R') {
		struct fx_vmstructs v;

		for (i = 0; i < FX_VMS_NSYMS; i++)
			sym[i] = IMG + 8 * i;
		fx_vmstructs_init(&v);
		if (fx_vmstructs_read(&v, &src, sym) == 0) {
			for (i = 0; i < v.nf; i++)
				if (!v.f[i].type)
					abort();
		}
		fx_vmstructs_release(&v);
		return 0;
	}
	memset(&t, 0, sizeof(t));
	build_tables(&t, &p, e, sym);
	mem.own = t.b;
	mem.ownlen = sizeof(t.b);
	snprintf(maps, sizeof(maps),
		 "%llx-%llx rw-p 00000000 00:00 0\n"
		 "%llx-%llx ---p 00000000 00:00 0\n",
		 (unsigned long long)IMG, (unsigned long long)end,
		 (unsigned long long)end,
		 (unsigned long long)(end + (1 << 20)));
	fx_maps_init(&m);
	if (fx_maps_parse(&m, maps, strlen(maps), &err) == 0) {
		fx_jvm_init(&j);
		fx_jvm_inspect_tables(&j, &m, &src, sym, NULL, NULL, NULL);
		check(&j);
		/* To see how far a seed leads: FUZZ_JVM_SHOW=1 fuzz_jvm SEED */
		if (getenv("FUZZ_JVM_SHOW")) {
			fprintf(stderr, "ok %d note '%s' spans %zu threads %zu "
				"classes %llu\n", j.ok, j.note, j.ns, j.nt,
				(unsigned long long)j.klasses);
			for (i = 0; i < j.ns; i++)
				fprintf(stderr, "  %s %llx-%llx\n",
					fx_jvm_part_name(j.s[i].part),
					(unsigned long long)j.s[i].start,
					(unsigned long long)j.s[i].end);
			for (i = 0; i < j.nt; i++)
				fprintf(stderr, "  thread %d '%s'\n",
					j.t[i].tid, j.t[i].name);
		}
		fx_jvm_release(&j);
	}
	fx_maps_release(&m);
	return 0;
}
