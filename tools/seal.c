/* seal.c — sealed traces: a finished recording compressed with zstd and/or encrypted to a public
 * key with libsodium (seal.h).
 *
 * Sealed file layout (integers little-endian):
 *   0   "RTSEALED"                      magic
 *   8   u32 version (1)
 *   12  u32 flags: SEAL_ZSTD | SEAL_BOX | SEAL_SPLIT
 *   16  u64 plain_size                  bytes of the plain trace it holds
 *   24  SEAL_BOX only:
 *       u8 key_id[16]                   BLAKE2b-128 of the recipient's public key (which key)
 *       u8 sealed_key[80]               crypto_box_seal of the stream's random 32-byte key
 *       u8 stream_header[24]            crypto_secretstream_xchacha20poly1305's header
 *   then the content: the plain trace, as one zstd frame with its checksum when SEAL_ZSTD, else
 *   as it is; with SEAL_SPLIT, the plain trace's event records are sorted by call before
 *   compression (seal-split.h), which makes traces a fifth to a third smaller.  SEAL_BOX wraps the content in records {u32 length, ciphertext}, each at most
 *   SEAL_RECORD plain bytes, the last one tagged FINAL, so that a cut or a reordering is caught;
 *   the clear head (bytes 0..24+16) is the first record's additional data, so its flags and size
 *   cannot be changed either.  Without SEAL_BOX the zstd frame's checksum and plain_size check
 *   the content.
 *
 * What stays in clear: the head (that it is a retrace trace, compressed or encrypted, its plain
 * size, which key), the file's name and size.  Everything a trace says about the program — its
 * header included — is inside.
 *
 * Constructions: crypto_box_seal (X25519 + XSalsa20-Poly1305, an ephemeral sender key) carries
 * the per-file key; crypto_secretstream_xchacha20poly1305 carries the content.  A host that
 * records holds only the public key and cannot read back what it sealed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>
#include <zstd.h>

#include "bytes.h"
#include "common.h"
#include "family.h"
#include "seal-split.h"
#include "seal.h"

#define SEAL_MAGIC "RTSEALED"
#define SEAL_VERSION 1u
#define SEAL_ZSTD 1u
#define SEAL_BOX 2u
#define SEAL_SPLIT 4u /* with SEAL_ZSTD: event records sorted by call first (seal-split.h) */
#define SEAL_HEAD 24u
#define SEAL_KEY_ID 16u
#define SEAL_SEALED_KEY (crypto_box_SEALBYTES + crypto_secretstream_xchacha20poly1305_KEYBYTES)
#define SEAL_STREAM_HEADER crypto_secretstream_xchacha20poly1305_HEADERBYTES
#define SEAL_BOX_HEAD (SEAL_KEY_ID + SEAL_SEALED_KEY + SEAL_STREAM_HEADER)
#define SEAL_RECORD (64u << 10)
#define SEAL_ABYTES crypto_secretstream_xchacha20poly1305_ABYTES
/* zstd's level by the trace's size: the wrapper compresses after the program has ended, so the
 * level is chosen to keep that under half a second (measured here: 19 does 2 MB/s, 9 30 MB/s,
 * 3 100 MB/s); small traces, where a higher level pays most (their content is a start-up's
 * worth of Python and a few thousand events), get the most. */
static int seal_level(uint64_t plain_size)
{
	return plain_size <= (1u << 20) ? 19 : plain_size <= (16u << 20) ? 9 : 3;
}

#define SEAL_WAIT_SECONDS 3

#define PUB_TAG "retrace-public-key-1"
#define SEC_TAG "retrace-secret-key-1"

static int sodium_ready(char *why, size_t n)
{
	if (sodium_init() < 0) {
		snprintf(why, n, "libsodium cannot start");
		return -1;
	}
	return 0;
}

/* ---- keys --------------------------------------------------------------------------------- */

/* The first line of a key file that is not a comment: "TAG BASE64 [BASE64]". */
static int read_key_line(const char *path, const char *tag, uint8_t *a, size_t alen, uint8_t *b,
			 size_t blen, char *why, size_t n)
{
	FILE *f = fopen(path, "re");
	if (!f) {
		snprintf(why, n, "cannot open the key %s: %s", path, strerror(errno));
		return -1;
	}
	char line[512];
	int rc = -1, found = 0;
	while (fgets(line, sizeof line, f)) {
		if (line[0] == '#' || line[0] == '\n')
			continue;
		found = 1;
		char *save, *t = strtok_r(line, " \t\n", &save);
		char *x = strtok_r(NULL, " \t\n", &save), *y = strtok_r(NULL, " \t\n", &save);
		size_t got;
		if (!t || strcmp(t, tag) != 0) {
			const char *other = t && strcmp(t, PUB_TAG) == 0 ? " (it is a public key)"
					  : t && strcmp(t, SEC_TAG) == 0 ? " (it is a secret key)"
									 : "";
			snprintf(why, n, "%s is not a retrace %s key%s", path,
				 strcmp(tag, PUB_TAG) == 0 ? "public" : "secret", other);
		} else if (!x || sodium_base642bin(a, alen, x, strlen(x), NULL, &got, NULL,
						   sodium_base64_VARIANT_ORIGINAL) != 0 || got != alen ||
			   (b && (!y || sodium_base642bin(b, blen, y, strlen(y), NULL, &got, NULL,
							  sodium_base64_VARIANT_ORIGINAL) != 0 ||
				  got != blen))) {
			snprintf(why, n, "%s: the key is damaged", path);
		} else {
			rc = 0;
		}
		break;
	}
	if (!found)
		snprintf(why, n, "%s holds no key", path);
	sodium_memzero(line, sizeof line);
	fclose(f);
	return rc;
}

