//go:build cgo

package psk

/*
#cgo LDFLAGS: -lssl -lcrypto
#include <stdlib.h>
#include <string.h>
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/crypto.h>

// OpenSSL never touches the socket: it reads and writes two memory BIOs and
// Go moves the bytes between them and the net.Conn. So no C call blocks,
// deadlines are the net.Conn's, and any net.Conn (the outbound policy's
// dialer included) carries TLS-PSK.
typedef struct {
	SSL *ssl;
	BIO *in;  // bytes from the agent: Go writes them, OpenSSL reads
	BIO *out; // bytes to the agent: OpenSSL writes, Go reads and sends
	// The identity and key the PSK callback hands OpenSSL. They are copied
	// here, in C memory, so the callback never reads Go memory, and wiped
	// when the connection is freed.
	char identity[129];
	unsigned char key[256];
	unsigned int key_len;
	char err[256]; // the reason of the last failed operation
} unyo_psk;

static unsigned int unyo_psk_client_cb(SSL *ssl, const char *hint, char *identity,
		unsigned int max_identity_len, unsigned char *psk, unsigned int max_psk_len) {
	unyo_psk *p = SSL_get_app_data(ssl);
	size_t n;
	if (p == NULL) return 0;
	n = strlen(p->identity);
	if (n + 1 > max_identity_len || p->key_len > max_psk_len) return 0;
	memcpy(identity, p->identity, n + 1);
	memcpy(psk, p->key, p->key_len);
	return p->key_len;
}

static void unyo_psk_reason(char *dst, size_t len, const char *fallback) {
	unsigned long e = ERR_get_error(); // the earliest: the cause, not its consequences
	const char *r = e ? ERR_reason_error_string(e) : NULL;
	if (r == NULL) r = fallback;
	strncpy(dst, r, len - 1);
	dst[len - 1] = 0;
	ERR_clear_error();
}

// unyo_psk_ctx makes the one SSL_CTX of the process. It is only read once
// made, which OpenSSL allows from any number of threads.
static SSL_CTX *unyo_psk_ctx(char *err, size_t errlen) {
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	if (ctx == NULL
		|| !SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION)
		|| !SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION)
		|| !SSL_CTX_set_cipher_list(ctx, "kECDHEPSK+AES128:kPSK+AES128")
		|| !SSL_CTX_set_ciphersuites(ctx, "TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256")) {
		unyo_psk_reason(err, errlen, "cannot set up OpenSSL");
		SSL_CTX_free(ctx);
		return NULL;
	}
	// No certificate is asked for or checked: unyo_psk_authenticated
	// refuses, after the handshake, any that did not use the key.
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	SSL_CTX_set_psk_client_callback(ctx, unyo_psk_client_cb);
	SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	return ctx;
}

static unyo_psk *unyo_psk_new(SSL_CTX *ctx, const char *identity, size_t identity_len,
		const unsigned char *key, size_t key_len) {
	unyo_psk *p;
	if (identity_len >= sizeof p->identity || key_len > sizeof p->key) return NULL;
	p = calloc(1, sizeof *p);
	if (p == NULL) return NULL;
	p->ssl = SSL_new(ctx);
	p->in = BIO_new(BIO_s_mem());
	p->out = BIO_new(BIO_s_mem());
	if (p->ssl == NULL || p->in == NULL || p->out == NULL) {
		BIO_free(p->in);
		BIO_free(p->out);
		SSL_free(p->ssl);
		free(p);
		ERR_clear_error();
		return NULL;
	}
	SSL_set_bio(p->ssl, p->in, p->out); // the SSL owns both BIOs from here
	SSL_set_app_data(p->ssl, p);
	SSL_set_connect_state(p->ssl);
	memcpy(p->identity, identity, identity_len);
	memcpy(p->key, key, key_len);
	p->key_len = key_len;
	return p;
}

static void unyo_psk_free(unyo_psk *p) {
	SSL_free(p->ssl);
	OPENSSL_cleanse(p, sizeof *p);
	free(p);
}

enum { UNYO_HANDSHAKE, UNYO_READ, UNYO_WRITE, UNYO_SHUTDOWN };

// unyo_psk_op runs one operation and returns SSL_get_error's code
// (SSL_ERROR_NONE when it did its work, *n the bytes read or written). The
// error queue is per thread and a goroutine may change threads between two
// cgo calls, so it is read here, into p->err, and left empty.
static int unyo_psk_op(unyo_psk *p, int op, void *buf, int len, int *n) {
	int r, code;
	ERR_clear_error();
	switch (op) {
	case UNYO_HANDSHAKE: r = SSL_do_handshake(p->ssl); break;
	case UNYO_READ:      r = SSL_read(p->ssl, buf, len); break;
	case UNYO_WRITE:     r = SSL_write(p->ssl, buf, len); break;
	default:             r = SSL_shutdown(p->ssl); if (r == 0) r = 1; break;
	}
	*n = r;
	if (r > 0) {
		return SSL_ERROR_NONE;
	}
	code = SSL_get_error(p->ssl, r);
	if (code == SSL_ERROR_SSL || code == SSL_ERROR_SYSCALL) {
		unyo_psk_reason(p->err, sizeof p->err, "unknown OpenSSL failure");
	}
	ERR_clear_error();
	return code;
}

// unyo_psk_authenticated reports whether the handshake used the key: TLS
// 1.3 resumed with it (it is an external PSK), TLS 1.2 agreed a PSK
// suite, and the peer sent no certificate either way. A server that
// ignored the key and showed a certificate would otherwise be trusted, as
// no certificate is verified.
static int unyo_psk_authenticated(unyo_psk *p) {
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
	X509 *cert = SSL_get1_peer_certificate(p->ssl);
#else
	X509 *cert = SSL_get_peer_certificate(p->ssl);
#endif
	if (cert != NULL) {
		X509_free(cert);
		return 0;
	}
	if (SSL_version(p->ssl) == TLS1_3_VERSION) {
		return SSL_session_reused(p->ssl);
	}
	return SSL_CIPHER_get_auth_nid(SSL_get_current_cipher(p->ssl)) == NID_auth_psk;
}

static const char *unyo_psk_version(unyo_psk *p) { return SSL_get_version(p->ssl); }
static const char *unyo_psk_cipher(unyo_psk *p) { return SSL_CIPHER_get_name(SSL_get_current_cipher(p->ssl)); }

static int unyo_psk_feed(unyo_psk *p, const void *buf, int len) { return BIO_write(p->in, buf, len); }
static int unyo_psk_drain(unyo_psk *p, void *buf, int len) { return BIO_read(p->out, buf, len); }
static size_t unyo_psk_pending(unyo_psk *p) { return BIO_ctrl_pending(p->out); }
*/
import "C"

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"runtime"
	"sync"
	"syscall"
	"time"
	"unsafe"
)

