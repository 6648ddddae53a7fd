/* Bare memchr X12 tokenizer: count segments by the terminator from the ISA
 * header, nothing else (the baseline for X12 validation speed). */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	static char buf[1 << 20];
	size_t segs = 0;
	int fd = argc > 1 ? open(argv[1], O_RDONLY) : -1;
	if (fd < 0)
		return 1;
	ssize_t n = read(fd, buf, sizeof(buf));
	if (n < 106)
		return 1;
	char term = buf[105];
	do {
		for (char *p = buf, *end = buf + n; (p = memchr(p, term, (size_t)(end - p))); p++)
			segs++;
	} while ((n = read(fd, buf, sizeof(buf))) > 0);
	printf("segments=%zu\n", segs);
	return 0;
}