static int load_public_key(const char *path, uint8_t pk[crypto_box_PUBLICKEYBYTES], char *why,
			   size_t n)
{
	if (sodium_ready(why, n) < 0)
		return -1;
	return read_key_line(path, PUB_TAG, pk, crypto_box_PUBLICKEYBYTES, NULL, 0, why, n);
}

static int load_secret_key(const char *path, uint8_t pk[crypto_box_PUBLICKEYBYTES],
			   uint8_t sk[crypto_box_SECRETKEYBYTES], char *why, size_t n)
{
	if (sodium_ready(why, n) < 0)
		return -1;
	if (read_key_line(path, SEC_TAG, sk, crypto_box_SECRETKEYBYTES, pk,
			  crypto_box_PUBLICKEYBYTES, why, n) < 0)
		return -1;
	/* the public half must be the secret's, or sealing and opening disagree about the key id */
	uint8_t derived[crypto_box_PUBLICKEYBYTES];
	crypto_scalarmult_base(derived, sk);
	if (sodium_memcmp(derived, pk, sizeof derived) != 0) {
		snprintf(why, n, "%s: the key is damaged (its two halves do not belong together)", path);
		return -1;
	}
	return 0;
}

static void key_id(uint8_t id[SEAL_KEY_ID], const uint8_t pk[crypto_box_PUBLICKEYBYTES])
{
	crypto_generichash(id, SEAL_KEY_ID, pk, crypto_box_PUBLICKEYBYTES, NULL, 0);
}

int seal_check_public_key(const char *path, char *why, size_t n)
{
	uint8_t pk[crypto_box_PUBLICKEYBYTES];
	return load_public_key(path, pk, why, n);
}

