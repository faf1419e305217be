/* SPDX-License-Identifier: Apache-2.0 */
#include "listing.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "listing_rows.h"
#include "reading.h"
#include "xalloc.h"

#define NONE "<none>"
#define SHORT_ID_LENGTH 13

enum column { COLUMN_IMAGE, COLUMN_TAG, COLUMN_DIGEST, COLUMN_ID, COLUMN_SIZE, COLUMN_KINDS };

static const char *const column_titles[COLUMN_KINDS] = {"IMAGE", "TAG", "DIGEST", "IMAGE ID", "SIZE"};

static const struct name_columns kim_name_columns = {"IMAGE", "TAG"};

struct layout {
	const enum column *columns;
	size_t count;
};

static const enum column plain_columns[] = {COLUMN_IMAGE, COLUMN_TAG, COLUMN_ID, COLUMN_SIZE};
static const enum column digest_columns[] = {COLUMN_IMAGE, COLUMN_TAG, COLUMN_DIGEST, COLUMN_ID, COLUMN_SIZE};

/* The tables kim prints: `kim image ls` and `kim image ls --digests`. */
static const struct layout layouts[] = {
	{plain_columns, sizeof plain_columns / sizeof plain_columns[0]},
	{digest_columns, sizeof digest_columns / sizeof digest_columns[0]},
};

struct span {
	const char *text;
	size_t length;
};

struct table {
	const struct layout *layout;
	size_t start[COLUMN_KINDS]; /* where each cell begins in a line, by position in the layout */
	size_t id_length;           /* 0 until the first row; --no-trunc lengthens every ID and digest alike */
};

static bool span_is(struct span cell, const char *text)
{
	return cell.length == strlen(text) && memcmp(cell.text, text, cell.length) == 0;
}

static bool all_in(const char *text, size_t length, const char *set)
{
	for (size_t i = 0; i < length; i++)
		if (text[i] == '\0' || !strchr(set, text[i]))
			return false;
	return true;
}

static size_t count_spaces(const char *text, size_t length)
{
	size_t n = 0;
	while (n < length && text[n] == ' ')
		n++;
	return n;
}

/* Copying a cell lets reference_parse and friends read it as a C string. */
static char *copy_cell(struct span cell)
{
	return xstrndup(cell.text, cell.length);
}

/* Control characters would let a NUL cut a cell short or a "\r" hide in a message. */
static int check_line(const char *line, size_t length, size_t number, struct listing_error *err)
{
	if (length == 0)
		return reading_reject(err, number, "blank line");
	for (size_t i = 0; i < length; i++) {
		unsigned char byte = (unsigned char)line[i];
		if (byte < 0x20 || byte == 0x7f)
			return reading_reject(err, number, "control character 0x%02x at column %zu", byte, i + 1);
	}
	return 0;
}

/* Titles are separated by spaces; "IMAGE ID" holds one itself, so the titles are matched whole. */
static bool header_matches(const char *line, size_t length, const struct layout *layout, size_t *start)
{
	size_t pos = 0;
	for (size_t i = 0; i < layout->count; i++) {
		if (i > 0) {
			size_t spaces = count_spaces(line + pos, length - pos);
			if (spaces == 0)
				return false;
			pos += spaces;
		}
		const char *title = column_titles[layout->columns[i]];
		size_t title_length = strlen(title);
		if (length - pos < title_length || memcmp(line + pos, title, title_length) != 0)
			return false;
		start[i] = pos;
		pos += title_length;
	}
	return pos == length;
}

static int read_header(const char *line, size_t length, struct table *table, struct listing_error *err)
{
	if (check_line(line, length, 1, err) != 0)
		return -1;
	for (size_t i = 0; i < sizeof layouts / sizeof layouts[0]; i++) {
		if (header_matches(line, length, &layouts[i], table->start)) {
			table->layout = &layouts[i];
			return 0;
		}
	}
	struct span header = {line, length};
	return reading_reject(err, 1, "not the header of kim's image table: %s",
			      reading_quote(header.text, header.length).text);
}

/* Every row has as many cells as the header, so tabwriter starts each cell right under its title:
 * checking that makes the split exact even though the IMAGE ID title holds a space. */
