// Package deflate is RFC 7692 permessage-deflate: the negotiation
// parameters of §7 (parse, format, validate a response, choose a response
// as a server) and the message compression of §7.2 (Compressor,
// Decompressor, and Codec for one connection), built on
// github.com/klauspost/compress/flate, a faster drop-in for compress/flate.
package deflate