/* Write NAME.pub and NAME.key (0600, never over an existing file). */
int seal_keygen(const char *name, char *why, size_t n)
{
	if (sodium_ready(why, n) < 0)
		return -1;
	uint8_t pk[crypto_box_PUBLICKEYBYTES], sk[crypto_box_SECRETKEYBYTES];
	char pub_path[PATH_MAX], key_path[PATH_MAX];
	char pk64[sodium_base64_ENCODED_LEN(sizeof pk, sodium_base64_VARIANT_ORIGINAL)];
	char sk64[sodium_base64_ENCODED_LEN(sizeof sk, sodium_base64_VARIANT_ORIGINAL)];
	if (snprintf(pub_path, sizeof pub_path, "%s.pub", name) >= (int)sizeof pub_path ||
	    snprintf(key_path, sizeof key_path, "%s.key", name) >= (int)sizeof key_path) {
		snprintf(why, n, "%s: name too long", name);
		return -1;
	}
	crypto_box_keypair(pk, sk);
	sodium_bin2base64(pk64, sizeof pk64, pk, sizeof pk, sodium_base64_VARIANT_ORIGINAL);
	sodium_bin2base64(sk64, sizeof sk64, sk, sizeof sk, sodium_base64_VARIANT_ORIGINAL);
	int rc = -1;
	int kfd = open(key_path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (kfd < 0) {
		snprintf(why, n, "cannot create %s: %s", key_path, strerror(errno));
		goto out;
	}
	int pfd = open(pub_path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (pfd < 0) {
		snprintf(why, n, "cannot create %s: %s", pub_path, strerror(errno));
		close(kfd);
		unlink(key_path);
		goto out;
	}
	char text[PATH_MAX + 512];
	int len = snprintf(text, sizeof text,
			   "# retrace secret key: reads the traces encrypted to %s; keep it secret\n"
			   SEC_TAG " %s %s\n", pub_path, sk64, pk64);
	int ok = tool_write_all(kfd, text, (size_t)len) == 0 && fsync(kfd) == 0;
	len = snprintf(text, sizeof text,
		       "# retrace public key: retrace-record --public-key %s encrypts traces to it\n"
		       PUB_TAG " %s\n", pub_path, pk64);
	ok = ok && tool_write_all(pfd, text, (size_t)len) == 0 && fsync(pfd) == 0;
	int e = errno;
	int closed_k = close(kfd) == 0, closed_p = close(pfd) == 0; /* both, whatever the first did */
	ok = ok && closed_k && closed_p;
	sodium_memzero(text, sizeof text);
	if (!ok) {
		snprintf(why, n, "cannot write the keys: %s", strerror(e ? e : errno));
		unlink(key_path);
		unlink(pub_path);
		goto out;
	}
	rc = 0;
out:
	sodium_memzero(sk, sizeof sk);
	sodium_memzero(sk64, sizeof sk64);
	return rc;
}

/* ---- sealing ------------------------------------------------------------------------------ */

/* Where the content goes: straight to the file, or through the secret stream in records. */
struct sink {
	int fd;
	int boxed;
	crypto_secretstream_xchacha20poly1305_state st;
	uint8_t ad[SEAL_HEAD + SEAL_KEY_ID]; /* the first record's additional data */
	int first;
	uint8_t *buf; /* SEAL_RECORD bytes waiting to be boxed */
	size_t used;
	uint8_t *out; /* 4 + SEAL_RECORD + ABYTES */
};

static int box_record(struct sink *s, unsigned char tag)
{
	unsigned long long clen;
	crypto_secretstream_xchacha20poly1305_push(&s->st, s->out + 4, &clen, s->buf, s->used,
						   s->first ? s->ad : NULL, s->first ? sizeof s->ad : 0,
						   tag);
	s->first = 0;
	put_le32(s->out, (uint32_t)clen);
	s->used = 0;
	return tool_write_all(s->fd, s->out, 4 + (size_t)clen);
}

static int sink_put(struct sink *s, const uint8_t *p, size_t n)
{
	if (!s->boxed)
		return tool_write_all(s->fd, p, n);
	while (n > 0) {
		if (s->used == SEAL_RECORD && box_record(s, 0) < 0)
			return -1;
		size_t k = SEAL_RECORD - s->used < n ? SEAL_RECORD - s->used : n;
		memcpy(s->buf + s->used, p, k);
		s->used += k;
		p += k;
		n -= k;
	}
	return 0;
}

static int sink_end(struct sink *s)
{
	return s->boxed ? box_record(s, crypto_secretstream_xchacha20poly1305_TAG_FINAL) : 0;
}

/* Compression of the content on its way to the sink. */
struct compressor {
	ZSTD_CCtx *z;
	uint8_t *out;
	size_t out_cap;
	struct sink *s;
	int write_failed;
	size_t zerr;
};

static int compress_put(void *arg, const uint8_t *p, size_t n)
{
	struct compressor *c = arg;
	ZSTD_inBuffer ib = { p, n, 0 };
	int flush = p == NULL;
	size_t r = 1;
	while (ib.pos < ib.size || (flush && r != 0)) {
		ZSTD_outBuffer ob = { c->out, c->out_cap, 0 };
		r = ZSTD_compressStream2(c->z, &ob, &ib, flush ? ZSTD_e_flush : ZSTD_e_continue);
		if (ZSTD_isError(r)) {
			c->zerr = r;
			return -1;
		}
		if (sink_put(c->s, c->out, ob.pos) < 0) {
			c->write_failed = 1;
			return -1;
		}
	}
	return 0;
}

static int compress_end(struct compressor *c)
{
	ZSTD_inBuffer ib = { NULL, 0, 0 };
	size_t left;
	do {
		ZSTD_outBuffer ob = { c->out, c->out_cap, 0 };
		left = ZSTD_compressStream2(c->z, &ob, &ib, ZSTD_e_end);
		if (ZSTD_isError(left)) {
			c->zerr = left;
			return -1;
		}
		if (sink_put(c->s, c->out, ob.pos) < 0) {
			c->write_failed = 1;
			return -1;
		}
	} while (left != 0);
	return 0;
}

/* The content of raw_fd (plain_size bytes) into s: split and compressed, or as it is.  The file
 * is mapped (read-only, private: the wrapper's own memory stays small, the pages are the page
 * cache's) and given back as the encoder moves on. */
static int seal_content(int raw_fd, uint64_t plain_size, int compress, struct sink *s, char *why,
			size_t n)
{
	const uint8_t *map = NULL;
	if (plain_size > 0) {
		map = mmap(NULL, (size_t)plain_size, PROT_READ, MAP_PRIVATE, raw_fd, 0);
		if (map == MAP_FAILED) {
			snprintf(why, n, "cannot map the trace: %s", strerror(errno));
			return -1;
		}
		madvise((void *)map, (size_t)plain_size, MADV_SEQUENTIAL);
	}
	int rc = -1;
	struct compressor c = { .s = s };
	if (!compress) {
		for (size_t at = 0; at < (size_t)plain_size; at += SPLIT_SEGMENT) {
			size_t k = (size_t)plain_size - at < SPLIT_SEGMENT ? (size_t)plain_size - at
									 : SPLIT_SEGMENT;
			if (sink_put(s, map + at, k) < 0)
				goto write_failed;
			madvise((void *)(map + at), k & ~(size_t)4095, MADV_DONTNEED); /* flat memory */
		}
	} else {
		c.z = ZSTD_createCCtx();
		c.out_cap = ZSTD_CStreamOutSize();
		c.out = malloc(c.out_cap);
		if (!c.z || !c.out) {
			snprintf(why, n, "out of memory");
			goto out;
		}
		ZSTD_CCtx_setParameter(c.z, ZSTD_c_compressionLevel, seal_level(plain_size));
		ZSTD_CCtx_setParameter(c.z, ZSTD_c_checksumFlag, 1);
		if (split_encode(map, (size_t)plain_size, compress_put, &c) < 0 || compress_end(&c) < 0) {
			if (c.write_failed)
				goto write_failed;
			if (c.zerr)
				snprintf(why, n, "zstd: %s", ZSTD_getErrorName(c.zerr));
			else
				snprintf(why, n, "out of memory");
			goto out;
		}
	}
	if (sink_end(s) < 0)
		goto write_failed;
	rc = 0;
	goto out;
write_failed:
	snprintf(why, n, "cannot write the sealed trace: %s", strerror(errno));
out:
	ZSTD_freeCCtx(c.z);
	free(c.out);
	if (map)
		munmap((void *)map, (size_t)plain_size);
	return rc;
}

/* Wait until no process is recording into the file at path: libretrace holds a shared flock on
 * its trace while it may write (interpose/core.c), so a child the program left running, or one
 * writing its trailer and trimming its file as it exits, is waited for until the deadline.
 * Returns an fd holding the exclusive lock (kept while sealing), -1 when the wait timed out, -2
 * when the file cannot be opened (errno set). */
static int wait_recorded(const char *path, const struct timespec *deadline)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -2;
	for (;;) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			return fd;
		if (errno != EWOULDBLOCK && errno != EINTR) {
			/* a file system without flock: nothing to wait for */
			return fd;
		}
		struct timespec now;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec > deadline->tv_sec ||
		    (now.tv_sec == deadline->tv_sec && now.tv_nsec >= deadline->tv_nsec)) {
			close(fd);
			return -1;
		}
		struct timespec step = { 0, 20 * 1000 * 1000 };
		nanosleep(&step, NULL);
	}
}

