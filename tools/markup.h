/*
 * markup.h - text from a database or a traced program (file names,
 * program and oracle output: any bytes) written into XML and JSON that
 * a strict parser accepts, for report_junit.c and report_sarif.c.
 *
 * Well-formed UTF-8 is kept; every byte that is not (part of) it, and
 * every character the format cannot carry, is written as the four
 * characters "\xHH" (lower-case hex), as badio's other outputs show such
 * bytes.
 */
#ifndef BADIO_TOOLS_MARKUP_H
#define BADIO_TOOLS_MARKUP_H

#include <stdio.h>

/*
 * s as XML character data or attribute value (& < > " ' escaped); the
 * control characters XML 1.0 forbids even as references (all below
 * U+0020 but tab, newline and carriage return; U+FFFE, U+FFFF) become
 * "\xHH".  NULL writes nothing.
 */
void	markup_xml(FILE *f, const char *s);
/* s as a JSON string, quotes included; NULL writes null. */
void	markup_json(FILE *f, const char *s);
/*
 * path as a URI reference (RFC 3986): "file://" and the path for an
 * absolute one, the path alone for a relative one, each byte outside
 * the unreserved characters and "/" percent-encoded.  As a JSON string.
 */
void	markup_json_uri(FILE *f, const char *path);

#endif /* BADIO_TOOLS_MARKUP_H */
