#
# Copyright (c) 2026 The trap tools authors
#
# Permission to use, copy, modify, and distribute this software for any
# purpose with or without fee is hereby granted, provided that the above
# copyright notice and this permission notice appear in all copies.
#
# THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES
# WITH REGARD TO THIS SOFTWARE INCLUDING ALL IMPLIED WARRANTIES OF
# MERCHANTABILITY AND FITNESS. IN NO EVENT SHALL THE AUTHOR BE LIABLE FOR
# ANY SPECIAL, DIRECT, INDIRECT, OR CONSEQUENTIAL DAMAGES OR ANY DAMAGES
# WHATSOEVER RESULTING FROM LOSS OF USE, DATA OR PROFITS, WHETHER IN AN
# ACTION OF CONTRACT, NEGLIGENCE OR OTHER TORTIOUS ACTION, ARISING OUT OF
# OR IN CONNECTION WITH THE USE OR PERFORMANCE OF THIS SOFTWARE.
#
# golden.sh: sourced by the atf-sh test programs with golden cases.
#
# add_golden_cases DIR EXT: one test case golden_NAME for each DIR/NAME.EXT,
# whose body is "golden NAME".  atf-sh runs init_test_cases for every
# case, so this makes one process for all the names, not three a name.
#
# long_test: in a test case's head, marks it as one for "make check-long"
# (skipped by "make check", which sets no "long" variable).

add_golden_cases() {
	eval "$(cd "$1" && ls | awk -v ext=".$2" '
	    substr($0, length($0) - length(ext) + 1) == ext {
		name = substr($0, 1, length($0) - length(ext))
		if (name !~ /^[A-Za-z0-9._-]+$/)
			next
		id = "golden_" name
		gsub(/[^A-Za-z0-9_]/, "_", id)
		printf "%s_head() { atf_set descr \"golden: data/%s%s\"; }\n",
		    id, name, ext
		printf "%s_body() { golden \"%s\"; }\n", id, name
		printf "atf_add_test_case %s\n", id
	    }')"
}

long_test() {
	atf_set require.config long
}
