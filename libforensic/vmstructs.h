/*
 * vmstructs: HotSpot's own description of its structures, read from a
 * JVM's memory, the way the JDK's serviceability agent reads a JVM from
 * outside.
 *
 * libjvm.so exports, as dynamic symbols, four tables and the layout of
 * their entries:
 *   gHotSpotVMStructs        {typeName, fieldName, typeString, isStatic,
 *                             offset, address}: every field the agent
 *                             may read (offset in its type, or the
 *                             address of a static);
 *   gHotSpotVMTypes          {typeName, superclassName, ..., size};
 *   gHotSpotVMIntConstants   {name, value (int32)};
 *   gHotSpotVMLongConstants  {name, value (int64)}.
 * Each gHotSpotVM* symbol holds a pointer to its array; the
 * gHotSpotVM*Offset and *ArrayStride symbols hold the entries' layout.
 * An entry whose name pointer is NULL ends an array. Everything here is
 * memory the target controls: every count, stride and string is bounded.
 */
#ifndef FX_VMSTRUCTS_H
#define FX_VMSTRUCTS_H

#include <stddef.h>
#include <stdint.h>

#include "heap.h"

/* Indices into the symbol address array fx_vmstructs_read takes. */
enum fx_vms_sym {
	FX_VMS_STRUCTS,
	FX_VMS_S_TYPE,
	FX_VMS_S_FIELD,
	FX_VMS_S_TSTRING,
	FX_VMS_S_STATIC,
	FX_VMS_S_OFFSET,
	FX_VMS_S_ADDRESS,
	FX_VMS_S_STRIDE,
	FX_VMS_TYPES,
	FX_VMS_T_TYPE,
	FX_VMS_T_SUPER,
	FX_VMS_T_SIZE,
	FX_VMS_T_STRIDE,
	FX_VMS_INTS,
	FX_VMS_I_NAME,
	FX_VMS_I_VALUE,
	FX_VMS_I_STRIDE,
	FX_VMS_LONGS,
	FX_VMS_L_NAME,
	FX_VMS_L_VALUE,
	FX_VMS_L_STRIDE,
	FX_VMS_NSYMS
};

/* The dynamic symbol names, in enum fx_vms_sym order. */
extern const char *const fx_vms_symbols[FX_VMS_NSYMS];

struct fx_vms_field {
	const char *type, *name, *tstring;
	int is_static;
	uint64_t offset;	/* in its type (non-static) */
	uint64_t addr;		/* of the static */
};

struct fx_vms_type {
	const char *name, *super;
	uint64_t size;
};

struct fx_vms_const {
	const char *name;
	int64_t value;
};

/* The tables as read. Embed, fx_vmstructs_init(). */
struct fx_vmstructs {
	struct fx_vms_field *f;
	size_t nf;
	struct fx_vms_type *t;
	size_t nt;
	struct fx_vms_const *c;	/* int constants, then long ones */
	size_t nc;
	char *pool;		/* the strings */
};

void fx_vmstructs_init(struct fx_vmstructs *v);
void fx_vmstructs_release(struct fx_vmstructs *v);

/*
 * Read the four tables through src, sym[i] being the run-time address of
 * fx_vms_symbols[i] (0: absent). 0; -ENOENT when the tables' symbols
 * are absent or their pointers NULL (not a HotSpot JVM, or one still
 * starting); -EBADMSG when the layout or an entry makes no sense;
 * -EFAULT when a byte cannot be read; -ENOMEM.
 */
int fx_vmstructs_read(struct fx_vmstructs *v, struct fx_heap_src *src,
		      const uint64_t *sym);

/* The field type::name, or NULL. */
const struct fx_vms_field *fx_vms_field(const struct fx_vmstructs *v,
					const char *type, const char *name);

/* Offset of the non-static field type::name: 0 or -ENOENT. */
int fx_vms_offset(const struct fx_vmstructs *v, const char *type,
		  const char *name, uint64_t *off);

/* Address of the static field type::name: 0 or -ENOENT. */
int fx_vms_static(const struct fx_vmstructs *v, const char *type,
		  const char *name, uint64_t *addr);

/* sizeof(type): 0 or -ENOENT. */
int fx_vms_size(const struct fx_vmstructs *v, const char *type,
		uint64_t *size);

/* An int or long constant: 0 or -ENOENT. */
int fx_vms_const(const struct fx_vmstructs *v, const char *name,
		 int64_t *value);

/* A VM flag (-XX:...) to read: name and size set, value and found out. */
struct fx_vms_flag {
	const char *name;
	int size;		/* 1 bool, 4 int or uint, 8 size_t or intx */
	uint64_t value;
	int found;
};

/*
 * Read the n flags fl[] (JVMFlag::flags, numFlags entries) through src:
 * those found get found = 1 and their value. Flags that cannot be read
 * stay found = 0.
 */
void fx_vms_flags(const struct fx_vmstructs *v, struct fx_heap_src *src,
		  struct fx_vms_flag *fl, size_t n);

/*
 * The collector the JVM runs, from its Use...GC flags: "G1", "Parallel",
 * "Serial", "Z", "Shenandoah", "Epsilon", or "" when none can be read.
 */
const char *fx_vms_collector(const struct fx_vmstructs *v,
			     struct fx_heap_src *src);

#endif
