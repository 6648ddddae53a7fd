/* Shared by the libFuzzer targets whose parser reads a file: write the input
 * to a new file in $TMPDIR (default /tmp). scripts/fuzz-deep points TMPDIR
 * at a tmpfs: on a disk file system, creating and removing a file per input
 * costs more than most parsers. Fills PATH (of LEN bytes); 0 or -1. */
#ifndef KA_FUZZ_INPUT_H
#define KA_FUZZ_INPUT_H
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static int fuzz_write_input(const uint8_t *data, size_t size, char *path, size_t len)
{
	const char *dir = getenv("TMPDIR");
	int n = snprintf(path, len, "%s/ka-fuzz-XXXXXX", dir && *dir ? dir : "/tmp");
	if (n < 0 || (size_t)n >= len)
		return -1;
	int fd = mkstemp(path);
	if (fd < 0)
		return -1;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		unlink(path);
		return -1;
	}
	close(fd);
	return 0;
}
#endif
