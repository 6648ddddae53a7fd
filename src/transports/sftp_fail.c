/* SFTP errors: a libssh2 failure as a message and an enum ka_err, and a
 * connection marked lost. The bottom of the SFTP files: sftp_session.c,
 * sftp_xfer.c, sftp_ext.c and sftp.c call it, it calls none of them. */
#include "sftp_int.h"

#include <stdio.h>
#include <sys/socket.h>

static const char *fx_text(unsigned long st)
{
	switch (st) {
	case LIBSSH2_FX_EOF: return "end of file";
	case LIBSSH2_FX_NO_SUCH_FILE: return "no such file";
	case LIBSSH2_FX_PERMISSION_DENIED: return "permission denied";
	case LIBSSH2_FX_FAILURE: return "failure";
	case LIBSSH2_FX_BAD_MESSAGE: return "bad message";
	case LIBSSH2_FX_NO_CONNECTION: return "no connection";
	case LIBSSH2_FX_CONNECTION_LOST: return "connection lost";
	case LIBSSH2_FX_OP_UNSUPPORTED: return "operation not supported";
	case LIBSSH2_FX_NO_SUCH_PATH: return "no such path";
	case LIBSSH2_FX_FILE_ALREADY_EXISTS: return "file already exists";
	case LIBSSH2_FX_WRITE_PROTECT: return "write protected";
	case LIBSSH2_FX_NO_SPACE_ON_FILESYSTEM: return "no space left on the server";
	case LIBSSH2_FX_QUOTA_EXCEEDED: return "quota exceeded";
	case LIBSSH2_FX_DIR_NOT_EMPTY: return "directory not empty";
	case LIBSSH2_FX_NOT_A_DIRECTORY: return "not a directory";
	default: return "server error";
	}
}

static int fx_code(unsigned long st)
{
	switch (st) {
	case LIBSSH2_FX_NO_SUCH_FILE: case LIBSSH2_FX_NO_SUCH_PATH:
		return KA_NOENT;
	case LIBSSH2_FX_FILE_ALREADY_EXISTS:
		return KA_EXISTS;
	case LIBSSH2_FX_PERMISSION_DENIED: case LIBSSH2_FX_WRITE_PROTECT:
		return KA_PERMANENT;
	case LIBSSH2_FX_NO_SPACE_ON_FILESYSTEM: case LIBSSH2_FX_QUOTA_EXCEEDED:
		return KA_NOSPACE;
	case LIBSSH2_FX_NO_CONNECTION: case LIBSSH2_FX_CONNECTION_LOST:
		return KA_TRANSIENT;
	default:
		return KA_ERR;
	}
}

void sftp_lost(struct tconn *c)
{
	c->broken = 1;
	/* Shut the socket at once: closing the file handle and the session
	 * then fails fast instead of waiting io_timeout again for a server
	 * that stopped answering. */
	if (c->sock >= 0)
		shutdown(c->sock, SHUT_RDWR);
}

int sftp_fail(struct tconn *c, const char *what, const char *path, char *err)
{
	int e = c->s ? libssh2_session_last_errno(c->s) : LIBSSH2_ERROR_SOCKET_DISCONNECT;
	if (e == LIBSSH2_ERROR_SFTP_PROTOCOL && c->sftp) {
		unsigned long st = libssh2_sftp_last_error(c->sftp);
		snprintf(err, ERRLEN, "%s: %s %s: %s", c->label, what, path, fx_text(st));
		int rc = fx_code(st);
		if (rc == KA_TRANSIENT)
			sftp_lost(c);
		return rc;
	}
	/* Anything else is the session's failure (socket, timeout, protocol):
	 * the connection cannot be trusted any more. */
	char *msg = NULL;
	if (c->s)
		libssh2_session_last_error(c->s, &msg, NULL, 0);
	c->timed_out = e == LIBSSH2_ERROR_TIMEOUT;
	if (c->timed_out)
		snprintf(err, ERRLEN, "%s: %s %s: connection dropped: no answer from the server "
			 "within %s = %d s", c->label, what, path, c->tmo_key, c->tmo_secs);
	else
		snprintf(err, ERRLEN, "%s: %s %s: connection failed: %s", c->label, what, path,
			 msg && *msg ? msg : "session closed");
	sftp_lost(c);
	return KA_TRANSIENT;
}