// sslContext is the process's one SSL_CTX, made on first use and never
// freed: it holds no per-connection state.
var sslContext = sync.OnceValues(func() (*C.SSL_CTX, error) {
	var reason [256]C.char
	ctx := C.unyo_psk_ctx(&reason[0], C.size_t(len(reason)))
	if ctx == nil {
		return nil, fmt.Errorf("psk: OpenSSL: %s", C.GoString(&reason[0]))
	}
	return ctx, nil
})

// Conn is a TLS-PSK connection over a net.Conn. Reads and writes are
// serialised (an SSL may not be used from two threads at once); Close
// interrupts either.
type Conn struct {
	raw     net.Conn
	mu      sync.Mutex
	p       *C.unyo_psk // nil once freed
	cleanup runtime.Cleanup
	buf     []byte // bytes between the socket and the BIOs
	state   State
}

// Client runs the handshake with key over raw, which stays the caller's
// to close if it fails. ctx bounds the handshake as well as raw's
// deadline does. The Conn returned must be closed: it holds C memory.
func Client(ctx context.Context, raw net.Conn, key Key) (*Conn, error) {
	if err := key.check(); err != nil {
		return nil, err
	}
	sctx, err := sslContext()
	if err != nil {
		return nil, err
	}
	var kp *C.uchar
	if len(key.Secret) > 0 {
		kp = (*C.uchar)(unsafe.Pointer(&key.Secret[0]))
	}
	p := C.unyo_psk_new(sctx, (*C.char)(unsafe.Pointer(unsafe.StringData(key.Identity))), C.size_t(len(key.Identity)),
		kp, C.size_t(len(key.Secret)))
	if p == nil {
		return nil, errors.New("psk: OpenSSL cannot make a connection (out of memory)")
	}
	c := &Conn{raw: raw, p: p, buf: make([]byte, 17<<10)}
	// A Conn dropped without Close still frees its SSL.
	c.cleanup = runtime.AddCleanup(c, func(p *C.unyo_psk) { C.unyo_psk_free(p) }, p)
	if err := c.handshake(ctx); err != nil {
		c.free()
		return nil, err
	}
	return c, nil
}

func (c *Conn) handshake(ctx context.Context) (err error) {
	stop := context.AfterFunc(ctx, func() { _ = c.raw.SetDeadline(time.Unix(1, 0)) })
	defer func() {
		if !stop() && ctx.Err() != nil {
			err = fmt.Errorf("%w: %w", ErrHandshake, ctx.Err())
		}
	}()
	c.mu.Lock()
	defer c.mu.Unlock()
	for {
		_, code := c.op(C.UNYO_HANDSHAKE, nil)
		if ferr := c.flush(); ferr != nil {
			return fmt.Errorf("%w: cannot send: %w", ErrHandshake, ferr)
		}
		switch code {
		case C.SSL_ERROR_NONE:
			if C.unyo_psk_authenticated(c.p) == 0 {
				return fmt.Errorf("%w: the peer did not use the key (it showed a certificate or took no PSK)", ErrHandshake)
			}
			c.state = State{Version: C.GoString(C.unyo_psk_version(c.p)), Cipher: C.GoString(C.unyo_psk_cipher(c.p))}
			return nil
		case C.SSL_ERROR_WANT_READ:
			if rerr := c.fill(); rerr != nil {
				if errors.Is(rerr, io.EOF) || errors.Is(rerr, syscall.ECONNRESET) {
					return fmt.Errorf("%w: the agent closed the connection: it does not accept TLS-PSK from this address, "+
						"or not this identity and key (its TLSAccept, TLSPSKIdentity, TLSPSKFile)", ErrHandshake)
				}
				return fmt.Errorf("%w: %w", ErrHandshake, rerr)
			}
		default:
			return fmt.Errorf("%w: %s%s", ErrHandshake, C.GoString(&c.p.err[0]), hint(C.GoString(&c.p.err[0])))
		}
	}
}

