/*
 * strtab: the library's one hash table. It interns byte strings: each
 * distinct key gets the next index (0, 1, 2...), in the order keys were
 * first added, so a caller keeps its values in a plain array beside it.
 * Open addressing with linear probing over a power-of-two slot array kept
 * at most half full, FNV-1a hashes: every add and find is O(key length)
 * on average, whatever the input (a header of 300,000 columns, a million
 * group keys).
 */
#include <errno.h>
#include <stdlib.h>

#include "internal.h"

void fx_strtab_init(struct fx_strtab *t)
{
	memset(t, 0, sizeof(*t));
}

void fx_strtab_release(struct fx_strtab *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		free(t->e[i].key);
	free(t->e);
	free(t->slot);
	memset(t, 0, sizeof(*t));
}

void fx_strtab_reset(struct fx_strtab *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		free(t->e[i].key);
	t->n = 0;
	if (t->slot)
		memset(t->slot, 0, t->nslot * sizeof(*t->slot));
}

uint64_t fx_hash_bytes(const char *s, size_t n)
{
	uint64_t h = 14695981039346656037ULL;	/* FNV-1a */
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

int fx_slots_grow(uint32_t **slot, size_t *nslot, size_t first,
		  const void *e, size_t n, size_t sz, size_t off)
{
	size_t ns = *nslot ? *nslot * 2 : first, i, j;
	uint32_t *s = calloc(ns, sizeof(*s));
	uint64_t h;

	if (!s)
		return -ENOMEM;
	/* e may be NULL when n is 0: no pointer made from it then. */
	for (i = 0; i < n; i++) {
		memcpy(&h, (const char *)e + i * sz + off, sizeof(h));
		j = h & (ns - 1);
		while (s[j])
			j = (j + 1) & (ns - 1);
		s[j] = (uint32_t)(i + 1);
	}
	free(*slot);
	*slot = s;
	*nslot = ns;
	return 0;
}

static int grow(struct fx_strtab *t)
{
	return fx_slots_grow(&t->slot, &t->nslot, 64, t->e, t->n,
			     sizeof(*t->e),
			     offsetof(struct fx_strtab_ent, hash));
}

/* The slot holding key, or the empty slot where it would go. */
static size_t probe(const struct fx_strtab *t, const char *k, size_t len,
		    uint64_t h)
{
	size_t j;

	for (j = h & (t->nslot - 1); t->slot[j]; j = (j + 1) & (t->nslot - 1)) {
		const struct fx_strtab_ent *e = &t->e[t->slot[j] - 1];

		if (e->hash == h && e->len == len && memcmp(e->key, k, len) == 0)
			break;
	}
	return j;
}

long fx_strtab_find(const struct fx_strtab *t, const char *k, size_t len)
{
	size_t j;

	if (!t->nslot)
		return -1;
	j = probe(t, k, len, fx_hash_bytes(k, len));
	return t->slot[j] ? (long)t->slot[j] - 1 : -1;
}

long fx_strtab_add(struct fx_strtab *t, const char *k, size_t len,
		   int *created)
{
	uint64_t h = fx_hash_bytes(k, len);
	struct fx_strtab_ent *e;
	size_t j;

	if (created)
		*created = 0;
	if ((t->n + 1) * 2 > t->nslot && grow(t))
		return -ENOMEM;
	j = probe(t, k, len, h);
	if (t->slot[j])
		return (long)t->slot[j] - 1;
	if (t->n >= UINT32_MAX - 1)
		return -ENOMEM;
	if (FX_GROW(t->e, t->n, t->cap, 64))
		return -ENOMEM;
	e = &t->e[t->n];
	e->key = malloc(len + 1);
	if (!e->key)
		return -ENOMEM;
	memcpy(e->key, k, len);
	e->key[len] = '\0';
	e->len = len;
	e->hash = h;
	t->slot[j] = (uint32_t)(++t->n);
	if (created)
		*created = 1;
	return (long)t->n - 1;
}
