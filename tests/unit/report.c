/* The report's renderer on hand-built documents: hostile values come out as text in
 * HTML and Markdown, every section is there, the same document gives the same bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gitcmdb/report.h"
#include "testutil.h"

#define EVIL "<script>alert('x')</script> & \"q\" | *b* _i_ [l](u) `c` # h\nline2"

static json_t *model(void)
{
	json_t *m = json_pack("{s:{s:s,s:s,s:s,s:s,s:s},"
			      "s:[{s:s,s:s,s:s,s:n}],"
			      "s:[{s:s,s:s,s:s,s:s,s:s,s:[s],s:[]}],"
			      "s:[],s:[],"
			      "s:{s:i,s:i,s:[],s:[]},"
			      "s:{s:s,s:s,s:f,s:[{s:s,s:f,s:s,s:f,s:f,s:b,s:[{s:s,s:f}]}]},"
			      "s:[{s:s,s:[s]}],s:[],s:{s:i}}",
		"scope", "repository", "/r/" EVIL, "commit", "abc", "commit_time",
		"2026-03-11T00:00:00Z", "since", "2026-03-01T00:00:00Z", "until",
		"2026-03-11T00:00:00Z", "register", "id", "host/x", "type", "host", "attributes",
		"os.id=" EVIL, "last_scan", "changes", "id", "CHG-0001", "summary", EVIL, "status",
		"approved", "approved_by", EVIL, "start", "2026-03-02T10:00:00Z", "affects",
		"host/x", "drifts", "unauthorised", "incidents", "coverage", "scans", 0, "hosts", 0,
		"scanned", "failed", "sla", "since", "2026-03-01T00:00:00Z", "until",
		"2026-03-11T00:00:00Z", "period_minutes", 14400.0, "services", "id",
		"business_service/" EVIL, "target", 99.9, "hours", EVIL, "availability", 98.3333,
		"outage_minutes", 240.0, "met", 0, "incidents", "id", "INC-0001", "minutes", 240.0,
		"graphs", "id", "business_service/x", "items", EVIL, "findings", "counts", "total",
		0);

	assert_non_null(m);
	return m;
}

static void test_report__html_escapes_every_value(void **state)
{
	json_t *m = model();
	char *a = NULL, *b = NULL;
	size_t la, lb;

	(void)state;
	assert_int_equal(cmdb_report_render(&a, &la, m, CMDB_REPORT_HTML, NULL), 0);
	assert_null(strstr(a, "<script"));
	assert_null(strstr(a, "'x'"));
	assert_non_null(strstr(a,
		"&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; "
		"&quot;q&quot;"));
	assert_non_null(strstr(a, "<td>98.3333</td><td>240.00</td><td>NO</td>"));
	assert_non_null(strstr(a, ">Service levels</h2>"));
	assert_non_null(strstr(a, ">Open audit findings</h2>"));
	assert_int_equal(cmdb_report_render(&b, &lb, m, CMDB_REPORT_HTML, NULL), 0);
	assert_int_equal(la, lb);
	assert_memory_equal(a, b, la);
	cmdb_free(a);
	cmdb_free(b);
	json_decref(m);
}

static void test_report__markdown_escapes_every_value(void **state)
{
	json_t *m = model();
	char *a = NULL;

	(void)state;
	assert_int_equal(cmdb_report_render(&a, NULL, m, CMDB_REPORT_MD, NULL), 0);
	for (const char *p = strchr(a, '<'); p; p = strchr(p + 1, '<'))
		assert_true(p > a && p[-1] == '\\'); /* every < of a value escaped */
	assert_non_null(strstr(a,
		"\\<script\\>alert('x')\\</script\\> \\& \"q\" \\| \\*b\\* "
		"\\_i\\_ \\[l\\](u) \\`c\\` \\# h line2"));
	assert_non_null(strstr(a, "\n## Service levels\n"));
	assert_non_null(strstr(a, "| 99.900 |"));
	cmdb_free(a);
	json_decref(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_report__html_escapes_every_value),
		cmocka_unit_test(test_report__markdown_escapes_every_value),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