static int split_row(const char *line, size_t length, size_t number, const struct table *table,
		     struct span *cells, struct listing_error *err)
{
	const struct layout *layout = table->layout;
	size_t count = 0;
	for (size_t pos = count_spaces(line, length); pos < length; pos += count_spaces(line + pos, length - pos)) {
		const char *space = memchr(line + pos, ' ', length - pos);
		size_t end = space ? (size_t)(space - line) : length;
		if (count < layout->count)
			cells[count] = (struct span){line + pos, end - pos};
		count++;
		pos = end;
	}
	if (count != layout->count)
		return reading_reject(err, number, "%zu cells where the header has %zu", count, layout->count);
	for (size_t i = 0; i < count; i++) {
		size_t start = (size_t)(cells[i].text - line);
		if (start != table->start[i])
			return reading_reject(err, number,
					      "%s cell starts at column %zu, not at column %zu under its title",
					      column_titles[layout->columns[i]], start + 1, table->start[i] + 1);
	}
	if (line[length - 1] == ' ')
		return reading_reject(err, number, "spaces after the last cell");
	return 0;
}

/* An ID or digest as kim prints it: the first 13 hex digits, or with --no-trunc "sha256:" and all 64.
 * Returns the hex digits, or an empty span when CELL is neither. */
static struct span hex_digits(struct span cell)
{
	static const struct span invalid = {NULL, 0};
	struct span hex = cell;
	size_t prefix_length = strlen(LISTING_ID_PREFIX);

	if (cell.length == prefix_length + LISTING_ID_MAX && memcmp(cell.text, LISTING_ID_PREFIX, prefix_length) == 0) {
		hex.text += prefix_length;
		hex.length -= prefix_length;
	} else if (cell.length != SHORT_ID_LENGTH) {
		return invalid;
	}
	return listing_is_lower_hex(hex.text, hex.length) ? hex : invalid;
}

/* A number as Go's %.3g prints a value in [0, 1000): up to three significant digits without trailing
 * zeros, or "1e+03" when rounding reaches 1000. */
static bool size_number_is_valid(const char *text, size_t length)
{
	static const char digits[] = "0123456789";
	if (length == strlen("1e+03") && memcmp(text, "1e+03", length) == 0)
		return true;

	const char *point = memchr(text, '.', length);
	size_t integer = point ? (size_t)(point - text) : length;
	if (integer == 0 || integer > 3 || !all_in(text, integer, digits) || (text[0] == '0' && integer > 1))
		return false;
	if (!point)
		return true;
	size_t fraction = length - integer - 1;
	return text[0] != '0' && fraction > 0 && integer + fraction <= 3 && all_in(point + 1, fraction, digits) &&
	       text[length - 1] != '0';
}

/* Go's units.HumanSizeWithPrecision(size, 3): a %.3g number and a decimal unit, no space between. */
static bool size_is_valid(struct span cell)
{
	static const char *const units[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"};
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
		size_t unit_length = strlen(units[i]);
		size_t number_length = cell.length - unit_length;
		if (cell.length > unit_length && memcmp(cell.text + number_length, units[i], unit_length) == 0 &&
		    size_number_is_valid(cell.text, number_length))
			return true;
	}
	return false;
}

/* The IMAGE cell is R, R:TAG or R@DIGEST (an image listed under the name it lost), or <none>. */
static int read_name(struct span image, struct span tag, size_t number, struct image_name *name,
		     struct listing_error *err)
{
	char *repository = span_is(image, NONE) ? NULL : copy_cell(image);
	char *tag_text = span_is(tag, NONE) ? NULL : copy_cell(tag);
	int status = listing_name_from_columns(repository, tag_text, &kim_name_columns, number, name, err);
	free(repository);
	free(tag_text);
	return status;
}

/* Reads the digits of an ID or digest CELL, which must have the length of every other one. */
static int read_hex(struct span cell, enum column column, size_t number, struct table *table, struct span *hex,
		    struct listing_error *err)
{
	*hex = hex_digits(cell);
	if (hex->length == 0)
		return reading_reject(err, number, "invalid %s %s", column_titles[column],
				      reading_quote(cell.text, cell.length).text);
	if (table->id_length == 0)
		table->id_length = hex->length;
	if (hex->length != table->id_length)
		return reading_reject(err, number, "%s \"%.*s\" is %s, unlike the IDs above it",
				      column_titles[column], (int)cell.length, cell.text,
				      hex->length == SHORT_ID_LENGTH ? "truncated" : "not truncated");
	return 0;
}

static int read_row(const char *line, size_t length, size_t number, struct table *table,
		    struct listing_row *row, struct listing_error *err)
{
	struct span by_position[COLUMN_KINDS];
	if (check_line(line, length, number, err) != 0 ||
	    split_row(line, length, number, table, by_position, err) != 0)
		return -1;

	struct span cell[COLUMN_KINDS] = {{NULL, 0}};
	for (size_t i = 0; i < table->layout->count; i++)
		cell[table->layout->columns[i]] = by_position[i];