/* Seal one plain file into dest through a temporary beside dest. */
static int seal_file(const char *raw, const char *dest, const struct seal_opts *o,
		     const uint8_t *pk, char *why, size_t n)
{
	int raw_fd = open(raw, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	if (raw_fd < 0 || fstat(raw_fd, &st) < 0) {
		snprintf(why, n, "cannot open %s: %s", raw, strerror(errno));
		if (raw_fd >= 0)
			close(raw_fd);
		return -1;
	}
	uint8_t magic[8];
	if (pread(raw_fd, magic, sizeof magic, 0) == (ssize_t)sizeof magic &&
	    memcmp(magic, SEAL_MAGIC, 8) == 0) {
		close(raw_fd); /* sealed already (a recovery run, say) */
		if (strcmp(raw, dest) != 0 && rename(raw, dest) < 0) {
			snprintf(why, n, "cannot move %s to %s: %s", raw, dest, strerror(errno));
			return -1;
		}
		return 0;
	}
	char tmp[PATH_MAX];
	const char *slash = strrchr(dest, '/');
	int dlen = slash ? (int)(slash - dest + 1) : 0;
	if (snprintf(tmp, sizeof tmp, "%.*s.%s.sealing.XXXXXX", dlen, dest,
		     slash ? slash + 1 : dest) >= (int)sizeof tmp) {
		snprintf(why, n, "%s: name too long", dest);
		close(raw_fd);
		return -1;
	}
	int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, n, "cannot create a file beside %s: %s", dest, strerror(errno));
		close(raw_fd);
		return -1;
	}
	fchmod(fd, 0600);

	struct sink s = { .fd = fd, .boxed = pk != NULL, .first = 1 };
	uint8_t head[SEAL_HEAD + SEAL_BOX_HEAD];
	memcpy(head, SEAL_MAGIC, 8);
	put_le32(head + 8, SEAL_VERSION);
	put_le32(head + 12, (o->compress ? SEAL_ZSTD | SEAL_SPLIT : 0) | (pk ? SEAL_BOX : 0));
	put_le64(head + 16, (uint64_t)st.st_size);
	size_t head_len = SEAL_HEAD;
	uint8_t k[crypto_secretstream_xchacha20poly1305_KEYBYTES];
	int rc = -1;
	if (pk) {
		s.buf = malloc(SEAL_RECORD);
		s.out = malloc(4 + SEAL_RECORD + SEAL_ABYTES);
		if (!s.buf || !s.out) {
			snprintf(why, n, "out of memory");
			goto out;
		}
		key_id(head + SEAL_HEAD, pk);
		crypto_secretstream_xchacha20poly1305_keygen(k);
		crypto_box_seal(head + SEAL_HEAD + SEAL_KEY_ID, k, sizeof k, pk);
		crypto_secretstream_xchacha20poly1305_init_push(
			&s.st, head + SEAL_HEAD + SEAL_KEY_ID + SEAL_SEALED_KEY, k);
		memcpy(s.ad, head, sizeof s.ad);
		head_len += SEAL_BOX_HEAD;
	}
	if (tool_write_all(fd, head, head_len) < 0) {
		snprintf(why, n, "cannot write %s: %s", tmp, strerror(errno));
		goto out;
	}
	if (seal_content(raw_fd, (uint64_t)st.st_size, o->compress, &s, why, n) < 0)
		goto out;
	if (fsync(fd) < 0 || close(fd) < 0) {
		fd = -1;
		snprintf(why, n, "cannot write %s: %s", tmp, strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp, dest) < 0) {
		snprintf(why, n, "cannot rename %s to %s: %s", tmp, dest, strerror(errno));
		goto out;
	}
	tmp[0] = '\0';
	if (strcmp(raw, dest) != 0)
		unlink(raw);
	rc = 0;
