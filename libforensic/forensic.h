/*
 * libforensic: the library under every memforensic command. Including this
 * header gives every public module; each module also has its own header.
 *
 * Conventions (see ../shared/STYLE.md): functions return 0 or a negative
 * errno, pointer functions NULL with errno set; the library never prints and
 * never exits; parsers take bytes, never a pid.
 */
#ifndef FX_FORENSIC_H
#define FX_FORENSIC_H

#define FX_VERSION "0.1.0"

#include "buf.h"
#include "proc.h"
#include "maps.h"
#include "rec.h"
#include "rank.h"
#include "schema.h"

#endif
