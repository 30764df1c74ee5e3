/*
 * The CSV tokenizer's loop, included twice by csvscan.c: once compiled for
 * AVX2 and once portable, so that the field search inlines into the loop
 * in both. Expects SCAN_FN, NEXT_SPECIAL and SCAN_ATTR to be defined.
 */

SCAN_ATTR
static size_t SCAN_FN(const struct mlg_csv_dialect *d, const char *buf, size_t len, size_t pos,
		      size_t stop, int final, uint64_t base, struct mlg_batch_impl *b,
		      mlg_batch_sink sink, void *payload, struct mlg_part_result *res)
{
	const char delim = d->delimiter, quote = d->quote;
	const size_t ncols = d->ncolumns;
	const uint8_t *used = b->used;
	uint64_t lines = res->nlines;
	struct special_cache cache = { (size_t)-1, 0 };

	for (;;) {
		size_t rec_start, field = 0;
		uint64_t rec_lines;
		size_t row = b->pub.nrows;

		/* blank lines; the LF of a CRLF is not a line of its own. Those
		 * at `stop` belong to the next part. */
		while (pos < len && pos < stop) {
			char c = buf[pos];

			if (c == '\n') {
				if (!(pos > 0 && buf[pos - 1] == '\r'))
					lines++;
			} else if (c == '\r') {
				lines++;
			} else {
				break;
			}
			pos++;
		}
		if (pos >= len || pos >= stop)
			break;
		rec_start = pos;
		rec_lines = lines;

		for (;;) {
			const char *value;
			size_t vlen;
			int is_null;

			if (pos < len && buf[pos] == quote) {
				size_t open = pos, q = pos + 1, close;
				int escaped = 0;

				for (;;) {
					const char *p = memchr(buf + q, quote, len - q);

					if (!p) {
						if (!final)
							goto incomplete;
						res->error = -1;
						res->err_row = res->nrows + 1;
						res->err_line = lines;
						res->err_offset = base + open;
						res->err_text = mlg_xstrdup("quoted field is not closed before the end of the file");
						goto done;
					}
					close = (size_t)(p - buf);
					if (close + 1 < len && buf[close + 1] == quote) {
						escaped = 1;
						q = close + 2;
						continue;
					}
					if (close + 1 == len && !final)
						goto incomplete;
					break;
				}
				/* line breaks inside the field count as lines */
				for (size_t i = open + 1; i < close; i++) {
					if (buf[i] == '\r' || (buf[i] == '\n' && buf[i - 1] != '\r'))
						lines++;
				}
				if (escaped && field < ncols && used[field]) {
					char *o = mlg_batch__copy(b, close - open - 1);
					size_t n = 0;

					for (size_t i = open + 1; i < close; i++) {
						o[n++] = buf[i];
						if (buf[i] == quote)
							i++;
					}
					o[n] = '\0';
					value = o;
					vlen = n;
				} else {
					value = buf + open + 1;
					vlen = close - open - 1;
				}
				is_null = 0;
				pos = close + 1;
				if (pos < len && buf[pos] != delim && buf[pos] != '\n' && buf[pos] != '\r') {
					res->error = -1;
					res->err_row = res->nrows + 1;
					res->err_line = lines;
					res->err_offset = base + pos;
					res->err_text = mlg_xasprintf(
						(unsigned char)buf[pos] >= 0x20 && (unsigned char)buf[pos] < 0x7f
							? "unexpected character '%c' after a closing quote"
							: "unexpected character '\\x%02x' after a closing quote",
						(unsigned char)buf[pos]);
					goto done;
				}
			} else {
				size_t q = NEXT_SPECIAL(&cache, buf, pos, len, delim);

				if (q == len && !final)
					goto incomplete;
				value = buf + pos;
				vlen = q - pos;
				is_null = vlen == 0 || (b->nulls && mlg_batch__is_null_token(b, value, vlen));
				pos = q;
			}
			if (field < ncols && used[field]) {
				struct mlg_cell *cell = &b->cols[field].cells[row];

				cell->data = value;
				cell->len = (uint32_t)vlen;
				cell->is_null = (uint32_t)is_null;
			}
			field++;
			if (pos >= len)
				break;
			if (buf[pos] == delim) {
				pos++;
				continue;
			}
			/* LF or CR; the LF after a CR is skipped as a blank line */
			lines++;
			pos++;
			break;
		}
		if (field != ncols) {
			res->error = -1;
			res->err_row = res->nrows + 1;
			res->err_line = rec_lines;
			res->err_offset = base + rec_start;
			res->err_text = mlg_xasprintf("expected %zu fields as in the %s, found %zu", ncols,
						      d->header ? "header" : "first record", field);
			goto done;
		}
		res->nrows++;
		if (++b->pub.nrows == b->cap) {
			if (sink(payload, &b->pub)) {
				res->stopped = 1;
				goto done;
			}
			mlg_batch__reset(b, res->nrows + 1);
		}
		continue;
incomplete:
		pos = rec_start;
		lines = rec_lines;
		break;
	}
	if (b->pub.nrows && sink(payload, &b->pub))
		res->stopped = 1;
	mlg_batch__reset(b, res->nrows + 1);
done:
	res->nlines = lines;
	return pos;
}