out:
	sodium_memzero(k, sizeof k);
	sodium_memzero(&s.st, sizeof s.st);
	if (s.buf)
		sodium_memzero(s.buf, SEAL_RECORD);
	free(s.buf);
	free(s.out);
	if (fd >= 0)
		close(fd);
	if (tmp[0])
		unlink(tmp);
	close(raw_fd);
	return rc;
}

static void sync_dir_of(const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - path) + (slash == path) : 1,
		 slash ? path : ".");
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

int seal_family(const char *raw, const char *dest, const struct seal_opts *o, char *why, size_t n)
{
	uint8_t pk[crypto_box_PUBLICKEYBYTES];
	if (o->public_key && load_public_key(o->public_key, pk, why, n) < 0)
		return -1;
	struct trace_family f;
	if (trace_family_list(raw, &f) < 0) {
		snprintf(why, n, "cannot list %s: %s", raw, strerror(errno));
		return -1;
	}
	int rc = 0;
	char from[PATH_MAX], to[PATH_MAX], first_why[2 * PATH_MAX + 256] = "";
	/* children the program left running get this long, all together, to finish */
	struct timespec deadline;
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += SEAL_WAIT_SECONDS;
	for (size_t i = 0; i < f.n; i++) {
		snprintf(from, sizeof from, "%s%s", raw, f.suffix[i]);
		snprintf(to, sizeof to, "%s%s", dest, f.suffix[i]);
		char one[2 * PATH_MAX + 256];
		int lock = wait_recorded(from, &deadline);
		if (lock == -1) {
			snprintf(one, sizeof one, "%s is still being recorded (its process runs on); "
				 "it is left plain", from);
		} else if (lock == -2) {
			snprintf(one, sizeof one, "cannot open %s: %s", from, strerror(errno));
		} else {
			int r = seal_wanted(o) ? seal_file(from, to, o, o->public_key ? pk : NULL, one,
							   sizeof one)
				: strcmp(from, to) != 0 && rename(from, to) < 0
					? (snprintf(one, sizeof one, "cannot move %s: %s", from,
						    strerror(errno)), -1)
					: 0;
			close(lock);
			if (r == 0)
				continue;
		}
		if (rc == 0)
			snprintf(first_why, sizeof first_why, "%s", one);
		rc = -1;
	}
	if (rc < 0)
		snprintf(why, n, "%s", first_why);
	if (f.n)
		sync_dir_of(dest);
	trace_family_free(&f);
	return rc;
}

/* ---- unsealing ---------------------------------------------------------------------------- */

int seal_is_sealed(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	uint8_t magic[8];
	ssize_t got = tool_read_full(fd, magic, sizeof magic);
	int e = errno;
	close(fd);
	if (got < 0) {
		errno = e;
		return -1;
	}
	return got == (ssize_t)sizeof magic && memcmp(magic, SEAL_MAGIC, 8) == 0;
}

/* Where the content comes from: straight from the file, or out of the secret stream. */
struct source {
	int fd;
	int boxed;
	crypto_secretstream_xchacha20poly1305_state st;
	uint8_t ad[SEAL_HEAD + SEAL_KEY_ID];
	int first, final;
	uint8_t *rec; /* ciphertext of one record */
	uint8_t *buf; /* its plain bytes */
	size_t have, pos;
};