	struct span id;
	if (read_hex(cell[COLUMN_ID], COLUMN_ID, number, table, &id, err) != 0)
		return -1;
	struct span digest = {NULL, 0};
	if (cell[COLUMN_DIGEST].text && !span_is(cell[COLUMN_DIGEST], NONE) &&
	    read_hex(cell[COLUMN_DIGEST], COLUMN_DIGEST, number, table, &digest, err) != 0)
		return -1;
	if (!size_is_valid(cell[COLUMN_SIZE]))
		return reading_reject(err, number, "invalid SIZE %s",
				      reading_quote(cell[COLUMN_SIZE].text, cell[COLUMN_SIZE].length).text);
	*row = listing_row_start(id.text, id.length);
	/* Checked above to be a %.3g size, which listing_human_size reads. */
	(void)listing_human_size(cell[COLUMN_SIZE].text, cell[COLUMN_SIZE].length, &row->size);
	/* Pods name the image they run by its manifest digest: what the DIGEST column holds. */
	if (digest.length)
		memcpy(row->digest, digest.text, digest.length);
	row->digest[digest.length] = '\0';
	return read_name(cell[COLUMN_IMAGE], cell[COLUMN_TAG], number, &row->name, err);
}

int listing_parse_kim_table(const char *text, size_t length, struct listing *out, struct listing_error *err)
{
	*out = (struct listing){NULL, 0};
	if (length == 0)
		return reading_reject(err, 1, "empty listing: no header");

	struct table table = {NULL, {0}, 0};
	struct listing_rows rows = {NULL, 0};
	int status = 0;
	size_t number = 0;
	const char *line;
	size_t line_length;
	for (size_t pos = 0; status == 0 && reading_next_line(text, length, &pos, &line, &line_length);) {
		number++;

		if (number == 1) {
			status = read_header(line, line_length, &table, err);
			continue;
		}
		struct listing_row row;
		status = read_row(line, line_length, number, &table, &row, err);
		if (status == 0)
			listing_rows_add(&rows, &row);
	}
	if (status == 0)
		status = listing_rows_group(&rows, out, err);
	listing_rows_free(&rows);
	return status;
}

/* The 64 hex digits after "sha256:" at TEXT (LENGTH bytes), when nothing but blanks follows them
 * within the line or a blank does (" 0.0s", " done"); else NULL. */
static const char *digest_at(const char *text, size_t length)
{
	static const char prefix[] = LISTING_ID_PREFIX;
	size_t prefix_length = sizeof prefix - 1;
	if (length < prefix_length + LISTING_ID_MAX || memcmp(text, prefix, prefix_length) != 0 ||
	    !listing_is_lower_hex(text + prefix_length, LISTING_ID_MAX))
		return NULL;
	size_t end = prefix_length + LISTING_ID_MAX;
	return end == length || text[end] == ' ' || text[end] == '\t' || text[end] == '\r' ? text + prefix_length : NULL;
}

/* Whether the LENGTH bytes at TEXT are a progress line's prefix: blanks and "=>" marks (kim's
 * ` => => `), or BuildKit's plain step number ("#8 "). What a RUN step prints stands elsewhere. */
static bool is_progress_prefix(const char *text, size_t length)
{
	size_t i = 0;
	while (i < length && text[i] == ' ')
		i++;
	if (i < length && text[i] == '#') {
		size_t digits = i + 1;
		while (digits < length && text[digits] >= '0' && text[digits] <= '9')
			digits++;
		return digits > i + 1 && digits + 1 == length && text[digits] == ' ';
	}
	bool marked = false;
	for (; i < length; i++) {
		if (text[i] == '=' && i + 1 < length && text[i + 1] == '>') {
			marked = true;
			i++;
		} else if (text[i] != ' ') {
			return false;
		}
	}
	return marked;
}

const char *listing_kim_build_id(const char *text, size_t length)
{
	static const char exporting[] = "exporting config ";
	const char *found = NULL;
	const char *line;
	size_t line_length, lines = 0;
	for (size_t pos = 0; reading_next_line(text, length, &pos, &line, &line_length); lines++) {
		const char *at = NULL;
		for (size_t i = 0; !at && i + sizeof exporting - 1 <= line_length; i++)
			if (memcmp(line + i, exporting, sizeof exporting - 1) == 0)
				at = line + i;
		const char *id = at && is_progress_prefix(line, (size_t)(at - line))
					 ? digest_at(at + sizeof exporting - 1, line_length - (size_t)(at - line) - (sizeof exporting - 1))
					 : NULL;
		if (id)
			found = id;
	}
	/* -q: the ID alone is all it writes. */
	const char *newline = memchr(text, '\n', length);
	if (!found && lines == 1)
		found = digest_at(text, newline ? (size_t)(newline - text) : length);
	return found;
}