// State is what the handshake agreed on.
func (c *Conn) State() State { return c.state }

// Read reads decrypted bytes. An agent that closes its side, with or
// without a close_notify, gives io.EOF: the Zabbix frame says its own
// length, so a cut reply is seen there.
func (c *Conn) Read(b []byte) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	if len(b) > math.MaxInt32 {
		b = b[:math.MaxInt32]
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.p == nil {
		return 0, net.ErrClosed
	}
	for {
		n, code := c.op(C.UNYO_READ, b)
		if code == C.SSL_ERROR_NONE {
			return n, nil
		}
		if err := c.flush(); err != nil { // what OpenSSL answers while reading (TLS 1.3 key updates)
			return 0, err
		}
		switch code {
		case C.SSL_ERROR_WANT_READ:
			if err := c.fill(); err != nil {
				return 0, err
			}
		case C.SSL_ERROR_ZERO_RETURN:
			return 0, io.EOF
		default:
			return 0, fmt.Errorf("psk: read: %s", C.GoString(&c.p.err[0]))
		}
	}
}

// Write encrypts b and sends it.
func (c *Conn) Write(b []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.p == nil {
		return 0, net.ErrClosed
	}
	done := 0
	for done < len(b) {
		chunk := b[done:min(len(b), done+16<<10)]
		n, code := c.op(C.UNYO_WRITE, chunk)
		switch code {
		case C.SSL_ERROR_NONE:
			done += n
		case C.SSL_ERROR_WANT_READ:
			if err := c.flush(); err != nil {
				return done, err
			}
			if err := c.fill(); err != nil {
				return done, err
			}
			continue
		default:
			return done, fmt.Errorf("psk: write: %s", C.GoString(&c.p.err[0]))
		}
	}
	return done, c.flush()
}

// Close sends the close_notify when nothing else is using the connection,
// closes the socket and frees the SSL. A Read or Write in progress is
// interrupted by the socket's close.
func (c *Conn) Close() error {
	if c.mu.TryLock() {
		if c.p != nil {
			_ = c.raw.SetWriteDeadline(time.Now().Add(time.Second))
			_, _ = c.op(C.UNYO_SHUTDOWN, nil)
			_ = c.flush()
		}
		c.mu.Unlock()
	}
	err := c.raw.Close()
	c.free()
	return err
}

// free releases the C side once.
func (c *Conn) free() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.p == nil {
		return
	}
	c.cleanup.Stop()
	C.unyo_psk_free(c.p)
	c.p = nil
}

// op runs one OpenSSL operation on b (nil for the handshake and shutdown).
func (c *Conn) op(op C.int, b []byte) (int, C.int) {
	var ptr unsafe.Pointer
	if len(b) > 0 {
		ptr = unsafe.Pointer(&b[0])
	}
	var n C.int
	code := C.unyo_psk_op(c.p, op, ptr, C.int(len(b)), &n)
	return int(n), code
}

// fill reads what the socket has into OpenSSL's input.
func (c *Conn) fill() error {
	n, err := c.raw.Read(c.buf)
	if n > 0 {
		C.unyo_psk_feed(c.p, unsafe.Pointer(&c.buf[0]), C.int(n))
		return nil // an error comes back at the next read, if OpenSSL needs more
	}
	if err == nil {
		err = io.ErrNoProgress
	}
	return err
}

// flush sends what OpenSSL wrote to its output.
func (c *Conn) flush() error {
	for C.unyo_psk_pending(c.p) > 0 {
		n := C.unyo_psk_drain(c.p, unsafe.Pointer(&c.buf[0]), C.int(len(c.buf)))
		if n <= 0 {
			return errors.New("psk: cannot read OpenSSL's output")
		}
		if _, err := c.raw.Write(c.buf[:n]); err != nil {
			return err
		}
	}
	return nil
}

// LocalAddr is the socket's.
func (c *Conn) LocalAddr() net.Addr { return c.raw.LocalAddr() }

// RemoteAddr is the socket's.
func (c *Conn) RemoteAddr() net.Addr { return c.raw.RemoteAddr() }

// SetDeadline sets the socket's: it bounds reads and writes alike.
func (c *Conn) SetDeadline(t time.Time) error { return c.raw.SetDeadline(t) }

// SetReadDeadline sets the socket's.
func (c *Conn) SetReadDeadline(t time.Time) error { return c.raw.SetReadDeadline(t) }

// SetWriteDeadline sets the socket's.
func (c *Conn) SetWriteDeadline(t time.Time) error { return c.raw.SetWriteDeadline(t) }