/* Up to n content bytes into p: 0 at the end, -1 with why. */
static ssize_t source_get(struct source *s, uint8_t *p, size_t n, char *why, size_t wn)
{
	if (!s->boxed) {
		ssize_t r = tool_read_full(s->fd, p, n);
		if (r < 0)
			snprintf(why, wn, "cannot read: %s", strerror(errno));
		return r;
	}
	while (s->pos == s->have) {
		if (s->final)
			return 0;
		uint8_t len4[4];
		ssize_t r = tool_read_full(s->fd, len4, 4);
		if (r != 4) {
			snprintf(why, wn, r < 0 ? "cannot read: %s" : "it is cut short (the end of its "
				 "encrypted content is missing)", strerror(errno));
			return -1;
		}
		uint32_t clen = le32(len4);
		if (clen < SEAL_ABYTES || clen > SEAL_RECORD + SEAL_ABYTES) {
			snprintf(why, wn, "it is damaged (a record of %u bytes)", clen);
			return -1;
		}
		if (tool_read_full(s->fd, s->rec, clen) != (ssize_t)clen) {
			snprintf(why, wn, "it is cut short (in an encrypted record)");
			return -1;
		}
		unsigned long long mlen;
		unsigned char tag;
		if (crypto_secretstream_xchacha20poly1305_pull(&s->st, s->buf, &mlen, &tag, s->rec, clen,
							       s->first ? s->ad : NULL,
							       s->first ? sizeof s->ad : 0) != 0) {
			snprintf(why, wn, "it is damaged or forged (an encrypted record does not "
				 "authenticate)");
			return -1;
		}
		s->first = 0;
		s->have = (size_t)mlen;
		s->pos = 0;
		if (tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL) {
			s->final = 1;
			uint8_t extra;
			if (read(s->fd, &extra, 1) != 0) {
				snprintf(why, wn, "it is damaged (bytes after its end)");
				return -1;
			}
		} else if (tag != 0) {
			snprintf(why, wn, "it is damaged (an unknown record tag)");
			return -1;
		}
	}
	size_t k = s->have - s->pos < n ? s->have - s->pos : n;
	memcpy(p, s->buf + s->pos, k);
	s->pos += k;
	return (ssize_t)k;
}

/* Unseal `in` (opened, its head read and checked) into out_fd. */
static int unseal_content(struct source *s, int compressed, int split, uint64_t plain_size,
			  int out_fd, char *why, size_t n)
{
	struct unsplit us;
	unsplit_init(&us, out_fd, plain_size);
	size_t in_cap = ZSTD_DStreamInSize(), out_cap = ZSTD_DStreamOutSize();
	uint8_t *in = malloc(in_cap), *out = malloc(out_cap);
	ZSTD_DCtx *z = compressed ? ZSTD_createDCtx() : NULL;
	int rc = -1;
	uint64_t total = 0;
	size_t left = 1; /* zstd: more of the frame expected */
	if (!in || !out || (compressed && !z)) {
		snprintf(why, n, "out of memory");
		goto out;
	}
	if (z)
		ZSTD_DCtx_setParameter(z, ZSTD_d_windowLogMax, 27); /* what any level up to 19 needs */
	for (;;) {
		ssize_t got = source_get(s, in, in_cap, why, n);
		if (got < 0)
			goto out;
		if (got == 0)
			break;
		if (!z) {
			total += (uint64_t)got;
			if (total > plain_size) {
				snprintf(why, n, "it is damaged (longer than its head says)");
				goto out;
			}
			if (tool_write_all(out_fd, in, (size_t)got) < 0)
				goto write_failed;
			continue;
		}
		ZSTD_inBuffer ib = { in, (size_t)got, 0 };
		while (ib.pos < ib.size) {
			if (left == 0) {
				snprintf(why, n, "it is damaged (bytes after its compressed content)");
				goto out;
			}
			ZSTD_outBuffer ob = { out, out_cap, 0 };
			left = ZSTD_decompressStream(z, &ob, &ib);
			if (ZSTD_isError(left)) {
				snprintf(why, n, "it is damaged (zstd: %s)", ZSTD_getErrorName(left));
				goto out;
			}
			if (split) {
				int r = unsplit_feed(&us, out, ob.pos, why, n);
				if (r < 0) {
					rc = r == -2 ? -2 : -1;
					goto out;
				}
				total = us.written;
				continue;
			}
			total += ob.pos;
			if (total > plain_size) {
				snprintf(why, n, "it is damaged (longer than its head says)");
				goto out;
			}
			if (tool_write_all(out_fd, out, ob.pos) < 0)
				goto write_failed;
		}
	}
	if (z && left != 0) {
		snprintf(why, n, "it is cut short (its compressed content ends early)");
		goto out;
	}
	if (split && unsplit_end(&us, why, n) < 0)
		goto out;
	if (total != plain_size) {
		snprintf(why, n, "it is cut short (%llu bytes of %llu)", (unsigned long long)total,
			 (unsigned long long)plain_size);
		goto out;
	}
	rc = 0;
	goto out;
write_failed:
	snprintf(why, n, "cannot write the unsealed copy: %s", strerror(errno));
	rc = -2;
out:;
	int e = errno; /* a write's ENOSPC, for the caller's message */
	unsplit_free(&us);
	ZSTD_freeDCtx(z);
	free(in);
	free(out);
	errno = e;
	return rc;
}

struct secret {
	int loaded;
	uint8_t pk[crypto_box_PUBLICKEYBYTES];
	uint8_t sk[crypto_box_SECRETKEYBYTES];
	const char *path;
};

