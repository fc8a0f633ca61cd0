/* Runs a fuzz target over files given on the command line (the seed corpus), so `make check`
 * replays every seed and past crash with any compiler; libFuzzer itself is used by fuzz-smoke. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv)
{
	int runs = 0;
	for (int i = 1; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");
		if (!f) {
			perror(argv[i]);
			return 1;
		}
		uint8_t *buf = malloc(1 << 20);
		size_t n = fread(buf, 1, 1 << 20, f);
		fclose(f);
		LLVMFuzzerTestOneInput(buf, n);
		free(buf);
		runs++;
	}
	printf("%d inputs replayed\n", runs);
	return 0;
}
