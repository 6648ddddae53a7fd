/* Bare libcsv pass: count fields and rows, nothing else (the benchmark's
 * baseline for CSV validation speed). Usage: csvcount FILE */
#include <csv.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static void on_field(void *s, size_t len, void *data)
{
	(void)s;
	(void)len;
	((size_t *)data)[0]++;
}

static void on_row(int c, void *data)
{
	(void)c;
	((size_t *)data)[1]++;
}

int main(int argc, char **argv)
{
	static char buf[1 << 20];
	size_t counts[2] = { 0, 0 };
	struct csv_parser p;
	int fd = argc > 1 ? open(argv[1], O_RDONLY) : -1;
	if (fd < 0 || csv_init(&p, 0) != 0)
		return 1;
	ssize_t n;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (csv_parse(&p, buf, (size_t)n, on_field, on_row, counts) != (size_t)n)
			return 1;
	csv_fini(&p, on_field, on_row, counts);
	csv_free(&p);
	printf("fields=%zu rows=%zu\n", counts[0], counts[1]);
	return 0;
}