/* Unseal one file into out_path.  Returns 0, RETRACE_EXIT_BAD_TRACE or RETRACE_EXIT_ERROR. */
static int unseal_file(const char *path, const char *out_path, struct secret *key, char *why,
		       size_t n)
{
	char sub[2 * PATH_MAX + 256];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, n, "%s: %s", path, strerror(errno));
		return RETRACE_EXIT_BAD_TRACE;
	}
	struct source s = { .fd = fd, .first = 1 };
	uint8_t head[SEAL_HEAD + SEAL_BOX_HEAD];
	int rc = RETRACE_EXIT_BAD_TRACE, out_fd = -1;
	if (tool_read_full(fd, head, SEAL_HEAD) != SEAL_HEAD || memcmp(head, SEAL_MAGIC, 8) != 0) {
		snprintf(why, n, "%s: not a sealed trace, or cut short in its head", path);
		goto out;
	}
	uint32_t version = le32(head + 8), flags = le32(head + 12);
	uint64_t plain_size = le64(head + 16);
	if (version != SEAL_VERSION) {
		snprintf(why, n, "%s: sealed by a newer retrace (seal version %u)", path, version);
		goto out;
	}
	if ((flags & ~(SEAL_ZSTD | SEAL_BOX | SEAL_SPLIT)) || ((flags & SEAL_SPLIT) && !(flags & SEAL_ZSTD))) {
		snprintf(why, n, "%s: sealed with features this retrace does not know (flags 0x%x)",
			 path, flags);
		goto out;
	}
	if (flags & SEAL_BOX) {
		if (tool_read_full(fd, head + SEAL_HEAD, SEAL_BOX_HEAD) != SEAL_BOX_HEAD) {
			snprintf(why, n, "%s: cut short in its head", path);
			goto out;
		}
		const char *kp = key->path ? key->path : getenv("RETRACE_SECRET_KEY");
		if (!kp || !*kp) {
			snprintf(why, n, "%s is encrypted; give its secret key with --key FILE or "
				 "RETRACE_SECRET_KEY", path);
			goto out;
		}
		if (!key->loaded) {
			if (load_secret_key(kp, key->pk, key->sk, sub, sizeof sub) < 0) {
				snprintf(why, n, "%s", sub);
				rc = RETRACE_EXIT_USAGE;
				goto out;
			}
			key->loaded = 1;
		}
		uint8_t id[SEAL_KEY_ID];
		key_id(id, key->pk);
		uint8_t k[crypto_secretstream_xchacha20poly1305_KEYBYTES];
		if (sodium_memcmp(id, head + SEAL_HEAD, SEAL_KEY_ID) != 0) {
			snprintf(why, n, "%s is encrypted to another key than %s", path, kp);
			goto out;
		}
		if (crypto_box_seal_open(k, head + SEAL_HEAD + SEAL_KEY_ID, SEAL_SEALED_KEY, key->pk,
					 key->sk) != 0 ||
		    crypto_secretstream_xchacha20poly1305_init_pull(
			    &s.st, head + SEAL_HEAD + SEAL_KEY_ID + SEAL_SEALED_KEY, k) != 0) {
			sodium_memzero(k, sizeof k);
			snprintf(why, n, "%s: its key does not open with %s; the trace is damaged",
				 path, kp);
			goto out;
		}
		sodium_memzero(k, sizeof k);
		s.boxed = 1;
		memcpy(s.ad, head, sizeof s.ad);
		s.rec = malloc(SEAL_RECORD + SEAL_ABYTES);
		s.buf = malloc(SEAL_RECORD);
		if (!s.rec || !s.buf) {
			snprintf(why, n, "out of memory");
			rc = RETRACE_EXIT_ERROR;
			goto out;
		}
	}
	/* Room first, so a full disk is a clear error before any work.  Only a head that is known
	 * to be genuine can say how much: an encrypted one once its first record authenticates it
	 * (pulled here, 0 bytes taken), since a flipped plain_size is damage (91), not a disk too
	 * small (95).  Without encryption nothing vouches for plain_size before the end, so a full
	 * disk shows as the copy's write failing (ENOSPC, same message) and a wrong size as damage. */
	char dir[PATH_MAX];
	snprintf(dir, sizeof dir, "%.*s", (int)(strrchr(out_path, '/') - out_path), out_path);
	if (s.boxed) {
		uint8_t none;
		if (source_get(&s, &none, 0, sub, sizeof sub) < 0) {
			snprintf(why, n, "%s: %s", path, sub);
			goto out;
		}
		struct statvfs vfs;
		if (statvfs(dir, &vfs) == 0 && (uint64_t)vfs.f_bavail * vfs.f_frsize < plain_size) {
			snprintf(why, n, "%s: no room to unseal it in %s (%llu bytes needed; set TMPDIR)",
				 path, dir, (unsigned long long)plain_size);
			rc = RETRACE_EXIT_ERROR;
			goto out;
		}
	}
	out_fd = open(out_path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (out_fd < 0) {
		snprintf(why, n, "cannot create %s: %s", out_path, strerror(errno));
		rc = RETRACE_EXIT_ERROR;
		goto out;
	}
	int r = unseal_content(&s, (flags & SEAL_ZSTD) != 0, (flags & SEAL_SPLIT) != 0, plain_size,
			       out_fd, sub, sizeof sub);
	if (r == 0) {
		rc = 0;
	} else if (r == -2 && errno == ENOSPC) {
		snprintf(why, n, "%s: no room to unseal it in %s (%llu bytes needed; set TMPDIR)", path,
			 dir, (unsigned long long)plain_size);
		rc = RETRACE_EXIT_ERROR;
	} else {
		snprintf(why, n, "%s: %s", path, sub);
		rc = r == -2 ? RETRACE_EXIT_ERROR : RETRACE_EXIT_BAD_TRACE;
	}
out:
	sodium_memzero(&s.st, sizeof s.st);
	if (s.buf)
		sodium_memzero(s.buf, SEAL_RECORD);
	free(s.rec);
	free(s.buf);
	if (out_fd >= 0)
		close(out_fd);
	close(fd);
	return rc;
}

