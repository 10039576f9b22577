/**
 * What a failed request's Node error says about whether it left the server, for every backend.
 * A write that never left changed nothing; one that may have left must not be called undone.
 */

/** No connection was made (refused, no such host, no route): no request went out. */
export const NOT_CONNECTED_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/** Node's codes for a server certificate it does not accept: raised only in a handshake, before any request. */
export const CERTIFICATE_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/**
 * The request never left: the failing call was the connect or the lookup, or the certificate was
 * refused. The same "unreachable" codes on a read or write come from a connection already used.
 */
export function neverConnected(code: string, syscall: string | undefined): boolean {
  return (NOT_CONNECTED_CODES.has(code) && (syscall === 'connect' || syscall === 'getaddrinfo')) || CERTIFICATE_CODES.has(code);
}

/**
 * A TLS failure other than a refused certificate: an endpoint that does not speak https, or a
 * middlebox that broke the session. These codes also come after a request went out on a kept-alive
 * socket, so the request's outcome is unknown. OpenSSL's own words mean nothing to a model.
 */
export function brokenTls(code: string, message: string): boolean {
  return code === 'EPROTO' || code.startsWith('ERR_SSL_') || /SSL routines|wrong version number/i.test(message);
}