/* The trace whose family holds `path`: path with trailing ".N" parts taken off while a sealed
 * file is there by that name (a child's trace is replayed from its root's: retrace-replay's
 * fork_root).  Returns the length of that name within path. */
static size_t family_root_len(const char *path)
{
	size_t len = strlen(path), best = len;
	char cand[PATH_MAX];
	while (len > 0) {
		size_t i = len;
		while (i > 0 && path[i - 1] >= '0' && path[i - 1] <= '9')
			i--;
		if (i == len || i < 2 || path[i - 1] != '.' || path[i] == '0')
			break;
		len = i - 1;
		snprintf(cand, sizeof cand, "%.*s", (int)len, path);
		if (seal_is_sealed(cand) == 1)
			best = len;
	}
	return best;
}

int seal_open_plain(const char *path, const char *secret_key, char **plain, char **tmpdir,
		    char *why, size_t n)
{
	*plain = NULL;
	*tmpdir = NULL;
	int sealed = seal_is_sealed(path);
	if (sealed <= 0) {
		/* plain, foreign or unreadable: the reader says which */
		if (!(*plain = strdup(path))) {
			snprintf(why, n, "out of memory");
			return RETRACE_EXIT_ERROR;
		}
		return 0;
	}
	if (sodium_ready(why, n) < 0)
		return RETRACE_EXIT_ERROR;
	char abs[PATH_MAX];
	if (!realpath(path, abs)) {
		snprintf(why, n, "%s: %s", path, strerror(errno));
		return RETRACE_EXIT_BAD_TRACE;
	}
	size_t root_len = family_root_len(abs);
	char root[PATH_MAX];
	snprintf(root, sizeof root, "%.*s", (int)root_len, abs);
	const char *base = strrchr(root, '/') + 1;

	const char *t = getenv("TMPDIR");
	char *dir;
	if (asprintf(&dir, "%s/retrace-unsealed.XXXXXX", t && *t ? t : "/tmp") < 0) {
		snprintf(why, n, "out of memory");
		return RETRACE_EXIT_ERROR;
	}
	if (!mkdtemp(dir)) {
		snprintf(why, n, "cannot make a directory to unseal %s into (%s): %s", path, dir,
			 strerror(errno));
		free(dir);
		return RETRACE_EXIT_ERROR;
	}
	struct trace_family f;
	if (trace_family_list(root, &f) < 0) {
		snprintf(why, n, "cannot list %s: %s", root, strerror(errno));
		rmdir(dir);
		free(dir);
		return RETRACE_EXIT_BAD_TRACE;
	}
	struct secret key = { .path = secret_key };
	int rc = 0;
	char from[PATH_MAX], to[PATH_MAX];
	for (size_t i = 0; i < f.n && rc == 0; i++) {
		snprintf(from, sizeof from, "%s%s", root, f.suffix[i]);
		snprintf(to, sizeof to, "%s/%s%s", dir, base, f.suffix[i]);
		int s = seal_is_sealed(from);
		if (s == 1)
			rc = unseal_file(from, to, &key, why, n);
		else if (symlink(from, to) < 0) /* left plain (its process ran on): read it there */
			snprintf(why, n, "cannot link %s: %s", to, strerror(errno)), rc = RETRACE_EXIT_ERROR;
	}
	sodium_memzero(key.sk, sizeof key.sk);
	trace_family_free(&f);
	if (rc == 0 && asprintf(plain, "%s/%s%s", dir, base, abs + root_len) < 0)
		snprintf(why, n, "out of memory"), rc = RETRACE_EXIT_ERROR;
	if (rc != 0) {
		seal_cleanup(NULL, dir);
		*plain = NULL;
		return rc;
	}
	*tmpdir = dir;
	return 0;
}

void seal_cleanup(char *plain, char *tmpdir)
{
	free(plain);
	if (!tmpdir)
		return;
	DIR *d = opendir(tmpdir);
	if (d) {
		struct dirent *de;
		while ((de = readdir(d)) != NULL)
			if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
				unlinkat(dirfd(d), de->d_name, 0);
		closedir(d);
	}
	rmdir(tmpdir);
	free(tmpdir);
}
